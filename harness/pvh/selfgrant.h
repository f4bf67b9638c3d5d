/* selfgrant.h - grant a page to ourselves, map it, and check end_access against real Xen. */
#ifndef PVH_SELFGRANT_H
#define PVH_SELFGRANT_H

#include "gnt.h"
#include "gnttab.h"

/* Prints one "pvh: ok - ..." / "pvh: not ok - ..." line per check; returns the failures. */
int selfgrant_check(struct gnt_lib *lib, const struct gnttab *gt, domid_t self);

#endif
