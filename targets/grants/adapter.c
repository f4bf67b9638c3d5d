/* adapter.c - grants/ (gntfuzz's reference library) behind the seam.
 *
 * The platform ops touch the grant entries with plain C and __atomic accesses, as the library
 * would on a real machine: scheduling points come from the compiler's load/store hooks, not
 * from these functions. Freestanding, so the same adapter runs in every world and the PVH guest.
 */
#include "gnt.h"
#include "seam.h"

static struct gnt_lib lib;
static struct seam_host host;

static uint16_t load16(void *ctx, volatile uint16_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void store16(void *ctx, volatile uint16_t *p, uint16_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static void store32(void *ctx, volatile uint32_t *p, uint32_t v) { *p = v; }
static void store64(void *ctx, volatile uint64_t *p, uint64_t v) { *p = v; }

static uint16_t cmpxchg16(void *ctx, volatile uint16_t *p, uint16_t old, uint16_t new_val)
{
	__atomic_compare_exchange_n(p, &old, new_val, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old; /* the value found: == the expected one on success */
}

static void wmb(void *ctx) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static void mb(void *ctx) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

static void page_release(void *ctx, uint64_t frame) { host.page_free(host.ctx, frame); }

static void log_msg(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	if (host.log)
		host.log(host.ctx, msg, a, b);
}

static const struct gnt_platform_ops ops = {
	.load16 = load16, .store16 = store16, .store32 = store32, .store64 = store64,
	.cmpxchg16 = cmpxchg16, .wmb = wmb, .mb = mb, .page_release = page_release, .log = log_msg,
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
