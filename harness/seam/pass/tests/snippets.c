/* snippets.c - grant-library-shaped code for the gntfuzz pass's test (test_pass.py): one
 * function per construct, each named snip_<what>, whose hooks the test checks in the IR (by name)
 * and, on x86-64, at run time (pass_runtime.c). The inline asm is per architecture: the x86 part
 * is built natively, the Arm part only to IR with --target=aarch64-linux-gnu -ffreestanding (Arm's
 * "Q" memory constraint means a register on x86). Keep the names in step with test_pass.py. */
#include <stdint.h>

#define SNIP __attribute__((noinline))

/* --- read-modify-writes: __gntfuzz_rmw(addr, size, order) right before --- */
SNIP int snip_atomic_cas_n(uint32_t *p, uint32_t old, uint32_t new)
{
	return __atomic_compare_exchange_n(p, &old, new, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

SNIP int snip_atomic_cas_weak_acquire(uint16_t *p, uint16_t old, uint16_t new)
{
	return __atomic_compare_exchange_n(p, &old, new, 1, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE);
}

SNIP uint16_t snip_sync_val_cas(uint16_t *p, uint16_t old, uint16_t new)
{
	return __sync_val_compare_and_swap(p, old, new);
}

SNIP int snip_sync_bool_cas(uint64_t *p, uint64_t old, uint64_t new)
{
	return __sync_bool_compare_and_swap(p, old, new);
}

SNIP uint8_t snip_atomic_exchange_n(uint8_t *p, uint8_t v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_RELEASE);
}

SNIP uint16_t snip_atomic_fetch_or(uint16_t *p, uint16_t bits)
{
	return __atomic_fetch_or(p, bits, __ATOMIC_ACQ_REL);
}

uint32_t snip_global;
SNIP void snip_global_fetch_add(void)
{
	__atomic_fetch_add(&snip_global, 1, __ATOMIC_SEQ_CST);
}

#if defined(__x86_64__)
/* Mini-OS's synch_cmpxchg: "+m" on a pointer to a big dummy struct, the width in the mnemonic. */
struct snip_xchg_dummy {
	unsigned long a[100];
};
#define snip_xg(x) ((volatile struct snip_xchg_dummy *)(x))
SNIP uint16_t snip_asm_synch_cmpxchgw(volatile uint16_t *p, uint16_t old, uint16_t new)
{
	uint16_t prev;
	__asm__ __volatile__("lock; cmpxchgw %w2,%1"
			     : "=a"(prev), "+m"(*snip_xg(p))
			     : "r"(new), "0"(old)
			     : "memory");
	return prev;
}

/* xchg with no suffix: the width is the memory operand's type (implicitly locked). */
SNIP uint32_t snip_asm_xchg(volatile uint32_t *p, uint32_t v)
{
	__asm__ __volatile__("xchg %0,%1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

/* The address in a register (a pointer-typed input), width from the suffix. */
SNIP uint64_t snip_asm_lock_xaddq(uint64_t *p, uint64_t v)
{
	__asm__ __volatile__("lock\n\txaddq %0,(%1)" : "+r"(v) : "r"(p) : "memory");
	return v;
}

/* asm goto (a callbr): the label is a pointer operand too, but names no memory. */
SNIP int snip_asm_goto_lock_bts(volatile uint32_t *p, uint32_t bit)
{
	__asm__ goto("lock; btsl %1,%0\n\tjc %l2" : : "m"(*p), "r"(bit) : "memory", "cc" : was_set);
	return 0;
was_set:
	return 1;
}
#endif

/* --- fences: __gntfuzz_fence(kind) right before --- */
SNIP void snip_fence_seq_cst(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
SNIP void snip_fence_release(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
SNIP void snip_fence_acquire(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
SNIP void snip_fence_acq_rel(void) { __atomic_thread_fence(__ATOMIC_ACQ_REL); }
SNIP void snip_sync_synchronize(void) { __sync_synchronize(); }
#if defined(__x86_64__)
SNIP void snip_asm_mfence(void) { __asm__ __volatile__("mfence" ::: "memory"); }
SNIP void snip_asm_sfence(void) { __asm__ __volatile__("sfence" ::: "memory"); }
SNIP void snip_asm_lfence(void) { __asm__ __volatile__("lfence" ::: "memory"); }
/* Linux's x86-64 mb(): a locked add to the stack, no pointer operand: a full fence. */
SNIP void snip_asm_lock_addl_rsp(void) { __asm__ __volatile__("lock; addl $0,0(%%rsp)" ::: "memory", "cc"); }

#endif

#if defined(__aarch64__)
SNIP void snip_arm_dmb_ish(void) { __asm__ __volatile__("dmb ish" ::: "memory"); }
SNIP void snip_arm_dmb_ishst(void) { __asm__ __volatile__("dmb ishst" ::: "memory"); }
SNIP void snip_arm_dmb_ishld(void) { __asm__ __volatile__("dmb ishld" ::: "memory"); }
SNIP void snip_arm_dsb_sy(void) { __asm__ __volatile__("dsb sy" ::: "memory"); }
SNIP void snip_arm_dsb_st(void) { __asm__ __volatile__("dsb st" ::: "memory"); }
SNIP void snip_arm_dmb_bare(void) { __asm__ __volatile__("dmb" ::: "memory"); }
/* arm64 Linux-style LL/SC cmpxchg: one RMW on the "+Q" operand (its type's width, 4). */
SNIP uint32_t snip_arm_llsc_cmpxchg(uint32_t *p, uint32_t old, uint32_t new)
{
	uint32_t tmp, prev;
	__asm__ __volatile__("1:	ldaxr	%w[prev], %[v]\n"
			     "	cmp	%w[prev], %w[old]\n"
			     "	b.ne	2f\n"
			     "	stlxr	%w[tmp], %w[new], %[v]\n"
			     "	cbnz	%w[tmp], 1b\n"
			     "2:"
			     : [prev] "=&r"(prev), [tmp] "=&r"(tmp), [v] "+Q"(*p)
			     : [old] "r"(old), [new] "r"(new)
			     : "cc", "memory");
	return prev;
}
/* arm64 LSE with a halfword suffix, then a barrier in the same statement: RMW, then the fence. */
SNIP uint16_t snip_arm_lse_swpalh_dmb(uint16_t *p, uint16_t v)
{
	uint16_t prev;
	__asm__ __volatile__("swpalh %w[v], %w[prev], %[m]\n\tdmb ish"
			     : [prev] "=r"(prev), [m] "+Q"(*p)
			     : [v] "r"(v)
			     : "memory");
	return prev;
}
#endif

/* --- nothing: compiler-only barriers, plain and relaxed accesses, asm that orders no CPU --- */
SNIP void snip_none_compiler_barrier(void) { __asm__ __volatile__("" ::: "memory"); }
SNIP void snip_none_signal_fence(void) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }
#if defined(__x86_64__)
SNIP void snip_none_nop_asm(void) { __asm__ __volatile__("nop\n\tpause" ::: "memory"); }
#elif defined(__aarch64__)
SNIP void snip_none_nop_asm(void) { __asm__ __volatile__("nop\n\tyield\n\tisb" ::: "memory"); }
#endif
SNIP uint32_t snip_none_plain(uint32_t *p)
{
	uint32_t v = *p;
	*p = v + 1;
	return v;
}
SNIP uint32_t snip_none_volatile(volatile uint16_t *p)
{
	uint16_t v = *p;
	*p = 0;
	return v;
}
SNIP uint32_t snip_none_relaxed(uint32_t *p)
{
	uint32_t v = __atomic_load_n(p, __ATOMIC_RELAXED);
	__atomic_store_n(p, v + 1, __ATOMIC_RELAXED);
	return v;
}

/* --- atomic loads (hook before) and stores (hook after) stronger than relaxed --- */
SNIP void snip_store_release(uint16_t *p, uint16_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
SNIP void snip_store_seq_cst(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
SNIP uint16_t snip_load_acquire(uint16_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
SNIP uint64_t snip_load_seq_cst(uint64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }

/* --- a whole end_access in the style of a correct library: acquire load, then a cmpxchg loop --- */
SNIP int snip_end_access(uint16_t *flags)
{
	uint16_t old = __atomic_load_n(flags, __ATOMIC_ACQUIRE);
	do {
		if (old & 3)
			return 0;
	} while (!__atomic_compare_exchange_n(flags, &old, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return 1;
}

/* --- functions the pass leaves alone --- */
/* The hooks' own names (recursion). */
SNIP void __gntfuzz_snippet_internal(uint32_t *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
__attribute__((disable_sanitizer_instrumentation)) SNIP void snip_skip_disable_sanitizer(uint32_t *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);
}
/* no_sanitize("coverage") becomes nosanitize_coverage only when coverage is on: then skipped. */
__attribute__((no_sanitize("coverage"))) SNIP void snip_nocov(uint32_t *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);
}
