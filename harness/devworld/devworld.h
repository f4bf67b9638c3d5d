/* devworld.h - the device world: a PV device frontend (blkfront or netfront, ours or a user's,
 * through the frontend seam harness/devices/front_seam.h) runs in the target domain on the grant
 * library under test, and the fuzz input is its malicious backend (`device ...` steps,
 * harness/devworld/ops.def; `config ... device vbd|vif`).
 *
 * The frontend is a blocking driver loop: it runs on a stack of its own and the world switches to
 * it for one turn (until its next dev_host.wait) after each `device` step, so the backend acts
 * between any two of its waits, and `at K device map ...` inside its grant calls (the seam's
 * scheduling points). Its pages, grants, event channel and xenstore are the world's, so the oracle
 * judges a frontend exactly as it judges the grant-API steps: a page freed or reused while the
 * backend maps it, a ref re-granted while mapped, a crash (a panic is a finding everywhere).
 *
 * At the end of a run the backend says Closed with its maps still held (a frontend that frees a
 * page at teardown whatever its unshare answered shows there), then lets go of everything and
 * removes its directory; the frontend gets turns until its run returns, then the world's
 * end-of-run check follows. A run depends only on its input: virtual time, no threads.
 */
#ifndef DEVWORLD_H
#define DEVWORLD_H

#include <stdint.h>
#include <ucontext.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include "world/world.h"
#include "devices/front_seam.h"
#include "devworld/dw_xs.h"

#define DW_PAGE 4096u            /* XEN_PAGE_SIZE: the grant and ring page size */
#define DW_MAX_REQS 48           /* requests the backend took off the rings (oldest dropped) */
#define DW_MAX_GREFS 12          /* grants one request names (segments, indirect pages) */
#define DW_RINGS 2               /* vbd: 0; vif: 0 tx, 1 rx */
#define DW_RING_PAGES 4          /* up to ring-page-order 2 */
#define DW_TURNS_MAX 16          /* `device idle N`, `device flood N`: bounded per step */
#define DW_FINISH_TURNS 8        /* end of run: turns for the frontend to let go, twice */
#define DW_CALLS_PER_TURN 100000u/* host calls in one turn without a wait: the frontend is wedged */
#define DW_DEVID 0
#define DW_BE_DIR_VBD "/local/domain/0/backend/vbd/1/0"
#define DW_BE_DIR_VIF "/local/domain/0/backend/vif/1/0"
#define DW_FE_DIR_VBD "device/vbd/0"
#define DW_FE_DIR_VIF "device/vif/0"

/* `device offer N` bits: what the next InitWait offers (default: all of them). */
#define DW_OFFER_PERSISTENT 1u   /* vbd feature-persistent        | vif feature-sg */
#define DW_OFFER_INDIRECT 2u     /* vbd max-indirect-segments     | vif split event channels */
#define DW_OFFER_FLUSH 4u        /* vbd feature-flush-cache */
#define DW_OFFER_ORDER_SHIFT 3   /* vbd max-ring-page-order: bits 3..4 */
#define DW_OFFER_ALL 0x1fu
#define DW_OFFER_DEFAULT 0x10u   /* no `device offer`: a plain backend, ring-page-order 2 */

/* One request the backend took off a ring, and the maps it holds of its grants. */
struct dw_req {
	uint8_t ring, answered, op, ngref;
	uint16_t size, offset;              /* vif tx: the slot's size and offset */
	uint64_t id;
	grant_ref_t gref[DW_MAX_GREFS];
	uint8_t ro[DW_MAX_GREFS];           /* mapped read-only, as a backend does for data it reads */
	uint8_t held[DW_MAX_GREFS];         /* maps held of each */
};

struct dw_ring {
	uint8_t mapped;
	unsigned npages;
	grant_ref_t ref[DW_RING_PAGES];
	void *sring;                        /* the backend's view (its map of the frontend's pages) */
	union {
		blkif_back_ring_t blk;
		netif_tx_back_ring_t tx;
		netif_rx_back_ring_t rx;
	} r;
};

