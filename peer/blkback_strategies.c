/* blkback_strategies.c - the vbd backend's strategies: the one table (`--list vbd-strategies`)
 * and what each does with the frontend's requests. Every page still mapped after "done" is
 * watched by the black-box oracle (dev_watch.h); none of these can make a correct frontend and
 * grant library hand back memory we still map, each can show a buggy one doing it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "blkback_int.h"

const char *const peer_vbd_strategies[] = {
	"honest",           /* real I/O, persistent grants kept and reused, others unmapped before "done" */
	"forged-done",      /* answer while still holding the data (and indirect) maps; let go 300 ms later */
	"hold-closed",      /* hold ring and data maps across Closing/Closed and across a reconnect */
	"dup-id",           /* every answer twice, and an earlier request's id again */
	"stale-id",         /* an earlier request's id first, then the right one */
	"bad-id",           /* ids never issued (out of range) first, then the right one */
	"bad-status",       /* unknown status values and wrong operation echoes */
	"bad-length",       /* the response index claims more responses than requests */
	"rsp-flood",        /* a burst of stale responses after every answer */
	"evt-flood",        /* honest I/O, 200 events after every answer */
	"early-closed",     /* map requests, never answer, publish Closed with every map held */
	"reconnect-loop",   /* Closing, reconnect, again and again, holding maps across */
	"persistent-abuse", /* keep writing through persistent-grant maps, also after disconnect */
	"indirect-abuse",   /* hold and write indirect pages (and their data pages) after "done" */
	"race-end",         /* answer, then map the grants again and again while the frontend ends them */
	"spec-map",         /* map refs no request named yet, briefly, over and over (a grant published
			     * flags-first shows its previous frame) */
	"every-status",     /* answers cycle through every status blkif.h defines and undefined ones,
			     * the maps held past each (markers in read-write ones) */
	"stale-map",        /* honest I/O, every other answer raced as race-end does, then every gref
			     * mapped again (rw, else ro) once the frontend consumed the answer */
	NULL
};

enum { S_HONEST, S_FORGED, S_HOLD_CLOSED, S_DUP, S_STALE, S_BADID, S_BADSTATUS, S_BADLEN, S_RSPFLOOD,
       S_EVTFLOOD, S_EARLY, S_RECONNECT, S_PABUSE, S_IABUSE, S_RACE, S_SPEC, S_EVERY, S_STALEMAP };

/* every-status: OKAY, ERROR, EOPNOTSUPP (blkif.h's all), then values it does not define */
static const int16_t every_status[] = { BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP,
					1, -3, 0x7fff, INT16_MIN };

#define HOLD_S 0.3
#define SPEC_FIRST_REF 8u   /* the first ref a guest library hands out (below: Xen's reserved) */
#define SPEC_REFS 48u

int bb_strategy_offers_persistent(int s)
{
	return s == S_HONEST || s == S_PABUSE;
}

/* Strategies that keep what they mapped when the frontend goes away. */
static int holds_on_close(int s)
{
	return s != S_HONEST && s != S_EVTFLOOD && s != S_RACE && s != S_SPEC && s != S_STALEMAP;
}

static void respond_req(struct blkback *b, struct bb_req *r, int16_t status)
{
	bb_respond(b, r->id, r->operation, status);
}

/* race-end: the request is answered and its maps are gone; map its grants again while the
 * frontend ends them, every other try with the target paused (libxenctrl), until they are gone.
 * A library whose end checks the flags and clears them in two steps lets one map in after its
 * check and frees the page under it. Each map is watched for a moment (a snapshot); one whose
 * page changes is held on until the black-box oracle judges it (the target's oracle also sees
 * the page freed while mapped). */
static void race_end(struct blkback *b, const struct bb_req *r, uint8_t *clean)
{
	double until = dev_now() + 0.04;
	int cycle = 0;
	uint8_t refused[BB_MAX_SEGS] = { 0 }, kept[BB_MAX_SEGS] = { 0 };
	while (dev_now() < until) {
		int live = 0;
		for (unsigned i = 0; i < r->nseg; i++) {
			int paused = b->p->xc && (cycle++ & 1) && xc_domain_pause(b->p->xc, b->xb.target) == 0;
			int m = bb_map_one(b, r->seg[i].gref, 0, r->id);
			if (paused)
				xc_domain_unpause(b->p->xc, b->xb.target);
			if (m < 0) {
				refused[i] = 1; /* ended meanwhile, while no map of ours was up (unless one is kept) */
				continue;
			}
			live++;
			dw_watch(b->w, b->maps[m].addr, b->maps[m].ref, 0, DW_SNAPSHOT, r->id, i);
			dev_sleep_ms(0.5);
			if (dw_pending(b->w, b->maps[m].addr)) {
				b->maps[m].release_at = dev_now() + b->w->grace; /* held: bb_release_due judges it */
				kept[i] = 1;
			} else {
				bb_unmap(b, m);
			}
		}
		if (!live)
			break; /* every grant is gone: the frontend ended them */
	}
	for (unsigned i = 0; clean && i < r->nseg; i++)
		clean[i] = refused[i] && !kept[i];
}

