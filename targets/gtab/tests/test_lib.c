/* test_lib.c - gtab's calls one at a time, with the peer acting between them. */
#include "peer.h"
#include "tap.h"
#include "tests.h"

#define FRAME(i) (0x1000u + (uint64_t)(i))

static grant_ref_t grant(uint64_t frame, int ro)
{
	return gtab_grant_access(PEER, frame, ro);
}

static struct gtab_stats stats(void)
{
	struct gtab_stats s;

	gtab_get_stats(&s);
	return s;
}

static void init_rejects_bad_arguments(void)
{
	void (*fp)(void *, uint64_t) = t_free_page;

	t_reset(2);
	CHECK(gtab_init(0, t_status, 2, T_NR, T_FIRST, 0, fp, 0) == -1);
	CHECK(gtab_init(t_mem, 0, 2, T_NR, T_FIRST, 0, fp, 0) == -1);         /* v2 needs status */
	CHECK(gtab_init(t_mem, t_status, 3, T_NR, T_FIRST, 0, fp, 0) == -1);
	CHECK(gtab_init(t_mem, t_status, 0, T_NR, T_FIRST, 0, fp, 0) == -1);
	CHECK(gtab_init(t_mem, t_status, 2, GTAB_MAX_REFS + 1, T_FIRST, 0, fp, 0) == -1);
	CHECK(gtab_init(t_mem, t_status, 2, T_NR, T_NR, 0, fp, 0) == -1);       /* no ref at all */
	CHECK(gtab_init(t_mem, t_status, 2, T_NR, T_FIRST, GTAB_DEFER_MAX + 1, fp, 0) == -1);
	CHECK(gtab_init(t_mem, t_status, 2, T_NR, T_FIRST, 0, 0, 0) == -1);     /* no free_page */
	CHECK(gtab_init(t_mem, 0, 1, T_NR, T_FIRST, 0, fp, 0) == 0);
	CHECK(gtab_init(t_mem, t_status, 2, T_NR, 0, GTAB_DEFER_MAX, fp, 0) == 0);
}

/* The order the README promises: lowest never-used first, then freed refs, most recent first. */
static void ref_order(void)
{
	for (unsigned v = 1; v <= 2; v++) {
		REQUIRE(t_setup(v, T_NR, T_FIRST, 0) == 0);
		CHECK(grant(FRAME(0), 0) == T_FIRST);
		CHECK(grant(FRAME(1), 0) == T_FIRST + 1);
		CHECK(grant(FRAME(2), 0) == T_FIRST + 2);
		CHECK(gtab_end_access(T_FIRST + 1) == 1);
		CHECK(gtab_end_access(T_FIRST) == 1);
		gtab_put_ref(T_FIRST + 1);
		gtab_put_ref(T_FIRST);
		CHECK(grant(FRAME(3), 0) == T_FIRST);
		CHECK(grant(FRAME(4), 0) == T_FIRST + 1);
		CHECK(grant(FRAME(5), 0) == T_FIRST + 3);
		REQUIRE(t_setup(v, T_NR, 0, 0) == 0);
		CHECK(grant(FRAME(0), 0) == 0); /* first_ref is taken as given, 0 included */
	}
}

static void grant_publishes_entry(void)
{
	for (unsigned v = 1; v <= 2; v++) {
		REQUIRE(t_setup(v, T_NR, T_FIRST, 0) == 0);
		grant_ref_t r = grant(FRAME(7), 0), ro = grant(FRAME(8), 1);
		REQUIRE(r == T_FIRST && ro == T_FIRST + 1);
		CHECK(t_flags(r) == GTF_permit_access);
		CHECK(t_domid(r) == PEER);
		CHECK(t_frame(r) == FRAME(7));
		CHECK(t_flags(ro) == (GTF_permit_access | GTF_readonly));
		CHECK(t_frame(ro) == FRAME(8));
		CHECK(!peer_map(ro, 1)); /* read-only means read-only */
		CHECK(peer_map(ro, 0));
		CHECK(peer_map(r, 1));
	}
}

