/* adapter.c - hiref behind gntfuzz's seam (harness/seam/seam.h), and hiref's OS glue: the
 * hiref_os_* functions it binds at link time.
 *
 * hiref hands out refs 9.. (0..7 are Xen's, 8 its own): the adapter says so in .table, and the
 * world gives it tables with first_ref 9. Highest free ref first; nothing ever written off, so
 * leaked() is 0 and unshare never answers SEAM_LEAKED.
 *
 * The panic shim logs through host->log (the line a finding is headed with), then aborts: in the
 * PVH guest (freestanding, no abort) it traps.
 */
#include "hiref.h"
#include "seam.h"

#if __STDC_HOSTED__
void abort(void) __attribute__((noreturn)); /* <stdlib.h>'s, without the rest of libc */
#define hr_die() abort()
#else
#define hr_die() __builtin_trap()
#endif

static struct seam_host host;

void hiref_os_page_release(uint64_t frame)
{
	host.page_free(host.ctx, frame);
}

void hiref_os_panic(const char *why, uint64_t a, uint64_t b)
{
	if (host.log)
		host.log(host.ctx, why, a, b);
	hr_die();
}

static int setup(const struct seam_host *h, const struct seam_table *t)
{
	if (!h || !h->page_free || !t || t->first_ref > HIREF_FIRST_REF)
		return SEAM_ERR;
	host = *h;
	return hiref_init(t->version, t->shared, t->status, t->nr_refs) ? SEAM_ERR : SEAM_OK;
}

static int share(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	int r = hiref_grant(domid, frame, readonly);

	if (r == -HIREF_ENOSPC)
		return SEAM_NOREF;
	if (r < 0)
		return SEAM_ERR;
	*ref = (grant_ref_t)r;
	return SEAM_OK;
}

/* hiref_retire releases the page itself (now or from hiref_reap); the frame is the share's. */
static int unshare(grant_ref_t ref, uint64_t frame)
{
	switch (hiref_retire(ref, frame)) {
	case 0: return SEAM_OK;
	case -HIREF_EINPROGRESS: return SEAM_BUSY;
	default: return SEAM_ERR;
	}
}

static unsigned tick(void) { return hiref_reap(); }
static unsigned leaked(void) { return 0; } /* hiref keeps every busy grant pending, never writes one off */

static int end(grant_ref_t ref)
{
	switch (hiref_revoke(ref)) {
	case 0: return SEAM_OK;
	case -HIREF_EBUSY: return SEAM_BUSY;
	default: return SEAM_ERR;
	}
}

static int release(grant_ref_t ref)
{
	hiref_free_ref(ref);
	return SEAM_OK;
}

const struct seam_adapter gntfuzz_adapter = {
	.versions = SEAM_V1 | SEAM_V2,
	.setup = setup,
	.share = share,
	.unshare = unshare,
	.tick = tick,
	.leaked = leaked,
	.end = end,
	.release = release,
	.table = { .first_ref = HIREF_FIRST_REF },
};
