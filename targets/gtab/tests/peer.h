/* peer.h - a fake Xen and peer domain for the gtab tests, in plain memory. The peer maps a
 * grant as Xen would let it (the entry permits access to its domid; no write map of a read-only
 * grant) and Xen's marks show where gtab must look: a map sets GTF_reading, plus GTF_writing if
 * writable, in the v1 entry's flags or in the v2 status frame. free_page checks the invariant
 * the harness checks: no page is given back while the peer maps it. */
#ifndef GTAB_PEER_H
#define GTAB_PEER_H

#include "gtab.h"

#define T_NR    128   /* entries in the test table */
#define T_FIRST 8     /* first ref the tests give gtab */
#define PEER    7     /* the peer's domid */

/* The table (one page) and the v2 status frames (the next page), page-aligned for trap.c. */
extern void *t_mem;
extern unsigned long t_mem_len;
extern unsigned t_version;
extern grant_entry_v1_t *t_v1;
extern grant_entry_v2_t *t_v2;
extern grant_status_t *t_status;

/* Pages gtab gave back, and how many of them the peer still mapped. */
extern unsigned t_nfreed, t_freed_mapped;
extern uint64_t t_freed[4 * T_NR];

void t_reset(unsigned version);     /* fresh table, no maps, no frees; gtab untouched */
int t_setup(unsigned version, unsigned nr, unsigned first, unsigned defer_max); /* + gtab_init */
void t_free_page(void *ctx, uint64_t frame);

uint16_t t_flags(grant_ref_t ref);   /* v1 flags or v2 header flags */
domid_t t_domid(grant_ref_t ref);
uint64_t t_frame(grant_ref_t ref);
/* Leave stale contents behind, as an ended grant of `frame` to the peer would. */
void t_stale(grant_ref_t ref, uint64_t frame);

int peer_map(grant_ref_t ref, int write);  /* 1 if Xen let the peer map it */
void peer_unmap(grant_ref_t ref);
int peer_maps(grant_ref_t ref);
uint64_t peer_frame(grant_ref_t ref);      /* the frame the peer mapped */

#endif
