/* world_pages.c - the target's page allocator (a LIFO free list, so a freed page is the next one
 * handed out: reuse is immediate, as in a real guest) and the library calls that move page
 * ownership, each reported to the oracle. */
#include <string.h>
#include "world/world.h"
#include "world/world_internal.h"

uint64_t world_page_frame(unsigned page) { return xsim_page_frame(page); }

int world_frame_page(uint64_t frame)
{
	uint64_t base = xsim_page_frame(0);
	return frame >= base && frame - base < SCN_PAGES_MAX ? (int)(frame - base) : -1;
}

/* Live foreign maps of the page: kept from the simulator's map and unmap reports (world_run.c),
 * the count xsim_frame_foreign_maps would find by walking every map. */
static unsigned maps_of(struct world *w, unsigned page)
{
	return w->page_maps[page];
}

void world_push_free(struct world *w, unsigned page)
{
	w->page_owner[page] = PG_FREE;
	w->free_stack[w->nfree++] = (uint8_t)page;
}

/* The tag goes straight into the target's memory, not through xsim_frame_mem: that marks the
 * page touched, and the simulator's reset then clears all 4 KB of it, per page, per input. The
 * world clears its own 8 bytes instead (world_untag_pages, before that reset). */
void world_tag_page(struct world *w, unsigned page)
{
	uint32_t tag[2] = { w->step + 1, page };
	w->page_tag[page] = w->step + 1;
	if (page >= w->tdom->nr_pages)
		return;
	if (!w->page_tagged[page]) {
		w->page_tagged[page] = 1;
		w->tagged[w->ntagged++] = (uint8_t)page;
	}
	memcpy(w->tdom->mem[page], tag, sizeof tag);
}

void world_untag_pages(struct world *w)
{
	for (uint32_t i = 0; i < w->ntagged; i++) {
		memset(w->tdom->mem[w->tagged[i]], 0, sizeof(uint32_t[2]));
		w->page_tagged[w->tagged[i]] = 0;
	}
	w->ntagged = 0;
}

uint64_t world_page_tag_in_mem(struct world *w, uint64_t frame)
{
	int page = world_frame_page(frame);
	uint64_t tag = 0;
	if (page >= 0 && (unsigned)page < w->tdom->nr_pages) /* a read: nothing to clear later */
		memcpy(&tag, w->tdom->mem[page], sizeof tag);
	return tag;
}

/* Hand out `page`, which is on the free list at position `pos`. */
static void hand_out(struct world *w, uint32_t pos)
{
	unsigned page = w->free_stack[pos];
	memmove(&w->free_stack[pos], &w->free_stack[pos + 1], w->nfree - pos - 1);
	w->nfree--;
	w->page_owner[page] = PG_INUSE;
	w->page_wl[page] = 1; /* the workload's unless a target step claims it (world_target.c) */
	oracle_alloc(&w->oracle, world_page_frame(page), maps_of(w, page), w->step + 1);
	world_tag_page(w, page);
	world_log(w, "  allocator hands out p%u (tag %u)", page, w->step + 1);
}

int world_alloc_page(struct world *w)
{
	if (!w->nfree)
		return -1;
	unsigned page = w->free_stack[w->nfree - 1];
	hand_out(w, w->nfree - 1);
	return (int)page;
}

int world_take_page(struct world *w, unsigned page)
{
	for (uint32_t i = 0; i < w->nfree; i++)
		if (w->free_stack[i] == page) {
			hand_out(w, i);
			return 0;
		}
	return -1;
}

int world_free_page(struct world *w, unsigned page)
{
	if (page >= w->scn.cfg.pages || w->page_owner[page] != PG_INUSE)
		return -1;
	oracle_free(&w->oracle, world_page_frame(page), maps_of(w, page));
	world_push_free(w, page);
	return 0;
}

void world_write_page(struct world *w, unsigned page)
{
	world_tag_page(w, page);
	oracle_target_write(&w->oracle, world_page_frame(page), w->step + 1);
}

/* --- library calls through the seam: points are live only inside them --- */

int world_live_share(const struct world *w, grant_ref_t ref)
{
	return ref < WORLD_REFS_MAX ? w->ref_page[ref] : -1;
}

int world_ref_arg(struct world *w, uint32_t arg, grant_ref_t *ref)
{
	if (!scn_is_label(arg)) {
		*ref = (grant_ref_t)arg;
		return 0;
	}
	unsigned g = arg & (SCN_LABELS - 1);
	if (w->label_ref[g] >= 0) {
		*ref = (grant_ref_t)w->label_ref[g];
		return 0;
	}
	world_log(w, "  skipped: g%u names no grant yet (no `target share ... as g%u` got a ref)", g, g);
	if (w->step < w->scn.nsteps && scn_ops[w->scn.steps[w->step].op].actor[0] == 'P')
		w->peer_tries++; /* the peer meant to act and could not */
	return -1;
}

/* The target no longer holds a share of ref (it gave it up, or ended it). */
static void world_drop_share(struct world *w, grant_ref_t ref)
{
	w->nlive -= w->ref_page[ref] >= 0;
	w->ref_page[ref] = -1;
}

