/* test_reclaim.c - page ownership: a shared page goes back to the host exactly once and only
 * after a successful end; busy pages wait in the bounded queue and come back on a tick after the
 * peer unmaps; a full queue leaks (counted, never released, ref never reused). */
#include "tests.h"

static gnt_ref_t share(uint64_t frame, int readonly)
{
	gnt_ref_t r = GNT_INVALID_REF;

	assert_int_equal(gnt_share(&fx.lib, FX_PEER, frame, readonly, &r), GNT_OK);
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_SHARED);
	return r;
}

static void unshare_unmapped(unsigned version)
{
	gnt_ref_t r;
	struct gnt_stats st;

	fx_setup(&fx.x, &fx.lib, version, 0);
	r = share(FRAME(1), 0);
	assert_int_equal(fx.x.nreleased, 0);
	assert_int_equal(gnt_unshare(&fx.lib, r), GNT_OK);
	assert_int_equal(fx.x.nreleased, 1);
	assert_int_equal(fx_released_count(&fx.x, FRAME(1)), 1);
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_FREE);
	assert_int_equal(fx_flags(&fx.x, r), 0);
	assert_int_equal(gnt_unshare(&fx.lib, r), GNT_ERR_STATE); /* no second release */
	assert_int_equal(fx.x.nreleased, 1);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.granted, 1);
	assert_int_equal(st.ended, 1);
	assert_int_equal(st.deferred, 0);
	assert_int_equal(st.free_refs, FX_REFS - GNTTAB_NR_RESERVED_ENTRIES);
}
static void unshare_v1_unmapped(void **state) { unshare_unmapped(1); }
static void unshare_v2_unmapped(void **state) { unshare_unmapped(2); }

/* The MSA02 situation: the peer still maps the page when the driver unshares it. */
static void unshare_busy_defers(unsigned version, int ro)
{
	gnt_ref_t r, other;
	struct gnt_stats st;

	fx_setup(&fx.x, &fx.lib, version, 0);
	r = share(FRAME(1), ro);
	assert_true(xen_map(&fx.x, r, !ro));
	assert_int_equal(gnt_unshare(&fx.lib, r), GNT_BUSY);
	assert_int_equal(fx.x.nreleased, 0); /* the mapped page stays with the library */
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_DEFERRED);
	assert_int_equal(gnt_unshare(&fx.lib, r), GNT_ERR_STATE);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.deferred, 1);
	assert_int_equal(st.deferred_now, 1);
	assert_int_equal(st.busy, 1);
	assert_int_equal(st.free_refs, FX_REFS - GNTTAB_NR_RESERVED_ENTRIES - 1);
	/* the deferred ref is not handed out again */
	assert_int_equal(gnt_claim_ref(&fx.lib, &other), GNT_OK);
	assert_true(other != r);
	assert_int_equal(gnt_release_ref(&fx.lib, other), GNT_OK);
	/* ticks while mapped change nothing */
	assert_int_equal(gnt_tick(&fx.lib), 0);
	assert_int_equal(gnt_tick(&fx.lib), 0);
	assert_int_equal(fx.x.nreleased, 0);
	assert_true(xen_map_bits(&fx.x, r) & GTF_reading);
	/* the peer lets go: the next tick reclaims, exactly once */
	xen_unmap(&fx.x, r);
	assert_int_equal(gnt_tick(&fx.lib), 1);
	assert_int_equal(fx.x.nreleased, 1);
	assert_int_equal(fx_released_count(&fx.x, FRAME(1)), 1);
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_FREE);
	assert_int_equal(gnt_tick(&fx.lib), 0);
	assert_int_equal(fx.x.nreleased, 1);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.reclaimed, 1);
	assert_int_equal(st.deferred_now, 0);
	assert_int_equal(st.busy, 3);
	assert_int_equal(st.ended, 1);
	assert_int_equal(st.leaked, 0);
	assert_int_equal(st.free_refs, FX_REFS - GNTTAB_NR_RESERVED_ENTRIES);
	/* the ref went back to the free list once: two claims give two different refs */
	assert_int_equal(gnt_claim_ref(&fx.lib, &r), GNT_OK);
	assert_int_equal(gnt_claim_ref(&fx.lib, &other), GNT_OK);
	assert_true(r != other);
}
static void unshare_v1_busy_rw(void **state) { unshare_busy_defers(1, 0); }
static void unshare_v1_busy_ro(void **state) { unshare_busy_defers(1, 1); }
static void unshare_v2_busy_rw(void **state) { unshare_busy_defers(2, 0); }
static void unshare_v2_busy_ro(void **state) { unshare_busy_defers(2, 1); }

