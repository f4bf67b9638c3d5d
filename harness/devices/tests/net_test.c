/* net_test.c - our netfront and the frame code against a scripted hostile netback, in one
 * process: fake pages, a fake grant table whose unshare answers BUSY while the "backend" maps a
 * ref, a fake xenstore. The backend side is this file writing the netif rings by hand.
 * TAP lines; exit 1 if any check failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netfront.h"

static int failed, checks;
#define CHECK(cond, ...) do { checks++; if (cond) printf("ok - "); else { failed++; printf("not ok - "); } \
	printf(__VA_ARGS__); printf("\n"); } while (0)

/* --- the environment --- */
#define NPAGES 96
#define NREFS 256
static uint8_t mem[NPAGES][4096];
static int page_used[NPAGES];
static struct { int live, mapped, readonly; uint64_t frame; } gt[NREFS];
static int unshare_busy_calls;
static struct { char k[128], v[64]; } xs[64];
static int nxs;

static int p_alloc(void *c, uint64_t *f)
{
	for (int i = NPAGES - 1; i >= 1; i--) /* LIFO-like: the highest free page */
		if (!page_used[i]) {
			page_used[i] = 1;
			*f = (uint64_t)i;
			return 0;
		}
	return -1;
}
static void p_free(void *c, uint64_t f) { page_used[f] = 0; }
static void *p_mem(void *c, uint64_t f) { return f < NPAGES ? mem[f] : NULL; }
static int ev_alloc(void *c, domid_t r, evtchn_port_t *p) { *p = 7; return 0; }
static int notified;
static int ev_notify(void *c, evtchn_port_t p) { notified++; return 0; }
static int xs_w(void *c, const char *path, const char *v)
{
	for (int i = 0; i < nxs; i++)
		if (!strcmp(xs[i].k, path)) {
			snprintf(xs[i].v, sizeof(xs[i].v), "%s", v);
			return 0;
		}
	snprintf(xs[nxs].k, sizeof(xs[nxs].k), "%s", path);
	snprintf(xs[nxs++].v, sizeof(xs[0].v), "%s", v);
	return 0;
}
static int xs_r(void *c, const char *path, char *buf, unsigned size)
{
	for (int i = 0; i < nxs; i++)
		if (!strcmp(xs[i].k, path) && strlen(xs[i].v) < size) {
			strcpy(buf, xs[i].v);
			return 0;
		}
	return -1;
}
static const char *xs_get(const char *path)
{
	static char b[64];
	return xs_r(0, path, b, sizeof(b)) ? "" : b;
}
static int g_share(void *c, domid_t d, uint64_t f, int ro, grant_ref_t *ref)
{
	for (int r = 8; r < NREFS; r++)
		if (!gt[r].live && !gt[r].mapped) {
			gt[r].live = 1, gt[r].frame = f, gt[r].readonly = ro;
			*ref = (grant_ref_t)r;
			return SEAM_OK;
		}
	return SEAM_NOREF;
}
/* A correct library: a mapped grant cannot end; the page stays the library's (BUSY). */
static int g_unshare(void *c, grant_ref_t ref, uint64_t f)
{
	if (ref >= NREFS || !gt[ref].live || gt[ref].frame != f)
		return SEAM_ERR;
	gt[ref].live = 0;
	if (gt[ref].mapped) {
		unshare_busy_calls++;
		return SEAM_BUSY;
	}
	page_used[f] = 0;
	return SEAM_OK;
}
static unsigned g_tick(void *c) { return 0; }
static const struct fe_ops ops = { .page_alloc = p_alloc, .page_free = p_free, .page_mem = p_mem,
				   .evtchn_alloc_unbound = ev_alloc, .evtchn_notify = ev_notify, .xs_write = xs_w,
				   .xs_read = xs_r, .share = g_share, .unshare = g_unshare, .tick = g_tick };

/* --- the scripted backend --- */
static struct netfront nf;
static netif_tx_back_ring_t btx;
static netif_rx_back_ring_t brx;
static const uint8_t bmac[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 };

static void be_state(int s)
{
	char v[8];
	snprintf(v, sizeof(v), "%d", s);
	xs_w(0, "be/state", v);
	nf_otherend_changed(&nf);
}

