/* badfront.c - test-devworld's frontend (front.mk): one read request at a time on a one-page blkif
 * ring, written directly on the frontend seam (its adapter is this file). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>
#include "front_seam.h"

#define DIR "device/vbd/0"
static const struct dev_host *h;
static char be[96];

static int be_state(void)
{
	char path[128], v[16];
	snprintf(path, sizeof path, "%s/state", be);
	if (h->ops->xs_read(h->ops->ctx, path, v, sizeof v))
		return -1;
	int s = 0;
	for (char *c = v; *c >= '0' && *c <= '9' && s < 100; c++)
		s = s * 10 + *c - '0';
	return s;
}

static void put(const char *key, unsigned v)
{
	char path[64], val[16];
	snprintf(path, sizeof path, DIR "/%s", key);
	snprintf(val, sizeof val, "%u", v);
	h->ops->xs_write(h->ops->ctx, path, val);
}

struct req { uint64_t frame; grant_ref_t ref; int live; };
static struct req reqs[4];
static struct req *table[4] = { &reqs[0], &reqs[1], &reqs[2], &reqs[3] };

/* Give a page up: ours again only if the library said the grant ended. */
static void end_req(struct req *r)
{
	r->live = 0;
	if (h->ops->unshare(h->ops->ctx, r->ref, r->frame) == SEAM_OK)
		r->frame = 0; /* the library freed it */
	else
		r->frame = 0; /* the library keeps it: never touched again */
}

static int run(const struct dev_host *host, const struct dev_params *p, struct dev_stats *st)
{
	const struct fe_ops *o = host->ops;
	h = host;
	if (o->xs_read(o->ctx, DIR "/backend", be, sizeof be))
		return DEV_SETUP;
	put("state", XenbusStateInitialising);
	while (be_state() != XenbusStateInitWait)
		if (be_state() < 0 || !h->wait(h->ctx, 0, 10))
			if (h->now_ms(h->ctx) > 5000)
				return DEV_SETUP;
	uint64_t rf;
	grant_ref_t rr;
	evtchn_port_t port;
	if (o->page_alloc(o->ctx, &rf))
		return DEV_SETUP;
	blkif_sring_t *s = o->page_mem(o->ctx, rf);
	memset(s, 0, 4096);
	SHARED_RING_INIT(s);
	blkif_front_ring_t ring;
	FRONT_RING_INIT(&ring, s, 4096);
	if (o->share(o->ctx, 0, rf, 0, &rr) != SEAM_OK || o->evtchn_alloc_unbound(o->ctx, 0, &port)) {
		o->page_free(o->ctx, rf);
		return DEV_SETUP;
	}
	put("ring-ref", rr);
	put("event-channel", port);
	o->xs_write(o->ctx, DIR "/protocol", XEN_IO_PROTO_ABI_NATIVE);
	put("state", XenbusStateInitialised);
	unsigned id = 0, connected = 0;
	for (;;) {
		int bs = be_state();
#ifdef BADFRONT_SPIN_ON_CLOSING
		while (bs == XenbusStateClosing || bs == XenbusStateClosed) /* mutant: never waits */
			bs = be_state() == XenbusStateClosed ? XenbusStateClosing : be_state();
#endif
		if (bs == XenbusStateConnected && !connected) {
			connected = 1;
			put("state", XenbusStateConnected);
		}
		if (bs < 0 || bs == XenbusStateClosing || bs == XenbusStateClosed || h->now_ms(h->ctx) > p->duration_ms)
			break;
		struct req *r = &reqs[id % 4];
		if (connected && !r->live && !o->page_alloc(o->ctx, &r->frame)) {
			if (o->share(o->ctx, 0, r->frame, 0, &r->ref) != SEAM_OK) {
				o->page_free(o->ctx, r->frame);
			} else {
				blkif_request_t *q = RING_GET_REQUEST(&ring, ring.req_prod_pvt);
				q->operation = BLKIF_OP_READ;
				q->nr_segments = 1;
				q->handle = 0;
				q->id = id % 4;
				q->sector_number = 0;
				q->seg[0].gref = r->ref;
				q->seg[0].first_sect = 0;
				q->seg[0].last_sect = 7;
				ring.req_prod_pvt++;
				RING_PUSH_REQUESTS(&ring);
				o->evtchn_notify(o->ctx, port);
				r->live = 1;
				id++;
			}
		}
		RING_IDX rp = s->rsp_prod;
		xen_rmb();
		for (unsigned n = 0; ring.rsp_cons != rp && n < 8; n++) {
			blkif_response_t *rsp = RING_GET_RESPONSE(&ring, ring.rsp_cons++);
			struct req *a = rsp->id < 4 ? table[rsp->id] : NULL;
#ifdef BADFRONT_CRASH_ON_ID
			if (a->live) /* mutant: every id is taken to be one it issued */
#else
			if (a && a->live)
#endif
				end_req(a);
		}
		h->wait(h->ctx, port, 5);
	}
	put("state", XenbusStateClosing);
	for (unsigned i = 0; i < 4; i++)
		if (reqs[i].live)
			end_req(&reqs[i]);
	if (o->unshare(o->ctx, rr, rf) != SEAM_OK)
		rf = 0;
	put("state", XenbusStateClosed);
#ifdef BADFRONT_STUCK_AT_CLOSE
	while (be_state() != XenbusStateInitWait) /* mutant: waits for its backend to come back, forever */
		h->wait(h->ctx, 0, 10);
#endif
	while (h->deferred(h->ctx) && h->now_ms(h->ctx) <= p->duration_ms + 1000)
		o->tick(o->ctx), h->wait(h->ctx, 0, 10);
	memset(reqs, 0, sizeof reqs);
	st->end = "backend gone";
	return connected ? DEV_DONE : DEV_SETUP;
}

const struct front_adapter gntfuzz_front_vbd = { "badfront", "vbd", run };
