/* test_dev_stale.c - unit tests of the stale-map check (peer/dev_stale.c) on a fake grant table:
 * a grant ended as it must be is tried once and forgotten; one left live after a clean end (no
 * map of ours up), still showing the request's bytes, is reported STALE-MAP (not when it shows
 * another page: the ref granted for something else); after an end that may have met a map of
 * ours a live entry is held but never reported (deferred: refused on the second try, which waits
 * for two polls and the quiet time; written off: live for good); a ref named again is excused;
 * nothing is tried before the frontend consumed the answer; a map that works while the frontend
 * is leaving is let go unjudged; a page reused under a held map is REUSED-* (dev_watch). TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dev_stale.h"
#include "tap.h"


#define NREFS 16
static uint8_t page[NREFS][4096] __attribute__((aligned(4096)));
static int live[NREFS], ro_only[NREFS], mapped[NREFS], still_ours[NREFS], connected = 1;
static unsigned maps, unmaps, map_calls;

static void *f_map(void *ctx, uint32_t ref, int rw)
{
	(void)ctx;
	map_calls++;
	if (ref >= NREFS || !live[ref] || (rw && ro_only[ref]))
		return NULL;
	maps++;
	mapped[ref]++;
	return page[ref];
}

static void f_unmap(void *ctx, void *addr)
{
	(void)ctx;
	unsigned ref = (unsigned)(((uint8_t(*)[4096])addr) - page);
	unmaps++;
	mapped[ref]--;
}

static int f_connected(void *ctx)
{
	(void)ctx;
	return connected;
}

static int f_holds(void *ctx, uint32_t ref)
{
	(void)ctx;
	return ref < NREFS && still_ours[ref];
}

static struct dev_watch w;
static struct dev_stale s;
static char outbuf[1 << 16];
static FILE *out;
static uint32_t consumed[DS_RINGS], prod[DS_RINGS];

static void fresh(void)
{
	clk = 100.0;
	if (out)
		fclose(out);
	memset(outbuf, 0, sizeof(outbuf));
	out = fmemopen(outbuf, sizeof(outbuf), "w");
	dw_init(&w, "vif", 0.05, fake_now, NULL, out);
	const struct ds_ops ops = { .ctx = NULL, .map = f_map, .unmap = f_unmap, .connected = f_connected,
				    .holds = f_holds };
	ds_init(&s, "vif", &w, &ops, out);
	memset(live, 0, sizeof(live));
	memset(ro_only, 0, sizeof(ro_only));
	memset(mapped, 0, sizeof(mapped));
	memset(still_ours, 0, sizeof(still_ours));
	memset(page, 0x5a, sizeof(page));
	connected = 1;
	maps = unmaps = map_calls = 0;
	memset(consumed, 0, sizeof(consumed));
	memset(prod, 0, sizeof(prod));
}

static const char *lines(void)
{
	fflush(out);
	return outbuf;
}

/* The device answered on ring `ring` (one response) and let go of ref; clean: it saw the
 * frontend's end with no map of its own up. */
static void answer(uint32_t ref, unsigned ring, int clean)
{
	/* what the request's bytes of the page were: [64, 64+512) */
	struct ds_evidence ev = { .off = 64, .len = 512, .digest = ds_digest(page[ref] + 64, 512) };
	prod[ring]++;
	ds_remember(&s, ref, 7, ring, prod[ring] - 1, prod, clean, &ev);
}

/* The device pushes one more response on ring 1 (as a netback's pings do), then the frontend
 * polls: it consumes every response pushed so far. */
static void poll_all(void)
{
	prod[1]++;
	for (unsigned k = 0; k < DS_RINGS; k++)
		consumed[k] = prod[k];
}

static void step(double dt)
{
	clk += dt;
	ds_step(&s, consumed, prod);
}

/* Poll, drain, step, a few times over `secs` seconds. */
static void run(double secs)
{
	for (double t = 0; t < secs; t += 0.01) {
		poll_all();
		dw_drained(&w);
		step(0.01);
		dw_check(&w);
	}
}

/* Poll, drain, step until the held map of ref is let go (its hold is over). */
static void until_let_go(uint32_t ref)
{
	for (int i = 0; i < 1000 && mapped[ref]; i++) {
		poll_all();
		dw_drained(&w);
		step(0.01);
	}
}

