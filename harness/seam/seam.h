/* seam.h - the one interface between gntfuzz and a grant library under test (an "adapter").
 *
 * gntfuzz's worlds (the in-process simulator, the multi-process target, the PVH guest) never
 * look inside a grant library: they call the adapter below, and the adapter calls the library in
 * its own idiom. A library keeps its state where it likes (globals, as most do); either setup()
 * brings all of it back to a fresh start before every input, or boot() builds it once and the
 * world restores it per input (THE CONTRACT, below).
 *
 * What the adapter does NOT have to do: tell gntfuzz when the library touches the grant table.
 * Target code is compiled with clang's -fsanitize-coverage=trace-loads,trace-stores (plus an edge
 * type) and gntfuzz's LLVM pass (harness/seam/pass/), so the peer may move before each of these
 * accesses to the table or status frames, and the world's CPU model (sc, x86-tso, arm) sees each
 * ordering event:
 *
 *   access                         peer moves before it   memory order (x86-tso / arm worlds)
 *   plain or volatile load/store   yes                    a store waits in the store buffer
 *   __atomic/_Atomic load/store    yes                    relaxed: as plain; release store: after
 *                                                         every earlier store (arm); seq_cst store:
 *                                                         drains the buffer (xchg on x86)
 *   RMW: cmpxchg, xchg, fetch-op   yes (the window        drains the buffer (x86: locked; arm:
 *     (__atomic_*, __sync_*)         before the swap)     when release or stronger), then atomic
 *   fence (__atomic_thread_fence,  only while stores      seq_cst: drains; release: drains on arm
 *     __sync_synchronize)            are buffered         (dmb ish), nothing on x86
 *   inline asm: lock-prefixed op,  yes, at each pointer   as a seq_cst RMW
 *     xchg, cmpxchg, xadd            operand
 *   inline asm: mfence, dmb ish    while buffered         full barrier: drains
 *   inline asm: sfence, dmb ishst  while buffered         store-store barrier (arm), nothing (x86)
 *   asm("" ::: "memory")           no                     nothing: a compiler barrier orders no CPU
 *   seam_fence(kind), below        while buffered         as its kind says
 *
 * What gntfuzz never trusts: the library's own bookkeeping. Page ownership is what the host's
 * page_alloc/page_free calls and the simulator's maps say; access modes are what the world asked
 * to grant; a ref has come back when a later grant hands it out again.
 *
 * Freestanding: only <stdint.h> and Xen's public headers, so adapters build into the PVH guest.
 */
#ifndef GNTFUZZ_SEAM_H
#define GNTFUZZ_SEAM_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#if __XEN_INTERFACE_VERSION__ < 0x0003020a
typedef uint16_t grant_status_t; /* a library built for the legacy interface (TARGET_XEN_INTERFACE): no v2 types */
#endif

/* Answers of the adapter's calls. */
enum seam_rc {
	SEAM_OK = 0,        /* done */
	SEAM_BUSY = 1,      /* the peer still maps it: the library keeps the page and retries on tick */
	SEAM_LEAKED = 2,    /* busy, and the library wrote the grant off: page and ref kept forever */
	SEAM_ERR = -1,      /* refused: bad ref, wrong state, unsupported */
	SEAM_NOREF = -2,    /* no free grant ref */
};

/* The grant table the world gives the library (the library never allocates its own). */
struct seam_table {
	unsigned version;           /* 1 or 2 */
	void *shared;               /* grant_entry_v1_t[nr_refs] or grant_entry_v2_t[nr_refs] */
	grant_status_t *status;     /* v2: the status frames, nr_refs entries; NULL for v1 */
	uint32_t nr_refs;           /* entries in the table */
	uint32_t first_ref;         /* the library may hand out refs first_ref..nr_refs-1 */
	uint32_t defer_cap;         /* bound for a deferred-reclaim list, where the library has one (0: its default) */
	domid_t self;               /* the target's own domain id */
};

/* What the host gives the library. Every page the library frees goes through page_free: that is
 * where the oracle checks that no peer still maps it (invariant 1). */
