/* peer_scenario.c - `--scenario FILE`: play the peer and backend lines of a scenario
 * (harness/world/SCENARIO.md, harness/workload/README.md) against a live frontend.
 *
 * Target and frontend lines are the target's own business here (it runs its workload) and are
 * skipped; an `at K` prefix has no scheduling point to wait for across processes, so the step
 * runs at once. Grants are named as a backend knows them, by request id (`backend map N`), or by
 * raw ref (`peer map rN`); a `gN` name needs the target's `share ... as gN` and is not for here.
 * The peer's maps are watched between steps as in every strategy.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peer.h"

static int bad(const char *file, int line, const char *msg)
{
	fprintf(stderr, "scenario:%d: %s (%s)\n", line, msg, file);
	return -1;
}

static int parse_num(const char *s, char prefix, unsigned long *out)
{
	if (!s)
		return -1;
	if (prefix) {
		if (*s != prefix)
			return -1;
		s++;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	char *end;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end || errno ? -1 : 0;
}

/* The grammar, checked for the whole file before the peer connects to anything. */
static int check_step(char **w, int n, const char *file, int line)
{
	static const char *const be0[] = { "connect", "map-req", "respond-next", "respond-dup", "respond-bogus",
					   "notify", "closed", "unmap-all", NULL };
	static const char *const be1[] = { "respond", "flood", "unmap", "read", "write", "map", NULL };
	static const char *const pr1[] = { "unmap", "read", "write", "done", NULL };
	unsigned long v;
	if (!strcmp(w[0], "backend")) {
		for (int i = 0; be0[i]; i++)
			if (!strcmp(w[1], be0[i]))
				return n == 2 ? 0 : bad(file, line, "this backend step takes no argument");
		for (int i = 0; be1[i]; i++)
			if (!strcmp(w[1], be1[i]))
				return n == 3 && parse_num(w[2], 0, &v) == 0 && v <= 0xffff ? 0
					: bad(file, line, "this backend step takes one request id (0..65535)");
		return bad(file, line, "unknown backend step");
	}
	if (!strcmp(w[1], "unmap-all"))
		return n == 2 ? 0 : bad(file, line, "unmap-all takes no argument");
	if (!strcmp(w[1], "map") || !strcmp(w[1], "copy")) {
		const char *a = !strcmp(w[1], "map") ? "rw" : "to", *b = !strcmp(w[1], "map") ? "ro" : "from";
		return n == 4 && parse_num(w[2], 'r', &v) == 0 && (!strcmp(w[3], a) || !strcmp(w[3], b)) ? 0
			: bad(file, line, !strcmp(w[1], "map") ? "expected: peer map rN rw|ro" : "expected: peer copy rN to|from");
	}
	for (int i = 0; pr1[i]; i++)
		if (!strcmp(w[1], pr1[i]))
			return n == 3 && parse_num(w[2], 'r', &v) == 0 ? 0 : bad(file, line, "expected a grant ref rN");
	return bad(file, line, "unknown peer step");
}

static void take_all(struct peer *p)
{
	while (peer_take_request(p) >= 0)
		;
}

static int req_by_id(struct peer *p, unsigned long id)
{
	for (int i = (int)p->nreqs - 1; i >= 0; i--)
		if (p->reqs[i].id == id)
			return i;
	return -1;
}

static void pause_watch(struct peer *p, int ms)
{
	peer_drain_events(p, ms);
	peer_check_maps(p);
}

/* `backend map N`: map request N's grant again, the ref the request carried on the ring (the
 * frontend's requests are writes: read-write). Request N may still be on its way: wait up to a
 * second for it, as map-req does. The map is checked for freshness only while N is unanswered:
 * once answered, the frontend may legitimately have granted the ref to a newer request (a page
 * it took back for itself still shows, as REUSED-*). */
