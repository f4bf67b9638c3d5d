/* trap.c - see trap.h. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "peer.h"
#include "trap.h"

#if defined(__x86_64__) && defined(__linux__)
#define TRAP_FLAG 0x100ul /* EFLAGS.TF: a debug trap after the next instruction */

static volatile sig_atomic_t armed;
static unsigned count, target;
static void (*act_fn)(void *);
static void *act_arg;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uintptr_t a = (uintptr_t)si->si_addr, lo = (uintptr_t)t_mem;

	(void)sig;
	if (!armed || a < lo || a >= lo + t_mem_len) {
		signal(SIGSEGV, SIG_DFL); /* a real crash: fault again, and die of it */
		return;
	}
	mprotect(t_mem, t_mem_len, PROT_READ | PROT_WRITE);
	if (++count == target && act_fn)
		act_fn(act_arg); /* the peer moves before the access happens */
	uc->uc_mcontext.gregs[REG_EFL] |= TRAP_FLAG;
}

static void on_step(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_EFL] &= ~TRAP_FLAG;
	if (armed)
		mprotect(t_mem, t_mem_len, PROT_NONE);
}

int trap_supported(void)
{
	return 1;
}

unsigned trap_run(void (*fn)(void *), void *arg, unsigned k, void (*act)(void *), void *aarg)
{
	struct sigaction sa, old_segv, old_trap;

	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_segv;
	sigaction(SIGSEGV, &sa, &old_segv);
	sa.sa_sigaction = on_step;
	sigaction(SIGTRAP, &sa, &old_trap);
	count = 0;
	target = k;
	act_fn = act;
	act_arg = aarg;
	armed = 1;
	mprotect(t_mem, t_mem_len, PROT_NONE);
	fn(arg);
	armed = 0;
	mprotect(t_mem, t_mem_len, PROT_READ | PROT_WRITE);
	sigaction(SIGSEGV, &old_segv, 0);
	sigaction(SIGTRAP, &old_trap, 0);
	return count;
}
#else
int trap_supported(void)
{
	return 0;
}

unsigned trap_run(void (*fn)(void *), void *arg, unsigned k, void (*act)(void *), void *aarg)
{
	(void)k;
	(void)act;
	(void)aarg;
	fn(arg);
	return 0;
}
#endif
