/* test_adapter.c - the seam adapter: its answers match what gtab did, and caller misuse is
 * refused instead of reaching the library. */
#include "peer.h"
#include "seam.h"
#include "tap.h"
#include "tests.h"

static const struct seam_adapter *A = &gntfuzz_adapter;

static int no_alloc(void *ctx, uint64_t *frame) { (void)ctx; (void)frame; return -1; }
static void *no_mem(void *ctx, uint64_t frame) { (void)ctx; (void)frame; return 0; }

static const struct seam_host host = {
	.ctx = 0, .page_alloc = no_alloc, .page_free = t_free_page, .page_mem = no_mem, .log = 0,
};

static int setup(unsigned v, uint32_t nr, uint32_t defer_cap)
{
	struct seam_table t = {
		.version = v, .shared = 0, .status = 0, .nr_refs = nr, .first_ref = T_FIRST,
		.defer_cap = defer_cap, .self = 0,
	};

	t_reset(v);
	t.shared = t_mem;
	t.status = t_status;
	return A->setup(&host, &t);
}

static grant_ref_t share(uint64_t frame, int ro)
{
	grant_ref_t r = GTAB_NO_REF;

	return A->share(PEER, frame, ro, &r) == SEAM_OK ? r : GTAB_NO_REF;
}

static void fields(void)
{
	CHECK(A->versions == (SEAM_V1 | SEAM_V2));
	CHECK(A->setup && A->share && A->unshare && A->tick && A->leaked && A->end && A->release);
	CHECK(A->share_subpage == 0);
}

static void setup_checks(void)
{
	grant_ref_t r;

	CHECK(setup(3, T_NR, 0) == SEAM_ERR);
	CHECK(A->share(PEER, 1, 0, &r) == SEAM_ERR); /* nothing works after a refused setup */
	CHECK(A->tick() == 0 && A->leaked() == 0);
	CHECK(setup(1, GTAB_MAX_REFS + 1, 0) == SEAM_ERR);
	CHECK(setup(2, T_NR, GTAB_DEFER_MAX + 1) == SEAM_ERR);
	CHECK(setup(2, T_NR, 0) == SEAM_OK);
	CHECK(share(0x10, 0) == T_FIRST);
}

static void unshare_answers(void)
{
	for (unsigned v = 1; v <= 2; v++) {
		grant_ref_t a, b, c;

		REQUIRE(setup(v, T_NR, 1) == SEAM_OK);
		a = share(0x10, 0);
		REQUIRE(a == T_FIRST);
		CHECK(A->unshare(a, 0x10) == SEAM_OK);
		CHECK(t_nfreed == 1 && t_freed[0] == 0x10);
		b = share(0x11, 0);
		CHECK(b == a);
		REQUIRE(peer_map(b, 1));
		CHECK(A->unshare(b, 0x11) == SEAM_BUSY);
		CHECK(t_nfreed == 1);
		CHECK(A->tick() == 0);
		c = share(0x12, 1);
		REQUIRE(c != GTAB_NO_REF && peer_map(c, 0));
		CHECK(A->unshare(c, 0x12) == SEAM_LEAKED); /* defer_cap 1: the list is full */
		CHECK(A->leaked() == 1);
		peer_unmap(b);
		peer_unmap(c);
		CHECK(A->tick() == 1);
		CHECK(t_nfreed == 2 && t_freed[1] == 0x11 && t_freed_mapped == 0);
		CHECK(A->tick() == 0 && A->leaked() == 1);
	}
}

static void end_and_release(void)
{
	for (unsigned v = 1; v <= 2; v++) {
		grant_ref_t r;

		REQUIRE(setup(v, T_NR, 0) == SEAM_OK);
		r = share(0x20, 0);
		REQUIRE(r == T_FIRST && peer_map(r, 0));
		CHECK(A->end(r) == SEAM_BUSY);
		CHECK(A->release(r) == SEAM_ERR); /* not ended: the peer maps it */
		peer_unmap(r);
		CHECK(A->end(r) == SEAM_OK);
		CHECK(A->end(r) == SEAM_ERR);
		CHECK(A->unshare(r, 0x20) == SEAM_ERR);
		CHECK(A->release(r) == SEAM_OK);
		CHECK(A->release(r) == SEAM_ERR);
		CHECK(t_nfreed == 0);
		CHECK(share(0x21, 0) == r);
	}
}

static void misuse_refused(void)
{
	grant_ref_t r, x;

	REQUIRE(setup(1, 12, 0) == SEAM_OK);
	r = share(0x30, 0);
	REQUIRE(r == T_FIRST);
	CHECK(A->unshare(r, 0x31) == SEAM_ERR);      /* not the page it granted */
	CHECK(A->unshare(r + 1, 0x30) == SEAM_ERR);  /* never granted */
	CHECK(A->end(T_FIRST - 1) == SEAM_ERR && A->end(12) == SEAM_ERR);
	CHECK(A->release(GTAB_NO_REF) == SEAM_ERR);
	CHECK(A->share(PEER, 0x100000000ull, 0, &x) == SEAM_ERR); /* v1: frame too wide */
	CHECK(A->unshare(r, 0x30) == SEAM_OK);
	CHECK(A->unshare(r, 0x30) == SEAM_ERR);      /* twice */
	CHECK(t_nfreed == 1);
	for (unsigned i = 0; i < 12 - T_FIRST; i++)
		CHECK(share(0x40 + i, 0) != GTAB_NO_REF);
	CHECK(A->share(PEER, 0x50, 0, &x) == SEAM_NOREF);
}

static void setup_forgets(void)
{
	grant_ref_t r;

	REQUIRE(setup(1, T_NR, 0) == SEAM_OK);
	r = share(0x60, 0);
	REQUIRE(r == T_FIRST);
	REQUIRE(setup(2, T_NR, 0) == SEAM_OK);
	CHECK(A->unshare(r, 0x60) == SEAM_ERR); /* a ref of the last run */
	CHECK(share(0x61, 0) == T_FIRST);
	CHECK(A->unshare(T_FIRST, 0x61) == SEAM_OK);
}

void test_adapter(void)
{
	tap_run("adapter: calls and versions", fields);
	tap_run("adapter: setup checks the table", setup_checks);
	tap_run("adapter: unshare answers ok, busy, leaked; tick counts frees", unshare_answers);
	tap_run("adapter: end and release", end_and_release);
	tap_run("adapter: misuse is refused", misuse_refused);
	tap_run("adapter: setup forgets the last run's refs", setup_forgets);
}
