/* fifoq.h - a grant library built around queues, the way a message-passing OS writes one.
 *
 *  - Free refs wait in a FIFO: the ref given back longest ago is the next one handed out, so a
 *    ref that just came back is reused as late as possible.
 *  - A grant given up while the peer still maps it is "parked" on a bounded ring with its page;
 *    fq_service() (the owner calls it from its event loop) retries the parked grants in order.
 *    With the ring full, the grant is abandoned: page and ref kept forever, and counted.
 *
 * All state is in one `struct fifoq` the owner provides (no globals); calls answer an
 * `enum fq_status`. Grant table v1 only. Freestanding: <stdint.h> and Xen's public headers.
 * Build-time mutants: -DFIFOQ_BUG_<NAME> (target.mk lists them).
 */
#ifndef FIFOQ_H
#define FIFOQ_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#define FQ_MAX_REFS     256u   /* the largest table fq_open accepts */
#define FQ_PARK_MAX     64u    /* parking slots at most */
#define FQ_PARK_DEFAULT 16u    /* parking slots when the owner asks for 0 */

enum fq_status {
	FQ_DONE = 0,        /* done (fq_release: the page went back through give_back) */
	FQ_PARKED,          /* still mapped: parked with its page, fq_service retries */
	FQ_ABANDONED,       /* still mapped and no parking slot: page and ref kept forever */
	FQ_INUSE,           /* fq_withdraw: the peer still maps it, nothing changed */
	FQ_EMPTY,           /* no free ref */
	FQ_INVALID,         /* bad argument, or the ref is not in the state the call needs */
};

/* Where a ref is (fq.state[ref]). */
enum fq_ref_state { FQ_QUEUED = 0, FQ_OUT, FQ_WITHDRAWN, FQ_WAITING, FQ_LOST, FQ_NOT_OURS };

struct fq_parked {
	grant_ref_t ref;
	uint64_t frame;
};

struct fifoq {
	grant_entry_v1_t *gnttab;
	grant_ref_t lo, hi;                  /* our refs: lo .. hi-1 */
	uint8_t state[FQ_MAX_REFS];
	grant_ref_t queue[FQ_MAX_REFS];      /* free refs, a ring: q_head is the oldest */
	unsigned q_head, q_len;
	struct fq_parked park[FQ_PARK_MAX];  /* parked grants, a ring */
	unsigned p_head, p_len, p_cap;
	unsigned abandoned;
	void (*give_back)(void *cookie, uint64_t frame); /* the page is the owner's again */
	void *cookie;
};

/* Start over: refs lo..hi-1 of `gnttab` are ours. FQ_DONE or FQ_INVALID. */
enum fq_status fq_open(struct fifoq *q, grant_entry_v1_t *gnttab, grant_ref_t lo, grant_ref_t hi,
		       unsigned park_slots, void (*give_back)(void *cookie, uint64_t frame), void *cookie);

/* Offer `frame` to domid; *ref gets the ref. FQ_DONE, FQ_EMPTY, FQ_INVALID (frame > 32 bits). */
enum fq_status fq_offer(struct fifoq *q, domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref);

/* Take the offer back, keep ref and page: FQ_DONE or FQ_INUSE (nothing changed). */
enum fq_status fq_withdraw(struct fifoq *q, grant_ref_t ref);

/* Queue a withdrawn ref again. */
enum fq_status fq_recycle(struct fifoq *q, grant_ref_t ref);

/* Withdraw, then give up ref and page: FQ_DONE, FQ_PARKED or FQ_ABANDONED. */
enum fq_status fq_release(struct fifoq *q, grant_ref_t ref, uint64_t frame);

/* Retry every grant parked when it starts, once, oldest first. Returns the pages given back. */
unsigned fq_service(struct fifoq *q);

/* Grants abandoned so far. */
unsigned fq_abandoned(const struct fifoq *q);

#endif
