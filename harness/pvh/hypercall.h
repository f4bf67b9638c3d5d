/* hypercall.h - calling Xen through the hypercall page Xen filled in for us (see hypercall.c).
 * x86-64 convention: number selects a 32-byte stub; arguments in rdi, rsi, rdx, r10, r8. */
#ifndef PVH_HYPERCALL_H
#define PVH_HYPERCALL_H

#include <stdint.h>
#include <xen/xen.h>

extern char hypercall_page[4096];

static inline long pvh_hypercall(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3,
				 unsigned long a4, unsigned long a5)
{
	register unsigned long r10 asm("r10") = a4;
	register unsigned long r8 asm("r8") = a5;
	long ret;
	/* Debug builds of Xen poison argument registers, so every one is an in/out operand. */
	asm volatile("call *%[stub]"
		     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
		     : [stub] "r"(hypercall_page + nr * 32)
		     : "memory", "rcx", "r11");
	return ret;
}

#define HYPERCALL2(nr, a, b) pvh_hypercall(nr, (unsigned long)(a), (unsigned long)(b), 0, 0, 0)
#define HYPERCALL3(nr, a, b, c) pvh_hypercall(nr, (unsigned long)(a), (unsigned long)(b), (unsigned long)(c), 0, 0)

static inline long hyp_memory_op(unsigned cmd, void *arg) { return HYPERCALL2(__HYPERVISOR_memory_op, cmd, arg); }
static inline long hyp_grant_table_op(unsigned cmd, void *arg, unsigned count)
{
	return HYPERCALL3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}
static inline long hyp_event_channel_op(unsigned cmd, void *arg) { return HYPERCALL2(__HYPERVISOR_event_channel_op, cmd, arg); }
static inline long hyp_sched_op(unsigned cmd, void *arg) { return HYPERCALL2(__HYPERVISOR_sched_op, cmd, arg); }
static inline long hyp_hvm_op(unsigned cmd, void *arg) { return HYPERCALL2(__HYPERVISOR_hvm_op, cmd, arg); }

/* Find Xen through CPUID and point its hypercall-page MSR at hypercall_page. 0 on success. */
int hypercall_init(void);

#endif
