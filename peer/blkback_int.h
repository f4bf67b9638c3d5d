/* blkback_int.h - the vbd backend's insides, shared by blkback.c (protocol, I/O, maps) and
 * blkback_strategies.c (the table and what each strategy does). */
#ifndef PEER_BLKBACK_INT_H
#define PEER_BLKBACK_INT_H

#include <stdint.h>
#include "blkback.h"   /* first: xenctrl.h (through peer.h) sets up Xen's tools headers */
#include "blkif_abi.h"        /* xen/io/blkif.h, and its x86_32 layout */
#include "dev_watch.h"
#include "dev_stale.h"
#include "dev_xenbus.h"

#define BB_MAX_RING_ORDER 4u               /* max-ring-page-order we offer */
#define BB_MAX_INDIRECT 32u                /* feature-max-indirect-segments we offer */
#define BB_MAX_SEGS BB_MAX_INDIRECT
#define BB_MAX_MAPS 512                    /* data/indirect maps held at once */
#define BB_PCACHE 64                       /* persistent grants kept mapped */
#define BB_OLD_RINGS 8                     /* rings of earlier connections still held */
#define BB_SECTOR 512u

/* One map of a frontend page the backend holds past a request. */
struct bb_map {
	uint8_t in_use, rw, persistent, indirect, held;   /* held: kept past its "done" */
	uint32_t ref;
	uint8_t *addr;
	uint64_t req;
	double since, release_at;                  /* release_at 0: never (until the end) */
};

/* A request as read off the ring (copied once: the frontend may change the ring meanwhile). */
struct bb_req {
	uint64_t id;
	uint8_t operation;                         /* as on the ring (BLKIF_OP_INDIRECT for indirect) */
	uint8_t op;                                /* READ, WRITE, FLUSH, or another (unsupported) */
	unsigned nseg, nind;
	uint64_t sector;
	struct blkif_request_segment seg[BB_MAX_SEGS];
	uint32_t ind_ref[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint8_t *seg_addr[BB_MAX_SEGS];
	int seg_map[BB_MAX_SEGS];                  /* index in maps[], -1 for a persistent one */
	int ind_map[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	int16_t status;
};

struct blkback {
	struct peer *p;
	const struct dev_opts *o;
	int strategy;                              /* index in peer_vbd_strategies[] */
	struct dev_xb xb;
	struct dev_ring ring;
	struct dev_ring old_rings[BB_OLD_RINGS];   /* hold-closed, reconnect-loop, early-closed */
	uint8_t old_watched[BB_OLD_RINGS];         /* handed to the black-box oracle (the frontend let go) */
	double old_since[BB_OLD_RINGS];            /* when it became old */
	unsigned nold;
	blkif_back_ring_t br;                      /* indexes (the header is the same in both layouts) */
	enum blkif_abi abi;                        /* the slots' layout the frontend declared */
	char protocol[16];                         /* what it declared: x86_64-abi, x86_32-abi, none */
	int connected;
	int offered;                               /* InitWait published since the last connect */
	int closing;                               /* we said Closing (a cycle): nothing more is answered */
	int fd;                                    /* the image */
	char tmp_image[64];                        /* a temporary image to remove at the end */
	uint64_t sectors;
	int persistent;                            /* negotiated */
	unsigned max_indirect;                     /* offered (0: none) */
	struct { uint32_t ref; uint8_t *addr; int m; } pcache[BB_PCACHE];
	unsigned npcache;
	struct bb_map maps[BB_MAX_MAPS];
	struct dev_watch *w;
	struct dev_stale *st;                      /* stale-map: grants mapped again after their end */
	uint64_t last_ids[8];                      /* ids answered lately (stale-id, dup-id) */
	unsigned nlast;
	int last_fe_state;
	double start;
	/* counters for the verdict line */
	uint64_t requests, responses, maps_ok, maps_failed, bad_requests, connects, io_errors, held;
};

/* blkback.c */
void bb_vdev_name(unsigned devid, char *buf, unsigned size); /* 51712 -> xvda (libxl's `dev`) */
int bb_offer(struct blkback *b);                  /* features + InitWait */
int bb_connect(struct blkback *b, double timeout); /* wait Initialised, map, bind, Connected; 0/-1 */
void bb_disconnect(struct blkback *b, int keep_maps); /* unbind; ring unmapped or kept as old */
int bb_take(struct blkback *b, struct bb_req *r); /* 1 a request, 0 none (ring drained), -1 broken */
int bb_map_req(struct blkback *b, struct bb_req *r, int try_rw); /* maps every page; 0 or -1 */
void bb_do_io(struct blkback *b, struct bb_req *r); /* sets r->status */
void bb_respond(struct blkback *b, uint64_t id, uint8_t operation, int16_t status);
void bb_release_req(struct blkback *b, struct bb_req *r); /* unmap its non-persistent maps now */
void bb_hold_req(struct blkback *b, struct bb_req *r, double hold_s, int marker); /* watch them */
void bb_release_due(struct blkback *b);           /* unmap held maps whose time is up */
void bb_unmap(struct blkback *b, int m);
int bb_map_one(struct blkback *b, uint32_t ref, int rw, uint64_t req); /* index in maps[], -1 */
void bb_watch_persistent(struct blkback *b, int marker);
void bb_step(struct blkback *b, int wait_ms);     /* events, oracle check */
void bb_peek_ring(struct blkback *b);             /* name the grefs of requests not taken yet */
void bb_named(struct blkback *b, uint32_t ref);   /* a request names ref: the oracles excuse it */
void bb_watch_let_go(struct blkback *b);          /* the frontend let go: watch every page we still map */

/* blkback_strategies.c */
int bb_serve(struct blkback *b);                  /* the strategy's loop; 0, or -1 setup failed */
void bb_serve_closing(struct blkback *b);          /* answer what is on the ring while the frontend closes */
int bb_strategy_offers_persistent(int s);

#endif