/* The library handed out `ref` for a new grant: it must not be one the target still holds. */
static void check_fresh_ref(struct world *w, grant_ref_t ref)
{
	char msg[160];
	int old = world_live_share(w, ref);
	if (old < 0)
		return;
	snprintf(msg, sizeof msg, "the library handed out ref %u for a new grant while it still grants page p%d (never ended)",
		 ref, old);
	oracle_violate(&w->oracle, INV_REGRANT_WHILE_MAPPED, world_page_frame((unsigned)old), ref, msg);
}

int world_share(struct world *w, unsigned page, int readonly, grant_ref_t *ref)
{
	uint64_t frame = world_page_frame(page);
	*ref = ~0u;
	oracle_grant_intent(&w->oracle, WORLD_PEER_DOM, frame, readonly);
	w->stores_in_call = 0;
	int rc = IN_TARGET(w, w->adapter->share(WORLD_PEER_DOM, frame, readonly, ref));
	if (rc == SEAM_OK && *ref >= w->nr_refs)
		world_adapter_error(w, "share answered ref %llu, outside the table of %llu entries the world gave the "
				    "library: declare its table in the adapter (.table = { .max_refs = N, .fixed = 1, "
				    ".first_ref = F }, seam.h)", *ref, w->nr_refs);
	if (rc == SEAM_OK && !w->stores_in_call && gntfuzz_hooked)
		world_adapter_error(w, "share answered ref %llu but stored nothing into the grant table the world handed "
				    "over (give the library seam_table.shared in setup, and build it with gntfuzz's "
				    "flags) (frame 0x%llx)", *ref, frame);
	if (rc == SEAM_OK && *ref < w->first_ref) {
		char msg[120];
		snprintf(msg, sizeof msg, "the library handed out ref %u, one of the reserved refs 0..%u of its table",
			 *ref, w->first_ref - 1);
		oracle_violate(&w->oracle, INV_REGRANT_WHILE_MAPPED, frame, *ref, msg);
		rc = SEAM_ERR;
	}
	oracle_grant_done(&w->oracle, rc, *ref);
	if (rc == SEAM_OK) {
		check_fresh_ref(w, *ref);
		if (w->page_owner[page] == PG_INUSE)
			w->page_owner[page] = PG_GRANTED;
		w->nlive += w->ref_page[*ref] < 0;
		w->ref_page[*ref] = (int16_t)page;
		if (!w->ref_handed[*ref]) {
			w->ref_handed[*ref] = 1;
			w->handed[w->nhanded++] = (uint16_t)*ref;
		}
	}
	world_log(w, "  share p%u %s -> rc %d ref r%d", page, readonly ? "ro" : "rw", rc, (int)*ref);
	return rc;
}

int world_unshare(struct world *w, grant_ref_t ref)
{
	int page = world_live_share(w, ref);
	if (page < 0) {
		world_log(w, "  skipped: r%u is no live share of the target", ref);
		return SEAM_ERR;
	}
	uint64_t frame = world_page_frame((unsigned)page);
	/* The page is the library's from the call on, whatever it answers (except a refusal). */
	w->page_owner[page] = PG_DEFERRED;
	oracle_handover(&w->oracle, ref, frame);
	w->frees_in_call = 0;
	int rc = IN_TARGET(w, w->adapter->unshare(ref, frame));
	if (rc == SEAM_OK && !w->stopped && (!w->frees_in_call || w->last_freed != frame) &&
	    w->page_owner[page] == PG_DEFERRED)
		world_adapter_error(w, "unshare answered SEAM_OK for ref %llu but the page (frame 0x%llx) never came back "
				    "through host->page_free (SEAM_OK means the library freed it)", ref, frame);
	oracle_end(&w->oracle, ref, frame, rc, 1);
	if (rc == SEAM_ERR || rc == SEAM_NOREF) {
		if (w->page_owner[page] == PG_DEFERRED)
			w->page_owner[page] = PG_GRANTED; /* refused: the share stands */
	} else {
		world_drop_share(w, ref);
		if (rc == SEAM_LEAKED && w->page_owner[page] == PG_DEFERRED)
			w->page_owner[page] = PG_LEAKED;
	}
	world_log(w, "  unshare r%u -> rc %d", ref, rc);
	return rc;
}

int world_end(struct world *w, grant_ref_t ref)
{
	int page = world_live_share(w, ref);
	if (!w->adapter->end || page < 0) {
		world_log(w, "  skipped: %s", page < 0 ? "no live share of that ref" : "the library has no low-level end");
		return SEAM_ERR;
	}
	uint64_t frame = world_page_frame((unsigned)page);
	oracle_revoking(&w->oracle, ref);
	int rc = IN_TARGET(w, w->adapter->end(ref));
	oracle_end(&w->oracle, ref, frame, rc, 0);
	world_log(w, "  end r%u -> rc %d", ref, rc);
	if (rc != SEAM_OK)
		return rc;
	/* Ended: the caller gets page and ref back, releases the ref and frees the page. */
	world_drop_share(w, ref);
	if (w->adapter->release) {
		int rel = IN_TARGET(w, w->adapter->release(ref));
		world_log(w, "  release r%u -> rc %d", ref, rel);
	}
	if (w->page_owner[page] == PG_GRANTED)
		w->page_owner[page] = PG_INUSE;
	oracle_take_back(&w->oracle, frame);
	world_free_page(w, (unsigned)page);
	return rc;
}

unsigned world_tick(struct world *w)
{
	unsigned n = IN_TARGET(w, w->adapter->tick());
	world_log(w, "  tick -> %u freed", n);
	return n;
}
