/* gtab_defer.c - giving pages back, Linux style. A page is freed only once its grant is
 * revoked; a busy one waits on a bounded ring that gtab_timer retries; with the ring full it is
 * written off. Our state is updated before free_page runs, so a host that calls back into gtab
 * from free_page finds it consistent. */
#include "gtab_internal.h"

struct deferred {
	grant_ref_t ref;
	uint8_t has_page;   /* 0: the page is not ours to free (cve23041 mutant) */
	uint64_t frame;
};

static struct deferred ring[GTAB_DEFER_MAX];
static unsigned ring_head, ring_len, ring_cap;
static void (*free_page_fn)(void *, uint64_t);
static void *free_ctx;
static unsigned n_deferred, n_freed, n_leaked;

void gtab__defer_reset(unsigned defer_max, void (*free_page)(void *, uint64_t), void *ctx)
{
	ring_head = ring_len = 0;
	ring_cap = defer_max;
	free_page_fn = free_page;
	free_ctx = ctx;
	n_deferred = n_freed = n_leaked = 0;
}

static void give_page(uint64_t frame)
{
	n_freed++;
	free_page_fn(free_ctx, frame);
}

static unsigned ring_at(unsigned i)
{
	i += ring_head;
	return i >= ring_cap ? i - ring_cap : i;
}

static void ring_push(grant_ref_t ref, uint64_t frame, uint8_t has_page)
{
	struct deferred *d = &ring[ring_at(ring_len)];

	ring_len++;
	d->ref = ref;
	d->frame = frame;
	d->has_page = has_page;
}

/* Still mapped: keep ref and page until the timer sees the grant revoked. */
static void defer(grant_ref_t ref, uint64_t frame)
{
	if (ring_len == ring_cap) {
		n_leaked++; /* written off: never free a page the peer may still map */
		return;
	}
	n_deferred++;
#ifdef GTAB_BUG_CVE23041
	ring_push(ref, frame, 0);
	give_page(frame); /* bug: only the ref waits; the mapped page goes back now */
	return;
#endif
	ring_push(ref, frame, 1);
#ifdef GTAB_BUG_REF_DOUBLE_FREE
	gtab_put_ref(ref); /* bug: reusable while mapped, and the timer puts it back again */
#endif
}

void gtab_end_foreign_access(grant_ref_t ref, uint64_t frame)
{
	int revoked;

	if (!gtab__ref_ok(ref))
		return;
	revoked = gtab_end_access(ref);
#ifdef GTAB_BUG_MSA02
	revoked = 1; /* bug: "still mapped" is ignored; the page goes back while the peer maps it */
#endif
	if (!revoked) {
		defer(ref, frame);
		return;
	}
#ifndef GTAB_BUG_REF_LEAK
	gtab_put_ref(ref);
#endif
	give_page(frame);
}

/* Each grant deferred when the timer starts is retried once: popped from the head, and pushed
 * back at the tail while still mapped, so the ring keeps its order. */
unsigned gtab_timer(void)
{
	unsigned todo = ring_len, pages = 0;
	grant_ref_t ref;
	uint64_t frame;
	uint8_t has_page;

	while (todo-- > 0 && ring_len > 0) {
		ref = ring[ring_head].ref;
		frame = ring[ring_head].frame;
		has_page = ring[ring_head].has_page;
		ring_head = ring_at(1);
		ring_len--;
		if (!gtab_end_access(ref)) {
#ifndef GTAB_BUG_LOST_DEFERRED
			ring_push(ref, frame, has_page);
#endif /* else bug: dropped while mapped, neither freed nor counted */
			continue;
		}
		gtab_put_ref(ref);
		if (has_page) {
			pages++;
			give_page(frame);
		}
	}
	return pages;
}

unsigned gtab_leaked(void)
{
	return n_leaked;
}

void gtab_get_stats(struct gtab_stats *out)
{
	out->deferred_now = ring_len;
	out->deferred = n_deferred;
	out->freed = n_freed;
	out->leaked = n_leaked;
	out->free_refs = gtab__free_refs();
}
