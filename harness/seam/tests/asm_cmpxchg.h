/* asm_cmpxchg.h - a Mini-OS-style synch_cmpxchg: the 16-bit swap in x86 inline assembly, answering
 * the value it found. The seam's tests compile it as target code, where only gntfuzz's pass can
 * see it (a point before the locked instruction). */
#ifndef GNTFUZZ_TEST_ASM_CMPXCHG_H
#define GNTFUZZ_TEST_ASM_CMPXCHG_H

#include <stdint.h>

static inline uint16_t asm_cmpxchg16(volatile uint16_t *p, uint16_t old, uint16_t new_val)
{
	uint16_t prev;
	__asm__ volatile("lock; cmpxchgw %w2, %1" : "=a"(prev), "+m"(*p) : "r"(new_val), "0"(old) : "memory");
	return prev;
}

#endif
