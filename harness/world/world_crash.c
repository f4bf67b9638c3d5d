/* world_crash.c - a crash in the library is a finding, the same way everywhere (invariant 4: no
 * peer input may crash the target).
 *
 * abort(), a panic that ends in abort or a trap, a failed assert, a fault: while the world is
 * inside a call to the library (seam_watch.live) or a device frontend's code runs (the device
 * world, devworld_front_live), the signal becomes an invariant-4 violation
 * with the library's last log line and the frames of the crash, saved as a finding like any other
 * (its scenario replays it), and the run ends there: the handler jumps back to world_run, which
 * returns 1 as for any violation. gntworld, reproduce, killmatrix and the fuzz targets then need
 * nothing special. A signal outside a library call is not ours: the handler that was there before
 * (libFuzzer's, ASan's, the default) gets it.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "world/world.h"
#include "world/world_internal.h"
#include "devworld/devworld.h"

static const int crash_signals[] = { SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
#define NSIGNALS (sizeof crash_signals / sizeof crash_signals[0])

static struct sigaction previous[NSIGNALS];
static struct world *armed_world;
static sigjmp_buf back_to_run;
static volatile sig_atomic_t jump_ok, in_handler;
static char alt_stack[64 * 1024]; /* a stack overflow in the library still reaches the handler */

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGABRT: return "SIGABRT (abort: a panic or a failed assert)";
	case SIGSEGV: return "SIGSEGV (bad memory access)";
	case SIGBUS: return "SIGBUS (bad memory access)";
	case SIGILL: return "SIGILL (a trap such as __builtin_trap or BUG())";
	case SIGFPE: return "SIGFPE (arithmetic fault)";
	default: return "SIGTRAP (a breakpoint trap)";
	}
}

/* Give the signal to whoever had it before us. */
static void chain(unsigned i, int sig, siginfo_t *info, void *uctx)
{
	const struct sigaction *old = &previous[i];
	if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
		old->sa_sigaction(sig, info, uctx);
		return;
	}
	if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
		return;
	}
	signal(sig, SIG_DFL); /* the default action: die by the signal, as before */
	raise(sig);
}

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
	unsigned i = 0;
	while (i < NSIGNALS && crash_signals[i] != sig)
		i++;
	struct world *w = armed_world;
	int front = devworld_front_live && !seam_watch.live; /* a device frontend's own code, not a library call */
	if (!w || !(seam_watch.live || devworld_front_live) || !jump_ok || in_handler) {
		chain(i < NSIGNALS ? i : 0, sig, info, uctx);
		return;
	}
	in_handler = 1;
	seam_watch.live = 0; /* the world's own code runs now */
	devworld_front_live = 0;
	w->crash_signal = sig;
	char msg[sizeof w->oracle.first.msg], line[96];
	world_last_log(w, line, sizeof line);
	snprintf(msg, sizeof msg, "the %s crashed on peer input: %s; its last log line: %s", front ? "frontend" : "library",
		 signal_name(sig), line);
	oracle_violate(&w->oracle, INV_SANITIZER, ~0ull, ORACLE_NO_REF, msg);
	in_handler = 0;
	siglongjmp(back_to_run, 1);
}

/* Install the handlers once, late (after the fuzzing engine and the sanitizers installed theirs,
 * which we chain to), on an alternate stack. */
static void install(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack };
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < NSIGNALS; i++)
		sigaction(crash_signals[i], &sa, &previous[i]);
}

int world_guarded_run(struct world *w, int (*body)(struct world *))
{
	install();
	armed_world = w;
	/* 0: no signal mask saved (a syscall per run); SA_NODEFER leaves the mask as it was */
	if (sigsetjmp(back_to_run, 0)) { /* the library crashed: the violation is recorded and saved */
		jump_ok = 0;
		w->in_target = w->in_point = 0;
		w->stopped = 1;
		seam_watch.live = 0;
		devworld_front_live = 0;
		return 1;
	}
	jump_ok = 1;
	int rc = body(w);
	jump_ok = 0;
	return rc;
}
