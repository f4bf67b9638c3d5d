/* standin-peer.c - a small malicious backend for dom0, speaking the PVH target's round protocol
 * (harness/pvh/target.h) and the linux-target's (same keys). It stands in for peer/ on real Xen
 * until peer/ speaks that protocol (see README.md, "the peer seam").
 *
 * usage: standin-peer <target-domid> <strategy> <round> [label]
 *        standin-peer <target-domid> quit          (tell the target to finish)
 * strategies:
 *   honest        map, check the tags, unmap, then say done (the legal twin)
 *   forged-done   map read-write, say done while holding the maps, then read and write them
 *                 after the target has reused its memory (MSA02)
 *   forged-ro     the same with read-only maps (GTF_reading only)
 *   storm         50 map/unmap cycles per ref, then forged-done
 * GNTFUZZ_HOLD_HOOK: a shell command run while the maps are held after the target's reuse.
 * Output: "peer: ..." lines; "peer: LEAK ..." for every mapped page that shows the target's new
 * secrets; a closing "peer: verdict ..." line. Exit 0 when the protocol ran (leak or not),
 * 2 on bad usage, 1 on protocol failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>
#include <xengnttab.h>
#include <xenevtchn.h>

#define MAX_REFS 16
#define PAGE 4096
#define STEP_TIMEOUT_MS 60000

static struct xs_handle *xs;
static unsigned domid;
static char base[128];

static char *get(const char *key)
{
	char path[192];
	unsigned len;
	snprintf(path, sizeof(path), "%s/%s", base, key);
	return xs_read(xs, XBT_NULL, path, &len);
}

static int put(const char *key, const char *val)
{
	char path[192];
	snprintf(path, sizeof(path), "%s/%s", base, key);
	return xs_write(xs, XBT_NULL, path, val, strlen(val)) ? 0 : -1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Wait until key == want; -1 on timeout (a hang becomes an error). */
static int wait_for(const char *key, const char *want)
{
	for (int waited = 0; waited < STEP_TIMEOUT_MS; waited += 10) {
		char *v = get(key);
		int hit = v && !strcmp(v, want);
		free(v);
		if (hit)
			return 0;
		sleep_ms(10);
	}
	fprintf(stderr, "peer: timeout waiting for %s/%s == \"%s\"\n", base, key, want);
	return -1;
}

