/* world_peer.c - the malicious peer (domain 0): its live maps of the target's grants and the
 * `peer ...` steps. A read or write through a map of a page the target has since reused is
 * counted and put in the frame's history: the attack made visible from the peer's side. */
#include <string.h>
#include "world/world.h"
#include "world/world_internal.h"

/* The live maps are kept dense and in the order they were made (w->maps[0..nmaps)), so that
 * "most recent map of ref" and "unmap everything, most recent first" look only at live maps,
 * never at the whole table (the fuzzers run this per input). */
struct world_peer_map *world_peer_find(struct world *w, grant_ref_t ref)
{
	for (uint32_t i = w->nmaps; i-- > 0;)
		if (w->maps[i].ref == ref)
			return &w->maps[i];
	return NULL;
}

int world_peer_map(struct world *w, grant_ref_t ref, int readonly, int16_t *st)
{
	grant_handle_t h;
	uint64_t frame = 0;
	int16_t rc = xsim_map(&w->sim, WORLD_PEER_DOM, WORLD_TARGET_DOM, ref,
			      GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0), &h, &frame);
	if (st)
		*st = rc;
	w->peer_tries++;
	w->peer_aimed += ref < WORLD_REFS_MAX && w->ref_handed[ref];
	w->peer_acted += rc == GNTST_okay;
	world_log(w, "  peer map r%u %s -> GNTST %d%s", ref, readonly ? "ro" : "rw", rc,
		  rc == GNTST_okay ? " (mapped)" : "");
	if (rc != GNTST_okay)
		return -1;
	if (w->nmaps >= WORLD_MAX_PEER_MAPS) {
		/* xsim's maptrack is the same size as our table, so this cannot happen; undo if it does. */
		xsim_unmap(&w->sim, WORLD_PEER_DOM, h);
		return -1;
	}
	struct world_peer_map *m = &w->maps[w->nmaps];
	m->in_use = 1;
	m->readonly = (uint8_t)!!readonly;
	m->ref = ref;
	m->handle = h;
	m->frame = frame;
	m->seq = ++w->map_seq;
	m->tag_at_map = world_page_tag_in_mem(w, frame);
	return (int)w->nmaps++;
}

static void unmap_slot(struct world *w, struct world_peer_map *m)
{
	int16_t rc = xsim_unmap(&w->sim, WORLD_PEER_DOM, m->handle);
	world_log(w, "  peer unmap r%u -> GNTST %d", m->ref, rc);
	uint32_t i = (uint32_t)(m - w->maps);
	/* keep the rest dense and in order: the maps made after this one move down one slot */
	memmove(m, m + 1, (w->nmaps - i - 1) * sizeof *m);
	w->nmaps--;
}

int world_peer_unmap(struct world *w, grant_ref_t ref)
{
	struct world_peer_map *m = world_peer_find(w, ref);
	if (!m)
		return -1;
	unmap_slot(w, m);
	return 0;
}

uint8_t *world_peer_mem(struct world *w, grant_ref_t ref)
{
	struct world_peer_map *m = world_peer_find(w, ref);
	return m ? xsim_map_mem(&w->sim, WORLD_PEER_DOM, m->handle) : NULL;
}

void world_peer_unmap_all(struct world *w)
{
	while (w->nmaps) /* most recent first, as a peer tearing down would */
		unmap_slot(w, &w->maps[w->nmaps - 1]);
}

/* Did the target write new content (alloc/write tag) into the page since the peer mapped it? */
static uint32_t reused_tag(struct world *w, const struct world_peer_map *m, const uint8_t *mem)
{
	uint64_t now;
	memcpy(&now, mem, sizeof now);
	if (now == m->tag_at_map || now == 0)
		return 0;
	w->reuse_reads++;
	return (uint32_t)now; /* low half = the step number the target wrote */
}

/* --- steps --- */

