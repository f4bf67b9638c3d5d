/* oracle.h - what "bug" means: the five invariants (README "The invariants"), checked per event.
 *
 * The oracle is pure bookkeeping over events that the world reports (it never looks into the
 * simulator itself: the caller passes the facts it needs, such as how many foreign maps a frame
 * has right now). That keeps it testable by feeding it crafted events directly.
 * No malloc; reset costs O(pages + refs) of the current configuration.
 */
#ifndef ORACLE_H
#define ORACLE_H

#include <stdint.h>
#include <stdio.h>

#define ORACLE_MAX_PAGES 64
#define ORACLE_MAX_REFS 4096   /* seam.h SEAM_MAX_REFS */
#define ORACLE_HISTORY 16        /* events kept per frame (a ring: the newest win) */
#define ORACLE_NO_REF 0xffffffffu

enum oracle_inv {
	INV_NONE = 0,
	INV_FREE_WHILE_MAPPED = 1,   /* no page released to / handed out by the allocator while mapped */
	INV_REGRANT_WHILE_MAPPED = 2,/* no ref re-granted while its previous grant is live or mapped */
	INV_WRONG_FRAME = 3,         /* the peer only gets the frame granted on that ref, to it, in the mode asked */
	INV_SANITIZER = 4,           /* no memory error / UB (ASan+UBSan builds) and no crash (world_crash.c) */
	INV_LOST = 5,                /* nothing lost: deferred reclaimed, every page in one state */
};
const char *oracle_inv_sentence(int inv);
const char *oracle_inv_name(int inv);    /* "free-while-mapped" ...: the one spelling */

/* Where a target page is, as the world's allocator and the grant library see it. */
enum oracle_page_state { PG_FREE = 0, PG_INUSE, PG_GRANTED, PG_DEFERRED, PG_LEAKED, PG_NR_STATES };
const char *oracle_page_state_name(int st);

enum oracle_ev {
	EV_ALLOC = 1, EV_FREE, EV_WRITE, EV_GRANT, EV_STORE, EV_MAP, EV_UNMAP, EV_COPY, EV_READ,
	EV_PEER_WRITE, EV_DONE, EV_END, EV_BUSY, EV_DEFER, EV_LEAK, EV_RELEASE,
	EV_UNSHARE_OK, EV_UNSHARE_BUSY, /* gnt_unshare's answer: a mutant may say OK without a real end */
};

struct oracle_event {
	uint32_t step;           /* scenario step index (0-based) */
	uint8_t kind;            /* enum oracle_ev */
	uint32_t ref;            /* ORACLE_NO_REF if none */
	uint32_t arg;            /* kind-specific: mode, rc, tag step ... */
};

struct oracle_violation {
	int inv;                 /* enum oracle_inv; INV_NONE if clean */
	uint32_t step;           /* detecting step index */
	uint64_t frame;          /* ~0 if not frame-specific */
	uint32_t ref;            /* ORACLE_NO_REF if none */
	char msg[200];
};

struct oracle_frame {
	uint8_t state;           /* enum oracle_page_state */
	uint8_t hist_len;
	uint8_t hist_head;       /* next slot to write */
	struct oracle_event hist[ORACLE_HISTORY];
};

struct oracle_ref {
	uint8_t intent_valid;    /* the world told us which frame this ref grants */
	uint8_t readonly;        /* ... and that it asked for a read-only grant */
	uint8_t revoked;         /* ended successfully, and nothing stored into the entry since */
	/* The target tried to end it (busy or not). A v2 end clears the header, GTF_readonly with
	 * it, and Xen then lets a peer that still holds a pin take a write pin (common/grant_table.c
	 * re-checks only GTF_readonly once pinned): Xen's behaviour, not the library's doing, so the
	 * access-mode check of invariant 3 stops there. */
	uint8_t revoking;
	uint16_t domid;
	uint64_t frame;
};

struct oracle {
	uint64_t frame_base;     /* frame of page 0 */
	uint32_t npages, nrefs;
	uint32_t step;           /* current step, stamped on events */
	/* A grant the world is about to publish: bound to a ref at the first entry store. */
	uint8_t pending_valid;
	uint8_t pending_readonly;
	uint16_t pending_domid;
	uint64_t pending_frame;
	uint32_t pending_ref;
	struct oracle_violation first; /* the first violation of the run (later ones are counted) */
	uint32_t nviolations;
	void (*on_violation)(void *ctx, const struct oracle_violation *v); /* called once, at once */
	void *ctx;
	struct oracle_frame frames[ORACLE_MAX_PAGES];
	struct oracle_ref refs[ORACLE_MAX_REFS];
};

