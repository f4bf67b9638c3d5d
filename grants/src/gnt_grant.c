/* gnt_grant.c - the low-level grant API (claim, grant, end, release) as drivers in Mini-OS or
 * Linux use it, and the version dispatch that the page-ownership layer shares. */
#include "gnt_internal.h"

/* A v1 entry holds a 32-bit frame number; refuse what it cannot hold rather than truncate. */
int gnt__frame_ok(const struct gnt_lib *lib, uint64_t frame)
{
	return lib->version == 2 || frame <= 0xffffffffu;
}

void gnt__publish(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame, int readonly,
		  uint8_t state)
{
	struct gnt_ref_info *info = &lib->refs[ref];

	info->state = state;
	info->readonly = readonly ? 1 : 0;
	info->domid = domid;
	info->frame = frame;
	if (lib->version == 1)
		gnt__v1_publish(lib, ref, domid, frame, readonly);
	else
		gnt__v2_publish(lib, ref, domid, frame, readonly);
	lib->stats.granted++;
}

int gnt__end_entry(struct gnt_lib *lib, gnt_ref_t ref)
{
	int rc = lib->version == 1 ? gnt__v1_end(lib, ref) : gnt__v2_end(lib, ref);

	if (rc == GNT_OK)
		lib->stats.ended++;
	else
		lib->stats.busy++;
	return rc;
}

/* Only a claimed ref can be granted; any live grant or owned page is refused, never overwritten. */
static int grantable(const struct gnt_lib *lib, gnt_ref_t ref)
{
	switch (gnt__state(lib, ref)) {
	case GNT_REF_CLAIMED:
		return GNT_OK;
	case GNT_REF_FREE:
		return GNT_ERR_STATE;
	default:
		return GNT_ERR_INUSE;
	}
}

int gnt_grant_ref(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame, int readonly)
{
	int rc;

	if (!lib || !gnt__ref_valid(lib, ref) || !gnt__frame_ok(lib, frame))
		return GNT_ERR_INVAL;
	rc = grantable(lib, ref);
	if (rc != GNT_OK)
		return rc;
	gnt__publish(lib, ref, domid, frame, readonly, GNT_REF_GRANTED);
	return GNT_OK;
}

/* Claim a fresh ref and publish a full-page grant on it, leaving the ref in `state`: shared by
 * gnt_grant_access (the caller keeps the page) and gnt_share (the library owns it). */
int gnt__claim_publish(struct gnt_lib *lib, domid_t domid, uint64_t frame, int readonly, uint8_t state,
		       gnt_ref_t *ref)
{
	gnt_ref_t r;
	int rc;

	if (!lib || !ref || !gnt__frame_ok(lib, frame))
		return GNT_ERR_INVAL;
	rc = gnt__claim(lib, &r);
	if (rc != GNT_OK)
		return rc;
	gnt__publish(lib, r, domid, frame, readonly, state);
	*ref = r;
	return GNT_OK;
}

int gnt_grant_access(struct gnt_lib *lib, domid_t domid, uint64_t frame, int readonly, gnt_ref_t *ref)
{
	return gnt__claim_publish(lib, domid, frame, readonly, GNT_REF_GRANTED, ref);
}

int gnt_grant_subpage(struct gnt_lib *lib, domid_t domid, uint64_t frame, uint16_t off, uint16_t len,
		      int readonly, gnt_ref_t *ref)
{
	struct gnt_ref_info *info;
	gnt_ref_t r;
	int rc;

	if (!lib || !ref || lib->version != 2 || len == 0 || (uint32_t)off + len > GNT_PAGE_SIZE)
		return GNT_ERR_INVAL;
	rc = gnt__claim(lib, &r);
	if (rc != GNT_OK)
		return rc;
	info = &lib->refs[r];
	info->state = GNT_REF_GRANTED;
	info->readonly = readonly ? 1 : 0;
	info->domid = domid;
	info->frame = frame;
	gnt__v2_publish_subpage(lib, r, domid, frame, off, len, readonly);
	lib->stats.granted++;
	*ref = r;
	return GNT_OK;
}

/* A successful end leaves the ref claimed: the caller still decides when to release it. */
int gnt_end_access(struct gnt_lib *lib, gnt_ref_t ref)
{
	int rc;

	if (!lib || !gnt__ref_valid(lib, ref))
		return GNT_ERR_INVAL;
	if (gnt__state(lib, ref) != GNT_REF_GRANTED)
		return GNT_ERR_STATE;
	rc = gnt__end_entry(lib, ref);
	if (rc == GNT_OK)
		lib->refs[ref].state = GNT_REF_CLAIMED;
	return rc;
}
