/* hiref.c - the whole library (see hiref.h): two bitmaps and the entry protocol.
 *
 *   free_map     bit r set: ref r may be handed out
 *   pend_map     bit r set: ref r was retired while mapped; pend_frame[r] is its page
 *   neither      ref r is handed out (or reserved)
 *
 * The entries are Xen's, shared with the hypervisor, which sets GTF_reading/GTF_writing while the
 * peer maps a grant (v1: in the entry's flags; v2: in the status frame). They are written through
 * volatile pointers; the swap is the compiler's __sync builtin and the barriers are C11 fences.
 */
#include "hiref.h"

#define WORDS (HIREF_MAX_REFS / 64)
#define NO_FRAME (~(uint64_t)0)
#define IN_USE (GTF_reading | GTF_writing)

/* hiref's barriers: what Linux calls smp_wmb() and mb(). */
#define hr_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define hr_mb()  __sync_synchronize()

#define HIREF_BUG_ON(cond, why, a, b)                                       \
	do {                                                                \
		if (cond)                                                   \
			hiref_os_panic((why), (uint64_t)(a), (uint64_t)(b)); \
	} while (0)

static unsigned gen;
static volatile grant_entry_v1_t *ent1;
static volatile grant_entry_v2_t *ent2;
static volatile grant_status_t *status2;
static unsigned nrefs, nwords, npending;
static uint64_t free_map[WORDS], pend_map[WORDS];
static uint64_t pend_frame[HIREF_MAX_REFS];

static inline int bit_test(const uint64_t *map, unsigned r) { return (map[r / 64] >> (r % 64)) & 1; }
static inline void bit_set(uint64_t *map, unsigned r) { map[r / 64] |= 1ull << (r % 64); }
static inline void bit_clear(uint64_t *map, unsigned r) { map[r / 64] &= ~(1ull << (r % 64)); }

int hiref_init(unsigned g, void *entries, grant_status_t *status, unsigned nentries)
{
	if ((g != 1 && g != 2) || !entries || (g == 2 && !status) || nentries <= HIREF_FIRST_REF ||
	    nentries > HIREF_MAX_REFS)
		return -HIREF_EINVAL;
	gen = g;
	ent1 = g == 1 ? entries : 0;
	ent2 = g == 2 ? entries : 0;
	status2 = g == 2 ? status : 0;
	nrefs = nentries;
	nwords = (nentries + 63) / 64;
	npending = 0;
	for (unsigned w = 0; w < WORDS; w++) {
		pend_map[w] = 0;
		free_map[w] = 0;
	}
	/* whole words at once, then the partial words at both ends */
	for (unsigned w = HIREF_FIRST_REF / 64; w < nwords; w++)
		free_map[w] = ~0ull;
	free_map[HIREF_FIRST_REF / 64] &= ~0ull << (HIREF_FIRST_REF % 64);
	if (nentries % 64)
		free_map[nwords - 1] &= ~0ull >> (64 - nentries % 64);
	return 0;
}

/* The highest set bit of the free map, taken; -1 if there is none. */
static int take_highest(void)
{
	for (unsigned w = nwords; w-- > 0;) {
		uint64_t bits = free_map[w];
		if (bits) {
			unsigned r = w * 64 + 63 - (unsigned)__builtin_clzll(bits);
			bit_clear(free_map, r);
			return (int)r;
		}
	}
	return -1;
}

static int handed_out(grant_ref_t ref)
{
	return ref >= HIREF_FIRST_REF && ref < nrefs && !bit_test(free_map, ref) && !bit_test(pend_map, ref);
}

int hiref_grant(domid_t domid, uint64_t frame, int readonly)
{
	uint16_t flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	int r;

	if (gen == 1 && frame > 0xffffffffu)
		return -HIREF_EINVAL;
	r = take_highest();
	if (r < 0)
		return -HIREF_ENOSPC;
	/* what is granted, then the barrier, then the flags that make it live */
	if (gen == 1) {
		ent1[r].frame = (uint32_t)frame;
		ent1[r].domid = domid;
		hr_wmb();
		ent1[r].flags = flags;
	} else {
		ent2[r].full_page.frame = frame;
		ent2[r].hdr.domid = domid;
		hr_wmb();
		ent2[r].hdr.flags = flags;
	}
	return r;
}

