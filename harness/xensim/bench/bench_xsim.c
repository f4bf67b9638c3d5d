/* bench_xsim.c - what a fuzzer pays per input to get a clean simulator: ns per reset+create
 * after a typical small run, the same with maximal tables (cost must not follow table size),
 * after a run that touched everything, and a whole-struct memset for comparison. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xsim.h"

#define GUEST 1
#define PEER 0
#define BATCH 2000
#define ROUNDS 7

static struct xsim sim;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void create(unsigned pages, unsigned grants)
{
	xsim_domain_create(&sim, PEER, 4, 1, 32);
	xsim_domain_create(&sim, GUEST, pages, 1, grants);
}

static void grant(grant_ref_t ref, uint32_t page)
{
	grant_entry_v1_t *e = xsim_gnt_v1(&sim, GUEST, ref);
	e->domid = PEER;
	e->frame = (uint32_t)xsim_page_frame(page);
	e->flags = GTF_permit_access;
}

/* A typical scenario: share two pages, the peer maps one and writes it, one event. */
static void small_run(void)
{
	grant_handle_t h;
	uint64_t f;
	evtchn_port_t p, q;
	grant(8, 0);
	grant(9, 1);
	xsim_map(&sim, PEER, GUEST, 8, GNTMAP_host_map, &h, &f);
	xsim_map_mem(&sim, PEER, h)[0] = 1;
	xsim_unmap(&sim, PEER, h);
	xsim_evtchn_alloc_unbound(&sim, GUEST, PEER, &p);
	xsim_evtchn_bind_interdomain(&sim, PEER, GUEST, p, &q);
	xsim_evtchn_send(&sim, PEER, q);
}

/* Every grant entry, every page, most maptrack handles and every port touched. */
static void big_run(void)
{
	grant_handle_t h;
	uint64_t f;
	evtchn_port_t p, q;
	for (grant_ref_t r = 0; r < XSIM_MAX_GRANTS; r++) {
		grant(r, r % XSIM_MAX_PAGES);
		if (r < XSIM_MAX_MAPS)
			xsim_map(&sim, PEER, GUEST, r, GNTMAP_host_map, &h, &f);
	}
	for (uint32_t pg = 0; pg < XSIM_MAX_PAGES; pg++)
		xsim_frame_mem(&sim, GUEST, xsim_page_frame(pg))[pg] = 1;
	while (xsim_evtchn_alloc_unbound(&sim, GUEST, PEER, &p) == 0)
		xsim_evtchn_bind_interdomain(&sim, PEER, GUEST, p, &q);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median over ROUNDS batches of the ns one reset (+create) takes after `run`. */
static double measure(void (*run)(void), unsigned pages, unsigned grants, int full_memset)
{
	double r[ROUNDS];
	for (int k = 0; k < ROUNDS; k++) {
		uint64_t total = 0;
		for (int i = 0; i < BATCH; i++) {
			xsim_reset(&sim);
			create(pages, grants);
			run();
			uint64_t t0 = now_ns();
			if (full_memset)
				memset(&sim, 0, sizeof sim);
			else
				xsim_reset(&sim);
			create(pages, grants);
			total += now_ns() - t0;
		}
		r[k] = (double)total / BATCH;
	}
	qsort(r, ROUNDS, sizeof r[0], cmp);
	return r[ROUNDS / 2];
}

static void empty_run(void) {}

/* ns per map+unmap pair of one granted page (the simulated hypercall path, first pin each time). */
static double map_unmap_ns(void)
{
	enum { PAIRS = 200000 };
	grant_handle_t h;
	uint64_t f;
	xsim_reset(&sim);
	create(16, 32);
	grant(8, 0);
	uint64_t t0 = now_ns();
	for (int i = 0; i < PAIRS; i++) {
		xsim_map(&sim, PEER, GUEST, 8, GNTMAP_host_map, &h, &f);
		xsim_unmap(&sim, PEER, h);
	}
	return (double)(now_ns() - t0) / PAIRS;
}

int main(void)
{
	measure(small_run, 16, 32, 0); /* warm-up: page in the struct, settle the caches */
	double base = measure(empty_run, 16, 32, 0);
	double small = measure(small_run, 16, 32, 0);
	double small_max = measure(small_run, XSIM_MAX_PAGES, XSIM_MAX_GRANTS, 0);
	double big = measure(big_run, XSIM_MAX_PAGES, XSIM_MAX_GRANTS, 0);
	double full = measure(small_run, 16, 32, 1);
	printf("bench-xsim: ns per reset+create (median of %d x %d; struct xsim is %zu bytes)\n", ROUNDS, BATCH,
	       sizeof(struct xsim));
	printf("  after an empty run                          %8.0f ns\n", base);
	printf("  after a small run, small tables (16p/32g)    %8.0f ns\n", small);
	printf("  after a small run, max tables (64p/256g)     %8.0f ns   ratio to small tables %.2f\n", small_max,
	       small_max / small);
	printf("  after a run touching every entry/page/port   %8.0f ns   ratio to small run %.1f\n", big, big / small);
	printf("  whole-struct memset instead of reset         %8.0f ns   ratio to small run %.1f\n", full, full / small);
	printf("  one map+unmap pair (first pin each time)     %8.1f ns\n", map_unmap_ns());
	return 0;
}
