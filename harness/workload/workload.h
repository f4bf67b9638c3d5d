/* workload.h - the PV-style frontend workload as part of the in-process world.
 *
 * struct workload is embedded in B2's struct world: it holds the frontend (harness/workload/
 * frontend.h, on the world's grant library and simulated Xen), a tiny in-process xenstore, and the
 * malicious backend's view (its map of the ring, the requests it has mapped). The world's
 * interpreter runs the `frontend ...` / `backend ...` steps listed in harness/workload/ops.def and
 * documented in harness/workload/README.md.
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdint.h>

struct world;

struct workload {
	uint8_t active;          /* a frontend/backend step has run since the last reset */
};

/* Forget everything: called by the world on every reset (cheap; fuzzers reset per input). */
void workload_reset(struct world *w);

#endif
