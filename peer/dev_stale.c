/* dev_stale.c - the stale-map check: see dev_stale.h. */
#include <string.h>
#include "dev_stale.h"

void ds_init(struct dev_stale *s, const char *device, struct dev_watch *w, const struct ds_ops *ops, FILE *out)
{
	memset(s, 0, sizeof(*s));
	s->device = device;
	s->w = w;
	s->ops = *ops;
	s->out = out;
	s->quiet = DS_QUIET_S;
	s->grace = w->grace;
	s->hold = DS_HOLD_S;
}

static double t_now(struct dev_stale *s)
{
	return s->w->now(s->w->ctx);
}

/* a past b, on a free-running ring index */
static int past(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void let_go(struct dev_stale *s, struct ds_entry *e)
{
	if (e->held) {
		dw_unwatch(s->w, e->addr); /* checked once more first */
		s->ops.unmap(s->ops.ctx, e->addr);
	}
	memset(e, 0, sizeof(*e));
}

uint64_t ds_digest(const volatile uint8_t *p, unsigned len)
{
	uint64_t h = 0xcbf29ce484222325ull, any = 0;
	for (unsigned i = 0; i < len; i++) {
		h = (h ^ p[i]) * 0x100000001b3ull;
		any |= p[i];
	}
	return any ? h | 1 : 0;
}

void ds_remember(struct dev_stale *s, uint32_t ref, uint64_t req, unsigned ring, uint32_t rsp_idx,
		 const uint32_t prod[DS_RINGS], int clean, const struct ds_evidence *ev)
{
	struct ds_entry *e = NULL;
	for (int i = 0; i < DS_MAX; i++)
		if (s->e[i].in_use && s->e[i].ref == ref) {
			let_go(s, &s->e[i]); /* an older life of the same ref */
			e = &s->e[i];
			break;
		}
	for (int i = 0; !e && i < DS_MAX; i++)
		if (!s->e[i].in_use)
			e = &s->e[i];
	if (!e) {
		s->dropped++;
		return;
	}
	double now = t_now(s);
	*e = (struct ds_entry){ .in_use = 1, .ring = (uint8_t)(ring < DS_RINGS ? ring : 0), .ref = ref, .req = req,
				.rsp_idx = rsp_idx, .answered = now, .quiet_from = now, .clean = (uint8_t)!!clean };
	if (ev && ev->digest && ev->len && ev->off < DW_PAGE && ev->len <= DW_PAGE - ev->off)
		e->ev_off = (uint16_t)ev->off, e->ev_len = (uint16_t)ev->len, e->ev_digest = ev->digest;
	for (unsigned k = 0; k < DS_RINGS; k++)
		e->after[k] = prod[k];
	s->remembered++;
}

void ds_named(struct dev_stale *s, uint32_t ref)
{
	for (int i = 0; i < DS_MAX; i++) {
		struct ds_entry *e = &s->e[i];
		if (!e->in_use || e->ref != ref)
			continue;
		if (e->held && !e->reported)
			s->excused++; /* the map we got was of the ref granted afresh */
		let_go(s, e);
	}
}

static void report(struct dev_stale *s, struct ds_entry *e, double now)
{
	e->reported = 1;
	s->reports++;
	s->w->observations++;
	fprintf(s->out, "peer: STALE-MAP device=%s ref=%u req=%llu mode=%s ring=%u answered-ms-ago=%.1f region=%u+%u\n",
		s->device, e->ref, (unsigned long long)e->req, e->rw ? "rw" : "ro", e->ring, (now - e->answered) * 1e3,
		e->ev_off, e->ev_len);
	fflush(s->out);
}

/* Map it again: read-write, else read-only. 1 held (watched), 0 refused, -1 let go unjudged. */
static int try_map(struct dev_stale *s, struct ds_entry *e, double now)
{
	int rw = 1;
	void *a = s->ops.map(s->ops.ctx, e->ref, 1);
	if (!a) {
		rw = 0;
		a = s->ops.map(s->ops.ctx, e->ref, 0);
	}
	e->tries++;
	s->tries++;
	if (!a) {
		s->refused++;
		return 0;
	}
	if (s->ops.connected && !s->ops.connected(s->ops.ctx)) {
		s->ops.unmap(s->ops.ctx, a); /* the frontend is leaving: it may grant refs for anything */
		s->dropped++;
		return -1;
	}
	e->held = 1;
	e->rw = (uint8_t)rw;
	e->addr = a;
	e->hit_at = now;
	/* the same page still (the request's bytes), or the ref granted afresh for something else */
	if (e->clean && !(e->ev_digest && ds_digest((const uint8_t *)a + e->ev_off, e->ev_len) == e->ev_digest)) {
		e->clean = 0;
		s->elsewhere++;
	}
	rw ? s->hits_rw++ : s->hits_ro++;
	dw_watch(s->w, a, e->ref, rw, DW_SNAPSHOT, e->req, DS_PAGE);
	return 1;
}

/* The frontend consumed a response pushed after `after` (on either ring): it polled since. */
static int progressed(const struct ds_entry *e, const uint32_t consumed[DS_RINGS])
{
	for (unsigned k = 0; k < DS_RINGS; k++)
		if (past(consumed[k], e->after[k]))
			return 1;
	return 0;
}

unsigned ds_step(struct dev_stale *s, const uint32_t consumed[DS_RINGS], const uint32_t prod[DS_RINGS])
{
	unsigned n = 0;
	for (int i = 0; i < DS_MAX; i++) {
		struct ds_entry *e = &s->e[i];
		double now = t_now(s);
		if (!e->in_use)
			continue;
		if (e->held) {
			if (e->clean && !e->reported && now - e->hit_at >= s->grace && s->w->drained_at > e->hit_at) {
				report(s, e, now);
				n++;
			}
			if (now - e->hit_at < s->hold || (dw_pending(s->w, e->addr) && now - e->hit_at < 10))
				continue; /* held for the oracles; a change still in its grace keeps it */
			if (e->clean || e->phase != DS_FIRST) {
				let_go(s, e); /* judged, or held as long as the oracles need */
				continue;
			}
			/* after an end that may have met a map of ours: let go, and try once more after two
			 * polls and a quiet time (a deferred end has been retried by then) */
			dw_unwatch(s->w, e->addr);
			s->ops.unmap(s->ops.ctx, e->addr);
			e->held = 0;
			e->addr = NULL;
			e->phase = DS_SECOND;
			e->quiet_from = now;
			for (unsigned k = 0; k < DS_RINGS; k++)
				e->after[k] = prod[k];
			continue;
		}
		if (e->phase == DS_FIRST) {
			if (!past(consumed[e->ring], e->rsp_idx))
				continue; /* its answer not consumed yet: the frontend has not ended it */
		} else if (e->phase == DS_SECOND) {
			if (!progressed(e, consumed))
				continue;
			e->phase = DS_SECOND_SEEN; /* one poll since we let go: wait for the next one */
			for (unsigned k = 0; k < DS_RINGS; k++)
				e->after[k] = prod[k];
			continue;
		} else if (!progressed(e, consumed) || now - e->quiet_from < s->quiet) {
			continue;
		}
		if (s->ops.holds && s->ops.holds(s->ops.ctx, e->ref)) {
			/* one of our maps of it is still up (held for the oracle): we have not let go yet */
			if (e->phase != DS_FIRST) {
				e->phase = DS_SECOND;
				e->quiet_from = now;
				for (unsigned k = 0; k < DS_RINGS; k++)
					e->after[k] = prod[k];
			}
			continue;
		}
		if (try_map(s, e, now) != 1)
			memset(e, 0, sizeof(*e)); /* refused: ended, as it must be (or let go unjudged) */
	}
	return n;
}

void ds_reset(struct dev_stale *s)
{
	for (int i = 0; i < DS_MAX; i++)
		if (s->e[i].in_use)
			let_go(s, &s->e[i]);
}
