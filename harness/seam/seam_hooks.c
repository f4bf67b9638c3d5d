/* seam_hooks.c - the compiler's load/store hooks (see seam_hooks.h). Never compiled with
 * trace-loads/trace-stores itself: a hook that traced its own accesses would recurse. The hooks
 * also carry no coverage instrumentation of the fuzz engines (no_sanitize("coverage")): they run
 * on every load and store of the target, and a traced compare in each would cost more than the
 * rest of the world together. */
#include "seam/seam_hooks.h"

struct seam_watch seam_watch;

void seam_watch_range(uintptr_t lo, uintptr_t hi, void (*fn)(void *, uintptr_t, unsigned, int), void *ctx)
{
	seam_watch.live = 0;
	seam_watch.lo = lo;
	seam_watch.span = hi > lo ? hi - lo : 0;
	seam_watch.on_access = fn;
	seam_watch.ctx = ctx;
}

#ifdef __clang__ /* the fuzz engines' compilers; gcc builds carry no coverage to leave out */
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

/* The hot path: one subtraction and one compare for memory outside the table. */
static inline NO_COVERAGE void hit(const volatile void *p, unsigned size, int store)
{
	uintptr_t a = (uintptr_t)p;
	if (__builtin_expect(a - seam_watch.lo >= seam_watch.span, 1) || !seam_watch.live)
		return;
	seam_watch.seen++;
	seam_watch.on_access(seam_watch.ctx, a, size, store);
}

#define SEAM_HOOKS(n, type)                                                        \
	NO_COVERAGE void __sanitizer_cov_load##n(type *p) { hit(p, n, 0); }        \
	NO_COVERAGE void __sanitizer_cov_store##n(type *p) { hit(p, n, 1); }
SEAM_HOOKS(1, uint8_t)
SEAM_HOOKS(2, uint16_t)
SEAM_HOOKS(4, uint32_t)
SEAM_HOOKS(8, uint64_t)
SEAM_HOOKS(16, __int128)
