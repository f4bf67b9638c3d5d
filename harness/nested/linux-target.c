/* linux-target.c - the second target, nobody here wrote its grant code: Linux's own (gntalloc
 * through Debian's libxengntshr) in a Linux domU. It plays the PVH target's round protocol
 * (harness/pvh/target.h) so the same dom0 peer and oracle judge it: share tagged pages, take
 * the peer's "done", unshare, then put new secrets into fresh memory, which Linux's LIFO page
 * allocator fills with the pages it just got back - unless it kept the still-mapped ones.
 *
 * usage: linux-target [pages] [reuse-MiB]      (runs until the peer writes go=quit)
 *        linux-target --wait-start [pages] [reuse-MiB]  (first waits for dom0's start: linux-start.h)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "linux-start.h"

#define PAGE 4096
#define MAX_PAGES 16
#define STEP_TIMEOUT_MS 60000
/* between rounds the plan may run its device phases for minutes; it ends us with go=quit */
#define GO_TIMEOUT_MS (3600 * 1000)

static struct xs_handle *xs;
static char base[96];

static int put(const char *key, const char *val)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", base, key);
	return xs_write(xs, XBT_NULL, path, val, strlen(val)) ? 0 : -1;
}

/* 1 = key == want, 2 = quit, 0 = timeout */
static int wait_key(const char *key, const char *want, int allow_quit)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", base, key);
	for (int ms = 0; ms < (allow_quit ? GO_TIMEOUT_MS : STEP_TIMEOUT_MS); ms += 10) {
		unsigned len;
		char *v = xs_read(xs, XBT_NULL, path, &len);
		int r = !v ? 0 : !strcmp(v, want) ? 1 : (allow_quit && !strcmp(v, "quit")) ? 2 : 0;
		free(v);
		if (r)
			return r;
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void fill(char *page, const char *word, unsigned k, unsigned i)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%s round=%u page=%u;", word, k, i);
	for (int off = 0; off + n <= PAGE; off += n)
		memcpy(page + off, line, n);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--wait-start")) {
		if (linux_wait_start("linux-target") < 0)
			return 1;
		argc--, argv++;
	}
	unsigned pages = argc > 1 ? (unsigned)atoi(argv[1]) : 4;
	size_t reuse = (size_t)(argc > 2 ? atoi(argv[2]) : 32) << 20;
	if (pages < 1 || pages > MAX_PAGES || !reuse) {
		fprintf(stderr, "usage: linux-target [pages 1..%d] [reuse-MiB > 0]\n", MAX_PAGES);
		return 2;
	}
	xs = xs_open(0);
	xengntshr_handle *gs = xengntshr_open(NULL, 0);
	if (!xs || !gs) {
		fprintf(stderr, "linux-target: cannot open xenstore/gntshr: %s\n", strerror(errno));
		return 1;
	}
	unsigned len;
	char *dom = xs_read(xs, XBT_NULL, "domid", &len);
	if (!dom) {
		fprintf(stderr, "linux-target: cannot read our domid from xenstore\n");
		return 1;
	}
	snprintf(base, sizeof(base), "/local/domain/%s/data/gntfuzz", dom);
	free(dom);
	char v[64];
	put("mutant", "linux-gntalloc");
	put("version", "1");
	snprintf(v, sizeof(v), "%u", pages);
	put("pages", v);
	put("state", "idle");
	printf("linux-target: ready under %s\n", base);
	fflush(stdout);
	unsigned corrupted_total = 0, rounds = 0;
	for (unsigned k = 1;; k++) {
		char want[16];
		snprintf(want, sizeof(want), "%u", k);
		int w = wait_key("go", want, 1);
		if (w != 1) {
			if (w == 0)
				fprintf(stderr, "linux-target: no go from the peer\n");
			break;
		}
		uint32_t refs[MAX_PAGES];
		char *shared = xengntshr_share_pages(gs, 0, (int)pages, refs, 1);
		if (!shared) {
			fprintf(stderr, "linux-target: xengntshr_share_pages: %s\n", strerror(errno));
			return 1;
		}
		char list[256] = "";
		for (unsigned i = 0; i < pages; i++) {
			fill(shared + i * PAGE, "gntfuzz-tag", k, i);
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u", i ? " " : "", refs[i]);
		}
		put("refs", list);
		snprintf(v, sizeof(v), "shared %u", k);
		put("state", v);
		if (wait_key("done", want, 0) != 1)
			fprintf(stderr, "linux-target: peer never said done\n");
		int urc = xengntshr_unshare(gs, shared, pages);
		/* Reuse: fresh memory, filled at once; freed pages come back from the allocator first. */
		char *fresh = mmap(NULL, reuse, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (fresh == MAP_FAILED) {
			fprintf(stderr, "linux-target: mmap: %s\n", strerror(errno));
			return 1;
		}
		for (size_t off = 0; off < reuse; off += PAGE)
			fill(fresh + off, "gntfuzz-secret", k, (unsigned)(off / PAGE));
		snprintf(v, sizeof(v), "reused %u", k);
		put("state", v);
		if (wait_key("released", want, 0) != 1)
			fprintf(stderr, "linux-target: peer never said released\n");
		unsigned corrupted = 0;
		for (size_t off = 0; off < reuse; off += PAGE)
			corrupted += !memcmp(fresh + off, "PEER-WROTE-HERE", 15);
		munmap(fresh, reuse);
		corrupted_total += corrupted;
		rounds++;
		put("stats", "linux: no library counters");
		snprintf(v, sizeof(v), "final %u", k);
		put("state", v);
		printf("linux-target: round k=%u unshare_rc=%d secrets_corrupted=%u\n", k, urc, corrupted);
		fflush(stdout);
	}
	printf("linux-target RESULT: DONE rounds=%u secrets_corrupted=%u\n", rounds, corrupted_total);
	xengntshr_close(gs);
	xs_close(xs);
	return 0;
}
