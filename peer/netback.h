/* netback.h - the peer as a vif backend (peer/netback*.c): Xen's netif protocol (Debian's
 * xen/io/netif.h) towards an unmodified guest's netfront, honest or hostile, judged by the
 * black-box oracle (dev_watch.h). Until netback*.c is linked in, a weak fallback (dev_weak.c)
 * keeps the table empty and `--device vif` a one-line error.
 *
 * Honest service: tx frames are read by grant copy (one or more slots, extra-info slots answered
 * NETIF_RSP_NULL) and answered; ARP and ICMP echo requests for 10.0.0.1 are answered, anything
 * else echoed back, through the frontend's posted rx buffers by grant copy; when idle, the peer
 * pings the frontend (10.0.0.2). The hostile strategies (netback_strategies.c, the one table) map
 * instead of copying and keep the maps after the response, lie in ids, statuses, sizes and ring
 * indexes, flood events, close early or over and over.
 */
#ifndef PEER_NETBACK_H
#define PEER_NETBACK_H

#include "peer.h"
#include "dev.h"
#include "dev_watch.h"
#include "dev_stale.h"
#include "dev_xenbus.h"
#include <xen/io/netif.h>
#include "netfront_pkt.h"

extern const char *const peer_vif_strategies[];
/* 0 held, 3 caught, 1 setup failed, 2 usage error (as the verdict line says) */
int peer_run_vif(struct peer *p, const struct dev_opts *o);

/* --- inside the netback --- */

enum nb_hold { NB_HOLD_NONE = 0, NB_HOLD_TIMED, NB_HOLD_END };   /* maps kept after the response */
enum nb_ids { NB_IDS_HONEST = 0, NB_IDS_DUP, NB_IDS_STALE, NB_IDS_BAD };  /* every 8th response */
enum nb_lie { NB_LIE_NONE = 0, NB_LIE_STATUS, NB_LIE_LENGTH,    /* every 3rd rx/tx response */
	      NB_LIE_EVERY };                                       /* every response: the next status of a cycle */
enum nb_close { NB_CLOSE_NONE = 0, NB_CLOSE_ONCE, NB_CLOSE_EARLY, NB_CLOSE_LOOP };

struct nb_strategy {
	const char *name;
	uint8_t tx_hold, rx_hold;  /* enum nb_hold: tx data mapped read-only, rx buffers mapped read-write */
	uint8_t ids;               /* enum nb_ids */
	uint8_t lie;               /* enum nb_lie */
	uint8_t rsp_flood;         /* push the response index past the requests */
	uint8_t evt_flood;         /* NB_EVT_FLOOD events after every batch */
	uint8_t close;             /* enum nb_close */
	uint8_t no_answer;         /* map requests, never answer them */
	uint8_t tx_write;          /* map tx data read-write where the grant allows, write beside the frame */
	uint8_t race;              /* map the answered tx grants again and again while they are ended */
	uint8_t stale;             /* race tx and rx grants, then map them again after their end (dev_stale.h) */
	uint8_t speculate;         /* map refs nobody named yet, briefly, over and over */
	const char *about;
};

#define NB_HOLD_MS 400.0           /* a timed hold: long past the frontend's unshare */
#define NB_EVT_FLOOD 200
#define NB_QLEN 64                 /* frames waiting for an rx buffer */
#define NB_MAX_HOLD 512
#define NB_MAX_SLOTS XEN_NETIF_NR_SLOTS_MIN  /* data slots of one tx frame, as Linux's netback */
#define NB_FRAME_MAX 65536u
#define NB_IDLE_PING_MS 50.0
#define NB_RACE_MS 40.0            /* race-end: how long each answered grant is raced */
#define NB_SPEC_FIRST 8u           /* spec-map: the refs swept (a guest library's first ones) */
#define NB_SPEC_REFS 48u
#define NB_SPEC_HOLD_MS 3.0

struct nb_map {
	uint8_t in_use, rw;
	uint32_t ref;
	uint8_t *addr;
	double release_at;         /* 0: at the end */
};

struct nb {
	struct peer *p;
	const struct dev_opts *o;
	const struct nb_strategy *s;
	struct dev_xb x;
	struct dev_watch w;
	struct dev_ring txr, rxr;
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	int rx_port;               /* split channels: our end of event-channel-rx; -1 one channel */
	int connected, broken;     /* broken: the frontend lied about a ring: no more service */
	uint8_t mac[6], fe_mac[6];
	uint8_t q[NB_QLEN][NP_ETH_MAX];
	uint16_t qlen[NB_QLEN];
	unsigned qhead, qtail;
	uint8_t frame[NB_FRAME_MAX];
	uint8_t out[NP_ETH_MAX];
	struct nb_map maps[NB_MAX_HOLD];
	struct { uint32_t ref, rsp_idx; uint16_t id; uint8_t ring; struct ds_evidence ev; } race[64]; /* answered in this batch */
	unsigned nrace;
	struct dev_stale st;       /* stale-map */
	unsigned tx_every, rx_every; /* every-status: the next status of each ring's cycle */
	unsigned stale_seq;        /* stale-map: grants remembered (every other one raced) */
	uint8_t *spec[NB_SPEC_REFS];
	double spec_since[NB_SPEC_REFS];
	uint16_t answered[16];     /* the last ids answered on tx (stale/dup lies) */
	unsigned nanswered;
	uint16_t ping_seq;
	double last_activity;
	uint64_t tx_slots, tx_frames, tx_bad, rx_delivered, responses, copies, copy_failures;
	uint64_t maps_ok, map_failures, held, lies, events, pings, pongs, reconnects, stuck, race_maps, spec_maps, tx_writes;
};

#define NB_PAGE 4096u

/* netback_check.c: 0 and the frame's size when its data slots (the first one's size is the
 * frame's, each slot's data within its page) make a frame we take; -1 otherwise. */
int nb_tx_frame_check(const netif_tx_request_t *slot, unsigned nslots, unsigned *total);

/* netback_strategies.c */
const struct nb_strategy *nb_strategy(const char *name);

/* netback_ring.c: the two rings */
unsigned nb_service_tx(struct nb *n);      /* tx frames handled */
unsigned nb_service_rx(struct nb *n);      /* frames delivered */
void nb_enqueue(struct nb *n, const uint8_t *f, unsigned len);
void nb_idle(struct nb *n);                /* ping the frontend now and then */
void nb_peek_named(struct nb *n);          /* refs the frontend named but we did not take yet */
void nb_speculate(struct nb *n, int stop); /* spec-map: the speculative maps (stop: let them all go) */
void nb_named(struct nb *n, uint32_t ref); /* a request names ref: the oracles excuse it */
void nb_stale_init(struct nb *n);
void nb_stale_step(struct nb *n);          /* stale-map: map answered grants again once they were ended */
void nb_notify_tx(struct nb *n);
void nb_notify_rx(struct nb *n);

/* netback.c: maps kept after the response */
int nb_keep(struct nb *n, uint8_t *addr, uint32_t ref, int rw, uint64_t req, unsigned page, unsigned off, unsigned len,
	    enum nb_hold how);  /* [off, off+len): the bytes the request named */
void nb_release_due(struct nb *n, int all);

#endif
