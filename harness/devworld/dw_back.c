/* dw_back.c - the device world's backend, protocol-neutral: the handshake (InitWait with the
 * offered features, mapping the frontend's rings and binding its channels, Connected), the
 * requests it took off the rings with the maps it holds of their grants, responses, events. The
 * blkif and netif specifics are in dw_blkif.c and dw_netif.c. Every map goes through the world's
 * peer functions, so the oracle sees the backend as it sees `peer ...` steps. */
#include <stdio.h>
#include <string.h>
#include "devworld/devworld.h"

unsigned dw_rings(const struct devworld *d)
{
	return d->device == SCN_DEV_VIF ? 2 : 1;
}

void dw_back_initwait(struct world *w, struct devworld *d)
{
	if (d->device == SCN_DEV_VIF)
		dw_netif_initwait(d);
	else
		dw_blkif_initwait(d);
	dw_xs_write_u(&d->xs, d->be_dir, "state", d->state = XenbusStateInitWait);
	world_log(w, "  device: backend InitWait, offers 0x%x", d->offer);
}

/* Map the pages of one ring (contiguous in the frontend, as its ring is one object). */
static int map_ring(struct world *w, struct devworld *d, struct dw_ring *r, const grant_ref_t *refs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int16_t st = 0;
		if (world_peer_map(w, refs[i], 0, &st) < 0) {
			world_log(w, "  device: ring page r%u not mapped (GNTST %d)", refs[i], st);
			while (i--)
				world_peer_unmap(w, refs[i]);
			return -1;
		}
		r->ref[i] = refs[i];
	}
	uint8_t *base = world_peer_mem(w, refs[0]);
	for (unsigned i = 1; i < n; i++)
		if (world_peer_mem(w, refs[i]) != base + (size_t)i * DW_PAGE) {
			world_log(w, "  device: ring pages not contiguous");
			for (unsigned k = 0; k < n; k++)
				world_peer_unmap(w, refs[k]);
			return -1;
		}
	r->npages = n;
	r->sring = base;
	r->mapped = 1;
	return 0;
}

static int bind(struct world *w, struct devworld *d, unsigned i, uint64_t fe_port)
{
	evtchn_port_t local;
	if (xsim_evtchn_bind_interdomain(&w->sim, WORLD_PEER_DOM, WORLD_TARGET_DOM, (evtchn_port_t)fe_port, &local))
		return -1;
	d->port[i] = local;
	d->fe_port[i] = (evtchn_port_t)fe_port;
	return 0;
}

/* Read what the frontend published and attach to it. A reconnect maps the new rings; the old
 * ones stay mapped (a hostile backend keeps them) until unmap-all. On failure no ring counts as
 * attached (a half-attached one would have no ring state). */
static int attach(struct world *w, struct devworld *d);

int dw_back_map_rings(struct world *w, struct devworld *d)
{
	int rc = attach(w, d);
	if (rc)
		for (unsigned i = 0; i < DW_RINGS; i++)
			d->ring[i].mapped = 0;
	else
		d->attached = 1;
	return rc;
}

static int attach(struct world *w, struct devworld *d)
{
	uint64_t v, port, port2;
	grant_ref_t refs[DW_RING_PAGES];
	memset(d->ring, 0, sizeof d->ring);
	memset(d->port, 0, sizeof d->port);
	if (d->device == SCN_DEV_VBD) {
		unsigned order = 0, n;
		if (!dw_xs_read_u(&d->xs, d->fe_dir, "ring-page-order", 16, &v))
			order = (unsigned)v;
		if (order > 2)
			return -1;
		n = 1u << order;
		for (unsigned i = 0; i < n; i++) {
			char key[16];
			snprintf(key, sizeof key, order ? "ring-ref%u" : "ring-ref", i);
			if (dw_xs_read_u(&d->xs, d->fe_dir, key, UINT32_MAX, &v))
				return -1;
			refs[i] = (grant_ref_t)v;
		}
		if (dw_xs_read_u(&d->xs, d->fe_dir, "event-channel", UINT32_MAX, &port) ||
		    map_ring(w, d, &d->ring[0], refs, n))
			return -1;
		BACK_RING_INIT(&d->ring[0].r.blk, (blkif_sring_t *)d->ring[0].sring, n * DW_PAGE);
		return bind(w, d, 0, port);
	}
	if (dw_xs_read_u(&d->xs, d->fe_dir, "tx-ring-ref", UINT32_MAX, &v))
		return -1;
	refs[0] = (grant_ref_t)v;
	if (dw_xs_read_u(&d->xs, d->fe_dir, "rx-ring-ref", UINT32_MAX, &v))
		return -1;
	refs[1] = (grant_ref_t)v;
	int split = !dw_xs_read_u(&d->xs, d->fe_dir, "event-channel-tx", UINT32_MAX, &port) &&
		    !dw_xs_read_u(&d->xs, d->fe_dir, "event-channel-rx", UINT32_MAX, &port2);
	if (!split && dw_xs_read_u(&d->xs, d->fe_dir, "event-channel", UINT32_MAX, &port))
		return -1;
	if (map_ring(w, d, &d->ring[0], &refs[0], 1))
		return -1;
	if (map_ring(w, d, &d->ring[1], &refs[1], 1))
		return -1;
	BACK_RING_INIT(&d->ring[0].r.tx, (netif_tx_sring_t *)d->ring[0].sring, DW_PAGE);
	BACK_RING_INIT(&d->ring[1].r.rx, (netif_rx_sring_t *)d->ring[1].sring, DW_PAGE);
	if (bind(w, d, 0, port))
		return -1;
	if (!split) {
		d->port[1] = d->port[0];
		return 0;
	}
	return bind(w, d, 1, port2);
}

