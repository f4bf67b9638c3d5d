/* blkback.c - the peer as a vbd backend: xenbus negotiation (feature-persistent,
 * feature-max-indirect-segments with BLKIF_OP_INDIRECT, feature-flush-cache, max-ring-page-order),
 * the disk geometry (sectors, sector-size, info, mode), requests copied off the ring once and
 * checked, real I/O on a disk image, maps of the frontend's pages (persistent ones kept and reused),
 * responses. What is honest and what is not is the strategy's (blkback_strategies.c); every page
 * still mapped after "done" is watched by the black-box oracle (dev_watch.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/io/protocols.h>
#include "blkback_int.h"

#define DEFAULT_IMAGE_BYTES (16ull << 20)

static double clock_now(void *ctx)
{
	(void)ctx;
	return dev_now();
}

/* --- xenbus --- */

/* The name libxl gives a virtual-device number (its `dev` key): 202<<8 | disk<<4 | part is
 * xvd<disk><part>, the extended form 1<<28 | disk<<8 | part likewise, 3<<8 and 22<<8 are hda..hdd,
 * 8<<8 sd; anything else keeps its number. Disks past z take two letters (xvdaa), as libxl's. */
void bb_vdev_name(unsigned devid, char *buf, unsigned size)
{
	unsigned major = devid >> 8, minor = devid & 0xff, disk, part;
	const char *pre;
	if (devid & (1u << 28))
		pre = "xvd", disk = (devid >> 8) & 0xfffff, part = devid & 0xff;
	else if (major == 202)
		pre = "xvd", disk = minor >> 4, part = minor & 15;
	else if (major == 8)
		pre = "sd", disk = minor >> 4, part = minor & 15;
	else if (major == 3 || major == 22)
		pre = "hd", disk = (major == 22 ? 2 : 0) + (minor >> 6), part = minor & 63;
	else {
		snprintf(buf, size, "%u", devid);
		return;
	}
	char letters[8];
	unsigned n = 0, d = disk + 1;
	while (d && n < sizeof(letters)) { /* bijective base 26: a..z, aa.. */
		d--;
		letters[n++] = (char)('a' + d % 26);
		d /= 26;
	}
	int len = snprintf(buf, size, "%s", pre);
	while (n && len > 0 && (unsigned)len + 1 < size)
		buf[len++] = letters[--n], buf[len] = 0;
	if (part)
		snprintf(buf + len, size - (unsigned)len, "%u", part);
}

int bb_offer(struct blkback *b)
{
	struct dev_xb *x = &b->xb;
	/* what Linux's xen-blkback offers, as far as we serve it: one queue, no discard */
	int rc = dev_xb_write(x, "feature-flush-cache", "1") | dev_xb_write(x, "feature-barrier", "0") |
		 dev_xb_write(x, "feature-discard", "0") | dev_xb_write(x, "multi-queue-max-queues", "1") |
		 dev_xb_write(x, "max-ring-page-order", "%u", BB_MAX_RING_ORDER) |
		 dev_xb_write(x, "feature-persistent", "%d", bb_strategy_offers_persistent(b->strategy));
	if (b->max_indirect)
		rc |= dev_xb_write(x, "feature-max-indirect-segments", "%u", b->max_indirect);
	b->offered = 1;
	return rc | dev_xb_set_state(x, XenbusStateInitWait);
}

