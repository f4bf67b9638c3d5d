/* pagealloc.h - the guest's page allocator. LIFO on purpose: a freed page is the next one handed
 * out, as in a real allocator's hot cache, so a page freed too early is reused at once (MSA02).
 * Every page is in exactly one state; the state is what the guest publishes for the outside
 * oracle in dom0. */
#ifndef PVH_PAGEALLOC_H
#define PVH_PAGEALLOC_H

#include <stdint.h>
#include <stddef.h>

enum pa_state {
	PA_FREE = 0,
	PA_USED,     /* the guest's */
	PA_LIB,      /* shared through the grant library (the guest still holds it) */
	PA_GIVEN,    /* given up to the library (unshare, or its own page_alloc): its to free */
};

struct pa_stats {
	uint32_t free, used, lib, given;
	uint32_t bad_frees;           /* a free of a page the freer did not hold (double free, ...) */
};

void pa_init(uint64_t first_gfn, uint32_t nr_pages);
/* Called after every state change (NULL: none). The workload publishes its state from here, so
 * the state in xenstore is never older than what a peer could have mapped. */
void pa_set_observer(void (*fn)(void));
uint64_t pa_alloc(void);                  /* a PA_USED page, 0 when exhausted */
uint64_t pa_alloc_given(void);            /* a PA_GIVEN page (the library's own), 0 when exhausted */
int pa_free(uint64_t gfn);                /* the guest frees PA_USED or PA_LIB: 0, or -1 (and counted) */
int pa_give_to_lib(uint64_t gfn);         /* PA_USED -> PA_LIB (shared) */
int pa_give_up(uint64_t gfn);             /* PA_LIB -> PA_GIVEN (unshare) */
int pa_take_back(uint64_t gfn);           /* PA_GIVEN -> PA_LIB (the library refused the unshare) */
int pa_lib_free(uint64_t gfn);            /* the library frees PA_GIVEN: 0, or -1 (and counted) */
int pa_state(uint64_t gfn);               /* enum pa_state, -1 if not ours */
void pa_get_stats(struct pa_stats *s);
/* "gfn:u gfn:l ..." for every page not free (u = used, l = grant library: shared or given up),
 * for xenstore. */
size_t pa_describe(char *buf, size_t cap);

#endif
