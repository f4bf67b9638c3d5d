/* workload_fuzz.c - fuzz target (b): the workload world.
 *
 * The same world as target (a), but every step is one of the PV frontend's or the hostile
 * backend's (ring responses, event timing, maps held, backend state), plus the target's tick and
 * page reuse. The input decodes as any scenario; steps outside that set are folded onto it, so
 * a workload scenario from corpora/ is its own seed unchanged, and mutations never wander off
 * into the grant-API steps that target (a) already covers. The world saves the folded scenario
 * with a finding, so what is reported is what ran.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "world/world.h"
#include "fold.h"

static struct world world;
static struct fold fold;

static int is_workload_op(unsigned op)
{
	const char *a = scn_ops[op].actor;
	return a[0] == 'F' || a[0] == 'B' || op == SCN_OP_TARGET_tick || op == SCN_OP_TARGET_alloc;
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
	fold_init(&fold, is_workload_op);
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
