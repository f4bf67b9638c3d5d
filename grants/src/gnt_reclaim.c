/* gnt_reclaim.c - page ownership: share, unshare, and the bounded deferred-reclaim queue.
 * A shared page goes back to the host (ops->page_release) only after a successful end, exactly
 * once. Library state is updated before page_release is called, so a host that re-enters the
 * library from that callback (to share the page again) sees a consistent queue and free list. */
#include "gnt_internal.h"

int gnt_share(struct gnt_lib *lib, domid_t domid, uint64_t frame, int readonly, gnt_ref_t *ref)
{
	return gnt__claim_publish(lib, domid, frame, readonly, GNT_REF_SHARED, ref);
}

/* Ended: the ref goes back to the free list, then the page to the host. */
static void reclaim(struct gnt_lib *lib, gnt_ref_t ref, int release_page)
{
	uint64_t frame = lib->refs[ref].frame;

	if (!GNT_IS(ref_leak)) /* the ref_leak mutant forgets it: never handed out again */
		gnt__free_ref(lib, ref);
	if (release_page)
		lib->ops->page_release(lib->ctx, frame);
}

/* Busy: park the ref (and its page) in the queue, or leak both if the queue is full. */
static int defer(struct gnt_lib *lib, gnt_ref_t ref)
{
	if (lib->defer_len >= lib->defer_cap) {
		lib->refs[ref].state = GNT_REF_LEAKED;
		lib->stats.leaked++;
		gnt__log(lib, "gnt: reclaim queue full, page leaked (ref, frame)", ref, lib->refs[ref].frame);
		return GNT_LEAKED;
	}
	lib->defer_q[lib->defer_len++] = ref;
	lib->refs[ref].state = GNT_REF_DEFERRED;
	lib->stats.deferred++;
	if (GNT_IS(ref_double_free))
		gnt__free_ref(lib, ref); /* bug: freed now, and again when reclaimed */
	if (GNT_IS(cve23041))
		lib->ops->page_release(lib->ctx, lib->refs[ref].frame); /* bug: page not tied to grant */
	return GNT_BUSY;
}

int gnt_unshare(struct gnt_lib *lib, gnt_ref_t ref)
{
	if (!lib || !gnt__ref_valid(lib, ref))
		return GNT_ERR_INVAL;
	if (gnt__state(lib, ref) != GNT_REF_SHARED)
		return GNT_ERR_STATE;
	if (gnt__end_entry(lib, ref) == GNT_OK || GNT_IS(msa02)) {
		/* msa02 mutant: a busy end is ignored and the mapped page handed back */
		reclaim(lib, ref, 1);
		return GNT_OK;
	}
	return defer(lib, ref);
}

/* Remove queue entry i, keeping the others in FIFO order. */
static void dequeue(struct gnt_lib *lib, uint32_t i)
{
	for (; i + 1 < lib->defer_len; i++)
		lib->defer_q[i] = lib->defer_q[i + 1];
	lib->defer_len--;
}

/* Retry each entry that was queued when the tick started, once, in FIFO order. */
unsigned gnt_tick(struct gnt_lib *lib)
{
	uint32_t i = 0, todo;
	unsigned released = 0;
	gnt_ref_t ref;

	if (!lib)
		return 0;
	for (todo = lib->defer_len; todo > 0 && i < lib->defer_len; todo--) {
		/* i < defer_len: a tick re-entered from page_release may have emptied the queue */
		ref = lib->defer_q[i];
		if (gnt__end_entry(lib, ref) != GNT_OK) {
			if (GNT_IS(lost_deferred))
				dequeue(lib, i); /* bug: still mapped, yet neither queued nor leaked */
			else
				i++;
			continue;
		}
		dequeue(lib, i);
		lib->stats.reclaimed++;
		released++;
		/* cve23041 mutant: the page already went back when the unshare was busy */
		reclaim(lib, ref, !GNT_IS(cve23041));
	}
	return released;
}