void oracle_reset(struct oracle *o, uint64_t frame_base, uint32_t npages, uint32_t nrefs);
static inline void oracle_set_step(struct oracle *o, uint32_t step) { o->step = step; }

/* --- events (each checks what it can; returns the invariant it violated, or 0) --- */
/* Page ownership: `maps` = live foreign maps of the frame at this moment. */
int oracle_alloc(struct oracle *o, uint64_t frame, unsigned maps, uint32_t tag);
int oracle_free(struct oracle *o, uint64_t frame, unsigned maps);
int oracle_release(struct oracle *o, uint64_t frame, unsigned maps);   /* library page_release */
void oracle_target_write(struct oracle *o, uint64_t frame, uint32_t tag);
/* Grants: announce the frame/domid/mode about to be granted, then report what the library did
 * (rc = SEAM_*). The page stays the target's (granted) until it is handed over or taken back. */
void oracle_grant_intent(struct oracle *o, uint16_t domid, uint64_t frame, int readonly);
void oracle_grant_done(struct oracle *o, int rc, uint32_t ref);
/* The target gives a granted page up to the library (unshare): only the library may free it now. */
void oracle_handover(struct oracle *o, uint32_t ref, uint64_t frame);
/* The target is about to end the grant (low-level end; unshare says it through handover): from
 * here on a v2 table no longer carries GTF_readonly (see struct oracle_ref's revoking). */
void oracle_revoking(struct oracle *o, uint32_t ref);
/* A successful low-level end: the granted page is the target's own again. */
void oracle_take_back(struct oracle *o, uint64_t frame);
/* A library store into ref's entry; field_is_flags with the value stored; `pins` = live pins. */
int oracle_entry_store(struct oracle *o, uint32_t ref, int field_is_flags, uint32_t value, unsigned pins);
/* The same for a store the library made in an earlier call that becomes visible only now (the
 * target CPU's store buffer drained late): it belongs to that call's grant, never to a grant in
 * progress. */
int oracle_entry_store_late(struct oracle *o, uint32_t ref, int field_is_flags, uint32_t value, unsigned pins);
/* Ending: rc (SEAM_*) of the adapter's end (page_owned 0) or unshare (page_owned 1, after
 * oracle_handover: a refusal gives the page back to the target, LEAKED marks it written off). */
void oracle_end(struct oracle *o, uint32_t ref, uint64_t frame, int rc, int page_owned);
/* Peer side. */
int oracle_map(struct oracle *o, uint16_t mapper, uint32_t ref, uint64_t frame, int readonly);
void oracle_unmap(struct oracle *o, uint32_t ref, uint64_t frame);
int oracle_copy(struct oracle *o, uint32_t ref, uint64_t frame, int to_granter); /* invariant 3 too */
/* reused_tag: the alloc tag the peer saw if the target reused the page after the map, else 0. */
void oracle_peer_access(struct oracle *o, uint32_t ref, uint64_t frame, int write, uint32_t reused_tag);
void oracle_done(struct oracle *o, uint32_t ref, uint64_t frame);

/* End of run (after the peer let go and the library had its ticks): invariant 5. */
struct oracle_final {
	uint32_t peer_maps;      /* live peer maps (must be 0 by now) */
	uint32_t written_off;    /* grants the library says it wrote off (its only claim we accept) */
	uint32_t live_shares;    /* shares the target still holds (never given up) */
	uint32_t alloc_free;     /* pages on the world allocator's free list */
	/* Refs: handed out during the run, given up by the target, and not handed out again by the
	 * library when the world asked it for every ref it has (the final sweep). */
	uint32_t refs_missing;
	uint32_t ref_missing;    /* one of them, for the report */
	uint32_t refs_twice;     /* refs the sweep got twice (on the free list twice) */
	uint32_t ref_twice;
};
int oracle_final_check(struct oracle *o, const struct oracle_final *f);

/* Direct report of a violation found outside the event API (e.g. by the world itself). */
int oracle_violate(struct oracle *o, int inv, uint64_t frame, uint32_t ref, const char *msg);

/* Human report of the first violation: invariant, frame, ref, the frame's history. */
void oracle_report(const struct oracle *o, FILE *out);
void oracle_print_history(const struct oracle *o, uint64_t frame, FILE *out);

#endif