/* v1: clear the flags with a compare-and-swap that fails if Xen set a map bit meanwhile. */
static int end_v1(grant_ref_t ref)
{
	volatile uint16_t *fl = &ent1[ref].flags;
	uint16_t old = *fl;

#ifdef HIREF_BUG_XSA396
	if (old & IN_USE)
		return -(int)(old | 0x10000); /* busy, with the flags it saw */
	*fl = 0; /* bug: a map landing between the test and this store stays, revoked under the peer */
	return 0;
#else
	for (;;) {
		uint16_t seen;

		if (old & IN_USE)
			return -(int)(old | 0x10000);
		seen = __sync_val_compare_and_swap(fl, old, 0);
		if (seen == old)
			return 0;
		old = seen;
	}
#endif
}

/* v2: Xen keeps the map bits in the status frame. Clear the header (no new map can start), full
 * barrier (the clear must not wait in a store buffer while we look), then read the status. */
static int end_v2(grant_ref_t ref)
{
	uint16_t st;

#ifdef HIREF_BUG_XSA396
	st = status2[ref];
	if (st & IN_USE)
		return -(int)(st | 0x10000);
	ent2[ref].hdr.flags = 0; /* bug: revoked after the look; a map in between goes unseen */
	return 0;
#else
	ent2[ref].hdr.flags = 0;
#ifndef HIREF_BUG_V2_NO_MB
	hr_mb();
#endif
	st = status2[ref];
	if (st & IN_USE)
		return -(int)(st | 0x10000);
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the status read before the page's reuse */
	return 0;
#endif
}

/* 0 once the grant is revoked and unmapped; else -(flags | 0x10000) with the flags seen. */
static int end_entry(grant_ref_t ref)
{
	int rc = gen == 1 ? end_v1(ref) : end_v2(ref);

#ifdef HIREF_BUG_PANIC_BUSY
	/* bug: "callers end a grant only once the backend has let go", so a map still held is taken
	 * for memory corruption. A peer that keeps its map takes the guest down. */
	HIREF_BUG_ON(rc != 0, "panic: end_access on a mapped grant", ref, (uint16_t)-rc);
#endif
	return rc;
}

int hiref_revoke(grant_ref_t ref)
{
	if (!handed_out(ref))
		return -HIREF_EINVAL;
	return end_entry(ref) ? -HIREF_EBUSY : 0;
}

void hiref_free_ref(grant_ref_t ref)
{
	if (ref < HIREF_FIRST_REF || ref >= nrefs)
		return;
	HIREF_BUG_ON(bit_test(free_map, ref), "panic: grant ref freed twice", ref, 0);
	HIREF_BUG_ON(bit_test(pend_map, ref), "panic: freeing a pending grant ref", ref, 0);
	bit_set(free_map, ref);
}

int hiref_retire(grant_ref_t ref, uint64_t frame)
{
	if (!handed_out(ref))
		return -HIREF_EINVAL;
	if (end_entry(ref) != 0) {
		bit_set(pend_map, ref);
		npending++;
#ifdef HIREF_BUG_CVE23041
		/* bug: only the ref waits for the peer; the page it still maps goes back now */
		pend_frame[ref] = NO_FRAME;
		hiref_os_page_release(frame);
#else
		pend_frame[ref] = frame;
#endif
		return -HIREF_EINPROGRESS;
	}
	bit_set(free_map, ref);
	hiref_os_page_release(frame);
	return 0;
}

unsigned hiref_reap(void)
{
	unsigned released = 0;

	for (unsigned w = nwords; w-- > 0;) {
		uint64_t bits = pend_map[w];

		while (bits) {
			unsigned r = w * 64 + 63 - (unsigned)__builtin_clzll(bits);
			uint64_t frame = pend_frame[r];

			bits &= ~(1ull << (r % 64));
			if (end_entry(r) != 0)
				continue; /* still mapped: next time */
			bit_clear(pend_map, r);
			npending--;
			bit_set(free_map, r);
			if (frame != NO_FRAME) {
				hiref_os_page_release(frame);
				released++;
			}
		}
	}
	return released;
}

unsigned hiref_pending(void)
{
	return npending;
}
