/* world_seam.c - the world's side of the seam: the host services the grant library gets (pages,
 * logging) and the scheduling points. The compiler's hooks (harness/seam/seam_hooks.c) call
 * on_access() before every load and store the target code makes to the target domain's grant
 * table or status frames; there the `at K` peer moves queued for point K run, and every store
 * is shown to the oracle (invariant 2) once it has happened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "world/world.h"
#include "world/world_internal.h"
#include "seam/seam_hooks.h"

_Static_assert(sizeof(grant_entry_v1_t) == 1u << 3 && sizeof(grant_entry_v2_t) == 1u << 4,
	       "entry_of divides by shifting");

/* Which ref an address of the shared entries belongs to, and whether it is the flags field.
 * 0 if the address is not in the shared entries (e.g. a v2 status frame). */
static inline int entry_of(const struct world *w, uintptr_t a, uint32_t *ref, int *is_flags)
{
	uintptr_t off = a - w->tbl_base;
	if (off >= w->tbl_bytes)
		return 0;
	*ref = (uint32_t)(off >> w->tbl_shift);
	*is_flags = (off & ((1u << w->tbl_shift) - 1)) == 0; /* flags is the first field of both versions */
	return 1;
}

/* A store the simulated Xen can now see (at once under sc, when it drains under tso/arm): the
 * oracle gets the value with the pins held at that moment. */
void world_seam_report_store(struct world *w, uintptr_t a, unsigned size, const void *bytes, int late)
{
	uint32_t ref, value;
	int is_flags;
	if (!entry_of(w, a, &ref, &is_flags))
		return;
	/* a wide store that starts at the entry also writes its flags: they are the low 16 bits */
	switch (size) { /* fixed-size loads: no memcpy call per store */
	case 1: value = *(const uint8_t *)bytes; break;
	case 2: value = *(const uint16_t *)bytes; break;
	default: memcpy(&value, bytes, sizeof value); break;
	}
	if (is_flags)
		value &= 0xffff;
	const struct xsim_active *act = &w->tdom->active[ref]; /* ref < nr_grants: entry_of checked */
	unsigned pins = (unsigned)act->rd_pins + act->wr_pins;
	if (late)
		oracle_entry_store_late(&w->oracle, ref, is_flags, value, pins);
	else
		oracle_entry_store(&w->oracle, ref, is_flags, value, pins);
}

/* The store announced by the last hook has happened by now: it goes into the store buffer
 * (tso, arm) or is visible at once (sc). */
void world_seam_flush(struct world *w)
{
	uintptr_t a = w->pending_store;
	w->pending_store = 0;
	if (w->mem.model != MEM_SC && world_mem_buffer(w, a, w->pending_size))
		return;
	world_seam_report_store(w, a, w->pending_size, (const void *)a, 0);
}

/* A scheduling point: run the moves queued for point K = number of points so far in this step.
 * They see what Xen sees (the global view), then the target's view is back. */
void world_seam_point(struct world *w, const char *what, uintptr_t addr)
{
	if (!w->in_target || w->in_point || w->stopped)
		return;
	uint32_t k = w->point++;
	if (addr) /* `at K` names this point */
		world_log(w, "  point %u: %s table+0x%lx", k, what, (unsigned long)(addr - w->tbl_base));
	else
		world_log(w, "  point %u: %s", k, what);
	/* the common case: no move waits for this point (one bit per K, set when queued) */
	if (k >= WORLD_MAX_POINT || !((w->qpoints[k / 64] >> (k % 64)) & 1))
		return;
	w->qpoints[k / 64] &= ~(1ull << (k % 64)); /* every move of point K runs now */
	for (uint32_t i = 0; i < w->nqueued && !w->stopped; i++) {
		struct world_queued *q = &w->queue[i];
		if (q->done || q->point != k || !scn_op_interleaves(w->scn.steps[q->step].op))
			continue;
		q->done = 1;
		w->in_point = 1;
		world_mem_global(w);
		world_exec(w, q->step, "at point");
		world_mem_target(w);
		w->in_point = 0;
	}
}

/* Before a load, store or read-modify-write of the target's table or status frames. */
static void on_access(void *ctx, uintptr_t addr, unsigned size, int kind)
{
	struct world *w = ctx;
	if (w->pending_store) /* before any peer move: the pins are still those of the store */
		world_seam_flush(w);
	if (kind != SEAM_ACC_LOAD) {
		w->stores_in_call += kind == SEAM_ACC_STORE;
		if (addr != w->last_touch) { /* the simulator clears what was touched at reset */
			xsim_guest_touch(&w->sim, WORLD_TARGET_DOM, (const void *)addr);
			w->last_touch = addr;
		}
	}
	if (kind == SEAM_ACC_STORE) { /* an RMW is atomic and not a grant being written: not shown */
		w->pending_store = addr;
		w->pending_size = size;
		if (w->mem.model != MEM_SC)
			world_mem_before_store(w, addr, size);
	}
	world_seam_point(w, kind == SEAM_ACC_LOAD ? "load" : kind == SEAM_ACC_STORE ? "store" : "before the swap at", addr);
}

