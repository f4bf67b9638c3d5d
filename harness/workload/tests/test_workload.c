/* test_workload.c - the frontend against a hostile backend, in the real in-process world (the
 * grant library behind its seam adapter, the simulated Xen and the oracle; nothing mocked). It is
 * linked like gntworld, once per variant (library/mutant): gntfuzz_library and gntfuzz_mutant
 * name the one this binary was built with.
 *
 *   test_workload                 behaviour checks (needs a fixed build: mutant "fixed")
 *   test_workload --scenarios F.. run each wl-*.scn and compare the verdict with its claim for
 *                                 this library: "# catches: ..." for the reference library grants,
 *                                 "# catches LIB: ..." for library LIB; no line for the library:
 *                                 only "a fixed build is clean" is checked
 *   test_workload --random        hostile random workloads: none flagged on a fixed build, some
 *                                 flagged on a mutant
 * Prints TAP-style "ok - ..." / "not ok - ..." lines; exits 1 if any check failed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "world/world.h"
#include "workload/workload.h"

#define REFERENCE_LIBRARY "grants" /* the library the plain "# catches:" line is about */

static struct world W;

static int is_fixed(void)
{
	return !strcmp(gntfuzz_mutant, "fixed");
}

static const volatile struct wl_tag *tag_of(uint64_t frame)
{
	const uint8_t *mem = workload_of(&W)->ops.page_mem(&W, frame);

	return mem ? (const volatile struct wl_tag *)(mem + WL_TAG_OFFSET) : NULL;
}
static int failures;

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		failures++;
}

/* Run scenario text in a fresh world; returns the verdict (0 clean, 1 violation). */
static int run(const char *text)
{
	static struct scenario scn;
	char err[256];

	if (scn_parse_text(&scn, text, strlen(text), err, sizeof(err))) {
		printf("# scenario does not parse: %s\n", err);
		return -1;
	}
	return world_run(&W, &scn);
}

#define PROLOGUE "config version 1 pages 32 refs 64 deferq 8\nfrontend connect\nbackend connect\n"

static const char *xs(const char *path)
{
	static char buf[WL_XS_VALUE_MAX];

	return wl_xs_read(&workload_of(&W)->xs, path, buf, sizeof(buf)) ? "(absent)" : buf;
}

static void test_numbers(void)
{
	char buf[24];
	uint64_t v = 0;

	check(fe_utoa(0, buf, sizeof(buf)) == 1 && !strcmp(buf, "0"), "fe_utoa 0");
	check(fe_utoa(UINT64_MAX, buf, sizeof(buf)) == 20 && !strcmp(buf, "18446744073709551615"),
	      "fe_utoa UINT64_MAX");
	check(fe_utoa(12345, buf, 5) == 0, "fe_utoa refuses a buffer without room for the NUL");
	check(fe_atou("4096", 65535, &v) == 0 && v == 4096, "fe_atou parses a decimal");
	check(fe_atou("", 10, &v) < 0 && fe_atou("12x", 100, &v) < 0 && fe_atou("-1", 10, &v) < 0,
	      "fe_atou rejects empty, trailing junk and signs");
	check(fe_atou("7", 6, &v) < 0 && fe_atou("18446744073709551616", UINT64_MAX, &v) < 0,
	      "fe_atou rejects values above max and 64-bit overflow");
}

