/* oracle.c - the invariants (README "The invariants"), checked on every event the world
 * reports, plus a bounded per-frame history so that a violation comes with its story. */
#include <inttypes.h>
#include <string.h>
#include <xen/grant_table.h>
#include "seam/seam.h"
#include "oracle/oracle.h"

const char *oracle_inv_sentence(int inv)
{
	switch (inv) {
	case INV_FREE_WHILE_MAPPED:
		return "no page is released to, or handed out by, the target's allocator while a foreign mapping of it exists";
	case INV_REGRANT_WHILE_MAPPED:
		return "no grant ref is re-granted while its previous grant is still live or mapped";
	case INV_WRONG_FRAME:
		return "the peer never gains access to a frame that was not granted to it at that moment, nor write access to a read-only grant";
	case INV_SANITIZER:
		return "no memory error or undefined behaviour in the target, no crash on any peer input";
	case INV_LOST:
		return "nothing lost: once the peer lets go, every page and grant ref given up comes back (or is counted as written off), every page is in exactly one state";
	}
	return "no violation";
}

/* The one spelling of each invariant's name: reports, JSON, findings files and scripts use it. */
const char *oracle_inv_name(int inv)
{
	static const char *const names[] = {
		[INV_FREE_WHILE_MAPPED] = "free-while-mapped", [INV_REGRANT_WHILE_MAPPED] = "regrant-while-live",
		[INV_WRONG_FRAME] = "wrong-frame", [INV_SANITIZER] = "crash", [INV_LOST] = "lost",
	};
	return inv > 0 && inv <= INV_LOST ? names[inv] : "none";
}

const char *oracle_page_state_name(int st)
{
	static const char *const names[PG_NR_STATES] = { "free", "in use", "granted", "deferred", "leaked" };
	return st >= 0 && st < PG_NR_STATES ? names[st] : "?";
}

static const char *ev_name(int kind)
{
	static const char *const names[] = {
		[EV_ALLOC] = "alloc", [EV_FREE] = "free", [EV_WRITE] = "target write",
		[EV_GRANT] = "grant", [EV_STORE] = "entry store", [EV_MAP] = "peer map",
		[EV_UNMAP] = "peer unmap", [EV_COPY] = "peer copy", [EV_READ] = "peer read",
		[EV_PEER_WRITE] = "peer write", [EV_DONE] = "peer done", [EV_END] = "end ok",
		[EV_BUSY] = "end busy", [EV_DEFER] = "deferred", [EV_LEAK] = "leaked",
		[EV_RELEASE] = "release", [EV_UNSHARE_OK] = "unshare ok", [EV_UNSHARE_BUSY] = "unshare busy",
	};
	return kind > 0 && kind < (int)(sizeof names / sizeof names[0]) && names[kind] ? names[kind] : "?";
}

void oracle_reset(struct oracle *o, uint64_t frame_base, uint32_t npages, uint32_t nrefs)
{
	o->frame_base = frame_base;
	o->npages = npages < ORACLE_MAX_PAGES ? npages : ORACLE_MAX_PAGES;
	o->nrefs = nrefs < ORACLE_MAX_REFS ? nrefs : ORACLE_MAX_REFS;
	o->step = 0;
	o->pending_valid = 0;
	o->pending_ref = ORACLE_NO_REF;
	o->nviolations = 0;
	memset(&o->first, 0, sizeof o->first);
	for (uint32_t i = 0; i < o->npages; i++) {
		o->frames[i].state = PG_FREE;
		o->frames[i].hist_len = 0;
		o->frames[i].hist_head = 0;
	}
	memset(o->refs, 0, o->nrefs * sizeof o->refs[0]); /* one call, not a loop of byte stores */
}

static inline __attribute__((always_inline)) struct oracle_frame *frame_of(struct oracle *o, uint64_t frame)
{
	if (frame < o->frame_base || frame - o->frame_base >= o->npages)
		return NULL;
	return &o->frames[frame - o->frame_base];
}

static void note(struct oracle *o, uint64_t frame, int kind, uint32_t ref, uint32_t arg)
{
	struct oracle_frame *f = frame_of(o, frame);
	if (!f)
		return;
	struct oracle_event *e = &f->hist[f->hist_head];
	e->step = o->step;
	e->kind = (uint8_t)kind;
	e->ref = ref;
	e->arg = arg;
	f->hist_head = (uint8_t)((f->hist_head + 1) % ORACLE_HISTORY);
	if (f->hist_len < ORACLE_HISTORY)
		f->hist_len++;
}

