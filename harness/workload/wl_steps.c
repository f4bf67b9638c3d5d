/* wl_steps.c - the workload world: the frontend as the target domain's driver, a malicious backend
 * as the peer, and the `frontend ...` / `backend ...` step handlers of workload/ops.def.
 *
 * Everything the frontend does to pages, grants and the library goes through the world's
 * functions (world_alloc_page, world_share, world_unshare, ...) and every backend map through the
 * world's peer map functions, so the oracle sees the workload exactly as it sees plain scenarios.
 * A step that cannot run (nothing to map, not connected, unknown id) is logged and counted, never
 * an error: fuzzers produce such steps all the time.
 */
#include <string.h>
#include "world/world.h"
#include "workload/workload.h"

/* ---- the frontend's environment: the world's target domain ---- */

static int op_xs_write(void *ctx, const char *path, const char *value)
{
	struct world *w = ctx;

	return wl_xs_write(&workload_of(w)->xs, path, value);
}

static int op_xs_read(void *ctx, const char *path, char *buf, unsigned size)
{
	struct world *w = ctx;

	return wl_xs_read(&workload_of(w)->xs, path, buf, size);
}

static struct workload the_workload; /* one world per process: fuzzers and gntworld alike */

struct workload *workload_of(struct world *w)
{
	struct workload *wl = &the_workload;

	if (wl->run != w->run) {
		wl->run = w->run;
		wl->active = 0;
	}
	return wl;
}

/* Set the workload up on its first step of a run (keeps workload_reset O(1) for fuzzers). */
static struct workload *wl_get(struct world *w)
{
	struct workload *wl = workload_of(w);

	if (wl->active)
		return wl;
	world_fe_ops(w, &wl->ops);
	wl->ops.xs_write = op_xs_write;
	wl->ops.xs_read = op_xs_read;
	wl_xs_reset(&wl->xs);
	memset(&wl->be, 0, sizeof(wl->be));
	wl->be.last_responded = -1;
	wl_xs_write(&wl->xs, WL_BE_PATH "/" WL_XS_STATE, "2"); /* XenbusStateInitWait */
	fe_init(&wl->fe, &wl->ops, WORLD_PEER_DOM, WL_FE_PATH, WL_BE_PATH);
	wl->active = 1;
	return wl;
}

static void refuse(struct world *w, const char *why)
{
	workload_of(w)->be.refused++;
	world_log(w, "  workload: step skipped: %s", why);
}

/* ---- frontend steps ---- */

void step_frontend_connect(struct world *w, const struct scn_step *s)
{
	int rc = fe_connect(&wl_get(w)->fe);

	world_log(w, "  frontend connect: rc %d ring-ref %u port %u", rc, workload_of(w)->fe.ring_ref,
		  workload_of(w)->fe.port);
}

void step_frontend_send(struct world *w, const struct scn_step *s)
{
	struct frontend *fe = &wl_get(w)->fe;
	uint16_t id = 0;
	int rc = fe_send(fe, &id);

	world_log(w, "  frontend send: rc %d id %u", rc, rc ? 0u : id);
}

void step_frontend_send_ro(struct world *w, const struct scn_step *s)
{
	struct frontend *fe = &wl_get(w)->fe;
	uint16_t id = 0;
	int rc = fe_send_op(fe, WL_OP_READ, &id);

	world_log(w, "  frontend send-ro: rc %d id %u", rc, rc ? 0u : id);
}

void step_frontend_poll(struct world *w, const struct scn_step *s)
{
	unsigned n = fe_poll(&wl_get(w)->fe);

	world_log(w, "  frontend poll: %u responses", n);
}

void step_frontend_tick(struct world *w, const struct scn_step *s)
{
	unsigned n = fe_tick(&wl_get(w)->fe);

	world_log(w, "  frontend tick: %u reclaimed", n);
}

/* ---- backend steps: the peer (domain 0) as a malicious backend ---- */

