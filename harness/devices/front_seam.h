/* front_seam.h - the frontend seam: how a PV device frontend (ours, or a user's blkfront.c /
 * netfront.c) is brought to gntfuzz, the way harness/seam/seam.h brings a grant library.
 *
 * A frontend is one `run` function, a blocking driver loop, given a host (devfront.h):
 *   - struct fe_ops: its pages, the event channel to its backend, xenstore read/write of its
 *     device directory (device/<vbd|vif>/<devid>, relative) and of the backend's (absolute path
 *     in our `backend` key), and the grant library under test as share/unshare/tick (SEAM_*
 *     answers; every call is watched by the oracle);
 *   - struct dev_host: now_ms, wait(port, ms) (sleep until the port fires or ms pass: this is
 *     where the malicious backend moves), xs_watch (optional: wait also returns when a watched
 *     path changed), deferred (pages the library still holds).
 * run returns DEV_DONE or DEV_SETUP when the backend is gone (its directory removed) and the
 * frontend has let go of everything: every page it shared unshared (what the library kept is the
 * library's), every page it allocated freed or given up.
 *
 * The in-process device world (harness/devworld) runs `run` on its own stack and switches to it
 * for one turn (until the next wait) after each `device ...` step of a scenario, so the fuzzers'
 * backend acts between any two of the frontend's waits and, through `at K`, inside its grant
 * calls. An adapter defines gntfuzz_front_vbd or gntfuzz_front_vif (or both); ours are
 * frontends/blkfront/adapter.c and frontends/netfront/adapter.c, a template in frontends/template/.
 */
#ifndef FRONT_SEAM_H
#define FRONT_SEAM_H

#include "devfront.h"

struct front_adapter {
	const char *name;          /* "blkfront": reports and findings name it */
	const char *device;        /* "vbd" or "vif": the protocol it speaks */
	int (*run)(const struct dev_host *h, const struct dev_params *p, struct dev_stats *st);
};

/* The frontends under test, one per device: an adapter defines the one(s) it brings (a build
 * without one for a device skips that device's scenarios). */
extern const struct front_adapter gntfuzz_front_vbd, gntfuzz_front_vif;
/* A frontend variant's names (front_variant.c); absent in a grant library's world. */
extern const char gntfuzz_front_name[], gntfuzz_front_mutant[];

#endif
