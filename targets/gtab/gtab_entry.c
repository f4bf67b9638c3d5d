/* gtab_entry.c - publishing and revoking grant entries (v1 and v2). The entries are shared with
 * Xen, which sets GTF_reading/GTF_writing while the peer maps a grant (v1: in the entry's flags;
 * v2: in the separate status frame). Every load and store is a plain volatile access written
 * out here, so that the harness's compiler hooks see each one; the swap and the barriers are
 * the CPU's (gtab_arch.h: inline asm on x86-64). */
#include "gtab_internal.h"

#ifdef GTAB_BUG_RO_READING
#define GTAB_MAPPED GTF_writing   /* bug: a read-only map does not hold the grant */
#else
#define GTAB_MAPPED (GTF_reading | GTF_writing)
#endif

static unsigned version;
static grant_entry_v1_t *v1;
static grant_entry_v2_t *v2;
static grant_status_t *status;

void gtab__entry_reset(void *table, grant_status_t *st, unsigned ver)
{
	version = ver;
	v1 = ver == 1 ? (grant_entry_v1_t *)table : 0;
	v2 = ver == 2 ? (grant_entry_v2_t *)table : 0;
	status = ver == 2 ? st : 0;
}

grant_ref_t gtab_grant_access(domid_t domid, uint64_t frame, int readonly)
{
	uint16_t flags = GTF_permit_access;
	volatile uint16_t *flags_at;
	grant_ref_t ref;

	if (version == 1 && frame > 0xffffffffu)
		return GTAB_NO_REF; /* a v1 entry holds 32 bits of frame: never grant a truncated one */
#ifdef GTAB_BUG_RO_FLAG
	(void)readonly; /* bug: the peer may write a page we meant to share read-only */
#else
	if (readonly)
		flags |= GTF_readonly;
#endif
	ref = gtab__get_ref();
	if (ref == GTAB_NO_REF)
		return ref;
	flags_at = version == 1 ? &v1[ref].flags : &v2[ref].hdr.flags;
#ifdef GTAB_BUG_FLAGS_FIRST
	*flags_at = flags; /* bug: live before it says what it grants; the peer may map a stale frame */
	GTAB_WMB();
#endif
	if (version == 1) {
		volatile grant_entry_v1_t *e = &v1[ref];
		e->domid = domid;
		e->frame = (uint32_t)frame;
	} else {
		volatile grant_entry_v2_t *e = &v2[ref];
		e->hdr.domid = domid;
		e->full_page.frame = frame;
	}
#ifndef GTAB_BUG_FLAGS_FIRST
	GTAB_WMB();
	*flags_at = flags;
#endif
	return ref;
}

/* Clear *flags only while the map bits in it are clear, in one atomic step: Xen sets them with
 * a cmpxchg too, so a map that slips in makes our cmpxchg fail and we look again. */
static int clear_if_unmapped(volatile uint16_t *flags)
{
	uint16_t old = *flags;

#ifdef GTAB_BUG_XSA396
	if (old & GTAB_MAPPED)
		return 0;
	*flags = 0; /* bug: a map between the check and this store goes unseen */
	return 1;
#else
	for (;;) {
		uint16_t seen;

		if (old & GTAB_MAPPED)
			return 0;
		seen = gtab_cmpxchg16(flags, old, 0);
#ifdef GTAB_BUG_SWAP_IGNORED
		(void)seen;
		return 1; /* bug: the swap may have failed: a map that landed since our load stays */
#endif
		if (seen == old)
			return 1;
		old = seen;
	}
#endif
}

/* v2: Xen never sets map bits in the header. Clear the header first (no new maps), full
 * barrier, then read the status: Xen re-checks the header after setting status bits, so a racing
 * map either shows in the status or is undone. A revoke then orders the status read before the
 * caller's reuse of the page (an acquire: free on x86, a fence elsewhere). */
static int end_v2(grant_ref_t ref)
{
	volatile uint16_t *hdr = &v2[ref].hdr.flags;
	volatile grant_status_t *st = &status[ref];

#if defined(GTAB_BUG_V2_HEADER)
	(void)st;
	return clear_if_unmapped(hdr); /* bug: the v1 protocol, on bits Xen keeps elsewhere */
#elif defined(GTAB_BUG_XSA396)
	if (*st & GTAB_MAPPED)
		return 0;
	*hdr = 0; /* bug: revoked after the check; a map in between goes unseen */
	return 1;
#else
	int busy;

	*hdr = 0;
#if !defined(GTAB_BUG_V2_NO_MB) && !defined(GTAB_BUG_MB_LATE)
	GTAB_MB(); /* a store buffer must not hold the clear while we read the status */
#endif
	busy = (*st & GTAB_MAPPED) != 0;
#ifdef GTAB_BUG_MB_LATE
	GTAB_MB(); /* bug: too late, the status was read while the clear could still be buffered */
#endif
	if (busy)
		return 0;
	GTAB_ACQUIRE(); /* the status read before the caller's reuse of the page */
	return 1;
#endif
}

int gtab_end_access(grant_ref_t ref)
{
	if (!gtab__ref_ok(ref))
		return 0;
	if (version == 1)
		return clear_if_unmapped(&v1[ref].flags);
	return end_v2(ref);
}