struct seam_host {
	void *ctx;
	int (*page_alloc)(void *ctx, uint64_t *frame);      /* 0 and *frame, or -1: no page */
	void (*page_free)(void *ctx, uint64_t frame);       /* the library is done with the page */
	void *(*page_mem)(void *ctx, uint64_t frame);       /* the page's memory, NULL if unknown */
	void (*log)(void *ctx, const char *msg, uint64_t a, uint64_t b); /* may be NULL */
};

#define SEAM_V1 (1u << 1)
#define SEAM_V2 (1u << 2)

/* The table a library needs. Zero fields mean "any": the world then gives each input a table of
 * 9..256 entries of which refs 0..7 are Xen's (first_ref 8). A library with a compile-time table
 * (Mini-OS's NR_GRANT_ENTRIES) or refs of its own below some number says so here, and the world
 * gives it exactly that table: a ref it hands out outside [first_ref, nr_refs) stops the run
 * with one line naming the geometry. */
struct seam_geometry {
	uint32_t max_refs;          /* 0: any size up to 256; else at most this many entries (<= 4096) */
	uint32_t fixed;             /* 1: always exactly max_refs entries */
	uint32_t first_ref;         /* 0: 8; else the lowest ref the library hands out (0..first_ref-1 are reserved) */
};
#define SEAM_MAX_REFS 4096          /* the largest table the world can give */

/* One adapter per build: the adapter file defines `const struct seam_adapter gntfuzz_adapter`.
 *
 * THE CONTRACT. What the in-process world guarantees and expects (the multi-process target and
 * the PVH guest call a subset, the same way); README "Your own grant library" says it for users.
 *  - One thread, never re-entered: the peer moves at the library's accesses but never calls it.
 *  - The table: zeroed, of the input's version (1 or 2, from `versions`), shaped by `table`
 *    (struct seam_geometry above: any size 9..256 with first_ref 8 unless the adapter says
 *    otherwise), defer_cap 1..64. The library hands out refs in [first_ref, nr_refs) only.
 *  - boot() (optional) once per process and table shape, before the first input on it; the
 *    world then snapshots the library's writable data and bss and restores them before every
 *    input, so an expensive init (a 2048-entry free list) is paid once. boot must not allocate
 *    pages. setup() (optional when boot is given) runs before every input, after the restore:
 *    without boot it must bring ALL of the library's state back to a fresh start.
 *  - share() grants a page the target owns and does not share already, to the peer (domid 0).
 *    With every ref in use it must answer SEAM_NOREF at once: never block, wait or retry. It must
 *    store into the table it was given (a share that stored nothing stops the run: one line).
 *    The world names a grant by the ref share() answered; it never guesses the library's order
 *    (lowest-first, highest-first, LIFO, FIFO: all are fine).
 *  - unshare() only for a live share (handed out by share(), not yet given up), with that share's
 *    frame. The page is the library's from the call on: SEAM_OK means it went back through
 *    host->page_free during the call, BUSY that the library keeps it and retries on tick(),
 *    LEAKED that it keeps it forever (counted by leaked()), SEAM_ERR that the share stands.
 *  - end() (optional) only for a live share; on SEAM_OK the world calls release() (if there is
 *    one) and frees the page itself, as a Mini-OS-style caller does; any other answer: the share
 *    stands and release() is not called.
 *  - tick() from `target tick` steps, and defer_cap + 2 times at the end of every run after the
 *    peer has unmapped everything; then leaked(); then share() again and again (one page) until
 *    SEAM_NOREF or every ref the run gave up has come back: each must come back exactly once.
 *  - A crash is a finding: abort(), a panic, a failed assert or a fatal signal in any call is
 *    invariant 4 (no peer input may crash the target), reported with the library's frames and its
 *    last host->log message. So a panic shim should log why (host->log(ctx, "panic: ...", a, b))
 *    and then abort(): that line is the finding's headline. */
struct seam_adapter {
	unsigned versions;          /* SEAM_V1 | SEAM_V2: the table versions the library supports */

	/* Fresh start on this table: forget every ref, deferred entry and counter. 0 or SEAM_ERR.
	 * Optional when boot is given (then: per-input work that the restore does not cover). */
	int (*setup)(const struct seam_host *host, const struct seam_table *table);

