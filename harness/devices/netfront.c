/* netfront.c - our PV network frontend: xenbus handshake, tx/rx rings, hostile responses.
 * Freestanding: see netfront.h. */
#include "netfront.h"

#define NF_ETHERTYPE_PROBE 0x88b5u   /* IEEE local experimental: the "other" frames the peer echoes */
#define NF_RX_BAD_FLAGS (NETRXF_more_data | NETRXF_extra_info | NETRXF_gso_prefix)

static void nf_log(struct netfront *nf, const char *msg, uint64_t a, uint64_t b)
{
	if (nf->ops->log)
		nf->ops->log(nf->ops->ctx, msg, a, b);
}

static void bytes_copy(uint8_t *d, const volatile uint8_t *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		d[i] = s[i];
}

static void bytes_zero(void *p, unsigned n)
{
	volatile uint8_t *b = p;
	for (unsigned i = 0; i < n; i++)
		b[i] = 0;
}

static int join(char *dst, unsigned size, const char *a, const char *b)
{
	unsigned n = 0;
	for (; *a; a++) {
		if (n + 2 >= size)
			return -1;
		dst[n++] = *a;
	}
	dst[n++] = '/';
	for (; *b; b++) {
		if (n + 1 >= size)
			return -1;
		dst[n++] = *b;
	}
	dst[n] = 0;
	return 0;
}

static int copy_str(char *dst, unsigned size, const char *src)
{
	unsigned n = 0;
	for (; src[n]; n++)
		if (n + 1 >= size)
			return -1;
	for (unsigned i = 0; i <= n; i++)
		dst[i] = src[i];
	return 0;
}

static int write_key(struct netfront *nf, const char *key, uint64_t v)
{
	char path[2 * FE_PATH_MAX], val[24];
	if (join(path, sizeof(path), nf->fe_path, key) || !fe_utoa(v, val, sizeof(val)))
		return FE_ERR_INVAL;
	return nf->ops->xs_write(nf->ops->ctx, path, val) ? FE_ERR_ENV : FE_OK;
}

/* A backend key as a number: 0 and *v, or -1 if absent or not a number <= max. */
static int read_be_key(struct netfront *nf, const char *key, uint64_t max, uint64_t *v)
{
	char path[2 * FE_PATH_MAX], val[24];
	if (join(path, sizeof(path), nf->be_path, key) || nf->ops->xs_read(nf->ops->ctx, path, val, sizeof(val)))
		return -1;
	return fe_atou(val, max, v);
}

