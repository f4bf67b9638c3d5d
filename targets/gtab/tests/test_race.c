/* test_race.c - the peer maps at every single access gtab makes to the table (trap.h), one run
 * per access point, and the invariants must hold at each: a revoked grant is not mapped, a
 * freed page is not mapped, a mapped frame is the one granted. */
#include "peer.h"
#include "tap.h"
#include "tests.h"
#include "trap.h"

#define OLD_FRAME 0x5000u
#define NEW_FRAME 0x6000u
#define MAX_POINTS 64 /* more accesses than this in one call would be a bug in itself */

struct call {
	grant_ref_t ref;
	int ro;
	int ret;
};

static void do_end(void *p) { struct call *c = p; c->ret = gtab_end_access(c->ref); }
static void do_efa(void *p) { struct call *c = p; gtab_end_foreign_access(c->ref, NEW_FRAME); }
static void do_timer(void *p) { struct call *c = p; c->ret = (int)gtab_timer(); }
static void do_grant(void *p) { struct call *c = p; c->ref = gtab_grant_access(PEER, NEW_FRAME, c->ro); }
static void peer_moves(void *p) { struct call *c = p; peer_map(c->ref, !c->ro); }

/* Grant NEW_FRAME; then, for each access point k of `fn`, the peer tries to map there. */
static void race(void (*fn)(void *), int deferred, int ro, int (*ok)(struct call *))
{
	if (!trap_supported()) {
		tap_skip("no page-fault scheduling points on this platform");
		return;
	}
	for (unsigned v = 1; v <= 2; v++) {
		unsigned k, n = 0;

		for (k = 1; k <= MAX_POINTS; k++) {
			struct call c = { .ro = ro };

			REQUIRE(t_setup(v, T_NR, T_FIRST, 0) == 0);
			c.ref = gtab_grant_access(PEER, NEW_FRAME, ro);
			REQUIRE(c.ref == T_FIRST);
			if (deferred) { /* a grant on the deferred list that the peer has just unmapped */
				REQUIRE(peer_map(c.ref, !ro));
				gtab_end_foreign_access(c.ref, NEW_FRAME);
				peer_unmap(c.ref);
			}
			n = trap_run(fn, &c, k, peer_moves, &c);
			if (!ok(&c))
				printf("#   v%u, peer mapped before access %u of %u\n", v, k, n);
			CHECK(ok(&c));
			if (n < k)
				break;
		}
		CHECK(n >= 1 && k <= MAX_POINTS);
	}
}

static int end_ok(struct call *c) { return !(c->ret == 1 && peer_maps(c->ref)); }
static int freed_ok(struct call *c) { (void)c; return t_freed_mapped == 0; }

static void end_vs_map_rw(void) { race(do_end, 0, 0, end_ok); }
static void end_vs_map_ro(void) { race(do_end, 0, 1, end_ok); }
static void efa_vs_map(void) { race(do_efa, 0, 0, freed_ok); }
static void timer_vs_map(void) { race(do_timer, 1, 0, freed_ok); }

/* Publishing: the entry still holds an ended grant of OLD_FRAME to the same peer. A map at any
 * point of grant_access must see either no grant or the new one. */
static void grant_vs_map(void)
{
	if (!trap_supported()) {
		tap_skip("no page-fault scheduling points on this platform");
		return;
	}
	for (unsigned v = 1; v <= 2; v++) {
		unsigned k, n = 0;

		for (k = 1; k <= MAX_POINTS; k++) {
			struct call c = { .ref = T_FIRST, .ro = 0 };

			REQUIRE(t_setup(v, T_NR, T_FIRST, 0) == 0);
			t_stale(T_FIRST, OLD_FRAME);
			n = trap_run(do_grant, &c, k, peer_moves, &c);
			CHECK(c.ref == T_FIRST);
			if (peer_maps(T_FIRST) && peer_frame(T_FIRST) != NEW_FRAME)
				printf("#   v%u, peer mapped frame %#llx before access %u of %u\n", v,
				       (unsigned long long)peer_frame(T_FIRST), k, n);
			CHECK(!peer_maps(T_FIRST) || peer_frame(T_FIRST) == NEW_FRAME);
			if (n < k)
				break;
		}
		CHECK(n >= 3 && k <= MAX_POINTS); /* domid, frame, flags at least */
	}
}

void test_race(void)
{
	tap_run("race: end_access vs a rw map at every access", end_vs_map_rw);
	tap_run("race: end_access vs a ro map at every access", end_vs_map_ro);
	tap_run("race: end_foreign_access frees no mapped page", efa_vs_map);
	tap_run("race: timer frees no mapped page", timer_vs_map);
	tap_run("race: a map during grant_access sees the new frame", grant_vs_map);
}