int bb_connect(struct blkback *b, double timeout)
{
	struct dev_xb *x = &b->xb;
	unsigned long order = 0, fp = 0, queues = 1;
	char proto[64];
	/* Initialised, or straight to Connected (a frontend may skip Initialised, as firmware does) */
	int s = dev_xb_wait_fe(x, 1u << XenbusStateInitialised | 1u << XenbusStateConnected, timeout);
	if (s < 0) {
		if (s == -1)
			fprintf(stderr, "peer: the frontend %s did not become Initialised or Connected within %.1fs (state %s)\n",
				x->fe_path, timeout, dev_xb_state_name(dev_xb_fe_state(x)));
		return -1;
	}
	int rc = dev_xb_fe_uint(x, "ring-page-order", ~0ul, &order);
	if (rc == -2 || order > BB_MAX_RING_ORDER) {
		fprintf(stderr, "peer: frontend %s: ring-page-order is not 0..%u\n", x->fe_path, BB_MAX_RING_ORDER);
		return -1;
	}
	rc = dev_xb_fe_uint(x, "multi-queue-num-queues", ~0ul, &queues);
	if (rc == -2 || queues != 1) {
		fprintf(stderr, "peer: frontend %s: multi-queue-num-queues is not 1 (we offer one queue)\n", x->fe_path);
		return -1;
	}
	/* the slots' layout: what the frontend declares (no key: our native one, as Linux's blkback) */
	rc = dev_xb_fe_read(x, "protocol", proto, sizeof(proto));
	if (rc == -1 || (rc == 0 && !strcmp(proto, XEN_IO_PROTO_ABI_X86_64))) {
		b->abi = BLKIF_ABI_NATIVE;
	} else if (rc == 0 && !strcmp(proto, XEN_IO_PROTO_ABI_X86_32)) {
		b->abi = BLKIF_ABI_X86_32;
	} else {
		fprintf(stderr, "peer: frontend %s: protocol '%.31s%s' is not one we serve (%s, %s, or none: native)\n",
			x->fe_path, rc ? "" : proto, rc ? "(too long)" : "", XEN_IO_PROTO_ABI_X86_32, XEN_IO_PROTO_ABI_X86_64);
		return -1;
	}
	snprintf(b->protocol, sizeof(b->protocol), "%s", rc ? "none" : b->abi == BLKIF_ABI_X86_32 ? XEN_IO_PROTO_ABI_X86_32
											 : XEN_IO_PROTO_ABI_X86_64);
	b->persistent = bb_strategy_offers_persistent(b->strategy) &&
			dev_xb_fe_uint(x, "feature-persistent", 1, &fp) == 0 && fp == 1;
	/* the channel first: a bogus one is refused before any page is mapped */
	if (dev_xb_bind(x, "event-channel"))
		return -1;
	if (dev_xb_map_ring(x, "ring-ref", (unsigned)order, &b->ring)) {
		dev_xb_unbind(x);
		return -1;
	}
	BACK_RING_INIT(&b->br, (blkif_sring_t *)b->ring.addr, (size_t)b->ring.npages * 4096);
	b->br.nr_ents = blkif_abi_ring_size(b->abi, (unsigned long)b->ring.npages * 4096); /* its slots' size */
	/* pages handed to the device again (a ring page of ours granted afresh as this ring) */
	for (unsigned i = 0; i < b->ring.npages; i++)
		bb_named(b, b->ring.refs[i]);
	if (dev_xb_write(x, "sectors", "%llu", (unsigned long long)b->sectors) | dev_xb_write(x, "sector-size", "%u", BB_SECTOR) |
	    dev_xb_write(x, "physical-sector-size", "%u", BB_SECTOR) | dev_xb_write(x, "info", "0") ||
	    dev_xb_set_state(x, XenbusStateConnected))
		return -1;
	b->connected = 1;
	b->offered = 0;
	b->connects++;
	peer_log(b->p, "vbd connected: ring order %lu (%u pages, first ref %u), port %d, persistent %d, protocol %s", order,
		 b->ring.npages, b->ring.refs[0], x->port, b->persistent, b->protocol);
	return 0;
}

void bb_disconnect(struct blkback *b, int keep_maps)
{
	dev_xb_unbind(&b->xb);
	if (keep_maps && b->ring.addr && b->nold < BB_OLD_RINGS) {
		/* held across Closed and reconnects; watched once the frontend let it go (bb_watch_let_go) */
		b->old_watched[b->nold] = 0;
		b->old_since[b->nold] = dev_now();
		b->old_rings[b->nold++] = b->ring;
	} else
		dev_xb_unmap_ring(&b->xb, &b->ring);
	memset(&b->ring, 0, sizeof(b->ring));
	b->connected = 0;
}

/* --- requests --- */