static void set_state(struct netfront *nf, enum xenbus_state st)
{
	nf->state = (uint8_t)st;
	if (write_key(nf, "state", dev_xb_published(nf->xb_quirk, st)))
		nf_log(nf, "netfront: cannot publish state", st, 0);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "00:16:3e:xx:xx:xx" as the toolstack writes it; anything else leaves the default. */
static void read_mac(struct netfront *nf)
{
	char path[2 * FE_PATH_MAX], v[24];
	uint8_t mac[6];
	if (join(path, sizeof(path), nf->fe_path, "mac") || nf->ops->xs_read(nf->ops->ctx, path, v, sizeof(v)))
		return;
	for (int i = 0; i < 6; i++) {
		int h = hexval(v[3 * i]), l = h < 0 ? -1 : hexval(v[3 * i + 1]);
		if (h < 0 || l < 0 || v[3 * i + 2] != (i == 5 ? 0 : ':'))
			return;
		mac[i] = (uint8_t)(h * 16 + l);
	}
	if (mac[0] & 1)
		return; /* multicast: not an address for us */
	bytes_copy(nf->mac, mac, 6);
}

static uint64_t fill_word(uint64_t seq, unsigned i)
{
	return (seq << 20) ^ (0x6e66000000000000ull + i);
}

/* Fresh content over a whole page: what the peer would see change if it still mapped it. */
static uint64_t fill_page(struct netfront *nf, uint64_t frame)
{
	volatile uint64_t *q = nf->ops->page_mem(nf->ops->ctx, frame);
	uint64_t seq = ++nf->fill_seq;
	if (!q)
		return seq;
	for (unsigned i = 0; i < NF_PAGE / 8; i++)
		q[i] = fill_word(seq, i);
	return seq;
}

/* A tx page was shared read-only: around the data it must still hold its fill. 1 if written. */
static int ro_written(struct netfront *nf, const struct nf_slot *s)
{
	const volatile uint8_t *b = nf->ops->page_mem(nf->ops->ctx, s->frame);
	if (!b)
		return 0;
	for (unsigned w = 0; w < NF_PAGE / 8; w++) {
		unsigned lo = w * 8;
		if (lo + 8 > s->off && lo < (unsigned)s->off + s->len)
			continue; /* a word the data covers, wholly or partly */
		uint64_t want = fill_word(s->fill, w), got = 0;
		for (unsigned k = 0; k < 8; k++)
			got |= (uint64_t)b[lo + k] << (8 * k);
		if (got != want)
			return 1;
	}
	return 0;
}

static int lib_share(struct netfront *nf, uint64_t frame, int readonly, grant_ref_t *ref)
{
	return nf->ops->share(nf->ops->ctx, nf->backend_id, frame, readonly, ref);
}

static int unshare_counted(struct netfront *nf, grant_ref_t ref, uint64_t frame)
{
	int rc = nf->ops->unshare(nf->ops->ctx, ref, frame);
	if (rc == SEAM_OK)
		nf->c.returned++;
	else if (rc == SEAM_BUSY)
		nf->c.busy++;
	else if (rc == SEAM_LEAKED)
		nf->c.leaked++;
	else {
		nf->c.unshare_errors++;
		nf_log(nf, "netfront: unshare failed", ref, (uint64_t)(int64_t)rc);
	}
	return rc;
}

/* A page for the next buffer: the oldest spare first, else the allocator. 0 or -1. */
static int get_page(struct netfront *nf, uint64_t *frame)
{
	if (nf->nr_spare) {
		*frame = nf->spare[0];
		for (uint32_t i = 1; i < nf->nr_spare; i++)
			nf->spare[i - 1] = nf->spare[i];
		nf->nr_spare--;
		return 0;
	}
	return nf->ops->page_alloc(nf->ops->ctx, frame) ? -1 : 0;
}

/* A buffer's request is complete: unshare it; only if the library gave the page back, take a page
 * again at once with fresh content (a real driver's refill). Any other answer: not ours. */
static void release_slot(struct netfront *nf, struct nf_slot *s, uint32_t *inflight)
{
	uint64_t frame;
	if (unshare_counted(nf, s->gref, s->frame) == SEAM_OK && nf->ops->page_alloc(nf->ops->ctx, &frame) == 0) {
		fill_page(nf, frame);
		nf->c.reused++;
		if (nf->nr_spare < NF_SPARE_MAX)
			nf->spare[nf->nr_spare++] = frame;
		else
			nf->ops->page_free(nf->ops->ctx, frame);
	}
	s->state = NF_SLOT_DONE;
	s->gref = FE_NO_REF;
	s->frame = 0;
	(*inflight)--;
}

static int take_slot(struct nf_slot *slots, unsigned n, uint32_t *cursor)
{
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (*cursor + k) % n;
		if (slots[i].state != NF_SLOT_INFLIGHT) {
			*cursor = (i + 1) % n;
			return (int)i;
		}
	}
	return -1;
}

/* Ids step by the slot count on each reuse, so a late duplicate is told from the current one. */
static uint16_t next_id(const struct nf_slot *s, unsigned i, unsigned n)
{
	return s->state == NF_SLOT_NEVER ? (uint16_t)i : (uint16_t)(s->id + n);
}