int oracle_violate(struct oracle *o, int inv, uint64_t frame, uint32_t ref, const char *msg)
{
	if (o->nviolations++)
		return inv; /* keep the first: it is the root cause, the rest follow from it */
	o->first.inv = inv;
	o->first.step = o->step;
	o->first.frame = frame;
	o->first.ref = ref;
	snprintf(o->first.msg, sizeof o->first.msg, "%s", msg);
	if (o->on_violation)
		o->on_violation(o->ctx, &o->first);
	return inv;
}

/* --- page ownership --- */

int oracle_alloc(struct oracle *o, uint64_t frame, unsigned maps, uint32_t tag)
{
	struct oracle_frame *f = frame_of(o, frame);
	int was = f ? f->state : PG_FREE;
	note(o, frame, EV_ALLOC, ORACLE_NO_REF, tag);
	if (f) /* the transition happens whatever we report: a run may go on (--keep-going) */
		f->state = PG_INUSE;
	if (maps)
		return oracle_violate(o, INV_FREE_WHILE_MAPPED, frame, ORACLE_NO_REF,
				      "the allocator handed out a page the peer still maps");
	if (was != PG_FREE)
		return oracle_violate(o, INV_LOST, frame, ORACLE_NO_REF, "the allocator handed out a page that was not free");
	return 0;
}

int oracle_free(struct oracle *o, uint64_t frame, unsigned maps)
{
	struct oracle_frame *f = frame_of(o, frame);
	int was = f ? f->state : PG_INUSE;
	note(o, frame, EV_FREE, ORACLE_NO_REF, 0);
	if (f && was == PG_INUSE)
		f->state = PG_FREE;
	if (maps)
		return oracle_violate(o, INV_FREE_WHILE_MAPPED, frame, ORACLE_NO_REF,
				      "the target freed a page the peer still maps");
	if (was != PG_INUSE)
		return oracle_violate(o, INV_LOST, frame, ORACLE_NO_REF, "the target freed a page it did not own");
	return 0;
}

/* The ref that grants `frame` (the library does not say which one it is releasing). */
static uint32_t ref_of_frame(const struct oracle *o, uint64_t frame)
{
	for (uint32_t r = 0; r < o->nrefs; r++)
		if (o->refs[r].intent_valid && o->refs[r].frame == frame)
			return r;
	return ORACLE_NO_REF;
}

int oracle_release(struct oracle *o, uint64_t frame, unsigned maps)
{
	struct oracle_frame *f = frame_of(o, frame);
	note(o, frame, EV_RELEASE, ORACLE_NO_REF, maps);
	if (!f)
		return oracle_violate(o, INV_LOST, frame, ORACLE_NO_REF, "the library released a frame that is no target page");
	int was = f->state;
	if (was == PG_DEFERRED || was == PG_LEAKED)
		f->state = PG_FREE;
	if (maps)
		return oracle_violate(o, INV_FREE_WHILE_MAPPED, frame, ref_of_frame(o, frame),
				      "the library released a page to the allocator while the peer still maps it");
	if (was != PG_DEFERRED && was != PG_LEAKED) {
		char msg[120];
		snprintf(msg, sizeof msg, "the library freed a page the target never gave up to it (page was %s)",
			 oracle_page_state_name(was));
		return oracle_violate(o, INV_LOST, frame, ORACLE_NO_REF, msg);
	}
	return 0;
}

void oracle_target_write(struct oracle *o, uint64_t frame, uint32_t tag)
{
	note(o, frame, EV_WRITE, ORACLE_NO_REF, tag);
}

/* --- grants --- */

void oracle_grant_intent(struct oracle *o, uint16_t domid, uint64_t frame, int readonly)
{
	o->pending_valid = 1;
	o->pending_readonly = (uint8_t)!!readonly;
	o->pending_domid = domid;
	o->pending_frame = frame;
	o->pending_ref = ORACLE_NO_REF;
}

/* may_bind: the store was made by the library call now running, so it may belong to a grant in
 * progress (a store drained late from an earlier call never does). */
