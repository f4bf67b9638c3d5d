/* test_domain.c - domain creation and death: Xen releases a dying domain's maps and closes its
 * ports; a granter whose pages are still mapped lingers as a zombie until the last unmap. */
#include <xen/errno.h>
#include "tap.h"
#include "xsim_fixture.h"

static int unmaps_seen;
static void count_unmap(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame,
			grant_handle_t handle)
{
	unmaps_seen++;
}

static void create_errors(void)
{
	setup(1);
	CHECK(xsim_domain_create(&sim, GUEST, 4, 1, 32) == -XEN_EEXIST, "create of an existing domid is -EEXIST");
	CHECK(xsim_domain_create(&sim, 5, 4, 3, 32) == -XEN_EINVAL, "create with grant version 3 is -EINVAL");
	CHECK(xsim_domain_create(&sim, 5, XSIM_MAX_PAGES + 1, 1, 32) == -XEN_EINVAL, "create with too many pages is -EINVAL");
	CHECK(xsim_domain_create(&sim, 5, 4, 1, XSIM_MAX_GRANTS + 1) == -XEN_EINVAL, "create with too many grants is -EINVAL");
	CHECK(xsim_domain_create(&sim, DOMID_SELF, 4, 1, 32) == -XEN_EINVAL, "create of a reserved domid is -EINVAL");
	CHECK(xsim_domain_create(&sim, 5, 4, 1, 32) == 0, "create of a fourth domain succeeds");
	CHECK(xsim_domain_create(&sim, 6, 4, 1, 32) == -XEN_ENOSPC, "create beyond XSIM_MAX_DOMS is -ENOSPC");
	CHECK(xsim_frame_mem(&sim, 5, xsim_page_frame(4)) == NULL && xsim_frame_mem(&sim, 5, xsim_page_frame(3)) != NULL,
	      "frame memory exists only for the domain's pages");
}

static void mapper_death(void)
{
	grant_handle_t h;
	setup(1);
	grant(8, PEER, 0, 0);
	grant(9, PEER, 1, 0);
	map(PEER, 8, RW, &h);
	map(PEER, 8, RO, &h);
	map(PEER, 9, RO, &h);
	sim.obs.on_unmap = count_unmap;
	xsim_domain_destroy(&sim, PEER);
	CHECK(xsim_domain(&sim, PEER) == NULL, "a dead mapper is gone");
	CHECK(unmaps_seen == 3, "domain death reports every released map to the observer");
	CHECK(xsim_ref_pins(&sim, GUEST, 8) == 0 && xsim_ref_pins(&sim, GUEST, 9) == 0,
	      "domain death releases the dying domain's maps");
	CHECK((*hdr_flags(8) & (GTF_reading | GTF_writing)) == 0 && (*hdr_flags(9) & GTF_reading) == 0,
	      "domain death clears the status bits of the grants it had mapped");
	CHECK(guest_end(8) == 0 && guest_end(9) == 0, "the granter can end access after the mapper died");
	CHECK(xsim_domain_create(&sim, PEER, 4, 1, 32) == 0 && xsim_domain(&sim, PEER)->map_fresh == 0,
	      "a domain re-created after death starts with a fresh maptrack");
}

static void granter_death(void)
{
	grant_handle_t h;
	setup(1);
	grant(8, PEER, 3, 0);
	map(PEER, 8, RW, &h);
	uint8_t *page = xsim_map_mem(&sim, PEER, h);
	xsim_domain_destroy(&sim, GUEST);
	struct xsim_domain *g = xsim_domain(&sim, GUEST);
	CHECK(g && g->dying, "a dead granter whose grant is mapped stays a zombie");
	CHECK(xsim_map_mem(&sim, PEER, h) == page, "the zombie's mapped page stays reachable through the map");
	CHECK(map(PEER, 8, RO, NULL) == GNTST_bad_domain, "a new map of a dying granter is GNTST_bad_domain");
	CHECK(xsim_domain_create(&sim, GUEST, 4, 1, 32) == -XEN_EEXIST, "a zombie's domid cannot be reused yet");
	CHECK(xsim_unmap(&sim, PEER, h) == GNTST_okay && xsim_domain(&sim, GUEST) == NULL,
	      "the zombie is gone after the last foreign unmap");
	CHECK(xsim_domain_create(&sim, GUEST, 4, 1, 32) == 0 && xsim_domain(&sim, GUEST)->shared.v1[8].flags == 0,
	      "a domain re-created in a zombie's slot sees a zeroed table");

	setup(1);
	grant(8, PEER, 0, 0);
	xsim_domain_destroy(&sim, GUEST);
	CHECK(xsim_domain(&sim, GUEST) == NULL, "a dead granter with no foreign maps is gone at once");
}

int main(void)
{
	create_errors();
	mapper_death();
	granter_death();
	return tap_done();
}
