/* blkfront.c - our vbd frontend: see blkfront.h. */
#include <stdint.h>
#include "blkfront.h"
#include "blkif_abi.h"   /* xen/io/blkif.h, and the x86_32 layout derived from it */
#include <xen/io/protocols.h>
#include "xenbus_fe.h"

#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#define PAGE 4096u
#define SECT_PER_PAGE (PAGE / 512u)

struct bf_page {
	uint64_t frame;
	grant_ref_t ref;
	uint8_t persistent;
};

enum { SLOT_FREE = 0, SLOT_INFLIGHT, SLOT_DONE };

struct bf_slot {
	uint8_t state, op, nseg, indirect, wrote; /* wrote: a write of the slot's blocks completed */
	uint64_t id;                               /* the id last issued on this slot */
	uint32_t gen, version;                     /* version: of the write in flight */
	uint32_t bver[BF_BLOCKS_PER_SLOT];         /* what each block holds, 0: unknown */
	struct bf_page seg[BF_MAX_SEGS];
	struct bf_page ind;
};

struct blkfront {
	const struct dev_host *h;
	const struct fe_ops *ops;
	struct dev_stats *st;
	struct xbfe xb;
	unsigned order;
	uint64_t ring_frame[1u << BF_MAX_RING_ORDER];
	grant_ref_t ring_ref[1u << BF_MAX_RING_ORDER];
	uint8_t have_ring, broken, persistent, flush;
	enum blkif_abi abi;                        /* the slots' layout we declared (dev_params.protocol) */
	unsigned max_indirect;
	evtchn_port_t port;
	blkif_front_ring_t ring;
	struct bf_slot slot[BF_SLOTS];
	unsigned inflight;
	struct bf_page pool[BF_POOL];              /* free persistent grants */
	unsigned npool, nr_persistent;
	uint64_t spare[BF_SPARE];
	unsigned nspare;
};

static struct blkfront bf;

static void bf_log(const char *msg, uint64_t a, uint64_t b)
{
	if (bf.ops->log)
		bf.ops->log(bf.ops->ctx, msg, a, b);
}

/* --- pages --- */

static int get_page(uint64_t *frame)
{
	if (bf.nspare) {
		*frame = bf.spare[0];
		for (unsigned i = 1; i < bf.nspare; i++)
			bf.spare[i - 1] = bf.spare[i];
		bf.nspare--;
		return 0;
	}
	return bf.ops->page_alloc(bf.ops->ctx, frame);
}

static void fill(uint64_t frame, uint64_t a, uint64_t b)
{
	volatile uint64_t *q = bf.ops->page_mem(bf.ops->ctx, frame);
	for (unsigned i = 0; q && i < PAGE / 8; i++)
		q[i] = (a << 40) ^ (b << 16) ^ i ^ 0x5a5a000000000000ull;
}

static int same(uint64_t frame, uint64_t a, uint64_t b)
{
	volatile uint64_t *q = bf.ops->page_mem(bf.ops->ctx, frame);
	for (unsigned i = 0; q && i < PAGE / 8; i++)
		if (q[i] != ((a << 40) ^ (b << 16) ^ i ^ 0x5a5a000000000000ull))
			return 0;
	return 1;
}

/* Unshare through the library and count its answer. On SEAM_OK the page went back to the
 * allocator: take a page again at once with fresh content (a driver refilling its buffers). */
static int give_back(grant_ref_t ref, uint64_t frame)
{
	int rc = bf.ops->unshare(bf.ops->ctx, ref, frame);
	uint64_t f;
	switch (rc) {
	case SEAM_OK:
		bf.st->returned++;
		if (bf.ops->page_alloc(bf.ops->ctx, &f) == 0) {
			fill(f, 0xfeed, bf.st->reused++);
			if (bf.nspare < BF_SPARE)
				bf.spare[bf.nspare++] = f;
			else
				bf.ops->page_free(bf.ops->ctx, f);
		}
		break;
	case SEAM_BUSY:
		bf.st->busy++;
		break;
	case SEAM_LEAKED:
		bf.st->leaked++;
		break;
	default:
		bf.st->unshare_errors++;
		bf_log("blkfront: unshare failed", ref, (uint64_t)(int64_t)rc);
		break;
	}
	return rc;
}

/* A data page for a request: a free persistent grant, a new one while the pool may grow, or a
 * page shared for this request alone (read-only when the backend only reads it). */
