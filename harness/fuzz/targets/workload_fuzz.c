/* workload_fuzz.c - fuzz target (b): the workload world.
 *
 * The same world as target (a), but every step is one of the PV frontend's or the hostile
 * backend's (ring responses, event timing, maps held, backend state), plus the target's tick,
 * page reuse and the CPU's store-buffer drains. The input decodes as any scenario; steps outside that set are folded onto it, so
 * a workload scenario from corpora/ is its own seed unchanged, and mutations never wander off
 * into the grant-API steps that target (a) already covers. The world saves the folded scenario
 * with a finding, so what is reported is what ran.
 */
#include "world/scenario.h"

#define FUZZ_TARGET "workload"

#include "world_fuzz_run.h"