/* spec-map: brief maps of refs that no request named yet (held a few ms, then let go). */
static void spec_map(struct blkback *b, int release_only)
{
	static void *held[SPEC_REFS];
	for (unsigned i = 0; i < SPEC_REFS; i++) {
		if (held[i]) {
			xengnttab_unmap(b->p->xgt, held[i], 1);
			held[i] = NULL;
		}
		if (!b->connected || release_only)
			continue;
		held[i] = xengnttab_map_grant_ref(b->p->xgt, b->xb.target, SPEC_FIRST_REF + i, PROT_READ);
		if (held[i])
			b->maps_ok++;
	}
}

/* stale-map: the request's grants, once its answer is out and the race let go of them; clean[i]:
 * the race saw segment i ended with no map of ours up (the indirect pages are never raced: their
 * maps went before the answer) */
static void remember(struct blkback *b, const struct bb_req *r, const uint8_t *clean, const struct ds_evidence *ev)
{
	const uint32_t prod[DS_RINGS] = { b->br.rsp_prod_pvt, 0 };
	for (unsigned i = 0; i < r->nseg; i++)
		ds_remember(b->st, r->seg[i].gref, r->id, 0, b->br.rsp_prod_pvt - 1, prod, clean[i], &ev[i]);
	for (unsigned i = 0; i < r->nind; i++)
		ds_remember(b->st, r->ind_ref[i], r->id, 0, b->br.rsp_prod_pvt - 1, prod, 1, &ev[BB_MAX_SEGS + i]);
}

/* What each page showed once the I/O was done (the sectors the request named; an indirect page's
 * segment list): a later map of the same page shows it again, one of a page granted afresh not. */
static void evidence(struct blkback *b, const struct bb_req *r, struct ds_evidence *ev)
{
	for (unsigned i = 0; i < r->nseg; i++) {
		const struct blkif_request_segment *g = &r->seg[i];
		if (r->seg_addr[i] && g->first_sect <= g->last_sect && g->last_sect < DW_PAGE / BB_SECTOR) {
			unsigned off = g->first_sect * BB_SECTOR, len = (g->last_sect - g->first_sect + 1u) * BB_SECTOR;
			ev[i] = (struct ds_evidence){ .off = off, .len = len, .digest = ds_digest(r->seg_addr[i] + off, len) };
		}
	}
	for (unsigned i = 0; i < r->nind; i++)
		if (r->ind_map[i] >= 0) {
			unsigned len = (r->nseg - i * 512 < 512 ? r->nseg - i * 512 : 512) * sizeof(struct blkif_request_segment);
			ev[BB_MAX_SEGS + i] = (struct ds_evidence){ .off = 0, .len = len,
								    .digest = ds_digest(b->maps[r->ind_map[i]].addr, len) };
		}
}

static void stale_step(struct blkback *b)
{
	if (!b->connected)
		return;
	const uint32_t consumed[DS_RINGS] = { *(volatile RING_IDX *)&b->br.sring->rsp_event - 1, 0 };
	const uint32_t prod[DS_RINGS] = { b->br.rsp_prod_pvt, 0 };
	ds_step(b->st, consumed, prod);
	b->p->observations = b->w->observations;
}

