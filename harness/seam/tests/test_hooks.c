/* test_hooks.c - the scheduling-point mechanism, both ways, on code shaped like real libraries
 * (hooked.c, compiled like target code: trace-loads/trace-stores and gntfuzz's pass): a peer "map"
 * injected at access K of an end must be caught in a check-then-plain-store end (it revokes
 * under the map at its store) and in a cmpxchg end that ignores the swap's answer (__atomic or
 * inline asm: the map lands in the window before the swap), and must never fool a correct
 * cmpxchg loop, whatever K. Barriers reach the world as fences of their kind; a compiler barrier
 * does not. (test_models.c runs the same idioms in the world under each memory model.) TAP output. */
#include <stdio.h>
#include <string.h>
#include "seam/seam_hooks.h"
#include "seam/seam.h"
#include <xen/xen.h>
#include <xen/grant_table.h>

int end_check_then_store(grant_entry_v1_t *e);
int end_check_then_volatile_store(volatile grant_entry_v1_t *e);
int end_cmpxchg(grant_entry_v1_t *e);
int end_sync_cmpxchg(grant_entry_v1_t *e);
int end_cmpxchg_ignored(grant_entry_v1_t *e);
int end_asm_cmpxchg(grant_entry_v1_t *e);
int end_asm_cmpxchg_ignored(grant_entry_v1_t *e);
void barriers(void);
void publish_fields(grant_entry_v1_t *e, domid_t d, uint32_t frame);
void publish_whole(grant_entry_v1_t *e, uint64_t word);
uint32_t private_work(uint32_t *p, unsigned n);

static grant_entry_v1_t table[16];
static int failed;

/* What the callback saw, and the peer move it plays at access `map_at`. */
static struct {
	unsigned n, loads, stores, rmws, map_at, sizes;
	uintptr_t last;
	unsigned fences[8], nfences, rmw_order;
} seen;

static void on_access(void *ctx, uintptr_t addr, unsigned size, int kind)
{
	grant_entry_v1_t *e = ctx;
	if (seen.n++ == seen.map_at)
		e->flags |= GTF_writing; /* the peer maps between this access and the next */
	seen.loads += kind == SEAM_ACC_LOAD;
	seen.stores += kind == SEAM_ACC_STORE;
	seen.rmws += kind == SEAM_ACC_RMW;
	seen.sizes |= size;
	seen.last = addr;
}

static void on_order(void *ctx, unsigned event, uintptr_t addr, unsigned size, unsigned order)
{
	if (event == SEAM_ORD_FENCE && seen.nfences < 8)
		seen.fences[seen.nfences++] = order;
	if (event == SEAM_ORD_RMW)
		seen.rmw_order = order;
}

static void watch(grant_entry_v1_t *e, unsigned map_at)
{
	memset(&seen, 0, sizeof seen);
	seen.map_at = map_at;
	seam_watch_range((uintptr_t)table, (uintptr_t)(table + 16), on_access, e);
	seam_watch.on_order = on_order;
	seam_watch.ordered = 1;
	seam_watch.live = 1;
}

static void check(int ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	failed += !ok;
}

/* Run `end` with the peer's map injected at access k = 0, 1, ... as long as the end makes that
 * many hooked accesses; return the first k at which it answered "revoked" although the map had
 * landed during the call (a revoke under a map), or -1 if it never did. */
static int race(int (*end)(grant_entry_v1_t *), unsigned *points)
{
	for (unsigned k = 0;; k++) {
		grant_entry_v1_t *e = &table[3];
		e->flags = GTF_permit_access;
		watch(e, k);
		int ended = end(e);
		seam_watch.live = 0;
		*points = seen.n;
		if (k >= seen.n)
			return -1; /* the map never landed inside the call: every point was tried */
		if (ended)
			return (int)k;
	}
}

static int volatile_end(grant_entry_v1_t *e) { return end_check_then_volatile_store(e); }

int main(void)
{
	unsigned pts;
	int k = race(end_check_then_store, &pts);
	check(k == 1 && pts == 2, "check-then-plain-store end: 2 points (load, store), revokes under a map landing at the store");
	k = race(volatile_end, &pts);
	check(k == 1 && pts == 2, "check-then-volatile-store end: revokes under a map landing at the store");
	k = race(end_cmpxchg, &pts);
	check(k == -1 && pts >= 2, "cmpxchg end (__atomic): 2 points (the load, the window before the swap), never revokes under a map");
	k = race(end_sync_cmpxchg, &pts);
	check(k == -1 && pts >= 2, "cmpxchg end (__sync): never revokes under a map at any point");
	k = race(end_asm_cmpxchg, &pts);
	check(k == -1 && pts >= 2, "cmpxchg end (inline-asm lock cmpxchgw): never revokes under a map at any point");
	k = race(end_cmpxchg_ignored, &pts);
	check(k == 1 && pts == 2, "cmpxchg end ignoring the swap (__atomic): revokes under a map landing before the swap");
	k = race(end_asm_cmpxchg_ignored, &pts);
	check(k == 1 && pts == 2, "cmpxchg end ignoring the swap (inline asm): revokes under a map landing before the swap");

	watch(&table[3], 99);
	table[3].flags = GTF_permit_access;
	end_asm_cmpxchg(&table[3]);
	check(seen.rmws == 1 && (seen.sizes & 2) && seen.last == (uintptr_t)&table[3].flags && seen.rmw_order == __ATOMIC_SEQ_CST,
	      "an inline-asm lock cmpxchgw is one 2-byte seq_cst RMW point at the flags it swaps");
	watch(&table[0], 99);
	barriers();
	check(seen.nfences == 4 && seen.fences[0] == SEAM_FENCE_FULL && seen.fences[1] == SEAM_FENCE_FULL &&
	      seen.fences[2] == SEAM_FENCE_STORE && seen.fences[3] == SEAM_FENCE_RELEASE,
	      "seq_cst fence, asm mfence, asm sfence, release fence reach the world as FULL, FULL, STORE, RELEASE; a compiler barrier as nothing");
	watch(&table[0], 99);
	seam_watch.ordered = 0;
	barriers();
	check(seen.nfences == 0, "no fence reaches the world while it models no memory order (sc)");

	watch(&table[5], 99);
	publish_fields(&table[5], 7, 0x1234);
	check(seen.stores == 3 && (seen.sizes & (2 | 4)) == (2 | 4),
	      "plain 16- and 32-bit stores and an atomic store of an entry are three hooked stores");
	watch(&table[6], 99);
	publish_whole(&table[6], 0x1234000700000001ull);
	check(seen.stores == 1 && (seen.sizes & 8) && seen.last == (uintptr_t)&table[6],
	      "a 64-bit store of a whole entry is one hooked store at the entry");
	uint32_t priv[8] = { 0 };
	watch(&table[0], 99);
	private_work(priv, 8);
	check(seen.n == 0, "loads and stores of private memory never reach the callback");
	watch(&table[0], 99);
	seam_watch.live = 0;
	end_cmpxchg(&table[0]);
	check(seen.n == 0, "no callback while the world is not inside a target call");
	printf("%s\n", failed ? "FAIL" : "PASS");
	return failed ? 1 : 0;
}
