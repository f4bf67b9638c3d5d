/* world_internal.h - what the world's own files share; handlers outside use world.h only. */
#ifndef WORLD_INTERNAL_H
#define WORLD_INTERNAL_H

#include "world/world.h"
#include "seam/seam_hooks.h"

void world_seam_init(struct world *w);
/* Run body(w) with the library's crashes turned into invariant-4 violations (world_crash.c):
 * body's answer, or 1 when the library crashed. */
int world_guarded_run(struct world *w, int (*body)(struct world *));
/* The library's last log line, "msg (a, b)" (arguments only if not both 0), or "(none)". */
void world_last_log(const struct world *w, char *buf, size_t len);
/* The adapter's boot() for this table, or the restore of what an earlier boot on the same table
 * shape built (world_boot.c). SEAM_OK or boot's refusal. */
int world_boot(struct world *w, const struct seam_table *table);
void world_seam_watch(struct world *w);          /* after the target domain exists (reset) */
void world_seam_flush(struct world *w);          /* the store the hook announced: buffer or oracle */
/* A scheduling point: the moves queued for it run. `what` and the table address are for --trace. */
void world_seam_point(struct world *w, const char *what, uintptr_t addr);
/* late: made in an earlier library call than the one running (or none is) */
void world_seam_report_store(struct world *w, uintptr_t addr, unsigned size, const void *bytes, int late);

/* The CPU model (world_memory.c). */
void world_mem_reset(struct world *w, unsigned model);
void world_mem_global(struct world *w);          /* memory shows what Xen sees */
void world_mem_target(struct world *w);          /* memory shows what the target CPU sees */
void world_mem_before_store(struct world *w, uintptr_t addr, unsigned size);
int world_mem_buffer(struct world *w, uintptr_t addr, unsigned size); /* 1: held in the buffer */
void world_mem_drain_all(struct world *w);
unsigned world_mem_drain_nth(struct world *w, unsigned nth);          /* Nth newest that may; 1 if one did */
int world_mem_order_drains(const struct world *w, unsigned event, unsigned order);
void world_mem_order(struct world *w, unsigned event, uintptr_t addr, unsigned size, unsigned order);
/* After a step's target code: each buffered store drains after a point of its own (the peer may
 * act between them), oldest first under tso, newest first under arm. */
void world_mem_drain_points(struct world *w);
/* The end of a scenario step (after its queued moves): nothing stays buffered. */
static inline void world_mem_end_step(struct world *w)
{
	if (w->mem.n)
		world_mem_drain_all(w);
	w->mem.global_view = 0;
}

/* Around every call into the target (inline: a tick is a call, and a run makes dozens). */
static inline void world_seam_enter(struct world *w)
{
	w->calls++;
	if (w->mem.global_view)
		world_mem_target(w);
	seam_watch.live = 1;
}
static inline void world_seam_leave(struct world *w)
{
	if (w->pending_store)
		world_seam_flush(w);
	seam_watch.live = 0;
	if (w->mem.n) { /* within a step the stores may wait; outside one they drain now */
		if (w->mem.hold)
			world_mem_global(w);
		else
			world_mem_drain_all(w);
	}
}
static inline void world_clear_points(struct world *w)
{
	for (unsigned i = 0; i < WORLD_MAX_POINT / 64; i++) /* two stores, no memset call */
		w->qpoints[i] = 0;
}
/* Mark point K of the current step as awaited by a queued move (bits of w->qpoints). */
static inline void world_queue_point(struct world *w, unsigned k)
{
	if (k < WORLD_MAX_POINT)
		w->qpoints[k / 64] |= 1ull << (k % 64);
}
/* The adapter broke the seam's contract (`what` is a printf format taking two unsigned long
 * longs): one line on stderr, exit 2. */
void world_adapter_error(struct world *w, const char *what, uint64_t a, uint64_t b) __attribute__((noreturn));
/* A call into the target with its table watched (stores shown to the oracle); IN_TARGET also
 * makes its accesses scheduling points for `at K` moves. */
#define IN_SEAM(w, call) ({ world_seam_enter(w); __typeof__(call) r_ = (call); world_seam_leave(w); r_; })
#define IN_TARGET(w, call) ({ uint8_t was_ = (w)->in_target; (w)->in_target = 1; \
	__typeof__(call) t_ = IN_SEAM(w, call); (w)->in_target = was_; t_; })
/* Run scenario step `i` now (its handler, with the oracle stamped with that step). */
void world_exec(struct world *w, uint32_t i, const char *why);
void world_push_free(struct world *w, unsigned page);
/* Allocate for the target's own steps (not the workload's). */
int world_target_alloc(struct world *w);
/* Tag the page with (step, page) so that reuse is visible from the peer's side. */
void world_tag_page(struct world *w, unsigned page);
void world_untag_pages(struct world *w);         /* zero the tags written this run (reset) */
uint64_t world_page_tag_in_mem(struct world *w, uint64_t frame);

#endif
