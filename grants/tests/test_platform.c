/* test_platform.c - the library on the host's real entry accesses (targets/grants/entry_ops.h,
 * the functions adapter.c gives it in every world and the PVH guest), not on the fake's: the
 * platform's cmpxchg16 must answer what it found, or the library's end loop is blind. */
#include "tests.h"
#include "entry_ops.h"

static int peer_after_load;  /* the next host load is followed by a peer map of this ref */
static gnt_ref_t peer_ref;

/* The host's load, then the peer's map (Xen's cmpxchg on the flags): the window before the swap. */
static uint16_t load16_then_map(void *ctx, volatile uint16_t *p)
{
	uint16_t v = host_load16(ctx, p);

	if (peer_after_load) {
		peer_after_load = 0;
		assert_true(xen_map(ctx, peer_ref, 1));
	}
	return v;
}

static struct gnt_platform_ops host_ops;

static void host_setup(unsigned version)
{
	struct gnt_config cfg = {
		.version = version, .nr_refs = FX_REFS,
		.table = version == 1 ? (void *)fx.x.v1 : (void *)fx.x.v2,
		.status = version == 2 ? fx.x.status : NULL,
	};

	fx_setup(&fx.x, &fx.lib, version, 0);
	host_ops = fx_ops; /* page ownership and logging stay the fake's */
	host_ops.load16 = load16_then_map;
	host_ops.store16 = host_store16;
	host_ops.store32 = host_store32;
	host_ops.store64 = host_store64;
	host_ops.cmpxchg16 = host_cmpxchg16;
	host_ops.wmb = host_wmb;
	host_ops.mb = host_mb;
	assert_int_equal(gnt_init(&fx.lib, &host_ops, &fx.x, &cfg), GNT_OK);
	peer_after_load = 0;
}

static void host_cmpxchg16_answers_what_it_found(void **state)
{
	volatile uint16_t v = GTF_permit_access;

	assert_int_equal(host_cmpxchg16(NULL, &v, GTF_permit_access, 0), GTF_permit_access);
	assert_int_equal(v, 0);
	v = GTF_permit_access | GTF_reading;
	assert_int_equal(host_cmpxchg16(NULL, &v, GTF_permit_access, 0), GTF_permit_access | GTF_reading);
	assert_int_equal(v, GTF_permit_access | GTF_reading); /* failed: untouched */
}

static void host_loads_and_stores(void **state)
{
	volatile uint16_t h = 0;
	volatile uint32_t w = 0;
	volatile uint64_t d = 0;

	host_store16(NULL, &h, 0xbeef);
	host_store32(NULL, &w, 0xdeadbeef);
	host_store64(NULL, &d, 0x123456789abcull);
	host_wmb(NULL);
	host_mb(NULL);
	assert_int_equal(host_load16(NULL, &h), 0xbeef);
	assert_int_equal(w, 0xdeadbeef);
	assert_int_equal(d, 0x123456789abcull);
}

/* v1 end on the host's atomics, a map landing between the library's load and its swap: the swap
 * fails, and the library must see it (BUSY, the entry keeps the map bits). */
static void v1_end_on_host_atomics_sees_failed_swap(void **state)
{
	gnt_ref_t r;

	host_setup(1);
	assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(4), 0, &r), GNT_OK);
	assert_int_equal(fx.x.v1[r].flags, GTF_permit_access);
	assert_int_equal(fx.x.v1[r].frame, FRAME(4));
	peer_after_load = 1;
	peer_ref = r;
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_BUSY);
	assert_int_equal(fx.x.v1[r].flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_GRANTED);
	xen_unmap(&fx.x, r);
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
	assert_int_equal(fx.x.v1[r].flags, 0);
}

static void v2_end_on_host_atomics(void **state)
{
	gnt_ref_t r;

	host_setup(2);
	assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(4), 1, &r), GNT_OK);
	assert_int_equal(fx.x.v2[r].hdr.flags, GTF_permit_access | GTF_readonly);
	assert_true(xen_map(&fx.x, r, 0));
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_BUSY);
	xen_unmap(&fx.x, r);
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
	assert_int_equal(fx.x.v2[r].hdr.flags, 0);
}

int run_platform_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_cmpxchg16_answers_what_it_found),
		cmocka_unit_test(host_loads_and_stores),
		cmocka_unit_test(v1_end_on_host_atomics_sees_failed_swap),
		cmocka_unit_test(v2_end_on_host_atomics),
	};
	return cmocka_run_group_tests_name("platform (targets/grants/entry_ops.h)", tests, NULL, NULL);
}
