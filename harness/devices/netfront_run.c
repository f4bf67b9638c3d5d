/* netfront_run.c - one vif device run on a host (devfront.h): wait for device/vif/<devid> to appear
 * (hot-plug), follow the backend through the xenbus states (reconnecting when it comes back),
 * keep up to p->inflight frames in flight until p->requests were sent, close cleanly, let the
 * library's deferred work finish, and report. Freestanding. */
#include "netfront.h"
#include "xenbus_fe.h"

#define NF_STEP_MS 5u
#define NF_XS_EVERY 2u          /* loop turns between looks at the backend's state */
#define NF_CLOSE_WAIT_MS 1000u  /* for the backend to let go of the rings after our Closing */
#define NF_GONE_MS 1000u        /* the backend closed and did not come back: the run is over */
#define NF_SETTLE_MS 100u       /* after the last frame: replies still on their way */

static void fill_stats(const struct netfront *nf, struct dev_stats *st)
{
	const struct nf_counters *c = &nf->c;
	st->sent = c->tx_frames;
	st->completed = c->tx_done + c->tx_errors + c->rx_done + c->rx_errors;
	st->rsp_errors = c->tx_errors + c->rx_errors;
	st->unknown_ids = c->unknown_ids;
	st->dup_ids = c->dup_ids;
	st->bad_rsp = c->bad_status + c->bad_size + c->bad_offset + c->bad_flags;
	st->ring_overflows = c->ring_overflows;
	st->bad_backend = c->bad_backend_state;
	st->returned = c->returned;
	st->reused = c->reused;
	st->busy = c->busy;
	st->leaked = c->leaked;
	st->unshare_errors = c->unshare_errors;
	st->reclaimed = c->reclaimed;
	st->events = c->events;
	st->spurious_events = c->spurious_events;
	st->connects = c->connects;
	st->teardowns = c->teardowns;
	st->data_mismatch = c->bad_replies;
	st->ro_written = c->ro_written;
	st->spare = nf->nr_spare;
}

int netfront_run(const struct dev_host *h, const struct dev_params *p, struct dev_stats *st)
{
	static struct netfront nf;
	struct xbfe xb;
	const struct fe_ops *ops = h->ops;
	uint64_t start = h->now_ms(h->ctx), end = start + p->duration_ms, now = start;
	uint64_t gone_at = 0, finished_at = 0, closing_at = 0;
	int last_be = -2, finishing = 0;
	unsigned inflight = p->inflight ? p->inflight : 4;

	st->end = "?";
	if (inflight > NF_TX_SLOTS)
		inflight = NF_TX_SLOTS;
	for (;;) { /* hot-plug: the directory appears when the backend's toolstack writes it */
		int rc = xbfe_find(&xb, ops, "vif", p->devid);
		if (rc == 0)
			break;
		if (rc != -1 || (now = h->now_ms(h->ctx)) >= start + p->wait_ms) {
			st->end = rc != -1 ? "bad-devid" : "no-device";
			return DEV_SETUP;
		}
		h->wait(h->ctx, 0, 20);
	}
	if (nf_init(&nf, ops, xb.backend_id, xb.dir, xb.be_path) != FE_OK) {
		st->end = "bad-paths";
		return DEV_SETUP;
	}
	nf.xb_quirk = p->xenbus; /* from here on: Initialising is published as it is under every quirk */
	for (unsigned turn = 0; (now = h->now_ms(h->ctx)) < end; turn++) {
		/* the tx channel wakes us; the rx one (split channels) is found by the poll: a lost or
		 * coalesced event costs one step, never a stall */
		if (h->wait(h->ctx, nf.port, NF_STEP_MS) && nf.port)
			nf_event(&nf);
		else
			nf_poll(&nf);
		nf_tick(&nf);
		if (turn % NF_XS_EVERY == 0) {
			int be = xbfe_be_state(&xb);
			if (be != last_be) {
				last_be = be;
				if (!finishing || be == XenbusStateClosing || be == XenbusStateClosed)
					nf_otherend_changed(&nf);
			}
		}
		if (!finishing && nf.state == XenbusStateConnected && nf.be_connected)
			while (nf.c.tx_frames < p->requests && nf.tx_inflight < inflight)
				if (nf_send_next(&nf) != FE_OK)
					break;
		/* done: every frame sent and answered, a moment for the last replies, then close */
		if (!finishing && nf.c.tx_frames >= p->requests && !nf.tx_inflight && nf.state == XenbusStateConnected) {
			if (!finished_at)
				finished_at = now;
			else if (now - finished_at >= NF_SETTLE_MS) {
				finishing = 1;
				closing_at = now;
				nf_close(&nf);
			}
		}
		if (finishing && nf.state != XenbusStateClosed && now - closing_at >= NF_CLOSE_WAIT_MS)
			nf_teardown(&nf); /* the backend never let go: the library keeps what is still mapped */
		if (finishing && nf.state == XenbusStateClosed) {
			st->end = "all-done";
			break;
		}
		/* the backend closed us and did not come back */
		if (nf.state == XenbusStateClosed && nf.c.connects) {
			if (!gone_at)
				gone_at = now;
			else if (now - gone_at >= NF_GONE_MS) {
				st->end = "backend-closed";
				break;
			}
		} else
			gone_at = 0;
	}
	if (now >= end) {
		st->end = nf.c.connects ? "duration" : "never-connected";
		nf_teardown(&nf);
	}
	/* deferred pages come back once the backend unmaps: give it the rest of the run */
	while (h->deferred(h->ctx) && h->now_ms(h->ctx) < end) {
		nf_tick(&nf);
		h->wait(h->ctx, 0, 10);
	}
	/* what came back: answers that matched what we sent, and the peer's requests we answered */
	if (ops->log)
		ops->log(ops->ctx, "netfront: replies (arp+icmp+echoes, answered)",
			 nf.c.arp_replies + nf.c.icmp_replies + nf.c.echoes, nf.c.answered);
	fill_stats(&nf, st);
	return nf.c.connects ? DEV_DONE : DEV_SETUP;
}