static void reset(void)
{
	memset(mem, 0, sizeof(mem));
	memset(page_used, 0, sizeof(page_used));
	memset(gt, 0, sizeof(gt));
	nxs = 0;
	unshare_busy_calls = 0;
	xs_w(0, "be/feature-rx-copy", "1");
	xs_w(0, "be/feature-sg", "1");
	nf_init(&nf, &ops, 0, "fe", "be");
}

static void connect_all(void)
{
	reset();
	be_state(XenbusStateInitWait);
	BACK_RING_INIT(&btx, (struct netif_tx_sring *)mem[gt[atoi(xs_get("fe/tx-ring-ref"))].frame], 4096);
	BACK_RING_INIT(&brx, (struct netif_rx_sring *)mem[gt[atoi(xs_get("fe/rx-ring-ref"))].frame], 4096);
	be_state(XenbusStateConnected);
}

/* Take the next tx frame: its first request, the frame gathered from the granted pages. */
static unsigned be_take_tx(netif_tx_request_t *first, uint8_t *buf)
{
	netif_tx_request_t r;
	unsigned pos = 0, total = 0, more = 1, n = 0, rest = 0;
	netif_tx_request_t all[4] = { 0 };
	while (more && btx.req_cons != btx.sring->req_prod && n < 4) {
		RING_COPY_REQUEST(&btx, btx.req_cons, &r);
		btx.req_cons++;
		all[n++] = r;
		more = r.flags & NETTXF_more_data;
	}
	*first = all[0];
	total = all[0].size;
	for (unsigned k = 1; k < n; k++)
		rest += all[k].size;
	for (unsigned k = 0; k < n; k++) {
		unsigned len = k ? all[k].size : total - rest;
		memcpy(buf + pos, mem[gt[all[k].gref].frame] + all[k].offset, len);
		pos += len;
	}
	return n ? total : 0;
}

static void be_tx_rsp(uint16_t id, int16_t st)
{
	netif_tx_response_t *r = RING_GET_RESPONSE(&btx, btx.rsp_prod_pvt++);
	r->id = id, r->status = st;
	RING_PUSH_RESPONSES(&btx);
}

/* Put frame f into the next posted rx buffer (or not, when len < 0 is a lie) and respond. */
static netif_rx_request_t be_rx(const uint8_t *f, unsigned len, uint16_t off, int16_t status, uint16_t flags,
				int id_delta)
{
	netif_rx_request_t req;
	RING_COPY_REQUEST(&brx, brx.req_cons, &req);
	brx.req_cons++;
	if (f && off + len <= 4096)
		memcpy(mem[gt[req.gref].frame] + off, f, len);
	netif_rx_response_t *r = RING_GET_RESPONSE(&brx, brx.rsp_prod_pvt++);
	r->id = (uint16_t)(req.id + id_delta), r->offset = off, r->flags = flags, r->status = status;
	RING_PUSH_RESPONSES(&brx);
	return req;
}

/* --- the checks --- */

