/* entry_ops.h - the host's grant-entry accesses and barriers for grants/ (the first half of its
 * struct gnt_platform_ops), as a real port would write them: relaxed atomic loads and stores,
 * a seq_cst compare-and-swap, C11 fences for wmb and mb. Relaxed on purpose: the library must get
 * every ordering it needs from wmb()/mb(), as Mini-OS-style code does; an acquire load or a
 * release store here would hide a library that forgot its barrier (on Arm a release store of
 * the flags orders the contents before it on its own).
 *
 * Included by adapter.c (every world, the multi-process target, the PVH guest) and by grants'
 * unit tests (grants/tests/test_platform.c), which run the library on exactly these functions.
 * The cas_expected mutant lives here, selected by the library's own switch (gnt_mutant.h). */
#ifndef GNTFUZZ_GRANTS_ENTRY_OPS_H
#define GNTFUZZ_GRANTS_ENTRY_OPS_H

#include "gnt_platform.h"
#include "gnt_mutant.h"

static inline uint16_t host_load16(void *ctx, volatile uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void host_store16(void *ctx, volatile uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void host_store32(void *ctx, volatile uint32_t *p, uint32_t v) { *p = v; }
static inline void host_store64(void *ctx, volatile uint64_t *p, uint64_t v) { *p = v; }

/* Answers the value found at *p: the expected one when the swap happened. */
static inline uint16_t host_cmpxchg16(void *ctx, volatile uint16_t *p, uint16_t old, uint16_t new_val)
{
	uint16_t found = old;

	if (!__atomic_compare_exchange_n(p, &found, new_val, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) &&
	    GNT_IS(cas_expected))
		return old; /* Bug: a failed swap looks like a successful one */
	return found;
}

static inline void host_wmb(void *ctx) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static inline void host_mb(void *ctx) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

#endif