/* One request, the strategy's way. */
static void handle(struct blkback *b, struct bb_req *r)
{
	int s = b->strategy;
	int try_rw = s == S_IABUSE;
	if (r->status == BLKIF_RSP_OKAY && bb_map_req(b, r, try_rw) < 0)
		r->status = BLKIF_RSP_ERROR;
	if (s == S_EARLY) {
		/* mapped, never answered */
		for (unsigned i = 0; i < r->nseg; i++)
			if (r->seg_map[i] >= 0)
				b->maps[r->seg_map[i]].release_at = 0;
		return;
	}
	bb_do_io(b, r);
	switch (s) {
	case S_HONEST:
	case S_EVTFLOOD:
	case S_RACE:
	case S_SPEC:
	case S_STALEMAP: {
		struct ds_evidence ev[BB_MAX_SEGS + BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
		memset(ev, 0, sizeof(ev));
		if (s == S_STALEMAP)
			evidence(b, r, ev);
		bb_release_req(b, r); /* before "done", as it must */
		respond_req(b, r, r->status);
		if (s == S_RACE || s == S_STALEMAP) {
			/* stale-map races every other request; the others it leaves alone until the frontend
			 * ended them (no map of ours up: a clean end) */
			uint8_t clean[BB_MAX_SEGS];
			memset(clean, 1, sizeof(clean));
			if (s == S_RACE || b->requests % 2)
				race_end(b, r, clean);
			if (s == S_STALEMAP && b->connected)
				remember(b, r, clean, ev);
		}
		bb_watch_persistent(b, 0);
		if (s == S_EVTFLOOD)
			for (int i = 0; i < 200; i++)
				dev_xb_notify(&b->xb);
		return;
	}
	case S_DUP: {
		uint64_t earlier = b->nlast ? b->last_ids[(b->nlast - 1) % 8] : r->id;
		respond_req(b, r, r->status);
		respond_req(b, r, r->status);
		bb_respond(b, earlier, r->operation, BLKIF_RSP_OKAY);
		break;
	}
	case S_STALE:
		if (b->nlast)
			bb_respond(b, b->last_ids[(b->nlast - 1) % 8], r->operation, BLKIF_RSP_OKAY);
		respond_req(b, r, r->status);
		break;
	case S_BADID: {
		const uint64_t bogus[] = { ~0ull, r->id ^ (1ull << 40), r->id + 0x1000, 0xff };
		for (unsigned i = 0; i < 4; i++)
			bb_respond(b, bogus[i], r->operation, BLKIF_RSP_OKAY);
		respond_req(b, r, r->status);
		break;
	}
	case S_BADSTATUS: {
		static const int16_t weird[] = { 1, -3, 0x7fff, INT16_MIN };
		bb_respond(b, r->id, (uint8_t)(r->operation ^ 0x80), BLKIF_RSP_OKAY); /* wrong operation echo */
		respond_req(b, r, weird[b->responses % 4]);
		break;
	}
	case S_BADLEN:
		respond_req(b, r, r->status);
		if (b->requests >= 5 && b->connected) {
			/* claim a ring's worth of responses more than there were requests */
			b->br.rsp_prod_pvt += RING_SIZE(&b->br) + 1;
			RING_PUSH_RESPONSES(&b->br);
			dev_xb_notify(&b->xb);
		}
		bb_hold_req(b, r, 0, 1);
		return;
	case S_RSPFLOOD:
		respond_req(b, r, r->status);
		for (unsigned i = 0; i < 8 && b->nlast; i++)
			bb_respond(b, b->last_ids[(b->nlast - 1 - i % (b->nlast < 8 ? b->nlast : 8)) % 8], r->operation,
				   BLKIF_RSP_OKAY);
		break;
	case S_EVERY:
		/* the device's own failures stay what they are; every other answer takes the next status */
		respond_req(b, r, r->status != BLKIF_RSP_OKAY ? r->status
			    : every_status[b->responses % (sizeof(every_status) / sizeof(every_status[0]))]);
		break; /* held HOLD_S past it, markers in read-write maps */
	case S_PABUSE:
		respond_req(b, r, r->status);
		bb_hold_req(b, r, HOLD_S, 1);
		bb_watch_persistent(b, 1);
		return;
	case S_HOLD_CLOSED:
		respond_req(b, r, r->status);
		bb_hold_req(b, r, 0, 1); /* never let go */
		return;
	case S_RECONNECT:
		respond_req(b, r, r->status);
		bb_hold_req(b, r, 2 * HOLD_S, 1);
		return;
	default: /* S_FORGED, S_IABUSE */
		respond_req(b, r, r->status);
		break;
	}
	bb_hold_req(b, r, S_IABUSE == s ? 2 * HOLD_S : HOLD_S, 1);
}

/* The frontend closed (or vanished): an honest backend lets go and ends; a hostile one keeps
 * every map and ring and, for the reconnecting strategies, offers the device again. */
static int frontend_closed(struct blkback *b)
{
	int s = b->strategy;
	if (!holds_on_close(s)) {
		ds_reset(b->st);
		dw_check(b->w);
		for (int m = 0; m < BB_MAX_MAPS; m++)
			bb_unmap(b, m);
		bb_disconnect(b, 0);
		dev_xb_set_state(&b->xb, XenbusStateClosed);
		return 1; /* the end */
	}
	bb_disconnect(b, 1);
	dev_xb_set_state(&b->xb, XenbusStateClosed);
	b->closing = 0;
	if (s == S_HOLD_CLOSED || s == S_RECONNECT) {
		/* as a backend offering the device again does: once the frontend let go (Closed, or
		 * sitting at Closing), and the rings it left are watched before it can take pages anew */
		dev_xb_wait_let_go(&b->xb, 1.0);
		bb_watch_let_go(b);
		bb_offer(b);
	}
	return 0;
}

/* While the frontend closes: a backend that lets go still answers what is on the ring (a frontend
 * waits for every request it pushed before it reaches Closed); a hostile one leaves it unanswered. */
void bb_serve_closing(struct blkback *b)
{
	struct bb_req r;
	if (!b->connected || holds_on_close(b->strategy))
		return;
	while (bb_take(b, &r) == 1)
		handle(b, &r);
	bb_release_due(b);
}

/* hold-closed: Closing once, after 6 requests; reconnect-loop: after every 3 of a connection, 6
 * times. The frontend tears down; we keep it all. */
static void cycle(struct blkback *b, unsigned *cycles, uint64_t cycle_reqs)
{
	int s = b->strategy;
	if (!b->closing && b->connected &&
	    ((s == S_HOLD_CLOSED && *cycles == 0 && b->requests >= 6) ||
	     (s == S_RECONNECT && *cycles < 6 && b->requests - cycle_reqs >= 3))) {
		dev_xb_set_state(&b->xb, XenbusStateClosing);
		b->closing = 1;
		++*cycles;
	}
}

int bb_serve(struct blkback *b)
{
	struct peer *p = b->p;
	if (bb_offer(b) || bb_connect(b, b->o->connect_timeout))
		return -1;
	double start = dev_now(), closed_at = 0;
	unsigned turn = 0, cycles = 0;
	uint64_t cycle_reqs = 0;
	int s = b->strategy;
	while (dev_now() - start < p->duration) {
		bb_step(b, 1);
		if (turn++ % 5 == 0) {
			int fe = dev_xb_fe_state(&b->xb);
			if (b->connected && (fe < 0 || fe == XenbusStateClosing || fe == XenbusStateClosed)) {
				if (frontend_closed(b))
					break;
			} else if (!b->connected && (fe == XenbusStateInitialised || fe == XenbusStateConnected) &&
				   !closed_at && b->offered) {
				/* reconnect: Initialised, or straight to Connected as on the first connect */
				if (bb_connect(b, 0.5) == 0)
					cycle_reqs = b->requests;
			}
			/* the frontend let go of the rings we keep: Closed, gone, sat at Closing, or a new ring */
			if (b->nold && !b->old_watched[b->nold - 1] &&
			    (fe < 0 || fe == XenbusStateClosed || b->connected ||
			     (fe == XenbusStateClosing && dev_now() - b->old_since[b->nold - 1] >= DEV_CLOSING_SETTLE_S)))
				bb_watch_let_go(b);
		}
		struct bb_req r;
		int got = 0;
		/* once we said Closing (hold-closed, reconnect-loop) nothing more is answered, as a backend
		 * going away does: the frontend cannot finish its work meanwhile, and comes back for it */
		while (!b->closing && (got = bb_take(b, &r)) == 1) {
			handle(b, &r);
			cycle(b, &cycles, cycle_reqs); /* checked per request: a fast frontend refills the ring */
		}
		if (got < 0 && holds_on_close(s) == 0) {
			fprintf(stderr, "peer: the frontend's request index runs past the ring: stopping\n");
			break;
		}
		bb_release_due(b);
		if (s == S_PABUSE && turn % 50 == 0)
			dw_replant(b->w);
		if (s == S_SPEC && turn % 3 == 0)
			spec_map(b, 0);
		if (s == S_STALEMAP)
			stale_step(b);
		unsigned held = 0;
		for (int m = 0; m < BB_MAX_MAPS; m++)
			held += b->maps[m].in_use;
		if (s == S_EARLY && !closed_at && b->connected && (held >= 3 || (held && dev_now() - start > 0.5))) {
			dev_xb_set_state(&b->xb, XenbusStateClosed); /* with every map still held */
			closed_at = dev_now();
			for (int m = 0; m < BB_MAX_MAPS; m++)
				if (b->maps[m].in_use)
					dw_watch(b->w, b->maps[m].addr, b->maps[m].ref, b->maps[m].rw, DW_MARKER, b->maps[m].req, 0);
		}
	}
	if (s == S_SPEC)
		spec_map(b, 1);
	ds_reset(b->st);
	return 0;
}