static int xs_read_num(struct workload *wl, const char *key, uint64_t max, uint64_t *v)
{
	char path[WL_XS_PATH_MAX], val[WL_XS_VALUE_MAX];

	snprintf(path, sizeof(path), "%s/%s", WL_FE_PATH, key);
	if (wl_xs_read(&wl->xs, path, val, sizeof(val)))
		return -1;
	return fe_atou(val, max, v);
}

/* Publish the backend's state and fire the frontend's watch on it. */
static void backend_state(struct world *w, enum xenbus_state st)
{
	char val[4];

	snprintf(val, sizeof(val), "%u", (unsigned)st);
	wl_xs_write(&workload_of(w)->xs, WL_BE_PATH "/" WL_XS_STATE, val);
	fe_otherend_changed(&workload_of(w)->fe);
}

void step_backend_connect(struct world *w, const struct scn_step *s)
{
	struct workload *wl = wl_get(w);
	struct wl_backend *be = &wl->be;
	uint64_t gref, port;
	evtchn_port_t local;
	uint8_t *mem;
	int16_t st = 0;
	int rc;

	if (be->connected)
		return refuse(w, "backend already connected");
	if (xs_read_num(wl, WL_XS_RING_REF, UINT32_MAX, &gref) ||
	    xs_read_num(wl, WL_XS_EVTCHN, UINT32_MAX, &port))
		return refuse(w, "frontend has not published ring-ref and event-channel");
	if (world_peer_map(w, (grant_ref_t)gref, 0, &st) < 0) {
		world_log(w, "  backend connect: ring map failed (GNTST %d)", st);
		return refuse(w, "cannot map the ring");
	}
	mem = world_peer_mem(w, (grant_ref_t)gref);
	rc = xsim_evtchn_bind_interdomain(&w->sim, WORLD_PEER_DOM, WORLD_TARGET_DOM,
					  (evtchn_port_t)port, &local);
	if (!mem || rc) {
		world_peer_unmap(w, (grant_ref_t)gref);
		return refuse(w, "cannot bind the event channel");
	}
	be->ring_gref = (grant_ref_t)gref;
	be->port = local;
	BACK_RING_INIT(&be->ring, (wl_sring_t *)mem, WL_PAGE_SIZE);
	be->connected = 1;
	world_log(w, "  backend connect: ring r%u mapped, port %u bound", be->ring_gref, local);
	backend_state(w, XenbusStateConnected);
}

void step_backend_map_req(struct world *w, const struct scn_step *s)
{
	struct wl_backend *be = &wl_get(w)->be;
	struct wl_request req;
	struct wl_be_req *r;
	RING_IDX rp;
	int16_t st = 0;

	if (!be->connected)
		return refuse(w, "backend not connected");
	rp = *(volatile RING_IDX *)&be->ring.sring->req_prod;
	if (be->ring.req_cons == rp || RING_REQUEST_CONS_OVERFLOW(&be->ring, be->ring.req_cons))
		return refuse(w, "no request on the ring");
	if (be->nreqs >= WL_BE_MAX_REQS)
		return refuse(w, "backend request table full");
	RING_COPY_REQUEST(&be->ring, be->ring.req_cons, &req);
	be->ring.req_cons++;
	r = &be->reqs[be->nreqs++];
	r->id = req.id;
	r->gref = req.gref;
	r->responded = 0;
	/* A read request is mapped read-only, as a backend does for a transmit buffer. */
	r->readonly = req.op == WL_OP_READ;
	r->mapped = world_peer_map(w, req.gref, r->readonly, &st) >= 0;
	world_log(w, "  backend map-req: id %u r%u %s %s (GNTST %d)", req.id, req.gref,
		  req.op == WL_OP_READ ? "ro" : "rw", r->mapped ? "mapped" : "not mapped", st);
}

static void push_response(struct world *w, uint16_t id)
{
	struct wl_backend *be = &workload_of(w)->be;
	struct wl_response *rsp;

	rsp = RING_GET_RESPONSE(&be->ring, be->ring.rsp_prod_pvt);
	rsp->id = id;
	rsp->status = WL_RSP_OK;
	be->ring.rsp_prod_pvt++;
	RING_PUSH_RESPONSES(&be->ring);
	be->pushed++;
}

