/* input_cost.c - what one input costs inside a fuzz target, in the build the fuzzer runs.
 *
 * Linked with a target's libFuzzer objects (ASan+UBSan, its coverage flags, the load/store hooks)
 * and libFuzzer's runtime without its main: every callback the instrumentation makes costs what it
 * costs under libFuzzer; only libFuzzer's own per-input work (mutation, feature collection) is
 * left out, and that is what the empty target's rate prices. For `make bench-fuzz`:
 *   - reset: an input that is a configuration and no step, for the smallest and the largest
 *     configuration (the world's reset, its end-of-run check and the decode of 4 bytes);
 *   - per seed file: ns per input and its steps; per step: the seeds' time above the empty input of
 *     the same configuration, divided by their steps.
 * Each figure is the least of 5 batches (the machine is shared). Output: "key value" lines.
 * INPUT_COST_RUNS=N runs each input N times untimed (count instructions with `perf stat`).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "world/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define BATCHES 5
#define MAX_INPUT 65536

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: other processes on the machine do not count */
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static unsigned fixed_runs; /* INPUT_COST_RUNS: exactly that many runs, for `perf stat` */

/* The least over BATCHES of the mean ns per run (a batch lasts about 10 ms): on a shared machine
 * the least is the one others disturbed least. */
static double cost_ns(const uint8_t *data, size_t size)
{
	double t[BATCHES];
	unsigned runs = 1;
	if (fixed_runs) {
		for (unsigned i = 0; i < fixed_runs; i++)
			LLVMFuzzerTestOneInput(data, size);
		return 0;
	}
	for (;;) { /* calibrate */
		double t0 = now_ns();
		for (unsigned i = 0; i < runs; i++)
			LLVMFuzzerTestOneInput(data, size);
		if (now_ns() - t0 > 2e6 || runs >= 1u << 20)
			break;
		runs *= 2;
	}
	runs *= 5;
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();
		for (unsigned i = 0; i < runs; i++)
			LLVMFuzzerTestOneInput(data, size);
		t[b] = (now_ns() - t0) / runs;
	}
	qsort(t, BATCHES, sizeof t[0], cmp_double);
	return t[0];
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "input_cost: cannot read %s\n", path);
		exit(2);
	}
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	static uint8_t buf[MAX_INPUT];
	static struct scenario scn;
	/* header bytes of the smallest and the largest configuration (scenario_bin.c's layout) */
	static const uint8_t smallest[4] = { 0, 0, 0, 0 };
	static const uint8_t largest[4] = { 1, SCN_PAGES_MAX - SCN_PAGES_MIN, SCN_REFS_MAX - SCN_REFS_MIN,
					    SCN_DEFERQ_MAX - SCN_DEFERQ_MIN };
	double seeds_ns = 0, above_ns = 0;
	unsigned long steps = 0;
	const char *v = getenv("INPUT_COST_VERBOSE");
	int verbose = v && *v;
	const char *fr = getenv("INPUT_COST_RUNS");
	fixed_runs = fr ? (unsigned)strtoul(fr, NULL, 10) : 0;
	LLVMFuzzerInitialize(&argc, &argv);
	printf("reset_ns_smallest %.0f\n", cost_ns(smallest, sizeof smallest));
	printf("reset_ns_largest %.0f\n", cost_ns(largest, sizeof largest));
	for (int i = 1; i < argc; i++) {
		size_t n = read_file(argv[i], buf, sizeof buf);
		double ns = cost_ns(buf, n);
		double empty = cost_ns(buf, n < 4 ? n : 4); /* the same configuration, no step */
		scn_decode(&scn, buf, n);
		if (verbose)
			printf("file %s ns %.0f steps %u\n", argv[i], ns, scn.nsteps);
		seeds_ns += ns;
		above_ns += ns - empty;
		steps += scn.nsteps;
	}
	if (argc > 1) {
		printf("seeds %d\n", argc - 1);
		printf("seed_ns_mean %.0f\n", seeds_ns / (argc - 1));
		printf("steps_mean %.1f\n", (double)steps / (argc - 1));
		printf("step_ns %.0f\n", steps ? above_ns / steps : 0.0);
	}
	return 0;
}