int bb_take(struct blkback *b, struct bb_req *r)
{
	if (!b->connected)
		return 0;
	RING_IDX rp = b->br.sring->req_prod;
	xen_rmb();
	if (rp - b->br.req_cons > RING_SIZE(&b->br))
		return -1; /* the frontend claims more requests than the ring holds */
	if (b->br.req_cons == rp) {
		dw_drained(b->w);
		return 0;
	}
	blkif_request_t req;
	blkif_abi_get_request(b->abi, b->br.sring, RING_SIZE(&b->br), b->br.req_cons, &req);
	b->br.req_cons++;
	b->requests++;
	memset(r, 0, sizeof(*r));
	r->id = req.id;
	r->operation = req.operation;
	r->status = BLKIF_RSP_OKAY;
	for (unsigned i = 0; i < BB_MAX_SEGS; i++)
		r->seg_map[i] = -1;
	for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		r->ind_map[i] = -1;
	if (req.operation == BLKIF_OP_INDIRECT) {
		blkif_request_indirect_t *ri = (blkif_request_indirect_t *)&req;
		r->op = ri->indirect_op;
		r->nseg = ri->nr_segments;
		r->sector = ri->sector_number;
		if (!b->max_indirect || r->nseg == 0 || r->nseg > b->max_indirect ||
		    (r->op != BLKIF_OP_READ && r->op != BLKIF_OP_WRITE)) {
			r->status = BLKIF_RSP_ERROR;
			r->nseg = 0;
			b->bad_requests++;
			return 1;
		}
		r->nind = (r->nseg * sizeof(struct blkif_request_segment) + 4095) / 4096;
		for (unsigned i = 0; i < r->nind; i++)
			r->ind_ref[i] = ri->indirect_grefs[i];
	} else {
		r->op = req.operation;
		r->nseg = req.nr_segments;
		r->sector = req.sector_number;
		if (r->op == BLKIF_OP_READ || r->op == BLKIF_OP_WRITE) {
			if (r->nseg == 0 || r->nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
				r->status = BLKIF_RSP_ERROR;
				r->nseg = 0;
				b->bad_requests++;
				return 1;
			}
			memcpy(r->seg, req.seg, r->nseg * sizeof(r->seg[0]));
		} else {
			r->nseg = 0; /* flush, barrier, discard: no data pages we map */
			if (r->op != BLKIF_OP_FLUSH_DISKCACHE)
				r->status = BLKIF_RSP_EOPNOTSUPP;
		}
	}
	/* the frontend hands these pages to us again: whatever they show now is legitimate */
	for (unsigned i = 0; i < r->nind; i++)
		bb_named(b, r->ind_ref[i]);
	if (!r->nind)
		for (unsigned i = 0; i < r->nseg; i++)
			bb_named(b, r->seg[i].gref);
	return 1;
}

static int new_map(struct blkback *b, uint32_t ref, int rw, int persistent, int indirect, uint64_t req)
{
	int m;
	for (m = 0; m < BB_MAX_MAPS && b->maps[m].in_use; m++)
		;
	if (m == BB_MAX_MAPS)
		return -1;
	uint8_t *a = xengnttab_map_grant_ref(b->p->xgt, b->xb.target, ref, rw ? PROT_READ | PROT_WRITE : PROT_READ);
	if (!a) {
		b->maps_failed++;
		return -1;
	}
	b->maps_ok++;
	b->maps[m] = (struct bb_map){ .in_use = 1, .rw = !!rw, .persistent = (uint8_t)persistent,
				      .indirect = (uint8_t)indirect, .ref = ref, .addr = a, .req = req, .since = dev_now() };
	return m;
}

int bb_map_one(struct blkback *b, uint32_t ref, int rw, uint64_t req)
{
	return new_map(b, ref, rw, 0, 0, req);
}

/* Map rw if asked (or needed), else read-only; a read-only grant refuses rw: fall back. */
static int map_page(struct blkback *b, uint32_t ref, int want_rw, int need_rw, int indirect, uint64_t req)
{
	int m = new_map(b, ref, want_rw || need_rw, 0, indirect, req);
	if (m < 0 && want_rw && !need_rw)
		m = new_map(b, ref, 0, 0, indirect, req);
	return m;
}

static int persistent_map(struct blkback *b, uint32_t ref, uint64_t req)
{
	for (unsigned i = 0; i < b->npcache; i++)
		if (b->pcache[i].ref == ref)
			return b->pcache[i].m;
	if (b->npcache == BB_PCACHE)
		return -2;
	int m = new_map(b, ref, 1, 1, 0, req);
	if (m >= 0)
		b->pcache[b->npcache++] = (typeof(b->pcache[0])){ .ref = ref, .addr = b->maps[m].addr, .m = m };
	return m;
}

