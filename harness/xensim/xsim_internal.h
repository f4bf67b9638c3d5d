/* xsim_internal.h - helpers shared by the simulator's sources (not part of the API). */
#ifndef XSIM_INTERNAL_H
#define XSIM_INTERNAL_H

#include "xsim.h"

/* Any domain with this id, zombies included. */
struct xsim_domain *xsim_lookup_any(struct xsim *sim, domid_t domid);
/* A live domain: exists and not dying. */
struct xsim_domain *xsim_lookup_live(struct xsim *sim, domid_t domid);

/* Record that a grant entry / page was touched this run, so reset clears it. O(1). */
void xsim_touch_ref(struct xsim_domain *d, grant_ref_t ref);
void xsim_touch_page(struct xsim_domain *d, uint32_t page);

/* Drop one pin of granter's ref (an unmap, a copy's release, a dying mapper): lowers the pin
 * count, clears status bits as Xen's reduce_status_for_pin does, and finishes a zombie granter
 * when its last foreign pin goes. */
void xsim_unpin(struct xsim *sim, struct xsim_domain *granter, grant_ref_t ref, int readonly,
		int foreign);

/* Release every map `d` holds (domain death); ports are closed by xsim_evtchn_release_all. */
void xsim_gnttab_release_maps(struct xsim *sim, struct xsim_domain *d);
void xsim_evtchn_release_all(struct xsim *sim, struct xsim_domain *d);

#endif
