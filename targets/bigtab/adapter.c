/* adapter.c - bigtab behind gntfuzz's seam (harness/seam/seam.h).
 *
 * bigtab's table is fixed when its kernel is built: BT_NR_ENTRIES (2048) entries, Xen's refs
 * 0..7 reserved. The adapter declares that in .table, and the world gives it exactly that table.
 * Its init walks all 2048 bookkeeping slots, so it is the adapter's boot(): the world runs it
 * once per table shape (version, deferred limit) and restores bigtab's globals per input. setup
 * is the cheap per-input part: it only checks that the input's table is the one bigtab booted on.
 */
#include "bigtab.h"
#include "seam.h"

static struct seam_host host;
static const void *booted_table;
static unsigned booted_version;

static void free_page(uint64_t frame)
{
	host.page_free(host.ctx, frame);
}

static int table_fits(const struct seam_table *t)
{
	return t && t->nr_refs == BT_NR_ENTRIES && t->first_ref <= BT_NR_RESERVED && t->defer_cap <= BT_DEFER_MAX;
}

static int boot(const struct seam_host *h, const struct seam_table *t)
{
	if (!h || !h->page_free || !table_fits(t))
		return SEAM_ERR;
	host = *h;
	if (bt_boot(t->version, t->shared, t->status, t->defer_cap, free_page) != BT_OK)
		return SEAM_ERR;
	booted_table = t->shared;
	booted_version = t->version;
	return SEAM_OK;
}

static int setup(const struct seam_host *h, const struct seam_table *t)
{
	if (!table_fits(t) || t->shared != booted_table || t->version != booted_version)
		return SEAM_ERR; /* bigtab was booted on another table: it knows no other */
	host = *h;
	return SEAM_OK;
}

static int rc_of(enum bt_rc rc)
{
	switch (rc) {
	case BT_OK: return SEAM_OK;
	case BT_DEFERRED: return SEAM_BUSY;
	case BT_BUSY: return SEAM_BUSY;
	case BT_WRITTEN_OFF: return SEAM_LEAKED;
	case BT_NOREF: return SEAM_NOREF;
	default: return SEAM_ERR;
	}
}

static int share(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	return rc_of(bt_grant(domid, frame, readonly, ref));
}

static int unshare(grant_ref_t ref, uint64_t frame) { return rc_of(bt_ungrant(ref, frame)); }
static unsigned tick(void) { return bt_poll(); }
static unsigned leaked(void) { return bt_written_off(); }
static int end(grant_ref_t ref) { return rc_of(bt_end(ref)); }
static int release(grant_ref_t ref) { return rc_of(bt_put(ref)); }

const struct seam_adapter gntfuzz_adapter = {
	.versions = SEAM_V1 | SEAM_V2,
	.boot = boot,
	.setup = setup,
	.share = share,
	.unshare = unshare,
	.tick = tick,
	.leaked = leaked,
	.end = end,
	.release = release,
	.table = { .max_refs = BT_NR_ENTRIES, .fixed = 1 },
};
