/* gtab_arch.h - the CPU primitives gtab uses on the shared table, per architecture.
 *
 * On x86-64 they are inline assembly, as Mini-OS's arch headers write them: a `lock cmpxchgw`
 * that answers the value it found (and is a full barrier), mfence, sfence. Guest kernels ship
 * their atomics this way, so gntfuzz has to schedule and order around asm it cannot read as C;
 * gtab keeps that shape on purpose. Elsewhere, the compiler's __sync/__atomic builtins.
 *
 * GTAB_TEST_TRACE (set by gtab's unit-test build only, never by a shipped or harness build): each
 * primitive calls gtab_test_event() just before the instruction it emits, so a gcc unit test can
 * place the barriers among gtab's table accesses and let the peer move before a swap. A macro
 * reports only what it emits: a compiler barrier reports nothing.
 */
#ifndef GTAB_ARCH_H
#define GTAB_ARCH_H

#include <stdint.h>

enum gtab_event {
	GTAB_EV_CMPXCHG, /* a compare-and-swap on addr is about to run */
	GTAB_EV_MB,      /* full barrier: earlier loads and stores before later ones */
	GTAB_EV_WMB,     /* store barrier: earlier stores before later stores */
};

#ifdef GTAB_TEST_TRACE
void gtab_test_event(enum gtab_event ev, volatile void *addr);
#define GTAB_TRACE(ev, addr) gtab_test_event((ev), (addr))
#else
#define GTAB_TRACE(ev, addr) ((void)0)
#endif

#if defined(__x86_64__)
#define GTAB_MB_INSN()  __asm__ __volatile__("mfence" ::: "memory")
#define GTAB_WMB_INSN() __asm__ __volatile__("sfence" ::: "memory")
/* x86 never lets a load pass a later load or store: keeping the compiler from it is enough. */
#define GTAB_ACQUIRE()  __asm__ __volatile__("" ::: "memory")
#else
#define GTAB_MB_INSN()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define GTAB_WMB_INSN() __atomic_thread_fence(__ATOMIC_RELEASE)
#define GTAB_ACQUIRE()  __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

/* The v2 header clear must be visible before the status frame is read. */
#define GTAB_MB() do { GTAB_TRACE(GTAB_EV_MB, 0); GTAB_MB_INSN(); } while (0)

/* Xen must see an entry's domid and frame before its flags. */
#ifdef GTAB_BUG_WMB_COMPILER
/* bug: x86's smp_wmb(), a compiler barrier only; a CPU that reorders stores (Arm) may still
 * let the flags out first */
#define GTAB_WMB() __asm__ __volatile__("" ::: "memory")
#else
#define GTAB_WMB() do { GTAB_TRACE(GTAB_EV_WMB, 0); GTAB_WMB_INSN(); } while (0)
#endif

/* Atomically: if *p == old, *p = new_val. Answers the value found at *p (old if it swapped). */
static inline uint16_t gtab_cmpxchg16(volatile uint16_t *p, uint16_t old, uint16_t new_val)
{
	uint16_t found;

	GTAB_TRACE(GTAB_EV_CMPXCHG, p);
#if defined(__x86_64__)
	found = old;
	__asm__ __volatile__("lock; cmpxchgw %2, %1"
			     : "+a"(found), "+m"(*p)
			     : "r"(new_val)
			     : "memory");
#else
	found = __sync_val_compare_and_swap(p, old, new_val);
#endif
#ifdef GTAB_BUG_CAS_EXPECTED
	if (found != old)
		return old; /* bug: a failed swap answers as if it had swapped */
#endif
	return found;
}

#endif
