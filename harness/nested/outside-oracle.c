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
 * Prints "oracle: ..." lines and a closing "oracle: summary ..." line; exit 0 when the check
 * ran (violations are reported, not exit codes), 2 on bad usage, 1 when it could not look.
 */
#include <errno.h>
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

static xc_interface *xch;
static xenforeignmemory_handle *fmem;
static struct xs_handle *xs;
static uint32_t domid;
static unsigned samples, busy_seen, violations;
static uint64_t reported[MAX_REPORTED]; /* (ref << 32 | frame) already reported */
static unsigned nr_reported;

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

/* One paused look at the target. Returns 0 if it looked, -1 if it could not. */
static int sample(void)
{
	char *ver_s = xs_get("version"), *alloc = NULL, *state = NULL;
	unsigned version = ver_s ? (unsigned)atoi(ver_s) : 0;
	free(ver_s);
	if (version != 1 && version != 2)
		return 0; /* the target has not published yet */
	if (xc_domain_pause(xch, domid))
		return -1;
	int rc = -1;
	void *shared = NULL, *status = NULL;
	xenforeignmemory_resource_handle *rs = xenforeignmemory_map_resource(fmem, domid,
		XENMEM_resource_grant_table, XENMEM_resource_grant_table_id_shared, 0, 1, &shared, PROT_READ, 0);
	xenforeignmemory_resource_handle *rst = NULL;
	if (version == 2)
		rst = xenforeignmemory_map_resource(fmem, domid, XENMEM_resource_grant_table,
			XENMEM_resource_grant_table_id_status, 0, 1, &status, PROT_READ, 0);
	if (!rs || (version == 2 && !rst)) {
		fprintf(stderr, "oracle: cannot map the grant table of d%u: %s\n", domid, strerror(errno));
		goto out;
	}
	alloc = xs_get("alloc");
	state = xs_get("state");
	unsigned nr = version == 1 ? PAGE / sizeof(grant_entry_v1_t) : PAGE / sizeof(grant_entry_v2_t);
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
	if (rst)
		xenforeignmemory_unmap_resource(fmem, rst);
	if (rs)
		xenforeignmemory_unmap_resource(fmem, rs);
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

int main(int argc, char **argv)
{
	int watch = argc == 5 && !strcmp(argv[2], "watch");
	if (!(argc == 3 && !strcmp(argv[2], "once")) && !watch) {
		fprintf(stderr, "usage: outside-oracle <domid> once | outside-oracle <domid> watch <state> <seconds>\n");
		return 2;
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
	if (!watch) {
		rc = sample();
	} else {
		time_t end = time(NULL) + atoi(argv[4]);
		while (domain_alive() && time(NULL) < end) {
			char *st = xs_get("state");
			int stop = st && !strcmp(st, argv[3]);
			free(st);
			if (sample() || stop)
				break;
			struct timespec ts = { 0, 10 * 1000000L }; /* each look pauses the target */
			nanosleep(&ts, NULL);
		}
	}
	printf("oracle: summary d%u samples=%u busy_entries_seen=%u violations=%u\n", domid, samples, busy_seen, violations);
	xs_close(xs);
	xenforeignmemory_close(fmem);
	xc_interface_close(xch);
	return rc ? 1 : 0;
}
