/* dw_steps.c - the `device ...` step handlers (devworld/ops.def): the malicious backend's moves,
 * each followed by one frontend turn (but `device map`, which may run inside the frontend's grant
 * calls). A step that cannot act (no ring yet, no request) is logged and counted, never an error:
 * fuzzers produce such steps all the time. In a world without a device every one is skipped. */
#include "devworld/devworld.h"

#define LIE_EVENTS_MAX 16u

int world_device_idle(struct world *w)
{
	struct devworld *d = devworld_of(w);
	return d->refused && !d->attached;
}

/* The device world of this run, or NULL (logged) when the scenario has none. */
static struct devworld *dev(struct world *w)
{
	if (!devworld_active(w)) {
		world_log(w, "  device: step skipped: no device in this scenario (config ... device vbd|vif)");
		return NULL;
	}
	return devworld_of(w);
}

static unsigned ring_arg(const struct devworld *d, uint32_t q)
{
	return q % dw_rings(d);
}

void step_device_offer(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	d->offer = s->arg[0] & DW_OFFER_ALL;
	dw_turn(d);
}

void step_device_state(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	if (s->arg[0] == XenbusStateInitWait)
		dw_back_initwait(w, d); /* with the features an InitWait comes with */
	else
		dw_xs_write_u(&d->xs, d->be_dir, "state", s->arg[0]);
	d->state = (uint8_t)s->arg[0];
	world_log(w, "  device: backend state %u", s->arg[0]);
	dw_turn(d);
}

/* The honest handshake from wherever it is: InitWait (the frontend gets turns to publish its
 * rings), map them, bind the channels, Connected. */
void step_device_connect(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	(void)s;
	if (!d)
		return;
	dw_turn(d); /* the frontend first finds its device */
	if (d->state != XenbusStateInitWait)
		dw_back_initwait(w, d);
	uint64_t fe = 0;
	for (unsigned i = 0; i < 8 && !w->stopped; i++) {
		dw_turn(d);
		if (!dw_xs_read_u(&d->xs, d->fe_dir, "state", 16, &fe) &&
		    (fe == XenbusStateInitialised || fe == XenbusStateConnected))
			break;
	}
	if (w->stopped)
		return;
	if (fe != XenbusStateInitialised && fe != XenbusStateConnected)
		return dw_refuse(w, "the frontend did not publish its rings");
	if (dw_back_map_rings(w, d))
		return dw_refuse(w, "cannot map the frontend's rings or bind its channel");
	dw_xs_write_u(&d->xs, d->be_dir, "state", d->state = XenbusStateConnected);
	world_log(w, "  device: backend Connected");
	dw_turns(d, 2);
}

void step_device_take(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	struct dw_req *r = dw_back_take(w, d, ring_arg(d, s->arg[0]));
	if (r)
		world_log(w, "  device: took request id %llu op %u, %u grant(s)", (unsigned long long)r->id, r->op, r->ngref);
	dw_turn(d);
}

static void answer(struct world *w, const struct scn_step *s, int forged)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	unsigned q = ring_arg(d, s->arg[0]);
	struct dw_req *r = dw_back_nth(d, q, 0, 1);
	if (!r) {
		dw_refuse(w, "no open request on that ring (device take)");
	} else {
		if (!forged)
			dw_back_release(w, r);
		dw_back_respond(w, d, q, r, 0, (int16_t)s->arg[1]);
	}
	dw_turn(d);
}

void step_device_respond(struct world *w, const struct scn_step *s)
{
	answer(w, s, 0);
}

void step_device_forge(struct world *w, const struct scn_step *s)
{
	answer(w, s, 1);
}

void step_device_respond_id(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	dw_back_respond(w, d, ring_arg(d, s->arg[0]), NULL, s->arg[1], (int16_t)s->arg[2]);
	dw_turn(d);
}

void step_device_shape(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	d->shape_a = (int32_t)s->arg[0];
	d->shape_b = (int32_t)s->arg[1];
	dw_turn(d);
}

/* A hypercall-level move: no frontend turn (it may run inside one). Maps the request's grants
 * again, as it named them: after the frontend ended them a correct library refuses. */
void step_device_map(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	struct dw_req *r = dw_back_nth(d, ring_arg(d, s->arg[0]), s->arg[1], 0);
	if (!r)
		return dw_refuse(w, "the backend took no such request");
	for (unsigned g = 0; g < r->ngref; g++)
		if (r->held[g] < UINT8_MAX && world_peer_map(w, r->gref[g], r->ro[g], NULL) >= 0)
			r->held[g]++;
}

void step_device_unmap(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	struct dw_req *r = dw_back_nth(d, ring_arg(d, s->arg[0]), s->arg[1], 0);
	if (r)
		dw_back_release(w, r);
	else
		dw_refuse(w, "the backend took no such request");
	dw_turn(d);
}

/* Through the backend's map, as `peer read/write` do: the oracle judges reused memory. */
static void through_map(struct world *w, const struct scn_step *s, int write)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	struct dw_req *r = dw_back_nth(d, ring_arg(d, s->arg[0]), s->arg[1], 0);
	unsigned g = 0;
	while (r && g < r->ngref && !r->held[g])
		g++;
	if (!r || g == r->ngref) {
		dw_refuse(w, "no map held of that request");
	} else {
		struct scn_step peer = { .op = write ? SCN_OP_PEER_write : SCN_OP_PEER_read };
		peer.arg[0] = r->gref[g];
		if (write)
			step_peer_write(w, &peer);
		else
			step_peer_read(w, &peer);
	}
	dw_turn(d);
}

void step_device_write(struct world *w, const struct scn_step *s)
{
	through_map(w, s, 1);
}

void step_device_read(struct world *w, const struct scn_step *s)
{
	through_map(w, s, 0);
}

void step_device_notify(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	dw_back_notify(w, d, ring_arg(d, s->arg[0]));
	dw_turn(d);
}

void step_device_flood(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	unsigned n = s->arg[0] < LIE_EVENTS_MAX ? s->arg[0] : LIE_EVENTS_MAX;
	for (unsigned i = 0; i < n && !w->stopped; i++) {
		dw_back_notify(w, d, i % dw_rings(d));
		dw_turn(d);
	}
}

void step_device_prod(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (!d)
		return;
	unsigned q = ring_arg(d, s->arg[0]);
	if (!d->ring[q].mapped)
		return dw_refuse(w, "the backend has not mapped that ring (device connect)");
	/* every back ring's shared part starts with req_prod, req_event, rsp_prod */
	volatile RING_IDX *rsp_prod = &((blkif_sring_t *)d->ring[q].sring)->rsp_prod;
	*rsp_prod += s->arg[1];
	world_log(w, "  device: ring %u rsp_prod moved by %u", q, s->arg[1]);
	dw_back_notify(w, d, q);
	dw_turn(d);
}

void step_device_idle(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	if (d)
		dw_turns(d, s->arg[0] < DW_TURNS_MAX ? s->arg[0] + 1 : DW_TURNS_MAX);
}

void step_device_unmap_all(struct world *w, const struct scn_step *s)
{
	struct devworld *d = dev(w);
	(void)s;
	if (!d)
		return;
	dw_back_unmap_all(w, d, 1);
	world_log(w, "  device: unmapped everything");
	dw_turn(d);
}
