/* target.h - the MSA02 scenario driven by a peer in another domain, round by round.
 *
 * xenstore protocol, all keys under our data/gntfuzz/ (dom0 may write there):
 *   guest: port, mutant (library/mutant), version, pages   once, then state=idle
 *   peer:  go=K (or go=quit)                   start round K
 *   guest: refs="r ..." frames="f ..." alloc=... state="shared K"
 *   peer:  maps the refs; done=K               "done" is the peer's word, maybe forged
 *   guest: unshares every ref, reuses memory for new secrets, alloc=... stats=... state="reused K"
 *   peer:  reads/writes its maps, unmaps; released=K
 *   guest: checks its secrets, ticks the deferred queue, stats=... state="final K"
 * The peer may notify `port` after each write; the guest also re-reads on a short period.
 */
#ifndef PVH_TARGET_H
#define PVH_TARGET_H

#include <xen/xen.h>

struct target_totals {
	unsigned rounds;
	unsigned corrupted;      /* reused secret pages the peer wrote into */
	unsigned busy, leaked, deferred_left;
	unsigned timeouts;       /* peer steps that never came */
};

/* Returns 0 when the peer said quit, -1 on a protocol or setup failure. */
/* The library is set up (pvh_lib_setup) on the table of `version`. */
int target_run(unsigned version, domid_t backend, unsigned pages, struct target_totals *t);

#endif