int bb_map_req(struct blkback *b, struct bb_req *r, int try_rw)
{
	for (unsigned i = 0; i < r->nind; i++) {
		r->ind_map[i] = map_page(b, r->ind_ref[i], try_rw, 0, 1, r->id);
		if (r->ind_map[i] < 0)
			return -1;
	}
	if (r->nind) {
		/* copy the segments out once: the frontend may change the page under us */
		for (unsigned i = 0; i < r->nseg; i++) {
			const struct blkif_request_segment *g =
				(const void *)(b->maps[r->ind_map[i / 512]].addr + (i % 512) * sizeof(*g));
			memcpy(&r->seg[i], (const void *)g, sizeof(*g));
		}
		for (unsigned i = 0; i < r->nseg; i++)
			bb_named(b, r->seg[i].gref);
	}
	int need_rw = r->op == BLKIF_OP_READ; /* we write the disk's data into the page */
	for (unsigned i = 0; i < r->nseg; i++) {
		int m = b->persistent ? persistent_map(b, r->seg[i].gref, r->id) : -2;
		if (m < 0) /* no persistent grant (cache full, or granted read-only): a map for this request */
			m = map_page(b, r->seg[i].gref, try_rw, need_rw, 0, r->id);
		if (m < 0)
			return -1;
		r->seg_map[i] = m;
		r->seg_addr[i] = b->maps[m].addr;
	}
	return 0;
}

void bb_do_io(struct blkback *b, struct bb_req *r)
{
	if (r->status != BLKIF_RSP_OKAY)
		return;
	if (r->op == BLKIF_OP_FLUSH_DISKCACHE) {
		if (fdatasync(b->fd))
			r->status = BLKIF_RSP_ERROR;
		return;
	}
	uint64_t sector = r->sector;
	for (unsigned i = 0; i < r->nseg; i++) {
		struct blkif_request_segment *g = &r->seg[i];
		if (g->first_sect > g->last_sect || g->last_sect >= 4096 / BB_SECTOR || !r->seg_addr[i]) {
			r->status = BLKIF_RSP_ERROR;
			b->bad_requests++;
			return;
		}
		unsigned n = g->last_sect - g->first_sect + 1u;
		if (sector >= b->sectors || n > b->sectors - sector) {
			r->status = BLKIF_RSP_ERROR;
			b->bad_requests++;
			return;
		}
		uint8_t *page = r->seg_addr[i] + g->first_sect * BB_SECTOR;
		ssize_t done = r->op == BLKIF_OP_READ ? pread(b->fd, page, n * BB_SECTOR, (off_t)(sector * BB_SECTOR))
						      : pwrite(b->fd, page, n * BB_SECTOR, (off_t)(sector * BB_SECTOR));
		if (done != (ssize_t)(n * BB_SECTOR)) {
			r->status = BLKIF_RSP_ERROR;
			b->io_errors++;
			return;
		}
		sector += n;
	}
}

void bb_respond(struct blkback *b, uint64_t id, uint8_t operation, int16_t status)
{
	if (!b->connected)
		return;
	blkif_abi_put_response(b->abi, b->br.sring, RING_SIZE(&b->br), b->br.rsp_prod_pvt, id, operation, status);
	b->br.rsp_prod_pvt++;
	int notify;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b->br, notify);
	(void)notify; /* always notify: a hostile backend does not economise, and it is simpler */
	dev_xb_notify(&b->xb);
	b->responses++;
	b->last_ids[b->nlast++ % 8] = id;
}

void bb_unmap(struct blkback *b, int m)
{
	if (m < 0 || m >= BB_MAX_MAPS || !b->maps[m].in_use)
		return;
	dw_unwatch(b->w, b->maps[m].addr);
	xengnttab_unmap(b->p->xgt, b->maps[m].addr, 1);
	b->maps[m].in_use = 0;
	if (b->maps[m].persistent)
		for (unsigned i = 0; i < b->npcache; i++)
			if (b->pcache[i].m == m) {
				b->pcache[i] = b->pcache[--b->npcache];
				break;
			}
}

void bb_release_req(struct blkback *b, struct bb_req *r)
{
	for (unsigned i = 0; i < r->nseg; i++)
		if (r->seg_map[i] >= 0 && !b->maps[r->seg_map[i]].persistent)
			bb_unmap(b, r->seg_map[i]);
	for (unsigned i = 0; i < r->nind; i++)
		bb_unmap(b, r->ind_map[i]);
}

/* [off, off+len): the bytes of the page the request named (the whole page for indirect pages and
 * persistent grants, which a frontend keeps for the device alone). */
