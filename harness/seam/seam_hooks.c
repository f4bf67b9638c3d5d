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
	seam_watch.ordered = 0;
	seam_watch.on_order = 0;
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
static inline NO_COVERAGE void hit(const volatile void *p, unsigned size, int kind)
{
	uintptr_t a = (uintptr_t)p;
	if (__builtin_expect(a - seam_watch.lo >= seam_watch.span, 1) || !seam_watch.live)
		return;
	seam_watch.seen++;
	seam_watch.on_access(seam_watch.ctx, a, size, kind);
}

static inline NO_COVERAGE void order(unsigned event, const volatile void *p, unsigned size, unsigned ord)
{
	if (seam_watch.ordered && seam_watch.live && seam_watch.on_order)
		seam_watch.on_order(seam_watch.ctx, event, (uintptr_t)p, size, ord);
}

#define SEAM_HOOKS(n, type)                                                        \
	NO_COVERAGE void __sanitizer_cov_load##n(type *p) { hit(p, n, SEAM_ACC_LOAD); }        \
	NO_COVERAGE void __sanitizer_cov_store##n(type *p) { hit(p, n, SEAM_ACC_STORE); }
SEAM_HOOKS(1, uint8_t)
SEAM_HOOKS(2, uint16_t)
SEAM_HOOKS(4, uint32_t)
SEAM_HOOKS(8, uint64_t)
SEAM_HOOKS(16, __int128)

/* gntfuzz's LLVM pass (harness/seam/pass/) calls these; they are rare (atomics and barriers only),
 * so they may afford a call each. The RMW is a point first (the peer moves in the window before
 * the swap), then the CPU model drains what the RMW orders. */
NO_COVERAGE void __gntfuzz_rmw(volatile void *addr, uint32_t size, uint32_t ord)
{
	hit(addr, size, SEAM_ACC_RMW);
	order(SEAM_ORD_RMW, addr, size, ord);
}
NO_COVERAGE void __gntfuzz_fence(uint32_t kind) { order(SEAM_ORD_FENCE, 0, 0, kind); }
NO_COVERAGE void __gntfuzz_atomic_load(volatile void *addr, uint32_t size, uint32_t ord)
{
	order(SEAM_ORD_LOAD, addr, size, ord);
}
NO_COVERAGE void __gntfuzz_atomic_store(volatile void *addr, uint32_t size, uint32_t ord)
{
	order(SEAM_ORD_STORE, addr, size, ord);
}