/* Answer request r: a "done" the oracle records, forged if the backend still maps its page. */
static void respond_req(struct world *w, struct wl_be_req *r)
{
	struct world_peer_map *m = r->mapped ? world_peer_find(w, r->gref) : NULL;

	if (m)
		oracle_done(&w->oracle, r->gref, m->frame);
	world_log(w, "  backend respond: id %u r%u%s", r->id, r->gref, r->mapped ? " (forged: still mapped)" : "");
	r->responded = 1;
	workload_of(w)->be.last_responded = (int32_t)(r - workload_of(w)->be.reqs);
	push_response(w, r->id);
}

void step_backend_respond_next(struct world *w, const struct scn_step *s)
{
	struct wl_backend *be = &wl_get(w)->be;

	if (!be->connected)
		return refuse(w, "backend not connected");
	for (uint32_t i = 0; i < be->nreqs; i++)
		if (!be->reqs[i].responded)
			return respond_req(w, &be->reqs[i]);
	refuse(w, "no mapped request left to answer");
}

void step_backend_respond_dup(struct world *w, const struct scn_step *s)
{
	struct wl_backend *be = &wl_get(w)->be;

	if (!be->connected || be->last_responded < 0)
		return refuse(w, "nothing answered yet to answer again");
	world_log(w, "  backend respond-dup: id %u again", be->reqs[be->last_responded].id);
	push_response(w, be->reqs[be->last_responded].id);
}

void step_backend_respond_bogus(struct world *w, const struct scn_step *s)
{
	struct wl_backend *be = &wl_get(w)->be;

	if (!be->connected)
		return refuse(w, "backend not connected");
	world_log(w, "  backend respond-bogus: id %u", WL_BOGUS_ID);
	push_response(w, WL_BOGUS_ID);
}

void step_backend_respond(struct world *w, const struct scn_step *s)
{
	struct wl_backend *be = &wl_get(w)->be;
	uint16_t id = (uint16_t)s->arg[0];

	if (!be->connected)
		return refuse(w, "backend not connected");
	for (uint32_t i = 0; i < be->nreqs; i++)
		if (be->reqs[i].id == id && !be->reqs[i].responded)
			return respond_req(w, &be->reqs[i]);
	world_log(w, "  backend respond: id %u (not a request the backend holds)", id);
	push_response(w, id);
}

/* The most recent request the backend took off the ring with this id (and a map held of it,
 * if asked), or NULL. */
static struct wl_be_req *find_req(struct wl_backend *be, uint32_t id, int mapped)
{
	for (uint32_t i = be->nreqs; i-- > 0;)
		if (be->reqs[i].id == id && (!mapped || be->reqs[i].mapped))
			return &be->reqs[i];
	return NULL;
}

void step_backend_unmap(struct world *w, const struct scn_step *s)
{
	struct wl_be_req *r = find_req(&wl_get(w)->be, s->arg[0], 1);

	if (!r)
		return refuse(w, "no held map for that request id");
	world_peer_unmap(w, r->gref);
	r->mapped--;
	world_log(w, "  backend unmap: id %u r%u", r->id, r->gref);
}

/* Map request N's grant again, as the request carried it (read-only for a read request): the ref
 * a real backend knows, read off the ring, whatever order the library hands refs out in. A
 * hypercall-level move: `at K backend map N` runs at a grant-entry access inside a frontend step
 * (the frontend unsharing N's grant, or re-granting its ref to a new request). */
void step_backend_map(struct world *w, const struct scn_step *s)
{
	struct wl_backend *be = &workload_of(w)->be; /* no set-up here: it may run inside a target step */
	struct wl_be_req *r;
	int16_t st = 0;

	if (!workload_of(w)->active)
		return refuse(w, "no workload yet");
	if (!(r = find_req(be, s->arg[0], 0)))
		return refuse(w, "the backend has not taken that request id off the ring (backend map-req)");
	if (r->mapped == UINT8_MAX)
		return refuse(w, "too many maps of that request");
	if (world_peer_map(w, r->gref, r->readonly, &st) >= 0)
		r->mapped++;
	world_log(w, "  backend map: id %u r%u %s (GNTST %d)", r->id, r->gref, r->readonly ? "ro" : "rw", st);
}