/* Share one fresh page holding data[0..len) at offset off; the slot becomes in flight. */
static int fill_slot(struct netfront *nf, struct nf_slot *s, uint16_t id, const uint8_t *data, unsigned len,
		     unsigned off, int readonly)
{
	uint64_t frame;
	grant_ref_t ref;
	if (get_page(nf, &frame))
		return FE_ERR_NOMEM;
	s->fill = fill_page(nf, frame);
	s->off = (uint16_t)off;
	s->len = (uint16_t)len;
	volatile uint8_t *mem = nf->ops->page_mem(nf->ops->ctx, frame);
	if (!mem) {
		nf->ops->page_free(nf->ops->ctx, frame);
		return FE_ERR_NOMEM;
	}
	for (unsigned i = 0; i < len; i++)
		mem[off + i] = data[i];
	if (lib_share(nf, frame, readonly, &ref) != SEAM_OK) {
		nf->ops->page_free(nf->ops->ctx, frame); /* never granted: still ours */
		return FE_ERR_GRANT;
	}
	s->state = NF_SLOT_INFLIGHT;
	s->id = id;
	s->gref = ref;
	s->frame = frame;
	return FE_OK;
}

/* --- rx: post buffers --- */

static int post_rx(struct netfront *nf)
{
	if (RING_FULL(&nf->rx))
		return FE_ERR_FULL;
	int i = take_slot(nf->rxs, NF_RX_SLOTS, &nf->next_rx);
	if (i < 0)
		return FE_ERR_FULL;
	struct nf_slot *s = &nf->rxs[i];
	uint16_t id = next_id(s, (unsigned)i, NF_RX_SLOTS);
	int rc = fill_slot(nf, s, id, 0, 0, 0, 0);
	if (rc != FE_OK)
		return rc;
	nf->rx_inflight++;
	netif_rx_request_t *req = RING_GET_REQUEST(&nf->rx, nf->rx.req_prod_pvt);
	req->id = id;
	req->pad = 0;
	req->gref = s->gref;
	nf->rx.req_prod_pvt++;
	nf->c.rx_posted++;
	return FE_OK;
}

static void refill_rx(struct netfront *nf)
{
	int notify, posted = 0;
	if (!nf->have_rings || nf->broken || nf->state != XenbusStateConnected)
		return;
	while (nf->rx_inflight < NF_RX_SLOTS && post_rx(nf) == FE_OK)
		posted++;
	if (!posted)
		return;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->rx, notify);
	if (notify)
		nf->ops->evtchn_notify(nf->ops->ctx, nf->rx_port ? nf->rx_port : nf->port);
}

/* --- tx --- */

/* Push one frame: one slot, or two when the backend takes scatter-gather and the frame is long
 * enough (then the first slot's size is the whole frame's, as netif.h says). */
static int xmit(struct netfront *nf, const uint8_t *data, unsigned len, uint16_t seq)
{
	unsigned nslots = nf->sg && len > 256 && seq % 3 == 0 ? 2 : 1;
	unsigned split = nslots == 2 ? len / 2 + (seq % 7) : len;
	int idx[2], notify;
	if (nf->state != XenbusStateConnected || !nf->be_connected || nf->broken || !len || len > NP_ETH_MAX) {
		nf->c.tx_refused++;
		return FE_ERR_STATE;
	}
	if (RING_FREE_REQUESTS(&nf->tx) < nslots || NF_TX_SLOTS - nf->tx_inflight < nslots) {
		nf->c.tx_refused++;
		return FE_ERR_FULL;
	}
	for (unsigned k = 0; k < nslots; k++) {
		unsigned part_off = k ? split : 0, part_len = k ? len - split : split;
		unsigned page_off = (seq * 136u + k * 24u) % (NF_PAGE - part_len + 1);
		idx[k] = take_slot(nf->txs, NF_TX_SLOTS, &nf->next_tx);
		struct nf_slot *s = &nf->txs[idx[k]];
		int rc = fill_slot(nf, s, next_id(s, (unsigned)idx[k], NF_TX_SLOTS), data + part_off, part_len, page_off, 1);
		if (rc != FE_OK) {
			if (k) /* the first slot is shared but not pushed: give it back to the library */
				release_slot(nf, &nf->txs[idx[0]], &nf->tx_inflight);
			nf->c.tx_refused++;
			return rc;
		}
		nf->tx_inflight++;
		s->more = k + 1 < nslots;
		netif_tx_request_t *req = RING_GET_REQUEST(&nf->tx, nf->tx.req_prod_pvt + k);
		req->gref = s->gref;
		req->offset = (uint16_t)page_off;
		req->flags = s->more ? NETTXF_more_data : 0;
		req->id = s->id;
		req->size = (uint16_t)(k ? part_len : len);
	}
	nf->tx.req_prod_pvt += nslots;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->tx, notify);
	if (notify)
		nf->ops->evtchn_notify(nf->ops->ctx, nf->port);
	nf->c.tx_frames++;
	nf->c.tx_slots += nslots;
	return FE_OK;
}