int main(void)
{
	/* 1: ended as it must be */
	fresh();
	answer(3, 0, 1);
	step(0.01);
	ok(map_calls == 0, "no map before the frontend consumed the answer");
	poll_all();
	step(0.01);
	ok(map_calls == 2 && maps == 0 && s.refused == 1, "then one try, read-write and read-only, refused");
	run(1.0);
	ok(map_calls == 2 && s.reports == 0 && w.observations == 0, "an ended grant is forgotten: no more tries, no report");

	/* 2: a clean end (no map of ours up) that left the entry live: STALE-MAP */
	fresh();
	live[5] = ro_only[5] = 1;
	answer(5, 1, 1);
	poll_all();
	step(0.01);
	ok(s.hits_ro == 1 && s.hits_rw == 0 && mapped[5] == 1, "read-write refused, read-only works, held");
	step(0.01);
	ok(s.reports == 0, "not reported inside its grace");
	step(0.05);
	ok(s.reports == 0, "nor past the grace time before the ring was drained since");
	dw_drained(&w);
	step(0.01);
	ok(s.reports == 1 && w.observations == 1 &&
	   strstr(lines(), "peer: STALE-MAP device=vif ref=5 req=7 mode=ro ring=1 answered-ms-ago=") &&
	   strstr(lines(), " region=64+512\n"),
	   "reported once the grace passed and the ring drained: STALE-MAP with ref, request, mode, ring, region");
	run(1.0);
	ok(s.reports == 1 && mapped[5] == 0 && s.tries == 1, "once, let go after the hold, not tried again");

	/* 2b: live after a clean end, but another page behind it (the ref granted afresh for
	 * something else, e.g. another device of the guest served by this domain): no report */
	fresh();
	page[14][100] = 0x77;
	answer(14, 0, 1);
	page[14][100] = 0x5a; /* the grant now shows another page */
	live[14] = 1;
	poll_all();
	step(0.01);
	run(1.0);
	ok(s.hits_rw == 2 && s.elsewhere == 1 && s.reports == 0 && w.observations == 0 && mapped[14] == 0,
	   "a live ref showing other bytes than its request's: held for the oracles (twice), never STALE-MAP");
	fresh();
	memset(page[15], 0, sizeof(page[15]));
	live[15] = 1;
	answer(15, 0, 1); /* an all-zero region is no evidence of which page it is */
	poll_all();
	run(1.0);
	ok(s.hits_rw == 2 && s.reports == 0, "nor one whose request's bytes were all zero (no evidence)");

	/* 3: an end that may have met a map of ours, deferred: held, never reported, refused later */
	fresh();
	live[4] = 1;
	answer(4, 0, 0);
	poll_all();
	step(0.01);
	ok(maps == 1 && s.hits_rw == 1 && mapped[4] == 1, "a deferred end: the first map works (read-write) and is held");
	run(s.hold - 0.05);
	ok(s.reports == 0 && mapped[4] == 1, "held past the grace, not reported (the end may be deferred)");
	until_let_go(4);
	ok(mapped[4] == 0 && clk - 100.0 < s.hold + 0.05, "then let go after its hold");
	live[4] = 0; /* the library's tick ended it */
	run(0.5);
	ok(s.reports == 0 && w.observations == 0 && s.tries == 2, "the second try is refused: no report");

	/* 4: the same, the grant kept live for good (a library that wrote the page off): never reported */
	fresh();
	live[6] = 1;
	answer(6, 0, 0);
	poll_all();
	step(0.01);
	until_let_go(6);
	ok(mapped[6] == 0 && s.tries == 1, "held, then let go");
	step(s.quiet + 0.01);
	ok(s.tries == 1, "no second try before the frontend polled");
	poll_all();
	step(0.01);
	ok(s.tries == 1, "nor after one poll (the tick that retries a deferred end may come after it)");
	poll_all();
	step(0.01);
	ok(s.tries == 2 && mapped[6] == 1, "after the second poll and the quiet time: tried again, it maps, held");
	run(1.0);
	ok(s.reports == 0 && w.observations == 0 && mapped[6] == 0 && s.tries == 2,
	   "never reported (a written-off grant is no finding), let go, no third try");

	/* 5: the ref granted afresh for a new request: excused */
	fresh();
	live[8] = 1;
	answer(8, 0, 1);
	poll_all();
	step(0.01);
	ok(mapped[8] == 1, "a live ref mapped");
	ds_named(&s, 8);
	ok(mapped[8] == 0 && s.excused == 1, "named in a request: let go, excused");
	run(0.5);
	ok(s.reports == 0 && w.observations == 0, "never reported");

	/* 6: a map that works while the frontend is leaving is let go unjudged */
	fresh();
	live[7] = 1;
	connected = 0;
	answer(7, 0, 1);
	poll_all();
	step(0.01);
	ok(maps == 1 && mapped[7] == 0 && s.dropped == 1, "the frontend left: the map is let go at once");
	run(0.5);
	ok(s.reports == 0 && map_calls == 1, "and forgotten, no report");

	/* 7: a ref we still map (held for the oracle) is not tried */
	fresh();
	live[9] = 0;
	still_ours[9] = 1;
	answer(9, 0, 0);
	run(0.5);
	ok(map_calls == 0, "a ref the device still maps is not tried");
	still_ours[9] = 0;
	poll_all();
	step(0.01);
	ok(map_calls == 2, "tried once the device let go of it");

	/* 8: the page reused under a held map: the black-box oracle's REUSED-WRITE */
	fresh();
	live[10] = 1;
	answer(10, 0, 0);
	poll_all();
	step(0.01);
	page[10][100] ^= 0xff;
	run(0.2);
	ok(w.observations == 1 && s.reports == 0 && strstr(lines(), "peer: REUSED-WRITE device=vif ref=10") &&
	   strstr(lines(), "page=200"), "a page that changes under a held map is REUSED-WRITE (page 200), clean or not");

	/* 9: the end of a run: everything held let go, no report */
	fresh();
	live[11] = live[12] = 1;
	answer(11, 0, 1);
	answer(12, 0, 0);
	poll_all();
	step(0.01);
	ds_reset(&s);
	ok(maps == 2 && unmaps == 2 && s.reports == 0, "ds_reset lets go of every held map, unjudged");

	/* 10: remembering a ref again replaces its older life */
	fresh();
	live[13] = 1;
	answer(13, 0, 0);
	poll_all();
	step(0.01);
	answer(13, 0, 0);
	ok(mapped[13] == 0 && maps == 1 && unmaps == 1, "a ref remembered again: the older life's map let go");

	printf("1..%d\n", n);
	return failures ? 1 : 0;
}
