/* world_platform.c - the sim platform: gnt_platform_ops over the target domain's grant table in
 * xsim. Every grant-entry access the library makes is a scheduling point where queued `at K`
 * peer moves run, and every store is shown to the oracle (invariant 2) before it happens. */
#include <string.h>
#include "world/world.h"
#include "world/world_internal.h"

/* Which ref an address of the shared table belongs to, and whether it is the flags field.
 * Returns 0 if the address is not in the shared entries (e.g. a v2 status frame). */
static int entry_of(struct world *w, const volatile void *p, uint32_t *ref, int *is_flags)
{
	struct xsim_domain *d = xsim_domain(&w->sim, WORLD_TARGET_DOM);
	uintptr_t a = (uintptr_t)p, base;
	size_t size;
	if (d->gnt_version == 2) {
		base = (uintptr_t)d->shared.v2;
		size = sizeof(grant_entry_v2_t);
	} else {
		base = (uintptr_t)d->shared.v1;
		size = sizeof(grant_entry_v1_t);
	}
	if (a < base || a >= base + (uintptr_t)d->nr_grants * size)
		return 0;
	*ref = (uint32_t)((a - base) / size);
	*is_flags = (a - base) % size == 0; /* flags is the first field of both entry versions */
	return 1;
}

/* A scheduling point: run the moves queued for point K = number of accesses so far. */
static void point(struct world *w)
{
	if (!w->in_target || w->in_point || w->stopped)
		return;
	uint32_t k = w->point++;
	if (!w->nqueued) /* the common case: nothing waits for a point */
		return;
	for (uint32_t i = 0; i < w->nqueued && !w->stopped; i++) {
		struct world_queued *q = &w->queue[i];
		if (q->done || q->point != k || !scn_op_interleaves(w->scn.steps[q->step].op))
			continue;
		q->done = 1;
		w->in_point = 1;
		world_exec(w, q->step, "at point");
		w->in_point = 0;
	}
}

static void check_store(struct world *w, const volatile void *p, uint32_t value)
{
	uint32_t ref;
	int is_flags;
	if (entry_of(w, p, &ref, &is_flags))
		oracle_entry_store(&w->oracle, ref, is_flags, value,
				   xsim_ref_pins(&w->sim, WORLD_TARGET_DOM, (grant_ref_t)ref));
}

static uint16_t p_load16(void *ctx, volatile uint16_t *p)
{
	point(ctx);
	return *p;
}

static void p_store16(void *ctx, volatile uint16_t *p, uint16_t v)
{
	struct world *w = ctx;
	point(w);
	check_store(w, p, v);
	*p = v;
	xsim_guest_touch(&w->sim, WORLD_TARGET_DOM, p);
}

static void p_store32(void *ctx, volatile uint32_t *p, uint32_t v)
{
	struct world *w = ctx;
	point(w);
	check_store(w, p, v);
	*p = v;
	xsim_guest_touch(&w->sim, WORLD_TARGET_DOM, p);
}

static void p_store64(void *ctx, volatile uint64_t *p, uint64_t v)
{
	struct world *w = ctx;
	point(w);
	check_store(w, p, (uint32_t)v);
	*p = v;
	xsim_guest_touch(&w->sim, WORLD_TARGET_DOM, p);
}

static uint16_t p_cmpxchg16(void *ctx, volatile uint16_t *p, uint16_t old, uint16_t new_val)
{
	struct world *w = ctx;
	point(w);
	uint16_t seen = *p;
	if (seen == old) {
		check_store(w, p, new_val);
		*p = new_val;
		xsim_guest_touch(&w->sim, WORLD_TARGET_DOM, p);
	}
	return seen;
}

/* One thread, so a barrier orders nothing here; it is not an entry access either. */
static void p_barrier(void *ctx) { (void)ctx; }

static void p_page_release(void *ctx, uint64_t frame)
{
	struct world *w = ctx;
	int page = world_frame_page(frame);
	oracle_release(&w->oracle, frame, xsim_frame_foreign_maps(&w->sim, WORLD_TARGET_DOM, frame));
	world_log(w, "  library releases frame 0x%llx (p%d)", (unsigned long long)frame, page);
	if (page < 0)
		return;
	/* Only a page the library owned goes back: a double release must not corrupt the free list
	 * (the oracle has already reported it). */
	if (w->page_owner[page] == PG_GRANTED || w->page_owner[page] == PG_DEFERRED)
		world_push_free(w, (unsigned)page);
}

static void p_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	world_log(ctx, "  library: %s (%llu, %llu)", msg, (unsigned long long)a, (unsigned long long)b);
}

void world_platform_init(struct world *w)
{
	w->ops.load16 = p_load16;
	w->ops.store16 = p_store16;
	w->ops.store32 = p_store32;
	w->ops.store64 = p_store64;
	w->ops.cmpxchg16 = p_cmpxchg16;
	w->ops.wmb = p_barrier;
	w->ops.mb = p_barrier;
	w->ops.page_release = p_page_release;
	w->ops.log = p_log;
}
