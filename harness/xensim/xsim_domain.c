/* xsim_domain.c - simulated domains: lifetime, memory, the guest's view of its grant table, and
 * the "touched" bookkeeping that keeps xsim_reset proportional to what a run did. */
#include <string.h>
#include <xen/errno.h>
#include "xsim_internal.h"

struct xsim_domain *xsim_lookup_any(struct xsim *sim, domid_t domid)
{
	for (unsigned i = 0; i < XSIM_MAX_DOMS; i++)
		if (sim->doms[i].exists && sim->doms[i].domid == domid)
			return &sim->doms[i];
	return NULL;
}

struct xsim_domain *xsim_lookup_live(struct xsim *sim, domid_t domid)
{
	struct xsim_domain *d = xsim_lookup_any(sim, domid);
	return d && !d->dying ? d : NULL;
}

struct xsim_domain *xsim_domain(struct xsim *sim, domid_t domid)
{
	return xsim_lookup_any(sim, domid);
}

void xsim_touch_ref(struct xsim_domain *d, grant_ref_t ref)
{
	if (ref >= XSIM_MAX_GRANTS || d->ref_touched[ref])
		return;
	d->ref_touched[ref] = 1;
	d->touched_refs[d->nr_touched_refs++] = (uint16_t)ref;
}

void xsim_touch_page(struct xsim_domain *d, uint32_t page)
{
	if (page >= XSIM_MAX_PAGES || d->page_touched[page])
		return;
	d->page_touched[page] = 1;
	d->touched_pages[d->nr_touched_pages++] = (uint8_t)page;
}

/* Zero everything the slot's last occupant touched. Bookkeeping arrays (touched lists, the
 * maptrack free ring) are only read below their lengths, so they need no clearing. */
static void slot_clear(struct xsim_domain *d)
{
	for (unsigned i = 0; i < d->nr_touched_refs; i++) {
		unsigned r = d->touched_refs[i];
		memset(&d->shared.v1[r], 0, sizeof d->shared.v1[r]);
		memset(&d->shared.v2[r], 0, sizeof d->shared.v2[r]);
		d->status[r] = 0;
		memset(&d->active[r], 0, sizeof d->active[r]);
		d->ref_touched[r] = 0;
	}
	for (unsigned i = 0; i < d->nr_touched_pages; i++) {
		unsigned p = d->touched_pages[i];
		memset(d->mem[p], 0, XSIM_PAGE_SIZE);
		d->page_touched[p] = 0;
	}
	memset(d->maps, 0, d->map_fresh * sizeof d->maps[0]);
	memset(d->ports, 0, d->port_hw * sizeof d->ports[0]);
	d->exists = d->paused = d->dying = d->xsm_deny = 0;
	d->domid = 0;
	d->gnt_version = 0;
	d->nr_pages = d->nr_grants = d->foreign_pins = 0;
	d->map_fresh = d->map_free_head = d->map_free_len = 0;
	d->port_hw = 0;
	d->nr_touched_refs = d->nr_touched_pages = 0;
}

void xsim_reset(struct xsim *sim)
{
	for (unsigned i = 0; i < XSIM_MAX_DOMS; i++)
		slot_clear(&sim->doms[i]);
}

int xsim_domain_create(struct xsim *sim, domid_t domid, uint32_t nr_pages, unsigned gnt_version,
		       uint32_t nr_grants)
{
	if ((gnt_version != 1 && gnt_version != 2) || nr_pages == 0 || nr_pages > XSIM_MAX_PAGES ||
	    nr_grants == 0 || nr_grants > XSIM_MAX_GRANTS || domid >= DOMID_FIRST_RESERVED)
		return -XEN_EINVAL;
	if (xsim_lookup_any(sim, domid))
		return -XEN_EEXIST;
	for (unsigned i = 0; i < XSIM_MAX_DOMS; i++) {
		struct xsim_domain *d = &sim->doms[i];
		if (d->exists)
			continue;
		slot_clear(d); /* leftovers of a domain destroyed earlier in this run */
		d->exists = 1;
		d->domid = domid;
		d->gnt_version = gnt_version;
		d->nr_pages = nr_pages;
		d->nr_grants = nr_grants;
		d->ports[0].state = XSIM_PORT_RESERVED; /* Xen never hands out port 0 */
		d->port_hw = 1;
		return 0;
	}
	return -XEN_ENOSPC;
}