/* The payload size of echo request seq, so that a reply can be checked without a record. */
static unsigned echo_payload(uint16_t seq)
{
	return 1 + (seq * 97u) % 1400u;
}

int nf_send_next(struct netfront *nf)
{
	uint8_t *buf = nf->out;
	uint16_t seq = nf->seq;
	unsigned len;
	if (!nf->have_peer_mac || seq % 16 == 0)
		len = np_build_arp(buf, NF_PAGE, 1, nf->mac, NP_FRONT_IP, 0, NP_PEER_IP);
	else if (seq % 5 == 4) { /* a frame the peer does not know: it comes back as it went */
		len = 60 + (seq * 13u) % 900u;
		bytes_copy(buf, nf->peer_mac, 6);
		bytes_copy(buf + 6, nf->mac, 6);
		buf[12] = NF_ETHERTYPE_PROBE >> 8;
		buf[13] = NF_ETHERTYPE_PROBE & 0xff;
		buf[14] = (uint8_t)(seq >> 8);
		buf[15] = (uint8_t)seq;
		for (unsigned i = 16; i < len; i++)
			buf[i] = np_pattern(seq, i);
	} else
		len = np_build_icmp(buf, NF_PAGE, 8, nf->mac, nf->peer_mac, NP_FRONT_IP, NP_PEER_IP, 0x6766, seq, 0,
				    echo_payload(seq));
	int rc = xmit(nf, buf, len, seq);
	if (rc == FE_OK)
		nf->seq++;
	return rc;
}

static int addressed_to_us(const struct netfront *nf, const struct np_info *pi)
{
	for (int i = 0; i < 6; i++)
		if (pi->dst_mac[i] != nf->mac[i])
			return 0;
	return 1;
}

/* A frame that arrived: is it a correct answer to something we sent? */
static void consume(struct netfront *nf, unsigned len)
{
	const uint8_t *f = nf->frame;
	struct np_info pi;
	enum np_kind k = np_parse(f, len, &pi);
	int ok = 0;
	if (k == NP_ARP_REPLY && pi.src_ip == NP_PEER_IP && pi.dst_ip == NP_FRONT_IP && addressed_to_us(nf, &pi)) {
		bytes_copy(nf->peer_mac, f + NP_ETH_HLEN + 8, 6);
		nf->have_peer_mac = 1;
		nf->c.arp_replies++;
		return;
	}
	if (k == NP_ICMP_REPLY && pi.src_ip == NP_PEER_IP && pi.dst_ip == NP_FRONT_IP && pi.csum_ok &&
	    pi.payload_len == echo_payload(pi.icmp_seq)) {
		ok = 1;
		for (unsigned i = 0; i < pi.payload_len && ok; i++)
			ok = f[pi.payload_off + i] == np_pattern(pi.icmp_seq, i);
		if (ok) {
			nf->c.icmp_replies++;
			return;
		}
	}
	if ((k == NP_ARP_REQUEST || k == NP_ICMP_REQUEST) && pi.dst_ip == NP_FRONT_IP) {
		/* the peer asks for us, as a host on the link would: answer (dropped if tx is full) */
		unsigned n = np_answer(f, len, nf->mac, NP_FRONT_IP, nf->out, NF_PAGE);
		if (n && xmit(nf, nf->out, n, pi.icmp_seq) == FE_OK) {
			nf->c.answered++;
			return;
		}
		if (n)
			return; /* a valid request we had no room to answer */
	}
	if (k == NP_OTHER && pi.ethertype == NF_ETHERTYPE_PROBE && len >= 16) {
		uint16_t seq = (uint16_t)(f[14] << 8 | f[15]);
		ok = len == 60 + (seq * 13u) % 900u;
		for (unsigned i = 16; i < len && ok; i++)
			ok = f[i] == np_pattern(seq, i);
		if (ok) {
			nf->c.echoes++;
			return;
		}
	}
	nf->c.bad_replies++;
	nf_log(nf, "netfront: a frame that answers nothing we sent", k, len);
}

