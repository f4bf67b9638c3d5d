/* peer.h - the malicious peer: a backend for the workload frontend (harness/workload/wl_proto.h)
 * written against Debian's libxengnttab, libxenevtchn, libxenstore and libxenctrl only, so the
 * same binary runs in dom0 on real Xen and under the multi-process simulator (`xensim run`).
 */
#ifndef PEER_H
#define PEER_H

#include <stdint.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include "wl_proto.h"

#define PEER_MAX_MAPS 256
#define PEER_MAX_REQS 256

/* One live map of a target grant, and what we know it should contain. */
struct pmap {
	uint8_t in_use, rw, reported, speculative;
	uint32_t ref;
	int32_t req_id;              /* the request it was mapped for, -1 if none (speculative) */
	uint8_t *addr;
	double since;
};

/* A request taken off the ring. */
struct preq {
	uint16_t id;
	uint32_t gref;
	int map;                     /* index in maps[] or -1 */
	uint8_t answered;
};

struct peer {
	uint32_t self, target;
	const char *strategy;
	double duration, start;
	int verbose;
	xengnttab_handle *xgt;
	xenevtchn_handle *xce;
	struct xs_handle *xsh;
	xc_interface *xc;            /* optional: pause/unpause the target */
	char fe_path[96], be_path[96];
	struct wl_back_ring ring;
	void *ring_page;
	int port;                    /* our end of the event channel */
	int connected;
	int ring_dirty;               /* we pushed more responses than requests: slots overwritten */
	struct pmap maps[PEER_MAX_MAPS];
	struct preq reqs[PEER_MAX_REQS];
	unsigned nreqs, next_answer;
	int last_answered;
	/* counters for the verdict line */
	uint64_t observations, maps_ok, maps_failed, responses, events_sent, copies;
};

double peer_now(void);
void peer_log(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* peer_conn.c: discovery and handshake through xenstore, the ring, events */
int peer_connect(struct peer *p, double timeout);
int peer_take_request(struct peer *p);          /* index in reqs[] of a new request, or -1 */
void peer_respond(struct peer *p, uint16_t id, int16_t status);
void peer_notify(struct peer *p);
void peer_drain_events(struct peer *p, int wait_ms);
int peer_set_state(struct peer *p, int state);

/* peer_obs.c: maps and what we observe through them */
int peer_map(struct peer *p, uint32_t ref, int rw, int32_t req_id, int speculative);
void peer_unmap(struct peer *p, int m);
void peer_unmap_all(struct peer *p);
int peer_find_map(struct peer *p, uint32_t ref);  /* the most recent live map of ref, or -1 */
void peer_check_maps(struct peer *p);             /* report reuse seen through held maps */
int peer_check_fresh(struct peer *p, int m);      /* a new map of a request shows that request? */
int peer_copy_check(struct peer *p, uint32_t ref, int32_t req_id);  /* GNTTABOP_copy and inspect */
void peer_write_mark(struct peer *p, int m);

/* peer_strategies.c */
int peer_run_strategy(struct peer *p);
int peer_strategy_known(const char *name);
extern const char *const peer_strategies[];

/* peer_scenario.c */
int peer_run_scenario(struct peer *p, const char *file);
int peer_check_scenario(const char *file);   /* grammar only: 0 or -1 with a message */

/* peer_rounds.c: the round protocol of the PVH and Linux targets on real Xen (--protocol rounds) */
int peer_run_rounds(struct peer *p, unsigned round, const char *label);  /* 0 held, 3 caught, 1 failed */
int peer_rounds_quit(struct peer *p);
int peer_round_strategy_known(const char *name);
extern const char *const peer_round_strategies[];

#endif