static void watch_map(struct blkback *b, int m, unsigned page, int marker, unsigned off, unsigned len)
{
	struct bb_map *pm = &b->maps[m];
	if (!pm->held)
		b->held++;
	pm->held = 1;
	dw_watch_region(b->w, pm->addr, pm->ref, pm->rw, marker ? DW_MARKER : DW_SNAPSHOT, pm->req, page, off, len);
}

void bb_hold_req(struct blkback *b, struct bb_req *r, double hold_s, int marker)
{
	double now = dev_now();
	for (unsigned i = 0; i < r->nind; i++)
		if (r->ind_map[i] >= 0) {
			b->maps[r->ind_map[i]].release_at = hold_s > 0 ? now + hold_s : 0;
			watch_map(b, r->ind_map[i], 100 + i, marker, 0, DW_PAGE);
		}
	for (unsigned i = 0; i < r->nseg; i++) {
		int m = r->seg_map[i];
		if (m < 0)
			continue;
		if (!b->maps[m].persistent)
			b->maps[m].release_at = hold_s > 0 ? now + hold_s : 0;
		const struct blkif_request_segment *g = &r->seg[i];
		int sane = g->first_sect <= g->last_sect && g->last_sect < DW_PAGE / BB_SECTOR;
		if (b->maps[m].persistent || !sane)
			watch_map(b, m, i, marker, 0, DW_PAGE);
		else
			watch_map(b, m, i, marker, g->first_sect * BB_SECTOR, (g->last_sect - g->first_sect + 1u) * BB_SECTOR);
	}
}

/* The frontend let go of the device (it reached Closed, or sat at Closing, or connected afresh):
 * every page we still map is memory it may no longer touch until it hands it to us again. The
 * rings of earlier connections get markers (page 300+K: ring page K; req: that connection's
 * number), and so does every map not watched yet (a request mapped and never answered, an
 * indirect page, a persistent grant); maps watched since their answer keep their watch (and any
 * change already seen). A frontend whose library frees its ring page whatever the end answered
 * (CVE-2022-23040's shape) shows the page reused under the marker. */
void bb_watch_let_go(struct blkback *b)
{
	for (unsigned i = 0; i < b->nold; i++) {
		if (b->old_watched[i])
			continue;
		b->old_watched[i] = 1;
		for (unsigned k = 0; k < b->old_rings[i].npages; k++)
			dw_watch(b->w, (uint8_t *)b->old_rings[i].addr + (size_t)k * DW_PAGE, b->old_rings[i].refs[k], 1, DW_MARKER,
				 i + 1, 300 + k);
	}
	for (int m = 0; m < BB_MAX_MAPS; m++)
		if (b->maps[m].in_use && !b->maps[m].held)
			watch_map(b, m, b->maps[m].indirect ? 100 : 0, 1, 0, DW_PAGE);
}

void bb_watch_persistent(struct blkback *b, int marker)
{
	for (unsigned i = 0; i < b->npcache; i++)
		watch_map(b, b->pcache[i].m, 0, marker, 0, DW_PAGE);
}

void bb_release_due(struct blkback *b)
{
	double now = dev_now();
	for (int m = 0; m < BB_MAX_MAPS; m++)
		if (b->maps[m].in_use && !b->maps[m].persistent && b->maps[m].release_at && now >= b->maps[m].release_at) {
			/* a change still in its grace: hold on until it is excused or reported */
			if (dw_pending(b->w, b->maps[m].addr) && now - b->maps[m].since < 10) {
				b->maps[m].release_at = now + b->w->grace;
				continue;
			}
			bb_unmap(b, m);
		}
}

void bb_step(struct blkback *b, int wait_ms)
{
	if (b->xb.port >= 0)
		dev_xb_wait_event(&b->xb, wait_ms);
	else
		dev_sleep_ms(wait_ms);
	b->p->observations = b->w->observations;
	dw_check(b->w);
	b->p->observations = b->w->observations;
}

void bb_named(struct blkback *b, uint32_t ref)
{
	dw_named(b->w, ref);
	ds_named(b->st, ref);
}