static int data_page(struct bf_page *p, int backend_reads)
{
	if (bf.persistent && bf.npool) {
		*p = bf.pool[--bf.npool];
		return 0;
	}
	int persistent = bf.persistent && bf.nr_persistent < BF_POOL;
	if (get_page(&p->frame))
		return FE_ERR_NOMEM;
	if (bf.ops->share(bf.ops->ctx, bf.xb.backend_id, p->frame, !persistent && backend_reads, &p->ref) != SEAM_OK) {
		bf.ops->page_free(bf.ops->ctx, p->frame); /* never granted: still ours */
		return FE_ERR_GRANT;
	}
	p->persistent = (uint8_t)persistent;
	if (persistent) {
		bf.nr_persistent++;
		bf.st->persistent_pages++;
	}
	return 0;
}

/* The request is over (answered, or the device is torn down): its pages go back. */
static void put_page(struct bf_page *p)
{
	if (p->persistent && bf.have_ring && bf.npool < BF_POOL)
		bf.pool[bf.npool++] = *p;
	else
		give_back(p->ref, p->frame);
	p->frame = 0;
	p->ref = 0;
}

#if defined(BLKFRONT_BUG_ERROR_FREE) || defined(BLKFRONT_BUG_TEARDOWN_FREE) || defined(BLKFRONT_BUG_RING_FREE)
/* Mutants: "the backend is done with this page" (it failed the request / it is closing): end the
 * grant, and if the library did not take the page back, free it ourselves (MSA02's wrapper, in a
 * driver: a busy answer is not heeded). */
static void drop_page(grant_ref_t ref, uint64_t frame)
{
	if (bf.ops->unshare(bf.ops->ctx, ref, frame) != SEAM_OK)
		bf.ops->page_free(bf.ops->ctx, frame);
}
#endif

/* --- the ring --- */

/* 2^order pages that lie next to each other in our memory (the ring is one area). */
static int alloc_ring(unsigned order)
{
	unsigned n = 1u << order;
	uint64_t f[1u << BF_MAX_RING_ORDER];
	uint8_t *base = 0;
	for (unsigned i = 0; i < n; i++) {
		if (bf.ops->page_alloc(bf.ops->ctx, &f[i])) {
			while (i--)
				bf.ops->page_free(bf.ops->ctx, f[i]);
			return FE_ERR_NOMEM;
		}
		uint8_t *m = bf.ops->page_mem(bf.ops->ctx, f[i]);
		if (!base || m < base)
			base = m;
	}
	/* put them in memory order; give up on a hole */
	for (unsigned k = 0; k < n; k++) {
		unsigned j;
		for (j = 0; j < n && (uint8_t *)bf.ops->page_mem(bf.ops->ctx, f[j]) != base + (uint64_t)k * PAGE; j++)
			;
		if (j == n) {
			for (unsigned i = 0; i < n; i++)
				bf.ops->page_free(bf.ops->ctx, f[i]);
			return -1;
		}
		bf.ring_frame[k] = f[j];
	}
	xbfe_memset(base, 0, n * PAGE);
	blkif_sring_t *s = (blkif_sring_t *)base;
	s->req_event = s->rsp_event = 1;
	FRONT_RING_INIT(&bf.ring, s, n * PAGE);
	bf.ring.nr_ents = blkif_abi_ring_size(bf.abi, n * PAGE); /* slots of the layout we declare */
	for (unsigned k = 0; k < n; k++)
		if (bf.ops->share(bf.ops->ctx, bf.xb.backend_id, bf.ring_frame[k], 0, &bf.ring_ref[k]) != SEAM_OK) {
			for (unsigned i = 0; i < k; i++)
				give_back(bf.ring_ref[i], bf.ring_frame[i]);
			for (unsigned i = k; i < n; i++)
				bf.ops->page_free(bf.ops->ctx, bf.ring_frame[i]);
			return FE_ERR_GRANT;
		}
	bf.order = order;
	bf.have_ring = 1;
	return 0;
}

