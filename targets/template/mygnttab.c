/* mygnttab.c - STAND-IN for your grant-table code (see mygnttab.h). Its busy policy is the
 * simplest safe one: a grant still mapped at end time is kept forever and counted. */
#include "mygnttab.h"

static grant_entry_v1_t *table;
static grant_ref_t next_free[MYGNT_MAX_REFS];
static grant_ref_t free_head;
static unsigned kept;
static void (*free_page_fn)(uint64_t frame);

void mygnt_init(grant_entry_v1_t *t, unsigned nr, unsigned first, void (*free_page)(uint64_t frame))
{
	table = t;
	free_page_fn = free_page;
	kept = 0;
	free_head = MYGNT_NO_REF;
	for (unsigned r = nr > MYGNT_MAX_REFS ? MYGNT_MAX_REFS : nr; r-- > first;) {
		next_free[r] = free_head; /* the lowest ref on top */
		free_head = r;
	}
}

grant_ref_t mygnt_grant_access(domid_t domid, uint64_t frame, int readonly)
{
	grant_ref_t ref = free_head;
	if (ref == MYGNT_NO_REF || frame > 0xffffffffu)
		return MYGNT_NO_REF;
	free_head = next_free[ref];
	table[ref].domid = domid;
	table[ref].frame = (uint32_t)frame;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	table[ref].flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	return ref;
}

int mygnt_end_access(grant_ref_t ref)
{
	uint16_t flags = table[ref].flags;
	do {
		if (flags & (GTF_reading | GTF_writing))
			return 0;
	} while (!__atomic_compare_exchange_n(&table[ref].flags, &flags, 0, 0, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	return 1;
}

void mygnt_put_ref(grant_ref_t ref)
{
	next_free[ref] = free_head;
	free_head = ref;
}

int mygnt_end_access_and_free(grant_ref_t ref, uint64_t frame)
{
#ifdef MYGNT_BUG_IGNORE_BUSY
	mygnt_end_access(ref); /* the bug: the answer is ignored */
#else
	if (!mygnt_end_access(ref)) {
		kept++;
		return 0;
	}
#endif
	mygnt_put_ref(ref);
	free_page_fn(frame);
	return 1;
}

unsigned mygnt_kept(void) { return kept; }
