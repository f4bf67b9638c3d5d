/* test_end.c - the checked end_access: OK only when no map bit is set, BUSY (entry left alone
 * on v1) while the peer maps, for read-write and read-only maps, on v1 and v2; the v2 order
 * "clear header, full barrier, read status"; and no window for a racing map. */
#include "tests.h"

static gnt_ref_t granted(unsigned version, int readonly)
{
	gnt_ref_t r;

	fx_setup(&fx.x, &fx.lib, version, 0);
	assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(5), readonly, &r), GNT_OK);
	fx_clear_log(&fx.x);
	return r;
}

static void end_unmapped(unsigned version)
{
	gnt_ref_t r = granted(version, 0);

	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
	assert_int_equal(fx_flags(&fx.x, r), 0);
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_CLAIMED);
	/* revoked: Xen now refuses a map */
	assert_false(xen_map(&fx.x, r, 0));
}
static void end_v1_unmapped_ok(void **state) { end_unmapped(1); }
static void end_v2_unmapped_ok(void **state) { end_unmapped(2); }

/* Map (rw or ro), end -> BUSY and the map stays; unmap, end -> OK. */
static void end_mapped(unsigned version, int ro_grant, int rw_map)
{
	gnt_ref_t r = granted(version, ro_grant);
	uint16_t before;
	struct gnt_stats st;

	assert_true(xen_map(&fx.x, r, rw_map));
	before = fx_flags(&fx.x, r);
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_BUSY);
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_BUSY); /* a retry repeats the answer */
	assert_true(xen_map_bits(&fx.x, r) & GTF_reading);
	if (version == 1)
		assert_int_equal(fx_flags(&fx.x, r), before); /* v1: a busy end changes nothing */
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_GRANTED);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.busy, 2);
	assert_int_equal(st.ended, 0);
	xen_unmap(&fx.x, r);
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
	assert_int_equal(fx_flags(&fx.x, r), 0);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.ended, 1);
}
static void end_v1_rw_map_busy(void **state) { end_mapped(1, 0, 1); }
static void end_v1_ro_map_busy(void **state) { end_mapped(1, 0, 0); }
static void end_v1_ro_grant_busy(void **state) { end_mapped(1, 1, 0); }
static void end_v2_rw_map_busy(void **state) { end_mapped(2, 0, 1); }
static void end_v2_ro_map_busy(void **state) { end_mapped(2, 0, 0); }
static void end_v2_ro_grant_busy(void **state) { end_mapped(2, 1, 0); }

/* v1: the revoke is one cmpxchg of flags from the value checked to 0. */
static void end_v1_uses_cmpxchg(void **state)
{
	gnt_ref_t r = granted(1, 0);
	int i;

	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
	i = fx_find(&fx.x, FX_CMPXCHG16, &fx.x.v1[r].flags, 0);
	assert_true(i >= 0);
	assert_int_equal(fx.x.rec[i].val, GTF_permit_access);
	assert_int_equal(fx_find(&fx.x, FX_STORE16, NULL, 0), -1); /* never a plain store */
}

/* v1: a map that lands between the library's load of the flags and its swap makes the swap fail
 * (Xen set the map bits with its own cmpxchg): the answer is BUSY, the entry keeps the map. */
static void end_v1_failed_swap_busy(void **state)
{
	gnt_ref_t r = granted(1, 0);
	int i;

	fx.x.race_at = 0; /* right after the load */
	fx.x.race_ref = r;
	fx.x.race_rw = 1;
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_BUSY);
	assert_true(fx.x.race_won);
	i = fx_find(&fx.x, FX_CMPXCHG16, &fx.x.v1[r].flags, 0);
	assert_true(i == 1); /* the swap was tried, and found the map */
	assert_int_equal(fx.x.rec[i].val, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(fx_flags(&fx.x, r), GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_GRANTED);
	xen_unmap(&fx.x, r);
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
}

/* v2, exactly: header cleared, a full barrier, the status read; and when revoked, a full barrier
 * after the status read (acquire, before the caller reuses the page). The platform's loads and
 * stores are relaxed, so the barriers are the only order there is. */
