/* netback_ring.c - the netback's two rings: tx frames in (grant copy, or maps the strategy keeps),
 * answers out through the frontend's rx buffers (grant copy, or read-write maps), and the lies
 * of the strategy in the responses. Everything the frontend puts on a ring is checked before use. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "netback.h"


void nb_notify_tx(struct nb *n)
{
	dev_xb_notify(&n->x);
	n->events++;
}

void nb_notify_rx(struct nb *n)
{
	if (n->rx_port >= 0 && xenevtchn_notify(n->x.xce, (evtchn_port_t)n->rx_port) == 0)
		n->events++;
	else if (n->rx_port < 0)
		nb_notify_tx(n);
}

static void flood(struct nb *n, int rx)
{
	if (!n->s->evt_flood)
		return;
	for (int i = 0; i < NB_EVT_FLOOD; i++)
		rx ? nb_notify_rx(n) : nb_notify_tx(n);
}

void nb_enqueue(struct nb *n, const uint8_t *f, unsigned len)
{
	if (!len || len > NP_ETH_MAX || n->qtail - n->qhead >= NB_QLEN)
		return; /* a full queue drops, as a link would */
	memcpy(n->q[n->qtail % NB_QLEN], f, len);
	n->qlen[n->qtail % NB_QLEN] = (uint16_t)len;
	n->qtail++;
}

/* The id a response carries: the request's own, or (every 8th response) the strategy's lie, in
 * place of the real answer: responses never outnumber requests, the lied-about request stays open. */
static uint16_t answer_id(struct nb *n, uint16_t id, int *lied)
{
	uint16_t out = id;
	*lied = 0;
	if (n->s->ids && n->responses % 8 == 7 && n->nanswered) {
		unsigned last = (n->nanswered - 1) % 16, old = n->nanswered >= 16 ? n->nanswered % 16 : 0;
		out = n->s->ids == NB_IDS_DUP ? n->answered[last] : n->s->ids == NB_IDS_STALE ? n->answered[old]
										 : (uint16_t)(0xfff0u - n->responses % 16);
		*lied = 1;
		n->lies++;
		n->stuck++;
	}
	if (!*lied)
		n->answered[n->nanswered++ % 16] = id;
	return out;
}

/* every-status: netif.h's every status on tx, then values it does not define; on rx the true size
 * (NB_TRUE) twice in the cycle, the errors, OKAY (a 0-byte frame), NULL (1 byte), undefined ones */
#define NB_TRUE INT32_MAX
static const int16_t every_tx[] = { NETIF_RSP_OKAY, NETIF_RSP_ERROR, NETIF_RSP_DROPPED, NETIF_RSP_NULL, -3, 2, 0x7fff,
				    INT16_MIN };
static const int32_t every_rx[] = { NB_TRUE, NETIF_RSP_ERROR, NETIF_RSP_DROPPED, NB_TRUE, NETIF_RSP_OKAY,
				    NETIF_RSP_NULL, -3, INT16_MIN };

static void tx_respond(struct nb *n, uint16_t id, int16_t status)
{
	int lied;
	netif_tx_response_t *r = RING_GET_RESPONSE(&n->tx, n->tx.rsp_prod_pvt);
	r->id = status == NETIF_RSP_NULL ? id : answer_id(n, id, &lied);
	r->status = status;
	if (n->s->lie == NB_LIE_STATUS && status == NETIF_RSP_OKAY && n->responses % 3 == 2) {
		r->status = NETIF_RSP_NULL; /* only extra-info slots are answered so */
		n->lies++;
	} else if (n->s->lie == NB_LIE_EVERY && status == NETIF_RSP_OKAY) {
		r->status = every_tx[n->tx_every++ % (sizeof(every_tx) / sizeof(every_tx[0]))];
		n->lies += r->status != NETIF_RSP_OKAY;
	}
	n->tx.rsp_prod_pvt++;
	n->responses++;
}

