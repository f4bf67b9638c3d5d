/* frontends/netfront/adapter.c - our netfront through the frontend seam (netfront_run is its
 * dev_host driver loop). */
#include "front_seam.h"

const struct front_adapter gntfuzz_front_vif = { "netfront", "vif", netfront_run };
