/* world_fuzz.c - fuzz target (a): the grant-API world.
 *
 * Every byte string is a valid scenario (scn_decode), so target operations, peer moves and the
 * `at K` scheduler choices all come from the input. The world is static and reset per input at a
 * cost independent of the table sizes (the world's own reset). A violation is saved by the world
 * (report + replayable .scn into $GNTWORLD_FINDINGS) and then aborts, which every engine records
 * as a crash with its input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "world/world.h"

static struct world world; /* ~1 MB: never on the stack, never cleared whole */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	world_init(&world);
	world.abort_on_violation = 1;
	if (!world.findings_dir)
		world.findings_dir = getenv("GNTWORLD_FINDINGS");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	world_run_bytes(&world, data, size);
	return 0;
}