static void backend_map(struct peer *p, unsigned long id)
{
	double until = peer_now() + 1.0;
	int r;
	while ((r = req_by_id(p, id)) < 0 && peer_now() <= until) {
		pause_watch(p, 2);
		take_all(p);
	}
	if (r < 0)
		return;
	int m = peer_map(p, p->reqs[r].gref, 1, p->reqs[r].answered ? -1 : (int32_t)id, 0);
	if (m < 0)
		return;
	if (p->reqs[r].map < 0)
		p->reqs[r].map = m;
	peer_check_fresh(p, m);
}

static int backend_step(struct peer *p, char **w, int n, const char *file, int line)
{
	unsigned long v;
	int r;
	take_all(p);
	if (!strcmp(w[1], "connect"))
		return 0; /* done before the first step */
	if (!strcmp(w[1], "map-req")) {
		double until = peer_now() + 1.0;
		while ((r = -1, 1)) {
			for (unsigned i = 0; i < p->nreqs; i++)
				if (p->reqs[i].map < 0 && !p->reqs[i].answered) {
					r = (int)i;
					break;
				}
			if (r >= 0 || peer_now() > until)
				break;
			pause_watch(p, 2);
			take_all(p);
		}
		if (r >= 0) {
			int m = peer_map(p, p->reqs[r].gref, 1, p->reqs[r].id, 0);
			p->reqs[r].map = m;
			if (m >= 0)
				peer_check_fresh(p, m);
		}
		return 0;
	}
	if (!strcmp(w[1], "respond-next")) {
		for (unsigned i = 0; i < p->nreqs; i++)
			if (!p->reqs[i].answered) {
				peer_respond(p, p->reqs[i].id, WL_RSP_OK);
				p->reqs[i].answered = 1;
				break;
			}
		return 0;
	}
	if (!strcmp(w[1], "respond-dup")) {
		if (p->responses)
			peer_respond(p, (uint16_t)p->last_answered, WL_RSP_OK);
		return 0;
	}
	if (!strcmp(w[1], "respond-bogus")) {
		peer_respond(p, 0xbeef, WL_RSP_OK);
		return 0;
	}
	if (!strcmp(w[1], "notify")) {
		peer_notify(p);
		return 0;
	}
	if (!strcmp(w[1], "closed"))
		return peer_set_state(p, XenbusStateClosed);
	if (!strcmp(w[1], "unmap-all")) {
		peer_unmap_all(p);
		return 0;
	}
	if (n < 3 || parse_num(w[2], 0, &v) < 0)
		return bad(file, line, "expected a number");
	if (!strcmp(w[1], "respond")) {
		peer_respond(p, (uint16_t)v, WL_RSP_OK);
		if ((r = req_by_id(p, v)) >= 0)
			p->reqs[r].answered = 1;
		return 0;
	}
	if (!strcmp(w[1], "flood")) {
		for (unsigned long i = 0; i < v && i < 1000000; i++)
			peer_notify(p);
		return 0;
	}
	if (!strcmp(w[1], "map")) {
		backend_map(p, v);
		return 0;
	}
	r = req_by_id(p, v);
	if (!strcmp(w[1], "unmap")) {
		if (r >= 0)
			peer_unmap(p, p->reqs[r].map);
		return 0;
	}
	if (!strcmp(w[1], "read")) {
		peer_check_maps(p);
		return 0;
	}
	if (!strcmp(w[1], "write")) {
		if (r >= 0 && p->reqs[r].map >= 0)
			peer_write_mark(p, p->reqs[r].map);
		return 0;
	}
	return bad(file, line, "unknown backend step");
}