/* Backend InitWait: read its features, share the ring, publish ours, Initialised. */
static int do_connect(const struct dev_params *p)
{
	uint64_t v;
	unsigned order = 0;
	if (xbfe_be_u(&bf.xb, "max-ring-page-order", 64, &v) == 0)
		order = v < p->ring_order ? (unsigned)v : p->ring_order;
	if (order > BF_MAX_RING_ORDER)
		order = BF_MAX_RING_ORDER;
	bf.persistent = p->persistent && xbfe_be_u(&bf.xb, "feature-persistent", 1, &v) == 0 && v == 1;
	bf.max_indirect = 0;
	if (p->indirect && xbfe_be_u(&bf.xb, "feature-max-indirect-segments", 1u << 20, &v) == 0)
		bf.max_indirect = v < BF_MAX_SEGS ? (unsigned)v : BF_MAX_SEGS;
	bf.flush = xbfe_be_u(&bf.xb, "feature-flush-cache", 1, &v) == 0 && v == 1;
	bf.broken = 0;
	int rc = alloc_ring(order);
	if (rc == -1 && order)
		rc = alloc_ring(0); /* no contiguous run of pages: one page will do */
	if (rc)
		return rc;
	if (bf.ops->evtchn_alloc_unbound(bf.ops->ctx, bf.xb.backend_id, &bf.port))
		return FE_ERR_ENV;
	/* the layout we use: declared as a 64-bit or a 32-bit guest does, or not at all (native) */
	const char *proto = p->protocol == DEV_PROTO_X86_32 ? XEN_IO_PROTO_ABI_X86_32 : XEN_IO_PROTO_ABI_X86_64;
	if (xbfe_publish_ring(&bf.xb, "ring-ref", bf.ring_ref, bf.order) ||
	    xbfe_write_u(&bf.xb, "event-channel", bf.port) ||
	    (p->protocol != DEV_PROTO_NONE && xbfe_write(&bf.xb, "protocol", proto)) ||
	    xbfe_write_u(&bf.xb, "feature-persistent", p->persistent))
		return FE_ERR_ENV;
	xbfe_set_state(&bf.xb, XenbusStateInitialised);
	bf.st->connects++;
	return 0;
}

/* Backend Connected: the disk must be big enough for our blocks, with 512-byte sectors. */
static int check_disk(void)
{
	uint64_t sectors, ssize = 512, info = 0;
	int ok = xbfe_be_u(&bf.xb, "sectors", ~0ull, &sectors) == 0 &&
		 sectors >= (uint64_t)BF_SLOTS * BF_BLOCKS_PER_SLOT * SECT_PER_PAGE &&
		 xbfe_be_u(&bf.xb, "sector-size", 1u << 16, &ssize) != -2 && ssize == 512 &&
		 xbfe_be_u(&bf.xb, "info", ~0u, &info) != -2 && !(info & VDISK_READONLY);
	if (!ok)
		bf.st->bad_backend++;
	return ok ? 0 : -1;
}

/* Give everything back and publish Closed. Idempotent. */
static void teardown(void)
{
	if (bf.xb.state == XenbusStateClosed)
		return;
	bf.st->teardowns++;
	xbfe_set_state(&bf.xb, XenbusStateClosing);
	int had_ring = bf.have_ring;
	bf.have_ring = 0; /* persistent pages go back to the library from here on */
	for (unsigned i = 0; i < BF_SLOTS; i++) {
		struct bf_slot *s = &bf.slot[i];
		if (s->state != SLOT_INFLIGHT)
			continue;
#ifdef BLKFRONT_BUG_TEARDOWN_FREE
		for (unsigned k = 0; k < s->nseg; k++) /* mutant: a closing backend has let go of everything */
			if (!s->seg[k].persistent)
				drop_page(s->seg[k].ref, s->seg[k].frame), s->seg[k].frame = 0;
#endif
		for (unsigned k = 0; k < s->nseg; k++)
			if (s->seg[k].frame)
				put_page(&s->seg[k]);
		if (s->indirect)
			put_page(&s->ind);
		if (s->op == BLKIF_OP_WRITE) /* it may or may not have reached the disk */
			for (unsigned k = 0; k < s->nseg; k++)
				s->bver[k] = 0;
		s->state = SLOT_DONE;
		s->wrote = 0;
		bf.inflight--;
	}
	while (bf.npool)
		put_page(&bf.pool[--bf.npool]);
	bf.nr_persistent = 0;
	if (had_ring) {
		for (unsigned k = 0; k < (1u << bf.order); k++)
#ifdef BLKFRONT_BUG_RING_FREE /* mutant: the ring page is freed whatever its end answered (CVE-2022-23040) */
			drop_page(bf.ring_ref[k], bf.ring_frame[k]);
#else
			give_back(bf.ring_ref[k], bf.ring_frame[k]);
#endif
		if (bf.ops->evtchn_close && bf.port)
			bf.ops->evtchn_close(bf.ops->ctx, bf.port);
		bf.port = 0;
	}
	xbfe_set_state(&bf.xb, XenbusStateClosed);
}