/* Several deferred pages: a tick releases only those the peer let go, in any mix. */
static void tick_partial(void **state)
{
	gnt_ref_t r[4];
	unsigned i;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	for (i = 0; i < 4; i++) {
		r[i] = share(FRAME(i), 0);
		assert_true(xen_map(&fx.x, r[i], 1));
		assert_int_equal(gnt_unshare(&fx.lib, r[i]), GNT_BUSY);
	}
	xen_unmap(&fx.x, r[1]);
	xen_unmap(&fx.x, r[3]);
	assert_int_equal(gnt_tick(&fx.lib), 2);
	assert_int_equal(fx_released_count(&fx.x, FRAME(1)), 1);
	assert_int_equal(fx_released_count(&fx.x, FRAME(3)), 1);
	assert_int_equal(fx.x.nreleased, 2);
	assert_int_equal(gnt_ref_state(&fx.lib, r[0]), GNT_REF_DEFERRED);
	assert_int_equal(gnt_ref_state(&fx.lib, r[2]), GNT_REF_DEFERRED);
	xen_unmap(&fx.x, r[0]);
	xen_unmap(&fx.x, r[2]);
	assert_int_equal(gnt_tick(&fx.lib), 2);
	for (i = 0; i < 4; i++)
		assert_int_equal(fx_released_count(&fx.x, FRAME(i)), 1);
}

/* Every deferred page stays accounted for while the peer holds it, however many ticks find it
 * busy: deferred = reclaimed + still queued, and each queued page's ref is still DEFERRED. */
static void busy_ticks_lose_nothing(void **state)
{
	gnt_ref_t r[3];
	struct gnt_stats st;
	unsigned i, t, ndeferred;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	for (i = 0; i < 3; i++) {
		r[i] = share(FRAME(i), 0);
		assert_true(xen_map(&fx.x, r[i], 1));
		assert_int_equal(gnt_unshare(&fx.lib, r[i]), GNT_BUSY);
	}
	xen_unmap(&fx.x, r[1]);
	for (t = 0; t < 3; t++) {
		gnt_tick(&fx.lib);
		gnt_get_stats(&fx.lib, &st);
		assert_int_equal(st.deferred, 3);
		assert_int_equal(st.deferred_now + st.reclaimed, st.deferred);
		assert_int_equal(st.leaked, 0);
		for (ndeferred = 0, i = 0; i < 3; i++)
			ndeferred += gnt_ref_state(&fx.lib, r[i]) == GNT_REF_DEFERRED;
		assert_int_equal(ndeferred, st.deferred_now);
	}
	assert_int_equal(st.deferred_now, 2);
	assert_int_equal(fx.x.nreleased, 1);
	/* the peer lets go of the rest: one tick brings both back */
	xen_unmap(&fx.x, r[0]);
	xen_unmap(&fx.x, r[2]);
	assert_int_equal(gnt_tick(&fx.lib), 2);
	assert_int_equal(fx_released_count(&fx.x, FRAME(0)), 1);
	assert_int_equal(fx_released_count(&fx.x, FRAME(2)), 1);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.reclaimed, 3);
	assert_int_equal(st.deferred_now, 0);
}

/* Queue full: the page is counted leaked, never released, and its ref never reused. */
static void queue_full_leaks(void **state)
{
	gnt_ref_t r[3], other;
	struct gnt_stats st;
	unsigned i, n;

	fx_setup(&fx.x, &fx.lib, 1, 2);
	for (i = 0; i < 3; i++) {
		r[i] = share(FRAME(i), 0);
		assert_true(xen_map(&fx.x, r[i], 0));
	}
	assert_int_equal(gnt_unshare(&fx.lib, r[0]), GNT_BUSY);
	assert_int_equal(gnt_unshare(&fx.lib, r[1]), GNT_BUSY);
	assert_int_equal(gnt_unshare(&fx.lib, r[2]), GNT_LEAKED);
	assert_int_equal(gnt_ref_state(&fx.lib, r[2]), GNT_REF_LEAKED);
	assert_int_equal(gnt_unshare(&fx.lib, r[2]), GNT_ERR_STATE);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.deferred, 2);
	assert_int_equal(st.deferred_now, 2);
	assert_int_equal(st.leaked, 1);
	assert_int_equal(fx.x.nlogs, 1); /* a leak is worth a log line */
	assert_int_equal(fx.x.last_log_a, r[2]);
	for (i = 0; i < 3; i++)
		xen_unmap(&fx.x, r[i]);
	assert_int_equal(gnt_tick(&fx.lib), 2);
	assert_int_equal(gnt_tick(&fx.lib), 0);
	assert_int_equal(fx.x.nreleased, 2);
	assert_int_equal(fx_released_count(&fx.x, FRAME(2)), 0);
	/* every other ref can still be claimed; the leaked one never comes back */
	for (n = 0; gnt_claim_ref(&fx.lib, &other) == GNT_OK; n++)
		assert_true(other != r[2]);
	assert_int_equal(n, FX_REFS - GNTTAB_NR_RESERVED_ENTRIES - 1);
	assert_int_equal(gnt_ref_state(&fx.lib, r[2]), GNT_REF_LEAKED);
}

