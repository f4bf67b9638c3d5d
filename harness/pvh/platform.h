/* platform.h - grants/'s gnt_platform_ops on real Xen: real atomics and fences, pages go back
 * to the guest's page allocator, log lines to the 0xE9 console. */
#ifndef PVH_PLATFORM_H
#define PVH_PLATFORM_H

#include "gnt_platform.h"

extern const struct gnt_platform_ops pvh_gnt_ops;
/* Pages the library released, for the caller to count (reset by the caller). */
extern unsigned pvh_pages_released;

#endif