static int parse_list(const char *s, uint32_t *out, int max)
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

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[2], "quit")) {
		domid = (unsigned)atoi(argv[1]);
		snprintf(base, sizeof(base), "/local/domain/%u/data/gntfuzz", domid);
		if (!(xs = xs_open(0)) || put("go", "quit")) {
			fprintf(stderr, "standin-peer: cannot write %s/go: %s\n", base, strerror(errno));
			return 1;
		}
		return 0;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: standin-peer <target-domid> <honest|forged-done|forged-ro|storm> <round> [label]\n");
		return 2;
	}
	domid = (unsigned)atoi(argv[1]);
	const char *strategy = argv[2];
	unsigned round = (unsigned)atoi(argv[3]);
	const char *label = argc > 4 ? argv[4] : "target";
	int honest = !strcmp(strategy, "honest"), ro = !strcmp(strategy, "forged-ro");
	int storm = !strcmp(strategy, "storm");
	if (!honest && !ro && !storm && strcmp(strategy, "forged-done")) {
		fprintf(stderr, "standin-peer: unknown strategy \"%s\"\n", strategy);
		return 2;
	}
	snprintf(base, sizeof(base), "/local/domain/%u/data/gntfuzz", domid);
	xs = xs_open(0);
	xengnttab_handle *gt = xengnttab_open(NULL, 0);
	xenevtchn_handle *ev = xenevtchn_open(NULL, 0);
	if (!xs || !gt || !ev) {
		fprintf(stderr, "standin-peer: cannot open xenstore/gnttab/evtchn: %s\n", strerror(errno));
		return 1;
	}
	char *port_s = get("port");
	int local = port_s ? xenevtchn_bind_interdomain(ev, domid, (uint32_t)atoi(port_s)) : -1;
	free(port_s);

	char want[32], num[16];
	snprintf(num, sizeof(num), "%u", round);
	put("go", num);
	if (local >= 0)
		xenevtchn_notify(ev, local);
	snprintf(want, sizeof(want), "shared %u", round);
	if (wait_for("state", want))
		return 1;
	char *refs_s = get("refs");
	uint32_t refs[MAX_REFS];
	int n = parse_list(refs_s, refs, MAX_REFS);
	free(refs_s);
	if (n <= 0) {
		fprintf(stderr, "standin-peer: no refs published\n");
		return 1;
	}
	int prot = ro ? PROT_READ : PROT_READ | PROT_WRITE;
	unsigned storm_ok = 0;
	if (storm)
		for (int c = 0; c < 50; c++)
			for (int i = 0; i < n; i++) {
				void *p = xengnttab_map_grant_ref(gt, domid, refs[i], prot);
				if (p)
					storm_ok++, xengnttab_unmap(gt, p, 1);
			}
	char *maps[MAX_REFS];
	int mapped = 0, tags_ok = 0;
	for (int i = 0; i < n; i++) {
		maps[i] = xengnttab_map_grant_ref(gt, domid, refs[i], prot);
		if (!maps[i]) {
			printf("peer: map of ref %u failed: %s\n", refs[i], strerror(errno));
			continue;
		}
		mapped++;
		tags_ok += !strncmp(maps[i], "gntfuzz-tag round=", 18);
	}
	printf("peer: %s strategy=%s round=%u refs=%d mapped=%d tags_ok=%d%s\n", label, strategy, round,
	       n, mapped, tags_ok, storm ? "" : "");
	if (storm)
		printf("peer: storm map/unmap cycles ok=%u\n", storm_ok);
	if (honest)
		for (int i = 0; i < n; i++)
			if (maps[i])
				xengnttab_unmap(gt, maps[i], 1), maps[i] = NULL;
	put("done", num);    /* forged unless honest: the maps are still held */
	if (local >= 0)
		xenevtchn_notify(ev, local);
	snprintf(want, sizeof(want), "reused %u", round);
	if (wait_for("state", want))
		return 1;
	int leaks = 0, writes = 0, leaked[MAX_REFS] = { 0 };
	for (int i = 0; i < n; i++) {
		if (maps[i] && !strncmp(maps[i], "gntfuzz-secret", 14)) {
			leaks++, leaked[i] = 1;
			printf("peer: LEAK %s ref=%u: read target memory reused after the forged done: \"%.32s\"\n",
			       label, refs[i], maps[i]);
		}
	}
	/* The worst moment for the target: reuse done, maps still held. Let an outside observer
	 * (the dom0 oracle) look now, deterministically, instead of hoping a sampler hits it. */
	const char *hook = getenv("GNTFUZZ_HOLD_HOOK");
	if (hook && *hook) {
		fflush(stdout);
		if (system(hook) != 0)
			printf("peer: hold hook \"%s\" failed\n", hook);
	}
	for (int i = 0; i < n; i++)   /* then prove write access to the target's reused memory */
		if (leaked[i] && !ro) {
			memcpy(maps[i], "PEER-WROTE-HERE", 15);
			writes++;
		}
	for (int i = 0; i < n; i++)
		if (maps[i])
			xengnttab_unmap(gt, maps[i], 1);
	put("released", num);
	if (local >= 0)
		xenevtchn_notify(ev, local);
	snprintf(want, sizeof(want), "final %u", round);
	if (wait_for("state", want))
		return 1;
	char *stats = get("stats");
	printf("peer: %s target stats after round %u: %s\n", label, round, stats ? stats : "?");
	free(stats);
	printf("peer: verdict %s strategy=%s round=%u leaks=%d writes_into_reused=%d\n", label, strategy,
	       round, leaks, writes);
	xenevtchn_close(ev);
	xengnttab_close(gt);
	xs_close(xs);
	return 0;
}