static void test_handshake(void)
{
	char want[24];
	int rc;

	rc = run("config version 1\nbackend connect\nfrontend connect\n");
	check(rc == 0 && !workload_of(&W)->be.connected && workload_of(&W)->be.refused == 1 &&
	      workload_of(&W)->fe.state == XenbusStateInitialised && !strcmp(xs(WL_FE_PATH "/state"), "3"),
	      "handshake: the backend cannot connect before the frontend published its keys; frontend Initialised");

	rc = run(PROLOGUE);
	snprintf(want, sizeof(want), "%u", workload_of(&W)->fe.ring_ref);
	check(rc == 0 && !strcmp(xs(WL_FE_PATH "/" WL_XS_RING_REF), want),
	      "handshake: ring-ref %s published under the device path", want);
	snprintf(want, sizeof(want), "%u", workload_of(&W)->fe.port);
	check(workload_of(&W)->fe.port != 0 && !strcmp(xs(WL_FE_PATH "/" WL_XS_EVTCHN), want),
	      "handshake: event-channel %s published", want);
	check(workload_of(&W)->be.connected && workload_of(&W)->be.ring_gref == workload_of(&W)->fe.ring_ref &&
	      workload_of(&W)->fe.state == XenbusStateConnected && !strcmp(xs(WL_FE_PATH "/state"), "4") &&
	      !strcmp(xs(WL_BE_PATH "/state"), "4"),
	      "handshake: backend maps the ring and goes Connected, frontend follows to Connected");
	check(world_live_share(&W, workload_of(&W)->fe.ring_ref) >= 0,
	      "handshake: the ring page is shared through the library (the seam's share)");
}

static void test_send(void)
{
	const struct wl_request *req;
	const volatile struct wl_tag *tag;
	int rc;

	rc = run("config version 1\nfrontend connect\nfrontend send\n");
	check(rc == 0 && workload_of(&W)->fe.c.sent == 0 && workload_of(&W)->fe.c.send_refused == 1,
	      "send: refused until the backend is Connected");

	rc = run(PROLOGUE "frontend send\nfrontend send\n");
	req = RING_GET_REQUEST(&workload_of(&W)->fe.ring, 1);
	check(rc == 0 && workload_of(&W)->fe.c.sent == 2 && workload_of(&W)->fe.ring.sring->req_prod == 2 && req->id == 1 &&
	      req->op == WL_OP_DATA && req->gref == workload_of(&W)->fe.slots[1].gref,
	      "send: two requests pushed; the second is {id 1, gref %u}", req->gref);
	tag = tag_of(workload_of(&W)->fe.slots[1].frame);
	check(tag && tag->magic == WL_TAG_MAGIC && tag->kind == WL_TAG_REQUEST && tag->req_id == 1,
	      "send: the data page carries a REQUEST tag with its id");
	check(world_live_share(&W, req->gref) >= 0 && workload_of(&W)->fe.inflight == 2,
	      "send: the data page is shared and in flight");
	check(!(W.sim.doms[WORLD_TARGET_DOM].shared.v1[req->gref].flags & GTF_readonly),
	      "send: a data request is granted read-write");

	rc = run(PROLOGUE "frontend send-ro\nbackend map-req\n");
	req = RING_GET_REQUEST(&workload_of(&W)->fe.ring, 0);
	check(rc == 0 && req->op == WL_OP_READ &&
	      (W.sim.doms[WORLD_TARGET_DOM].shared.v1[req->gref].flags & (GTF_readonly | GTF_permit_access)) ==
		      (GTF_readonly | GTF_permit_access) && workload_of(&W)->be.nreqs == 1 && workload_of(&W)->be.reqs[0].mapped,
	      "send-ro: a read request is granted read-only and the backend maps it");
}

static void test_round_trip(void)
{
	int rc = run(PROLOGUE "frontend send\nbackend map-req\nbackend write 0\nbackend unmap 0\n"
			      "backend respond-next\nbackend notify\n");
	const volatile struct wl_tag *tag = workload_of(&W)->fe.nr_spare ?
		tag_of(workload_of(&W)->fe.spare[workload_of(&W)->fe.nr_spare - 1]) : NULL;

	check(rc == 0 && workload_of(&W)->fe.c.completed == 1 && workload_of(&W)->fe.c.returned == 1 && workload_of(&W)->fe.c.reused == 1 &&
	      workload_of(&W)->fe.inflight == 0, "round trip: honest done -> unshare OK -> page reused");
	check(tag && tag->kind == WL_TAG_REUSED && tag->req_id == 0,
	      "round trip: the reused page carries a new REUSED tag");
}

