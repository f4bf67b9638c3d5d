/* dw_blkif.c - the device world's blkif side (Debian's xen/io/blkif.h): the features a vbd
 * backend offers, reading a request (direct or indirect segments) and mapping its grants as
 * blkback does (data it reads, a write's, read-only; data it fills, a read's, read-write), and
 * writing a response with whatever id, operation and status the scenario says. */
#include <string.h>
#include "devworld/devworld.h"

#define DW_SECTORS 4096u         /* more than the frontend's slots address */

void dw_blkif_initwait(struct devworld *d)
{
	struct dw_xs *xs = &d->xs;
	dw_xs_write_u(xs, d->be_dir, "max-ring-page-order", (d->offer >> DW_OFFER_ORDER_SHIFT) & 3);
	dw_xs_write_u(xs, d->be_dir, "feature-persistent", !!(d->offer & DW_OFFER_PERSISTENT));
	if (d->offer & DW_OFFER_INDIRECT)
		dw_xs_write_u(xs, d->be_dir, "feature-max-indirect-segments", 16);
	dw_xs_write_u(xs, d->be_dir, "feature-flush-cache", !!(d->offer & DW_OFFER_FLUSH));
	dw_xs_write_u(xs, d->be_dir, "sectors", DW_SECTORS);
	dw_xs_write_u(xs, d->be_dir, "sector-size", 512);
	dw_xs_write_u(xs, d->be_dir, "info", 0);
}

static void add_gref(struct world *w, struct dw_req *r, grant_ref_t gref, int ro)
{
	if (r->ngref == DW_MAX_GREFS)
		return;
	unsigned g = r->ngref++;
	r->gref[g] = gref;
	r->ro[g] = (uint8_t)ro;
	r->held[g] = world_peer_map(w, gref, ro, NULL) >= 0;
}

int dw_blkif_take(struct world *w, struct devworld *d, struct dw_req *r)
{
	blkif_back_ring_t *ring = &d->ring[0].r.blk;
	RING_IDX rp = *(volatile RING_IDX *)&ring->sring->req_prod;
	if (ring->req_cons == rp || RING_REQUEST_CONS_OVERFLOW(ring, ring->req_cons))
		return -1;
	blkif_request_t req;
	RING_COPY_REQUEST(ring, ring->req_cons, &req);
	ring->req_cons++;
	r->id = req.id;
	r->op = req.operation;
	if (req.operation == BLKIF_OP_INDIRECT) {
		blkif_request_indirect_t *ind = (blkif_request_indirect_t *)&req;
		unsigned nseg = ind->nr_segments, npages = (nseg + DW_PAGE / sizeof(struct blkif_request_segment) - 1) / (DW_PAGE / sizeof(struct blkif_request_segment));
		int ro = ind->indirect_op == BLKIF_OP_WRITE;
		r->id = ind->id;
		if (npages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
			npages = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST;
		for (unsigned p = 0; p < npages; p++) {
			unsigned first = r->ngref;
			if (first == DW_MAX_GREFS)
				break; /* as many grants as a request keeps: the rest stay unmapped */
			add_gref(w, r, ind->indirect_grefs[p], 1);
			struct blkif_request_segment *seg =
				r->held[first] ? (struct blkif_request_segment *)world_peer_mem(w, ind->indirect_grefs[p]) : NULL;
			for (unsigned s = 0; seg && s < DW_PAGE / sizeof *seg && p * (DW_PAGE / sizeof *seg) + s < nseg; s++)
				add_gref(w, r, seg[s].gref, ro);
		}
		return 0;
	}
	unsigned nseg = req.nr_segments;
	if (req.operation != BLKIF_OP_READ && req.operation != BLKIF_OP_WRITE)
		nseg = 0; /* flush, barrier, discard: no data */
	if (nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		nseg = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	for (unsigned s = 0; s < nseg; s++)
		add_gref(w, r, req.seg[s].gref, req.operation == BLKIF_OP_WRITE);
	return 0;
}

void dw_blkif_respond(struct devworld *d, uint64_t id, uint8_t op, int16_t status)
{
	blkif_back_ring_t *ring = &d->ring[0].r.blk;
	blkif_response_t *rsp = RING_GET_RESPONSE(ring, ring->rsp_prod_pvt);
	rsp->id = id;
	rsp->operation = d->shape_a >= 0 ? (uint8_t)d->shape_a : op;
	rsp->status = status;
	ring->rsp_prod_pvt++;
	RING_PUSH_RESPONSES(ring);
}
