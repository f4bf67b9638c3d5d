/* netfront.h - our PV network frontend (vif) on the grant library, speaking Xen's netif protocol
 * (Debian's xen/io/netif.h) to any netback: the peer's (gntfuzz-peer --device vif), or a real one.
 *
 * Freestanding, like the workload frontend: everything from the environment (pages, event
 * channels, xenstore) comes through struct fe_ops (harness/workload/frontend.h), and the grant
 * library only through fe_ops share/unshare/tick (the seam). One tx ring, one rx ring, one event
 * channel or two (feature-split-event-channels, as Linux's netfront); rx by copy (request-rx-copy); tx frames of one or two slots (two when the backend
 * offers feature-sg).
 *
 * The backend is hostile: every response is checked (id issued and outstanding, status, rx size
 * and offset within the page, flags we never asked for) before anything is read, work per poll is
 * bounded, a tx page shared read-only is checked unwritten before it is given back (else the
 * library did not publish the grant read-only: invariant 3, `ro_written`), a page whose unshare
 * did not answer SEAM_OK is never touched again, and a page the
 * library gives back is taken again at once and filled with fresh content (a real driver refills
 * its rx ring: exactly when a page a peer still maps gets reused).
 *
 * Traffic: an ARP request for the peer's address (10.0.0.1), then ICMP echo requests of varying
 * sizes and a few other frames (the honest peer echoes them); replies are checked byte by byte.
 * ARP and echo requests for our own address (10.0.0.2) are answered.
 *
 * netfront_run (netfront_run.c) is the whole device run for a host (devfront.h): the multi-process
 * target's --device vif and the PVH guest's device=vif. Until netfront*.c is linked in, a weak
 * fallback (devfront_weak.c) says so and returns DEV_SETUP.
 */
#ifndef NETFRONT_H
#define NETFRONT_H

#include <stdint.h>
#include "devfront.h"
#include <xen/io/netif.h>
#include "netfront_pkt.h"

int netfront_run(const struct dev_host *h, const struct dev_params *p, struct dev_stats *st);

#define NF_PAGE 4096u
#define NF_TX_SLOTS 32u        /* tx requests in flight at most (one page each) */
#define NF_RX_SLOTS 16u        /* rx buffers posted */
#define NF_POLL_BUDGET 32u     /* responses handled per poll and ring */
#define NF_SPARE_MAX 8u

enum nf_slot_state { NF_SLOT_NEVER = 0, NF_SLOT_INFLIGHT, NF_SLOT_DONE };

struct nf_slot {
	uint8_t state;             /* enum nf_slot_state */
	uint8_t more;              /* tx: another slot of the same frame follows */
	uint16_t id;               /* the id last issued on this slot */
	grant_ref_t gref;
	uint64_t frame;
	uint64_t fill;             /* tx: the fill the page got before the data went in */
	uint16_t off, len;         /* tx: where the data is */
};

struct nf_counters {
	uint64_t tx_frames, tx_slots, tx_refused;  /* frames and slots pushed; sends not possible */
	uint64_t tx_done, tx_errors;               /* tx responses: valid; with an error status */
	uint64_t rx_posted, rx_done, rx_errors;    /* rx buffers posted; rx responses valid; error status */
	uint64_t unknown_ids, dup_ids;             /* responses naming an id never issued / already done */
	uint64_t bad_status;                       /* a status no netback may give (tx NULL, rx size 0) */
	uint64_t bad_size, bad_offset, bad_flags;  /* rx beyond the page, flags never negotiated */
	uint64_t arp_replies, icmp_replies, echoes;/* answers that match what we sent */
	uint64_t answered;                         /* ARP and echo requests for us, answered */
	uint64_t bad_replies;                      /* frames that do not (checksum, payload, unknown kind) */
	uint64_t ro_written;                       /* tx pages shared read-only found written by the backend */
	uint64_t returned, reused, busy, leaked, unshare_errors, reclaimed;
	uint64_t events, spurious_events, budget_hits, ring_overflows, bad_backend_state, connects, teardowns;
};

struct netfront {
	const struct fe_ops *ops;
	domid_t backend_id;
	char fe_path[FE_PATH_MAX];
	char be_path[FE_PATH_MAX];
	uint8_t state;             /* our XenbusState (published as dev_xb_published(xb_quirk, state)) */
	uint8_t xb_quirk;          /* enum dev_xenbus */
	uint8_t be_connected;      /* the backend said Connected after our rings were published */
	uint8_t broken;            /* the backend corrupted a ring: no more ring processing */
	uint8_t have_rings;
	uint8_t sg;                /* the backend offers feature-sg: two-slot frames */
	uint8_t have_peer_mac;
	uint64_t tx_ring_frame, rx_ring_frame;
	grant_ref_t tx_ring_ref, rx_ring_ref;
	evtchn_port_t port;        /* tx, or both rings on one channel */
	evtchn_port_t rx_port;     /* split channels (the backend offers them): rx; 0 otherwise */
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	struct nf_slot txs[NF_TX_SLOTS], rxs[NF_RX_SLOTS];
	uint32_t tx_inflight, rx_inflight, next_tx, next_rx;
	uint64_t spare[NF_SPARE_MAX];
	uint32_t nr_spare;
	uint8_t mac[6], peer_mac[6];
	uint16_t seq;              /* the next frame's sequence number (ICMP seq) */
	uint64_t fill_seq;         /* fresh page content: every fill is new */
	uint8_t frame[NF_PAGE];    /* a received frame, copied out of its rx page before the unshare */
	uint8_t out[NF_PAGE];      /* a frame being built */
	struct nf_counters c;
};

/* State Initialising under fe_path; our MAC from fe_path/mac if the toolstack wrote one. */
int nf_init(struct netfront *nf, const struct fe_ops *ops, domid_t backend_id, const char *fe_path,
	    const char *be_path);
/* The backend's state changed (a watch fired, or a poll saw it): InitWait -> share the rings,
 * publish them and the features, post rx buffers, Connected; Connected -> traffic may flow;
 * Closing/Closed -> tear down; InitWait again after Closed -> connect afresh. */
void nf_otherend_changed(struct netfront *nf);
/* Send the next frame of the traffic plan (FE_OK, or FE_ERR_* as frontend.h). */
int nf_send_next(struct netfront *nf);
/* Handle at most NF_POLL_BUDGET responses on each ring, refill rx; the number handled. */
unsigned nf_poll(struct netfront *nf);
unsigned nf_event(struct netfront *nf);
unsigned nf_tick(struct netfront *nf);
/* Publish Closing (the backend is to let go of the rings first). */
void nf_close(struct netfront *nf);
/* Unshare every outstanding page and both rings (busy ones stay with the library), free the spares,
 * close the channel, publish Closed. Idempotent. */
void nf_teardown(struct netfront *nf);

#endif
