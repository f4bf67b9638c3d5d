/* peer_rounds.c - `gntfuzz-peer --protocol rounds`: the round protocol of the PVH target guest
 * (harness/pvh) and of harness/nested/linux-target.c, so that one peer binary drives every target
 * on real Xen. Keys live under /local/domain/<target>/data/gntfuzz (harness/nested/README.md):
 *   peer go=K -> target "shared K" (refs) -> peer maps, done=K -> target unshares and reuses,
 *   "reused K" -> peer reads its maps (a secret there is the leak), hold hook, writes, unmaps,
 *   released=K -> target checks its secrets, "final K" (stats).
 * Maps go through peer_map()/peer_unmap() (peer_obs.c), so counters and cleanup are shared with
 * the workload protocol. Output: "peer: LEAK ..." per leaked page, "peer: verdict ... result=".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "peer.h"

#define ROUND_MAX_REFS 16
#define ROUND_STEP_TIMEOUT 60.0  /* seconds; a target that stops answering is a failure, not a hang */
#define STORM_CYCLES 50

const char *const peer_round_strategies[] = { "honest", "forged-done", "forged-ro", "storm", NULL };

int peer_round_strategy_known(const char *name)
{
	for (int i = 0; peer_round_strategies[i]; i++)
		if (!strcmp(peer_round_strategies[i], name))
			return 1;
	return 0;
}

static char *key_read(struct peer *p, const char *key)
{
	char path[160];
	unsigned len;
	snprintf(path, sizeof(path), "/local/domain/%u/data/gntfuzz/%s", p->target, key);
	return xs_read(p->xsh, XBT_NULL, path, &len);
}

static int key_write(struct peer *p, const char *key, const char *val)
{
	char path[160];
	snprintf(path, sizeof(path), "/local/domain/%u/data/gntfuzz/%s", p->target, key);
	if (xs_write(p->xsh, XBT_NULL, path, val, (unsigned)strlen(val)))
		return 0;
	fprintf(stderr, "peer: cannot write %s: %s\n", path, strerror(errno));
	return -1;
}

/* Wait until state == "<word> <round>"; the target is polled through xenstore. */
static int wait_state(struct peer *p, const char *word, unsigned round)
{
	char want[48];
	snprintf(want, sizeof(want), "%s %u", word, round);
	double end = peer_now() + ROUND_STEP_TIMEOUT;
	while (peer_now() < end) {
		char *v = key_read(p, "state");
		int hit = v && !strcmp(v, want);
		free(v);
		if (hit)
			return 0;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "peer: timeout waiting for target %u state \"%s\"\n", p->target, want);
	return -1;
}

/* Write key=K and kick the target's port, if it published one. */
static int signal_step(struct peer *p, const char *key, unsigned round)
{
	char num[16];
	snprintf(num, sizeof(num), "%u", round);
	if (key_write(p, key, num) < 0)
		return -1;
	if (p->port >= 0)
		peer_notify(p);
	return 0;
}

static int parse_refs(const char *s, uint32_t *out, int max)
{
	int n = 0;
	char *end;
	while (s && *s && n < max) {
		unsigned long v = strtoul(s, &end, 10);
		if (end == s)
			break;
		out[n++] = (uint32_t)v;
		s = end;
	}
	return n;
}

int peer_rounds_quit(struct peer *p)
{
	return key_write(p, "go", "quit") < 0 ? 1 : 0;
}

int peer_run_rounds(struct peer *p, unsigned round, const char *label)
{
	const char *s = p->strategy;
	int honest = !strcmp(s, "honest"), ro = !strcmp(s, "forged-ro"), storm = !strcmp(s, "storm");
	p->port = -1;
	char *port_s = key_read(p, "port");
	if (port_s)
		p->port = xenevtchn_bind_interdomain(p->xce, p->target, (evtchn_port_t)strtoul(port_s, NULL, 10));
	free(port_s);

	if (signal_step(p, "go", round) < 0 || wait_state(p, "shared", round) < 0)
		return 1;
	char *refs_s = key_read(p, "refs");
	uint32_t refs[ROUND_MAX_REFS];
	int n = parse_refs(refs_s, refs, ROUND_MAX_REFS);
	free(refs_s);
	if (n <= 0) {
		fprintf(stderr, "peer: target %u published no refs for round %u\n", p->target, round);
		return 1;
	}
	int rw = !ro;
	unsigned storm_ok = 0;
	for (int c = 0; storm && c < STORM_CYCLES; c++)
		for (int i = 0; i < n; i++) {
			int m = peer_map(p, refs[i], rw, -1, 0);
			if (m >= 0)
				storm_ok++, peer_unmap(p, m);
		}
	int maps[ROUND_MAX_REFS], mapped = 0, tags_ok = 0;
	for (int i = 0; i < n; i++) {
		maps[i] = peer_map(p, refs[i], rw, -1, 0);
		if (maps[i] < 0) {
			printf("peer: map of ref %u failed: %s\n", refs[i], strerror(errno));
			continue;
		}
		mapped++;
		tags_ok += !strncmp((const char *)p->maps[maps[i]].addr, "gntfuzz-tag round=", 18);
	}
	printf("peer: %s strategy=%s round=%u refs=%d mapped=%d tags_ok=%d\n", label, s, round, n, mapped, tags_ok);
	if (storm)
		printf("peer: storm map/unmap cycles ok=%u\n", storm_ok);
	if (honest)
		for (int i = 0; i < n; i++)
			peer_unmap(p, maps[i]), maps[i] = -1;
	/* "done": forged unless honest, the maps are still held */
	if (signal_step(p, "done", round) < 0 || wait_state(p, "reused", round) < 0)
		return 1;
	int leaked[ROUND_MAX_REFS] = { 0 }, writes = 0;
	for (int i = 0; i < n; i++) {
		const char *page = maps[i] >= 0 ? (const char *)p->maps[maps[i]].addr : NULL;
		if (page && !strncmp(page, "gntfuzz-secret", 14)) {
			leaked[i] = 1;
			p->observations++;
			printf("peer: LEAK %s ref=%u: read target memory reused after the forged done: \"%.32s\"\n",
			       label, refs[i], page);
		}
	}
	/* The worst moment for the target: reuse done, maps still held. An outside observer (dom0's
	 * oracle) looks now, deterministically, instead of hoping a sampler hits it. */
	const char *hook = getenv("GNTFUZZ_HOLD_HOOK");
	if (hook && *hook) {
		fflush(stdout);
		if (system(hook) != 0)
			printf("peer: hold hook \"%s\" failed\n", hook);
	}
	for (int i = 0; i < n; i++) /* then prove write access to the target's reused memory */
		if (leaked[i] && p->maps[maps[i]].rw) {
			memcpy(p->maps[maps[i]].addr, "PEER-WROTE-HERE", 15);
			writes++;
		}
	for (int i = 0; i < n; i++)
		peer_unmap(p, maps[i]);
	if (signal_step(p, "released", round) < 0 || wait_state(p, "final", round) < 0)
		return 1;
	char *stats = key_read(p, "stats");
	printf("peer: %s target stats after round %u: %s\n", label, round, stats ? stats : "?");
	free(stats);
	printf("peer: verdict %s strategy=%s round=%u leaks=%llu writes_into_reused=%d result=%s\n", label, s, round,
	       (unsigned long long)p->observations, writes, p->observations ? "caught" : "held");
	return p->observations ? 3 : 0;
}