/* --- requests --- */

static uint64_t slot_id(unsigned i, uint32_t gen)
{
	return ((uint64_t)gen << 8) | i;
}

/* Issue the next request on a free slot: its blocks are written, then read back, with a flush
 * now and then. */
static int issue(unsigned seq)
{
	unsigned i;
	for (i = 0; i < BF_SLOTS && bf.slot[i].state == SLOT_INFLIGHT; i++)
		;
	if (i == BF_SLOTS || RING_FULL(&bf.ring))
		return FE_ERR_FULL;
	struct bf_slot *s = &bf.slot[i];
	uint8_t op = bf.flush && seq % 8 == 7 ? BLKIF_OP_FLUSH_DISKCACHE : s->wrote ? BLKIF_OP_READ : BLKIF_OP_WRITE;
	unsigned nseg = op == BLKIF_OP_FLUSH_DISKCACHE ? 0 : 1 + seq % BF_MAX_SEGS;
	int indirect = nseg && bf.max_indirect >= nseg && seq % 4 == 1;
	uint32_t version = op == BLKIF_OP_WRITE ? s->version + 1 : s->version;
	if (!version)
		version = 1;
	unsigned k;
	for (k = 0; k < nseg; k++) {
		if (data_page(&s->seg[k], op == BLKIF_OP_WRITE))
			break;
		if (op == BLKIF_OP_WRITE)
			fill(s->seg[k].frame, i * BF_BLOCKS_PER_SLOT + k, version);
		else
			fill(s->seg[k].frame, 0xdead, seq); /* the backend overwrites it */
	}
	if (k == nseg && indirect) {
		if (get_page(&s->ind.frame) == 0) {
			struct blkif_request_segment *g = bf.ops->page_mem(bf.ops->ctx, s->ind.frame);
			xbfe_memset(g, 0, PAGE);
			for (unsigned j = 0; j < nseg; j++) {
				g[j].gref = s->seg[j].ref;
				g[j].first_sect = 0;
				g[j].last_sect = SECT_PER_PAGE - 1;
			}
			s->ind.persistent = 0;
			if (bf.ops->share(bf.ops->ctx, bf.xb.backend_id, s->ind.frame, 1, &s->ind.ref) != SEAM_OK) {
				bf.ops->page_free(bf.ops->ctx, s->ind.frame);
				k = 0xff;
			}
		} else {
			k = 0xff;
		}
	}
	if (k != nseg) {
		/* no page or no grant: undo what this request took */
		for (unsigned j = 0; j < nseg && j < k; j++)
			put_page(&s->seg[j]);
		return FE_ERR_NOMEM;
	}
	s->gen++;
	s->id = slot_id(i, s->gen);
	s->op = op;
	s->nseg = (uint8_t)nseg;
	s->indirect = (uint8_t)indirect;
	s->version = version;
	s->state = SLOT_INFLIGHT;
	bf.inflight++;

	blkif_request_t req, *r = &req; /* built natively, put in the declared layout */
	xbfe_memset(r, 0, sizeof(*r));
	uint64_t sector = (uint64_t)i * BF_BLOCKS_PER_SLOT * SECT_PER_PAGE;
	if (indirect) {
		blkif_request_indirect_t *ri = (blkif_request_indirect_t *)r;
		r->operation = BLKIF_OP_INDIRECT; /* through the request view, as put_request reads it */
		ri->indirect_op = op;
		ri->nr_segments = (uint16_t)nseg;
		ri->id = s->id;
		ri->sector_number = sector;
		ri->handle = 0;
		ri->indirect_grefs[0] = s->ind.ref;
		bf.st->indirect_reqs++;
	} else {
		r->operation = op;
		r->nr_segments = (uint8_t)nseg;
		r->handle = 0;
		r->id = s->id;
		r->sector_number = sector;
		for (unsigned j = 0; j < nseg; j++) {
			r->seg[j].gref = s->seg[j].ref;
			r->seg[j].first_sect = 0;
			r->seg[j].last_sect = SECT_PER_PAGE - 1;
		}
	}
	if (op == BLKIF_OP_FLUSH_DISKCACHE)
		bf.st->flushes++;
	blkif_abi_put_request(bf.abi, bf.ring.sring, RING_SIZE(&bf.ring), bf.ring.req_prod_pvt, r);
	bf.ring.req_prod_pvt++;
	int notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&bf.ring, notify);
	if (notify)
		bf.ops->evtchn_notify(bf.ops->ctx, bf.port);
	bf.st->sent++;
	return 0;
}