static int entry_store(struct oracle *o, uint32_t ref, int field_is_flags, uint32_t value, unsigned pins,
		       int may_bind)
{
	/* The grant a pinned peer map still refers to: what a re-grant would overwrite. */
	uint64_t prev = ref < o->nrefs && o->refs[ref].intent_valid ? o->refs[ref].frame : ~0ull;
	/* The first store of a grant in progress tells which ref carries the announced frame. */
	if (may_bind && o->pending_valid && o->pending_ref == ORACLE_NO_REF && ref < o->nrefs) {
		o->pending_ref = ref;
		o->refs[ref].intent_valid = 1;
		o->refs[ref].readonly = o->pending_readonly;
		o->refs[ref].domid = o->pending_domid;
		o->refs[ref].frame = o->pending_frame;
	}
	uint64_t frame = ref < o->nrefs && o->refs[ref].intent_valid ? o->refs[ref].frame : ~0ull;
	if (ref < o->nrefs && (!field_is_flags || (value & GTF_permit_access)))
		o->refs[ref].revoked = o->refs[ref].revoking = 0; /* a new grant is being written: maps may follow */
	else if (ref < o->nrefs)
		o->refs[ref].revoked = 0;
	int regrant = !field_is_flags || (value & GTF_permit_access);
	note(o, frame, EV_STORE, ref, value);
	if (regrant && pins) {
		char msg[160];
		snprintf(msg, sizeof msg, "the library wrote a new grant (%s = 0x%x) into ref %u while %u pin(s) of its previous grant are held",
			 field_is_flags ? "flags" : "domid/frame", value, ref, pins);
		if (prev != frame)
			note(o, prev, EV_STORE, ref, value); /* the mapped frame's story shows the overwrite */
		return oracle_violate(o, INV_REGRANT_WHILE_MAPPED, prev != ~0ull ? prev : frame, ref, msg);
	}
	return 0;
}

int oracle_entry_store(struct oracle *o, uint32_t ref, int field_is_flags, uint32_t value, unsigned pins)
{
	return entry_store(o, ref, field_is_flags, value, pins, 1);
}

int oracle_entry_store_late(struct oracle *o, uint32_t ref, int field_is_flags, uint32_t value, unsigned pins)
{
	return entry_store(o, ref, field_is_flags, value, pins, 0);
}

void oracle_grant_done(struct oracle *o, int rc, uint32_t ref)
{
	struct oracle_frame *f = o->pending_valid ? frame_of(o, o->pending_frame) : NULL;
	if (f && rc == SEAM_OK && f->state == PG_INUSE)
		f->state = PG_GRANTED;
	if (o->pending_valid && rc == SEAM_OK && ref < o->nrefs) {
		/* Also bind when the library made no store we saw (defensive: intent follows the ref). */
		o->refs[ref].intent_valid = 1;
		o->refs[ref].readonly = o->pending_readonly;
		o->refs[ref].revoked = o->refs[ref].revoking = 0; /* granted anew */
		o->refs[ref].domid = o->pending_domid;
		o->refs[ref].frame = o->pending_frame;
		note(o, o->pending_frame, EV_GRANT, ref, o->pending_readonly);
	}
	o->pending_valid = 0;
}

void oracle_revoking(struct oracle *o, uint32_t ref)
{
	if (ref < o->nrefs)
		o->refs[ref].revoking = 1;
}

void oracle_handover(struct oracle *o, uint32_t ref, uint64_t frame)
{
	struct oracle_frame *f = frame_of(o, frame);
	oracle_revoking(o, ref);
	if (f && f->state == PG_GRANTED)
		f->state = PG_DEFERRED;
}

void oracle_take_back(struct oracle *o, uint64_t frame)
{
	struct oracle_frame *f = frame_of(o, frame);
	if (f && f->state == PG_GRANTED)
		f->state = PG_INUSE;
}

void oracle_end(struct oracle *o, uint32_t ref, uint64_t frame, int rc, int page_owned)
{
	struct oracle_frame *f = frame_of(o, frame);
	/* Name the call whose answer this is: an unshare's OK is the library's claim, not an end seen. */
	int ok = page_owned ? EV_UNSHARE_OK : EV_END, busy = page_owned ? EV_UNSHARE_BUSY : EV_BUSY;
	note(o, frame, rc == SEAM_OK ? ok : rc == SEAM_LEAKED ? EV_LEAK : busy, ref, (uint32_t)rc);
	if (ref < o->nrefs)
		o->refs[ref].revoking = 1;
	if (rc == SEAM_OK && ref < o->nrefs)
		o->refs[ref].revoked = 1; /* from now on the ref grants nothing */
	if (!page_owned || !f)
		return;
	if (rc == SEAM_BUSY && f->state == PG_DEFERRED)
		note(o, frame, EV_DEFER, ref, 0);
	else if (rc == SEAM_LEAKED && f->state == PG_DEFERRED)
		f->state = PG_LEAKED;
	else if (rc < 0 && f->state == PG_DEFERRED)
		f->state = PG_GRANTED; /* refused: the share stands */
}