struct devworld {
	uint32_t run;                       /* the world's run this state belongs to */
	uint8_t active;                     /* set up for this run */
	uint8_t started, returned;
	uint8_t wedged;                     /* never waited within DW_CALLS_PER_TURN host calls: never resumed */
	uint8_t attached;                   /* the backend mapped the frontend's rings at least once */
	uint32_t calls_in_turn;
	unsigned device;                    /* SCN_DEV_VBD or SCN_DEV_VIF */
	const struct front_adapter *front;
	const char *fe_dir, *be_dir;
	struct dw_xs xs;
	struct fe_ops ops;
	struct dev_host host;
	struct dev_params params;
	struct dev_stats stats;
	int rc;                             /* what run returned */
	uint64_t now_ms;
	/* the coroutine */
	ucontext_t world_ctx, front_ctx;
	const void *world_stack;            /* ASan's fiber bookkeeping */
	size_t world_stack_size;
	/* the backend */
	unsigned offer;
	uint8_t state;                      /* the state we wrote last */
	evtchn_port_t port[DW_RINGS];       /* our end of the frontend's channel(s), 0 if none */
	evtchn_port_t fe_port[DW_RINGS];
	struct dw_ring ring[DW_RINGS];
	struct dw_req req[DW_MAX_REQS];
	unsigned nreq;
	int32_t shape_a, shape_b;           /* `device shape`: the next response's extra fields, -1 none */
	uint32_t refused;                   /* steps that could not act */
};

#include <signal.h>
extern volatile sig_atomic_t devworld_front_live; /* inside the frontend's code (world_crash.c) */
struct devworld *devworld_of(struct world *w); /* set up for this run on first use */
void devworld_check_build(void);               /* a frontend variant's adapter fits its manifest */
int devworld_active(struct world *w);          /* a device run: config device vbd|vif */
/* The frontend this build has for the run's device, NULL if none (its scenarios are skipped). */
const struct front_adapter *devworld_front(const struct world *w);
/* The end of a device run, before the world's final check (world_run.c). */
void devworld_finish(struct world *w);
/* One turn of the frontend: run it until its next wait (or its return). */
void dw_turn(struct devworld *d);
void dw_turns(struct devworld *d, unsigned n);
void dw_refuse(struct world *w, const char *why);

/* The backend (dw_back.c): handshake, requests, responses. */
void dw_back_initwait(struct world *w, struct devworld *d);
int dw_back_map_rings(struct world *w, struct devworld *d);  /* 0: rings mapped, channels bound */
void dw_back_unmap_all(struct world *w, struct devworld *d, int rings_too);
struct dw_req *dw_back_take(struct world *w, struct devworld *d, unsigned ring);
struct dw_req *dw_back_nth(struct devworld *d, unsigned ring, unsigned nth, int unanswered);
void dw_back_release(struct world *w, struct dw_req *r);
/* Push a response for r (or, r NULL, one carrying `id`), status as given; notify if asked. */
void dw_back_respond(struct world *w, struct devworld *d, unsigned ring, struct dw_req *r, uint64_t id,
		     int16_t status);
void dw_back_notify(struct world *w, struct devworld *d, unsigned ring);
unsigned dw_rings(const struct devworld *d);
/* The per-protocol parts (dw_blkif.c, dw_netif.c). */
void dw_blkif_initwait(struct devworld *d);
int dw_blkif_take(struct world *w, struct devworld *d, struct dw_req *r);
void dw_blkif_respond(struct devworld *d, uint64_t id, uint8_t op, int16_t status);
void dw_netif_initwait(struct devworld *d);
int dw_netif_take(struct world *w, struct devworld *d, unsigned ring, struct dw_req *r);
void dw_netif_respond(struct world *w, struct devworld *d, unsigned ring, struct dw_req *r, uint64_t id,
		      int16_t status);

#endif
