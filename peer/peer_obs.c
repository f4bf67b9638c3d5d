/* peer_obs.c - the peer's maps and what it sees through them.
 *
 * The frontend tags every page it owns (wl_proto.h: struct wl_tag at WL_TAG_OFFSET, a new seq for
 * every tag it writes). A correct target never writes a page that is still granted, so while we
 * hold a map its tag must not change; if it does, the target reused memory we can still read
 * (and, through a read-write map, write): one parseable "peer: REUSED-..." line each. A fresh map
 * made for request N must show request N's tag; anything else means we were given another page
 * behind that ref ("peer: STALE-MAP").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "peer.h"

struct seen {
	uint64_t seq;
};
static struct seen first_seq[PEER_MAX_MAPS];

static void read_tag(const uint8_t *page, struct wl_tag *t)
{
	memcpy(t, (const void *)(page + WL_TAG_OFFSET), sizeof(*t));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

int peer_map(struct peer *p, uint32_t ref, int rw, int32_t req_id, int speculative)
{
	int m;
	for (m = 0; m < PEER_MAX_MAPS && p->maps[m].in_use; m++)
		;
	if (m == PEER_MAX_MAPS)
		return -1;
	uint8_t *addr = xengnttab_map_grant_ref(p->xgt, p->target, ref, rw ? PROT_READ | PROT_WRITE : PROT_READ);
	if (!addr) {
		p->maps_failed++;
		return -1;
	}
	p->maps_ok++;
	p->maps[m] = (struct pmap){ .in_use = 1, .rw = !!rw, .ref = ref, .req_id = req_id, .addr = addr,
				    .speculative = !!speculative, .since = peer_now() };
	struct wl_tag t;
	read_tag(addr, &t);
	first_seq[m].seq = t.seq;
	return m;
}

void peer_unmap(struct peer *p, int m)
{
	if (m < 0 || m >= PEER_MAX_MAPS || !p->maps[m].in_use)
		return;
	xengnttab_unmap(p->xgt, p->maps[m].addr, 1);
	p->maps[m].in_use = 0;
	for (unsigned i = 0; i < p->nreqs; i++)
		if (p->reqs[i].map == m)
			p->reqs[i].map = -1;
}

void peer_unmap_all(struct peer *p)
{
	for (int m = 0; m < PEER_MAX_MAPS; m++)
		peer_unmap(p, m);
}

int peer_find_map(struct peer *p, uint32_t ref)
{
	int best = -1;
	for (int m = 0; m < PEER_MAX_MAPS; m++)
		if (p->maps[m].in_use && p->maps[m].ref == ref && (best < 0 || p->maps[m].since >= p->maps[best].since))
			best = m;
	return best;
}

static void observe(struct peer *p, const char *what, const struct pmap *pm, const struct wl_tag *t)
{
	p->observations++;
	printf("peer: %s ref=%u req=%d tag_kind=%u tag_req=%u tag_seq=%llu held_ms=%.1f\n", what, pm->ref,
	       pm->req_id, t->kind, t->req_id, (unsigned long long)t->seq, (peer_now() - pm->since) * 1e3);
	fflush(stdout);
}

void peer_write_mark(struct peer *p, int m)
{
	struct pmap *pm = &p->maps[m];
	if (pm->in_use && pm->rw)
		memcpy(pm->addr, "PEER", 4); /* the host area before the tag: harmless to a live request */
}

void peer_check_maps(struct peer *p)
{
	for (int m = 0; m < PEER_MAX_MAPS; m++) {
		struct pmap *pm = &p->maps[m];
		if (!pm->in_use || pm->reported)
			continue;
		struct wl_tag t;
		read_tag(pm->addr, &t);
		if (t.seq == first_seq[m].seq)
			continue;
		pm->reported = 1;
		observe(p, "REUSED-READ", pm, &t);
		if (pm->rw) {
			/* prove write access to memory the target took back */
			volatile uint8_t *b = pm->addr + 8;
			*b = 0xee;
			if (*b == 0xee)
				observe(p, "REUSED-WRITE", pm, &t);
		}
	}
}

int peer_check_fresh(struct peer *p, int m)
{
	struct pmap *pm = &p->maps[m];
	struct wl_tag t;
	read_tag(pm->addr, &t);
	if (pm->req_id < 0 || p->ring_dirty || (t.magic == WL_TAG_MAGIC && t.kind == WL_TAG_REQUEST && t.req_id == (uint16_t)pm->req_id))
		return 0;
	pm->reported = 1;
	observe(p, "STALE-MAP", pm, &t);
	return 1;
}

int peer_copy_check(struct peer *p, uint32_t ref, int32_t req_id)
{
	struct wl_tag t;
	xengnttab_grant_copy_segment_t seg = { .len = sizeof(t), .flags = GNTCOPY_source_gref };
	seg.source.foreign.ref = ref;
	seg.source.foreign.offset = WL_TAG_OFFSET;
	seg.source.foreign.domid = (uint16_t)p->target;
	seg.dest.virt = &t;
	if (xengnttab_grant_copy(p->xgt, 1, &seg) != 0 || seg.status != GNTST_okay)
		return -1;
	p->copies++;
	/* A ref may legitimately be granted again for a new request, but never for a page the
	 * frontend took back for itself: a REUSED tag behind a live grant is the bug. */
	if (t.magic == WL_TAG_MAGIC && t.kind == WL_TAG_REUSED) {
		struct pmap pm = { .ref = ref, .req_id = req_id, .since = peer_now() };
		observe(p, "REUSED-COPY", &pm, &t);
		return 1;
	}
	return 0;
}