static void test_forged_done_fixed(void)
{
	int rc = run(PROLOGUE "frontend send\nbackend map-req\nbackend respond-next\nbackend notify\n"
			      "frontend send\nbackend read 0\n");

	check(rc == 0 && workload_of(&W)->fe.c.completed == 1 && workload_of(&W)->fe.c.busy == 1 && workload_of(&W)->fe.c.returned == 0 &&
	      workload_of(&W)->fe.c.reused == 0, "forged done: unshare BUSY, the frontend forgets the page, no reuse");
	check(workload_of(&W)->fe.slots[1].frame != workload_of(&W)->fe.slots[0].frame || workload_of(&W)->fe.slots[0].state != FE_SLOT_INFLIGHT,
	      "forged done: the next request uses another page");
}

static void test_bad_ids(void)
{
	int rc = run(PROLOGUE "frontend send\nbackend map-req\nbackend unmap 0\nbackend respond-next\n"
			      "backend notify\nfrontend send\nbackend map-req\nbackend respond-dup\n"
			      "backend respond-bogus\nbackend respond 33\nbackend notify\n");

	check(rc == 0 && workload_of(&W)->fe.c.dup_ids == 1, "bad ids: a duplicate of a completed id is counted");
	check(workload_of(&W)->fe.c.unknown_ids == 2, "bad ids: bogus id 0xbeef and never-issued id 33 are counted as unknown");
	check(workload_of(&W)->fe.c.completed == 1 && workload_of(&W)->fe.c.busy == 0 && workload_of(&W)->fe.inflight == 1 &&
	      workload_of(&W)->fe.slots[1].state == FE_SLOT_INFLIGHT &&
	      world_live_share(&W, workload_of(&W)->fe.slots[1].gref) >= 0,
	      "bad ids: ignored: request 1 (on request 0's page) is still shared and in flight");
}

/* backend map N: the grant a backend knows, the ref request N carried on the ring. */
static void test_backend_map(void)
{
	const struct wl_backend *be = &workload_of(&W)->be;
	int rc = run(PROLOGUE "frontend send\nbackend map 0\nbackend map-req\nbackend unmap 0\nbackend map 0\n");

	check(rc == 0 && be->refused == 1 && be->nreqs == 1 && be->reqs[0].mapped == 1 &&
	      be->reqs[0].gref == RING_GET_REQUEST(&workload_of(&W)->fe.ring, 0)->gref,
	      "backend map: refused before request 0 is taken off the ring; then maps its grant again by the ref it carried");
	rc = run(PROLOGUE "frontend send\nbackend map-req\nbackend unmap 0\nbackend respond-next\nbackend notify\n"
			  "backend map 0\n");
	check(rc == 0 && be->reqs[0].mapped == 0 && W.peer_aimed > 0 && !world_vacuous(&W),
	      "backend map: once request 0's grant is ended Xen refuses the map (a try at a ref handed out: not vacuous)");
	rc = run(PROLOGUE "frontend send-ro\nbackend map-req\nbackend map 0\nbackend write 0\n");
	check(rc == 0 && be->reqs[0].mapped == 2 && be->reqs[0].readonly,
	      "backend map: a read request's grant is mapped read-only again (and the write through it refused)");
}

