/* fake_xen.h - the unit tests' host: a plain-memory grant table, platform ops that perform each
 * access plainly and record it, and helpers that play Xen (setting and clearing GTF_reading /
 * GTF_writing as a peer's map would). A "racing peer" can be armed to map a ref right after the
 * library's N-th access, which puts a peer move between any two steps of the library.
 *
 * The library's CPU can be weaker than sequentially consistent (fx_model below): its stores then
 * wait in a store buffer that Xen does not see, and only the barriers the library asks for (and
 * cmpxchg16) make them visible in order. That is how a missing or too weak barrier fails a test. */
#ifndef FAKE_XEN_H
#define FAKE_XEN_H

#include "gnt.h"

#define FX_REFS 64
#define FX_MAX_OPS 256
#define FX_MAX_RELEASES 64
#define FX_PEER ((domid_t)7)

enum fx_op { FX_LOAD16, FX_STORE16, FX_STORE32, FX_STORE64, FX_CMPXCHG16, FX_WMB, FX_MB };

/* What Xen sees of the library's stores:
 *  FX_SC   each store at once (the default; the recorded sequence is the whole truth);
 *  FX_TSO  x86: stores wait in a FIFO buffer; mb and cmpxchg16 drain it; wmb does nothing (stores
 *          leave in order anyway); a load of the library's sees its own buffered store, a load of
 *          another location passes the buffer;
 *  FX_ARM  stores leave the buffer in any order: wmb and mb drain it (all stores before the
 *          barrier are visible before any after it), cmpxchg16 too (a seq_cst RMW).
 * At the racing peer's turn, before it maps: under FX_TSO no buffered store has left yet; under
 * FX_ARM `race_newest` lets the newest buffered store out alone, ahead of older ones (what a
 * missing store-store barrier allows), else none. fx_drain() is "a while later". */
enum fx_model { FX_SC, FX_TSO, FX_ARM };
#define FX_SB 16

struct fx_store {
	volatile void *addr;
	unsigned size;              /* 2, 4 or 8 */
	uint64_t val;
};

struct fx_rec {
	enum fx_op op;
	const volatile void *addr;  /* NULL for barriers */
	uint64_t val;               /* stored value, or the value a load/cmpxchg found */
};

struct fake_xen {
	grant_entry_v1_t v1[FX_REFS];
	grant_entry_v2_t v2[FX_REFS];
	grant_status_t status[FX_REFS];
	unsigned version;
	struct fx_rec rec[FX_MAX_OPS];
	unsigned nrec;              /* accesses made (recorded up to FX_MAX_OPS) */
	uint64_t released[FX_MAX_RELEASES];
	unsigned nreleased;
	int race_at;                /* -1: no race; else map race_ref after access number race_at */
	gnt_ref_t race_ref;
	int race_rw;
	int race_won;               /* Xen accepted the racing map */
	uint64_t race_frame;        /* what the entry said when Xen accepted it: frame, */
	uint16_t race_off, race_len; /* and (v2 sub-page) offset and length */
	enum fx_model model;
	int race_newest;            /* FX_ARM: the peer's turn lets the newest buffered store out */
	struct fx_store sb[FX_SB];  /* the store buffer, oldest first */
	unsigned nsb;
	/* Called from page_release after recording, to test re-entry; may be NULL. */
	void (*on_release)(struct fake_xen *x, uint64_t frame);
	struct gnt_lib *lib;
	unsigned nlogs;             /* ops->log calls, and the first number of the last one */
	uint64_t last_log_a;
};

extern const struct gnt_platform_ops fx_ops;

/* Fresh table and library: version 1 or 2, FX_REFS refs, default first ref, defer_cap (0 = max). */
void fx_setup(struct fake_xen *x, struct gnt_lib *lib, unsigned version, uint32_t defer_cap);
/* Xen's side of a map: 1 if accepted (entry grants FX_PEER access of that kind), 0 if refused. */
int xen_map(struct fake_xen *x, gnt_ref_t ref, int rw);
/* The peer drops its map: both bits go (the tests hold at most one map per ref). */
void xen_unmap(struct fake_xen *x, gnt_ref_t ref);
/* GTF_reading|GTF_writing as Xen currently shows them for ref (v1 flags, v2 status). */
uint16_t xen_map_bits(const struct fake_xen *x, gnt_ref_t ref);
/* Guest-visible entry fields, whichever the version. */
uint16_t fx_flags(const struct fake_xen *x, gnt_ref_t ref);
unsigned fx_released_count(const struct fake_xen *x, uint64_t frame);
/* Index of the first recorded access of kind op at addr (NULL: any address) from index `from`, or -1. */
int fx_find(const struct fake_xen *x, enum fx_op op, const volatile void *addr, unsigned from);
void fx_clear_log(struct fake_xen *x);
/* Make every buffered store visible, oldest first (a no-op under FX_SC). */
void fx_drain(struct fake_xen *x);

#endif
