/* frontend.c - the PV-style frontend: ring, event channel, xenbus handshake, hostile responses.
 * Freestanding: see frontend.h. */
#include "frontend.h"

static int lib_share(struct frontend *fe, uint64_t frame, int readonly, grant_ref_t *ref)
{
	return fe->ops->share(fe->ops->ctx, fe->backend_id, frame, readonly, ref);
}

static int lib_unshare(struct frontend *fe, grant_ref_t ref, uint64_t frame)
{
	return fe->ops->unshare(fe->ops->ctx, ref, frame);
}

static void fe_log(struct frontend *fe, const char *msg, uint64_t a, uint64_t b)
{
	if (fe->ops->log)
		fe->ops->log(fe->ops->ctx, msg, a, b);
}

unsigned fe_utoa(uint64_t v, char *buf, unsigned size)
{
	char tmp[20];
	unsigned n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (n + 1 > size)
		return 0;
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return n;
}

int fe_atou(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		uint64_t d = (uint64_t)(*s - '0');

		if (v > max / 10 || (v == max / 10 && d > max % 10))
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* dst = a "/" b, bounded; -1 if it does not fit. */
static int path_join(char *dst, unsigned size, const char *a, const char *b)
{
	unsigned n = 0;

	for (; *a; a++) {
		if (n + 1 >= size)
			return -1;
		dst[n++] = *a;
	}
	if (n + 1 >= size)
		return -1;
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

static int xs_write_num(struct frontend *fe, const char *key, uint64_t v)
{
	char path[2 * FE_PATH_MAX], val[24];

	if (path_join(path, sizeof(path), fe->fe_path, key) || !fe_utoa(v, val, sizeof(val)))
		return FE_ERR_INVAL;
	return fe->ops->xs_write(fe->ops->ctx, path, val) ? FE_ERR_ENV : FE_OK;
}

static void set_state(struct frontend *fe, enum xenbus_state st)
{
	fe->state = (uint8_t)st;
	if (xs_write_num(fe, WL_XS_STATE, st))
		fe_log(fe, "frontend: cannot publish state", st, 0);
}

/* Zero a page without memset: volatile stores keep the compiler from emitting a libc call. */
static void zero_page(void *p)
{
	volatile uint64_t *q = p;

	for (unsigned i = 0; i < WL_PAGE_SIZE / sizeof(*q); i++)
		q[i] = 0;
}

static void write_tag(struct frontend *fe, uint64_t frame, uint16_t kind, uint16_t req_id)
{
	volatile uint8_t *mem = fe->ops->page_mem(fe->ops->ctx, frame);
	volatile struct wl_tag *t = (volatile struct wl_tag *)(mem + WL_TAG_OFFSET);

	if (!mem)
		return;
	t->magic = WL_TAG_MAGIC;
	t->kind = kind;
	t->req_id = req_id;
	t->seq = ++fe->tag_seq;
}

int fe_init(struct frontend *fe, const struct fe_ops *ops, domid_t backend_id,
	    const char *fe_path, const char *be_path)
{
	volatile uint64_t *q = (volatile uint64_t *)fe; /* 8 bytes a store: the world sets one up per run */

	_Static_assert(sizeof(*fe) % sizeof(*q) == 0, "struct frontend is cleared in 8-byte words");
	for (unsigned i = 0; i < sizeof(*fe) / sizeof(*q); i++)
		q[i] = 0;
	fe->ops = ops;
	fe->backend_id = backend_id;
	fe->ring_ref = FE_NO_REF;
	if (!ops || !ops->share || !ops->unshare || !ops->tick || !fe_path || !be_path || copy_str(fe->fe_path, FE_PATH_MAX, fe_path) ||
	    copy_str(fe->be_path, FE_PATH_MAX, be_path))
		return FE_ERR_INVAL;
	set_state(fe, XenbusStateInitialising);
	return FE_OK;
}

int fe_connect(struct frontend *fe)
{
	wl_sring_t *sring;
	uint64_t frame;
	int rc;

	if (fe->state != XenbusStateInitialising)
		return FE_ERR_STATE;
	if (fe->ops->page_alloc(fe->ops->ctx, &frame))
		return FE_ERR_NOMEM;
	sring = fe->ops->page_mem(fe->ops->ctx, frame);
	if (!sring) {
		fe->ops->page_free(fe->ops->ctx, frame);
		return FE_ERR_NOMEM;
	}
	/* SHARED_RING_INIT would call memset; a zeroed page plus the two event indexes is the same. */
	zero_page(sring);
	sring->req_event = sring->rsp_event = 1;
	FRONT_RING_INIT(&fe->ring, sring, WL_PAGE_SIZE);

	rc = lib_share(fe, frame, 0, &fe->ring_ref);
	if (rc != SEAM_OK) {
		fe->ops->page_free(fe->ops->ctx, frame); /* never granted: still ours */
		fe->ring_ref = FE_NO_REF;
		return FE_ERR_GRANT;
	}
	fe->ring_frame = frame;
	fe->have_ring = 1;
	if (fe->ops->evtchn_alloc_unbound(fe->ops->ctx, fe->backend_id, &fe->port)) {
		fe_teardown(fe);
		return FE_ERR_ENV;
	}
	if (xs_write_num(fe, WL_XS_RING_REF, fe->ring_ref) || xs_write_num(fe, WL_XS_EVTCHN, fe->port)) {
		fe_teardown(fe);
		return FE_ERR_ENV;
	}
	set_state(fe, XenbusStateInitialised);
	return FE_OK;
}

/* Slots are taken round-robin, so ids simply count up while no request is stuck in flight. */
static int take_slot(struct frontend *fe)
{
	for (int n = 0; n < FE_MAX_INFLIGHT; n++) {
		int i = (int)((fe->next_slot + n) % FE_MAX_INFLIGHT);

		if (fe->slots[i].state != FE_SLOT_INFLIGHT) {
			fe->next_slot = (uint32_t)(i + 1) % FE_MAX_INFLIGHT;
			return i;
		}
	}
	return -1;
}

int fe_send(struct frontend *fe, uint16_t *id_out)
{
	return fe_send_op(fe, WL_OP_DATA, id_out);
}

/* The oldest spare first: spares age evenly, and a recycled ref does not simply get back the page
 * it granted last (so a stale-frame grant shows). */
static uint64_t take_spare(struct frontend *fe)
{
	uint64_t frame = fe->spare[0];

	for (uint32_t i = 1; i < fe->nr_spare; i++)
		fe->spare[i - 1] = fe->spare[i];
	fe->nr_spare--;
	return frame;
}

int fe_send_op(struct frontend *fe, uint16_t op, uint16_t *id_out)
{
	struct wl_request *req;
	struct fe_slot *s;
	uint64_t frame;
	grant_ref_t ref;
	uint16_t id;
	int notify, i;

	if (op != WL_OP_DATA && op != WL_OP_READ)
		return FE_ERR_INVAL;
	if (fe->state != XenbusStateConnected || fe->broken) {
		fe->c.send_refused++;
		return FE_ERR_STATE;
	}
	i = take_slot(fe);
	if (i < 0 || RING_FULL(&fe->ring)) {
		fe->c.send_refused++;
		return FE_ERR_FULL;
	}
	if (fe->nr_spare)
		frame = take_spare(fe);
	else if (fe->ops->page_alloc(fe->ops->ctx, &frame)) {
		fe->c.send_refused++;
		return FE_ERR_NOMEM;
	}
	s = &fe->slots[i];
	/* Ids step by FE_MAX_INFLIGHT per slot reuse, so a late duplicate of an old request is
	 * told apart from the slot's current one. */
	id = s->state == FE_SLOT_NEVER ? (uint16_t)i : (uint16_t)(s->id + FE_MAX_INFLIGHT);
	write_tag(fe, frame, WL_TAG_REQUEST, id);
	if (lib_share(fe, frame, op == WL_OP_READ, &ref) != SEAM_OK) {
		fe->ops->page_free(fe->ops->ctx, frame); /* never granted: still ours */
		fe->c.send_refused++;
		return FE_ERR_GRANT;
	}
	s->state = FE_SLOT_INFLIGHT;
	s->id = id;
	s->gref = ref;
	s->frame = frame;
	fe->inflight++;

	req = RING_GET_REQUEST(&fe->ring, fe->ring.req_prod_pvt);
	req->id = id;
	req->op = op;
	req->gref = ref;
	fe->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fe->ring, notify);
	if (notify)
		fe->ops->evtchn_notify(fe->ops->ctx, fe->port);
	fe->c.sent++;
	if (id_out)
		*id_out = id;
	return FE_OK;
}

/* Unshare through the library and count its answer; returns that answer. */
static int unshare_counted(struct frontend *fe, grant_ref_t ref, uint64_t frame)
{
	int rc = lib_unshare(fe, ref, frame);

	switch (rc) {
	case SEAM_OK:
		fe->c.returned++;
		break;
	case SEAM_BUSY:
		fe->c.busy++;
		break;
	case SEAM_LEAKED:
		fe->c.leaked++;
		break;
	default:
		fe->c.unshare_errors++;
		break;
	}
	return rc;
}

/* Whatever the library answered, the slot's page is no longer ours to touch. */
static void slot_done(struct frontend *fe, struct fe_slot *s)
{
	s->state = FE_SLOT_DONE;
	s->frame = 0;
	s->gref = FE_NO_REF;
	fe->inflight--;
}

/* The page of a completed request: unshare it; reuse it only if the library gave it back. */
static void complete(struct frontend *fe, struct fe_slot *s)
{
	uint64_t frame;
	int rc = unshare_counted(fe, s->gref, s->frame);

	if (rc == SEAM_OK) {
		/* The library released the page to the allocator; a real driver takes a page again at
		 * once (rx refill, next block): exactly when MSA02 hands out memory the peer maps. */
		if (fe->ops->page_alloc(fe->ops->ctx, &frame) == 0) {
			write_tag(fe, frame, WL_TAG_REUSED, s->id);
			fe->c.reused++;
			if (fe->nr_spare < FE_SPARE_MAX)
				fe->spare[fe->nr_spare++] = frame;
			else
				fe->ops->page_free(fe->ops->ctx, frame);
		}
	} else if (rc != SEAM_BUSY && rc != SEAM_LEAKED) {
		fe_log(fe, "frontend: unshare failed", s->gref, (uint64_t)(int64_t)rc);
	}
	slot_done(fe, s);
}

static void handle_response(struct frontend *fe, const struct wl_response *rsp)
{
	struct fe_slot *s = &fe->slots[rsp->id % FE_MAX_INFLIGHT];

	if (s->state == FE_SLOT_NEVER || s->id != rsp->id) {
		fe->c.unknown_ids++;
		fe_log(fe, "frontend: response with unknown id", rsp->id, 0);
		return;
	}
	if (s->state != FE_SLOT_INFLIGHT) {
		fe->c.dup_ids++;
		fe_log(fe, "frontend: duplicate response", rsp->id, 0);
		return;
	}
	fe->c.completed++;
	if (rsp->status != WL_RSP_OK)
		fe->c.rsp_errors++;
	complete(fe, s);
}

unsigned fe_poll(struct frontend *fe)
{
	struct wl_response rsp;
	unsigned done = 0;
	RING_IDX rp;
	int more;

	if (!fe->have_ring || fe->broken ||
	    (fe->state != XenbusStateInitialised && fe->state != XenbusStateConnected))
		return 0;
	rp = *(volatile RING_IDX *)&fe->ring.sring->rsp_prod;
	xen_rmb(); /* read the responses only after the producer index that covers them */
	if (RING_RESPONSE_PROD_OVERFLOW(&fe->ring, rp)) {
		/* More responses than requests ever pushed: the backend is lying about the ring. */
		fe->c.ring_overflows++;
		fe->broken = 1;
		fe_log(fe, "frontend: backend overflowed the response ring", rp, fe->ring.rsp_cons);
		return 0;
	}
	while (fe->ring.rsp_cons != rp && done < FE_POLL_BUDGET) {
		RING_COPY_RESPONSE(&fe->ring, fe->ring.rsp_cons, &rsp);
		fe->ring.rsp_cons++;
		handle_response(fe, &rsp);
		done++;
	}
	if (fe->ring.rsp_cons != rp)
		fe->c.budget_hits++; /* the rest waits for the next poll: work per poll is bounded */
	else
		RING_FINAL_CHECK_FOR_RESPONSES(&fe->ring, more); /* re-arm rsp_event; no loop */
	(void)more;
	return done;
}

unsigned fe_event(struct frontend *fe)
{
	unsigned n;

	fe->c.events++;
	n = fe_poll(fe);
	if (!n)
		fe->c.spurious_events++;
	return n;
}

unsigned fe_tick(struct frontend *fe)
{
	unsigned n = fe->ops->tick(fe->ops->ctx);

	fe->c.reclaimed += n;
	return n;
}

void fe_otherend_changed(struct frontend *fe)
{
	char path[2 * FE_PATH_MAX], val[24];
	uint64_t st;

	if (path_join(path, sizeof(path), fe->be_path, WL_XS_STATE) ||
	    fe->ops->xs_read(fe->ops->ctx, path, val, sizeof(val)) ||
	    fe_atou(val, XenbusStateReconfigured, &st)) {
		fe->c.bad_backend_state++;
		return;
	}
	switch (st) {
	case XenbusStateConnected:
		if (fe->state == XenbusStateInitialised)
			set_state(fe, XenbusStateConnected);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		fe_teardown(fe);
		break;
	default:
		break;
	}
}

void fe_teardown(struct frontend *fe)
{
	if (fe->state == XenbusStateClosed)
		return;
	fe->c.teardowns++;
	/* Every outstanding page goes back through the library: on SEAM_OK the library released it,
	 * otherwise it keeps it. The frontend itself frees none of them. */
	for (int i = 0; i < FE_MAX_INFLIGHT; i++) {
		struct fe_slot *s = &fe->slots[i];

		if (s->state != FE_SLOT_INFLIGHT)
			continue;
		unshare_counted(fe, s->gref, s->frame);
		slot_done(fe, s);
	}
	if (fe->have_ring) {
		unshare_counted(fe, fe->ring_ref, fe->ring_frame);
		fe->have_ring = 0;
		fe->ring_ref = FE_NO_REF;
		fe->ring_frame = 0;
		fe->ring.sring = 0;
		if (fe->ops->evtchn_close && fe->port)
			fe->ops->evtchn_close(fe->ops->ctx, fe->port);
		fe->port = 0;
	}
	/* Spares were never shared since they came back: they are plainly ours. */
	while (fe->nr_spare)
		fe->ops->page_free(fe->ops->ctx, fe->spare[--fe->nr_spare]);
	set_state(fe, XenbusStateClosed);
}
