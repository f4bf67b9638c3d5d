/* pagealloc.h - the guest's page allocator. LIFO on purpose: a freed page is the next one handed
 * out, as in a real allocator's hot cache, so a page freed too early is reused at once (MSA02).
 * Every page is in exactly one state; the state is what the guest publishes for the outside
 * oracle in dom0. */
#ifndef PVH_PAGEALLOC_H
#define PVH_PAGEALLOC_H

#include <stdint.h>
#include <stddef.h>

enum pa_state { PA_FREE = 0, PA_USED, PA_LIB /* owned by the grant library */ };

struct pa_stats {
	uint32_t free, used, lib;
	uint32_t bad_frees;           /* free of a page that was not allocated (double free) */
};

void pa_init(uint64_t first_gfn, uint32_t nr_pages);
/* Called after every state change (NULL: none). The workload publishes its state from here, so
 * the state in xenstore is never older than what a peer could have mapped. */
void pa_set_observer(void (*fn)(void));
uint64_t pa_alloc(void);                  /* a PA_USED page, 0 when exhausted */
int pa_free(uint64_t gfn);                /* 0, or -1 (and counted) if not allocated */
int pa_give_to_lib(uint64_t gfn);         /* PA_USED -> PA_LIB */
int pa_state(uint64_t gfn);               /* enum pa_state, -1 if not ours */
void pa_get_stats(struct pa_stats *s);
/* "gfn:u gfn:l ..." for every page not free (u = used, l = grant library), for xenstore. */
size_t pa_describe(char *buf, size_t cap);

#endif
