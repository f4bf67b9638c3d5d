/* adapter.c - grants/ (gntfuzz's reference library) behind the seam.
 *
 * The platform's grant-entry accesses and barriers are in entry_ops.h (relaxed atomics, a seq_cst
 * cmpxchg, C11 fences), shared with grants' unit tests: scheduling points and memory order come
 * from the compiler's hooks on those accesses, not from these functions. Freestanding, so the
 * same adapter runs in every world and the PVH guest.
 */
#include "gnt.h"
#include "seam.h"
#include "entry_ops.h"

static struct gnt_lib lib;
static struct seam_host host;

static void page_release(void *ctx, uint64_t frame) { host.page_free(host.ctx, frame); }

static void log_msg(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	if (host.log)
		host.log(host.ctx, msg, a, b);
}

static const struct gnt_platform_ops ops = {
	.load16 = host_load16, .store16 = host_store16, .store32 = host_store32, .store64 = host_store64,
	.cmpxchg16 = host_cmpxchg16, .wmb = host_wmb, .mb = host_mb,
	.page_release = page_release, .log = log_msg,
};

static int rc_of(int rc)
{
	switch (rc) {
	case GNT_OK: return SEAM_OK;
	case GNT_BUSY: return SEAM_BUSY;
	case GNT_LEAKED: return SEAM_LEAKED;
	case GNT_ERR_NOREF: return SEAM_NOREF;
	default: return SEAM_ERR;
	}
}

static int setup(const struct seam_host *h, const struct seam_table *t)
{
	struct gnt_config cfg = {
		.version = t->version, .table = t->shared, .status = t->status, .nr_refs = t->nr_refs,
		.first_ref = t->first_ref, .defer_cap = t->defer_cap,
	};
	host = *h;
	return rc_of(gnt_init(&lib, &ops, 0, &cfg));
}

static int share(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	return rc_of(gnt_share(&lib, domid, frame, readonly, ref));
}

/* gnt_unshare knows the page from its share. */
static int unshare(grant_ref_t ref, uint64_t frame) { return rc_of(gnt_unshare(&lib, ref)); }
static unsigned tick(void) { return gnt_tick(&lib); }

static unsigned leaked(void)
{
	struct gnt_stats s;
	gnt_get_stats(&lib, &s);
	return (unsigned)s.leaked;
}

/* grants/ ends a shared page only through gnt_unshare: its low-level end answers SEAM_ERR for a
 * shared ref, which the world takes as the library's answer. */
static int end(grant_ref_t ref) { return rc_of(gnt_end_access(&lib, ref)); }
static int release(grant_ref_t ref) { return rc_of(gnt_release_ref(&lib, ref)); }

static int share_subpage(domid_t domid, uint64_t frame, uint16_t off, uint16_t len, int readonly,
			 grant_ref_t *ref)
{
	return rc_of(gnt_grant_subpage(&lib, domid, frame, off, len, readonly, ref));
}

const struct seam_adapter gntfuzz_adapter = {
	.versions = SEAM_V1 | SEAM_V2,
	.setup = setup, .share = share, .unshare = unshare, .tick = tick, .leaked = leaked,
	.end = end, .release = release, .share_subpage = share_subpage,
};
