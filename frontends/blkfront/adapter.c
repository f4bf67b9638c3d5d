/* frontends/blkfront/adapter.c - our blkfront through the frontend seam (in every grant library's
 * world too: harness/world/world.mk): its run is already a dev_host driver loop, so the adapter
 * only names it. */
#include "front_seam.h"

const struct front_adapter gntfuzz_front_vbd = { "blkfront", "vbd", blkfront_run };