static void end_v2_order(int mapped)
{
	gnt_ref_t r = granted(2, 0);

	if (mapped)
		assert_true(xen_map(&fx.x, r, 1));
	assert_int_equal(gnt_end_access(&fx.lib, r), mapped ? GNT_BUSY : GNT_OK);
	assert_int_equal(fx.x.nrec, mapped ? 3 : 4);
	assert_int_equal(fx.x.rec[0].op, FX_STORE16);
	assert_ptr_equal(fx.x.rec[0].addr, &fx.x.v2[r].hdr.flags);
	assert_int_equal(fx.x.rec[0].val, 0);
	assert_int_equal(fx.x.rec[1].op, FX_MB); /* not FX_WMB: a store-store barrier lets the load pass */
	assert_int_equal(fx.x.rec[2].op, FX_LOAD16);
	assert_ptr_equal(fx.x.rec[2].addr, &fx.x.status[r]);
	if (!mapped)
		assert_int_equal(fx.x.rec[3].op, FX_MB);
	assert_int_equal(fx.x.v2[r].hdr.flags, 0);
}
static void end_v2_clear_mb_status(void **state) { end_v2_order(0); }
static void end_v2_clear_mb_status_busy(void **state) { end_v2_order(1); }

/* The peer maps right after each of the library's accesses in turn: end_access may answer OK
 * only if that map was refused. Query-then-end (XSA-396) fails this; so does any window. */
static void end_races(unsigned version, int rw)
{
	int k, busy_seen = 0, rc;
	gnt_ref_t r;

	for (k = 0; k < 8; k++) {
		r = granted(version, 0);
		fx.x.race_at = k;
		fx.x.race_ref = r;
		fx.x.race_rw = rw;
		rc = gnt_end_access(&fx.lib, r);
		assert_true(rc == GNT_OK || rc == GNT_BUSY);
		if (fx.x.race_won) {
			assert_int_equal(rc, GNT_BUSY);
			busy_seen++;
		}
		if (rc == GNT_OK)
			assert_int_equal(xen_map_bits(&fx.x, r), 0);
	}
	if (version == 1)
		assert_true(busy_seen > 0); /* the race is really exercised */
}
static void end_v1_race_rw(void **state) { end_races(1, 1); }
static void end_v1_race_ro(void **state) { end_races(1, 0); }
static void end_v2_race_rw(void **state) { end_races(2, 1); }
static void end_v2_race_ro(void **state) { end_races(2, 0); }

/* v2: once the header is cleared no new map can start; BUSY comes from the status frame only. */
static void end_v2_status_not_header(void **state)
{
	gnt_ref_t r = granted(2, 0);

	fx.x.status[r] = GTF_writing | GTF_reading;
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_BUSY);
	assert_false(xen_map(&fx.x, r, 0)); /* header cleared: Xen refuses new maps */
	fx.x.status[r] = 0;
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
}

int run_end_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(end_v1_unmapped_ok),
		cmocka_unit_test(end_v2_unmapped_ok),
		cmocka_unit_test(end_v1_rw_map_busy),
		cmocka_unit_test(end_v1_ro_map_busy),
		cmocka_unit_test(end_v1_ro_grant_busy),
		cmocka_unit_test(end_v2_rw_map_busy),
		cmocka_unit_test(end_v2_ro_map_busy),
		cmocka_unit_test(end_v2_ro_grant_busy),
		cmocka_unit_test(end_v1_uses_cmpxchg),
		cmocka_unit_test(end_v1_failed_swap_busy),
		cmocka_unit_test(end_v2_clear_mb_status),
		cmocka_unit_test(end_v2_clear_mb_status_busy),
		cmocka_unit_test(end_v1_race_rw),
		cmocka_unit_test(end_v1_race_ro),
		cmocka_unit_test(end_v2_race_rw),
		cmocka_unit_test(end_v2_race_ro),
		cmocka_unit_test(end_v2_status_not_header),
	};
	return cmocka_run_group_tests_name("end_access", tests, NULL, NULL);
}
