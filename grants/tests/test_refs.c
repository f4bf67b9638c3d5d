/* test_refs.c - ref allocation: reserved refs skipped, freed refs reused LIFO before fresh ones,
 * each ref freed exactly once, in-use refs never re-granted, and an O(1) init. */
#include "tests.h"

static gnt_ref_t claim(void)
{
	gnt_ref_t r = GNT_INVALID_REF;

	assert_int_equal(gnt_claim_ref(&fx.lib, &r), GNT_OK);
	return r;
}

static void refs_lifo_then_fresh(void **state)
{
	fx_setup(&fx.x, &fx.lib, 1, 0);
	assert_int_equal(claim(), GNTTAB_NR_RESERVED_ENTRIES);
	assert_int_equal(claim(), 9);
	assert_int_equal(claim(), 10);
	assert_int_equal(gnt_release_ref(&fx.lib, 9), GNT_OK);
	assert_int_equal(gnt_release_ref(&fx.lib, 8), GNT_OK);
	assert_int_equal(claim(), 8); /* last freed first */
	assert_int_equal(claim(), 9);
	assert_int_equal(claim(), 11); /* free list empty: lowest never-used */
}

static void refs_custom_first_and_exhaustion(void **state)
{
	struct gnt_config cfg = { .version = 1, .table = fx.x.v1, .nr_refs = 4, .first_ref = 2 };
	gnt_ref_t r = 77;
	struct gnt_stats st;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	assert_int_equal(gnt_init(&fx.lib, &fx_ops, &fx.x, &cfg), GNT_OK);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.free_refs, 2);
	assert_int_equal(claim(), 2);
	assert_int_equal(claim(), 3);
	assert_int_equal(gnt_claim_ref(&fx.lib, &r), GNT_ERR_NOREF);
	assert_int_equal(gnt_share(&fx.lib, FX_PEER, FRAME(1), 0, &r), GNT_ERR_NOREF);
	assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(1), 0, &r), GNT_ERR_NOREF);
	assert_int_equal(r, 77);
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.free_refs, 0);
	assert_int_equal(gnt_release_ref(&fx.lib, 3), GNT_OK);
	assert_int_equal(claim(), 3);
}

static void refs_released_once(void **state)
{
	gnt_ref_t r;
	struct gnt_stats st;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	r = claim();
	assert_int_equal(gnt_release_ref(&fx.lib, r), GNT_OK);
	assert_int_equal(gnt_release_ref(&fx.lib, r), GNT_ERR_STATE);
	assert_int_equal(gnt_release_ref(&fx.lib, 20), GNT_ERR_STATE); /* never used */
	gnt_get_stats(&fx.lib, &st);
	assert_int_equal(st.free_refs, FX_REFS - GNTTAB_NR_RESERVED_ENTRIES);
	assert_int_equal(claim(), r);
	assert_int_equal(claim(), r + 1); /* r was on the free list once, not twice */
}

/* A granted ref must be ended before it is released; the end leaves it claimed. */
static void refs_release_needs_end(void **state)
{
	gnt_ref_t r;

	fx_setup(&fx.x, &fx.lib, 1, 0);
	assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(1), 0, &r), GNT_OK);
	assert_int_equal(gnt_release_ref(&fx.lib, r), GNT_ERR_STATE);
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_ERR_STATE);
	assert_int_equal(gnt_release_ref(&fx.lib, r), GNT_OK);
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_FREE);
}

/* Claim -> grant_ref (low level) works; a second grant of a live ref is refused untouched. */
static void refs_in_use_refused(void **state)
{
	gnt_ref_t r, s, d, l;
	struct gnt_stats st;
	unsigned v;

	for (v = 1; v <= 2; v++) {
		fx_setup(&fx.x, &fx.lib, v, 1);
		r = claim();
		assert_int_equal(gnt_grant_ref(&fx.lib, r, FX_PEER, FRAME(1), 0), GNT_OK);
		assert_int_equal(gnt_share(&fx.lib, FX_PEER, FRAME(2), 0, &s), GNT_OK);
		assert_int_equal(gnt_share(&fx.lib, FX_PEER, FRAME(3), 0, &d), GNT_OK);
		assert_int_equal(gnt_share(&fx.lib, FX_PEER, FRAME(4), 0, &l), GNT_OK);
		assert_true(xen_map(&fx.x, d, 1));
		assert_true(xen_map(&fx.x, l, 1));
		assert_int_equal(gnt_unshare(&fx.lib, d), GNT_BUSY);
		assert_int_equal(gnt_unshare(&fx.lib, l), GNT_LEAKED);
		assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_GRANTED);
		assert_int_equal(gnt_ref_state(&fx.lib, s), GNT_REF_SHARED);
		assert_int_equal(gnt_ref_state(&fx.lib, d), GNT_REF_DEFERRED);
		assert_int_equal(gnt_ref_state(&fx.lib, l), GNT_REF_LEAKED);
		fx_clear_log(&fx.x);
		assert_int_equal(gnt_grant_ref(&fx.lib, r, FX_PEER, FRAME(9), 1), GNT_ERR_INUSE);
		assert_int_equal(gnt_grant_ref(&fx.lib, s, FX_PEER, FRAME(9), 1), GNT_ERR_INUSE);
		assert_int_equal(gnt_grant_ref(&fx.lib, d, FX_PEER, FRAME(9), 1), GNT_ERR_INUSE);
		assert_int_equal(gnt_grant_ref(&fx.lib, l, FX_PEER, FRAME(9), 1), GNT_ERR_INUSE);
		assert_int_equal(fx.x.nrec, 0); /* the entries were not touched */
		/* a ref nobody claimed cannot be granted either */
		assert_int_equal(gnt_grant_ref(&fx.lib, 40, FX_PEER, FRAME(9), 0), GNT_ERR_STATE);
		assert_int_equal(fx.x.nrec, 0);
		gnt_get_stats(&fx.lib, &st);
		assert_int_equal(st.granted, 4);
	}
}

/* gnt_init on garbage memory gives a working library and touches no grant entry. */
static void refs_init_o1_on_garbage(void **state)
{
	unsigned i;

	fx_setup(&fx.x, &fx.lib, 2, 0); /* fx_setup fills the lib with 0xa5 before gnt_init */
	assert_int_equal(fx.x.nrec, 0);
	for (i = 0; i < FX_REFS; i++)
		assert_int_equal(fx.x.v2[i].hdr.flags, 0);
	for (i = GNTTAB_NR_RESERVED_ENTRIES; i < FX_REFS; i++)
		assert_int_equal(gnt_ref_state(&fx.lib, i), GNT_REF_FREE);
	assert_int_equal(claim(), GNTTAB_NR_RESERVED_ENTRIES);
	assert_int_equal(gnt_tick(&fx.lib), 0);
}

int run_ref_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refs_lifo_then_fresh),
		cmocka_unit_test(refs_custom_first_and_exhaustion),
		cmocka_unit_test(refs_released_once),
		cmocka_unit_test(refs_release_needs_end),
		cmocka_unit_test(refs_in_use_refused),
		cmocka_unit_test(refs_init_o1_on_garbage),
	};
	return cmocka_run_group_tests_name("refs", tests, NULL, NULL);
}
