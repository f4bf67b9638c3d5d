/* seam_hooks.h - scheduling points at every load and store target code makes to the grant table.
 *
 * Target code (a grant library and its adapter) is compiled with clang's
 * -fsanitize-coverage=trace-loads,trace-stores plus an edge type; the compiler then calls
 * __sanitizer_cov_load<N>(addr) / __sanitizer_cov_store<N>(addr) before every load and store,
 * volatile and atomic ones included (RMW atomics are not traced). seam_hooks.c defines those
 * hooks: an address outside the watched range costs one compare; inside it, the world's callback
 * runs before the access happens. seam_hooks.c itself must not be compiled with the flags.
 */
#ifndef GNTFUZZ_SEAM_HOOKS_H
#define GNTFUZZ_SEAM_HOOKS_H

#include <stdint.h>

struct seam_watch {
	uintptr_t lo, span;          /* [lo, lo+span): grant table and status frames of the target */
	/* Called before the access; `store` is 1 for a store. Only while `live` is set. */
	void (*on_access)(void *ctx, uintptr_t addr, unsigned size, int store);
	void *ctx;
	volatile uint8_t live;       /* set around calls into the target */
	uint64_t seen;               /* accesses to the watched range (test and bench figure) */
};

extern struct seam_watch seam_watch;

/* Watch [lo, hi) and call fn there; live stays off until the caller sets it. */
void seam_watch_range(uintptr_t lo, uintptr_t hi, void (*fn)(void *, uintptr_t, unsigned, int), void *ctx);

#endif