static void test_frames(void)
{
	uint8_t a[64], b[2000], out[2000];
	struct np_info pi;
	static const uint8_t m1[6] = { 2, 0, 0, 0, 0, 1 }, m2[6] = { 2, 0, 0, 0, 0, 2 };
	unsigned n = np_build_arp(a, sizeof(a), 1, m1, NP_FRONT_IP, NULL, NP_PEER_IP);
	CHECK(n == NP_ARP_LEN && np_parse(a, n, &pi) == NP_ARP_REQUEST && pi.src_ip == NP_FRONT_IP &&
	      pi.dst_ip == NP_PEER_IP, "frames: an ARP request parses back");
	unsigned bad = 0;
	for (unsigned l = 0; l < n; l++)
		bad += np_parse(a, l, &pi) != NP_BAD;
	CHECK(!bad, "frames: every truncation of an ARP frame is bad (%u were not)", bad);
	unsigned m = np_answer(a, n, m2, NP_PEER_IP, out, sizeof(out));
	CHECK(m == NP_ARP_LEN && np_parse(out, m, &pi) == NP_ARP_REPLY && !memcmp(out, m1, 6) &&
	      !memcmp(out + NP_ETH_HLEN + 8, m2, 6), "frames: the peer answers an ARP request for its address");
	CHECK(np_answer(a, n, m2, NP_IP(10, 0, 0, 9), out, sizeof(out)) == 0, "frames: ARP for another address gets no answer");
	n = np_build_icmp(b, sizeof(b), 8, m1, m2, NP_FRONT_IP, NP_PEER_IP, 5, 77, NULL, 300);
	CHECK(n == NP_ICMP_HDR + 300 && np_parse(b, n, &pi) == NP_ICMP_REQUEST && pi.csum_ok && pi.icmp_seq == 77 &&
	      pi.payload_len == 300, "frames: an echo request parses back with good checksums");
	m = np_answer(b, n, m2, NP_PEER_IP, out, sizeof(out));
	CHECK(m == n && np_parse(out, m, &pi) == NP_ICMP_REPLY && pi.csum_ok && pi.dst_ip == NP_FRONT_IP &&
	      !memcmp(out + pi.payload_off, b + pi.payload_off, 300), "frames: the echo reply carries the request's data");
	b[NP_ICMP_HDR + 10] ^= 1;
	CHECK(np_parse(b, n, &pi) == NP_ICMP_REQUEST && !pi.csum_ok && np_answer(b, n, m2, NP_PEER_IP, out, sizeof(out)) == 0,
	      "frames: a corrupt echo request fails its checksum and gets no answer");
	b[NP_ETH_HLEN + 3] += 1; /* IPv4 total length past the frame */
	CHECK(np_parse(b, n, &pi) == NP_BAD, "frames: an IPv4 length beyond the frame is bad");
	memset(b, 0x5a, 100);
	memcpy(b, m2, 6);
	b[12] = 0x88, b[13] = 0xb5;
	m = np_answer(b, 100, m2, NP_PEER_IP, out, sizeof(out));
	CHECK(m == 100 && !memcmp(out, b + 6, 6) && !memcmp(out + 6, m2, 6) && !memcmp(out + 12, b + 12, 88),
	      "frames: any other frame sent to us is echoed back to its sender");
	memset(b, 0xff, 6);
	CHECK(np_answer(b, 100, m2, NP_PEER_IP, out, sizeof(out)) == 0, "frames: a broadcast is not echoed");
	memcpy(b, m2, 6);
	b[12] = 0x86, b[13] = 0xdd;
	CHECK(np_answer(b, 100, m2, NP_PEER_IP, out, sizeof(out)) == 0,
	      "frames: IPv6 (a guest's duplicate-address probe) is not echoed");
	CHECK(np_build_icmp(b, 100, 8, m1, m2, 1, 2, 0, 0, NULL, 200) == 0 && np_build_arp(a, 10, 1, m1, 1, m2, 2) == 0,
	      "frames: builders refuse a buffer too small");
}

static void test_handshake(void)
{
	reset();
	CHECK(!strcmp(xs_get("fe/state"), "1"), "handshake: Initialising after init");
	be_state(XenbusStateInitWait);
	CHECK(!strcmp(xs_get("fe/state"), "4") && *xs_get("fe/tx-ring-ref") && *xs_get("fe/rx-ring-ref") &&
	      !strcmp(xs_get("fe/event-channel"), "7") && !strcmp(xs_get("fe/request-rx-copy"), "1"),
	      "handshake: on InitWait rings, channel and request-rx-copy published, Connected");
	CHECK(nf.rx_inflight == NF_RX_SLOTS && nf.c.rx_posted == NF_RX_SLOTS, "handshake: %u rx buffers posted",
	      NF_RX_SLOTS);
	CHECK(nf_send_next(&nf) == FE_ERR_STATE, "handshake: no frame before the backend says Connected");
	reset();
	xs_w(0, "be/feature-rx-copy", "0");
	be_state(XenbusStateInitWait);
	CHECK(!strcmp(xs_get("fe/state"), "6") && nf.c.bad_backend_state == 1 && !*xs_get("fe/tx-ring-ref"),
	      "handshake: a backend without feature-rx-copy is refused (Closed, nothing shared)");
	reset();
	xs_w(0, "be/state", "banana");
	nf_otherend_changed(&nf);
	CHECK(nf.c.bad_backend_state == 1 && !strcmp(xs_get("fe/state"), "1"), "handshake: a junk backend state is counted, ignored");
}