/* A response id on one ring: the slot, or 0 (counted) when unknown or already completed. */
static struct nf_slot *lookup(struct netfront *nf, struct nf_slot *slots, unsigned n, uint16_t id)
{
	struct nf_slot *s = &slots[id % n];
	if (s->state == NF_SLOT_NEVER || s->id != id) {
		nf->c.unknown_ids++;
		nf_log(nf, "netfront: response with unknown id", id, 0);
		return 0;
	}
	if (s->state != NF_SLOT_INFLIGHT) {
		nf->c.dup_ids++;
		nf_log(nf, "netfront: duplicate response", id, 0);
		return 0;
	}
	return s;
}

static void tx_response(struct netfront *nf, const netif_tx_response_t *rsp)
{
	struct nf_slot *s = lookup(nf, nf->txs, NF_TX_SLOTS, rsp->id);
	if (!s)
		return;
	if (ro_written(nf, s)) { /* before the unshare: after it the page is not ours to read */
		nf->c.ro_written++;
		nf_log(nf, "netfront: a tx page shared read-only was written", s->gref, s->frame);
	}
	if (rsp->status == NETIF_RSP_OKAY)
		nf->c.tx_done++;
	else if (rsp->status == NETIF_RSP_ERROR || rsp->status == NETIF_RSP_DROPPED)
		nf->c.tx_errors++;
	else
		nf->c.bad_status++; /* NETIF_RSP_NULL answers extra-info slots; we send none */
#ifdef NETFRONT_BUG_TX_FREE_BUSY
	/* mutant: a transmitted frame's page is the driver's again once answered, whatever the end said */
	if (unshare_counted(nf, s->gref, s->frame) != SEAM_OK)
		nf->ops->page_free(nf->ops->ctx, s->frame);
	s->state = NF_SLOT_DONE;
	s->gref = FE_NO_REF;
	s->frame = 0;
	nf->tx_inflight--;
	return;
#endif
	release_slot(nf, s, &nf->tx_inflight); /* done with, whatever it says: unshare tells if it is free */
}

/* Check an rx response before anything is read: 1 a frame of rsp->status bytes at rsp->offset,
 * 0 nothing to read (counted). */
static int rx_valid(struct netfront *nf, const netif_rx_response_t *rsp)
{
	if (rsp->status == NETIF_RSP_ERROR || rsp->status == NETIF_RSP_DROPPED) {
		nf->c.rx_errors++;
		return 0;
	}
	if (rsp->status <= 0) {
		nf->c.bad_status++;
		return 0;
	}
	if (rsp->flags & NF_RX_BAD_FLAGS) {
		nf->c.bad_flags++; /* we offered neither feature-sg nor GSO */
		return 0;
	}
	if (rsp->offset >= NF_PAGE) {
		nf->c.bad_offset++;
		return 0;
	}
	if ((unsigned)rsp->offset + (unsigned)rsp->status > NF_PAGE || (unsigned)rsp->status > NP_ETH_MAX) {
		nf->c.bad_size++;
		return 0;
	}
	return 1;
}

