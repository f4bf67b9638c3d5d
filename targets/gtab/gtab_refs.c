/* gtab_refs.c - the grant-ref free list, an array of links as in Mini-OS: free_link[ref] is the
 * ref after `ref` on the list. Refs from `fresh` up were never handed out and are not on the
 * list, so a reset does not have to link all nr_entries refs. */
#include "gtab_internal.h"

static grant_ref_t free_link[GTAB_MAX_REFS];
static grant_ref_t free_head = GTAB_NO_REF;  /* the most recently freed ref */
static grant_ref_t fresh;                     /* lowest never-used ref */
static grant_ref_t first, nr;
static unsigned listed;                       /* refs on the list */

void gtab__refs_reset(grant_ref_t first_ref, grant_ref_t nr_entries)
{
	first = first_ref;
	nr = nr_entries;
	fresh = first_ref;
	free_head = GTAB_NO_REF;
	listed = 0;
}

int gtab__ref_ok(grant_ref_t ref)
{
	return ref >= first && ref < nr;
}

/* Freed refs first (LIFO), then the never-used ones in ascending order. */
grant_ref_t gtab__get_ref(void)
{
	grant_ref_t ref = free_head;

	if (ref != GTAB_NO_REF) {
		free_head = free_link[ref];
		listed--;
		return ref;
	}
	if (fresh < nr)
		return fresh++;
	return GTAB_NO_REF;
}

/* No "is it already free?" check, as in the kernels: callers put a ref back exactly once. */
void gtab_put_ref(grant_ref_t ref)
{
	if (!gtab__ref_ok(ref))
		return;
	free_link[ref] = free_head;
	free_head = ref;
	listed++;
}

unsigned gtab__free_refs(void)
{
	return listed + (nr - fresh);
}
