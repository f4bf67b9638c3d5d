/* test_oracle.c - one test per invariant of harness/oracle, driving its event API directly with
 * crafted event sequences: each fires on the violation and stays silent on the legal twin.
 * (test_twins.py checks the same invariants end to end through gntworld and real mutants.)
 * `test_oracle oob N` reads byte N of a 16-byte heap buffer: test_twins.py runs it under
 * ASan to show invariant 4's detector fires (N=16) and is silent on the legal twin (N=15). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>
#include "seam/seam.h"
#include "oracle/oracle.h"

static struct oracle o;
static int failed;
#define BASE 0x1000u
#define F(p) ((uint64_t)BASE + (p))

static void check(int ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	failed += !ok;
}

static void reset(void) { oracle_reset(&o, BASE, 8, 16); }

/* share page p on ref r the way the world reports a seam share (read-only if ro) */
static void share_mode(unsigned p, uint32_t r, unsigned pins_before, int ro)
{
	oracle_alloc(&o, F(p), 0, 1);
	oracle_grant_intent(&o, 0, F(p), ro);
	oracle_entry_store(&o, r, 0, 0, pins_before);
	oracle_entry_store(&o, r, 0, (uint32_t)F(p), pins_before);
	oracle_entry_store(&o, r, 1, GTF_permit_access, pins_before);
	oracle_grant_done(&o, SEAM_OK, r);
}
static void share(unsigned p, uint32_t r, unsigned pins_before) { share_mode(p, r, pins_before, 0); }

/* an unshare the library answers OK, freeing the page while `maps` maps of it exist */
static void unshare_ok(unsigned p, uint32_t r, unsigned maps)
{
	oracle_handover(&o, r, F(p));
	oracle_release(&o, F(p), maps);
	oracle_end(&o, r, F(p), SEAM_OK, 1);
}

static void unshare_busy(unsigned p, uint32_t r)
{
	oracle_handover(&o, r, F(p));
	oracle_end(&o, r, F(p), SEAM_BUSY, 1);
}

static void inv1(void)
{
	/* violation: released while the peer maps it */
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	unshare_ok(0, 8, 1);
	check(o.first.inv == INV_FREE_WHILE_MAPPED && o.first.frame == F(0) && o.first.ref == 8,
	      "invariant 1 fires: page released to the allocator while mapped (frame, ref named)");
	/* violation: the allocator hands out a page that is still mapped */
	reset();
	oracle_alloc(&o, F(3), 1, 1);
	check(o.first.inv == INV_FREE_WHILE_MAPPED, "invariant 1 fires: allocator hands out a mapped page");
	/* twin: the peer unmaps first */
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	oracle_unmap(&o, 8, F(0));
	unshare_ok(0, 8, 0);
	oracle_alloc(&o, F(0), 0, 5);
	check(o.first.inv == INV_NONE, "invariant 1 silent: released and reused after the unmap");
}

static void inv2(void)
{
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	unshare_busy(0, 8);
	oracle_alloc(&o, F(1), 0, 4);
	oracle_grant_intent(&o, 0, F(1), 0);
	oracle_entry_store(&o, 8, 0, 0, 1); /* re-grant of r8 under one pin */
	check(o.first.inv == INV_REGRANT_WHILE_MAPPED && o.first.ref == 8 && o.first.frame == F(0),
	      "invariant 2 fires: ref re-granted while its previous grant is mapped (old frame named)");
	/* a flags store that grants (GTF_permit_access) is a re-grant too; one that clears is not */
	reset();
	oracle_entry_store(&o, 9, 1, 0, 1);
	check(o.first.inv == INV_NONE, "invariant 2 silent: clearing flags under a pin (the end protocol)");
	oracle_entry_store(&o, 9, 1, GTF_permit_access, 1);
	check(o.first.inv == INV_REGRANT_WHILE_MAPPED, "invariant 2 fires: flags with GTF_permit_access under a pin");
	/* twin: the ref is re-granted only once the pins are gone */
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	oracle_unmap(&o, 8, F(0));
	unshare_ok(0, 8, 0);
	share(1, 8, 0);
	check(o.first.inv == INV_NONE, "invariant 2 silent: ref re-granted after the unmap");
}