static void test_flood(void)
{
	static char text[8192];
	size_t n;
	int rc;

	rc = run(PROLOGUE "frontend send\nbackend map-req\nbackend unmap 0\nbackend respond-next\n"
			  "backend flood 3000\nbackend flood 65535\n");
	check(rc == 0 && workload_of(&W)->fe.c.events == 3000 + WL_FLOOD_MAX && workload_of(&W)->fe.c.spurious_events == 2999 + WL_FLOOD_MAX &&
	      workload_of(&W)->fe.c.completed == 1, "flood: 3000 + %u (capped) events -> as many bounded upcalls, all but one spurious",
	      WL_FLOOD_MAX);

	/* 20 answered requests, one poll: the budget stops it at FE_POLL_BUDGET. */
	n = (size_t)snprintf(text, sizeof(text), PROLOGUE);
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "frontend send\nbackend map-req\nbackend unmap %d\n", i);
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "backend respond-next\n");
	rc = run(strcat(text, "frontend poll\n"));
	check(rc == 0 && workload_of(&W)->fe.c.completed == FE_POLL_BUDGET && workload_of(&W)->fe.c.budget_hits == 1,
	      "flood: one poll handles at most %d responses and counts the cut", FE_POLL_BUDGET);
	rc = run(strcat(text, "frontend poll\n"));
	check(rc == 0 && workload_of(&W)->fe.c.completed == 20 && workload_of(&W)->fe.c.returned == 20,
	      "flood: the next poll handles the rest");

	/* More responses than requests: the producer index lies. */
	n = (size_t)snprintf(text, sizeof(text), PROLOGUE "frontend send\n");
	for (unsigned i = 0; i <= WL_RING_SIZE; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "backend respond-bogus\n");
	rc = run(strcat(text, "frontend poll\nfrontend poll\n"));
	check(rc == 0 && workload_of(&W)->fe.c.ring_overflows == 1 && workload_of(&W)->fe.broken && workload_of(&W)->fe.c.unknown_ids == 0,
	      "flood: %u responses for 1 request -> ring marked broken, none processed", WL_RING_SIZE + 1);
}

static void test_closed(void)
{
	int rc;

	rc = run(PROLOGUE "frontend send\nfrontend send\nbackend map-req\nbackend map-req\nbackend closed\n"
			  "backend read 0\nbackend write 1\nbackend closed\n");
	check(rc == 0 && workload_of(&W)->fe.state == XenbusStateClosed && !strcmp(xs(WL_FE_PATH "/state"), "6"),
	      "closed: the frontend tears down and publishes Closed");
	check(workload_of(&W)->fe.c.busy == 3 && workload_of(&W)->fe.c.returned == 0 && workload_of(&W)->fe.inflight == 0 && workload_of(&W)->fe.c.teardowns == 1,
	      "closed with maps held: 2 data pages and the ring stay with the library (3 busy), teardown once");

	rc = run("config version 1 pages 16 refs 64 deferq 1\nfrontend connect\nbackend connect\n"
		 "frontend send\nfrontend send\nbackend map-req\nbackend map-req\nbackend closed\n");
	/* How many the library defers and how many it writes off is its policy (a bounded queue, or
	 * pending forever); the frontend forgets all three either way. */
	check(rc == 0 && workload_of(&W)->fe.c.busy + workload_of(&W)->fe.c.leaked == 3 &&
	      workload_of(&W)->fe.c.returned == 0 && workload_of(&W)->fe.inflight == 0,
	      "closed with a 1-entry reclaim queue: none freed, all 3 left to the library (%" PRIu64 " deferred, %" PRIu64 " written off)",
	      workload_of(&W)->fe.c.busy, workload_of(&W)->fe.c.leaked);

	rc = run(PROLOGUE "frontend send\nbackend map-req\nbackend unmap 0\nbackend respond-next\n"
			  "backend notify\nfrontend send\nbackend map-req\nbackend unmap-all\nbackend closed\n");
	check(rc == 0 && workload_of(&W)->fe.c.returned == 3 && workload_of(&W)->fe.nr_spare == 0 && workload_of(&W)->fe.c.busy == 0,
	      "closed with nothing mapped: data page and ring come back, spares freed");

	/* A backend state the frontend cannot read is counted, not followed. */
	wl_xs_write(&workload_of(&W)->xs, WL_BE_PATH "/state", "4x");
	fe_otherend_changed(&workload_of(&W)->fe);
	wl_xs_write(&workload_of(&W)->xs, WL_BE_PATH "/state", "99");
	fe_otherend_changed(&workload_of(&W)->fe);
	check(workload_of(&W)->fe.c.bad_backend_state == 2, "closed: malformed and out-of-range backend states are counted");
}

