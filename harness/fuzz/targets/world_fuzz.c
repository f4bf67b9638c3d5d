/* world_fuzz.c - fuzz target (a): the grant-API world.
 *
 * Every byte string is a valid scenario (scn_decode), so target operations, peer moves and the
 * `at K` scheduler choices all come from the input. Only the grant-API steps (target, peer) are
 * used; frontend/backend steps are folded onto them (fold.h) and left to target (b). The world is static and reset per input at a
 * cost independent of the table sizes (the world's own reset). A violation is saved by the world
 * (report + replayable .scn into $GNTWORLD_FINDINGS) the moment it happens; the target then prints
 * the report and aborts, which every engine records as a crash with its input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "world/world.h"
#include "fold.h"

static struct world world; /* ~1 MB: never on the stack, never cleared whole */
static struct fold fold;

static int is_grant_api_op(unsigned op)
{
	const char *a = scn_ops[op].actor;
	return a[0] == 'T' || a[0] == 'P'; /* TARGET, PEER */
}

/* The world has already saved the finding; the report on stderr is what the engines keep in
 * their logs and what the drivers classify. abort() makes it a crash for every engine. */
static void found(void)
{
	world_report(&world, stderr);
	/* the whole input as it ran (the report's replay is the prefix that reproduces it);
	 * the campaign drivers keep and minimize this one */
	fprintf(stderr, "fuzz input as a scenario:\n");
	scn_print(&world.scn, stderr);
	fprintf(stderr, "end of scenario\n");
	fflush(stderr);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fold_init(&fold, is_grant_api_op);
	world_init(&world);
	world.abort_on_violation = 0; /* we abort ourselves, after printing the report */
	if (!world.findings_dir)
		world.findings_dir = getenv("GNTWORLD_FINDINGS");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scn_decode(&world.scn, data, size); /* in place: no copy per input */
	fold_scenario(&fold, &world.scn);
	if (world_run(&world, &world.scn) == 1) /* 2: configuration refused, not a finding */
		found();
	return 0;
}
