/* fake_xen.h - the unit tests' host: a plain-memory grant table, platform ops that perform each
 * access plainly and record it, and helpers that play Xen (setting and clearing GTF_reading /
 * GTF_writing as a peer's map would). A "racing peer" can be armed to map a ref right after the
 * library's N-th access, which puts a peer move between any two steps of the library. */
#ifndef FAKE_XEN_H
#define FAKE_XEN_H

#include "gnt.h"

#define FX_REFS 64
#define FX_MAX_OPS 256
#define FX_MAX_RELEASES 64
#define FX_PEER ((domid_t)7)

enum fx_op { FX_LOAD16, FX_STORE16, FX_STORE32, FX_STORE64, FX_CMPXCHG16, FX_WMB, FX_MB };

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

#endif