int xsim_xsm_deny(struct xsim *sim, domid_t dom, int deny)
{
	struct xsim_domain *d = xsim_lookup_any(sim, dom);
	if (!d)
		return -XEN_ESRCH;
	d->xsm_deny = !!deny;
	return 0;
}

void xsim_domain_destroy(struct xsim *sim, domid_t domid)
{
	struct xsim_domain *d = xsim_lookup_live(sim, domid);
	if (!d)
		return;
	d->dying = 1;
	xsim_evtchn_release_all(sim, d);
	xsim_gnttab_release_maps(sim, d);
	if (d->foreign_pins == 0)
		d->exists = 0; /* otherwise a zombie until the last foreign unmap */
}

uint64_t xsim_page_frame(uint32_t page_index)
{
	return page_index < XSIM_MAX_PAGES ? XSIM_FRAME_BASE + (uint64_t)page_index : ~(uint64_t)0;
}

uint8_t *xsim_frame_mem(struct xsim *sim, domid_t dom, uint64_t frame)
{
	struct xsim_domain *d = xsim_lookup_any(sim, dom);
	if (!d || frame < XSIM_FRAME_BASE || frame - XSIM_FRAME_BASE >= d->nr_pages)
		return NULL;
	xsim_touch_page(d, (uint32_t)(frame - XSIM_FRAME_BASE));
	return d->mem[frame - XSIM_FRAME_BASE];
}

static struct xsim_domain *guest_table(struct xsim *sim, domid_t dom, grant_ref_t ref, unsigned version)
{
	struct xsim_domain *d = xsim_lookup_any(sim, dom);
	if (!d || ref >= d->nr_grants || (version && d->gnt_version != version))
		return NULL;
	xsim_touch_ref(d, ref);
	return d;
}

grant_entry_v1_t *xsim_gnt_v1(struct xsim *sim, domid_t dom, grant_ref_t ref)
{
	struct xsim_domain *d = guest_table(sim, dom, ref, 1);
	return d ? &d->shared.v1[ref] : NULL;
}

grant_entry_v2_t *xsim_gnt_v2(struct xsim *sim, domid_t dom, grant_ref_t ref)
{
	struct xsim_domain *d = guest_table(sim, dom, ref, 2);
	return d ? &d->shared.v2[ref] : NULL;
}

grant_status_t *xsim_gnt_status(struct xsim *sim, domid_t dom, grant_ref_t ref)
{
	struct xsim_domain *d = guest_table(sim, dom, ref, 2);
	return d ? &d->status[ref] : NULL;
}

void xsim_guest_touch(struct xsim *sim, domid_t dom, const volatile void *addr)
{
	struct xsim_domain *d = xsim_lookup_any(sim, dom);
	if (!d)
		return;
	uintptr_t a = (uintptr_t)addr;
	uintptr_t sh = (uintptr_t)&d->shared, st = (uintptr_t)d->status, mem = (uintptr_t)d->mem;
	if (a >= sh && a < sh + sizeof d->shared)
		xsim_touch_ref(d, (grant_ref_t)((a - sh) / (d->gnt_version == 1 ? sizeof(grant_entry_v1_t)
									   : sizeof(grant_entry_v2_t))));
	else if (a >= st && a < st + sizeof d->status)
		xsim_touch_ref(d, (grant_ref_t)((a - st) / sizeof(grant_status_t)));
	else if (a >= mem && a < mem + sizeof d->mem)
		xsim_touch_page(d, (uint32_t)((a - mem) / XSIM_PAGE_SIZE));
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

int xsim_check_clean(const struct xsim *sim)
{
	for (unsigned i = 0; i < XSIM_MAX_DOMS; i++) {
		const struct xsim_domain *d = &sim->doms[i];
		if (d->exists || d->paused || d->dying || d->xsm_deny || d->domid || d->gnt_version || d->nr_pages ||
		    d->nr_grants || d->foreign_pins || d->map_fresh || d->map_free_head ||
		    d->map_free_len || d->port_hw || d->nr_touched_refs || d->nr_touched_pages)
			return -1;
		if (!all_zero(&d->shared, sizeof d->shared) || !all_zero(d->status, sizeof d->status) ||
		    !all_zero(d->active, sizeof d->active) || !all_zero(d->maps, sizeof d->maps) ||
		    !all_zero(d->ports, sizeof d->ports) || !all_zero(d->ref_touched, sizeof d->ref_touched) ||
		    !all_zero(d->page_touched, sizeof d->page_touched) || !all_zero(d->mem, sizeof d->mem))
			return -1;
	}
	return 0;
}