static void complete(struct bf_slot *s, int16_t status)
{
	bf.st->completed++;
	if (status != BLKIF_RSP_OKAY)
		bf.st->rsp_errors++;
	if (s->op == BLKIF_OP_READ && status == BLKIF_RSP_OKAY)
		for (unsigned k = 0; k < s->nseg; k++) /* still granted and ours: read before giving back */
			if (s->bver[k] && !same(s->seg[k].frame, (unsigned)(s - bf.slot) * BF_BLOCKS_PER_SLOT + k, s->bver[k]))
				bf.st->data_mismatch++;
	if (s->op == BLKIF_OP_WRITE) {
		for (unsigned k = 0; k < s->nseg; k++)
			s->bver[k] = status == BLKIF_RSP_OKAY ? s->version : 0;
		s->wrote = status == BLKIF_RSP_OKAY;
	} else if (s->op == BLKIF_OP_READ) {
		s->wrote = 0;
	}
#ifdef BLKFRONT_BUG_ERROR_FREE
	if (status != BLKIF_RSP_OKAY && !s->indirect) { /* mutant: a failed request's pages were never used */
		for (unsigned k = 0; k < s->nseg; k++)
			if (!s->seg[k].persistent)
				drop_page(s->seg[k].ref, s->seg[k].frame);
			else
				put_page(&s->seg[k]);
		s->state = SLOT_DONE;
		bf.inflight--;
		return;
	}
#endif
	for (unsigned k = 0; k < s->nseg; k++)
		put_page(&s->seg[k]);
	if (s->indirect)
		put_page(&s->ind);
	s->state = SLOT_DONE;
	bf.inflight--;
}

static void handle(const blkif_response_t *rsp)
{
	uint64_t id = rsp->id;
	unsigned i = (unsigned)(id & 0xff);
	struct bf_slot *s = i < BF_SLOTS ? &bf.slot[i] : 0;
	if (!s || s->state == SLOT_FREE || s->id != id) {
		bf.st->unknown_ids++;
		bf_log("blkfront: response with unknown id", id, 0);
		return;
	}
	if (s->state != SLOT_INFLIGHT) {
		bf.st->dup_ids++;
		bf_log("blkfront: duplicate response", id, 0);
		return;
	}
	uint8_t want = s->indirect ? BLKIF_OP_INDIRECT : s->op;
	if (rsp->operation != want) {
		bf.st->bad_rsp++;
		bf_log("blkfront: response names another operation", id, rsp->operation);
		return; /* not this request's answer: it stays outstanding */
	}
	int16_t status = rsp->status;
	if (status != BLKIF_RSP_OKAY && status != BLKIF_RSP_ERROR && status != BLKIF_RSP_EOPNOTSUPP) {
		bf.st->bad_rsp++;
		status = BLKIF_RSP_ERROR;
	}
	complete(s, status);
}

static unsigned poll_ring(void)
{
	unsigned done = 0;
	if (!bf.have_ring || bf.broken)
		return 0;
	RING_IDX rp = *(volatile RING_IDX *)&bf.ring.sring->rsp_prod;
	xen_rmb();
	if (RING_RESPONSE_PROD_OVERFLOW(&bf.ring, rp)) {
		bf.st->ring_overflows++;
		bf.broken = 1;
		bf_log("blkfront: backend overflowed the response ring", rp, bf.ring.rsp_cons);
		return 0;
	}
	while (bf.ring.rsp_cons != rp && done < 32) {
		blkif_response_t rsp;
		blkif_abi_get_response(bf.abi, bf.ring.sring, RING_SIZE(&bf.ring), bf.ring.rsp_cons, &rsp);
		bf.ring.rsp_cons++;
		handle(&rsp);
		done++;
	}
	int more;
	if (bf.ring.rsp_cons == rp)
		RING_FINAL_CHECK_FOR_RESPONSES(&bf.ring, more);
	(void)more;
	return done;
}