void bb_peek_ring(struct blkback *b)
{
	if (!b->connected)
		return;
	RING_IDX rp = b->br.sring->req_prod;
	xen_rmb();
	if (rp - b->br.req_cons > RING_SIZE(&b->br))
		return;
	for (RING_IDX i = b->br.req_cons; i != rp; i++) {
		blkif_request_t req;
		blkif_abi_get_request(b->abi, b->br.sring, RING_SIZE(&b->br), i, &req);
		if (req.operation == BLKIF_OP_INDIRECT) {
			blkif_request_indirect_t *ri = (blkif_request_indirect_t *)&req;
			for (unsigned k = 0; k < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST && k * 512 < ri->nr_segments; k++) {
				bb_named(b, ri->indirect_grefs[k]);
				const struct blkif_request_segment *g = xengnttab_map_grant_ref(b->p->xgt, b->xb.target,
												 ri->indirect_grefs[k], PROT_READ);
				if (!g)
					continue;
				for (unsigned j = 0; j < 512 && k * 512 + j < ri->nr_segments; j++)
					bb_named(b, g[j].gref);
				xengnttab_unmap(b->p->xgt, (void *)g, 1);
			}
		} else if (req.nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
			for (unsigned j = 0; j < req.nr_segments; j++)
				bb_named(b, req.seg[j].gref);
		}
	}
}

/* --- the run --- */

/* stale-map's maps: straight through libxengnttab (they are not requests' maps) */
static void *stale_map(void *ctx, uint32_t ref, int rw)
{
	struct blkback *b = ctx;
	return xengnttab_map_grant_ref(b->p->xgt, b->xb.target, ref, rw ? PROT_READ | PROT_WRITE : PROT_READ);
}

static int stale_holds(void *ctx, uint32_t ref)
{
	struct blkback *b = ctx;
	for (int m = 0; m < BB_MAX_MAPS; m++)
		if (b->maps[m].in_use && b->maps[m].ref == ref)
			return 1;
	return 0;
}

static void stale_unmap(void *ctx, void *addr)
{
	struct blkback *b = ctx;
	xengnttab_unmap(b->p->xgt, addr, 1);
}

/* A frontend may use the disk from Initialised and never write Connected */
static int stale_connected(void *ctx)
{
	struct blkback *b = ctx;
	int fe = dev_xb_fe_state(&b->xb);
	return b->connected && (fe == XenbusStateConnected || fe == XenbusStateInitialised);
}

static int open_image(struct blkback *b)
{
	if (b->o->image) {
		b->fd = open(b->o->image, O_RDWR);
		if (b->fd < 0) {
			fprintf(stderr, "peer: --image %s: %s\n", b->o->image, strerror(errno));
			return -1;
		}
	} else {
		snprintf(b->tmp_image, sizeof(b->tmp_image), "/tmp/gntfuzz-vbd-XXXXXX");
		b->fd = mkstemp(b->tmp_image);
		if (b->fd < 0 || ftruncate(b->fd, (off_t)DEFAULT_IMAGE_BYTES)) {
			fprintf(stderr, "peer: cannot create a temporary disk image in /tmp: %s\n", strerror(errno));
			return -1;
		}
		unlink(b->tmp_image); /* gone with the last fd, however the peer ends */
	}
	off_t size = lseek(b->fd, 0, SEEK_END);
	if (size < (off_t)BB_SECTOR) {
		fprintf(stderr, "peer: --image %s: smaller than one sector\n", b->o->image);
		return -1;
	}
	b->sectors = (uint64_t)size / BB_SECTOR;
	return 0;
}

/* The end while the frontend is still up: Closing, as a backend going away does, and a short
 * wait for the frontend to close (it gives its pages back while we still map them: the oracle
 * watches on). A frontend that stops at Closing (an old Linux blkfront whose disk is in use) has
 * let go once it sat there DEV_CLOSING_SETTLE_S. */
static void close_frontend(struct blkback *b)
{
	int fe = dev_xb_fe_state(&b->xb);
	if (fe < 0 || fe == XenbusStateClosed || !b->connects)
		return;
	dev_xb_set_state(&b->xb, XenbusStateClosing);
	double end = dev_now() + 2, closing_since = 0;
	while (dev_now() < end) {
		fe = dev_xb_fe_state(&b->xb);
		if (fe != XenbusStateClosing)
			closing_since = 0;
		else if (!closing_since)
			closing_since = dev_now();
		if (fe < 0 || fe == XenbusStateClosed || (closing_since && dev_now() - closing_since >= DEV_CLOSING_SETTLE_S))
			break;
		bb_serve_closing(b);
		dw_check(b->w);
		dev_sleep_ms(5);
	}
	dev_xb_set_state(&b->xb, XenbusStateClosed);
}

