/* world_memory.h - the target CPU's memory model: when the target's stores to its grant table
 * become visible to the simulated Xen and the peer.
 *
 *   sc       every store is visible at once (the default; every earlier scenario's world)
 *   tso      x86: one FIFO store buffer; a later load of another location can pass a buffered
 *            store. Full fences, seq_cst stores (xchg) and RMWs (locked) drain it.
 *   arm      arm64: stores to different locations drain in any order (the scheduler picks),
 *            unless a barrier orders them: a store barrier (dmb ishst, sfence, seam_fence
 *            STORE) keeps later stores behind earlier ones, a release store waits for every
 *            earlier store, full fences (dmb ish, also what clang emits for C11 release and
 *            seq_cst fences) and RMWs of release or stronger order drain everything, a
 *            seq_cst load (ldar) waits for earlier release stores.
 * Loads are not reordered among themselves (not modelled): the windows are store->load and
 * store->store, which is where grant protocols put their barriers.
 *
 * One target CPU (the world runs one target thread). The target's own loads see its buffered
 * stores (store forwarding) because memory holds the target's view while target code runs; the
 * peer, Xen and the oracle see the global view: before any of them runs the buffered bytes are
 * swapped out, and back in when target code resumes. A buffered store reaches the oracle when it
 * drains, with the pins Xen holds at that moment (what Xen actually saw).
 *
 * Drains happen at ordering events (above), when a `cpu drain N` step says so (the scheduler: a
 * scenario or the fuzz input), when the buffer is full, and when the step's target code is done:
 * then the stores still buffered drain one at a time, each after a scheduling point of its own
 * (numbered on from the step's last point, so `at K` moves act between them), oldest first under
 * tso, newest first under arm (as far from program order as its barriers allow). Moves queued
 * for a point that never came run after that, as under sc: a store never outlives its step.
 */
#ifndef WORLD_MEMORY_H
#define WORLD_MEMORY_H

#include <stdint.h>

enum world_memory_model { MEM_SC = 0, MEM_TSO = 1, MEM_ARM = 2, MEM_NR_MODELS };

#define WMEM_MAX_STORES 32       /* buffered stores per CPU; a full buffer drains its oldest */
#define WMEM_MAX_WIDTH 16        /* widest buffered store (a whole v2 entry) */

struct wmem_store {
	uintptr_t addr;
	uint8_t size;
	uint8_t release;              /* arm: a release store, ordered after every earlier store */
	uint32_t epoch;               /* arm: store barriers passed before it was made */
	uint32_t call;                /* the library call that made it (world.calls) */
	uint8_t val[WMEM_MAX_WIDTH];  /* what the target stored */
	uint8_t below[WMEM_MAX_WIDTH];/* what the global view holds under it (see world_memory.c) */
};

struct world_mem {
	uint8_t model;                /* enum world_memory_model of this run */
	uint8_t global_view;          /* memory holds the global view (buffered bytes swapped out) */
	uint8_t hold;                 /* inside a scenario step: buffered stores may wait */
	uint32_t n;                   /* buffered stores, oldest first */
	uint32_t epoch;               /* arm: store barriers so far */
	uint64_t drained;             /* stores that went through the buffer (bench/test figure) */
	struct wmem_store buf[WMEM_MAX_STORES];
	/* the store the target is about to make (its hook runs before it) */
	uintptr_t next_addr;
	uint8_t next_size;
	uint8_t next_below[WMEM_MAX_WIDTH];
};

/* Their names are the scenario language's: scn_memory_name(), scn_memory_parse() (scenario.h). */

#endif
