/* outside-oracle.c - dom0's independent view of a target domain's grants.
 *
 * It does not ask the target what it did. With the target paused (libxenctrl) it maps the
 * target's grant-table frames as a resource (libxenforeignmemory, XENMEM_resource_grant_table),
 * reads which entries Xen marks as mapped (GTF_reading/GTF_writing: v1 in the entry, v2 in the
 * status frame), and for each such frame checks invariant 1 (no page is handed out by the
 * target's allocator while a foreign mapping of it exists) two ways:
 *   - the allocator state the target publishes in xenstore (data/gntfuzz/alloc, "gfn:u|l ...");
 *   - the frame's contents, mapped foreign: a target secret in a frame a peer maps is reuse.
 *
 * usage: outside-oracle <domid> once                       check now (the peer holds its maps)
 *        outside-oracle <domid> watch <state> <seconds>    sample until data/gntfuzz/state
 *                                                          reads <state>, the domain ends, or timeout
 *        outside-oracle <domid> device <seconds>           sample a standard PV device session
 *                                                          (gntfuzz-peer --device) until SIGTERM, the
 *                                                          domain ends, or timeout; a target that
 *                                                          published no version is read as v1, over
 *                                                          the first DEVICE_FRAMES frames (blkfront
 *                                                          and netfront use refs past the first)
 * Prints "oracle: ..." lines and a closing "oracle: summary ..." line; exit 0 when the check
 * ran (violations are reported, not exit codes), 2 on bad usage, 1 when it could not look.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include "wl_proto.h"

#define PAGE 4096
#define FIRST_REF GNTTAB_NR_RESERVED_ENTRIES
#define MAX_REPORTED 64
#define DEVICE_FRAMES 8

static xc_interface *xch;
static xenforeignmemory_handle *fmem;
static struct xs_handle *xs;
static uint32_t domid;
static unsigned samples, busy_seen, violations;
static uint64_t reported[MAX_REPORTED]; /* (ref << 32 | frame) already reported */
static unsigned nr_reported;
static unsigned frames = 1;       /* shared frames mapped per look (v1; device mode: DEVICE_FRAMES) */
static int default_version;       /* version when the target published none (0: wait for it) */
static volatile sig_atomic_t stop_now;
static unsigned failed_looks;
static unsigned distinct_busy;    /* device mode: refs seen mapped at least once */
static uint8_t busy_ever[DEVICE_FRAMES * (PAGE / sizeof(grant_entry_v1_t))];

static char *xs_get(const char *key)
{
	char path[160];
	unsigned len;
	snprintf(path, sizeof(path), "/local/domain/%u/data/gntfuzz/%s", domid, key);
	return xs_read(xs, XBT_NULL, path, &len);
}

