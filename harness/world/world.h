/* world.h - the in-process world: simulated Xen, the grant library under test as domain 1 (the
 * target, reached only through its seam adapter), a malicious domain 0 (the peer), the scheduler
 * that lets the peer move at each of the library's loads and stores of its grant table (the
 * compiler's hooks, harness/seam), the target's page allocator, and the oracle watching it all.
 *
 * A run depends only on its input (a scenario): no clock, no randomness, no threads.
 * Handlers of ops.def use the functions below rather than the library or xsim directly, so that
 * the oracle sees every event (and the workload's steps get the same checks).
 */
#ifndef WORLD_H
#define WORLD_H

#include <stdint.h>
#include <stdio.h>
#include "seam/seam.h"
#include "xensim/xsim.h"
#include "world/scenario.h"
#include "oracle/oracle.h"
#include "world/world_memory.h"

#define WORLD_TARGET_DOM 1
#define WORLD_PEER_DOM 0
#define WORLD_MAX_QUEUED 64           /* `at K` moves waiting for the next target step */
#define WORLD_MAX_POINT (SCN_MAX_AT + 1) /* K of `at K` is below this */
#define WORLD_MAX_PEER_MAPS XSIM_MAX_MAPS
#define WORLD_STACK_MAX 24
#define WORLD_REFS_MAX SEAM_MAX_REFS     /* the largest table a library may declare */
_Static_assert(XSIM_MAX_GRANTS >= WORLD_REFS_MAX && ORACLE_MAX_REFS >= WORLD_REFS_MAX, "tables fit");

/* One `at K` move waiting for its scheduling point. */
struct world_queued {
	uint32_t step;                    /* index into the scenario */
	uint32_t point;                   /* K */
	uint8_t done;                     /* already ran at its point */
};

struct world_peer_map {
	uint8_t in_use, readonly;
	grant_ref_t ref;
	grant_handle_t handle;
	uint64_t frame;
	uint32_t seq;                     /* larger = more recent ("most recent live map of ref") */
	uint32_t tag_at_map;              /* the page's alloc tag when the peer mapped it */
};

