/* test_api.c - argument errors (clear codes, nothing touched) and build identity. */
#include <string.h>
#include "tests.h"

#ifndef GNT_MUTANT
#define GNT_MUTANT 0 /* as the library defaults */
#endif

static void init_rejects_bad_config(void **state)
{
	struct gnt_platform_ops no_mb = fx_ops;
	struct gnt_config good = { .version = 1, .table = fx.x.v1, .nr_refs = 16 };
	struct gnt_config c;

	no_mb.mb = NULL;
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &good), GNT_OK);
	assert_int_equal(gnt_init(NULL, &fx_ops, &fx.x, &good), GNT_ERR_INVAL);
	assert_int_equal(gnt_init(&fx.lib, NULL, &fx.x, &good), GNT_ERR_INVAL);
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, NULL), GNT_ERR_INVAL);
	assert_int_equal(gnt_init(&fx.lib, &no_mb, &fx.x, &good), GNT_ERR_INVAL);
	c = good; c.version = 3;
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &c), GNT_ERR_INVAL);
	c = good; c.table = NULL;
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &c), GNT_ERR_INVAL);
	c = good; c.version = 2; /* v2 without status frames */
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &c), GNT_ERR_INVAL);
	c = good; c.nr_refs = GNT_MAX_REFS + 1;
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &c), GNT_ERR_INVAL);
	c = good; c.nr_refs = GNTTAB_NR_RESERVED_ENTRIES; /* nothing left after the reserved refs */
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &c), GNT_ERR_INVAL);
	c = good; c.first_ref = 16;
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &c), GNT_ERR_INVAL);
	c = good; c.defer_cap = GNT_DEFER_MAX + 1;
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &c), GNT_ERR_INVAL);
	c = good; c.defer_cap = GNT_DEFER_MAX;
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &c), GNT_OK);
}

/* log is optional: a host without one still gets the leak policy. */
static void leak_without_log_op(void **state)
{
	struct gnt_platform_ops quiet = fx_ops;
	struct gnt_config cfg = { .version = 1, .table = fx.x.v1, .nr_refs = FX_REFS, .defer_cap = 1 };
	gnt_ref_t a, b;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	quiet.log = NULL;
	assert_int_equal(gnt_init(&fx.lib, &quiet, &fx.x, &cfg), GNT_OK);
	assert_int_equal(gnt_share(&fx.lib, FX_PEER, FRAME(1), 0, &a), GNT_OK);
	assert_int_equal(gnt_share(&fx.lib, FX_PEER, FRAME(2), 0, &b), GNT_OK);
	assert_true(xen_map(&fx.x, a, 1));
	assert_true(xen_map(&fx.x, b, 1));
	assert_int_equal(gnt_unshare(&fx.lib, a), GNT_BUSY);
	assert_int_equal(gnt_unshare(&fx.lib, b), GNT_LEAKED);
	assert_int_equal(fx.x.nlogs, 0);
	assert_int_equal(fx.x.nreleased, 0);
}

static void refs_out_of_range(void **state)
{
	gnt_ref_t bad[] = { 0, GNTTAB_NR_RESERVED_ENTRIES - 1, FX_REFS, GNT_INVALID_REF };
	unsigned i;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gnt_grant_ref(&fx.lib, bad[i], FX_PEER, FRAME(1), 0), GNT_ERR_INVAL);
		assert_int_equal(gnt_end_access(&fx.lib, bad[i]), GNT_ERR_INVAL);
		assert_int_equal(gnt_release_ref(&fx.lib, bad[i]), GNT_ERR_INVAL);
		assert_int_equal(gnt_unshare(&fx.lib, bad[i]), GNT_ERR_INVAL);
		assert_int_equal(gnt_ref_state(&fx.lib, bad[i]), GNT_ERR_INVAL);
	}
	assert_int_equal(fx.x.nrec, 0);
}

static void null_and_range_args(void **state)
{
	gnt_ref_t r = 99;
	struct gnt_stats st;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	assert_int_equal(gnt_claim_ref(&fx.lib, NULL), GNT_ERR_INVAL);
	assert_int_equal(gnt_claim_ref(NULL, &r), GNT_ERR_INVAL);
	assert_int_equal(gnt_share(&fx.lib, FX_PEER, FRAME(1), 0, NULL), GNT_ERR_INVAL);
	assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(1), 0, NULL), GNT_ERR_INVAL);
	/* a v1 entry holds a 32-bit frame: refuse rather than truncate */
	assert_int_equal(gnt_share(&fx.lib, FX_PEER, 0x100000000ull, 0, &r), GNT_ERR_INVAL);
	assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, 0x100000000ull, 0, &r), GNT_ERR_INVAL);
	assert_int_equal(r, 99);
	assert_int_equal(gnt_unshare(NULL, 8), GNT_ERR_INVAL);
	assert_int_equal(gnt_tick(NULL), 0);
	gnt_get_stats(NULL, &st);
	gnt_get_stats(&fx.lib, NULL);
	assert_int_equal(fx.x.nrec, 0);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.free_refs, FX_REFS - GNTTAB_NR_RESERVED_ENTRIES);
	/* v2 carries 64-bit frames */
	fx_setup(&fx.x, &fx.lib, 2, 0);
	assert_int_equal(gnt_share(&fx.lib, FX_PEER, 0x100000000ull, 0, &r), GNT_OK);
	assert_int_equal(fx.x.v2[r].full_page.frame, 0x100000000ull);
}

/* The build says which mutant it is, consistently with the switch it was built with. */
static void mutant_identity(void **state)
{
	const char *name = gnt_mutant_name();

	assert_int_equal(gnt_mutant_id(), GNT_MUTANT);
	assert_non_null(name);
	assert_true(strlen(name) > 0);
	assert_int_equal(strcmp(name, "none") == 0, GNT_MUTANT == 0);
	assert_int_not_equal(strcmp(name, "unknown"), 0);
}

int run_api_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_rejects_bad_config),
		cmocka_unit_test(leak_without_log_op),
		cmocka_unit_test(refs_out_of_range),
		cmocka_unit_test(null_and_range_args),
		cmocka_unit_test(mutant_identity),
	};
	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
