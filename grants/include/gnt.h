/* gnt.h - a freestanding grant-table library with a checked end_access.
 *
 * Contract (the MSA02 lesson): a page that has ever been granted belongs to the library until
 * end_access has succeeded on its grant. gnt_unshare() answers GNT_BUSY instead of lying; a busy
 * page waits in a bounded deferred-reclaim queue that gnt_tick() retries; if that queue is full
 * the page is counted as leaked and never handed back. A grant ref returns to the free list
 * exactly once, and only after a successful end. Granting a ref that is in use is refused.
 *
 * Grant tables v1 and v2 are supported (v2 keeps GTF_reading/GTF_writing in separate status
 * frames). All ABI structures come from Xen's public headers.
 *
 * Build-time mutants (GNT_MUTANT=<id>, see grants/mutants.def) re-create historical bugs.
 */
#ifndef GNT_H
#define GNT_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include "gnt_platform.h"

#ifndef GNT_MAX_REFS
#define GNT_MAX_REFS 1024 /* upper bound on nr_refs given to gnt_init */
#endif
#ifndef GNT_DEFER_MAX
#define GNT_DEFER_MAX 64 /* upper bound on the deferred-reclaim queue capacity */
#endif

typedef uint32_t gnt_ref_t;
#define GNT_INVALID_REF ((gnt_ref_t)0xffffffffu)

enum gnt_rc {
	GNT_OK = 0,
	GNT_BUSY = 1,          /* the peer still maps it; the page stays with the library (deferred) */
	GNT_LEAKED = 2,        /* busy and the deferred queue is full: page kept forever, counted */
	GNT_ERR_NOREF = -1,    /* no free grant ref */
	GNT_ERR_INVAL = -2,    /* bad argument (ref out of range, v2-only call on v1, ...) */
	GNT_ERR_INUSE = -3,    /* granting a ref that is already granted or owned */
	GNT_ERR_STATE = -4,    /* operation not valid in the ref's current state */
};

/* Library-side state of one grant ref. */
enum gnt_ref_state {
	GNT_REF_FREE = 0,      /* on the free list (or never used) */
	GNT_REF_CLAIMED,       /* taken by gnt_claim_ref, not yet granted */
	GNT_REF_GRANTED,       /* low-level grant: caller owns the page */
	GNT_REF_SHARED,        /* gnt_share: the library owns the page */
	GNT_REF_DEFERRED,      /* unshare found it busy: in the reclaim queue */
	GNT_REF_LEAKED,        /* busy with the queue full: never reused */
};

struct gnt_stats {
	uint64_t granted;      /* successful grants (low level and share) */
	uint64_t ended;        /* successful end_access */
	uint64_t busy;         /* end_access answers of GNT_BUSY */
	uint64_t deferred;     /* pages put in the reclaim queue */
	uint64_t reclaimed;    /* deferred pages later released by gnt_tick */
	uint64_t leaked;       /* pages kept forever because the queue was full */
	uint32_t deferred_now; /* current queue length */
	uint32_t free_refs;    /* refs currently on the free list or never used */
};

struct gnt_ref_info {
	uint8_t state;         /* enum gnt_ref_state */
	uint8_t readonly;
	uint16_t domid;
	uint32_t next_free;    /* free-list link */
	uint64_t frame;
};

/* All library state; the caller provides the storage (no malloc). gnt_init is O(1): refs that
 * were never used are not touched, so resetting a world per fuzz input is cheap. */
struct gnt_lib {
	const struct gnt_platform_ops *ops;
	void *ctx;
	unsigned version;                 /* 1 or 2 */
	grant_entry_v1_t *v1;             /* version 1 shared entries */
	grant_entry_v2_t *v2;             /* version 2 shared entries */
	grant_status_t *status;           /* version 2 status frames */
	uint32_t nr_refs;                 /* refs [first_ref, nr_refs) are usable */
	uint32_t first_ref;               /* GNTTAB_NR_RESERVED_ENTRIES by default */
	uint32_t next_fresh;              /* refs >= next_fresh were never used */
	uint32_t free_head;               /* free list of used-then-freed refs */
	uint32_t defer_cap;               /* runtime capacity, <= GNT_DEFER_MAX */
	uint32_t defer_len;
	gnt_ref_t defer_q[GNT_DEFER_MAX]; /* deferred reclaim queue (FIFO order of retry) */
	struct gnt_stats stats;
	struct gnt_ref_info refs[GNT_MAX_REFS];
};

struct gnt_config {
	unsigned version;          /* 1 or 2 */
	void *table;               /* shared entries: grant_entry_v1_t[] or grant_entry_v2_t[] */
	grant_status_t *status;    /* v2 status frames (NULL for v1) */
	uint32_t nr_refs;          /* entries in table, <= GNT_MAX_REFS */
	uint32_t first_ref;        /* first ref the library may hand out (0 = GNTTAB_NR_RESERVED_ENTRIES) */
	uint32_t defer_cap;        /* deferred-reclaim queue capacity (0 = GNT_DEFER_MAX) */
};

int gnt_init(struct gnt_lib *lib, const struct gnt_platform_ops *ops, void *ctx,
	     const struct gnt_config *cfg);

/* --- low level, as Mini-OS / Linux drivers use it --- */
int gnt_claim_ref(struct gnt_lib *lib, gnt_ref_t *ref);
/* Publish a full-page grant on a claimed ref: domid and frame first, write barrier, then flags. */
int gnt_grant_ref(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame, int readonly);
/* claim + grant in one call */
int gnt_grant_access(struct gnt_lib *lib, domid_t domid, uint64_t frame, int readonly, gnt_ref_t *ref);
/* v2 only: a sub-page grant of [off, off+len) of frame. */
int gnt_grant_subpage(struct gnt_lib *lib, domid_t domid, uint64_t frame, uint16_t off, uint16_t len,
		      int readonly, gnt_ref_t *ref);
/* Checked end: GNT_OK once the entry is revoked (flags atomically cleared while neither
 * GTF_reading nor GTF_writing is set; the ref is then GNT_REF_CLAIMED again), GNT_BUSY while the
 * peer maps it. Frees nothing. Only for refs granted with gnt_grant_*; shared refs use gnt_unshare. */
int gnt_end_access(struct gnt_lib *lib, gnt_ref_t ref);
/* Return an ended (or claimed, never granted) ref to the free list. GNT_ERR_STATE otherwise. */
int gnt_release_ref(struct gnt_lib *lib, gnt_ref_t ref);

/* --- page ownership: what a driver should use --- */
/* Grant `frame` to domid; the library owns the page from now until it is reclaimed. */
int gnt_share(struct gnt_lib *lib, domid_t domid, uint64_t frame, int readonly, gnt_ref_t *ref);
/* End and reclaim: GNT_OK (page released through ops->page_release, ref freed), GNT_BUSY
 * (deferred, retried by gnt_tick), or GNT_LEAKED (queue full; page never released). */
int gnt_unshare(struct gnt_lib *lib, gnt_ref_t ref);
/* Unshare of a ref that is not GNT_REF_SHARED (e.g. already deferred) answers GNT_ERR_STATE. */
/* Retry every deferred reclaim once; returns how many pages were released. */
unsigned gnt_tick(struct gnt_lib *lib);

void gnt_get_stats(const struct gnt_lib *lib, struct gnt_stats *out);
int gnt_ref_state(const struct gnt_lib *lib, gnt_ref_t ref); /* enum gnt_ref_state, or <0 */

/* Which mutant this build is: 0 and "none" for the real library. */
int gnt_mutant_id(void);
const char *gnt_mutant_name(void);

#endif