struct world {
	/* --- the machine --- */
	struct xsim sim;
	const struct seam_adapter *adapter; /* the grant library under test */
	struct seam_host host;            /* what the world gives it: pages, logging */
	/* A store the library is about to make to its table: checked by the oracle at the next
	 * access or when the library call returns (the hook runs before the store). */
	uintptr_t pending_store;
	unsigned pending_size;
	/* The target's shared entries as the hooks look them up (set at reset, per access O(1)). */
	struct xsim_domain *tdom;
	uintptr_t last_touch;             /* the last store reported to xsim_guest_touch */
	uintptr_t tbl_base, tbl_bytes;
	unsigned tbl_shift;               /* log2 of the entry size: 3 (v1) or 4 (v2) */
	uint32_t stores_in_call;          /* stores into the table during the current call */
	uint32_t frees_in_call;           /* host page_free calls during the current call */
	uint64_t allocs_in_call;          /* host page_alloc calls during boot (it may make none) */
	uint64_t last_freed;              /* the frame of the last one */
	struct world_mem mem;             /* the target CPU's store buffer (sc, tso, arm) */
	uint32_t calls;                   /* calls into the target so far: a buffered store knows its own */
	int8_t memory_override;           /* gntworld --memory: every run uses this model (-1: the scenario's) */
	/* --- the input --- */
	struct scenario scn;
	uint32_t step;                    /* index of the step running now */
	uint32_t outer;                   /* index of the (not queued) step the run loop is in */
	uint32_t replay_steps;            /* steps a finding's replay needs (through `outer`) */
	/* --- scheduler --- */
	struct world_queued queue[WORLD_MAX_QUEUED];
	uint32_t nqueued;
	uint64_t qpoints[WORLD_MAX_POINT / 64]; /* points K some queued interleaving move waits for */
	uint32_t point;                   /* entry accesses so far in the current target step */
	uint8_t in_target;                /* inside a library call: points are live */
	uint8_t in_point;                 /* running a queued move: no nested points */
	/* --- the target's page allocator (LIFO free list) --- */
	uint8_t free_stack[SCN_PAGES_MAX];
	uint32_t nfree;
	uint8_t page_owner[SCN_PAGES_MAX];/* enum oracle_page_state, the world's own view */
	uint32_t page_tag[SCN_PAGES_MAX]; /* tag written at the last alloc/write: step+1 */
	uint32_t nr_refs, first_ref;      /* the run's table: the scenario's size fitted to the adapter's
					   * declared geometry (seam_geometry), never the scenario's alone */
	int32_t label_ref[SCN_LABELS];    /* gN: the ref the share `as gN` got, -1 before it */
	int16_t ref_page[WORLD_REFS_MAX]; /* page a live share of the ref grants, -1 if none */
	uint8_t ref_handed[WORLD_REFS_MAX];/* the library handed this ref out during the run */
	uint16_t handed[WORLD_REFS_MAX];  /* those refs, in the order handed out: reset and the final
					   * sweep walk these, not the whole table */
	uint32_t nhanded;
	uint32_t nlive;                   /* refs with ref_page >= 0 (live shares) */
	uint8_t page_wl[SCN_PAGES_MAX];   /* handed to the workload: `target` steps leave it alone */
	uint16_t page_maps[SCN_PAGES_MAX];/* live foreign maps of the page (simulator's reports) */
	uint8_t page_tagged[SCN_PAGES_MAX];/* the world wrote a tag into it this run ... */
	uint8_t tagged[SCN_PAGES_MAX];    /* ... these pages: reset zeroes those 8 bytes */
	uint32_t ntagged;
	/* --- the peer --- */
	struct world_peer_map maps[WORLD_MAX_PEER_MAPS]; /* live maps only, oldest first */
	uint32_t nmaps;
	uint32_t map_seq;
	uint32_t reuse_reads;             /* peer reads/writes of memory the target had reused */
	/* Could the peer act at all? A run whose peer tried maps or copies, all refused, none aimed
	 * at a ref the library had handed out, tested nothing: it is vacuous, never clean. */
	uint32_t peer_tries, peer_acted, peer_aimed;
	/* --- verdict and output --- */
	struct oracle oracle;
	/* Where the first violation was detected: return addresses as offsets into their binary
	 * (stable under ASLR), innermost first. Triage symbolizes them and keeps the target's frames:
	 * one bug, one finding, whatever the input around it. */
	uint64_t stack[WORLD_STACK_MAX];
	uint32_t nstack;
	uint8_t stopped;                  /* a violation ends the run */
	int crash_signal;                 /* the run ended by a crash of the library (world_crash.c) */
	const char *log_msg;              /* the library's last host->log call (a crash report shows it) */
	uint64_t log_a, log_b;
	uint64_t libstack[WORLD_STACK_MAX];/* the detection's frames in the library's own code (offsets) */
	uint32_t nlibstack;
	uint64_t key;                     /* root cause: invariant and innermost library frame (or message) */
	uint8_t dedup;                    /* continue mode: save a finding once per key */
	uint8_t duplicate;                /* the first violation's key was seen before in this process */
	char finding[4096];               /* the .scn the last saved finding went to ("" if none) */
	uint8_t abort_on_violation;       /* fuzz builds: abort() right after saving the finding */
	uint8_t keep_going;               /* --keep-going: run on after the first violation, so the
					   * report shows what the peer then did with the memory */
	FILE *trace;                      /* --trace: one line per step and per library event */
	const char *findings_dir;         /* --findings / $GNTWORLD_FINDINGS: report + .scn saved */
	uint8_t seam_checked;             /* versions whose seam_check passed (once per process) */
	uint32_t run;                     /* counts runs: state kept outside the world (the
					   * workload's) starts afresh when it changes */
};

/* What this build tests, for reports and findings: the grant library's variant, or in a frontend
 * variant's build (mk/fronts.mk) the frontend's name and mutant, on the library beneath it. */
const char *world_subject(void);
const char *world_subject_mutant(void);
/* Set up once (options: trace, findings dir, abort); then run inputs, each from a clean world. */
void world_init(struct world *w);
/* 0 clean, 1 violation (first one in w->oracle.first), 2 setup refused, 3 the library has no
 * grant table of the scenario's version (skipped). A clean run may be vacuous (world_vacuous). */
