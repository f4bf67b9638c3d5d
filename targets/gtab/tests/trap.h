/* trap.h - scheduling points for plain tests built by gcc. The harness gets a call before every
 * load and store gtab makes to the grant table from clang's trace-loads/trace-stores; here the
 * table's pages are made inaccessible instead, so each access faults: the fault handler lets the
 * peer act, opens the pages, single-steps the one instruction and closes them again. That is
 * what lets a unit test see a race such as XSA-396's check-then-store.
 * x86-64 Linux only; elsewhere trap_supported() is 0 and the race tests skip. */
#ifndef GTAB_TRAP_H
#define GTAB_TRAP_H

int trap_supported(void);

/* Run fn(arg) with t_mem (peer.h) trapped. Before the k-th access to it (k >= 1; 0: never),
 * call act(act_arg). Returns how many accesses fn made. */
unsigned trap_run(void (*fn)(void *), void *arg, unsigned k, void (*act)(void *), void *act_arg);

#endif