/* A host may share a page again from inside page_release; the tick must stay consistent. */
static void reshare_from_release(struct fake_xen *x, uint64_t frame)
{
	gnt_ref_t r;

	if (frame < FRAME(100))
		assert_int_equal(gnt_share(x->lib, FX_PEER, frame + 100, 0, &r), GNT_OK);
}

static void release_callback_reenters(void **state)
{
	gnt_ref_t r[2];
	struct gnt_stats st;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	fx.x.on_release = reshare_from_release;
	r[0] = share(FRAME(1), 0);
	r[1] = share(FRAME(2), 0);
	assert_true(xen_map(&fx.x, r[0], 1));
	assert_true(xen_map(&fx.x, r[1], 1));
	assert_int_equal(gnt_unshare(&fx.lib, r[0]), GNT_BUSY);
	assert_int_equal(gnt_unshare(&fx.lib, r[1]), GNT_BUSY);
	xen_unmap(&fx.x, r[0]);
	xen_unmap(&fx.x, r[1]);
	assert_int_equal(gnt_tick(&fx.lib), 2);
	/* each freed ref was taken at once by the re-share: LIFO */
	assert_int_equal(gnt_ref_state(&fx.lib, r[0]), GNT_REF_SHARED);
	assert_int_equal(gnt_ref_state(&fx.lib, r[1]), GNT_REF_SHARED);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.deferred_now, 0);
	assert_int_equal(st.granted, 4);
	assert_int_equal(fx.x.v1[r[0]].frame, FRAME(101));
	assert_int_equal(fx.x.v1[r[1]].frame, FRAME(102));
}

/* A host may even tick from inside page_release: every page still comes back exactly once. */
static void tick_from_release(struct fake_xen *x, uint64_t frame)
{
	gnt_tick(x->lib);
}

static void release_callback_ticks(void **state)
{
	gnt_ref_t r[3];
	struct gnt_stats st;
	unsigned i;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	fx.x.on_release = tick_from_release;
	for (i = 0; i < 3; i++) {
		r[i] = share(FRAME(i), 0);
		assert_true(xen_map(&fx.x, r[i], 1));
		assert_int_equal(gnt_unshare(&fx.lib, r[i]), GNT_BUSY);
	}
	for (i = 0; i < 3; i++)
		xen_unmap(&fx.x, r[i]);
	gnt_tick(&fx.lib);
	assert_int_equal(fx.x.nreleased, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(fx_released_count(&fx.x, FRAME(i)), 1);
		assert_int_equal(gnt_ref_state(&fx.lib, r[i]), GNT_REF_FREE);
	}
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.deferred_now, 0);
	assert_int_equal(st.reclaimed, 3);
	assert_int_equal(st.free_refs, FX_REFS - GNTTAB_NR_RESERVED_ENTRIES);
}

/* Shared refs belong to the library: the low-level end refuses them, and vice versa. */
static void ownership_apis_do_not_mix(void **state)
{
	gnt_ref_t s, g;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	s = share(FRAME(1), 0);
	assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(2), 0, &g), GNT_OK);
	assert_int_equal(gnt_end_access(&fx.lib, s), GNT_ERR_STATE);
	assert_int_equal(gnt_unshare(&fx.lib, g), GNT_ERR_STATE);
	assert_int_equal(gnt_release_ref(&fx.lib, s), GNT_ERR_STATE);
	assert_int_equal(fx.x.nreleased, 0);
	assert_int_equal(fx_flags(&fx.x, s), GTF_permit_access);
	assert_int_equal(fx_flags(&fx.x, g), GTF_permit_access);
}

int run_reclaim_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unshare_v1_unmapped),
		cmocka_unit_test(unshare_v2_unmapped),
		cmocka_unit_test(unshare_v1_busy_rw),
		cmocka_unit_test(unshare_v1_busy_ro),
		cmocka_unit_test(unshare_v2_busy_rw),
		cmocka_unit_test(unshare_v2_busy_ro),
		cmocka_unit_test(tick_partial),
		cmocka_unit_test(busy_ticks_lose_nothing),
		cmocka_unit_test(queue_full_leaks),
		cmocka_unit_test(release_callback_reenters),
		cmocka_unit_test(release_callback_ticks),
		cmocka_unit_test(ownership_apis_do_not_mix),
	};
	return cmocka_run_group_tests_name("reclaim", tests, NULL, NULL);
}