int world_run(struct world *w, const struct scenario *scn);
/* The last run's peer could not act: it tried to map or copy, every try was refused, and none
 * aimed at a ref the library had handed out (a scenario written for another ref order). */
/* A device run (devworld) whose backend never attached to the frontend (its rings never mapped)
 * although the scenario tried device steps that need it: it tested nothing. */
int world_device_idle(struct world *w);
static inline int world_vacuous(const struct world *w)
{
	return !w->oracle.first.inv && ((w->peer_tries && !w->peer_acted && !w->peer_aimed) ||
					(w->scn.cfg.device && world_device_idle((struct world *)w)));
}
int world_supports_version(const struct world *w, unsigned version);
/* Decoded inputs: a version the library lacks becomes the one it has (every input still runs). */
void world_fit_version(struct world *w);
/* Fuzzer entry: decode the bytes (always valid) and run them. */
int world_run_bytes(struct world *w, const uint8_t *data, size_t size);
/* The human report: invariant, frame, ref, history, detecting step, the replaying scenario. */
void world_report(const struct world *w, FILE *out);
void world_report_json(const struct world *w, FILE *out);

/* --- for step handlers (world and workload) --- */
uint64_t world_page_frame(unsigned page);
int world_frame_page(uint64_t frame);                   /* -1 if not a target page */
int world_alloc_page(struct world *w);                  /* LIFO pop + fresh tag; -1 if none */
int world_take_page(struct world *w, unsigned page);    /* allocate this page if free; 0 ok */
int world_free_page(struct world *w, unsigned page);    /* back to the allocator; 0 ok */
void world_write_page(struct world *w, unsigned page);  /* fresh tag into an owned page */
/* The same as callbacks for the target's code (ctx = the world): the seam host's and the
 * workload frontend's page_alloc (0 and *frame, or -1) and page_mem. */
int world_host_page_alloc(void *ctx, uint64_t *frame);
void *world_host_page_mem(void *ctx, uint64_t frame);
/* A frontend's environment on the target domain (world_feops.c): pages, event channels, the grant
 * library through the world's calls, log; the caller adds xs_read/xs_write. */
struct fe_ops;
void world_fe_ops(struct world *w, struct fe_ops *ops);
/* Library calls through the seam, with the oracle told. share grants a page the target owns;
 * unshare gives it up to the library (which frees it through the host now, later, or never);
 * end (where the adapter has one) revokes only, and on SEAM_OK the world releases the ref and
 * frees the page itself, as a Mini-OS-style caller does. Answers are SEAM_*. */
int world_share(struct world *w, unsigned page, int readonly, grant_ref_t *ref);
int world_unshare(struct world *w, grant_ref_t ref);
int world_end(struct world *w, grant_ref_t ref);
unsigned world_tick(struct world *w);
/* A step's grant argument (R: gN or a raw ref) as a ref: 0 and *ref, or -1 (traced) when gN
 * names no grant yet (its share has not run or was refused). A peer step also counts toward
 * "could the peer act" (world_vacuous). */
int world_ref_arg(struct world *w, uint32_t arg, grant_ref_t *ref);
/* The target shared ref and has not given it up (unshare or end): the page, else -1. */
int world_live_share(const struct world *w, grant_ref_t ref);
/* Peer (domain 0) side: returns the map slot, or -1 (with the GNTST code in *st if given). */
int world_peer_map(struct world *w, grant_ref_t ref, int readonly, int16_t *st);
int world_peer_unmap(struct world *w, grant_ref_t ref);        /* most recent live map of ref */
void world_peer_unmap_all(struct world *w);                    /* most recent first */
struct world_peer_map *world_peer_find(struct world *w, grant_ref_t ref);
uint8_t *world_peer_mem(struct world *w, grant_ref_t ref);     /* NULL if no live map */
/* Trace line (only with --trace). A macro: without a trace no argument is evaluated and no call
 * made (steps log several lines each, and the fuzzers never trace). */
void world_log_line(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define world_log(w, ...) do { struct world *wlog_ = (w); \
	if (__builtin_expect(wlog_->trace != NULL, 0)) world_log_line(wlog_, __VA_ARGS__); } while (0)

/* Step handlers, one per ops.def row. */
#define OP(actor, verb, args, fn) void fn(struct world *w, const struct scn_step *s);
#include "world/ops.def"
#undef OP

#endif
