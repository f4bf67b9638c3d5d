/* pvh_workload.h - the PVH guest as a PV frontend: the workload's frontend
 * (harness/workload/frontend.c) on this guest's xenstore client, event channels and allocator,
 * driven by the project's peer (peer/, gntfuzz-peer) in dom0.
 *
 * Sessions, one per peer strategy, under data/gntfuzz/ (dom0's plan drives them):
 *   dom0:  removes the old backend directory, writes go=K
 *   guest: fresh frontend on device/wl/0 (the grant library and its deferred pages persist),
 *          state="wl-ready K"; serves requests until stop=K or the backend closed
 *   guest: tears the frontend down, prints its session line, state="wl-done K"
 * go=quit ends the guest. */
#ifndef PVH_WORKLOAD_H
#define PVH_WORKLOAD_H

#include <stdint.h>
#include <xen/xen.h>

struct workload_totals {
	unsigned sessions;
	uint64_t sent, completed, returned, reused, busy, leaked, unknown_ids, dup_ids, events;
};

/* 0 when dom0 said quit, -1 on a setup or protocol failure. */
/* The library is set up (pvh_lib_setup) on the table of `version`. */
int workload_run(unsigned version, domid_t self, domid_t backend, unsigned requests, unsigned inflight,
		 struct workload_totals *t);

#endif
