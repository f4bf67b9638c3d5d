/* gnt_platform.h - everything the freestanding grant library needs from its host.
 *
 * The library never touches libc, never allocates and never reads a clock: the host gives it
 * the grant-table memory, atomics and barriers, a way to hand pages back, and logging. The
 * same library sources run in the in-process simulator (where every grant-entry access is a
 * scheduling point for peer moves), in a Linux process of the multi-process simulator, and in
 * the PVH guest on real Xen.
 *
 * Rule for implementers: every load or store of shared grant-table or status-frame memory made
 * by the library goes through one of the entry-access operations below, never a plain C access.
 */
#ifndef GNT_PLATFORM_H
#define GNT_PLATFORM_H

#include <stdint.h>

struct gnt_platform_ops {
	/* --- grant-entry accesses (shared with Xen / the peer) --- */
	uint16_t (*load16)(void *ctx, volatile uint16_t *p);
	void (*store16)(void *ctx, volatile uint16_t *p, uint16_t v);
	void (*store32)(void *ctx, volatile uint32_t *p, uint32_t v);
	void (*store64)(void *ctx, volatile uint64_t *p, uint64_t v);
	/* The loads and stores above need to be single-copy atomic only: no ordering is expected
	 * of them (relaxed). The library orders what must be ordered with wmb and mb below. */
	/* Atomic compare-and-exchange, a full barrier; returns the value found at *p (== old on
	 * success, whatever else on failure: the library's end loop depends on it). */
	uint16_t (*cmpxchg16)(void *ctx, volatile uint16_t *p, uint16_t old, uint16_t new_val);
	/* Write barrier: earlier stores visible before later stores (entry contents before flags;
	 * a C11 release fence will do). Full barrier: earlier loads and stores before later loads
	 * and stores (v2: header clear before the status read; the status read before reuse). */
	void (*wmb)(void *ctx);
	void (*mb)(void *ctx);

	/* --- page ownership --- */
	/* The library is done with `frame`: no peer can map it any more (or, in a mutant, it
	 * wrongly believes so). The host may now free or reuse the page. Called exactly once per
	 * successful reclaim. */
	void (*page_release)(void *ctx, uint64_t frame);

	/* --- diagnostics (may be NULL) --- */
	/* A fixed message plus two numbers: no format strings, so no libc is needed. */
	void (*log)(void *ctx, const char *msg, uint64_t a, uint64_t b);
};

#endif