/* --- the run --- */

int blkfront_run(const struct dev_host *h, const struct dev_params *p, struct dev_stats *st)
{
	xbfe_memset(&bf, 0, sizeof(bf));
	bf.h = h;
	bf.ops = h->ops;
	bf.st = st;
	uint64_t t0 = h->now_ms(h->ctx), end = t0 + p->duration_ms;
	if (!p->requests || !p->inflight || p->inflight > BF_SLOTS) {
		st->end = "bad parameters (requests >= 1, inflight 1..16)";
		return DEV_SETUP;
	}
	/* hot-plug: the toolstack (or the peer) writes our device directory */
	int rc;
	while ((rc = xbfe_find(&bf.xb, h->ops, "vbd", p->devid)) && h->now_ms(h->ctx) < t0 + p->wait_ms)
		h->wait(h->ctx, 0, 10);
	if (rc) {
		st->end = "no device directory device/vbd/<devid> with a backend appeared";
		return DEV_SETUP;
	}
	if (p->protocol > DEV_PROTO_NONE || p->xenbus > DEV_XB_CLOSING_ONLY) {
		st->end = "bad parameters (protocol, xenbus)";
		return DEV_SETUP;
	}
	bf.abi = p->protocol == DEV_PROTO_X86_32 ? BLKIF_ABI_X86_32 : BLKIF_ABI_NATIVE;
	bf.xb.quirk = p->xenbus;
	bf.xb.state = XenbusStateInitialising;
	int done = 0, connected_once = 0;
	unsigned seq = 0, turn = 0;
	st->end = "duration";
	while (h->now_ms(h->ctx) < end) {
		int bs = turn++ % 2 == 0 ? xbfe_be_state(&bf.xb) : -2; /* xenstore every other turn */
		if (bs != -2) {
			int ours = bf.xb.state;
			if ((ours == XenbusStateInitialising || ours == XenbusStateClosed) && bs == XenbusStateInitWait &&
			    !done) {
				bf.xb.state = XenbusStateInitialising;
				if (do_connect(p)) {
					teardown();
					st->end = "connect failed (no pages, grant or channel)";
					break;
				}
			} else if (ours == XenbusStateInitialised && bs == XenbusStateConnected) {
				if (check_disk() == 0) {
					xbfe_set_state(&bf.xb, XenbusStateConnected);
					connected_once = 1;
				} else {
					teardown();
				}
			} else if ((ours == XenbusStateInitialised || ours == XenbusStateConnected) &&
				   (bs == XenbusStateClosing || bs == XenbusStateClosed || bs < 0)) {
				teardown();
			}
			if (bf.xb.state == XenbusStateClosed && h->deferred(h->ctx) == 0 && (done || (connected_once && bs < 0))) {
				st->end = done ? "all-done" : "backend-gone";
				break;
			}
		}
		if (bf.xb.state == XenbusStateConnected) {
			poll_ring();
			if (bf.broken)
				teardown();
			while (bf.xb.state == XenbusStateConnected && st->sent < p->requests && bf.inflight < p->inflight &&
			       issue(seq) == 0)
				seq++;
			if (st->sent >= p->requests && !bf.inflight) {
				done = 1;
				teardown();
			}
		}
		st->reclaimed += bf.ops->tick(bf.ops->ctx);
		if (bf.xb.state == XenbusStateConnected || bf.xb.state == XenbusStateInitialised) {
			if (h->wait(h->ctx, bf.port, 5)) {
				st->events++;
				if (bf.xb.state == XenbusStateConnected && !poll_ring())
					st->spurious_events++;
			}
		} else {
			h->wait(h->ctx, 0, 5);
		}
	}
	teardown();
	for (unsigned i = 0; i < 16 && h->deferred(h->ctx); i++)
		st->reclaimed += bf.ops->tick(bf.ops->ctx);
	while (bf.nspare) /* never shared since they came back: plainly ours */
		bf.ops->page_free(bf.ops->ctx, bf.spare[--bf.nspare]);
	st->spare = 0;
	return connected_once || st->connects ? DEV_DONE : DEV_SETUP;
}