/* --- peer --- */

int oracle_map(struct oracle *o, uint16_t mapper, uint32_t ref, uint64_t frame, int readonly)
{
	note(o, frame, EV_MAP, ref, (uint32_t)readonly);
	if (ref < o->nrefs && o->refs[ref].revoked) {
		char msg[160];
		snprintf(msg, sizeof msg, "domain %u mapped ref %u (frame 0x%" PRIx64 ") after the library ended that grant successfully",
			 mapper, ref, frame);
		return oracle_violate(o, INV_WRONG_FRAME, frame, ref, msg);
	}
	if (ref >= o->nrefs || !o->refs[ref].intent_valid)
		return 0; /* a grant the world did not announce (low-level use): nothing to compare */
	const struct oracle_ref *r = &o->refs[ref];
	if (r->readonly && !r->revoking && !readonly && r->frame == frame) {
		char msg[180];
		snprintf(msg, sizeof msg, "domain %u mapped ref %u (frame 0x%" PRIx64 ") read-write, but the library was asked to grant it read-only",
			 mapper, ref, frame);
		return oracle_violate(o, INV_WRONG_FRAME, frame, ref, msg);
	}
	if (r->frame != frame || r->domid != mapper) {
		char msg[180];
		snprintf(msg, sizeof msg, "domain %u mapped frame 0x%" PRIx64 " through ref %u, which grants frame 0x%" PRIx64 " to domain %u",
			 mapper, frame, ref, r->frame, r->domid);
		note(o, r->frame, EV_MAP, ref, (uint32_t)readonly);
		return oracle_violate(o, INV_WRONG_FRAME, frame, ref, msg);
	}
	return 0;
}

void oracle_unmap(struct oracle *o, uint32_t ref, uint64_t frame) { note(o, frame, EV_UNMAP, ref, 0); }
int oracle_copy(struct oracle *o, uint32_t ref, uint64_t frame, int to_granter)
{
	note(o, frame, EV_COPY, ref, (uint32_t)to_granter);
	if (to_granter && ref < o->nrefs && o->refs[ref].intent_valid && o->refs[ref].readonly &&
	    !o->refs[ref].revoking && o->refs[ref].frame == frame) {
		char msg[160];
		snprintf(msg, sizeof msg, "a copy wrote into frame 0x%" PRIx64 " through ref %u, which the library was asked to grant read-only",
			 frame, ref);
		return oracle_violate(o, INV_WRONG_FRAME, frame, ref, msg);
	}
	if (ref >= o->nrefs || (!o->refs[ref].revoked && (!o->refs[ref].intent_valid || o->refs[ref].frame == frame)))
		return 0;
	char msg[160];
	snprintf(msg, sizeof msg, "a copy through ref %u reached frame 0x%" PRIx64 ", which that ref does not grant now", ref, frame);
	return oracle_violate(o, INV_WRONG_FRAME, frame, ref, msg);
}
void oracle_peer_access(struct oracle *o, uint32_t ref, uint64_t frame, int write, uint32_t reused_tag)
{
	note(o, frame, write ? EV_PEER_WRITE : EV_READ, ref, reused_tag);
}
void oracle_done(struct oracle *o, uint32_t ref, uint64_t frame) { note(o, frame, EV_DONE, ref, 0); }

/* --- end of run --- */

