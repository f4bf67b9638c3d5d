/* dev_stale.h - the stale-map check of the PV device backends (stale-map strategies): a grant the
 * frontend has finished with must not map any more.
 *
 * The device remembers every gref a request gave it (ds_remember, once its response is out and
 * the device let go of every map of it), and whether the frontend's end of it was `clean`: no map
 * of ours can have been up when it ended it (the device mapped it again after the answer and was
 * refused, with no map held in between). As soon as the frontend has consumed the answer (the
 * ring's rsp_event, which RING_FINAL_CHECK_FOR_RESPONSES moves past what it handled: blkfront and
 * netfront end a request's grants while they handle its answer) the device maps it again,
 * read-write, else read-only. A correct library ended it (refused: forgotten) or granted the ref
 * afresh for a new request (the frontend names it: ds_named, excused). A map that works is held
 * `hold` seconds and watched by the black-box oracle (dev_watch.h: the page changing under it is
 * REUSED-*), while the target's own oracle sees the ref granted again, or the page freed, under
 * it. For a clean end whose map shows the very bytes the request had there (`evidence`: a digest of
 * the request's region of the page, taken when the device served it; the ref granted afresh for
 * something else, another device of the same domain, shows another page) it is also reported once
 * it has outlived a grace (`grace` seconds AND a drained ring, as dev_watch's) without the ref
 * being named:
 *   peer: STALE-MAP device=D ref=R req=ID mode=rw|ro ring=K answered-ms-ago=T region=OFF+LEN
 * (the library answered "ended" and left the entry live, on the same page). After an end that may have met a map
 * of ours a live entry is no finding by itself: the library may be retrying a deferred end, or
 * have written the page off and keep the grant forever (Linux's drivers do when a backend still
 * maps at completion); such a map is held for the oracles only, then let go and tried once more
 * once the frontend consumed an answer pushed after that, and then another one (two polls: the
 * tick between them retried a deferred end), and `quiet` seconds passed; a map that works then is
 * held and watched again. A map that works while the frontend is no longer Connected is let go
 * unjudged (a frontend that closed may grant refs for other ends). Pure C on the caller's
 * map/unmap: unit-tested alone (peer/tests/test_dev_stale.c).
 */
#ifndef PEER_DEV_STALE_H
#define PEER_DEV_STALE_H

#include <stdint.h>
#include <stdio.h>
#include "dev_watch.h"

#define DS_MAX 256
#define DS_RINGS 2           /* vif: tx and rx; vbd uses ring 0 */
#define DS_PAGE 200u         /* the `page` a stale map is watched as (dev_watch's REUSED-* lines) */

struct ds_ops {
	void *ctx;
	void *(*map)(void *ctx, uint32_t ref, int rw);   /* the mapped page, NULL refused */
	void (*unmap)(void *ctx, void *addr);
	int (*connected)(void *ctx);                      /* the frontend is Connected now */
	int (*holds)(void *ctx, uint32_t ref);            /* optional: the device still maps ref */
};

enum ds_phase { DS_FIRST = 0, DS_SECOND, DS_SECOND_SEEN };  /* before the first try, the second, progress seen once */

struct ds_entry {
	uint8_t in_use, held, rw, reported, ring, phase;
	uint8_t clean;               /* no map of ours was up when the frontend ended it: a live entry is a finding */
	uint16_t ev_off, ev_len;     /* the request's bytes of the page ... */
	uint64_t ev_digest;          /* ... and their digest (0: no evidence, never reported) */
	uint32_t ref;
	uint64_t req;
	uint32_t rsp_idx;            /* the ring index of the response that finished with it */
	uint32_t after[DS_RINGS];    /* each ring's response producer when we let go of it (then at the first progress) */
	double answered, quiet_from, hit_at;
	unsigned tries;
	void *addr;
};

struct dev_stale {
	const char *device;
	double quiet, grace, hold;
	struct dev_watch *w;         /* the clock, the drained ring, and the watch on every hit */
	struct ds_ops ops;
	FILE *out;
	uint64_t remembered, tries, refused, hits_rw, hits_ro, excused, reports, dropped, elsewhere;
	struct ds_entry e[DS_MAX];
};

#define DS_QUIET_S 0.05      /* no map of ours for this long before the second try */
#define DS_HOLD_S 0.3        /* a map that works kept this long, watched */

void ds_init(struct dev_stale *s, const char *device, struct dev_watch *w, const struct ds_ops *ops, FILE *out);
/* What the request's page showed in [off, off+len) when the device served it. */
struct ds_evidence {
	unsigned off, len;
	uint64_t digest;             /* ds_digest(): 0 none (all zero: no evidence) */
};
uint64_t ds_digest(const volatile uint8_t *p, unsigned len);
/* The response rsp_idx (on ring `ring`) finished request req, which named ref; the device holds
 * no map of it any more; prod[k]: ring k's response producer now (rsp_prod_pvt); clean: the
 * device saw the frontend's end with no map of its own up (a map after the answer was refused);
 * ev: what the page showed (NULL: nothing known, never reported). */
void ds_remember(struct dev_stale *s, uint32_t ref, uint64_t req, unsigned ring, uint32_t rsp_idx,
		 const uint32_t prod[DS_RINGS], int clean, const struct ds_evidence *ev);
/* A request named ref: granted afresh, legitimately the device's again. */
void ds_named(struct dev_stale *s, uint32_t ref);
/* consumed[k]: ring k's responses the frontend has consumed (its rsp_event - 1); prod[k]: ring k's
 * response producer now. Tries the due maps, judges and lets go of held ones. Returns new
 * STALE-MAP reports. */
unsigned ds_step(struct dev_stale *s, const uint32_t consumed[DS_RINGS], const uint32_t prod[DS_RINGS]);
/* Let go of everything, unjudged (the frontend left, or the end): no report. */
void ds_reset(struct dev_stale *s);

#endif
