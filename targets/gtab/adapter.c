/* adapter.c - gntfuzz's seam (harness/seam/seam.h) on top of gtab.
 *
 * gtab, like the kernels, trusts its caller: a ref put back twice corrupts its free list. The
 * world keeps the seam's contract (seam.h: only live shares are unshared or ended, release only
 * after a successful end, which the world follows with release itself), but other callers of this
 * adapter may not (a hand-written test such as tests/test_adapter.c), so it keeps a small per-ref
 * record of what the caller may do next and refuses the rest (SEAM_ERR) instead of passing misuse
 * on as a library bug. It never hides what the library did: answers come from the library's own
 * counters and from the page_free calls it actually made (seen through a wrapper around
 * host->page_free). setup() does all of gtab's per-input reset (no boot()); any table size the
 * world picks fits (GTAB_MAX_REFS), so `table` stays "any". Freestanding, like the library.
 */
#include "gtab.h" /* first: it picks the Xen interface version if the build did not */
#include "seam.h"

enum { REF_IDLE, REF_GRANTED, REF_ENDED }; /* idle: free, or given back to gtab (unshare) */

static void *host_ctx;
static void (*host_page_free)(void *ctx, uint64_t frame);
static int ready;          /* the last setup succeeded */
static unsigned version;
static grant_ref_t first_ref, nr_refs;

/* Per-ref record, valid only while stamp[ref] == epoch: setup is O(1). */
static uint32_t epoch, stamp[GTAB_MAX_REFS];
static uint8_t ref_state[GTAB_MAX_REFS];
static uint64_t ref_frame[GTAB_MAX_REFS];

/* What the library gave back through free_page. */
static unsigned pages_freed;
static uint64_t watch_frame;
static int watch_hit;

static void on_page_free(void *ctx, uint64_t frame)
{
	(void)ctx;
	pages_freed++;
	if (frame == watch_frame)
		watch_hit = 1;
	host_page_free(host_ctx, frame);
}

static int in_range(grant_ref_t ref)
{
	return ready && ref >= first_ref && ref < nr_refs;
}

static int state_of(grant_ref_t ref)
{
	return stamp[ref] == epoch ? ref_state[ref] : REF_IDLE;
}

static void set_state(grant_ref_t ref, int st)
{
	stamp[ref] = epoch;
	ref_state[ref] = (uint8_t)st;
}

static int a_setup(const struct seam_host *host, const struct seam_table *t)
{
	ready = 0; /* until the library accepts the table, every call is refused */
	if (!host || !t || !host->page_free)
		return SEAM_ERR;
	host_ctx = host->ctx;
	host_page_free = host->page_free;
	if (gtab_init(t->shared, t->status, t->version, t->nr_refs, t->first_ref, t->defer_cap,
		      on_page_free, 0) != 0)
		return SEAM_ERR;
	version = t->version;
	first_ref = t->first_ref;
	nr_refs = t->nr_refs;
	pages_freed = 0;
	if (++epoch == 0) { /* once in 2^32 setups: forget the old stamps for real */
		for (volatile uint32_t *s = stamp; s < stamp + GTAB_MAX_REFS; s++)
			*s = 0;
		epoch = 1;
	}
	ready = 1;
	return SEAM_OK;
}

static int a_share(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	grant_ref_t r;

	if (!ready)
		return SEAM_ERR;
	r = gtab_grant_access(domid, frame, readonly);
	if (r == GTAB_NO_REF)
		return version == 1 && frame > 0xffffffffu ? SEAM_ERR : SEAM_NOREF;
	if (in_range(r)) {
		set_state(r, REF_GRANTED);
		ref_frame[r] = frame;
	}
	*ref = r;
	return SEAM_OK;
}

static int a_unshare(grant_ref_t ref, uint64_t frame)
{
	struct gtab_stats before, after;

	if (!in_range(ref) || state_of(ref) != REF_GRANTED || ref_frame[ref] != frame)
		return SEAM_ERR;
	set_state(ref, REF_IDLE); /* before the call: the ref is gtab's from here on (the world never
				   * re-enters; a caller whose page_free shares again would get it) */
	gtab_get_stats(&before);
	watch_frame = frame;
	watch_hit = 0;
	gtab_end_foreign_access(ref, frame);
	gtab_get_stats(&after);
	if (after.leaked != before.leaked)
		return SEAM_LEAKED;
	if (after.deferred != before.deferred)
		return SEAM_BUSY; /* kept for the timer (even if a mutant freed the page already) */
	return watch_hit ? SEAM_OK : SEAM_ERR;
}

static unsigned a_tick(void)
{
	unsigned before = pages_freed;

	if (!ready)
		return 0;
	gtab_timer();
	return pages_freed - before;
}

static unsigned a_leaked(void)
{
	return ready ? gtab_leaked() : 0;
}

static int a_end(grant_ref_t ref)
{
	if (!in_range(ref) || state_of(ref) != REF_GRANTED)
		return SEAM_ERR;
	if (!gtab_end_access(ref))
		return SEAM_BUSY;
	set_state(ref, REF_ENDED);
	return SEAM_OK;
}

static int a_release(grant_ref_t ref)
{
	if (!in_range(ref) || state_of(ref) != REF_ENDED)
		return SEAM_ERR;
	set_state(ref, REF_IDLE);
	gtab_put_ref(ref);
	return SEAM_OK;
}

const struct seam_adapter gntfuzz_adapter = {
	.versions = SEAM_V1 | SEAM_V2,
	.setup = a_setup,
	.share = a_share,
	.unshare = a_unshare,
	.tick = a_tick,
	.leaked = a_leaked,
	.end = a_end,
	.release = a_release,
	.share_subpage = 0,
};
