/* selfgrant.h - grant a page to ourselves through the seam, map it, and check the library's end
 * of it against real Xen. */
#ifndef PVH_SELFGRANT_H
#define PVH_SELFGRANT_H

#include <xen/xen.h>
#include "gnttab.h"

/* Needs the library set up on gt (pvh_lib_setup). Prints one "pvh: ok - ..." / "pvh: not ok -
 * ..." line per check; returns the failures. */
int selfgrant_check(const struct gnttab *gt, domid_t self);

#endif
