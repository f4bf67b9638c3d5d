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

static unsigned maps_of(struct world *w, unsigned page)
{
	return xsim_frame_foreign_maps(&w->sim, WORLD_TARGET_DOM, world_page_frame(page));
}

void world_push_free(struct world *w, unsigned page)
{
	w->page_owner[page] = PG_FREE;
	w->free_stack[w->nfree++] = (uint8_t)page;
}

void world_tag_page(struct world *w, unsigned page)
{
	uint8_t *mem = xsim_frame_mem(&w->sim, WORLD_TARGET_DOM, world_page_frame(page));
	uint32_t tag[2] = { w->step + 1, page };
	w->page_tag[page] = w->step + 1;
	if (mem)
		memcpy(mem, tag, sizeof tag);
}

uint64_t world_page_tag_in_mem(struct world *w, uint64_t frame)
{
	uint8_t *mem = xsim_frame_mem(&w->sim, WORLD_TARGET_DOM, frame);
	uint64_t tag = 0;
	if (mem)
		memcpy(&tag, mem, sizeof tag);
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

/* --- library calls: points are live only inside them --- */

#define IN_TARGET(w, call) ({ uint8_t was_ = (w)->in_target; (w)->in_target = 1; \
	__typeof__(call) r_ = (call); (w)->in_target = was_; r_; })

static uint64_t ref_frame(struct world *w, gnt_ref_t ref)
{
	return ref < SCN_REFS_MAX && w->ref_page[ref] >= 0 ? world_page_frame((unsigned)w->ref_page[ref]) : ~0ull;
}

int world_share(struct world *w, unsigned page, int readonly, gnt_ref_t *ref)
{
	uint64_t frame = world_page_frame(page);
	*ref = GNT_INVALID_REF;
	oracle_grant_intent(&w->oracle, WORLD_PEER_DOM, frame);
	int rc = IN_TARGET(w, gnt_share(&w->lib, WORLD_PEER_DOM, frame, readonly, ref));
	oracle_grant_done(&w->oracle, rc, *ref, 1);
	if (rc == GNT_OK) {
		if (page < SCN_PAGES_MAX && w->page_owner[page] == PG_INUSE)
			w->page_owner[page] = PG_GRANTED;
		if (*ref < SCN_REFS_MAX)
			w->ref_page[*ref] = (int16_t)page;
	}
	world_log(w, "  gnt_share p%u %s -> rc %d ref r%d", page, readonly ? "ro" : "rw", rc, (int)*ref);
	return rc;
}

int world_unshare(struct world *w, gnt_ref_t ref)
{
	uint64_t frame = ref_frame(w, ref);
	int page = world_frame_page(frame);
	int rc = IN_TARGET(w, gnt_unshare(&w->lib, ref));
	oracle_end(&w->oracle, ref, frame, rc, 1);
	if (page >= 0 && w->page_owner[page] == PG_GRANTED) {
		if (rc == GNT_BUSY)
			w->page_owner[page] = PG_DEFERRED;
		else if (rc == GNT_LEAKED)
			w->page_owner[page] = PG_LEAKED;
	}
	world_log(w, "  gnt_unshare r%u -> rc %d", ref, rc);
	return rc;
}

int world_grant_access(struct world *w, uint64_t frame, int readonly, gnt_ref_t *ref)
{
	*ref = GNT_INVALID_REF;
	oracle_grant_intent(&w->oracle, WORLD_PEER_DOM, frame);
	int rc = IN_TARGET(w, gnt_grant_access(&w->lib, WORLD_PEER_DOM, frame, readonly, ref));
	oracle_grant_done(&w->oracle, rc, *ref, 0);
	world_log(w, "  gnt_grant_access 0x%llx -> rc %d ref r%d", (unsigned long long)frame, rc, (int)*ref);
	return rc;
}

int world_end_access(struct world *w, gnt_ref_t ref)
{
	int rc = IN_TARGET(w, gnt_end_access(&w->lib, ref));
	oracle_end(&w->oracle, ref, ref_frame(w, ref), rc, 0);
	world_log(w, "  gnt_end_access r%u -> rc %d", ref, rc);
	return rc;
}

unsigned world_tick(struct world *w)
{
	unsigned n = IN_TARGET(w, gnt_tick(&w->lib));
	world_log(w, "  gnt_tick -> %u released", n);
	return n;
}