static void rx_response(struct netfront *nf, const netif_rx_response_t *rsp)
{
	struct nf_slot *s = lookup(nf, nf->rxs, NF_RX_SLOTS, rsp->id);
	unsigned len = 0;
	if (!s)
		return;
#ifdef NETFRONT_BUG_RX_ERROR_RECYCLE
	if (rsp->status == NETIF_RSP_ERROR || rsp->status == NETIF_RSP_DROPPED) {
		/* mutant: nothing was received, so the buffer is recycled: its grant ended and the page
		 * the driver's again, whatever the end answered */
		nf->c.rx_errors++;
		if (unshare_counted(nf, s->gref, s->frame) != SEAM_OK)
			nf->ops->page_free(nf->ops->ctx, s->frame);
		s->state = NF_SLOT_DONE;
		s->gref = FE_NO_REF;
		s->frame = 0;
		nf->rx_inflight--;
		return;
	}
#endif
	if (rx_valid(nf, rsp)) {
		/* Copy the frame out while the page is still granted and ours; after the unshare it
		 * belongs to the library (and, on SEAM_OK, to the allocator). */
		const volatile uint8_t *mem = nf->ops->page_mem(nf->ops->ctx, s->frame);
		if (mem) {
			len = (unsigned)rsp->status;
			bytes_copy(nf->frame, mem + rsp->offset, len);
		}
		nf->c.rx_done++;
	}
	release_slot(nf, s, &nf->rx_inflight);
	if (len)
		consume(nf, len);
}

/* More responses than requests ever pushed: the backend lies about the ring. */
static int overflowed(struct netfront *nf, RING_IDX prod, RING_IDX cons, RING_IDX req_prod)
{
	if (prod - cons <= req_prod - cons)
		return 0;
	nf->c.ring_overflows++;
	nf->broken = 1;
	nf_log(nf, "netfront: backend overflowed a response ring", prod, cons);
	return 1;
}

unsigned nf_poll(struct netfront *nf)
{
	unsigned done = 0, n;
	RING_IDX rp;
	int more;
	if (!nf->have_rings || nf->broken || nf->state != XenbusStateConnected)
		return 0;
	rp = *(volatile RING_IDX *)&nf->tx.sring->rsp_prod;
	xen_rmb();
	if (overflowed(nf, rp, nf->tx.rsp_cons, nf->tx.req_prod_pvt))
		return done;
	for (n = 0; nf->tx.rsp_cons != rp && n < NF_POLL_BUDGET; n++) {
		netif_tx_response_t rsp;
		RING_COPY_RESPONSE(&nf->tx, nf->tx.rsp_cons, &rsp);
		nf->tx.rsp_cons++;
		tx_response(nf, &rsp);
	}
	done += n;
	if (nf->tx.rsp_cons != rp)
		nf->c.budget_hits++;
	else
		RING_FINAL_CHECK_FOR_RESPONSES(&nf->tx, more);

	rp = *(volatile RING_IDX *)&nf->rx.sring->rsp_prod;
	xen_rmb();
	if (overflowed(nf, rp, nf->rx.rsp_cons, nf->rx.req_prod_pvt))
		return done;
	for (n = 0; nf->rx.rsp_cons != rp && n < NF_POLL_BUDGET && !nf->broken; n++) {
		netif_rx_response_t rsp;
		RING_COPY_RESPONSE(&nf->rx, nf->rx.rsp_cons, &rsp);
		nf->rx.rsp_cons++;
		rx_response(nf, &rsp);
	}
	done += n;
	if (nf->rx.rsp_cons != rp)
		nf->c.budget_hits++;
	else
		RING_FINAL_CHECK_FOR_RESPONSES(&nf->rx, more);
	(void)more;
	refill_rx(nf);
	return done;
}

unsigned nf_event(struct netfront *nf)
{
	nf->c.events++;
	unsigned n = nf_poll(nf);
	if (!n)
		nf->c.spurious_events++;
	return n;
}

