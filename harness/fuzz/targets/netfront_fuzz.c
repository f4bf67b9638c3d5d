/* netfront_fuzz.c - fuzz target: the vif device world (harness/devworld). The input is a malicious
 * vif backend: every response field, its order and timing against the frontend's own grant calls
 * (`at K device map`), events, ring lies, Closed at any point; the frontend under test is ours on a
 * grant library variant, or a frontend variant (mk/fronts.mk) on the reference library. Inputs
 * decode as any scenario: the device is set to vif with a full page budget, and steps outside the
 * device's (and the CPU's store-buffer drains) are folded onto them (fold.h).
 */
#include "world/scenario.h"

#define FUZZ_TARGET "netfront"

#include "world_fuzz_run.h"
