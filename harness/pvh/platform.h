/* platform.h - the guest's side of the seam (harness/seam/seam.h): the host services the grant
 * library gets (pages from and back to the guest's allocator, log lines to the 0xE9 console), and
 * the seam's calls wrapped so that the allocator always knows who holds a page. The library's
 * table accesses and atomics are its adapter's own (real ones: this is real Xen). */
#ifndef PVH_PLATFORM_H
#define PVH_PLATFORM_H

#include "seam/seam.h"
#include "gnttab.h"

/* What the guest saw of the library, counted here (never asked of the library). */
struct pvh_counts {
	unsigned shares;        /* share answered SEAM_OK */
	unsigned ended;         /* unshare answered SEAM_OK */
	unsigned busy;          /* unshare answered SEAM_BUSY */
	unsigned written_off;   /* unshare answered SEAM_LEAKED */
	unsigned errors;        /* unshare refused */
	unsigned freed;         /* pages the library freed (host->page_free) */
	unsigned reclaimed;     /* ... of them inside its tick */
	unsigned bad_frees;     /* frees of a page it was not given */
};
extern struct pvh_counts pvh_counts;

/* Hand the library the table in force (seam_check, then setup): a fresh start, counts reset.
 * 0, or -1 with a console line. */
int pvh_lib_setup(const struct gnttab *gt, domid_t self);
/* share/unshare/tick through the seam; the allocator's state follows (PA_LIB while shared,
 * PA_GIVEN once given up, free again when the library frees it). Answers SEAM_*. */
int pvh_share(domid_t domid, uint64_t gfn, int readonly, grant_ref_t *ref);
int pvh_unshare(grant_ref_t ref, uint64_t gfn);
unsigned pvh_tick(void);              /* pages the library freed in this tick */
/* Pages given up to the library and not freed yet (deferred or written off). */
unsigned pvh_given(void);
/* "library/mutant" of this build. */
const char *pvh_variant(void);

#endif
