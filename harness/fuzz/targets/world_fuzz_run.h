/* world_fuzz_run.h - the body shared by the two world fuzz targets, (a) world_fuzz.c and
 * (b) workload_fuzz.c: they differ only in which steps they keep. The including file defines
 * `static int fuzz_keeps_op(unsigned op)` first; this header then defines the libFuzzer entry
 * points (the AFL++ shim and the replay main call the same ones).
 */
#ifndef FUZZ_WORLD_FUZZ_RUN_H
#define FUZZ_WORLD_FUZZ_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "world/world.h"
#include "fold.h"

static struct world world; /* ~1 MB: never on the stack, never cleared whole */
static struct fold fold;

/* The world has already saved the finding; the report on stderr is what the engines keep in
 * their logs and what the drivers classify. abort() makes it a crash for every engine. */
static void found(void)
{
	world_report(&world, stderr);
	/* the machine-readable report on one line: what the campaign drivers group findings by */
	fprintf(stderr, "gntworld-json: ");
	world_report_json(&world, stderr);
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
	fold_init(&fold, fuzz_keeps_op);
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
	world_fit_version(&world);
	if (world_run(&world, &world.scn) == 1) /* 2: configuration refused, not a finding */
		found();
	return 0;
}

#endif