/* Fences, atomics' memory orders, RMWs (tso/arm runs only). A drain of buffered stores is a
 * point first: the peer may act while they are still invisible. */
static void on_order(void *ctx, unsigned event, uintptr_t addr, unsigned size, unsigned order)
{
	struct world *w = ctx;
	if (w->pending_store)
		world_seam_flush(w);
	if (w->in_point)
		return;
	/* an RMW of the table was a point already, at its on_access */
	int in_table = addr - (uintptr_t)seam_watch.lo < seam_watch.span;
	if (world_mem_order_drains(w, event, order) && !(event == SEAM_ORD_RMW && in_table))
		world_seam_point(w, "before a barrier drains the store buffer", 0);
	world_mem_order(w, event, addr, size, order);
}

/* Watch the target's table and status frames (adjacent in xsim's domain). */
void world_seam_watch(struct world *w)
{
	struct xsim_domain *d = xsim_domain(&w->sim, WORLD_TARGET_DOM);
	w->pending_store = 0;
	w->last_touch = 0;
	w->tdom = d;
	w->tbl_base = (uintptr_t)&d->shared;
	w->tbl_shift = d->gnt_version == 2 ? 4 : 3;
	w->tbl_bytes = (uintptr_t)d->nr_grants << w->tbl_shift;
	seam_watch_range((uintptr_t)&d->shared, (uintptr_t)(d->status + d->nr_grants), on_access, w);
	seam_watch.on_order = on_order;
}

/* --- host services --- */

int world_host_page_alloc(void *ctx, uint64_t *frame)
{
	((struct world *)ctx)->allocs_in_call++;
	int page = world_alloc_page(ctx);
	if (page < 0)
		return -1;
	*frame = world_page_frame((unsigned)page);
	return 0;
}

/* The library is done with a page: the oracle checks nobody maps it, then it is free again. */
static void h_page_free(void *ctx, uint64_t frame)
{
	struct world *w = ctx;
	int page = world_frame_page(frame);
	w->frees_in_call++;
	w->last_freed = frame;
	oracle_release(&w->oracle, frame, page >= 0 ? w->page_maps[page]
						    : xsim_frame_foreign_maps(&w->sim, WORLD_TARGET_DOM, frame));
	world_log(w, "  library frees frame 0x%llx (p%d)", (unsigned long long)frame, page);
	if (page < 0)
		return;
	/* Only a page given up to the library goes back: a double free, or a free of a page the target
	 * still shares, must not corrupt the free list (the oracle has already reported it). */
	if (w->page_owner[page] == PG_DEFERRED || w->page_owner[page] == PG_LEAKED)
		world_push_free(w, (unsigned)page);
}

void *world_host_page_mem(void *ctx, uint64_t frame)
{
	struct world *w = ctx;
	return xsim_frame_mem(&w->sim, WORLD_TARGET_DOM, frame);
}

void world_last_log(const struct world *w, char *buf, size_t len)
{
	if (!w->log_msg)
		snprintf(buf, len, "(none)");
	else if (w->log_a || w->log_b)
		snprintf(buf, len, "%s (%llu, %llu)", w->log_msg, (unsigned long long)w->log_a, (unsigned long long)w->log_b);
	else
		snprintf(buf, len, "%s", w->log_msg);
}

/* Kept, not formatted: a crash report shows the last one (the library's panic message). */
static void h_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	struct world *w = ctx;
	w->log_msg = msg;
	w->log_a = a;
	w->log_b = b;
	if (w->trace) {
		char line[160];
		world_last_log(w, line, sizeof line);
		world_log(w, "  library: %s", line);
	}
}

int world_supports_version(const struct world *w, unsigned version)
{
	return (w->adapter->versions >> version) & 1;
}

/* The adapter broke the seam's contract: no run can mean anything. One line, exit 2. */
void world_adapter_error(struct world *w, const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "gntworld: adapter of %s: ", gntfuzz_library);
	fprintf(stderr, what, (unsigned long long)a, (unsigned long long)b);
	fputc('\n', stderr);
	exit(2);
}

void world_seam_init(struct world *w)
{
	w->adapter = &gntfuzz_adapter;
	w->host.ctx = w;
	w->host.page_alloc = world_host_page_alloc;
	w->host.page_free = h_page_free;
	w->host.page_mem = world_host_page_mem;
	w->host.log = h_log;
}