static void test_split(void)
{
	reset();
	xs_w(0, "be/feature-split-event-channels", "1");
	be_state(XenbusStateInitWait);
	CHECK(!strcmp(xs_get("fe/state"), "4") && !strcmp(xs_get("fe/event-channel-tx"), "7") &&
	      !strcmp(xs_get("fe/event-channel-rx"), "7") && !*xs_get("fe/event-channel") && nf.rx_port == 7,
	      "handshake: split channels when the backend offers them (event-channel-tx and -rx, no event-channel)");
}

static void test_traffic(void)
{
	netif_tx_request_t first;
	uint8_t buf[4096], out[2048];
	struct np_info pi;
	connect_all();
	CHECK(nf_send_next(&nf) == FE_OK, "traffic: the first frame goes out");
	unsigned len = be_take_tx(&first, buf);
	CHECK(len == NP_ARP_LEN && np_parse(buf, len, &pi) == NP_ARP_REQUEST && gt[first.gref].readonly,
	      "traffic: it is an ARP request for the peer, granted read-only");
	uint64_t txframe = gt[first.gref].frame;
	unsigned m = np_answer(buf, len, bmac, NP_PEER_IP, out, sizeof(out));
	be_tx_rsp(first.id, NETIF_RSP_OKAY);
	be_rx(out, m, 0, (int16_t)m, 0, 0);
	nf_event(&nf);
	CHECK(nf.c.tx_done == 1 && nf.c.arp_replies == 1 && nf.have_peer_mac && !memcmp(nf.peer_mac, bmac, 6),
	      "traffic: tx answered, the ARP reply learnt the peer's MAC");
	CHECK(nf.c.returned >= 2 && nf.c.reused >= 2 && nf.rx_inflight == NF_RX_SLOTS,
	      "traffic: both pages went back to the library and were taken again, rx refilled");
	CHECK(page_used[txframe] && memcmp(mem[txframe], buf, 16) != 0,
	      "traffic: the tx page given back was taken again with fresh content");
	unsigned echoes = 0, sg = 0;
	for (int k = 0; k < 40; k++) {
		if (nf_send_next(&nf) != FE_OK)
			break;
		len = be_take_tx(&first, buf);
		sg += first.flags & NETTXF_more_data ? 1 : 0;
		be_tx_rsp(first.id, NETIF_RSP_OKAY);
		if (first.flags & NETTXF_more_data) { /* the second slot's response too */
			netif_tx_request_t *r2 = RING_GET_REQUEST(&btx, btx.req_cons - 1);
			be_tx_rsp(r2->id, NETIF_RSP_OKAY);
		}
		m = np_answer(buf, len, bmac, NP_PEER_IP, out, sizeof(out));
		be_rx(out, m, (uint16_t)(k % 3 * 64), (int16_t)m, 0, 0);
		nf_event(&nf);
		echoes++;
	}
	CHECK(echoes == 40 && nf.c.icmp_replies + nf.c.echoes + nf.c.arp_replies == 41 && nf.c.bad_replies == 0,
	      "traffic: 40 frames answered: icmp %llu, echoed %llu, arp %llu, none bad",
	      (unsigned long long)nf.c.icmp_replies, (unsigned long long)nf.c.echoes, (unsigned long long)nf.c.arp_replies);
	CHECK(sg > 0 && nf.c.tx_slots > nf.c.tx_frames, "traffic: with feature-sg some frames go in two slots (%u)", sg);
	CHECK(nf.c.ro_written == 0, "traffic: no read-only tx page found written when the backend only read them");
	/* a backend that writes into a tx page shared read-only (the library published it writable) */
	nf_send_next(&nf);
	len = be_take_tx(&first, buf);
	uint8_t *txp = mem[gt[first.gref].frame];
	unsigned at = first.offset >= 16 ? 0 : 4080;
	txp[at + 3] ^= 0x40;
	be_tx_rsp(first.id, NETIF_RSP_OKAY);
	if (first.flags & NETTXF_more_data)
		be_tx_rsp(RING_GET_REQUEST(&btx, btx.req_cons - 1)->id, NETIF_RSP_OKAY);
	m = np_answer(buf, len, bmac, NP_PEER_IP, out, sizeof(out));
	be_rx(out, m, 0, (int16_t)m, 0, 0);
	nf_event(&nf);
	CHECK(nf.c.ro_written == 1, "traffic: a byte written beside the frame in a read-only tx page is seen (invariant 3)");
	/* the peer pings us: we answer */
	uint8_t ping[200];
	unsigned pl = np_build_icmp(ping, sizeof(ping), 8, bmac, nf.mac, NP_PEER_IP, NP_FRONT_IP, 9, 3, NULL, 56);
	be_rx(ping, pl, 0, (int16_t)pl, 0, 0);
	nf_event(&nf);
	len = be_take_tx(&first, buf);
	CHECK(nf.c.answered == 1 && np_parse(buf, len, &pi) == NP_ICMP_REPLY && pi.dst_ip == NP_PEER_IP && pi.csum_ok,
	      "traffic: an echo request for us is answered");
	be_tx_rsp(first.id, NETIF_RSP_OKAY);
	nf_event(&nf);
	/* a reply whose data differs from what we sent */
	nf_send_next(&nf);
	len = be_take_tx(&first, buf);
	be_tx_rsp(first.id, NETIF_RSP_OKAY);
	m = np_answer(buf, len, bmac, NP_PEER_IP, out, sizeof(out));
	out[m - 1] ^= 0xff;
	be_rx(out, m, 0, (int16_t)m, 0, 0);
	nf_event(&nf);
	CHECK(nf.c.bad_replies == 1, "traffic: an answer unlike what we sent is counted");
}