/* rsp-flood: the response index a whole ring ahead of the requests, the slots full of junk. */
static void overrun(struct netif_tx_sring *s, RING_IDX *prod_pvt, unsigned size)
{
	for (unsigned i = 0; i < size; i++) {
		netif_tx_response_t *r = &s->ring[(*prod_pvt + i) & (size - 1)].rsp;
		r->id = (uint16_t)(0x7000 + i);
		r->status = NETIF_RSP_OKAY;
	}
	*prod_pvt += size;
}

/* Read one data slot into frame[pos..pos+len): by grant copy, or by a read-only map the strategy
 * keeps after the response (watched from before the response on). 0 or -1. */
static int read_slot(struct nb *n, const netif_tx_request_t *r, unsigned off, unsigned len, unsigned pos, uint64_t req,
		     unsigned page)
{
	if (n->s->tx_hold) {
		/* tx-write: a frontend shares tx data read-only; a read-write map that works means the
		 * library published the grant writable, and what we write there the frontend can see */
		uint8_t *a = n->s->tx_write ? xengnttab_map_grant_ref(n->x.xgt, n->x.target, r->gref, PROT_READ | PROT_WRITE)
					    : NULL;
		int rw = a != NULL;
		if (!a)
			a = xengnttab_map_grant_ref(n->x.xgt, n->x.target, r->gref, PROT_READ);
		if (!a) {
			n->map_failures++;
			return -1;
		}
		n->maps_ok++;
		memcpy(n->frame + pos, a + off, len);
		if (rw) {
			memcpy(a + (off >= 16 ? 0 : NB_PAGE - 16), "GNTFUZZ-TXWRITE!", 16);
			n->tx_writes++;
		}
		return nb_keep(n, a, r->gref, rw, req, page, off, len, n->s->tx_hold);
	}
	xengnttab_grant_copy_segment_t seg = { .len = (uint16_t)len, .flags = GNTCOPY_source_gref };
	seg.source.foreign.ref = r->gref;
	seg.source.foreign.offset = (uint16_t)off;
	seg.source.foreign.domid = (uint16_t)n->x.target;
	seg.dest.virt = n->frame + pos;
	if (!len)
		return 0;
	if (xengnttab_grant_copy(n->x.xgt, 1, &seg) || seg.status != GNTST_okay) {
		n->copy_failures++;
		return -1;
	}
	n->copies++;
	return 0;
}

/* A frame the frontend sent: answer it (or count its answer to our ping). */
static void frame_in(struct nb *n, unsigned len)
{
	struct np_info pi;
	enum np_kind k = np_parse(n->frame, len, &pi);
	if (k != NP_BAD)
		memcpy(n->fe_mac, pi.src_mac, 6);
	if ((k == NP_ICMP_REPLY || k == NP_ARP_REPLY) && pi.dst_ip == NP_PEER_IP) {
		n->pongs++;
		return;
	}
	unsigned m = np_answer(n->frame, len, n->mac, NP_PEER_IP, n->out, sizeof(n->out));
	nb_enqueue(n, n->out, m);
}

/* One tx frame off the ring: its first slot, extra-info slots, data slots. 1 handled, 0 none yet
 * (or not all its slots are there). */
