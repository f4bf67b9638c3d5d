/* test_gnttab_errors.c - Xen's GNTST_* code for every failure of map and unmap, and maptrack
 * handle allocation. */
#include "tap.h"
#include "xsim_fixture.h"

static void map_errors(void)
{
	grant_handle_t h;
	uint64_t frame;

	setup(1);
	grant(8, PEER, 0, 0);
	CHECK(xsim_map(&sim, PEER, 7, 8, RW, &h, &frame) == GNTST_bad_domain, "map of a missing domain is GNTST_bad_domain");
	CHECK(xsim_map(&sim, 9, GUEST, 8, RW, &h, &frame) == GNTST_bad_domain, "map by a missing domain is GNTST_bad_domain");
	CHECK(map(PEER, 64, RW, NULL) == GNTST_bad_gntref, "map of a ref beyond the table is GNTST_bad_gntref");
	CHECK(map(PEER, 0xffffffffu, RW, NULL) == GNTST_bad_gntref, "map of ref 0xffffffff is GNTST_bad_gntref");
	CHECK(map(PEER, 8, 0, NULL) == GNTST_bad_gntref, "map without host/device flag is GNTST_bad_gntref (Xen's bad flags)");
	CHECK(map(PEER, 8, GNTMAP_device_map, NULL) == GNTST_general_error,
	      "device map by a PVH-like mapper is GNTST_general_error");
	CHECK(map(PEER, 9, RW, NULL) == GNTST_general_error, "map of a never-granted entry is GNTST_general_error");

	grant_entry_v1_t *e = xsim_gnt_v1(&sim, GUEST, 10);
	e->domid = PEER;
	e->frame = (uint32_t)xsim_page_frame(16); /* one past the guest's 16 pages */
	e->flags = GTF_permit_access;
	CHECK(map(PEER, 10, RW, NULL) == GNTST_bad_page, "map of a grant naming a frame the granter lacks is GNTST_bad_page");
	CHECK((*hdr_flags(10) & (GTF_reading | GTF_writing)) == 0 && xsim_ref_pins(&sim, GUEST, 10) == 0,
	      "bad_page map backs out its status bits");
}

static void unmap_errors(void)
{
	grant_handle_t h;
	setup(1);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RW, &h);
	CHECK(xsim_unmap(&sim, PEER, (grant_handle_t)(h + 1)) == GNTST_bad_handle, "unmap of an unused handle is GNTST_bad_handle");
	CHECK(xsim_unmap(&sim, PEER, XSIM_MAX_MAPS) == GNTST_bad_handle, "unmap of a handle beyond maptrack is GNTST_bad_handle");
	CHECK(xsim_unmap(&sim, OTHER, h) == GNTST_bad_handle, "another domain's handle is GNTST_bad_handle");
	CHECK(xsim_unmap(&sim, PEER, h) == GNTST_okay, "unmap of a live handle succeeds");
	CHECK(xsim_unmap(&sim, PEER, h) == GNTST_bad_handle, "second unmap of the same handle is GNTST_bad_handle");
	CHECK(xsim_unmap(&sim, 9, h) == GNTST_bad_domain, "unmap by a missing domain is GNTST_bad_domain");
}

static void maptrack(void)
{
	grant_handle_t h[XSIM_MAX_MAPS], extra;
	int all_ok = 1, in_order = 1;

	setup(1);
	grant(8, PEER, 0, 0);
	for (unsigned i = 0; i < XSIM_MAX_MAPS; i++) {
		all_ok &= map(PEER, 8, RW, &h[i]) == GNTST_okay;
		in_order &= h[i] == i;
	}
	CHECK(all_ok && in_order, "maptrack hands out never-used handles in order");
	CHECK(map(PEER, 8, RO, &extra) == GNTST_no_space, "map with no maptrack handle left is GNTST_no_space");
	CHECK(xsim_ref_pins(&sim, GUEST, 8) == XSIM_MAX_MAPS, "a no_space failure takes no pin");
	char buf[4] = { 0 };
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 0, 4, buf, 1) == GNTST_general_error,
	      "a pin beyond Xen's 8-bit counter limit is refused (GNTST_general_error)");
	xsim_unmap(&sim, PEER, h[5]);
	xsim_unmap(&sim, PEER, h[2]);
	grant_handle_t a, b;
	map(PEER, 8, RW, &a);
	map(PEER, 8, RW, &b);
	CHECK(a == 5 && b == 2, "freed maptrack handles are reused oldest first");
}

static void xsm_denial(void)
{
	grant_handle_t h;
	char buf[4] = { 0 };
	setup(1);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RW, &h);
	xsim_xsm_deny(&sim, PEER, 1);
	CHECK(map(PEER, 8, RO, NULL) == GNTST_permission_denied, "map denied by XSM policy is GNTST_permission_denied");
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 0, 4, buf, 0) == GNTST_permission_denied,
	      "copy denied by XSM policy is GNTST_permission_denied");
	CHECK(xsim_unmap(&sim, PEER, h) == GNTST_permission_denied && xsim_ref_pins(&sim, GUEST, 8) == 1,
	      "unmap denied by XSM policy is GNTST_permission_denied and the map stays");
	xsim_xsm_deny(&sim, PEER, 0);
	CHECK(xsim_unmap(&sim, PEER, h) == GNTST_okay, "the same unmap succeeds once the policy allows it");
	CHECK(xsim_xsm_deny(&sim, 9, 1) != 0, "XSM policy for a missing domain is refused");
}

int main(void)
{
	xsm_denial();
	map_errors();
	unmap_errors();
	maptrack();
	return tap_done();
}
