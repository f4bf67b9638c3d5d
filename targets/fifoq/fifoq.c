/* fifoq.c - see fifoq.h. Two rings (free refs, parked grants) and the v1 entry protocol.
 *
 * The entries are Xen's: the hypervisor sets GTF_reading/GTF_writing in an entry's flags while
 * the peer maps it, with a compare-and-swap of its own. fifoq reaches them with the compiler's
 * __atomic builtins: relaxed loads and stores, a release fence between what a grant says and the
 * flags that switch it on, a sequentially consistent compare-and-swap to switch it off.
 */
#include "fifoq.h"

#define MAPPED (GTF_reading | GTF_writing)

/* --- the free-ref ring --- */

static void queue_put(struct fifoq *q, grant_ref_t ref)
{
	if (q->q_len == FQ_MAX_REFS)
		return; /* cannot happen: each of our refs is queued at most once */
	q->queue[(q->q_head + q->q_len) % FQ_MAX_REFS] = ref;
	q->q_len++;
}

static int queue_get(struct fifoq *q, grant_ref_t *ref)
{
	if (!q->q_len)
		return 0;
	*ref = q->queue[q->q_head];
	q->q_head = (q->q_head + 1) % FQ_MAX_REFS;
	q->q_len--;
	return 1;
}

/* --- the parking ring --- */

static int park_put(struct fifoq *q, grant_ref_t ref, uint64_t frame)
{
	struct fq_parked *p;

	if (q->p_len == q->p_cap)
		return 0;
	p = &q->park[(q->p_head + q->p_len) % q->p_cap];
	p->ref = ref;
	p->frame = frame;
	q->p_len++;
	return 1;
}

static struct fq_parked park_get(struct fifoq *q)
{
	struct fq_parked p = q->park[q->p_head];

	q->p_head = (q->p_head + 1) % q->p_cap;
	q->p_len--;
	return p;
}

/* --- entries --- */

static void entry_publish(grant_entry_v1_t *e, domid_t domid, uint32_t frame, uint16_t flags)
{
	__atomic_store_n(&e->frame, frame, __ATOMIC_RELAXED);
	__atomic_store_n(&e->domid, domid, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE); /* Xen must see frame and domid before the flags */
	__atomic_store_n(&e->flags, flags, __ATOMIC_RELAXED);
}

/* 1: the entry is off and nobody maps it; 0: the peer maps it (the entry is left as it was). */
static int entry_end(grant_entry_v1_t *e)
{
	uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_RELAXED);

	do {
		if (flags & MAPPED)
			return 0;
		/* a failed swap puts what Xen left there into `flags`: look again */
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return 1;
}

static int ours(const struct fifoq *q, grant_ref_t ref)
{
	return ref >= q->lo && ref < q->hi;
}

/* --- the calls --- */

enum fq_status fq_open(struct fifoq *q, grant_entry_v1_t *gnttab, grant_ref_t lo, grant_ref_t hi,
		       unsigned park_slots, void (*give_back)(void *cookie, uint64_t frame), void *cookie)
{
	if (!q || !gnttab || !give_back || lo >= hi || hi > FQ_MAX_REFS || park_slots > FQ_PARK_MAX)
		return FQ_INVALID;
	q->gnttab = gnttab;
	q->lo = lo;
	q->hi = hi;
	q->q_head = q->q_len = 0;
	for (grant_ref_t r = 0; r < FQ_MAX_REFS; r++) {
		q->state[r] = ours(q, r) ? FQ_QUEUED : FQ_NOT_OURS;
		if (ours(q, r))
			queue_put(q, r); /* lowest first: the first offer gets lo */
	}
	q->p_head = q->p_len = 0;
	q->p_cap = park_slots ? park_slots : FQ_PARK_DEFAULT;
	q->abandoned = 0;
	q->give_back = give_back;
	q->cookie = cookie;
	return FQ_DONE;
}

enum fq_status fq_offer(struct fifoq *q, domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	grant_ref_t r;

	if (frame > 0xffffffffu)
		return FQ_INVALID; /* a v1 entry holds 32 bits of frame */
	if (!queue_get(q, &r))
		return FQ_EMPTY;
	q->state[r] = FQ_OUT;
	entry_publish(&q->gnttab[r], domid, (uint32_t)frame,
		      GTF_permit_access | (readonly ? GTF_readonly : 0));
	*ref = r;
	return FQ_DONE;
}

enum fq_status fq_withdraw(struct fifoq *q, grant_ref_t ref)
{
	if (!ours(q, ref) || q->state[ref] != FQ_OUT)
		return FQ_INVALID;
	if (!entry_end(&q->gnttab[ref]))
		return FQ_INUSE;
	q->state[ref] = FQ_WITHDRAWN;
	return FQ_DONE;
}

enum fq_status fq_recycle(struct fifoq *q, grant_ref_t ref)
{
	if (!ours(q, ref) || q->state[ref] != FQ_WITHDRAWN)
		return FQ_INVALID;
	q->state[ref] = FQ_QUEUED;
	queue_put(q, ref);
	return FQ_DONE;
}

enum fq_status fq_release(struct fifoq *q, grant_ref_t ref, uint64_t frame)
{
	if (!ours(q, ref) || q->state[ref] != FQ_OUT)
		return FQ_INVALID;
	if (entry_end(&q->gnttab[ref])) {
		q->state[ref] = FQ_QUEUED;
		queue_put(q, ref);
		q->give_back(q->cookie, frame);
		return FQ_DONE;
	}
	if (!park_put(q, ref, frame)) {
		/* no slot: keep page and ref forever rather than free what the peer maps */
		q->state[ref] = FQ_LOST;
#ifndef FIFOQ_BUG_UNCOUNTED
		q->abandoned++;
#endif /* else bug: kept forever, and nobody knows */
		return FQ_ABANDONED;
	}
	q->state[ref] = FQ_WAITING;
#ifdef FIFOQ_BUG_EARLY_REQUEUE
	/* bug: "a queued ref waits behind every other free one, the peer will be done by the time it
	 * comes round": it is queued now, while mapped, and fq_service queues it again */
	queue_put(q, ref);
#endif
	return FQ_PARKED;
}

unsigned fq_service(struct fifoq *q)
{
	unsigned todo = q->p_len, given = 0;

	while (todo--) {
		struct fq_parked p = park_get(q);

		if (!entry_end(&q->gnttab[p.ref])) {
			park_put(q, p.ref, p.frame); /* a slot was just freed: back at the tail */
			continue;
		}
#ifndef FIFOQ_BUG_LOST_REF
		q->state[p.ref] = FQ_QUEUED;
		queue_put(q, p.ref);
#endif /* else bug: the page goes back, the ref never does */
		q->give_back(q->cookie, p.frame);
		given++;
	}
	return given;
}

unsigned fq_abandoned(const struct fifoq *q)
{
	return q->abandoned;
}
