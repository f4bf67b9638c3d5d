/* test_order.c - gtab's CPU primitives (gtab_arch.h) and where it puts them. The unit tests are
 * built with -DGTAB_TEST_TRACE: each primitive calls gtab_test_event() below just before the
 * instruction it emits (a compiler barrier emits none, and reports nothing). A gcc test cannot
 * see a store buffer, so these tests play the CPU: at a barrier they look at what gtab has
 * already written to the table, and let the peer act on what Xen could still see then:
 *  - a compare-and-swap: the peer maps just before it (the window gntfuzz's hooks open too);
 *  - x86-TSO, v2 end: the header clear stays in the store buffer until the next full barrier
 *    (or past the return, if there is none); until then Xen maps on the old header;
 *  - Arm, publish: with no store barrier between the contents and the flags, the flags may reach
 *    Xen first; the peer maps the new flags over the old contents. */
#include "peer.h"
#include "tap.h"
#include "tests.h"
#include "gtab_arch.h"

#ifndef GTAB_TEST_TRACE
#error "gtab's unit tests are built with -DGTAB_TEST_TRACE (targets/gtab/gtab.mk)"
#endif

#define OLD_FRAME 0x5000u
#define NEW_FRAME 0x6000u

static void (*on_event)(enum gtab_event ev, volatile void *addr);

void gtab_test_event(enum gtab_event ev, volatile void *addr)
{
	if (on_event)
		on_event(ev, addr);
}

static void cmpxchg16_answers_found(void)
{
	volatile uint16_t v = GTF_permit_access;

	CHECK(gtab_cmpxchg16(&v, GTF_permit_access, 0) == GTF_permit_access);
	CHECK(v == 0);
	v = GTF_permit_access | GTF_reading;
	CHECK(gtab_cmpxchg16(&v, GTF_permit_access, 0) == (GTF_permit_access | GTF_reading));
	CHECK(v == (GTF_permit_access | GTF_reading)); /* failed: untouched */
	v = 0xffff;
	CHECK(gtab_cmpxchg16(&v, 0xffff, 0x1234) == 0xffff);
	CHECK(v == 0x1234);
}

/* --- a map just before the swap --- */
static struct {
	grant_ref_t ref;
	int rw, swaps, mapped;
} sw;

static void map_before_swap(enum gtab_event ev, volatile void *addr)
{
	if (ev != GTAB_EV_CMPXCHG)
		return;
	CHECK(addr == &t_v1[sw.ref].flags);
	if (sw.swaps++ == 0)
		sw.mapped = peer_map(sw.ref, sw.rw);
}

static void v1_map_before_swap(void)
{
	for (int rw = 0; rw <= 1; rw++) {
		REQUIRE(t_setup(1, T_NR, T_FIRST, 0) == 0);
		sw.ref = gtab_grant_access(PEER, NEW_FRAME, 0);
		sw.rw = rw;
		sw.swaps = sw.mapped = 0;
		on_event = map_before_swap;
		int ret = gtab_end_access(sw.ref);
		on_event = 0;
		REQUIRE(sw.mapped && sw.swaps >= 1);
		CHECK(ret == 0); /* the swap failed on the map bits: still mapped */
		CHECK(t_flags(sw.ref) == (GTF_permit_access | GTF_reading | (rw ? GTF_writing : 0)));
		peer_unmap(sw.ref);
		CHECK(gtab_end_access(sw.ref) == 1);
		CHECK(t_flags(sw.ref) == 0);
	}
}

/* --- x86-TSO: the v2 header clear waits in the store buffer until a full barrier --- */
static struct {
	grant_ref_t ref;
	uint16_t hdr_before;
	int rw, drained, mapped;
} tso;

/* Xen still sees the header as it was before gtab cleared it: the peer maps on it. */
static void map_on_buffered_clear(void)
{
	uint16_t now = t_v2[tso.ref].hdr.flags;

	t_v2[tso.ref].hdr.flags = tso.hdr_before;
	tso.mapped = peer_map(tso.ref, tso.rw);
	t_v2[tso.ref].hdr.flags = now;
}

