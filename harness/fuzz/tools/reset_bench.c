/* reset_bench.c - what starting a new fuzz input costs in the in-process world.
 *
 * Runs an empty scenario (the world's whole reset, no steps) many times, for the smallest and the
 * largest configuration, and compares with clearing the whole struct world once per input, which
 * is what a naive reset would do. Built without sanitizers or coverage: it measures the code, not
 * the instrumentation. Prints one line per figure for `make bench-fuzz` to quote.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "world/world.h"

static struct world world;
static struct world scratch;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double reset_ns(unsigned pages, unsigned refs, unsigned deferq, int version, unsigned n)
{
	struct scenario *s = &world.scn;
	s->cfg.version = (uint8_t)version;
	s->cfg.pages = (uint8_t)pages;
	s->cfg.refs = (uint16_t)refs;
	s->cfg.deferq = (uint8_t)deferq;
	s->nsteps = 0;
	double t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		if (world_run(&world, s) != 0)
			return -1;
	return (now_ns() - t0) / n;
}

int main(void)
{
	const unsigned n = 200000;
	world_init(&world);
	double small = reset_ns(SCN_PAGES_MIN, SCN_REFS_MIN, SCN_DEFERQ_MIN, 1, n);
	double large = reset_ns(SCN_PAGES_MAX, SCN_REFS_MAX, SCN_DEFERQ_MAX, 2, n);
	double t0 = now_ns();
	for (unsigned i = 0; i < n / 100; i++) {
		memset(&scratch, (int)i, sizeof scratch);
		__asm__ volatile("" : : "r"(&scratch) : "memory"); /* keep the clear */
	}
	double clear = (now_ns() - t0) / (n / 100);
	if (small < 0 || large < 0) {
		fprintf(stderr, "reset_bench: the world refused an empty scenario\n");
		return 1;
	}
	printf("world_size_bytes %zu\n", sizeof world);
	printf("reset_ns_smallest %.0f\n", small);
	printf("reset_ns_largest %.0f\n", large);
	printf("clear_whole_world_ns %.0f\n", clear);
	return 0;
}
