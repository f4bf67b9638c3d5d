/* xenmem.h - placing Xen-owned frames in our physmap and repopulating RAM frames. */
#ifndef PVH_XENMEM_H
#define PVH_XENMEM_H

/* XENMEM_add_to_physmap of (space, idx) at gfn; returns Xen's rc (0 on success). */
long xenmem_add_to_physmap(unsigned space, unsigned long idx, unsigned long gfn);
/* Give a RAM frame a fresh backing page (after a grant map moved the old one away). */
long xenmem_populate(unsigned long gfn);

#endif
