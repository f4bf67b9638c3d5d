/* world_fuzz_run.h - the body shared by the world fuzz targets, (a) world_fuzz.c, (b)
 * workload_fuzz.c and the device targets blkfront_fuzz.c and netfront_fuzz.c: they differ only in
 * which steps they keep and which device world they run (fold.h's table, by FUZZ_TARGET). The including file defines
 * FUZZ_TARGET (its name in fold.h's table) first; this header then defines the libFuzzer entry
 * points (the AFL++ shim and the replay main call the same ones).
 */
#ifndef FUZZ_WORLD_FUZZ_RUN_H
#define FUZZ_WORLD_FUZZ_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "world/world.h"
#include "fold.h"

static int fuzz_keeps_op(unsigned op);

static struct world world; /* ~1 MB: never on the stack, never cleared whole */
static struct fold fold;
/* GNTWORLD_CONTINUE=1 (the campaigns): a violation is saved once per root cause and fuzzing goes
 * on, so a shallow bug neither slows the engine (a crash and restart per input) nor hides the
 * next one. Without it every violation is a crash, which is what `make killmatrix` times. */
static int continue_mode;

/* The world has already saved the finding; the report on stderr is what the engines keep in
 * their logs and what the drivers classify. abort() makes it a crash for every engine. */
/* The machine-readable report on one line: what the campaign drivers group findings by. */
static void print_json(void)
{
	fprintf(stderr, "gntworld-json: ");
	world_report_json(&world, stderr);
}

static void found(void)
{
	world_report(&world, stderr);
	print_json();
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
	const char *cont = getenv("GNTWORLD_CONTINUE");
	continue_mode = cont && !strcmp(cont, "1");
	world.dedup = (uint8_t)continue_mode;
	if (!world.findings_dir)
		world.findings_dir = getenv("GNTWORLD_FINDINGS");
	return 0;
}

static int fuzz_keeps_op(unsigned op)
{
	return fold_target_keeps(FUZZ_TARGET, op);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scn_decode(&world.scn, data, size); /* in place: no copy per input */
	fold_target_config(FUZZ_TARGET, &world.scn.cfg);
	fold_scenario(&fold, &world.scn);
	world_fit_version(&world);
	if (world_run(&world, &world.scn) != 1) /* 2: configuration refused, not a finding */
		return 0;
	if (!continue_mode)
		found();
	if (!world.duplicate) { /* a new root cause: one line the campaign reads, the report beside it */
		fprintf(stderr, "gntworld-finding: %016llx inv %d %s\n", (unsigned long long)world.key,
			world.oracle.first.inv, world.finding[0] ? world.finding : "(not saved: no GNTWORLD_FINDINGS)");
		print_json();
		fflush(stderr);
	}
	return 0;
}

#endif
