/* frontend.h - a small PV-style split-driver frontend on the grant library, as mirage-net-xen or
 * blkfront would use it: one shared ring (wl_proto.h), one event channel, a xenbus handshake.
 *
 * Freestanding: no libc, no malloc. Everything from the environment (target pages, event
 * channels, xenstore, logging) comes through struct fe_ops, so the same code runs in the
 * in-process world, in the multi-process target and in the PVH guest.
 *
 * The backend is hostile. Responses are validated (unknown and duplicate ids are counted and
 * ignored), every poll does bounded work, and a page whose unshare did not return SEAM_OK is
 * never touched again: the library owns it. The grant library is reached through the host's
 * share/unshare/tick (the seam, harness/seam/seam.h), never directly.
 */
#ifndef FRONTEND_H
#define FRONTEND_H

#include <stdint.h>
#include <xen/event_channel.h>
#include "seam/seam.h"
#include "wl_proto.h"

#define FE_MAX_INFLIGHT 32     /* outstanding requests (well below the ring size) */
#define FE_POLL_BUDGET 16      /* responses handled per poll at most */
#define FE_SPARE_MAX 8         /* reused pages kept for the next requests */
#define FE_PATH_MAX 64
#define FE_NO_REF ((grant_ref_t)~0u)

struct fe_ops {
	void *ctx;
	/* A target page: 0 and *frame on success. page_free only ever gets pages never shared. */
	int (*page_alloc)(void *ctx, uint64_t *frame);
	void (*page_free)(void *ctx, uint64_t frame);
	void *(*page_mem)(void *ctx, uint64_t frame);          /* the page's memory (WL_PAGE_SIZE) */
	int (*evtchn_alloc_unbound)(void *ctx, domid_t remote, evtchn_port_t *port);
	int (*evtchn_notify)(void *ctx, evtchn_port_t port);
	int (*evtchn_close)(void *ctx, evtchn_port_t port);    /* may be NULL */
	/* Xenstore: 0 on success. xs_read NUL-terminates within size or fails. */
	int (*xs_write)(void *ctx, const char *path, const char *value);
	int (*xs_read)(void *ctx, const char *path, char *buf, unsigned size);
	void (*log)(void *ctx, const char *msg, uint64_t a, uint64_t b); /* may be NULL */
	/* The grant library, as the seam's share/unshare/tick (answers SEAM_*). A host wraps them to
	 * watch them (the in-process world does, so its oracle sees every event). */
	int (*share)(void *ctx, domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref);
	int (*unshare)(void *ctx, grant_ref_t ref, uint64_t frame);
	unsigned (*tick)(void *ctx);
};

/* What the frontend saw; the tests and the peer's report read these. */
struct fe_counters {
	uint64_t sent;             /* requests pushed */
	uint64_t send_refused;     /* fe_send not possible: not connected, full, no page, no ref */
	uint64_t completed;        /* valid responses */
	uint64_t rsp_errors;       /* valid responses with a non-OK status */
	uint64_t unknown_ids;      /* responses naming an id never issued */
	uint64_t dup_ids;          /* responses naming an id already completed */
	uint64_t returned;         /* unshare SEAM_OK: the page went back to the allocator */
	uint64_t reused;           /* ... and the frontend allocated and tagged a page at once */
	uint64_t busy;             /* unshare SEAM_BUSY: left to the library */
	uint64_t leaked;           /* unshare SEAM_LEAKED */
	uint64_t unshare_errors;   /* any other unshare answer */
	uint64_t reclaimed;        /* pages freed by the library's tick */
	uint64_t events;           /* event-channel upcalls */
	uint64_t spurious_events;  /* upcalls that found no response */
	uint64_t budget_hits;      /* polls that stopped at FE_POLL_BUDGET with work left */
	uint64_t ring_overflows;   /* backend claimed more responses than requests: ring broken */
	uint64_t bad_backend_state;/* unreadable or out-of-range backend state */
	uint64_t teardowns;
};

enum fe_slot_state { FE_SLOT_NEVER = 0, FE_SLOT_INFLIGHT, FE_SLOT_DONE };

struct fe_slot {
	uint8_t state;             /* enum fe_slot_state */
	uint16_t id;               /* the id last issued on this slot */
	grant_ref_t gref;
	uint64_t frame;
};

struct frontend {
	const struct fe_ops *ops;
	domid_t backend_id;
	char fe_path[FE_PATH_MAX];
	char be_path[FE_PATH_MAX];
	uint8_t state;             /* our XenbusState */
	uint8_t broken;            /* the backend corrupted the ring: no more ring processing */
	uint8_t have_ring;
	uint64_t ring_frame;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	struct wl_front_ring ring;
	struct fe_slot slots[FE_MAX_INFLIGHT];
	uint32_t inflight;
	uint32_t next_slot;        /* round-robin cursor over slots */
	uint64_t spare[FE_SPARE_MAX]; /* oldest first: a new request takes the oldest spare */
	uint32_t nr_spare;
	uint64_t tag_seq;
	struct fe_counters c;
};

enum fe_rc {
	FE_OK = 0,
	FE_ERR_STATE = -1,         /* not valid in the current xenbus state */
	FE_ERR_FULL = -2,          /* FE_MAX_INFLIGHT requests outstanding */
	FE_ERR_NOMEM = -3,         /* no target page */
	FE_ERR_GRANT = -4,         /* the library refused to share */
	FE_ERR_ENV = -5,           /* an event-channel or xenstore operation failed */
	FE_ERR_INVAL = -6,         /* bad argument (path too long, ...) */
};

/* Set up (state Initialising, published under fe_path). No page is taken yet. */
int fe_init(struct frontend *fe, const struct fe_ops *ops, domid_t backend_id,
	    const char *fe_path, const char *be_path);
/* Allocate and share the ring, allocate the event channel, publish ring-ref, event-channel and
 * state Initialised. */
int fe_connect(struct frontend *fe);
/* Share one freshly tagged data page and push a request for it. *id gets its request id.
 * fe_send is fe_send_op with WL_OP_DATA (read-write); WL_OP_READ shares the page read-only. */
int fe_send(struct frontend *fe, uint16_t *id);
int fe_send_op(struct frontend *fe, uint16_t op, uint16_t *id);
/* Handle at most FE_POLL_BUDGET responses; returns how many responses were consumed. */
unsigned fe_poll(struct frontend *fe);
/* The event-channel upcall: counts the event and polls once (bounded, never loops). */
unsigned fe_event(struct frontend *fe);
/* Retry the library's deferred reclaims; returns the pages released. */
unsigned fe_tick(struct frontend *fe);
/* The xenstore watch on the backend's state fired: follow it (Connected -> connect, Closing or
 * Closed -> tear down). */
void fe_otherend_changed(struct frontend *fe);
/* Tear down: unshare every outstanding page and the ring (busy ones stay with the library), free
 * the unshared spares, close the channel, publish Closed. Idempotent. */
void fe_teardown(struct frontend *fe);

/* Helpers shared with the backends: decimal <-> integer without libc. */
unsigned fe_utoa(uint64_t v, char *buf, unsigned size);     /* returns length, 0 if too small */
int fe_atou(const char *s, uint64_t max, uint64_t *out);     /* 0, or -1 on junk/overflow */

#endif