/* 'u', 'l', or 0 (free / not listed) for gfn in "gfn:s gfn:s ..." */
static char alloc_state(const char *alloc, uint64_t gfn)
{
	const char *p = alloc;
	while (p && *p) {
		char *end;
		unsigned long long g = strtoull(p, &end, 10);
		if (end == p || *end != ':')
			break;
		if (g == gfn)
			return end[1];
		p = end + 2;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static int contains_secret(uint64_t gfn)
{
	xen_pfn_t pfn = gfn;
	int err = 0;
	char *m = xenforeignmemory_map(fmem, domid, PROT_READ, 1, &pfn, &err);
	if (!m || err)
		return -1;
	/* the rounds' secret text, or the workload frontend's tag on a page it took back */
	const struct wl_tag *tag = (const struct wl_tag *)(m + WL_TAG_OFFSET);
	int hit = !strncmp(m, "gntfuzz-secret", 14) || (tag->magic == WL_TAG_MAGIC && tag->kind == WL_TAG_REUSED);
	xenforeignmemory_unmap(fmem, m, 1);
	return hit;
}

static int already(uint32_t ref, uint64_t frame)
{
	uint64_t key = ((uint64_t)ref << 32) | (uint32_t)frame;
	for (unsigned i = 0; i < nr_reported; i++)
		if (reported[i] == key)
			return 1;
	if (nr_reported < MAX_REPORTED)
		reported[nr_reported++] = key;
	return 0;
}

/* Device mode keeps the grant table mapped between looks and does not pause the target: a
 * look at a busy Linux domU under nested TCG took seconds with the target paused throughout, so
 * the frontend could not move. A torn read of one entry is the worst a running target costs. */
static int keep;
static xenforeignmemory_resource_handle *k_rs, *k_rst;
static void *k_shared, *k_status;
static unsigned k_version;

/* One look at the target (paused unless keep). Returns 0 if it looked, -1 if it could not. */
static int sample(void)
{
	char *ver_s = xs_get("version"), *alloc = NULL, *state = NULL;
	unsigned version = ver_s ? (unsigned)atoi(ver_s) : (unsigned)default_version;
	free(ver_s);
	if (version != 1 && version != 2)
		return 0; /* the target has not published yet */
	if (!keep && xc_domain_pause(xch, domid)) {
		fprintf(stderr, "oracle: cannot pause d%u: %s\n", domid, strerror(errno));
		return -1;
	}
	int rc = -1;
	void *shared = NULL, *status = NULL;
	unsigned nframes = version == 1 ? frames : 1;
	xenforeignmemory_resource_handle *rs = NULL, *rst = NULL;
	if (keep && k_rs && k_version == version) {
		rs = k_rs, rst = k_rst, shared = k_shared, status = k_status;
	} else {
		rs = xenforeignmemory_map_resource(fmem, domid, XENMEM_resource_grant_table,
			XENMEM_resource_grant_table_id_shared, 0, nframes, &shared, PROT_READ, 0);
		if (!rs && nframes > 1) { /* a table Xen would not grow that far: the first frame still tells */
			frames = nframes = 1;
			rs = xenforeignmemory_map_resource(fmem, domid, XENMEM_resource_grant_table,
				XENMEM_resource_grant_table_id_shared, 0, 1, &shared, PROT_READ, 0);
		}
		if (version == 2)
			rst = xenforeignmemory_map_resource(fmem, domid, XENMEM_resource_grant_table,
				XENMEM_resource_grant_table_id_status, 0, 1, &status, PROT_READ, 0);
		if (keep && rs && (version == 1 || rst)) {
			if (k_rst)
				xenforeignmemory_unmap_resource(fmem, k_rst);
			if (k_rs)
				xenforeignmemory_unmap_resource(fmem, k_rs);
			k_rs = rs, k_rst = rst, k_shared = shared, k_status = status, k_version = version;
		}
	}
	if (!rs || (version == 2 && !rst)) {
		fprintf(stderr, "oracle: cannot map the grant table of d%u: %s\n", domid, strerror(errno));
		goto out;
	}
	alloc = xs_get("alloc");
	state = xs_get("state");
	unsigned nr = version == 1 ? nframes * (PAGE / sizeof(grant_entry_v1_t)) : PAGE / sizeof(grant_entry_v2_t);
	for (uint32_t ref = FIRST_REF; ref < nr; ref++) {
		uint16_t flags, busy;
		uint64_t frame;
		if (version == 1) {
			const volatile grant_entry_v1_t *e = (const grant_entry_v1_t *)shared + ref;
			flags = e->flags;
			busy = flags & (GTF_reading | GTF_writing);
			frame = e->frame;
		} else {
			const volatile grant_entry_v2_t *e = (const grant_entry_v2_t *)shared + ref;
			flags = e->hdr.flags;
			busy = ((const volatile grant_status_t *)status)[ref] & (GTF_reading | GTF_writing);
			frame = e->full_page.frame;
		}
		if (!busy)
			continue;
		busy_seen++;
		if (ref < sizeof(busy_ever) && !busy_ever[ref]) {
			busy_ever[ref] = 1;
			distinct_busy++;
		}
		char owner = alloc_state(alloc, frame);
		int secret = contains_secret(frame);
		/* a target that publishes no allocator (linux-target) is judged on content alone */
		if (((alloc && owner != 'l') || secret == 1) && !already(ref, frame)) {
			violations++;
			printf("oracle: VIOLATION free-while-mapped: d%u ref=%u frame=%#llx flags=%#x busy=%s: "
			       "allocator says %s, frame content %s (target state \"%s\")\n",
			       domid, ref, (unsigned long long)frame, flags,
			       busy & GTF_writing ? "rw" : "r",
			       !alloc ? "nothing (not published)" : owner == 'u' ? "IN USE (handed out again)"
			       : owner == 'l' ? "library-owned" : "FREE",
			       secret == 1 ? "is a target secret (reused)" : secret == 0 ? "not a secret" : "unreadable",
			       state ? state : "?");
		}
	}
	samples++;
	rc = 0;
out:
	if (rst && rst != k_rst)
		xenforeignmemory_unmap_resource(fmem, rst);
	if (rs && rs != k_rs)
		xenforeignmemory_unmap_resource(fmem, rs);
	if (!keep)
		xc_domain_unpause(xch, domid);
	free(alloc);
	free(state);
	return rc;
}

static int domain_alive(void)
{
	xc_dominfo_t info;
	return xc_domain_getinfo(xch, domid, 1, &info) == 1 && info.domid == domid && !info.shutdown && !info.dying;
}

static void on_term(int sig) { stop_now = 1; }

int main(int argc, char **argv)
{
	int watch = argc == 5 && !strcmp(argv[2], "watch");
	int device = argc == 4 && !strcmp(argv[2], "device");
	if (!(argc == 3 && !strcmp(argv[2], "once")) && !watch && !device) {
		fprintf(stderr, "usage: outside-oracle <domid> once | <domid> watch <state> <seconds> | <domid> device <seconds>\n");
		return 2;
	}
	if (device) {
		/* the plan ends a session with SIGTERM: finish the look in progress (never leave the
		 * target paused), then print the summary */
		struct sigaction sa = { .sa_handler = on_term };
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		frames = DEVICE_FRAMES;
		default_version = 1;
		keep = 1;
	}
	domid = (uint32_t)atoi(argv[1]);
	xch = xc_interface_open(NULL, NULL, 0);
	fmem = xenforeignmemory_open(NULL, 0);
	xs = xs_open(0);
	if (!xch || !fmem || !xs) {
		fprintf(stderr, "outside-oracle: cannot open libxenctrl/libxenforeignmemory/xenstore: %s\n", strerror(errno));
		return 1;
	}
	if (!domain_alive()) {
		fprintf(stderr, "outside-oracle: no running domain %u\n", domid);
		return 1;
	}
	int rc = 0;
	const char *ended = "once";
	if (!watch && !device) {
		rc = sample();
	} else {
		time_t end = time(NULL) + atoi(argv[device ? 3 : 4]);
		for (;;) {
			/* why the watch ended goes into the summary: a short one must be explained */
			ended = stop_now ? "signal" : !domain_alive() ? "domain-gone" : time(NULL) >= end ? "timeout" : NULL;
			if (ended)
				break;
			char *st = device ? NULL : xs_get("state");
			int stop = st && !strcmp(st, argv[3]);
			free(st);
			if (sample()) {
				/* a device session outlives a failed look (said once above); a watch does not */
				if (!device || ++failed_looks > 50) {
					ended = "failed";
					break;
				}
				struct timespec ts = { 0, 100 * 1000000L };
				nanosleep(&ts, NULL);
				continue;
			}
			if (stop) {
				ended = "state";
				break;
			}
			struct timespec ts = { 0, (keep ? 20 : 10) * 1000000L }; /* a look pauses the target */
			nanosleep(&ts, NULL);
		}
	}
	if (device)
		printf("oracle: summary d%u samples=%u busy_entries_seen=%u distinct_busy_refs=%u violations=%u "
		       "failed_looks=%u frames=%u ended=%s\n", domid, samples, busy_seen, distinct_busy, violations, failed_looks,
		       frames, ended);
	else
		printf("oracle: summary d%u samples=%u busy_entries_seen=%u violations=%u\n", domid, samples, busy_seen, violations);
	if (k_rst)
		xenforeignmemory_unmap_resource(fmem, k_rst);
	if (k_rs)
		xenforeignmemory_unmap_resource(fmem, k_rs);
	xs_close(xs);
	xenforeignmemory_close(fmem);
	xc_interface_close(xch);
	return rc ? 1 : 0;
}
