/* adapter.c - fifoq behind gntfuzz's seam (harness/seam/seam.h). fifoq keeps all its state in a
 * struct its owner provides: here one static `struct fifoq`, opened afresh by setup on every
 * table. Its answers map one to one onto the seam's; its give_back callback is host->page_free.
 * Any table of up to FQ_MAX_REFS (256) entries and any first_ref: .table stays "any".
 */
#include "fifoq.h"
#include "seam.h"

static struct fifoq fq;
static struct seam_host host;

static void give_back(void *cookie, uint64_t frame)
{
	const struct seam_host *h = cookie;

	h->page_free(h->ctx, frame);
}

static int rc_of(enum fq_status st)
{
	switch (st) {
	case FQ_DONE: return SEAM_OK;
	case FQ_PARKED: return SEAM_BUSY;
	case FQ_INUSE: return SEAM_BUSY;
	case FQ_ABANDONED: return SEAM_LEAKED;
	case FQ_EMPTY: return SEAM_NOREF;
	default: return SEAM_ERR;
	}
}

static int setup(const struct seam_host *h, const struct seam_table *t)
{
	if (!h || !h->page_free || !t || t->version != 1)
		return SEAM_ERR;
	host = *h;
	return rc_of(fq_open(&fq, t->shared, t->first_ref, t->nr_refs, t->defer_cap, give_back, &host));
}

static int share(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	return rc_of(fq_offer(&fq, domid, frame, readonly, ref));
}

static int unshare(grant_ref_t ref, uint64_t frame) { return rc_of(fq_release(&fq, ref, frame)); }
static unsigned tick(void) { return fq_service(&fq); }
static unsigned leaked(void) { return fq_abandoned(&fq); }
static int end(grant_ref_t ref) { return rc_of(fq_withdraw(&fq, ref)); }
static int release(grant_ref_t ref) { return rc_of(fq_recycle(&fq, ref)); }

const struct seam_adapter gntfuzz_adapter = {
	.versions = SEAM_V1,
	.setup = setup,
	.share = share,
	.unshare = unshare,
	.tick = tick,
	.leaked = leaked,
	.end = end,
	.release = release,
};
