/* seam_hooks.h - scheduling points at every access target code makes to the grant table, and
 * the memory-order events (fences, atomics' orders) the world's CPU model needs.
 *
 * Two compilers' worth of instrumentation reach this file (seam_hooks.c defines every hook):
 *  - clang's -fsanitize-coverage=trace-loads,trace-stores (plus an edge type) calls
 *    __sanitizer_cov_load<N>(addr) / __sanitizer_cov_store<N>(addr) before every load and store,
 *    volatile and atomic ones included;
 *  - gntfuzz's LLVM pass (harness/seam/pass/, -fpass-plugin=) adds what those flags never emit:
 *    __gntfuzz_rmw before every read-modify-write (cmpxchg, atomicrmw, a locked or xchg inline
 *    asm), __gntfuzz_fence before every fence (compiler fences and barrier asm), and the memory
 *    order of atomic loads (before them) and stores (after them).
 * An address outside the watched range costs one compare; inside it, the world's on_access runs
 * before the access happens. Fences and orders reach on_order only while `ordered` is set (a
 * world modelling a weak CPU), so they cost a flag test otherwise. seam_hooks.c itself must not
 * be compiled with the flags or the pass.
 */
#ifndef GNTFUZZ_SEAM_HOOKS_H
#define GNTFUZZ_SEAM_HOOKS_H

#include <stdint.h>

/* on_access kinds */
enum seam_access { SEAM_ACC_LOAD = 0, SEAM_ACC_STORE = 1, SEAM_ACC_RMW = 2 };

/* on_order events: what the CPU model must know about ordering */
enum seam_order_event {
	SEAM_ORD_FENCE = 0,        /* a fence; `order` is an enum seam_fence_kind (seam.h) */
	SEAM_ORD_RMW = 1,          /* a read-modify-write anywhere (after on_access if it is in range); C11 order */
	SEAM_ORD_LOAD = 2,         /* before an atomic load stronger than relaxed; C11 order */
	SEAM_ORD_STORE = 3,        /* after an atomic store stronger than relaxed; C11 order */
};

struct seam_watch {
	uintptr_t lo, span;          /* [lo, lo+span): grant table and status frames of the target */
	/* Called before the access; `kind` is an enum seam_access. Only while `live` is set. */
	void (*on_access)(void *ctx, uintptr_t addr, unsigned size, int kind);
	/* Memory-order events (any address), only while `live` and `ordered` are set. */
	void (*on_order)(void *ctx, unsigned event, uintptr_t addr, unsigned size, unsigned order);
	void *ctx;
	volatile uint8_t live;       /* set around calls into the target */
	uint8_t ordered;             /* the world models a weak memory order: deliver on_order */
	uint64_t seen;               /* accesses to the watched range (test and bench figure) */
};

extern struct seam_watch seam_watch;

/* Watch [lo, hi) and call fn there; live stays off until the caller sets it, on_order is NULL
 * and ordered 0 until the caller sets them. */
void seam_watch_range(uintptr_t lo, uintptr_t hi, void (*fn)(void *, uintptr_t, unsigned, int), void *ctx);

/* The hooks gntfuzz's LLVM pass emits (the ABI between harness/seam/pass/ and seam_hooks.c).
 * `order` is a C11 memory order (__ATOMIC_RELAXED 0 .. __ATOMIC_SEQ_CST 5), `kind` an enum
 * seam_fence_kind, `size` the access width in bytes. */
void __gntfuzz_rmw(volatile void *addr, uint32_t size, uint32_t order);
void __gntfuzz_fence(uint32_t kind);
void __gntfuzz_atomic_load(volatile void *addr, uint32_t size, uint32_t order);
void __gntfuzz_atomic_store(volatile void *addr, uint32_t size, uint32_t order);

#endif