static void v1_refuses_wide_frame(void)
{
	REQUIRE(t_setup(1, T_NR, T_FIRST, 0) == 0);
	CHECK(grant(0x100000000ull, 0) == GTAB_NO_REF);
	CHECK(stats().free_refs == T_NR - T_FIRST); /* no ref was used up */
	CHECK(grant(0xffffffffull, 0) == T_FIRST);
	CHECK(t_frame(T_FIRST) == 0xffffffffull);
	REQUIRE(t_setup(2, T_NR, T_FIRST, 0) == 0);
	CHECK(grant(0x123456789abull, 0) == T_FIRST);
	CHECK(t_frame(T_FIRST) == 0x123456789abull);
}

static void end_idle_revokes(void)
{
	for (unsigned v = 1; v <= 2; v++) {
		REQUIRE(t_setup(v, T_NR, T_FIRST, 0) == 0);
		grant_ref_t r = grant(FRAME(1), 0);
		CHECK(gtab_end_access(r) == 1);
		CHECK(t_flags(r) == 0);
		CHECK(!peer_map(r, 0));
		CHECK(t_nfreed == 0); /* end_access frees nothing */
	}
}

/* Mapped for writing or (ro) only for reading: either way the grant must stay. */
static void end_busy(int ro)
{
	for (unsigned v = 1; v <= 2; v++) {
		REQUIRE(t_setup(v, T_NR, T_FIRST, 0) == 0);
		grant_ref_t r = grant(FRAME(1), ro);
		REQUIRE(peer_map(r, !ro));
		CHECK(gtab_end_access(r) == 0);
		CHECK(peer_maps(r));
		if (v == 1)
			CHECK(t_flags(r) & GTF_permit_access);
		CHECK(gtab_end_access(r) == 0);
		peer_unmap(r);
		CHECK(gtab_end_access(r) == 1);
		CHECK(!peer_map(r, 0));
	}
}
static void end_busy_rw(void) { end_busy(0); }
static void end_busy_ro(void) { end_busy(1); }

static void exhaustion_and_reuse(void)
{
	grant_ref_t r;

	REQUIRE(t_setup(1, 16, T_FIRST, 0) == 0);
	for (r = T_FIRST; r < 16; r++)
		CHECK(grant(FRAME(r), 0) == r);
	CHECK(grant(FRAME(99), 0) == GTAB_NO_REF);
	CHECK(stats().free_refs == 0);
	CHECK(gtab_end_access(12) == 1);
	gtab_put_ref(12);
	CHECK(stats().free_refs == 1);
	CHECK(grant(FRAME(12), 0) == 12);
	CHECK(grant(FRAME(99), 0) == GTAB_NO_REF);
}

static void efa_idle_frees_page_and_ref(void)
{
	for (unsigned v = 1; v <= 2; v++) {
		REQUIRE(t_setup(v, T_NR, T_FIRST, 0) == 0);
		grant_ref_t r = grant(FRAME(5), 0);
		gtab_end_foreign_access(r, FRAME(5));
		CHECK(t_nfreed == 1 && t_freed[0] == FRAME(5));
		CHECK(t_flags(r) == 0);
		CHECK(stats().freed == 1 && stats().deferred == 0 && stats().deferred_now == 0);
		CHECK(grant(FRAME(6), 0) == r);
	}
}