/* The claim of a scenario for `lib`: the line "# catches: NAMES" for the reference library,
 * "# catches LIB: NAMES" for library LIB (NAMES: mutant names, or "none"; a trailing "#" starts
 * a comment). 1 if `mutant` is named, 0 if not, -1 if the scenario has no line for `lib`. */
static int claim_of(const char *text, const char *lib, const char *mutant)
{
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *p = line, *name;
		size_t len, nlen;
		char list[256];

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '#')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "catches", 7))
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		name = p;                   /* the library's name, or the ':' of the plain line */
		nlen = strcspn(p, " \t:\n");
		p += nlen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != ':')
			continue;
		if (nlen ? strlen(lib) != nlen || strncmp(name, lib, nlen) : strcmp(lib, REFERENCE_LIBRARY))
			continue;
		len = strcspn(p, "#\n");
		if (len >= sizeof(list))
			len = sizeof(list) - 1;
		memcpy(list, p, len);
		list[len] = 0;
		for (char *tok = strtok(list, " ,\t"); tok; tok = strtok(NULL, " ,\t"))
			if (!strcmp(tok, mutant))
				return 1;
		return 0;
	}
	return -1;
}

static void run_scenario_file(const char *path)
{
	static char text[65536];
	static struct scenario scn;
	char name[96], err[256];
	FILE *f = fopen(path, "r");
	size_t n;
	int claim, want, rc;

	snprintf(name, sizeof(name), "%s/%s", gntfuzz_library, gntfuzz_mutant);
	if (!f) {
		check(0, "%s: cannot open", path);
		return;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	claim = claim_of(text, gntfuzz_library, gntfuzz_mutant);
	if (claim < 0 && !strcmp(gntfuzz_library, REFERENCE_LIBRARY)) {
		check(0, "%s: no \"# catches:\" header", path);
		return;
	}
	if (scn_parse_text(&scn, text, n, err, sizeof(err))) {
		check(0, "%s: %s", path, err);
		return;
	}
	if (seam_check(&gntfuzz_adapter, scn.cfg.version, err, sizeof(err))) {
		printf("ok - %s on %s: not run, %s # SKIP\n", path, name, err);
		return;
	}
	/* A fixed build must be clean whatever the claims; a mutant is compared with its claim. */
	want = is_fixed() ? 0 : claim;
	rc = world_run(&W, &scn);
	if (rc == 0 && world_vacuous(&W)) {
		check(0, "%s on %s: vacuous (the backend could not act: %u tries, none at a ref handed out)", path, name,
		      W.peer_tries);
		return;
	}
	if (rc == 1)
		printf("# %s on %s: invariant %d at step %u: %s\n", path, name, W.oracle.first.inv,
		       W.oracle.first.step + 1, W.oracle.first.msg);
	if (want < 0)
		check(rc == 0 || rc == 1, "%s on %s: %s (no claim for %s: not compared)", path, name,
		      rc == 1 ? "caught" : rc == 0 ? "clean" : "error", gntfuzz_library);
	else
		check(rc == want, "%s on %s: %s (expected %s)", path, name,
		      rc == 1 ? "caught" : rc == 0 ? "clean" : "error", want ? "caught" : "clean");
}

/* Random workload-only scenarios (a fixed seed, so every run is the same). With the fixed library
 * this frontend must never be flagged, whatever order the hostile backend picks; with a mutant
 * the same runs must find it (both directions, so "0 flagged" means something). */
static void test_random(unsigned runs, uint32_t seed)
{
	/* Weighted: the ring steps often, the session-ending ones rarely. */
	static const uint16_t ops[] = {
		SCN_OP_FRONTEND_send, SCN_OP_FRONTEND_send, SCN_OP_FRONTEND_send, SCN_OP_FRONTEND_send_ro,
		SCN_OP_BACKEND_map_req, SCN_OP_BACKEND_map_req, SCN_OP_BACKEND_map_req,
		SCN_OP_BACKEND_respond_next, SCN_OP_BACKEND_respond_next, SCN_OP_BACKEND_respond_next,
		SCN_OP_BACKEND_unmap, SCN_OP_BACKEND_unmap, SCN_OP_BACKEND_unmap,
		SCN_OP_BACKEND_notify, SCN_OP_BACKEND_notify, SCN_OP_FRONTEND_poll, SCN_OP_FRONTEND_tick,
		SCN_OP_TARGET_tick, SCN_OP_BACKEND_respond_dup, SCN_OP_BACKEND_respond_bogus,
		SCN_OP_BACKEND_respond, SCN_OP_BACKEND_flood, SCN_OP_BACKEND_read, SCN_OP_BACKEND_write,
		SCN_OP_FRONTEND_connect, SCN_OP_BACKEND_connect, SCN_OP_BACKEND_closed, SCN_OP_BACKEND_unmap_all,
		SCN_OP_BACKEND_map,
	};
	static struct scenario scn;
	const unsigned nops = sizeof(ops) / sizeof(ops[0]);
	const int fixed = is_fixed();
	unsigned bad = 0;
	uint64_t sent = 0, completed = 0, busy = 0, events = 0;

	for (unsigned r = 0; r < runs; r++) {
		memset(&scn, 0, sizeof(scn));
		scn_config_default(&scn.cfg);
		scn.cfg.deferq = (uint8_t)(1 + r % 8);
		scn.nsteps = 2 + r % 120;
		for (uint32_t i = 0; i < scn.nsteps; i++) {
			struct scn_step *st = &scn.steps[i];

			seed = seed * 1103515245u + 12345u;
			/* Most runs start with the handshake so the ring steps have something to do. */
			st->op = i == 0 && r % 8 ? SCN_OP_FRONTEND_connect :
				 i == 1 && r % 8 ? SCN_OP_BACKEND_connect : ops[(seed >> 8) % nops];
			st->arg[0] = st->op == SCN_OP_BACKEND_flood ? (seed >> 20) % 300 : (seed >> 20) % 24;
		}
		if (world_run(&W, &scn) != 0 && !bad++ && fixed) {
			printf("# random run %u flagged %s/fixed: %s\n", r, gntfuzz_library, W.oracle.first.msg);
			scn_print(&scn, stdout);
		}
		sent += workload_of(&W)->fe.c.sent;
		completed += workload_of(&W)->fe.c.completed;
		busy += workload_of(&W)->fe.c.busy;
		events += workload_of(&W)->fe.c.events;
	}
	if (!fixed) {
		check(bad > 0, "random: %u hostile workload scenarios on %s/%s, %u caught", runs, gntfuzz_library,
		      gntfuzz_mutant, bad);
		return;
	}
	/* The runs must really exercise the ring, or "0 flagged" would mean nothing. */
	check(sent > runs && completed > runs / 5 && busy > runs / 5 && events > runs,
	      "random: the runs exercised the ring (%" PRIu64 " sent, %" PRIu64 " completed, %" PRIu64 " busy, %" PRIu64 " events)",
	      sent, completed, busy, events);
	check(!bad, "random: %u hostile workload scenarios on %s/fixed, %u flagged", runs, gntfuzz_library, bad);
}

int main(int argc, char **argv)
{
	unsetenv("GNTWORLD_FINDINGS"); /* checks must not litter findings */
	world_init(&W);
	W.findings_dir = NULL;
	W.trace = NULL;
	if (argc > 1 && !strcmp(argv[1], "--random")) {
		test_random(20000, 42);
	} else if (argc > 1 && !strcmp(argv[1], "--scenarios")) {
		for (int i = 2; i < argc; i++)
			run_scenario_file(argv[i]);
	} else if (!is_fixed()) {
		fprintf(stderr, "test_workload: the behaviour checks need a fixed build (this is %s/%s)\n",
			gntfuzz_library, gntfuzz_mutant);
		return 2;
	} else {
		test_numbers();
		test_handshake();
		test_send();
		test_round_trip();
		test_forged_done_fixed();
		test_bad_ids();
		test_backend_map();
		test_flood();
		test_closed();
		test_random(20000, 42);
	}
	return failures ? 1 : 0;
}
