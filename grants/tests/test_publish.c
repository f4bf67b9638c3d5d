/* test_publish.c - a grant is published contents first, write barrier, flags last, each
 * through the platform ops and to the right fields. */
#include "tests.h"

static void expect(unsigned i, enum fx_op op, const volatile void *addr, uint64_t val)
{
	assert_true(i < fx.x.nrec);
	assert_int_equal(fx.x.rec[i].op, op);
	assert_ptr_equal(fx.x.rec[i].addr, addr);
	assert_int_equal(fx.x.rec[i].val, val);
}

static void publish_v1(int readonly)
{
	gnt_ref_t r;
	uint16_t flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));

	fx_setup(&fx.x, &fx.lib, 1, 0);
	assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(3), readonly, &r), GNT_OK);
	assert_int_equal(fx.x.nrec, 4);
	expect(0, FX_STORE16, &fx.x.v1[r].domid, FX_PEER);
	expect(1, FX_STORE32, &fx.x.v1[r].frame, FRAME(3));
	expect(2, FX_WMB, NULL, 0);
	expect(3, FX_STORE16, &fx.x.v1[r].flags, flags);
	assert_int_equal(fx.x.v1[r].flags, flags);
	assert_int_equal(fx.x.v1[r].domid, FX_PEER);
	assert_int_equal(fx.x.v1[r].frame, FRAME(3));
}

static void publish_order_v1_rw(void **state) { publish_v1(0); }
static void publish_order_v1_ro(void **state) { publish_v1(1); }

static void publish_v2(int readonly)
{
	gnt_ref_t r;
	uint16_t flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));

	fx_setup(&fx.x, &fx.lib, 2, 0);
	assert_int_equal(gnt_share(&fx.lib, FX_PEER, FRAME(0x123456789), readonly, &r), GNT_OK);
	assert_int_equal(fx.x.nrec, 4);
	expect(0, FX_STORE16, &fx.x.v2[r].hdr.domid, FX_PEER);
	expect(1, FX_STORE64, &fx.x.v2[r].full_page.frame, FRAME(0x123456789));
	expect(2, FX_WMB, NULL, 0);
	expect(3, FX_STORE16, &fx.x.v2[r].hdr.flags, flags);
	assert_int_equal(fx.x.status[r], 0);
}

static void publish_order_v2_rw(void **state) { publish_v2(0); }
static void publish_order_v2_ro(void **state) { publish_v2(1); }

/* The peer tries to map at every point of the publish: it may only ever see the new frame. */
static void publish_never_exposes_stale_frame(void **state)
{
	unsigned v;
	int k;
	gnt_ref_t r, r2;

	for (v = 1; v <= 2; v++) {
		for (k = 0; k < 4; k++) {
			fx_setup(&fx.x, &fx.lib, v, 0);
			/* an ended grant of frame 1 to the peer leaves frame 1 in the entry */
			assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(1), 0, &r), GNT_OK);
			assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
			assert_int_equal(gnt_release_ref(&fx.lib, r), GNT_OK);
			fx_clear_log(&fx.x);
			fx.x.race_at = k;
			fx.x.race_ref = r;
			fx.x.race_rw = 1;
			assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(2), 0, &r2), GNT_OK);
			assert_int_equal(r2, r);
			if (fx.x.race_won) {
				uint64_t seen = v == 1 ? fx.x.v1[r].frame : fx.x.v2[r].full_page.frame;
				assert_int_equal(seen, FRAME(2));
				assert_int_equal(k, 3); /* only after the flags store */
			}
		}
	}
}

static void subpage_v2(void **state)
{
	gnt_ref_t r;
	volatile grant_entry_v2_t *e;
	int i_flags, i_wmb;

	fx_setup(&fx.x, &fx.lib, 2, 0);
	assert_int_equal(gnt_grant_subpage(&fx.lib, FX_PEER, FRAME(9), 512, 1024, 1, &r), GNT_OK);
	e = &fx.x.v2[r];
	assert_int_equal(e->hdr.flags, GTF_permit_access | GTF_sub_page | GTF_readonly);
	assert_int_equal(e->hdr.domid, FX_PEER);
	assert_int_equal(e->sub_page.page_off, 512);
	assert_int_equal(e->sub_page.length, 1024);
	assert_int_equal(e->sub_page.frame, FRAME(9));
	/* every content store, then the barrier, then the flags, last */
	i_wmb = fx_find(&fx.x, FX_WMB, NULL, 0);
	i_flags = fx_find(&fx.x, FX_STORE16, &e->hdr.flags, 0);
	assert_true(i_wmb >= 0 && i_flags == (int)fx.x.nrec - 1 && i_wmb == i_flags - 1);
	assert_true(fx_find(&fx.x, FX_STORE16, &e->hdr.domid, 0) < i_wmb);
	assert_true(fx_find(&fx.x, FX_STORE16, &e->sub_page.page_off, 0) < i_wmb);
	assert_true(fx_find(&fx.x, FX_STORE16, &e->sub_page.length, 0) < i_wmb);
	assert_true(fx_find(&fx.x, FX_STORE64, &e->sub_page.frame, 0) < i_wmb);
	assert_int_equal(gnt_ref_state(&fx.lib, r), GNT_REF_GRANTED);
	/* a sub-page grant is ended like any other */
	assert_true(xen_map(&fx.x, r, 0));
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_BUSY);
	xen_unmap(&fx.x, r);
	assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
	/* read-write sub-page at the very end of the page */
	assert_int_equal(gnt_grant_subpage(&fx.lib, FX_PEER, FRAME(9), 4095, 1, 0, &r), GNT_OK);
	assert_int_equal(fx.x.v2[r].hdr.flags, GTF_permit_access | GTF_sub_page);
}

static void subpage_bad_args(void **state)
{
	gnt_ref_t r = 1234;

	fx_setup(&fx.x, &fx.lib, 2, 0);
	assert_int_equal(gnt_grant_subpage(&fx.lib, FX_PEER, FRAME(9), 0, 0, 0, &r), GNT_ERR_INVAL);
	assert_int_equal(gnt_grant_subpage(&fx.lib, FX_PEER, FRAME(9), 4000, 97, 0, &r), GNT_ERR_INVAL);
	assert_int_equal(gnt_grant_subpage(&fx.lib, FX_PEER, FRAME(9), 0xffff, 0xffff, 0, &r), GNT_ERR_INVAL);
	assert_int_equal(gnt_grant_subpage(&fx.lib, FX_PEER, FRAME(9), 0, 16, 0, NULL), GNT_ERR_INVAL);
	assert_int_equal(r, 1234);
	assert_int_equal(fx.x.nrec, 0);
	fx_setup(&fx.x, &fx.lib, 1, 0);
	assert_int_equal(gnt_grant_subpage(&fx.lib, FX_PEER, FRAME(9), 0, 16, 0, &r), GNT_ERR_INVAL);
	assert_int_equal(fx.x.nrec, 0);
	{
		struct gnt_stats st;
		gnt_get_stats(&fx.lib, &st);
		assert_int_equal(st.granted, 0);
		assert_int_equal(st.free_refs, FX_REFS - GNTTAB_NR_RESERVED_ENTRIES);
	}
}

int run_publish_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(publish_order_v1_rw),
		cmocka_unit_test(publish_order_v1_ro),
		cmocka_unit_test(publish_order_v2_rw),
		cmocka_unit_test(publish_order_v2_ro),
		cmocka_unit_test(publish_never_exposes_stale_frame),
		cmocka_unit_test(subpage_v2),
		cmocka_unit_test(subpage_bad_args),
	};
	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}