static void efa_busy(int ro)
{
	for (unsigned v = 1; v <= 2; v++) {
		REQUIRE(t_setup(v, T_NR, T_FIRST, 0) == 0);
		grant_ref_t r = grant(FRAME(5), ro), a, b;
		REQUIRE(peer_map(r, !ro));
		gtab_end_foreign_access(r, FRAME(5));
		CHECK(t_nfreed == 0);
		CHECK(stats().deferred_now == 1 && stats().deferred == 1 && gtab_leaked() == 0);
		a = grant(FRAME(6), 0);
		CHECK(a != r); /* a deferred ref is not free */
		CHECK(gtab_timer() == 0); /* still mapped: kept */
		CHECK(t_nfreed == 0 && stats().deferred_now == 1);
		CHECK(gtab_timer() == 0);
		CHECK(stats().deferred_now == 1);
		peer_unmap(r);
		CHECK(gtab_timer() == 1);
		CHECK(t_nfreed == 1 && t_freed[0] == FRAME(5));
		CHECK(stats().deferred_now == 0 && stats().freed == 1 && gtab_leaked() == 0);
		CHECK(gtab_timer() == 0 && t_nfreed == 1);
		a = grant(FRAME(7), 0);
		b = grant(FRAME(8), 0);
		CHECK(a == r); /* the ref came back, once */
		CHECK(b != r);
		CHECK(t_freed_mapped == 0);
	}
}
static void efa_busy_rw(void) { efa_busy(0); }
static void efa_busy_ro(void) { efa_busy(1); }

/* With the deferred list full, a busy grant is written off: ref and page, forever. */
static void full_list_writes_off(void)
{
	for (unsigned v = 1; v <= 2; v++) {
		grant_ref_t r[3], x;
		unsigned i, n;

		REQUIRE(t_setup(v, T_NR, T_FIRST, 2) == 0);
		for (i = 0; i < 3; i++) {
			r[i] = grant(FRAME(i), 0);
			REQUIRE(peer_map(r[i], 1));
			gtab_end_foreign_access(r[i], FRAME(i));
		}
		CHECK(gtab_leaked() == 1 && stats().leaked == 1);
		CHECK(stats().deferred_now == 2 && t_nfreed == 0);
		for (i = 0; i < 3; i++)
			peer_unmap(r[i]);
		CHECK(gtab_timer() == 2);
		CHECK(t_nfreed == 2 && t_freed[0] == FRAME(0) && t_freed[1] == FRAME(1));
		CHECK(gtab_timer() == 0 && t_nfreed == 2 && gtab_leaked() == 1);
		for (n = 0; (x = grant(FRAME(50), 0)) != GTAB_NO_REF; n++)
			CHECK(x != r[2]);
		CHECK(n == T_NR - T_FIRST - 1);
	}
}

static void timer_retries_each_once(void)
{
	grant_ref_t r[3];
	unsigned i;

	REQUIRE(t_setup(1, T_NR, T_FIRST, 0) == 0);
	for (i = 0; i < 3; i++) {
		r[i] = grant(FRAME(i), 0);
		REQUIRE(peer_map(r[i], 1));
		gtab_end_foreign_access(r[i], FRAME(i));
	}
	peer_unmap(r[1]);
	CHECK(gtab_timer() == 1 && t_nfreed == 1 && t_freed[0] == FRAME(1));
	CHECK(stats().deferred_now == 2);
	peer_unmap(r[2]);
	CHECK(gtab_timer() == 1 && t_nfreed == 2 && t_freed[1] == FRAME(2));
	peer_unmap(r[0]);
	CHECK(gtab_timer() == 1 && t_nfreed == 3 && t_freed[2] == FRAME(0));
	CHECK(stats().deferred_now == 0 && gtab_leaked() == 0);
	CHECK(stats().free_refs == T_NR - T_FIRST);
}

static void default_defer_max(void)
{
	unsigned i;

	REQUIRE(t_setup(1, T_NR, T_FIRST, 0) == 0);
	for (i = 0; i < GTAB_DEFER_MAX + 1; i++) {
		grant_ref_t r = grant(FRAME(i), 0);
		REQUIRE(r != GTAB_NO_REF && peer_map(r, 0));
		gtab_end_foreign_access(r, FRAME(i));
	}
	CHECK(stats().deferred_now == GTAB_DEFER_MAX && gtab_leaked() == 1 && t_nfreed == 0);
}

