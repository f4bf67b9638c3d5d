/* dw_netif.c - the device world's netif side (Debian's xen/io/netif.h): the features a vif
 * backend offers, reading tx requests (a frame's slots, mapped read-only: the backend reads them)
 * and rx requests (buffers, mapped read-write: the backend fills them), and responses with
 * whatever id, status, offset and flags the scenario says. */
#include <string.h>
#include "devworld/devworld.h"

void dw_netif_initwait(struct devworld *d)
{
	struct dw_xs *xs = &d->xs;
	dw_xs_write_u(xs, d->be_dir, "feature-rx-copy", 1);
	dw_xs_write_u(xs, d->be_dir, "feature-sg", !!(d->offer & DW_OFFER_PERSISTENT));
	dw_xs_write_u(xs, d->be_dir, "feature-split-event-channels", !!(d->offer & DW_OFFER_INDIRECT));
}

int dw_netif_take(struct world *w, struct devworld *d, unsigned ring, struct dw_req *r)
{
	if (ring == 0) {
		netif_tx_back_ring_t *tx = &d->ring[0].r.tx;
		RING_IDX rp = *(volatile RING_IDX *)&tx->sring->req_prod;
		if (tx->req_cons == rp || RING_REQUEST_CONS_OVERFLOW(tx, tx->req_cons))
			return -1;
		netif_tx_request_t req;
		RING_COPY_REQUEST(tx, tx->req_cons, &req);
		tx->req_cons++;
		if (req.flags & NETTXF_extra_info && tx->req_cons != rp)
			tx->req_cons++; /* the extra-info slot that follows carries no grant */
		r->id = req.id;
		r->size = req.size;
		r->offset = req.offset;
		r->gref[0] = req.gref;
		r->ro[0] = 1;
		r->ngref = 1;
		r->held[0] = world_peer_map(w, req.gref, 1, NULL) >= 0;
		return 0;
	}
	netif_rx_back_ring_t *rx = &d->ring[1].r.rx;
	RING_IDX rp = *(volatile RING_IDX *)&rx->sring->req_prod;
	if (rx->req_cons == rp || RING_REQUEST_CONS_OVERFLOW(rx, rx->req_cons))
		return -1;
	netif_rx_request_t req;
	RING_COPY_REQUEST(rx, rx->req_cons, &req);
	rx->req_cons++;
	r->id = req.id;
	r->gref[0] = req.gref;
	r->ngref = 1;
	r->held[0] = world_peer_map(w, req.gref, 0, NULL) >= 0;
	return 0;
}

void dw_netif_respond(struct world *w, struct devworld *d, unsigned ring, struct dw_req *r, uint64_t id,
		      int16_t status)
{
	if (ring == 0) {
		netif_tx_back_ring_t *tx = &d->ring[0].r.tx;
		netif_tx_response_t *rsp = RING_GET_RESPONSE(tx, tx->rsp_prod_pvt);
		rsp->id = (uint16_t)id;
		rsp->status = status;
		tx->rsp_prod_pvt++;
		RING_PUSH_RESPONSES(tx);
		return;
	}
	netif_rx_back_ring_t *rx = &d->ring[1].r.rx;
	netif_rx_response_t *rsp = RING_GET_RESPONSE(rx, rx->rsp_prod_pvt);
	uint16_t off = d->shape_a >= 0 ? (uint16_t)d->shape_a : 0;
	/* a frame's worth of bytes into the buffer, through the backend's own map, as a copy would */
	uint8_t *page = r && r->held[0] ? world_peer_mem(w, r->gref[0]) : NULL;
	if (page && status > 0 && off < DW_PAGE)
		memset(page + off, 0xa5, (size_t)status < DW_PAGE - off ? (size_t)status : DW_PAGE - off);
	rsp->id = (uint16_t)id;
	rsp->offset = off;
	rsp->flags = d->shape_b >= 0 ? (uint16_t)d->shape_b : 0;
	rsp->status = status;
	rx->rsp_prod_pvt++;
	RING_PUSH_RESPONSES(rx);
}