static void test_hostile(void)
{
	netif_tx_request_t first;
	uint8_t buf[4096];
	netif_tx_request_t a, b, c;
	connect_all();
	/* a lying response takes the place of a real one (responses never outnumber requests) */
	nf_send_next(&nf);
	be_take_tx(&a, buf);
	nf_send_next(&nf);
	be_take_tx(&b, buf);
	be_tx_rsp((uint16_t)(a.id + 5), NETIF_RSP_OKAY);
	be_tx_rsp(b.id, NETIF_RSP_OKAY);
	nf_event(&nf);
	CHECK(nf.c.unknown_ids == 1 && nf.c.tx_done == 1 && nf.tx_inflight == 1 && gt[a.gref].live,
	      "hostile: an unknown tx id completes nothing (its request stays open, granted)");
	nf_send_next(&nf);
	be_take_tx(&c, buf);
	be_tx_rsp(b.id, NETIF_RSP_OKAY);
	nf_event(&nf);
	CHECK(nf.c.tx_done == 1 && nf.c.dup_ids == 1 && nf.tx_inflight == 2 && gt[c.gref].live,
	      "hostile: a duplicate tx id is counted, not completed twice");
	nf_teardown(&nf);
	connect_all();
	(void)first;
	nf_send_next(&nf);
	be_take_tx(&first, buf);
	be_tx_rsp(first.id, NETIF_RSP_NULL);
	nf_event(&nf);
	CHECK(nf.c.bad_status == 1, "hostile: NETIF_RSP_NULL on a data slot is a bad status");

	struct { uint16_t off; int16_t st; uint16_t flags; uint64_t *ctr; const char *what; } lies[] = {
		{ 0, 0, 0, &nf.c.bad_status, "rx size 0" },
		{ 0, -7, 0, &nf.c.bad_status, "rx status -7" },
		{ 0, 4097, 0, &nf.c.bad_size, "rx size beyond the page" },
		{ 5000, 60, 0, &nf.c.bad_offset, "rx offset beyond the page" },
		{ 4000, 200, 0, &nf.c.bad_size, "rx offset + size past the page" },
		{ 0, 60, NETRXF_more_data, &nf.c.bad_flags, "rx more_data never negotiated" },
		{ 0, 60, NETRXF_extra_info, &nf.c.bad_flags, "rx extra_info never negotiated" },
		{ 0, NETIF_RSP_ERROR, 0, &nf.c.rx_errors, "rx error status" },
	};
	for (unsigned i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		uint64_t before = *lies[i].ctr, returned = nf.c.returned, replies = nf.c.arp_replies + nf.c.icmp_replies + nf.c.echoes + nf.c.bad_replies;
		uint8_t junk[64];
		memset(junk, 0xee, sizeof(junk));
		be_rx(junk, sizeof(junk), lies[i].off, lies[i].st, lies[i].flags, 0);
		nf_event(&nf);
		CHECK(*lies[i].ctr == before + 1 && replies == nf.c.arp_replies + nf.c.icmp_replies + nf.c.echoes + nf.c.bad_replies &&
		      nf.c.returned == returned + 1 && nf.rx_inflight == NF_RX_SLOTS,
		      "hostile: %s is counted, nothing read, the buffer given back and replaced", lies[i].what);
	}
	uint64_t dup = nf.c.dup_ids, unk = nf.c.unknown_ids;
	netif_rx_request_t req = be_rx(NULL, 0, 0, 60, 0, NF_RX_SLOTS * 7);
	nf_event(&nf);
	CHECK(nf.c.unknown_ids == unk + 1 && gt[req.gref].live, "hostile: an unknown rx id leaves its buffer alone");

	/* the backend keeps a page mapped: BUSY, and the frontend never touches it again */
	nf_send_next(&nf);
	be_take_tx(&first, buf);
	uint64_t frame = gt[first.gref].frame;
	gt[first.gref].mapped = 1;
	uint8_t snap[4096];
	memcpy(snap, mem[frame], 4096);
	be_tx_rsp(first.id, NETIF_RSP_OKAY);
	nf_event(&nf);
	for (int k = 0; k < 20; k++) { /* more traffic: pages are taken and filled */
		netif_tx_request_t f2;
		if (nf_send_next(&nf) == FE_OK) {
			be_take_tx(&f2, buf);
			be_tx_rsp(f2.id, NETIF_RSP_OKAY);
			if (f2.flags & NETTXF_more_data)
				be_tx_rsp(RING_GET_REQUEST(&btx, btx.req_cons - 1)->id, NETIF_RSP_OKAY);
		}
		nf_event(&nf);
	}
	CHECK(unshare_busy_calls == 1 && !memcmp(snap, mem[frame], 4096) && page_used[frame],
	      "hostile: a page whose unshare said BUSY is never written again (and never freed by us)");
	(void)dup;
	/* more responses than requests: the ring is broken, nothing more is processed */
	btx.rsp_prod_pvt += 300;
	RING_PUSH_RESPONSES(&btx);
	uint64_t done = nf.c.tx_done;
	nf_event(&nf);
	CHECK(nf.c.ring_overflows == 1 && nf.broken && nf.c.tx_done == done && nf_send_next(&nf) != FE_OK,
	      "hostile: a response index past the requests breaks the ring, nothing more is read or sent");
	nf_teardown(&nf);
	unsigned live = 0;
	for (int r = 0; r < NREFS; r++)
		live += gt[r].live;
	CHECK(live == 0 && !strcmp(xs_get("fe/state"), "6") && nf.nr_spare == 0, "teardown: every grant ended, Closed");
	nf_teardown(&nf);
	CHECK(nf.c.teardowns == 1, "teardown: idempotent");
}

static void test_reconnect(void)
{
	connect_all();
	be_state(XenbusStateClosing);
	CHECK(!strcmp(xs_get("fe/state"), "6"), "reconnect: the backend's Closing tears us down");
	be_state(XenbusStateInitWait);
	CHECK(!strcmp(xs_get("fe/state"), "4") && nf.c.connects == 2 && nf.rx_inflight == NF_RX_SLOTS,
	      "reconnect: InitWait after Closed connects afresh");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_frames();
	test_handshake();
	test_split();
	test_traffic();
	test_hostile();
	test_reconnect();
	printf("# %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}
