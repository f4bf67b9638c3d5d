/* front_ours.c - the frontends of a grant library's world: ours, both devices, unmutated. A
 * frontend variant's build (mk/fronts.mk: our frontends' mutants, a user's FRONT=) links its own
 * adapter and front_variant.c instead of this file and harness/devices' objects. */
#include "front_seam.h"

const struct front_adapter gntfuzz_front_vbd = { "blkfront", "vbd", blkfront_run };
const struct front_adapter gntfuzz_front_vif = { "netfront", "vif", netfront_run };
