/* gnt_entry_v1.c - publishing and revoking a version 1 grant entry {flags, domid, frame}.
 * Every access to the entry goes through the platform ops: the entry is shared with Xen. */
#include "gnt_internal.h"

void gnt__v1_publish(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame, int readonly)
{
	const struct gnt_platform_ops *ops = lib->ops;
	grant_entry_v1_t *e = &lib->v1[ref];
	uint16_t flags = (uint16_t)(GTF_permit_access | (readonly && !GNT_IS(ro_flag) ? GTF_readonly : 0));

	if (GNT_IS(flags_first)) {
		/* Bug: the entry is live before it says what it grants. */
		ops->store16(lib->ctx, &e->flags, flags);
		ops->wmb(lib->ctx);
		ops->store16(lib->ctx, &e->domid, domid);
		ops->store32(lib->ctx, &e->frame, (uint32_t)frame);
		return;
	}
	ops->store16(lib->ctx, &e->domid, domid);
	ops->store32(lib->ctx, &e->frame, (uint32_t)frame);
	gnt__publish_wmb(lib); /* Xen must never see the flags before the contents */
	ops->store16(lib->ctx, &e->flags, flags);
}

/* Clear flags only while no map bit is set, in one atomic step: a separate check and store
 * would let a peer map slip in between (XSA-396). Xen sets the map bits with a cmpxchg too, so a
 * map that lands between our load and our swap makes the swap fail: look again. The successful
 * swap is also the barrier that orders the caller's reuse of the page after the revoke. */
int gnt__v1_end(struct gnt_lib *lib, gnt_ref_t ref)
{
	const struct gnt_platform_ops *ops = lib->ops;
	volatile uint16_t *flags = &lib->v1[ref].flags;
	uint16_t old = ops->load16(lib->ctx, flags), seen;

	if (GNT_IS(xsa396)) {
		if (old & GNT_MAPPED_BITS)
			return GNT_BUSY;
		ops->store16(lib->ctx, flags, 0);
		return GNT_OK;
	}
	for (;;) {
		if (old & GNT_MAPPED_BITS)
			return GNT_BUSY;
		seen = ops->cmpxchg16(lib->ctx, flags, old, 0);
		if (GNT_IS(swap_ignored))
			return GNT_OK; /* Bug: the swap may have failed; the map that made it fail stays */
		if (seen == old)
			return GNT_OK;
		old = seen; /* Xen changed the entry under us: look again */
	}
}