unsigned nf_tick(struct netfront *nf)
{
	unsigned n = nf->ops->tick(nf->ops->ctx);
	nf->c.reclaimed += n;
	return n;
}

int nf_init(struct netfront *nf, const struct fe_ops *ops, domid_t backend_id, const char *fe_path,
	    const char *be_path)
{
	static const uint8_t default_mac[6] = { 0x00, 0x16, 0x3e, 0x6e, 0x66, 0x02 };
	bytes_zero(nf, sizeof(*nf));
	nf->ops = ops;
	nf->backend_id = backend_id;
	nf->tx_ring_ref = nf->rx_ring_ref = FE_NO_REF;
	bytes_copy(nf->mac, default_mac, 6);
	if (!ops || !ops->share || !ops->unshare || !ops->tick || !ops->page_mem || !fe_path || !be_path ||
	    copy_str(nf->fe_path, FE_PATH_MAX, fe_path) || copy_str(nf->be_path, FE_PATH_MAX, be_path))
		return FE_ERR_INVAL;
	read_mac(nf);
	set_state(nf, XenbusStateInitialising);
	return FE_OK;
}

/* One shared ring page, zeroed with both event indexes at 1 (SHARED_RING_INIT without memset). */
static int share_ring(struct netfront *nf, uint64_t *frame, grant_ref_t *ref, void **sring)
{
	if (nf->ops->page_alloc(nf->ops->ctx, frame))
		return FE_ERR_NOMEM;
	struct netif_tx_sring *s = nf->ops->page_mem(nf->ops->ctx, *frame);
	if (!s) {
		nf->ops->page_free(nf->ops->ctx, *frame);
		return FE_ERR_NOMEM;
	}
	bytes_zero(s, NF_PAGE);
	s->req_event = s->rsp_event = 1;
	if (lib_share(nf, *frame, 0, ref) != SEAM_OK) {
		nf->ops->page_free(nf->ops->ctx, *frame);
		*ref = FE_NO_REF;
		return FE_ERR_GRANT;
	}
	*sring = s;
	return FE_OK;
}

static void unshare_rings(struct netfront *nf)
{
	if (nf->tx_ring_ref != FE_NO_REF)
		unshare_counted(nf, nf->tx_ring_ref, nf->tx_ring_frame);
	if (nf->rx_ring_ref != FE_NO_REF)
		unshare_counted(nf, nf->rx_ring_ref, nf->rx_ring_frame);
	nf->tx_ring_ref = nf->rx_ring_ref = FE_NO_REF;
	nf->tx.sring = 0;
	nf->rx.sring = 0;
}

static int nf_connect(struct netfront *nf)
{
	uint64_t v;
	void *txs, *rxs;
	int rc;
	if (read_be_key(nf, "feature-rx-copy", 1, &v) || v != 1) {
		nf_log(nf, "netfront: the backend does not offer feature-rx-copy", 0, 0);
		return FE_ERR_STATE;
	}
	nf->sg = read_be_key(nf, "feature-sg", 1, &v) == 0 && v == 1;
	nf->broken = 0; /* a new connection (teardown left no slot in flight) */
	nf->be_connected = 0;
	rc = share_ring(nf, &nf->tx_ring_frame, &nf->tx_ring_ref, &txs);
	if (rc == FE_OK && (rc = share_ring(nf, &nf->rx_ring_frame, &nf->rx_ring_ref, &rxs)) != FE_OK)
		unshare_rings(nf);
	if (rc != FE_OK)
		return rc;
	FRONT_RING_INIT(&nf->tx, (struct netif_tx_sring *)txs, NF_PAGE);
	FRONT_RING_INIT(&nf->rx, (struct netif_rx_sring *)rxs, NF_PAGE);
	nf->have_rings = 1;
	/* split channels when offered, as Linux's netfront does: tx on port, rx on rx_port */
	int split = read_be_key(nf, "feature-split-event-channels", 1, &v) == 0 && v == 1;
	if (nf->ops->evtchn_alloc_unbound(nf->ops->ctx, nf->backend_id, &nf->port) ||
	    (split && nf->ops->evtchn_alloc_unbound(nf->ops->ctx, nf->backend_id, &nf->rx_port))) {
		nf_teardown(nf);
		return FE_ERR_ENV;
	}
	if (write_key(nf, "tx-ring-ref", nf->tx_ring_ref) || write_key(nf, "rx-ring-ref", nf->rx_ring_ref) ||
	    (split ? write_key(nf, "event-channel-tx", nf->port) || write_key(nf, "event-channel-rx", nf->rx_port)
		   : write_key(nf, "event-channel", nf->port)) ||
	    write_key(nf, "request-rx-copy", 1) ||
	    write_key(nf, "feature-rx-notify", 1) || write_key(nf, "feature-sg", 0) ||
	    write_key(nf, "feature-gso-tcpv4", 0) || write_key(nf, "feature-no-csum-offload", 1)) {
		nf_teardown(nf);
		return FE_ERR_ENV;
	}
	set_state(nf, XenbusStateConnected);
	nf->c.connects++;
	refill_rx(nf);
	return FE_OK;
}

