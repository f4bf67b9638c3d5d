/* target.h - the target process: the workload frontend on a grant library behind the seam
 * (harness/seam/seam.h), as a process of a simulated domain whose grant table and pages live in
 * the domain's memfd (harness/multiproc/proto.h). */
#ifndef MP_TARGET_H
#define MP_TARGET_H

#include <stdint.h>
#include "seam/seam.h"
#include "../lib/client.h"

#define TGT_FIRST_PAGE 1u                /* page 0 is left unused: frame 0 is never granted */
#define TGT_NR_PAGES MP_POOL_FIRST_PAGE  /* the pool above belongs to xengntshr */

/* Who holds each page of the pool, by the host's own records (never the library's word). */
enum tgt_page {
	TGT_PG_FREE = 0,      /* on the free list */
	TGT_PG_HOST,          /* handed to the frontend (a spare, or about to be shared) */
	TGT_PG_SHARED,        /* shared: share answered SEAM_OK, not given up yet */
	TGT_PG_LIB,           /* given up to the library by unshare: the library's until it frees
			       * it through host->page_free */
	TGT_PG_WRITTEN_OFF,   /* given up, and unshare answered SEAM_LEAKED: kept forever */
	TGT_PG_LIB_OWN,       /* taken by the library's own host->page_alloc */
};

struct target {
	uint8_t *mem;                /* the whole domain memfd */
	struct mp_conn broker;       /* MEM connection: memory, version, and the oracle's questions */
	domid_t domid;
	unsigned widen_us;           /* sleep at each grant-entry access: widens race windows */
	uint64_t free_pages[TGT_NR_PAGES];
	unsigned nr_free;
	uint8_t page[TGT_NR_PAGES];  /* enum tgt_page */
	uint64_t violations;
	int verbose;
	int in_tick;                 /* inside the adapter's tick: its page_free calls are reclaims */
	struct seam_host host;       /* what the library gets (target_platform.c) */
	uint8_t ref_handed[MP_POOL_FIRST_REF]; /* handed out by a share during the run */
	uint8_t ref_live[MP_POOL_FIRST_REF];   /* ... and not given up (unshare) since */
	uint8_t ref_ro[MP_POOL_FIRST_REF];     /* ... shared read-only (the host asked for it) */
	/* counts of the library's answers and frees, as the host saw them */
	uint64_t shares, ended, busy, written_off, unshare_errors, reclaimed;
};

/* The host side of the seam: the library's pages, and the oracle on every page it frees. */
void target_host_init(struct target *t);
void target_pages_init(struct target *t);
int target_page_alloc(struct target *t, uint64_t *frame);   /* a page for the frontend */
void target_page_free(struct target *t, uint64_t frame);    /* a frontend page never shared */
/* The seam's calls, with the host's records kept around them (answers are SEAM_*). */
int target_share(struct target *t, domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref);
int target_unshare(struct target *t, grant_ref_t ref, uint64_t frame);
unsigned target_tick(struct target *t);                     /* pages the library freed */
unsigned target_count(const struct target *t, enum tgt_page state);
/* End of run: ask the library for every free ref (read-only grants of frame 0 to `domid`, never
 * mapped) and count the refs given up that did not come back and that no peer still maps; *twice:
 * a ref handed out twice (on the free list twice). -1 if the library refused the first grant. */
int target_sweep_refs(struct target *t, domid_t domid, unsigned *twice, grant_ref_t *example);
/* Sleep widen_us at each access the library makes to the grant table or status frame, whatever
 * the library's code (the pages are protected; a fault sleeps and single-steps the access). */
int target_widen_start(struct target *t);
void target_widen_stop(struct target *t);
/* Oracle: foreign pins on a frame / a ref of our domain right now (broker's counts); for a ref,
 * also the frame its pins hold (Xen's active entry). */
uint32_t target_frame_pins(struct target *t, uint64_t frame);
uint32_t target_ref_pins(struct target *t, uint32_t ref, uint64_t *frame);

#endif
