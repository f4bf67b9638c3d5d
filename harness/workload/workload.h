/* workload.h - the PV-style frontend workload as part of the in-process world.
 *
 * The workload depends on the world, never the other way: its state lives here and starts afresh
 * whenever the world starts a new run (struct world's run counter). It holds the frontend (frontend.h) running on the
 * world's grant library as the target domain, a tiny in-process xenstore, and the malicious
 * backend's view (its map of the ring, the requests it has mapped). The world's interpreter runs
 * the `frontend ...` / `backend ...` steps of harness/workload/ops.def, documented in
 * harness/workload/README.md.
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdint.h>
#include "frontend.h"
#include "wl_xenstore.h"

struct world;

#define WL_FE_PATH "device/wl/0"
#define WL_BE_PATH "backend/wl/1/0"
#define WL_BE_MAX_REQS 64        /* requests the backend remembers having mapped */
#define WL_BOGUS_ID 0xbeefu      /* `backend respond-bogus`: an id no frontend slot has issued */
#define WL_FLOOD_MAX 4096u       /* events per `backend flood` step: more adds time, not coverage */

/* One request as the backend took it off the ring. */
struct wl_be_req {
	uint16_t id;
	grant_ref_t gref;
	uint8_t mapped;          /* maps of gref the backend holds for it right now (map-req, backend map) */
	uint8_t readonly;        /* a read request: its grant is mapped read-only */
	uint8_t responded;       /* a response for it has been pushed */
};

struct wl_backend {
	uint8_t connected;
	grant_ref_t ring_gref;
	evtchn_port_t port;              /* the backend's end of the channel */
	struct wl_back_ring ring;        /* over the backend's map of the ring page */
	struct wl_be_req reqs[WL_BE_MAX_REQS];
	uint32_t nreqs;
	int32_t last_responded;          /* index into reqs, -1 if none */
	uint32_t pushed;                 /* responses pushed */
	uint32_t refused;                /* steps that could not run (not connected, nothing to map ...) */
};

struct workload {
	uint32_t run;                    /* the world's run this state belongs to */
	uint8_t active;                  /* the frontend was set up in that run */
	struct fe_ops ops;               /* ctx = the world */
	struct frontend fe;
	struct wl_xenstore xs;
	struct wl_backend be;
};

/* The workload of the world's current run (O(1) to start afresh: the rest is set up lazily by
 * the first workload step of a run). */
struct workload *workload_of(struct world *w);

#endif
