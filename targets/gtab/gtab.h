/* gtab.h - a grant-table library in the shape guest kernels use (Mini-OS, Linux): one global
 * table, refs from a free list, an end_access that answers yes or no, and Linux's
 * end_foreign_access, which frees the page now or hands it to a deferred-free timer.
 *
 * State is global: gtab_init() forgets everything (refs, deferred list, counters) in O(1), so
 * it may be called before every fuzz input. Ref order: a freed ref is handed out again first
 * (the most recently freed first, LIFO); with none freed, the lowest never-used ref, starting
 * at first_ref.
 *
 * Freestanding: no libc, no allocation; only <stdint.h> and Xen's public headers.
 * Build-time mutants: -DGTAB_BUG_<NAME>, see README.md and target.mk.
 */
#ifndef GTAB_H
#define GTAB_H

#include <stdint.h>
/* grant_entry_v2_t and grant_status_t only exist from interface 0x0003020a on. */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#include <xen/xen.h>
#include <xen/grant_table.h>
#if __XEN_INTERFACE_VERSION__ < 0x0003020a
#error "gtab needs __XEN_INTERFACE_VERSION__ >= 0x0003020a (grant table v2)"
#endif

#ifndef GTAB_MAX_REFS
#define GTAB_MAX_REFS 1024   /* largest nr_entries gtab_init accepts */
#endif
#ifndef GTAB_DEFER_MAX
#define GTAB_DEFER_MAX 64    /* deferred-free slots; defer_max 0 means this many */
#endif

#define GTAB_NO_REF ((grant_ref_t)~0u)

/* Start over on `table` (grant_entry_v1_t[] or grant_entry_v2_t[] by version; status: v2's
 * status frames, NULL for v1). Refs first_ref..nr_entries-1 are ours. free_page(ctx, frame)
 * gets every page gtab_end_foreign_access or gtab_timer gives back. 0, or -1 on bad arguments. */
int gtab_init(void *table, grant_status_t *status, unsigned version, unsigned nr_entries,
	      unsigned first_ref, unsigned defer_max,
	      void (*free_page)(void *ctx, uint64_t frame), void *ctx);

/* Grant domid access to a full page; GTAB_NO_REF if no ref is free (or, v1, frame > 32 bits). */
grant_ref_t gtab_grant_access(domid_t domid, uint64_t frame, int readonly);

/* Revoke: 1 once the peer can no longer map the grant and maps nothing, 0 while it still maps
 * it. Frees nothing; the caller then puts the ref back. Out-of-range refs: 0, nothing touched. */
int gtab_end_access(grant_ref_t ref);

/* Return a revoked ref to the free list. Out-of-range refs are ignored. */
void gtab_put_ref(grant_ref_t ref);

/* Revoke and give up ref and page: freed now if revoked, else deferred to gtab_timer; if the
 * deferred list is full the grant is written off (ref and page kept forever, counted). */
void gtab_end_foreign_access(grant_ref_t ref, uint64_t frame);

/* The deferred-free timer: retry each deferred grant once. Returns the pages it freed. */
unsigned gtab_timer(void);

/* Grants written off because the deferred list was full. */
unsigned gtab_leaked(void);

struct gtab_stats {
	unsigned deferred_now;   /* grants on the deferred list */
	unsigned deferred;       /* grants ever put on the deferred list */
	unsigned freed;          /* pages given to free_page */
	unsigned leaked;         /* grants written off */
	unsigned free_refs;      /* refs a grant could take now */
};
void gtab_get_stats(struct gtab_stats *out);

#endif
