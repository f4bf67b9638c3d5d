/* test_gnttab_race.c - guest-vs-Xen races reached deterministically through the race_window hook:
 * the v1 bounded cmpxchg ("unstable"), and the v2 set-status/re-check protocol. */
#include "tap.h"
#include "xsim_fixture.h"

/* What the guest does in the window: a script run by the observer callback. */
static struct {
	int calls;          /* race_window calls seen */
	int flip_times;     /* v1: change the entry on this many calls */
	int point_wanted;   /* v2: act only at this point */
	int end_result;     /* v2: what the guest's end returned inside the window */
	int acted;
} g;

static void flip_domid_bit(void *ctx, domid_t granter, grant_ref_t ref, int point)
{
	g.calls++;
	if (g.calls <= g.flip_times) {
		/* a harmless but changing guest store: toggles GTF_PWT, so the cmpxchg misses */
		__atomic_fetch_xor(hdr_flags(ref), (uint16_t)GTF_PWT, __ATOMIC_SEQ_CST);
	}
}

static void revoke_once(void *ctx, domid_t granter, grant_ref_t ref, int point)
{
	g.calls++;
	if (g.calls == 1)
		g.end_result = guest_end(ref);
}

static void v2_end_at_point(void *ctx, domid_t granter, grant_ref_t ref, int point)
{
	g.calls++;
	if (point == g.point_wanted && !g.acted) {
		g.acted = 1;
		g.end_result = guest_end(ref);
	}
}

static void arm(void (*fn)(void *, domid_t, grant_ref_t, int))
{
	memset(&g, 0, sizeof g);
	sim.obs.race_window = fn;
}

static void v1_unstable(void)
{
	setup(1);
	grant(8, PEER, 0, 0);
	arm(flip_domid_bit);
	g.flip_times = 1000;
	CHECK(map(PEER, 8, RW, NULL) == GNTST_general_error, "unstable entry fails after bounded retries");
	CHECK(g.calls == XSIM_SET_STATUS_RETRIES + 1, "unstable: exactly RETRIES+1 cmpxchg attempts");
	CHECK((*hdr_flags(8) & (GTF_reading | GTF_writing)) == 0 && xsim_ref_pins(&sim, GUEST, 8) == 0,
	      "unstable failure leaves no status bits and no pin");

	setup(1);
	grant(8, PEER, 0, 0);
	arm(flip_domid_bit);
	g.flip_times = XSIM_SET_STATUS_RETRIES;
	CHECK(map(PEER, 8, RW, NULL) == GNTST_okay, "a guest that settles within the retry bound is mapped");
	CHECK((*hdr_flags(8) & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
	      "cmpxchg retry sets the status bits on the settled entry");

	setup(1);
	grant(8, PEER, 0, 0);
	arm(revoke_once);
	CHECK(map(PEER, 8, RW, NULL) == GNTST_general_error && g.end_result == 0,
	      "v1 guest end in the cmpxchg window wins: map re-validates and fails");
	CHECK(*hdr_flags(8) == 0, "v1 revoked entry stays revoked (no status bits written)");
}

static void v2_races(void)
{
	setup(2);
	grant(8, PEER, 0, 0);
	arm(v2_end_at_point);
	g.point_wanted = XSIM_RACE_V2_BEFORE_RECHECK;
	CHECK(map(PEER, 8, RW, NULL) == GNTST_general_error, "v2 header cleared before the re-check: map backs out");
	CHECK(g.end_result == -1, "v2 guest end in that window sees the status bits (end fails, guest must retry)");
	CHECK(*xsim_gnt_status(&sim, GUEST, 8) == 0 && xsim_ref_pins(&sim, GUEST, 8) == 0,
	      "v2 back-out clears the status frame and holds no pin");

	setup(2);
	grant(8, PEER, 0, 0);
	arm(v2_end_at_point);
	g.point_wanted = XSIM_RACE_V2_BEFORE_STATUS;
	CHECK(map(PEER, 8, RO, NULL) == GNTST_general_error && g.end_result == 0,
	      "v2 guest end before status is set succeeds and the map fails on re-check");
	CHECK(*xsim_gnt_status(&sim, GUEST, 8) == 0, "v2 status frame clear after a lost race");

	setup(2);
	grant(8, PEER, 0, 0);
	arm(v2_end_at_point);
	g.point_wanted = -1; /* never acts: both points are still offered */
	CHECK(map(PEER, 8, RW, NULL) == GNTST_okay && g.calls == 2,
	      "v2 map offers two race points (before status, before re-check)");

	setup(2);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RO, NULL);
	arm(v2_end_at_point);
	g.point_wanted = -1;
	CHECK(map(PEER, 8, RO, NULL) == GNTST_okay && g.calls == 0,
	      "later read pins do not look at the entry at all (no race point)");
}

int main(void)
{
	v1_unstable();
	v2_races();
	return tap_done();
}
