/* xsim_fixture.h - a two-domain world for the simulator tests, and the guest's grant moves.
 * The guest is played by writing entries straight into its shared table (xsim_gnt_v1/v2). */
#ifndef XSIM_FIXTURE_H
#define XSIM_FIXTURE_H

#include <string.h>
#include "xsim.h"

#define GUEST 1   /* the granting domain (the target) */
#define PEER 0    /* the mapping domain (dom0 / a driver domain) */
#define OTHER 2   /* a third domain */
#define RO (GNTMAP_host_map | GNTMAP_readonly)
#define RW GNTMAP_host_map

static struct xsim sim;

/* Fresh world: guest with a v1/v2 table, peer and other with v1 tables. */
static __attribute__((unused)) void setup(unsigned version)
{
	memset(&sim.obs, 0, sizeof sim.obs);
	xsim_reset(&sim);
	xsim_domain_create(&sim, PEER, 4, 1, 32);
	xsim_domain_create(&sim, GUEST, 16, version, 64);
	xsim_domain_create(&sim, OTHER, 4, 1, 32);
}

/* The guest grants page `page` to `to`: domid and frame first, then flags (as a correct guest). */
static __attribute__((unused)) void grant(grant_ref_t ref, domid_t to, uint32_t page, uint16_t extra_flags)
{
	struct xsim_domain *g = xsim_domain(&sim, GUEST);
	if (g->gnt_version == 1) {
		grant_entry_v1_t *e = xsim_gnt_v1(&sim, GUEST, ref);
		e->domid = to;
		e->frame = (uint32_t)xsim_page_frame(page);
		__atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | extra_flags), __ATOMIC_SEQ_CST);
	} else {
		grant_entry_v2_t *e = xsim_gnt_v2(&sim, GUEST, ref);
		e->hdr.domid = to;
		e->full_page.frame = xsim_page_frame(page);
		__atomic_store_n(&e->hdr.flags, (uint16_t)(GTF_permit_access | extra_flags), __ATOMIC_SEQ_CST);
	}
}

/* The guest (v2 table) grants `len` bytes at `off` of page `page` to `to`: a sub-page grant. */
static __attribute__((unused)) void grant_sub_page(grant_ref_t ref, domid_t to, uint32_t page, uint16_t off,
						   uint16_t len)
{
	grant_entry_v2_t *e = xsim_gnt_v2(&sim, GUEST, ref);
	e->hdr.domid = to;
	e->sub_page.frame = xsim_page_frame(page);
	e->sub_page.page_off = off;
	e->sub_page.length = len;
	__atomic_store_n(&e->hdr.flags, (uint16_t)(GTF_permit_access | GTF_sub_page), __ATOMIC_SEQ_CST);
}

/* The guest's header flags (v1: including Xen's status bits). */
static __attribute__((unused)) uint16_t *hdr_flags(grant_ref_t ref)
{
	struct xsim_domain *g = xsim_domain(&sim, GUEST);
	return g->gnt_version == 1 ? &xsim_gnt_v1(&sim, GUEST, ref)->flags
				   : &xsim_gnt_v2(&sim, GUEST, ref)->hdr.flags;
}

/* The guest's checked end (Mini-OS / Linux style): 0 if revoked, -1 if still in use. */
static __attribute__((unused)) int guest_end(grant_ref_t ref)
{
	struct xsim_domain *g = xsim_domain(&sim, GUEST);
	if (g->gnt_version == 1) {
		uint16_t *f = hdr_flags(ref), cur = __atomic_load_n(f, __ATOMIC_SEQ_CST);
		do {
			if (cur & (GTF_reading | GTF_writing))
				return -1;
		} while (!__atomic_compare_exchange_n(f, &cur, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
		return 0;
	}
	__atomic_store_n(hdr_flags(ref), 0, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (*xsim_gnt_status(&sim, GUEST, ref) & (GTF_reading | GTF_writing))
		return -1;
	return 0;
}

static __attribute__((unused)) int16_t map(domid_t who, grant_ref_t ref, uint32_t flags, grant_handle_t *h)
{
	uint64_t frame;
	grant_handle_t dummy;
	return xsim_map(&sim, who, GUEST, ref, flags, h ? h : &dummy, &frame);
}

#endif
