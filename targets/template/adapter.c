/* adapter.c - connects your grant-table code to gntfuzz's seam. gntfuzz calls these functions;
 * each calls your code in its own idiom. What the world calls when, what it guarantees and what
 * each answer means is THE CONTRACT in harness/seam/seam.h (read it, it is short). In brief:
 *  - setup() before every input brings ALL of your library's state back to a fresh start on the
 *    table it is given; or boot() builds it once and the world restores it per input (below).
 *  - every page your code frees must go through host->page_free: that is where gntfuzz checks
 *    that the peer no longer maps it. Your code's own allocator is not consulted.
 *  - answer what your code did: SEAM_OK for unshare only if the page went back through
 *    page_free during the call; SEAM_BUSY if your code keeps it to retry on tick; SEAM_LEAKED if
 *    it keeps it forever (and counts it in leaked()).
 *  - a crash (abort, panic, failed assert, fault) in any call is a finding: have your panic shim
 *    log why through host->log, then abort().
 * Nothing here reports grant-table accesses: the compiler's hooks see them in your code. */
#include "seam.h"
#include "mygnttab.h"

static struct seam_host host;

/* Your code frees pages its own way; here it calls back with the frame. */
static void free_page(uint64_t frame) { host.page_free(host.ctx, frame); }

static int setup(const struct seam_host *h, const struct seam_table *t)
{
	if (t->version != 1)
		return SEAM_ERR; /* this stand-in has no v2: `versions` below says so too */
	host = *h;
	mygnt_init((grant_entry_v1_t *)t->shared, t->nr_refs, t->first_ref, free_page);
	return SEAM_OK;
}

static int share(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	*ref = mygnt_grant_access(domid, frame, readonly);
	return *ref == MYGNT_NO_REF ? SEAM_NOREF : SEAM_OK;
}

/* This library keeps a busy grant forever: that is a write-off, counted in leaked(). */
static int unshare(grant_ref_t ref, uint64_t frame)
{
	return mygnt_end_access_and_free(ref, frame) ? SEAM_OK : SEAM_LEAKED;
}

static unsigned tick(void) { return 0; } /* no deferred work in this library */
static unsigned leaked(void) { return mygnt_kept(); }

static int end(grant_ref_t ref) { return mygnt_end_access(ref) ? SEAM_OK : SEAM_BUSY; }
static int release(grant_ref_t ref)
{
	mygnt_put_ref(ref);
	return SEAM_OK;
}

const struct seam_adapter gntfuzz_adapter = {
	.versions = SEAM_V1,
	.setup = setup,
	.share = share,
	.unshare = unshare,
	.tick = tick,
	.leaked = leaked,
	.end = end,           /* optional: NULL if your code has no separate revoke */
	.release = release,   /* optional */
	/* Optional: a table of the size your code is built for (say NR_GRANT_ENTRIES 2048, refs from
	 * 8), instead of any size 9..256 (struct seam_geometry in seam.h). */
	/* .table = { .max_refs = 2048, .fixed = 1, .first_ref = 8 }, */
	/* Optional: an expensive init run once; the world snapshots your writable globals after it
	 * and restores them before every input. setup may then be NULL, or do per-input work only. */
	/* .boot = boot, */
};