static void tso_event(enum gtab_event ev, volatile void *addr)
{
	(void)addr;
	if (ev != GTAB_EV_MB || tso.drained || t_v2[tso.ref].hdr.flags != 0)
		return;
	map_on_buffered_clear(); /* the last moment before this barrier drains the clear */
	tso.drained = 1;
}

static void v2_end_tso(void)
{
	for (int rw = 0; rw <= 1; rw++) {
		REQUIRE(t_setup(2, T_NR, T_FIRST, 0) == 0);
		tso.ref = gtab_grant_access(PEER, NEW_FRAME, 0);
		tso.hdr_before = t_flags(tso.ref);
		tso.rw = rw;
		tso.drained = tso.mapped = 0;
		on_event = tso_event;
		int ret = gtab_end_access(tso.ref);
		on_event = 0;
		if (!tso.drained)
			map_on_buffered_clear(); /* no full barrier: still buffered when end_access answers */
		REQUIRE(tso.mapped); /* Xen accepted the map: the window is real */
		if (ret == 1 && peer_maps(tso.ref))
			printf("#   v2 end answered 1 while the peer mapped (clear %s)\n",
			       tso.drained ? "drained by a late barrier" : "never drained by a barrier");
		CHECK(ret == 0);
		CHECK(t_flags(tso.ref) == 0);
		peer_unmap(tso.ref);
		CHECK(gtab_end_access(tso.ref) == 1);
	}
}

/* --- Arm: the flags may become visible before the contents without a store barrier --- */
static struct {
	grant_ref_t ref;
	int ordered;
} arm;

static void set_frame(grant_ref_t ref, uint64_t frame)
{
	if (t_version == 1)
		t_v1[ref].frame = (uint32_t)frame;
	else
		t_v2[ref].full_page.frame = frame;
}

static void arm_event(enum gtab_event ev, volatile void *addr)
{
	(void)addr;
	if ((ev == GTAB_EV_WMB || ev == GTAB_EV_MB) && t_frame(arm.ref) == NEW_FRAME &&
	    t_domid(arm.ref) == PEER && t_flags(arm.ref) == 0)
		arm.ordered = 1; /* contents written, flags not yet: this barrier orders them */
}

static void grant_arm(void)
{
	for (unsigned v = 1; v <= 2; v++) {
		REQUIRE(t_setup(v, T_NR, T_FIRST, 0) == 0);
		arm.ref = T_FIRST;
		arm.ordered = 0;
		t_stale(T_FIRST, OLD_FRAME); /* an ended grant of OLD_FRAME to the same peer */
		on_event = arm_event;
		grant_ref_t r = gtab_grant_access(PEER, NEW_FRAME, 0);
		on_event = 0;
		REQUIRE(r == T_FIRST);
		CHECK(t_frame(r) == NEW_FRAME && t_flags(r) == GTF_permit_access);
		if (!arm.ordered) { /* the flags reached Xen, the frame not yet */
			set_frame(r, OLD_FRAME);
			if (peer_map(r, 0) && peer_frame(r) != NEW_FRAME)
				printf("#   v%u: no store barrier between frame and flags; the peer mapped %#llx\n",
				       v, (unsigned long long)peer_frame(r));
			set_frame(r, NEW_FRAME);
		}
		CHECK(!peer_maps(r) || peer_frame(r) == NEW_FRAME);
		CHECK(arm.ordered);
	}
}

void test_order(void)
{
	tap_run("order: gtab_cmpxchg16 answers the value it found", cmpxchg16_answers_found);
	tap_run("order: v1 end_access with a map just before the swap says no", v1_map_before_swap);
	tap_run("order: v2 end_access on x86-TSO reads the status after a full barrier", v2_end_tso);
	tap_run("order: grant_access on Arm has a store barrier between contents and flags", grant_arm);
}