static void finish(struct blkback *b)
{
	ds_reset(b->st);     /* unjudged: the frontend is leaving */
	bb_peek_ring(b);     /* requests on their way excuse what their pages show */
	dw_check(b->w);
	dw_finish(b->w);
	b->p->observations = b->w->observations;
	for (int m = 0; m < BB_MAX_MAPS; m++)
		bb_unmap(b, m);
	dev_xb_unbind(&b->xb);
	dev_xb_unmap_ring(&b->xb, &b->ring);
	for (unsigned i = 0; i < b->nold; i++)
		dev_xb_unmap_ring(&b->xb, &b->old_rings[i]);
	b->nold = 0;
}

int peer_run_vbd(struct peer *p, const struct dev_opts *o)
{
	static struct blkback b;
	static struct dev_watch w;
	static struct dev_stale st;
	memset(&b, 0, sizeof(b));
	b.p = p;
	b.o = o;
	b.fd = -1;
	b.w = &w;
	b.st = &st;
	b.strategy = -1;
	for (int i = 0; peer_vbd_strategies[i]; i++)
		if (!strcmp(peer_vbd_strategies[i], o->strategy))
			b.strategy = i;
	if (b.strategy < 0) {
		fprintf(stderr, "peer: --device vbd: unknown strategy %s\n", o->strategy);
		return 2;
	}
	b.max_indirect = BB_MAX_INDIRECT;
	p->duration = o->duration;
	dw_init(&w, "vbd", DW_GRACE_S, clock_now, NULL, stdout);
	const struct ds_ops sops = { .ctx = &b, .map = stale_map, .unmap = stale_unmap, .connected = stale_connected,
				     .holds = stale_holds };
	ds_init(&st, "vbd", &w, &sops, stdout);
	if (open_image(&b))
		return 1;
	dev_xb_init(&b.xb, p->xgt, p->xce, p->xsh, p->self, p->target, "vbd", o->devid);
	char vdev[16], name[16];
	snprintf(vdev, sizeof(vdev), "%u", o->devid);
	bb_vdev_name(o->devid, name, sizeof(name));
	/* the keys libxl writes for a disk (libxl_disk.c): a frontend may name its disk after `dev` */
	const char *fe_kv[] = { "virtual-device", vdev, "device-type", "disk", NULL };
	const char *be_kv[] = { "params", o->image ? o->image : b.tmp_image, "type", "phy", "mode", "w",
				"device-type", "disk", "removable", "0", "bootable", "1", "dev", name,
				"discard-enable", "0", NULL };
	int rc = o->attach_existing ? dev_xb_attach_existing(&b.xb) : dev_xb_create(&b.xb, fe_kv, be_kv);
	if (rc == 0)
		rc = bb_serve(&b);
	if (rc == 0)
		close_frontend(&b);
	finish(&b);
	int fe = dev_xb_fe_state(&b.xb);
	dev_xb_remove(&b.xb);
	if (b.fd >= 0)
		close(b.fd);
	if (rc < 0)
		return 1;
	printf("peer: verdict device=vbd strategy=%s target=%u devid=%u requests=%llu responses=%llu maps=%llu "
	       "map_failures=%llu held=%llu watched=%llu excused=%llu connects=%llu bad_requests=%llu events=%llu "
	       "observations=%llu exposed=%llu stale_tries=%llu stale_maps=%llu stale_excused=%llu stale=%llu frontend=%s "
	       "protocol=%s result=%s\n",
	       o->strategy, p->target, o->devid, (unsigned long long)b.requests, (unsigned long long)b.responses,
	       (unsigned long long)b.maps_ok, (unsigned long long)b.maps_failed, (unsigned long long)b.held,
	       (unsigned long long)w.watched, (unsigned long long)w.excused, (unsigned long long)b.connects,
	       (unsigned long long)b.bad_requests, (unsigned long long)b.xb.events_sent,
	       (unsigned long long)w.observations, (unsigned long long)w.exposed, (unsigned long long)st.tries,
	       (unsigned long long)(st.hits_rw + st.hits_ro), (unsigned long long)st.excused, (unsigned long long)st.reports,
	       dev_xb_state_name(fe), b.protocol[0] ? b.protocol : "-",
	       w.observations ? "caught" : "held");
	return w.observations ? 3 : 0;
}
