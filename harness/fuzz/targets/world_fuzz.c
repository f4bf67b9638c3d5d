/* world_fuzz.c - fuzz target (a): the grant-API world.
 *
 * Every byte string is a valid scenario (scn_decode), so target operations, peer moves and the
 * `at K` scheduler choices all come from the input. Only the grant-API steps (target, peer) are
 * used; frontend/backend steps are folded onto them (fold.h) and left to target (b). The world is static and reset per input at a
 * cost independent of the table sizes (the world's own reset). A violation is saved by the world
 * (report + replayable .scn into $GNTWORLD_FINDINGS) the moment it happens; the target then prints
 * the report and aborts, which every engine records as a crash with its input.
 */
#include "world/scenario.h"

#define FUZZ_TARGET "world"

#include "world_fuzz_run.h"