void dw_back_unmap_all(struct world *w, struct devworld *d, int rings_too)
{
	for (unsigned i = 0; i < d->nreq; i++)
		dw_back_release(w, &d->req[i]);
	if (!rings_too)
		return;
	world_peer_unmap_all(w); /* old rings of earlier connections too: the backend is the only peer */
	for (unsigned i = 0; i < DW_RINGS; i++) {
		if (d->port[i] && (i == 0 || d->port[i] != d->port[0]))
			xsim_evtchn_close(&w->sim, WORLD_PEER_DOM, d->port[i]);
		d->port[i] = 0;
		d->ring[i].mapped = 0;
	}
}

void dw_back_release(struct world *w, struct dw_req *r)
{
	for (unsigned g = 0; g < r->ngref; g++)
		for (; r->held[g]; r->held[g]--)
			world_peer_unmap(w, r->gref[g]);
}

/* Take the next request off ring `ring`, map its grants as a backend would, and keep it. */
struct dw_req *dw_back_take(struct world *w, struct devworld *d, unsigned ring)
{
	if (!d->ring[ring].mapped) {
		dw_refuse(w, "the backend has not mapped that ring (device connect)");
		return NULL;
	}
	if (d->nreq == DW_MAX_REQS) { /* the oldest goes, its maps released */
		dw_back_release(w, &d->req[0]);
		memmove(&d->req[0], &d->req[1], (DW_MAX_REQS - 1) * sizeof d->req[0]);
		d->nreq--;
	}
	struct dw_req *r = &d->req[d->nreq];
	memset(r, 0, sizeof *r);
	r->ring = (uint8_t)ring;
	int ok = d->device == SCN_DEV_VBD ? dw_blkif_take(w, d, r) : dw_netif_take(w, d, ring, r);
	if (ok) {
		dw_refuse(w, "no request on that ring");
		return NULL;
	}
	d->nreq++;
	return r;
}

/* The nth most recent request taken from `ring` (0 the newest), or the oldest unanswered one. */
struct dw_req *dw_back_nth(struct devworld *d, unsigned ring, unsigned nth, int unanswered)
{
	if (unanswered) {
		for (unsigned i = 0; i < d->nreq; i++)
			if (d->req[i].ring == ring && !d->req[i].answered)
				return &d->req[i];
		return NULL;
	}
	for (unsigned i = d->nreq; i-- > 0;)
		if (d->req[i].ring == ring && !nth--)
			return &d->req[i];
	return NULL;
}

void dw_back_notify(struct world *w, struct devworld *d, unsigned ring)
{
	if (d->port[ring])
		xsim_evtchn_send(&w->sim, WORLD_PEER_DOM, d->port[ring]);
}

void dw_back_respond(struct world *w, struct devworld *d, unsigned ring, struct dw_req *r, uint64_t id,
		     int16_t status)
{
	if (!d->ring[ring].mapped)
		return dw_refuse(w, "the backend has not mapped that ring (device connect)");
	if (r) {
		id = r->id;
		r->answered = 1;
		for (unsigned g = 0; g < r->ngref; g++) { /* a "done" while still mapping: forged */
			struct world_peer_map *m = r->held[g] ? world_peer_find(w, r->gref[g]) : NULL;
			if (m)
				oracle_done(&w->oracle, r->gref[g], m->frame);
		}
	}
	if (d->device == SCN_DEV_VBD)
		dw_blkif_respond(d, id, r ? r->op : BLKIF_OP_READ, status);
	else
		dw_netif_respond(w, d, ring, r, id, status);
	d->shape_a = d->shape_b = -1;
	world_log(w, "  device: response on ring %u: id %llu status %d%s", ring, (unsigned long long)id, status,
		  r ? "" : " (not a request the backend took)");
	dw_back_notify(w, d, ring);
}