void nf_otherend_changed(struct netfront *nf)
{
	uint64_t st;
	if (read_be_key(nf, "state", XenbusStateReconfigured, &st)) {
		nf->c.bad_backend_state++;
		return;
	}
	switch (st) {
	case XenbusStateInitWait:
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (nf->state == XenbusStateClosed && st == XenbusStateInitWait)
			set_state(nf, XenbusStateInitialising); /* the backend came back: connect again */
		if (nf->state == XenbusStateInitialising && nf_connect(nf) != FE_OK) {
			nf->c.bad_backend_state++;
			nf_teardown(nf);
			break;
		}
		if (st == XenbusStateConnected && nf->state == XenbusStateConnected)
			nf->be_connected = 1;
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		nf_teardown(nf);
		break;
	default:
		break;
	}
}

void nf_close(struct netfront *nf)
{
	if (nf->state == XenbusStateConnected || nf->state == XenbusStateInitialising)
		set_state(nf, XenbusStateClosing);
}

void nf_teardown(struct netfront *nf)
{
	if (nf->state == XenbusStateClosed)
		return;
	nf->c.teardowns++;
	for (unsigned i = 0; i < NF_TX_SLOTS; i++)
		if (nf->txs[i].state == NF_SLOT_INFLIGHT) {
			unshare_counted(nf, nf->txs[i].gref, nf->txs[i].frame);
			nf->txs[i].state = NF_SLOT_DONE;
		}
	for (unsigned i = 0; i < NF_RX_SLOTS; i++)
		if (nf->rxs[i].state == NF_SLOT_INFLIGHT) {
#ifdef NETFRONT_BUG_TEARDOWN_RX_FREE /* mutant: posted buffers are ours again once the device closes */
			if (unshare_counted(nf, nf->rxs[i].gref, nf->rxs[i].frame) != SEAM_OK)
				nf->ops->page_free(nf->ops->ctx, nf->rxs[i].frame);
#else
			unshare_counted(nf, nf->rxs[i].gref, nf->rxs[i].frame);
#endif
			nf->rxs[i].state = NF_SLOT_DONE;
		}
	nf->tx_inflight = nf->rx_inflight = 0;
	if (nf->have_rings) {
		unshare_rings(nf);
		nf->have_rings = 0;
		if (nf->ops->evtchn_close && nf->port)
			nf->ops->evtchn_close(nf->ops->ctx, nf->port);
		if (nf->ops->evtchn_close && nf->rx_port)
			nf->ops->evtchn_close(nf->ops->ctx, nf->rx_port);
		nf->port = nf->rx_port = 0;
	}
	nf->be_connected = 0;
	while (nf->nr_spare)
		nf->ops->page_free(nf->ops->ctx, nf->spare[--nf->nr_spare]);
	set_state(nf, XenbusStateClosed);
}