static void init_resets_everything(void)
{
	grant_ref_t r;

	REQUIRE(t_setup(1, T_NR, T_FIRST, 1) == 0);
	for (unsigned i = 0; i < 3; i++) {
		r = grant(FRAME(i), 0);
		REQUIRE(peer_map(r, 1));
		gtab_end_foreign_access(r, FRAME(i));
	}
	gtab_put_ref(grant(FRAME(9), 0));
	CHECK(gtab_leaked() == 2 && stats().deferred_now == 1);
	REQUIRE(t_setup(2, 64, 4, 0) == 0);
	CHECK(gtab_leaked() == 0);
	CHECK(stats().deferred_now == 0 && stats().deferred == 0 && stats().freed == 0 &&
	      stats().leaked == 0 && stats().free_refs == 64 - 4);
	CHECK(gtab_timer() == 0 && t_nfreed == 0); /* the old deferred grant is forgotten */
	CHECK(grant(FRAME(1), 0) == 4);
	CHECK(t_v2[4].full_page.frame == FRAME(1));
}

/* Grant and give back many times the number of refs: nothing may run out. */
static void many_cycles(void)
{
	unsigned i;

	REQUIRE(t_setup(2, 16, T_FIRST, 0) == 0);
	for (i = 0; i < 3 * 16; i++) {
		grant_ref_t r = grant(FRAME(i), i & 1);
		REQUIRE(r == T_FIRST);
		gtab_end_foreign_access(r, FRAME(i));
	}
	CHECK(t_nfreed == 3 * 16 && stats().free_refs == 16 - T_FIRST);
}

static void out_of_range_refs(void)
{
	REQUIRE(t_setup(1, 16, T_FIRST, 0) == 0);
	grant_ref_t r = grant(FRAME(1), 0);
	t_v1[0].flags = GTF_permit_access; /* a reserved entry gtab must never touch */
	CHECK(gtab_end_access(0) == 0 && gtab_end_access(16) == 0 && gtab_end_access(GTAB_NO_REF) == 0);
	CHECK(t_v1[0].flags == GTF_permit_access);
	gtab_put_ref(16);
	gtab_put_ref(T_FIRST - 1);
	gtab_end_foreign_access(GTAB_NO_REF, FRAME(2));
	gtab_end_foreign_access(3, FRAME(3));
	CHECK(t_nfreed == 0 && stats().free_refs == 16 - T_FIRST - 1);
	CHECK(grant(FRAME(4), 0) == r + 1);
}

void test_lib(void)
{
	tap_run("init rejects bad arguments", init_rejects_bad_arguments);
	tap_run("ref order: first_ref up, then freed refs LIFO", ref_order);
	tap_run("grant publishes domid, frame, flags (rw and ro)", grant_publishes_entry);
	tap_run("v1 refuses a frame wider than 32 bits", v1_refuses_wide_frame);
	tap_run("end_access of an unmapped grant revokes it", end_idle_revokes);
	tap_run("end_access of a grant mapped rw says no", end_busy_rw);
	tap_run("end_access of a grant mapped ro says no", end_busy_ro);
	tap_run("refs run out, and a put ref is reused", exhaustion_and_reuse);
	tap_run("end_foreign_access of an unmapped grant frees page and ref", efa_idle_frees_page_and_ref);
	tap_run("end_foreign_access of a grant mapped rw defers; timer frees", efa_busy_rw);
	tap_run("end_foreign_access of a grant mapped ro defers; timer frees", efa_busy_ro);
	tap_run("full deferred list: the grant is written off", full_list_writes_off);
	tap_run("timer retries each deferred grant once", timer_retries_each_once);
	tap_run("defer_max 0 means GTAB_DEFER_MAX", default_defer_max);
	tap_run("init resets everything", init_resets_everything);
	tap_run("many grant/free cycles do not run out of refs", many_cycles);
	tap_run("out-of-range refs are ignored", out_of_range_refs);
}
