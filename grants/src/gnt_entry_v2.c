/* gnt_entry_v2.c - publishing and revoking a version 2 grant entry. The header {flags, domid}
 * is the guest's; GTF_reading/GTF_writing live in the separate status frame. Revoking clears
 * the header first (no new maps), full barrier, then reads the status: Xen re-checks the header
 * after setting status bits, so a map racing with the clear either shows up in the status or
 * is undone by Xen. A revoke that succeeded ends with another full barrier (acquire for the
 * status read). Every ordering comes from ops->wmb/ops->mb: the platform's loads and stores may
 * be relaxed. */
#include "gnt_internal.h"

void gnt__v2_publish(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame, int readonly)
{
	const struct gnt_platform_ops *ops = lib->ops;
	grant_entry_v2_t *e = &lib->v2[ref];
	uint16_t flags = (uint16_t)(GTF_permit_access | (readonly && !GNT_IS(ro_flag) ? GTF_readonly : 0));

	if (GNT_IS(flags_first)) {
		ops->store16(lib->ctx, &e->hdr.flags, flags);
		ops->wmb(lib->ctx);
		ops->store16(lib->ctx, &e->hdr.domid, domid);
		ops->store64(lib->ctx, &e->full_page.frame, frame);
		return;
	}
	ops->store16(lib->ctx, &e->hdr.domid, domid);
	ops->store64(lib->ctx, &e->full_page.frame, frame);
	gnt__publish_wmb(lib);
	ops->store16(lib->ctx, &e->hdr.flags, flags);
}

void gnt__v2_publish_subpage(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame,
			     uint16_t off, uint16_t len, int readonly)
{
	const struct gnt_platform_ops *ops = lib->ops;
	grant_entry_v2_t *e = &lib->v2[ref];
	uint16_t flags = (uint16_t)(GTF_permit_access | GTF_sub_page | (readonly && !GNT_IS(ro_flag) ? GTF_readonly : 0));

	if (GNT_IS(flags_first)) {
		ops->store16(lib->ctx, &e->hdr.flags, flags);
		ops->wmb(lib->ctx);
	}
	ops->store16(lib->ctx, &e->hdr.domid, domid);
	ops->store16(lib->ctx, &e->sub_page.page_off, off);
	ops->store16(lib->ctx, &e->sub_page.length, len);
	ops->store64(lib->ctx, &e->sub_page.frame, frame);
	if (GNT_IS(flags_first))
		return;
	gnt__publish_wmb(lib);
	ops->store16(lib->ctx, &e->hdr.flags, flags);
}

int gnt__v2_end(struct gnt_lib *lib, gnt_ref_t ref)
{
	const struct gnt_platform_ops *ops = lib->ops;
	volatile uint16_t *hdr_flags = &lib->v2[ref].hdr.flags;
	volatile uint16_t *status = &lib->status[ref];
	uint16_t old, seen;

	if (GNT_IS(xsa396)) {
		/* Bug: query, then revoke; a map between the two is not seen. */
		if (ops->load16(lib->ctx, status) & GNT_MAPPED_BITS)
			return GNT_BUSY;
		ops->store16(lib->ctx, hdr_flags, 0);
		return GNT_OK;
	}
	if (GNT_IS(v2_header)) {
		/* Bug: the v1 protocol on the v2 header, where Xen never sets the map bits. */
		old = ops->load16(lib->ctx, hdr_flags);
		for (;;) {
			if (old & GNT_MAPPED_BITS)
				return GNT_BUSY;
			seen = ops->cmpxchg16(lib->ctx, hdr_flags, old, 0);
			if (seen == old)
				return GNT_OK;
			old = seen;
		}
	}
	ops->store16(lib->ctx, hdr_flags, 0);
	/* The header clear must be visible before we read the status: a store-store barrier is not
	 * enough (on x86-TSO the status load would pass the buffered clear, and a map Xen accepts
	 * after our load, on the stale header, would go unseen). */
	if (GNT_IS(v2_wmb))
		ops->wmb(lib->ctx); /* Bug: orders stores only */
	else if (!GNT_IS(v2_no_mb))
		ops->mb(lib->ctx);
	if (ops->load16(lib->ctx, status) & GNT_MAPPED_BITS)
		return GNT_BUSY;
	/* Revoked. The status load needs acquire order before the caller reuses the page: on Arm a
	 * later store to the page may otherwise be ordered before it (and a peer's last write land
	 * after ours). The platform's loads are relaxed and it has no lighter barrier than mb. */
	ops->mb(lib->ctx);
	return GNT_OK;
}