void step_backend_unmap_all(struct world *w, const struct scn_step *s)
{
	struct wl_backend *be = &wl_get(w)->be;

	for (uint32_t i = 0; i < be->nreqs; i++)
		for (; be->reqs[i].mapped; be->reqs[i].mapped--)
			world_peer_unmap(w, be->reqs[i].gref);
	if (be->connected) {
		/* Without its ring map the backend is gone: no more ring steps. */
		world_peer_unmap(w, be->ring_gref);
		xsim_evtchn_close(&w->sim, WORLD_PEER_DOM, be->port);
		be->connected = 0;
	}
	world_log(w, "  backend unmap-all");
}

/* One notification, delivered at once as the frontend's upcall if its port is pending. */
static void notify_once(struct world *w)
{
	struct workload *wl = workload_of(w);

	xsim_evtchn_send(&w->sim, WORLD_PEER_DOM, wl->be.port);
	if (wl->fe.port && xsim_evtchn_take_pending(&w->sim, WORLD_TARGET_DOM, wl->fe.port))
		fe_event(&wl->fe);
}

void step_backend_notify(struct world *w, const struct scn_step *s)
{
	if (!wl_get(w)->be.connected)
		return refuse(w, "backend not connected");
	notify_once(w);
}

void step_backend_flood(struct world *w, const struct scn_step *s)
{
	struct workload *wl = wl_get(w);
	uint64_t before = wl->fe.c.events;
	uint32_t n = s->arg[0] < WL_FLOOD_MAX ? s->arg[0] : WL_FLOOD_MAX; /* keeps fuzz inputs fast */

	if (!wl->be.connected)
		return refuse(w, "backend not connected");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t ev = wl->fe.c.events, sp = wl->fe.c.spurious_events;

		notify_once(w);
		/* No upcall, or one that found no response: nothing but these two counters changed (the
		 * backend pushes nothing during a flood, so every later notify finds the same ring and
		 * does exactly this again). Count the rest instead of running them: a flood costs what
		 * its responses cost, not N upcalls. (The simulator's per-port count of sends received
		 * is not advanced for them: nothing in the world reads it.) */
		if (wl->fe.c.events == ev || wl->fe.c.spurious_events != sp) {
			uint64_t rest = n - i - 1;

			wl->fe.c.events += (wl->fe.c.events - ev) * rest;
			wl->fe.c.spurious_events += (wl->fe.c.spurious_events - sp) * rest;
			break;
		}
	}
	world_log(w, "  backend flood: %u sent, %llu upcalls", n,
		  (unsigned long long)(wl->fe.c.events - before));
}

void step_backend_closed(struct world *w, const struct scn_step *s)
{
	wl_get(w);
	world_log(w, "  backend closed (maps kept)");
	backend_state(w, XenbusStateClosed);
}

/* Read or write a request's page through the backend's map, as the world's peer steps do, so the
 * oracle judges the access (reused memory seen by the peer). */
static void backend_access(struct world *w, const struct scn_step *s, uint16_t op)
{
	struct wl_be_req *r = find_req(&wl_get(w)->be, s->arg[0], 1);
	struct scn_step peer = *s;

	if (!r)
		return refuse(w, "no held map for that request id");
	peer.op = op;
	peer.arg[0] = r->gref;
	if (op == SCN_OP_PEER_read)
		step_peer_read(w, &peer);
	else
		step_peer_write(w, &peer);
}

void step_backend_read(struct world *w, const struct scn_step *s)
{
	backend_access(w, s, SCN_OP_PEER_read);
}

void step_backend_write(struct world *w, const struct scn_step *s)
{
	backend_access(w, s, SCN_OP_PEER_write);
}
