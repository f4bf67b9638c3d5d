/* test_oracle.c - one test per invariant of harness/oracle, driving its event API directly with
 * crafted event sequences: each fires on the violation and stays silent on the legal twin.
 * (test_twins.py checks the same invariants end to end through gntworld and real mutants.)
 * `test_oracle oob N` reads byte N of a 16-byte heap buffer: test_twins.py runs it under
 * ASan to show invariant 4's detector fires (N=16) and is silent on the legal twin (N=15). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>
#include "gnt.h"
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

/* share page p on ref r the way the world reports a gnt_share */
static void share(unsigned p, uint32_t r, unsigned pins_before)
{
	oracle_alloc(&o, F(p), 0, 1);
	oracle_grant_intent(&o, 0, F(p));
	oracle_entry_store(&o, r, 0, 0, pins_before);
	oracle_entry_store(&o, r, 0, (uint32_t)F(p), pins_before);
	oracle_entry_store(&o, r, 1, GTF_permit_access, pins_before);
	oracle_grant_done(&o, GNT_OK, r, 1);
}

static void inv1(void)
{
	/* violation: released while the peer maps it */
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	oracle_end(&o, 8, F(0), GNT_OK, 1);
	oracle_release(&o, F(0), 1);
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
	oracle_end(&o, 8, F(0), GNT_OK, 1);
	oracle_release(&o, F(0), 0);
	oracle_alloc(&o, F(0), 0, 5);
	check(o.first.inv == INV_NONE, "invariant 1 silent: released and reused after the unmap");
}

static void inv2(void)
{
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	oracle_end(&o, 8, F(0), GNT_BUSY, 1);
	oracle_alloc(&o, F(1), 0, 4);
	oracle_grant_intent(&o, 0, F(1));
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
	oracle_end(&o, 8, F(0), GNT_OK, 1);
	oracle_release(&o, F(0), 0);
	share(1, 8, 0);
	check(o.first.inv == INV_NONE, "invariant 2 silent: ref re-granted after the unmap");
}

static void inv3(void)
{
	/* flags-first: the entry is live (first store) while it still names the old frame */
	reset();
	oracle_alloc(&o, F(1), 0, 1);
	oracle_grant_intent(&o, 0, F(1));
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
	oracle_end(&o, 8, F(1), GNT_OK, 1);
	oracle_map(&o, 0, 8, F(1), 0);
	check(o.first.inv == INV_WRONG_FRAME, "invariant 3 fires: peer maps a ref after its successful end");
	reset();
	share(1, 8, 0);
	oracle_copy(&o, 8, F(1), 1);
	check(o.first.inv == INV_NONE, "invariant 3 silent: a copy through a live grant");
	oracle_end(&o, 8, F(1), GNT_OK, 1);
	oracle_copy(&o, 8, F(1), 1);
	check(o.first.inv == INV_WRONG_FRAME, "invariant 3 fires: a copy through a ref after its successful end");
	reset();
	share(1, 8, 0);
	oracle_end(&o, 8, F(1), GNT_OK, 1);
	oracle_release(&o, F(1), 0);
	share(1, 8, 0);
	oracle_map(&o, 0, 8, F(1), 0);
	check(o.first.inv == INV_NONE, "invariant 3 silent: peer maps a ref ended and granted again");
	/* twin: the map comes after the grant is complete and names the granted frame */
	reset();
	share(1, 8, 0);
	oracle_map(&o, 0, 8, F(1), 0);
	check(o.first.inv == INV_NONE, "invariant 3 silent: peer maps the frame granted to it");
}

static void inv5(void)
{
	struct oracle_final f = { 0 };
	/* deferred page never reclaimed although the peer let go */
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	oracle_end(&o, 8, F(0), GNT_BUSY, 1);
	oracle_unmap(&o, 8, F(0));
	f.deferred_now = 1;
	f.alloc_free = 7;
	oracle_final_check(&o, &f);
	check(o.first.inv == INV_LOST, "invariant 5 fires: a deferred page is never reclaimed");
	/* the library releases a page twice (it was not its to release the second time) */
	reset();
	share(0, 8, 0);
	oracle_end(&o, 8, F(0), GNT_OK, 1);
	oracle_release(&o, F(0), 0);
	oracle_release(&o, F(0), 0);
	check(o.first.inv == INV_LOST, "invariant 5 fires: a page released twice (in two states at once)");
	/* the counts of the library disagree with the page states */
	reset();
	share(0, 8, 0);
	memset(&f, 0, sizeof f);
	f.alloc_free = 7;
	f.lib_shared = 0; /* oracle: one granted page */
	oracle_final_check(&o, &f);
	check(o.first.inv == INV_LOST, "invariant 5 fires: library and allocator disagree with the page states");
	/* twin: deferred, then reclaimed by a tick after the unmap; every count agrees */
	reset();
	share(0, 8, 0);
	oracle_map(&o, 0, 8, F(0), 0);
	oracle_end(&o, 8, F(0), GNT_BUSY, 1);
	oracle_unmap(&o, 8, F(0));
	oracle_release(&o, F(0), 0); /* the tick */
	memset(&f, 0, sizeof f);
	f.alloc_free = 8;
	oracle_final_check(&o, &f);
	check(o.first.inv == INV_NONE, "invariant 5 silent: deferred page reclaimed, states agree");
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