static int take_frame(struct nb *n)
{
	RING_IDX prod = n->tx.sring->req_prod, i;
	xen_rmb();
	unsigned avail = prod - n->tx.req_cons;
	if (avail > RING_SIZE(&n->tx)) {
		fprintf(stderr, "peer: vif: the frontend claims %u tx requests on a ring of %u: no more service\n", avail,
			RING_SIZE(&n->tx));
		n->broken = 1;
		return 0;
	}
	if (!avail)
		return 0;
	netif_tx_request_t slot[NB_MAX_SLOTS + 1];
	uint16_t extra_ids[4];
	unsigned nslots = 0, nextra = 0, more, bad = 0;
	i = n->tx.req_cons;
	RING_COPY_REQUEST(&n->tx, i, &slot[0]);
	i++, nslots = 1;
	if (slot[0].flags & NETTXF_extra_info) {
		struct netif_extra_info ex;
		do {
			if (i - n->tx.req_cons >= avail)
				return 0;
			memcpy(&ex, RING_GET_REQUEST(&n->tx, i), sizeof(ex));
			extra_ids[nextra < 4 ? nextra : 3] = slot[0].id; /* extras are answered with their frame's id */
			i++, nextra++;
			bad |= nextra > 4 || ex.type == XEN_NETIF_EXTRA_TYPE_NONE || ex.type >= XEN_NETIF_EXTRA_TYPE_MAX;
		} while ((ex.flags & XEN_NETIF_EXTRA_FLAG_MORE) && nextra <= 4);
	}
	for (more = slot[0].flags & NETTXF_more_data; more && nslots <= NB_MAX_SLOTS;) {
		if (i - n->tx.req_cons >= avail)
			return 0;
		RING_COPY_REQUEST(&n->tx, i, &slot[nslots]);
		more = slot[nslots].flags & NETTXF_more_data;
		i++, nslots++;
	}
	bad |= more != 0; /* more slots than a netback takes */
	n->tx.req_cons = i;
	unsigned total = 0, rest = 0;
	bad |= nb_tx_frame_check(slot, nslots, &total) != 0;
	for (unsigned k = 1; k < nslots; k++)
		rest += slot[k].size;
	for (unsigned k = 0; k < nslots; k++)
		nb_named(n, slot[k].gref);
	n->tx_slots += nslots;
	unsigned pos = 0;
	struct ds_evidence ev[NB_MAX_SLOTS + 1];
	memset(ev, 0, sizeof(ev));
	for (unsigned k = 0; k < nslots && !bad; k++) {
		unsigned len = k ? slot[k].size : total - rest;
		bad |= read_slot(n, &slot[k], slot[k].offset, len, pos, slot[0].id, k) != 0;
		if (!bad && n->s->stale) /* what the page showed: a stale map of the same page shows it again */
			ev[k] = (struct ds_evidence){ .off = slot[k].offset, .len = len, .digest = ds_digest(n->frame + pos, len) };
		pos += len;
	}
	if (bad)
		n->tx_bad++;
	n->tx_frames++;
	if (n->s->no_answer)
		return 1;
	tx_respond(n, slot[0].id, bad ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
	for (unsigned k = 0; k < nextra && k < 4; k++)
		tx_respond(n, extra_ids[k], NETIF_RSP_NULL);
	for (unsigned k = 1; k < nslots; k++)
		tx_respond(n, slot[k].id, bad ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
	if (!bad)
		frame_in(n, total);
	/* race-end races the frame's first grant; stale-map all of them (and the rx ones) */
	for (unsigned k = 0; k < (n->s->stale ? nslots : n->s->race ? 1u : 0u) && n->nrace < 64; k++)
		n->race[n->nrace++] = (typeof(n->race[0])){ .ref = slot[k].gref, .rsp_idx = n->tx.rsp_prod_pvt - 1,
							    .id = slot[0].id, .ring = 0, .ev = ev[k] };
	return 1;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

/* race-end: the answer is out; map the grant again and again while the frontend ends it (every
 * other try with the target paused, where libxenctrl can). A library that checks "not mapped"
 * and then revokes in a separate step can lose that race: the inside oracle sees the page freed
 * while our map lives. */
static void race(struct nb *n)
{
	for (unsigned k = 0; k < n->nrace; k++) {
		/* stale-map races every other grant and leaves the others alone until the frontend has
		 * ended them (no map of ours up: a clean end) */
		int racing = !n->s->stale || n->stale_seq++ % 2, clean = !racing;
		double until = dev_now() + NB_RACE_MS / 1e3;
		for (int cycle = 0; racing && dev_now() < until; cycle++) {
			int paused = n->p->xc && (cycle & 1) && xc_domain_pause(n->p->xc, n->x.target) == 0;
			uint8_t *a = xengnttab_map_grant_ref(n->x.xgt, n->x.target, n->race[k].ref, PROT_READ);
			if (paused)
				xc_domain_unpause(n->p->xc, n->x.target);
			if (!a) {
				clean = 1; /* ended in a gap between two maps of ours */
				break;     /* the grant is gone: the frontend ended it */
			}
			n->race_maps++;
			sleep_us(500);
			xengnttab_unmap(n->x.xgt, a, 1);
		}
		if (n->s->stale && n->connected) { /* let go of: from now on it must not map once ended */
			const uint32_t prod[DS_RINGS] = { n->tx.rsp_prod_pvt, n->rx.rsp_prod_pvt };
			ds_remember(&n->st, n->race[k].ref, n->race[k].id, n->race[k].ring, n->race[k].rsp_idx, prod, clean,
				    &n->race[k].ev);
		}
	}
	n->nrace = 0;
}

void nb_speculate(struct nb *n, int stop)
{
	double now = dev_now();
	for (unsigned i = 0; i < NB_SPEC_REFS; i++) {
		if (n->spec[i] && (stop || now - n->spec_since[i] >= NB_SPEC_HOLD_MS / 1e3)) {
			xengnttab_unmap(n->x.xgt, n->spec[i], 1);
			n->spec[i] = NULL;
		}
		if (!stop && !n->spec[i] && n->s->speculate) {
			n->spec[i] = xengnttab_map_grant_ref(n->x.xgt, n->x.target, NB_SPEC_FIRST + i, PROT_READ);
			n->spec_since[i] = now;
			n->spec_maps += n->spec[i] != NULL;
		}
	}
}

unsigned nb_service_tx(struct nb *n)
{
	unsigned done = 0;
	int notify;
	if (!n->connected || n->broken)
		return 0;
	while (done < 64 && !n->broken && take_frame(n))
		done++;
	if (!done)
		return 0;
	if (n->s->rsp_flood && n->responses >= 8) {
		overrun(n->tx.sring, &n->tx.rsp_prod_pvt, RING_SIZE(&n->tx));
		n->lies++;
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&n->tx, notify);
	if (notify || n->s->no_answer == 0)
		nb_notify_tx(n);
	flood(n, 0);
	race(n);
	n->last_activity = dev_now();
	return done;
}

/* Deliver one queued frame into the rx buffer the frontend posted: copy, or a kept rw map. */
static int deliver(struct nb *n, const netif_rx_request_t *req, const uint8_t *f, unsigned len)
{
	if (n->s->rx_hold) {
		uint8_t *a = xengnttab_map_grant_ref(n->x.xgt, n->x.target, req->gref, PROT_READ | PROT_WRITE);
		if (!a) {
			n->map_failures++;
			return -1;
		}
		n->maps_ok++;
		memcpy(a, f, len);
		return nb_keep(n, a, req->gref, 1, req->id, 0, 0, NB_PAGE, n->s->rx_hold);
	}
	xengnttab_grant_copy_segment_t seg = { .len = (uint16_t)len, .flags = GNTCOPY_dest_gref };
	seg.source.virt = (void *)f; /* the library takes a non-const pointer for both directions */
	seg.dest.foreign.ref = req->gref;
	seg.dest.foreign.offset = 0;
	seg.dest.foreign.domid = (uint16_t)n->x.target;
	if (xengnttab_grant_copy(n->x.xgt, 1, &seg) || seg.status != GNTST_okay) {
		n->copy_failures++;
		return -1;
	}
	n->copies++;
	return 0;
}

static void rx_respond(struct nb *n, uint16_t id, int ok, unsigned len)
{
	int lied;
	netif_rx_response_t *r = RING_GET_RESPONSE(&n->rx, n->rx.rsp_prod_pvt);
	r->id = answer_id(n, id, &lied);
	r->offset = 0;
	r->flags = NETRXF_data_validated;
	r->status = ok ? (int16_t)len : NETIF_RSP_ERROR;
	unsigned which = (unsigned)(n->responses / 3);
	if (ok && n->s->lie == NB_LIE_EVERY) {
		int32_t v = every_rx[n->rx_every++ % (sizeof(every_rx) / sizeof(every_rx[0]))];
		if (v != NB_TRUE) {
			r->status = (int16_t)v;
			n->lies++;
		}
	} else if (ok && n->responses % 3 == 2 && n->s->lie == NB_LIE_STATUS) {
		r->status = which % 2 ? 0 : -7;
		n->lies++;
	} else if (ok && n->responses % 3 == 2 && n->s->lie == NB_LIE_LENGTH) {
		switch (which % 4) {
		case 0: r->status = (int16_t)(NB_PAGE + 1 + which % 100); break;      /* beyond the page */
		case 1: r->offset = (uint16_t)(NB_PAGE + 904); break;                  /* offset beyond it */
		case 2: r->offset = (uint16_t)(NB_PAGE - 10); break;                   /* offset + size past it */
		default: r->flags |= NETRXF_more_data; break;                       /* never negotiated */
		}
		n->lies++;
	}
	n->rx.rsp_prod_pvt++;
	n->responses++;
}

unsigned nb_service_rx(struct nb *n)
{
	unsigned done = 0;
	int notify;
	if (!n->connected || n->broken)
		return 0;
	while (n->qhead != n->qtail || n->s->no_answer) {
		RING_IDX prod = n->rx.sring->req_prod;
		xen_rmb();
		if (prod - n->rx.req_cons > RING_SIZE(&n->rx)) {
			fprintf(stderr, "peer: vif: the frontend claims %u rx requests on a ring of %u: no more service\n",
				prod - n->rx.req_cons, RING_SIZE(&n->rx));
			n->broken = 1;
			break;
		}
		if (prod == n->rx.req_cons)
			break;
		netif_rx_request_t req;
		RING_COPY_REQUEST(&n->rx, n->rx.req_cons, &req);
		n->rx.req_cons++;
		nb_named(n, req.gref);
		if (n->s->no_answer) { /* early-closed: take the buffer, write nothing, answer nothing */
			uint8_t *a = xengnttab_map_grant_ref(n->x.xgt, n->x.target, req.gref, PROT_READ | PROT_WRITE);
			if (a && (n->maps_ok++, 1))
				nb_keep(n, a, req.gref, 1, req.id, 0, 0, NB_PAGE, NB_HOLD_END);
			else
				n->map_failures++;
			continue;
		}
		unsigned slot = n->qhead % NB_QLEN, len = n->qlen[slot];
		int ok = deliver(n, &req, n->q[slot], len) == 0;
		n->qhead++;
		n->rx_delivered += ok;
		rx_respond(n, req.id, ok, len);
		if (n->s->stale && n->nrace < 64) /* the frame we wrote there: what a stale map of it shows */
			n->race[n->nrace++] = (typeof(n->race[0])){
				.ref = req.gref, .rsp_idx = n->rx.rsp_prod_pvt - 1, .id = req.id, .ring = 1,
				.ev = { .off = 0, .len = ok ? len : 0, .digest = ok ? ds_digest(n->q[slot], len) : 0 } };
		done++;
	}
	if (!done)
		return 0;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&n->rx, notify);
	nb_notify_rx(n);
	(void)notify;
	flood(n, 1);
	race(n);
	n->last_activity = dev_now();
	return done;
}

void nb_idle(struct nb *n)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	if (!n->connected || n->broken || n->s->no_answer || dev_now() - n->last_activity < NB_IDLE_PING_MS / 1e3)
		return;
	int known = n->fe_mac[0] | n->fe_mac[1] | n->fe_mac[2] | n->fe_mac[3] | n->fe_mac[4] | n->fe_mac[5];
	unsigned len = np_build_icmp(n->out, sizeof(n->out), 8, n->mac, known ? n->fe_mac : bcast, NP_PEER_IP,
				     NP_FRONT_IP, 0x7065, n->ping_seq, NULL, 56);
	n->ping_seq++;
	nb_enqueue(n, n->out, len);
	n->pings++;
	n->last_activity = dev_now();
}

void nb_peek_named(struct nb *n)
{
	if (!n->connected || n->broken)
		return;
	RING_IDX prod = n->tx.sring->req_prod;
	xen_rmb();
	if (prod - n->tx.req_cons <= RING_SIZE(&n->tx))
		for (RING_IDX i = n->tx.req_cons; i != prod; i++)
			nb_named(n, RING_GET_REQUEST(&n->tx, i)->gref);
	prod = n->rx.sring->req_prod;
	xen_rmb();
	if (prod - n->rx.req_cons <= RING_SIZE(&n->rx))
		for (RING_IDX i = n->rx.req_cons; i != prod; i++)
			nb_named(n, RING_GET_REQUEST(&n->rx, i)->gref);
}
