/* peer_strategies.c - the ways the peer lies to, races and floods the frontend.
 *
 * Each strategy answers the frontend's requests in its own hostile way while peer_check_maps()
 * watches every page still mapped. None of them can make a correct target hand back a mapped
 * page; each can show a buggy one doing it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "peer.h"

const char *const peer_strategies[] = { "hold", "forged-done", "race-end", "storm", "copy-loop", "flood",
					"bad-ids", "early-closed", NULL };

#define SPEC_FIRST_REF 8u   /* the first ref a guest library hands out (below: Xen's reserved) */
#define SPEC_REFS 48u       /* refs swept by speculative maps */

int peer_strategy_known(const char *name)
{
	for (int i = 0; peer_strategies[i]; i++)
		if (!strcmp(peer_strategies[i], name))
			return 1;
	return 0;
}

static int running(struct peer *p)
{
	return peer_now() - p->start < p->duration;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

/* Wait a little for events while watching the maps we hold. */
static void step(struct peer *p, int wait_ms)
{
	peer_drain_events(p, wait_ms);
	peer_check_maps(p);
}

/* Map request r's page (its tag must name r) and remember the map with the request. */
static int map_request(struct peer *p, int r, int rw)
{
	int m = peer_map(p, p->reqs[r].gref, rw, p->reqs[r].id, 0);
	if (m >= 0) {
		p->reqs[r].map = m;
		peer_check_fresh(p, m);
	}
	return m;
}

static void answer(struct peer *p, int r)
{
	peer_respond(p, p->reqs[r].id, WL_RSP_OK);
	p->reqs[r].answered = 1;
	peer_notify(p);
}

/* Unmap maps held longer than `age` seconds (forged "done": the lie lasts a while). */
static void release_older(struct peer *p, double age)
{
	double now = peer_now();
	for (int m = 0; m < PEER_MAX_MAPS; m++)
		if (p->maps[m].in_use && !p->maps[m].speculative && now - p->maps[m].since > age) {
			peer_check_maps(p);
			peer_unmap(p, m);
		}
}

/* hold: read-only maps of every request, answered at once and never unmapped. */
static void s_hold(struct peer *p, int r)
{
	map_request(p, r, 0);
	answer(p, r);
}

/* forged-done: write through the map, say "done", keep the map for a while. */
static void s_forged_done(struct peer *p, int r)
{
	int m = map_request(p, r, 1);
	if (m >= 0)
		peer_write_mark(p, m);
	answer(p, r);
}

/* race-end: answer honestly, then keep mapping the grant while the frontend ends it, sometimes
 * with the target paused (libxenctrl) so its end is caught between two steps. */
static void s_race_end(struct peer *p, int r)
{
	answer(p, r);
	double until = peer_now() + 0.04;
	int cycle = 0;
	while (peer_now() < until) {
		int paused = p->xc && (cycle++ & 1) && xc_domain_pause(p->xc, p->target) == 0;
		int m = peer_map(p, p->reqs[r].gref, 1, p->reqs[r].id, 0);
		if (paused)
			xc_domain_unpause(p->xc, p->target);
		if (m < 0)
			break; /* the grant is gone: the frontend ended it */
		for (int i = 0; i < 5; i++) {
			sleep_us(100);
			peer_check_maps(p);
		}
		peer_unmap(p, m);
	}
}

/* storm: map/unmap storms on each request, plus speculative maps of refs not yet requested
 * (a grant published flags-first can be caught pointing at its previous frame). */
static void speculate(struct peer *p)
{
	double now = peer_now();
	for (int m = 0; m < PEER_MAX_MAPS; m++)
		if (p->maps[m].in_use && p->maps[m].speculative && now - p->maps[m].since > 0.003) {
			peer_check_maps(p);
			peer_unmap(p, m);
		}
	for (uint32_t ref = SPEC_FIRST_REF; ref < SPEC_FIRST_REF + SPEC_REFS; ref++)
		if (peer_find_map(p, ref) < 0)
			peer_map(p, ref, 1, -1, 1);
}

static void s_storm(struct peer *p, int r)
{
	int spec = peer_find_map(p, p->reqs[r].gref);
	if (spec >= 0 && p->maps[spec].speculative) {
		p->maps[spec].req_id = p->reqs[r].id; /* now we know what it must show */
		peer_check_fresh(p, spec);
		peer_unmap(p, spec);
	}
	for (int i = 0; i < 10; i++) {
		int m = map_request(p, r, 1);
		if (m < 0)
			break;
		peer_unmap(p, m);
	}
	answer(p, r);
}

/* copy-loop: GNTTABOP_copy instead of maps, before and after "done", until the grant is gone. */
static void s_copy_loop(struct peer *p, int r)
{
	peer_copy_check(p, p->reqs[r].gref, p->reqs[r].id);
	answer(p, r);
	double until = peer_now() + 0.02;
	while (peer_now() < until && peer_copy_check(p, p->reqs[r].gref, -1) >= 0)
		;
}

/* flood: honest map/unmap, then a storm of events after every response. */
static void s_flood(struct peer *p, int r)
{
	int m = map_request(p, r, 1);
	peer_unmap(p, m);
	answer(p, r);
	for (int i = 0; i < 200; i++)
		peer_notify(p);
}

/* bad-ids: hold the map and answer an unknown id, a duplicate id, then the real one (forged). */
static void s_bad_ids(struct peer *p, int r)
{
	int m = map_request(p, r, 1);
	if (m >= 0)
		peer_write_mark(p, m);
	peer_respond(p, 0xbeef, WL_RSP_OK);
	if (p->responses > 1)
		peer_respond(p, (uint16_t)p->last_answered, WL_RSP_OK);
	answer(p, r);
}

int peer_run_strategy(struct peer *p)
{
	const char *s = p->strategy;
	int early_closed_done = 0;
	double closed_at = 0;
	while (running(p)) {
		step(p, 1);
		if (!strcmp(s, "storm"))
			speculate(p);
		if (!strcmp(s, "forged-done") || !strcmp(s, "bad-ids"))
			release_older(p, 0.2);
		if (!strcmp(s, "early-closed")) {
			unsigned held = 0;
			for (unsigned i = 0; i < p->nreqs; i++)
				held += p->reqs[i].map >= 0;
			if (!early_closed_done && (held >= 3 || (held && peer_now() - p->start > 0.5))) {
				peer_set_state(p, XenbusStateClosed); /* with every map still held */
				early_closed_done = 1;
				closed_at = peer_now();
			}
			if (closed_at && peer_now() - closed_at > 0.4)
				break;
		}
		int r;
		while ((r = peer_take_request(p)) >= 0) {
			if (!strcmp(s, "hold"))
				s_hold(p, r);
			else if (!strcmp(s, "forged-done"))
				s_forged_done(p, r);
			else if (!strcmp(s, "race-end"))
				s_race_end(p, r);
			else if (!strcmp(s, "storm"))
				s_storm(p, r);
			else if (!strcmp(s, "copy-loop"))
				s_copy_loop(p, r);
			else if (!strcmp(s, "flood"))
				s_flood(p, r);
			else if (!strcmp(s, "bad-ids"))
				s_bad_ids(p, r);
			else if (!strcmp(s, "early-closed") && !early_closed_done)
				map_request(p, r, 1);
		}
	}
	return 0;
}
