/* hypercall.c - locate Xen's CPUID leaves and install the hypercall page. */
#include "hypercall.h"

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

int hypercall_init(void)
{
	/* Xen's leaves may sit at 0x40000000 or, with Viridian, 0x40000100 and up. */
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		uint32_t a, b, c, d;
		cpuid(base, &a, &b, &c, &d);
		if (b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e && a >= base + 2) {
			cpuid(base + 2, &a, &b, &c, &d); /* b: the MSR that takes the page's address */
			uint64_t pa = (uint64_t)(uintptr_t)hypercall_page;
			asm volatile("wrmsr" :: "c"(b), "a"((uint32_t)pa), "d"((uint32_t)(pa >> 32)));
			return 0;
		}
	}
	return -1;
}