static void inv3(void)
{
	/* flags-first: the entry is live (first store) while it still names the old frame */
	reset();
	oracle_alloc(&o, F(1), 0, 1);
	oracle_grant_intent(&o, 0, F(1), 0);
	oracle_entry_store(&o, 8, 1, GTF_permit_access, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	check(o.first.inv == INV_WRONG_FRAME && o.first.frame == F(0) && o.first.ref == 8,
	      "invariant 3 fires: peer maps a frame other than the one being granted on that ref");
	reset();
	share(2, 8, 0);
	oracle_map(&o, 5, 8, F(2), 0);
	check(o.first.inv == INV_WRONG_FRAME, "invariant 3 fires: a domain the grant is not for maps it");
	/* an end that reported success but left the entry live: a later map is access to nothing granted */
	reset();
	share(1, 8, 0);
	oracle_end(&o, 8, F(1), SEAM_OK, 1);
	oracle_map(&o, 0, 8, F(1), 0);
	check(o.first.inv == INV_WRONG_FRAME, "invariant 3 fires: peer maps a ref after its successful end");
	reset();
	share(1, 8, 0);
	oracle_copy(&o, 8, F(1), 1);
	check(o.first.inv == INV_NONE, "invariant 3 silent: a copy through a live grant");
	oracle_end(&o, 8, F(1), SEAM_OK, 1);
	oracle_copy(&o, 8, F(1), 1);
	check(o.first.inv == INV_WRONG_FRAME, "invariant 3 fires: a copy through a ref after its successful end");
	reset();
	share(1, 8, 0);
	unshare_ok(1, 8, 0);
	share(1, 8, 0);
	oracle_map(&o, 0, 8, F(1), 0);
	check(o.first.inv == INV_NONE, "invariant 3 silent: peer maps a ref ended and granted again");
	/* twin: the map comes after the grant is complete and names the granted frame */
	reset();
	share(1, 8, 0);
	oracle_map(&o, 0, 8, F(1), 0);
	check(o.first.inv == INV_NONE, "invariant 3 silent: peer maps the frame granted to it");
	/* access mode: the world asked for a read-only grant */
	reset();
	share_mode(1, 8, 0, 1);
	oracle_map(&o, 0, 8, F(1), 0);
	check(o.first.inv == INV_WRONG_FRAME && o.first.ref == 8,
	      "invariant 3 fires: read-write map of a grant asked to be read-only");
	reset();
	share_mode(1, 8, 0, 1);
	oracle_copy(&o, 8, F(1), 1);
	check(o.first.inv == INV_WRONG_FRAME, "invariant 3 fires: a copy into a grant asked to be read-only");
	reset();
	share_mode(1, 8, 0, 1);
	oracle_map(&o, 0, 8, F(1), 1);
	oracle_copy(&o, 8, F(1), 0);
	check(o.first.inv == INV_NONE, "invariant 3 silent: read-only map of, and copy from, a read-only grant");
	/* Xen's v2 rule: once the target's end cleared the header, a pinned peer may take a write pin */
	reset();
	share_mode(1, 8, 0, 1);
	oracle_map(&o, 0, 8, F(1), 1);
	unshare_busy(1, 8);
	oracle_copy(&o, 8, F(1), 1);
	check(o.first.inv == INV_NONE, "invariant 3 silent: a write Xen allows after the target began to revoke the grant");
}

static void inv5(void)
{
	struct oracle_final f = { 0 };
	/* a page given up to the library is never freed although the peer let go */
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	unshare_busy(0, 8);
	oracle_unmap(&o, 8, F(0));
	f.alloc_free = 7;
	oracle_final_check(&o, &f);
	check(o.first.inv == INV_LOST && o.first.frame == F(0), "invariant 5 fires: a page given up is never freed back");
	/* twin: the library counts it as written off (its declared policy) */
	reset();
	share(0, 8, 0);
	oracle_handover(&o, 8, F(0));
	oracle_end(&o, 8, F(0), SEAM_LEAKED, 1);
	memset(&f, 0, sizeof f);
	f.alloc_free = 7;
	f.written_off = 1;
	f.refs_missing = 1;
	f.ref_missing = 8;
	oracle_final_check(&o, &f);
	check(o.first.inv == INV_NONE, "invariant 5 silent: a written-off grant keeps its page and its ref");
	/* the library frees a page twice (it was not its to free the second time) */
	reset();
	share(0, 8, 0);
	unshare_ok(0, 8, 0);
	oracle_release(&o, F(0), 0);
	check(o.first.inv == INV_LOST, "invariant 5 fires: a page freed twice (in two states at once)");
	/* the library frees a page the target never gave up */
	reset();
	share(0, 8, 0);
	oracle_release(&o, F(0), 0);
	check(o.first.inv == INV_LOST, "invariant 5 fires: the library frees a page the target still shares");
	/* refs: one given up never comes back, or comes back twice */
	reset();
	memset(&f, 0, sizeof f);
	f.alloc_free = 8;
	f.refs_missing = 1;
	f.ref_missing = 9;
	oracle_final_check(&o, &f);
	check(o.first.inv == INV_LOST && o.first.ref == 9, "invariant 5 fires: a ref given up never comes back");
	reset();
	memset(&f, 0, sizeof f);
	f.alloc_free = 8;
	f.refs_twice = 1;
	f.ref_twice = 10;
	oracle_final_check(&o, &f);
	check(o.first.inv == INV_LOST && o.first.ref == 10, "invariant 5 fires: a ref on the free list twice");
	/* the world's counts disagree with the page states */
	reset();
	share(0, 8, 0);
	memset(&f, 0, sizeof f);
	f.alloc_free = 7;
	f.live_shares = 0; /* oracle: one granted page */
	oracle_final_check(&o, &f);
	check(o.first.inv == INV_LOST, "invariant 5 fires: live shares and allocator disagree with the page states");
	/* twin: deferred, then freed by a tick after the unmap; every count agrees */
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	unshare_busy(0, 8);
	oracle_unmap(&o, 8, F(0));
	oracle_release(&o, F(0), 0); /* the tick */
	memset(&f, 0, sizeof f);
	f.alloc_free = 8;
	oracle_final_check(&o, &f);
	check(o.first.inv == INV_NONE, "invariant 5 silent: deferred page freed after the unmap, states agree");
}

static void history(void)
{
	char buf[4096];
	reset();
	share(0, 8, 0);
	for (int i = 0; i < 40; i++) { /* more events than the ring holds */
		oracle_map(&o, 0, 8, F(0), i & 1);
		oracle_unmap(&o, 8, F(0));
	}
	oracle_release(&o, F(0), 0);
	FILE *f = fmemopen(buf, sizeof buf, "w");
	oracle_print_history(&o, F(0), f);
	fclose(f);
	int lines = 0;
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	check(lines == ORACLE_HISTORY + 1 && strstr(buf, "release"),
	      "history is bounded to the newest events of the frame, newest kept");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "oob")) {
		volatile char *p = malloc(16);
		int i = atoi(argv[2]);
		memset((char *)p, 1, 16);
		int v = p[i];
		free((char *)p);
		return v == 1 ? 0 : 3;
	}
	inv1();
	inv2();
	inv3();
	inv5();
	history();
	return failed ? 1 : 0;
}