int oracle_final_check(struct oracle *o, const struct oracle_final *f)
{
	uint32_t count[PG_NR_STATES] = { 0 };
	uint64_t held_frame = ~0ull;
	char msg[200];
	for (uint32_t i = 0; i < o->npages; i++) {
		int st = o->frames[i].state < PG_NR_STATES ? o->frames[i].state : 0;
		count[st]++;
		if (st == PG_DEFERRED || (st == PG_LEAKED && held_frame == ~0ull))
			held_frame = o->frame_base + i;
	}
	if (f->peer_maps) {
		snprintf(msg, sizeof msg, "%u peer maps still live after the world unmapped them all", f->peer_maps);
		return oracle_violate(o, INV_LOST, ~0ull, ORACLE_NO_REF, msg);
	}
	/* Pages given up to the library that never came back: only a write-off it counted explains them. */
	if (count[PG_DEFERRED] + count[PG_LEAKED] > f->written_off) {
		snprintf(msg, sizeof msg,
			 "the library still holds %u page(s) given up to it after the peer let go and it ticked, and counts %u as written off",
			 count[PG_DEFERRED] + count[PG_LEAKED], f->written_off);
		return oracle_violate(o, INV_LOST, held_frame, ORACLE_NO_REF, msg);
	}
	if (f->refs_twice) {
		snprintf(msg, sizeof msg, "asked for every free ref, the library handed out ref %u twice (%u ref(s) on its free list twice)",
			 f->ref_twice, f->refs_twice);
		return oracle_violate(o, INV_LOST, ~0ull, f->ref_twice, msg);
	}
	if (f->refs_missing > f->written_off) {
		snprintf(msg, sizeof msg,
			 "%u grant ref(s) given up never came back (e.g. ref %u): asked for every free ref, the library did not hand them out, and counts %u written off",
			 f->refs_missing, f->ref_missing, f->written_off);
		return oracle_violate(o, INV_LOST, ~0ull, f->ref_missing, msg);
	}
	if (count[PG_GRANTED] != f->live_shares || count[PG_FREE] != f->alloc_free) {
		snprintf(msg, sizeof msg, "page states disagree: granted %u vs live shares %u, free %u vs allocator %u",
			 count[PG_GRANTED], f->live_shares, count[PG_FREE], f->alloc_free);
		return oracle_violate(o, INV_LOST, ~0ull, ORACLE_NO_REF, msg);
	}
	return 0;
}

/* --- reports --- */

void oracle_print_history(const struct oracle *o, uint64_t frame, FILE *out)
{
	if (frame < o->frame_base || frame - o->frame_base >= o->npages)
		return;
	const struct oracle_frame *f = &o->frames[frame - o->frame_base];
	fprintf(out, "history of frame 0x%" PRIx64 " (page p%" PRIu64 ", now %s), oldest first:\n", frame,
		frame - o->frame_base, oracle_page_state_name(f->state));
	for (unsigned i = 0; i < f->hist_len; i++) {
		const struct oracle_event *e = &f->hist[(f->hist_head + ORACLE_HISTORY - f->hist_len + i) % ORACLE_HISTORY];
		fprintf(out, "  step %-4u %-12s", e->step + 1, ev_name(e->kind));
		if (e->ref != ORACLE_NO_REF)
			fprintf(out, " r%u", e->ref);
		switch (e->kind) {
		case EV_MAP: case EV_GRANT: fprintf(out, " %s", e->arg ? "ro" : "rw"); break;
		case EV_COPY: fprintf(out, " %s", e->arg ? "to" : "from"); break;
		case EV_STORE: fprintf(out, " value 0x%x", e->arg); break;
		case EV_ALLOC: case EV_WRITE: fprintf(out, " tag %u", e->arg); break;
		case EV_RELEASE: if (e->arg) fprintf(out, " while mapped %u time(s)", e->arg); break;
		case EV_READ: case EV_PEER_WRITE:
			if (e->arg) fprintf(out, " of reused memory (target tag %u)", e->arg);
			break;
		}
		fputc('\n', out);
	}
}

void oracle_report(const struct oracle *o, FILE *out)
{
	const struct oracle_violation *v = &o->first;
	if (!v->inv) {
		fprintf(out, "no violation\n");
		return;
	}
	/* the one VIOLATION line of every gntfuzz program (README "The invariants"), then for people */
	fprintf(out, "VIOLATION %s: %s", oracle_inv_name(v->inv), v->msg);
	if (v->frame != ~0ull)
		fprintf(out, " frame=0x%" PRIx64, v->frame);
	if (v->ref != ORACLE_NO_REF)
		fprintf(out, " ref=%u", v->ref);
	fprintf(out, "\ninvariant %d: %s\n", v->inv, oracle_inv_sentence(v->inv));
	if (v->frame != ~0ull)
		fprintf(out, "frame 0x%" PRIx64, v->frame);
	else
		fprintf(out, "frame -");
	if (v->ref != ORACLE_NO_REF)
		fprintf(out, ", ref r%u", v->ref);
	fprintf(out, ", detected at step %u\n", v->step + 1);
	if (v->frame != ~0ull)
		oracle_print_history(o, v->frame, out);
}
