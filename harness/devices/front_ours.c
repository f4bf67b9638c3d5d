/* front_ours.c - our frontends through the frontend seam (front_seam.h). Weak: a frontend
 * variant (FRONT=, a user's adapter) defines its own and wins at link time. */
#include "front_seam.h"

__attribute__((weak)) const struct front_adapter gntfuzz_front_vbd = { "blkfront", "vbd", blkfront_run };
__attribute__((weak)) const struct front_adapter gntfuzz_front_vif = { "netfront", "vif", netfront_run };
__attribute__((weak)) const char gntfuzz_front_mutant[] = "fixed";
