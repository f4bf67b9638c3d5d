/* hooked.c - grant-entry code in the styles real libraries use, compiled like target code (with
 * the load/store hooks) by test_hooks.c's build. Each end answers 1 (revoked) or 0 (busy). */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include "asm_cmpxchg.h" /* a Mini-OS-style synch_cmpxchg: a point before the locked instruction too */

#define BUSY (GTF_reading | GTF_writing)

/* Query, then revoke with a plain store: the XSA-396 shape, raced at its store. */
int end_check_then_store(grant_entry_v1_t *e)
{
	if (e->flags & BUSY)
		return 0;
	e->flags = 0;
	return 1;
}

/* The same through volatile accesses. */
int end_check_then_volatile_store(volatile grant_entry_v1_t *e)
{
	if (e->flags & BUSY)
		return 0;
	e->flags = 0;
	return 1;
}

/* The correct shape: an atomic load, then a cmpxchg loop. The swap is a point of its own (gntfuzz's
 * pass): a map landing in the window before it makes it fail, and the loop looks again. */
int end_cmpxchg(grant_entry_v1_t *e)
{
	uint16_t old = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	do {
		if (old & BUSY)
			return 0;
	} while (!__atomic_compare_exchange_n(&e->flags, &old, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return 1;
}

/* The legacy builtin spelling of the same. */
int end_sync_cmpxchg(grant_entry_v1_t *e)
{
	uint16_t old = e->flags, seen;
	for (;;) {
		if (old & BUSY)
			return 0;
		seen = __sync_val_compare_and_swap(&e->flags, old, 0);
		if (seen == old)
			return 1;
		old = seen;
	}
}

/* The shape that ships broken: the swap's answer ignored. Raced in the window before the swap. */
int end_cmpxchg_ignored(grant_entry_v1_t *e)
{
	uint16_t old = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	if (old & BUSY)
		return 0;
	__atomic_compare_exchange_n(&e->flags, &old, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return 1;
}

int end_asm_cmpxchg(grant_entry_v1_t *e)
{
	uint16_t old = e->flags, seen;
	for (;;) {
		if (old & BUSY)
			return 0;
		seen = asm_cmpxchg16(&e->flags, old, 0);
		if (seen == old)
			return 1;
		old = seen;
	}
}

int end_asm_cmpxchg_ignored(grant_entry_v1_t *e)
{
	uint16_t old = e->flags;
	if (old & BUSY)
		return 0;
	(void)asm_cmpxchg16(&e->flags, old, 0);
	return 1;
}

/* Barriers as libraries write them: each must reach the world as a fence of its kind. */
void barriers(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__asm__ volatile("mfence" ::: "memory");
	__asm__ volatile("sfence" ::: "memory");
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__asm__ volatile("" ::: "memory"); /* a compiler barrier: no fence at all */
}

/* Publishing with plain stores of each width, and a 64-bit store of a whole v1 entry. */
void publish_fields(grant_entry_v1_t *e, domid_t d, uint32_t frame)
{
	e->domid = d;
	e->frame = frame;
	__atomic_store_n(&e->flags, GTF_permit_access, __ATOMIC_RELEASE);
}

void publish_whole(grant_entry_v1_t *e, uint64_t word)
{
	*(volatile uint64_t *)e = word;
}

/* Private memory: must cost the hooks one compare and never reach the callback. */
uint32_t private_work(uint32_t *p, unsigned n)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += p[i]++;
	return sum;
}