void step_peer_map(struct world *w, const struct scn_step *s)
{
	grant_ref_t ref;
	if (!world_ref_arg(w, s->arg[0], &ref))
		world_peer_map(w, ref, s->arg[1] == SCN_RO, NULL);
}

void step_peer_unmap(struct world *w, const struct scn_step *s)
{
	grant_ref_t ref;
	if (!world_ref_arg(w, s->arg[0], &ref) && world_peer_unmap(w, ref))
		world_log(w, "  peer holds no map of r%u", ref);
}

void step_peer_unmap_all(struct world *w, const struct scn_step *s)
{
	(void)s;
	world_peer_unmap_all(w);
}

void step_peer_read(struct world *w, const struct scn_step *s)
{
	grant_ref_t ref;
	if (world_ref_arg(w, s->arg[0], &ref))
		return;
	struct world_peer_map *m = world_peer_find(w, ref);
	uint8_t *mem = m ? xsim_map_mem(&w->sim, WORLD_PEER_DOM, m->handle) : NULL;
	if (!mem) {
		world_log(w, "  peer holds no map of r%u", ref);
		return;
	}
	uint32_t tag = reused_tag(w, m, mem);
	oracle_peer_access(&w->oracle, m->ref, m->frame, 0, tag);
	if (tag)
		world_log(w, "  peer reads REUSED memory of frame 0x%llx: target tag %u",
			  (unsigned long long)m->frame, tag);
	else
		world_log(w, "  peer reads frame 0x%llx", (unsigned long long)m->frame);
}

void step_peer_write(struct world *w, const struct scn_step *s)
{
	static const char mark[] = "written by the peer";
	grant_ref_t ref;
	if (world_ref_arg(w, s->arg[0], &ref))
		return;
	struct world_peer_map *m = world_peer_find(w, ref);
	uint8_t *mem = m ? xsim_map_mem_rw(&w->sim, WORLD_PEER_DOM, m->handle) : NULL;
	if (!mem) {
		world_log(w, "  peer has no writable map of r%u", ref);
		return;
	}
	uint32_t tag = reused_tag(w, m, mem);
	memcpy(mem + 64, mark, sizeof mark); /* past the tag, so later reads still see reuse */
	oracle_peer_access(&w->oracle, m->ref, m->frame, 1, tag);
	world_log(w, "  peer writes frame 0x%llx%s", (unsigned long long)m->frame,
		  tag ? " (REUSED memory)" : "");
}

void step_peer_copy(struct world *w, const struct scn_step *s)
{
	uint8_t buf[16] = "peer copy data";
	int to_granter = s->arg[1] == SCN_TO;
	grant_ref_t ref;
	if (world_ref_arg(w, s->arg[0], &ref))
		return;
	int16_t rc = xsim_copy(&w->sim, WORLD_PEER_DOM, WORLD_TARGET_DOM, ref, 128, sizeof buf, buf, to_granter);
	w->peer_tries++;
	w->peer_aimed += ref < WORLD_REFS_MAX && w->ref_handed[ref];
	w->peer_acted += rc == GNTST_okay;
	world_log(w, "  peer copy r%u %s -> GNTST %d", ref, to_granter ? "to" : "from", rc);
}

/* The peer says "done"; the target's handler unshares the ref and, if it got the page back,
 * reuses it at once (LIFO allocator). Forged when the map is still held. */
void step_peer_done(struct world *w, const struct scn_step *s)
{
	grant_ref_t ref;
	if (world_ref_arg(w, s->arg[0], &ref))
		return;
	int page = world_live_share(w, ref);
	if (page < 0 || w->page_wl[page]) {
		/* the workload's refs get their "done" through the ring (backend respond) */
		world_log(w, "  target ignores done for r%u: not a ref the target shared", ref);
		return;
	}
	oracle_done(&w->oracle, ref, world_page_frame((unsigned)page));
	if (world_unshare(w, ref) == SEAM_OK && !w->stopped)
		world_target_alloc(w);
}