	/* Grant `frame` to domid (full page, read-only if asked). 0 and *ref, SEAM_NOREF, SEAM_ERR.
	 * The caller keeps the page until it calls unshare (or end + release and frees it itself). */
	int (*share)(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref);
	/* End the grant and give the page up to the library, as Linux's end_foreign_access(ref, page)
	 * or grants/' gnt_unshare do: SEAM_OK (ended; the page went back through host->page_free),
	 * SEAM_BUSY (still mapped: kept and retried on tick), SEAM_LEAKED (written off), SEAM_ERR. */
	int (*unshare)(grant_ref_t ref, uint64_t frame);
	/* Retry deferred work (Linux's deferred-free timer, grants/' gnt_tick). Returns pages freed. */
	unsigned (*tick)(void);
	/* How many grants the library has written off (kept forever by policy, counted). */
	unsigned (*leaked)(void);

	/* Optional (NULL if the library has no such call). */
	/* Revoke only, the caller keeps page and ref: SEAM_OK, SEAM_BUSY, SEAM_ERR. */
	int (*end)(grant_ref_t ref);
	/* Return an ended ref to the free list. */
	int (*release)(grant_ref_t ref);
	/* v2 sub-page grant of [off, off+len) of frame. */
	int (*share_subpage)(domid_t domid, uint64_t frame, uint16_t off, uint16_t len, int readonly,
			     grant_ref_t *ref);

	/* The table the library needs (all zero: any). */
	struct seam_geometry table;
	/* Expensive one-time init on this table (see the contract); NULL: setup does everything. */
	int (*boot)(const struct seam_host *host, const struct seam_table *table);
};

extern const struct seam_adapter gntfuzz_adapter;

/* Barriers an adapter's shim may call from its own mb()/wmb()/rmb() when the library's barrier
 * is something the compiler pass cannot see (a call into assembly, a barrier in another file):
 * the world's CPU model then orders the buffered stores as the kind says. In builds without the
 * hooks (multi-process target, PVH guest) it is the real barrier. */
enum seam_fence_kind {
	SEAM_FENCE_FULL = 0,    /* mb(): earlier stores visible before any later load or store (mfence, dmb ish) */
	SEAM_FENCE_STORE = 1,   /* wmb(): earlier stores visible before later stores (sfence, dmb ishst) */
	SEAM_FENCE_LOAD = 2,    /* rmb(): orders loads only (lfence, dmb ishld): no effect on stores */
	SEAM_FENCE_RELEASE = 3, /* a C11 release/acq_rel fence as compiled: nothing on x86, dmb ish on arm64 */
};
#ifdef GNTFUZZ_NOHOOKS
static inline void seam_fence(unsigned kind)
{
	if (kind == SEAM_FENCE_FULL)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		__atomic_thread_fence(__ATOMIC_ACQ_REL);
}
#else
void __gntfuzz_fence(uint32_t kind);
static inline void seam_fence(unsigned kind)
{
	__gntfuzz_fence(kind);
	__atomic_signal_fence(__ATOMIC_SEQ_CST); /* and the compiler may not move accesses across it */
}
#endif

/* Which library and mutant this binary was built with (set by the build, not by the adapter). */
extern const char gntfuzz_library[];
extern const char gntfuzz_mutant[];   /* "fixed" for the library as shipped */
extern const int gntfuzz_hooked;      /* its grant-table loads and stores call the hooks */

/* 0 if the adapter has every required call and supports `version`; else -1 and a one-line
 * reason in msg ("adapter grants: no unshare"). */
int seam_check(const struct seam_adapter *a, unsigned version, char *msg, unsigned size);
/* Hosts that start the library once per process (the multi-process target, the PVH guest): fit
 * the table to the adapter's geometry (first_ref raised, nr_refs capped), then boot and setup.
 * SEAM_ERR if the host's table cannot be the one the library declares (a fixed size it lacks). */
int seam_start(const struct seam_adapter *a, const struct seam_host *host, struct seam_table *table);

#endif