static int peer_step(struct peer *p, char **w, int n, const char *file, int line)
{
	unsigned long ref;
	if (!strcmp(w[1], "unmap-all")) {
		peer_unmap_all(p);
		return 0;
	}
	if (n < 3 || parse_num(w[2], 'r', &ref) < 0)
		return bad(file, line, "expected a grant ref rN");
	take_all(p);
	if (!strcmp(w[1], "map")) {
		if (n < 4 || (strcmp(w[3], "rw") && strcmp(w[3], "ro")))
			return bad(file, line, "map needs rw or ro");
		int req = -1;
		for (unsigned i = 0; i < p->nreqs; i++)
			if (p->reqs[i].gref == ref)
				req = p->reqs[i].id;
		int m = peer_map(p, (uint32_t)ref, !strcmp(w[3], "rw"), req, 0);
		if (m >= 0)
			peer_check_fresh(p, m);
		return 0;
	}
	if (!strcmp(w[1], "unmap")) {
		peer_unmap(p, peer_find_map(p, (uint32_t)ref));
		return 0;
	}
	if (!strcmp(w[1], "read")) {
		peer_check_maps(p);
		return 0;
	}
	if (!strcmp(w[1], "write")) {
		int m = peer_find_map(p, (uint32_t)ref);
		if (m >= 0)
			peer_write_mark(p, m);
		return 0;
	}
	if (!strcmp(w[1], "copy")) {
		if (n < 4 || (strcmp(w[3], "to") && strcmp(w[3], "from")))
			return bad(file, line, "copy needs to or from");
		if (!strcmp(w[3], "from"))
			peer_copy_check(p, (uint32_t)ref, -1);
		else {
			char mark[4] = "PEER";
			xengnttab_grant_copy_segment_t seg = { .len = 4, .flags = GNTCOPY_dest_gref };
			seg.dest.foreign.ref = (uint32_t)ref;
			seg.dest.foreign.domid = (uint16_t)p->target;
			seg.source.virt = mark;
			xengnttab_grant_copy(p->xgt, 1, &seg);
		}
		return 0;
	}
	if (!strcmp(w[1], "done")) {
		for (unsigned i = 0; i < p->nreqs; i++)
			if (p->reqs[i].gref == ref && !p->reqs[i].answered) {
				peer_respond(p, p->reqs[i].id, WL_RSP_OK);
				p->reqs[i].answered = 1;
				peer_notify(p);
				break;
			}
		return 0;
	}
	return bad(file, line, "unknown peer step");
}

int peer_run_scenario(struct peer *p, const char *file)
{
	int dry = p == NULL; /* peer_check_scenario: the grammar only */
	FILE *f = fopen(file, "r");
	if (!f) {
		fprintf(stderr, "peer: cannot open scenario %s: %s\n", file, strerror(errno));
		return -1;
	}
	char buf[512];
	int line = 0, rc = 0;
	while (rc == 0 && fgets(buf, sizeof(buf), f)) {
		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			rc = bad(file, line, "line too long");
			break;
		}
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = 0;
		char *w[8];
		int n = 0;
		for (char *tok = strtok(buf, " \t\r\n"); tok && n < 8; tok = strtok(NULL, " \t\r\n"))
			w[n++] = tok;
		int o = 0;
		if (n >= 2 && !strcmp(w[0], "at")) /* no scheduling points across processes: run now */
			o = 2;
		/* the target's own steps, and `cpu` steps: a real CPU's store buffer drains by itself */
		if (n - o == 0 || !strcmp(w[o], "config") || !strcmp(w[o], "target") || !strcmp(w[o], "frontend") ||
		    !strcmp(w[o], "cpu"))
			continue;
		if (n == 8)
			rc = bad(file, line, "too many words");
		else if (n - o < 2)
			rc = bad(file, line, "expected ACTOR VERB");
		else if (strcmp(w[o], "peer") && strcmp(w[o], "backend"))
			rc = bad(file, line, "unknown actor");
		else if (dry)
			rc = check_step(w + o, n - o, file, line);
		else if (!strcmp(w[o], "peer"))
			rc = peer_step(p, w + o, n - o, file, line);
		else
			rc = backend_step(p, w + o, n - o, file, line);
		if (!dry)
			pause_watch(p, 2);
	}
	fclose(f);
	if (dry)
		return rc;
	double until = peer_now() + 0.3; /* let the target act on the last step, keep watching */
	while (rc == 0 && peer_now() < until)
		pause_watch(p, 5);
	return rc;
}

int peer_check_scenario(const char *file)
{
	return peer_run_scenario(NULL, file);
}
