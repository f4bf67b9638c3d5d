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
#include <stdlib.h>
#include "world/world.h"

static struct world world;
static struct scenario scn;
static uint16_t allowed[SCN_NR_OPS];
static unsigned nallowed;

static int is_workload_op(unsigned op)
{
	const char *a = scn_ops[op].actor;
	return (a[0] == 'f' || a[0] == 'F' || a[0] == 'b' || a[0] == 'B') ||
	       op == SCN_OP_TARGET_tick || op == SCN_OP_TARGET_alloc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (unsigned op = 0; op < SCN_NR_OPS; op++)
		if (is_workload_op(op))
			allowed[nallowed++] = (uint16_t)op;
	world_init(&world);
	world.abort_on_violation = 1;
	if (!world.findings_dir)
		world.findings_dir = getenv("GNTWORLD_FINDINGS");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scn_decode(&scn, data, size);
	for (uint32_t i = 0; i < scn.nsteps; i++) {
		struct scn_step *s = &scn.steps[i];
		if (!is_workload_op(s->op)) {
			s->op = allowed[s->op % nallowed];
			/* arguments were decoded for the old op: re-wrap the one a workload step takes */
			s->arg[0] &= 0xffff;
		}
	}
	world_run(&world, &scn);
	return 0;
}
