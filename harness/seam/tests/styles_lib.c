/* styles_lib.c - a small grant library written in the idioms real ones use, several ways per
 * operation, chosen at run time by test_models.c (styles_pick). Compiled like target code (the
 * load/store hooks and gntfuzz's pass): the world must race each idiom's windows and order each
 * idiom's stores as the CPU would, raising no alarm on the correct ones under any memory model.
 * The buggy styles are the shapes that ship: a swap whose answer is ignored, a v2 end with no
 * full barrier (or only a store barrier), a publish ordered by a compiler barrier alone. */
#include <stdint.h>
#include "seam.h"
#include "styles_lib.h"
#include "asm_cmpxchg.h"

struct styles styles_pick;

static struct seam_host host;
static grant_entry_v1_t *v1;
static grant_entry_v2_t *v2;
static grant_status_t *status;
static unsigned version, nr_refs, next_ref, first_ref, kept;
static grant_ref_t free_refs[256];
static unsigned nfree;
static uint64_t page_of[256];

#define MAPPED (GTF_reading | GTF_writing)

static int end_v1(grant_ref_t ref)
{
	volatile uint16_t *flags = &v1[ref].flags;
	uint16_t old = *flags, seen;
	for (;;) {
		if (old & MAPPED)
			return 0;
		switch (styles_pick.end_v1) {
		case END_ATOMIC:
			seen = old;
			if (__atomic_compare_exchange_n(flags, &seen, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				return 1;
			break;
		case END_SYNC:
			seen = __sync_val_compare_and_swap(flags, old, (uint16_t)0);
			break;
		case END_ASM:
			seen = asm_cmpxchg16(flags, old, 0);
			break;
		case END_SYNC_IGNORED:
			(void)__sync_val_compare_and_swap(flags, old, (uint16_t)0);
			return 1;
		default: /* END_ASM_IGNORED */
			(void)asm_cmpxchg16(flags, old, 0);
			return 1;
		}
		if (seen == old)
			return 1;
		old = seen;
	}
}

static void full_barrier(int style)
{
	switch (style) {
	case MB_ASM_MFENCE: __asm__ volatile("mfence" ::: "memory"); break;
	case MB_C11: __atomic_thread_fence(__ATOMIC_SEQ_CST); break;
	case MB_SYNC: __sync_synchronize(); break;
	case MB_SEAM_FENCE: seam_fence(SEAM_FENCE_FULL); break;
	case MB_ASM_LOCKED_ADD: __asm__ volatile("lock; addl $0, -4(%%rsp)" ::: "memory", "cc"); break;
	case MB_ASM_SFENCE: __asm__ volatile("sfence" ::: "memory"); break;
	case MB_COMPILER: __asm__ volatile("" ::: "memory"); break;
	default: break; /* MB_NONE */
	}
}

static int end_v2(grant_ref_t ref)
{
	v2[ref].hdr.flags = 0;
	full_barrier(styles_pick.v2_mb);
	if (status[ref] & MAPPED)
		return 0;
	full_barrier(styles_pick.v2_mb); /* the revoke is done before the page is reused */
	return 1;
}

static int setup(const struct seam_host *h, const struct seam_table *t)
{
	host = *h;
	version = t->version;
	v1 = version == 1 ? t->shared : 0;
	v2 = version == 2 ? t->shared : 0;
	status = t->status;
	nr_refs = t->nr_refs < 256 ? t->nr_refs : 256;
	next_ref = first_ref = t->first_ref;
	nfree = kept = 0;
	return SEAM_OK;
}

static int share(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	uint16_t flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	if (nfree)
		*ref = free_refs[--nfree];
	else if (next_ref < nr_refs)
		*ref = next_ref++;
	else
		return SEAM_NOREF;
	page_of[*ref] = frame;
	if (version == 1) {
		v1[*ref].domid = domid;
		v1[*ref].frame = (uint32_t)frame;
	} else {
		v2[*ref].hdr.domid = domid;
		v2[*ref].full_page.frame = frame;
	}
	switch (styles_pick.publish) { /* contents before flags */
	case WMB_ASM_SFENCE: __asm__ volatile("sfence" ::: "memory"); break;
	case WMB_C11_RELEASE: __atomic_thread_fence(__ATOMIC_RELEASE); break;
	case WMB_SEAM_FENCE: seam_fence(SEAM_FENCE_STORE); break;
	default: __asm__ volatile("" ::: "memory"); break; /* WMB_COMPILER: x86's smp_wmb() */
	}
	if (version == 1)
		v1[*ref].flags = flags;
	else
		v2[*ref].hdr.flags = flags;
	return SEAM_OK;
}

/* A busy grant is kept forever and counted: the template library's policy. */
static int unshare(grant_ref_t ref, uint64_t frame)
{
	if (ref < first_ref || ref >= nr_refs)
		return SEAM_ERR;
	if (!(version == 1 ? end_v1(ref) : end_v2(ref))) {
		kept++;
		return SEAM_LEAKED;
	}
	host.page_free(host.ctx, page_of[ref]);
	free_refs[nfree++] = ref;
	return SEAM_OK;
}

static unsigned tick(void) { return 0; }
static unsigned leaked(void) { return kept; }

const struct seam_adapter gntfuzz_adapter = {
	.versions = SEAM_V1 | SEAM_V2,
	.setup = setup, .share = share, .unshare = unshare, .tick = tick, .leaked = leaked,
};
