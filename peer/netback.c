/* netback.c - gntfuzz-peer --device vif: the device set up as a toolstack does (dev_xenbus.h), the
 * netback's side of the handshake, the service loop, the strategy's closes and reconnects, the
 * maps it keeps (watched by the black-box oracle, dev_watch.h), and the verdict line. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "netback.h"

#define NB_GRACE 0.2            /* s a watched change may wait for the request that names its ref */
#define NB_RECONNECT_WAIT 1.0   /* s the frontend has to come back after a reconnect */
#define NB_LOOP_PERIOD 0.3      /* s between two closes of reconnect-loop */
#define NB_LOOP_RESPONSES 10    /* ... or after this many responses */
#define NB_AFTER_CLOSE 0.5      /* s we keep watching after the frontend closed on its own */

static const char NB_MAC[] = "00:16:3e:6e:66:01";   /* the backend's (the toolstack writes it) */
static const char FE_MAC[] = "00:16:3e:6e:66:02";   /* the frontend's */

static double clock_now(void *ctx)
{
	(void)ctx;
	return dev_now();
}

static void parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)strtoul(s + 3 * i, NULL, 16);
}

int nb_keep(struct nb *n, uint8_t *addr, uint32_t ref, int rw, uint64_t req, unsigned page, unsigned off, unsigned len,
	    enum nb_hold how)
{
	for (int i = 0; i < NB_MAX_HOLD; i++) {
		struct nb_map *m = &n->maps[i];
		if (m->in_use)
			continue;
		*m = (struct nb_map){ .in_use = 1, .rw = !!rw, .ref = ref, .addr = addr,
				      .release_at = how == NB_HOLD_TIMED ? dev_now() + NB_HOLD_MS / 1e3 : 0 };
		n->held++;
		/* watched from before the response on: a snapshot, also of a read-write map (the
		 * frontend still reads the frame we wrote there) */
		if (dw_watch_region(&n->w, addr, ref, rw, DW_SNAPSHOT, req, page, off, len) < 0 && n->p->verbose)
			fprintf(stderr, "peer: vif: the watch list is full, ref %u kept unwatched\n", ref);
		return 0;
	}
	xengnttab_unmap(n->x.xgt, addr, 1); /* no room to keep it: let it go at once */
	return 0;
}

void nb_release_due(struct nb *n, int all)
{
	double now = dev_now();
	for (int i = 0; i < NB_MAX_HOLD; i++) {
		struct nb_map *m = &n->maps[i];
		if (!m->in_use || (!all && (!m->release_at || now < m->release_at)))
			continue;
		dw_unwatch(&n->w, m->addr); /* checked once more before it goes */
		xengnttab_unmap(n->x.xgt, m->addr, 1);
		m->in_use = 0;
	}
}

void nb_named(struct nb *n, uint32_t ref)
{
	dw_named(&n->w, ref);
	ds_named(&n->st, ref);
}

/* stale-map's maps: straight through libxengnttab, never kept past the check */
static void *stale_map(void *ctx, uint32_t ref, int rw)
{
	struct nb *n = ctx;
	return xengnttab_map_grant_ref(n->x.xgt, n->x.target, ref, rw ? PROT_READ | PROT_WRITE : PROT_READ);
}

static void stale_unmap(void *ctx, void *addr)
{
	struct nb *n = ctx;
	xengnttab_unmap(n->x.xgt, addr, 1);
}

/* a frontend may use the device from Initialised and never write Connected */
static int stale_connected(void *ctx)
{
	struct nb *n = ctx;
	int fe = dev_xb_fe_state(&n->x);
	return n->connected && !n->broken && (fe == XenbusStateConnected || fe == XenbusStateInitialised);
}

void nb_stale_init(struct nb *n)
{
	const struct ds_ops ops = { .ctx = n, .map = stale_map, .unmap = stale_unmap, .connected = stale_connected };
	ds_init(&n->st, "vif", &n->w, &ops, stdout);
}

void nb_stale_step(struct nb *n)
{
	if (!n->s->stale || !n->connected || n->broken)
		return;
	const uint32_t consumed[DS_RINGS] = { *(volatile RING_IDX *)&n->tx.sring->rsp_event - 1,
					      *(volatile RING_IDX *)&n->rx.sring->rsp_event - 1 };
	const uint32_t prod[DS_RINGS] = { n->tx.rsp_prod_pvt, n->rx.rsp_prod_pvt };
	ds_step(&n->st, consumed, prod);
}

/* The frontend's keys once it says Connected (or Initialised): rings, channels, rx mode. */
static int nb_connect(struct nb *n, double timeout)
{
	unsigned long v;
	int st = dev_xb_wait_fe(&n->x, (1u << XenbusStateInitialised) | (1u << XenbusStateConnected), timeout);
	if (st < 0) {
		if (st == -1)
			fprintf(stderr, "peer: vif: the frontend %s did not connect within %.1fs (state %s)\n", n->x.fe_path,
				timeout, dev_xb_state_name(dev_xb_fe_state(&n->x)));
		return -1;
	}
	int rc = dev_xb_fe_uint(&n->x, "multi-queue-num-queues", 0xffff, &v);
	if (rc == -2 || (rc == 0 && v != 1)) {
		fprintf(stderr, "peer: vif: frontend %s: multi-queue-num-queues is not 1 (we offer one queue)\n", n->x.fe_path);
		return -1;
	}
	rc = dev_xb_fe_uint(&n->x, "request-rx-copy", 1, &v);
	if (rc || v != 1) {
		fprintf(stderr, "peer: vif: frontend %s: request-rx-copy is %s (page flipping is not offered)\n", n->x.fe_path,
			rc == -1 ? "missing" : rc == -2 ? "not 0 or 1" : "0");
		return -1;
	}
	if (dev_xb_map_ring(&n->x, "tx-ring-ref", 0, &n->txr) || dev_xb_map_ring(&n->x, "rx-ring-ref", 0, &n->rxr))
		goto fail;
	n->rx_port = -1;
	if (dev_xb_fe_uint(&n->x, "event-channel-tx", UINT32_MAX, &v) != -1) { /* split channels */
		unsigned long rxp;
		if (dev_xb_bind(&n->x, "event-channel-tx"))
			goto fail;
		rc = dev_xb_fe_uint(&n->x, "event-channel-rx", UINT32_MAX, &rxp);
		if (rc) {
			fprintf(stderr, "peer: vif: frontend %s: event-channel-rx %s\n", n->x.fe_path,
				rc == -1 ? "is missing beside event-channel-tx" : "is not a port");
			goto fail;
		}
		n->rx_port = xenevtchn_bind_interdomain(n->x.xce, n->x.target, (evtchn_port_t)rxp);
		if (n->rx_port < 0) {
			fprintf(stderr, "peer: vif: frontend %s: cannot bind event-channel-rx %lu: %s\n", n->x.fe_path, rxp,
				strerror(errno));
			goto fail;
		}
	} else if (dev_xb_bind(&n->x, "event-channel"))
		goto fail;
	BACK_RING_INIT(&n->tx, (struct netif_tx_sring *)n->txr.addr, 4096);
	BACK_RING_INIT(&n->rx, (struct netif_rx_sring *)n->rxr.addr, 4096);
	n->connected = 1;
	n->broken = 0;
	n->qhead = n->qtail = 0;
	n->last_activity = dev_now();
	if (dev_xb_set_state(&n->x, XenbusStateConnected))
		goto fail;
	peer_log(n->p, "vif: connected: tx-ring-ref %u rx-ring-ref %u port %d rx port %d", n->txr.refs[0], n->rxr.refs[0],
		 n->x.port, n->rx_port);
	return 0;
fail:
	n->connected = 0;
	dev_xb_unmap_ring(&n->x, &n->txr);
	dev_xb_unmap_ring(&n->x, &n->rxr);
	dev_xb_unbind(&n->x);
	if (n->rx_port >= 0)
		xenevtchn_unbind(n->x.xce, (evtchn_port_t)n->rx_port);
	n->rx_port = -1;
	return -1;
}

/* Let go of the rings and channels (the data maps are the strategy's business). */
static void nb_disconnect(struct nb *n)
{
	if (!n->connected)
		return;
	nb_peek_named(n);
	ds_reset(&n->st); /* unjudged: the frontend is leaving */
	n->connected = 0;
	dev_xb_unmap_ring(&n->x, &n->txr);
	dev_xb_unmap_ring(&n->x, &n->rxr);
	dev_xb_unbind(&n->x);
	if (n->rx_port >= 0)
		xenevtchn_unbind(n->x.xce, (evtchn_port_t)n->rx_port);
	n->rx_port = -1;
}

/* Closing, the frontend's Closed, our Closed, then InitWait and a new connection. */
static int nb_cycle(struct nb *n)
{
	dev_xb_set_state(&n->x, XenbusStateClosing);
	dev_xb_wait_fe(&n->x, (1u << XenbusStateClosing) | (1u << XenbusStateClosed), NB_RECONNECT_WAIT);
	nb_disconnect(n);
	dev_xb_set_state(&n->x, XenbusStateClosed);
	dev_xb_wait_let_go(&n->x, NB_RECONNECT_WAIT); /* Closed, or a frontend that stops at Closing */
	dev_xb_set_state(&n->x, XenbusStateInitWait);
	/* the frontend must first leave the Closed (or Closing) of the last connection; it may come
	 * back through Initialising, Initialised, or straight to Connected */
	dev_xb_wait_fe(&n->x, (1u << XenbusStateInitialising) | (1u << XenbusStateInitialised) | (1u << XenbusStateConnected),
		       NB_RECONNECT_WAIT);
	if (nb_connect(n, NB_RECONNECT_WAIT))
		return -1;
	n->reconnects++; /* the frontend came back */
	return 0;
}

static int setup(struct nb *n)
{
	char handle[16];
	snprintf(handle, sizeof(handle), "%u", n->o->devid);
	const char *fe_kv[] = { "handle", handle, "mac", FE_MAC, NULL };
	const char *be_kv[] = { "handle", handle, "mac", NB_MAC, "type", "vif", NULL };
	if (n->o->attach_existing ? dev_xb_attach_existing(&n->x) : dev_xb_create(&n->x, fe_kv, be_kv))
		return -1;
	/* what this netback offers: copy-mode rx, scatter-gather tx, one queue, split channels */
	if (dev_xb_write(&n->x, "feature-rx-copy", "1") || dev_xb_write(&n->x, "feature-rx-flip", "0") ||
	    dev_xb_write(&n->x, "feature-sg", "1") || dev_xb_write(&n->x, "feature-gso-tcpv4", "0") ||
	    dev_xb_write(&n->x, "feature-gso-tcpv6", "0") || dev_xb_write(&n->x, "feature-ipv6-csum-offload", "0") ||
	    dev_xb_write(&n->x, "feature-multicast-control", "0") || dev_xb_write(&n->x, "feature-ctrl-ring", "0") ||
	    dev_xb_write(&n->x, "feature-split-event-channels", "1") || dev_xb_write(&n->x, "multi-queue-max-queues", "1") ||
	    dev_xb_set_state(&n->x, XenbusStateInitWait))
		return -1;
	return 0;
}

static void finish_watch(struct nb *n)
{
	nb_peek_named(n);
	dw_check(&n->w);
	dw_finish(&n->w);
}

int peer_run_vif(struct peer *p, const struct dev_opts *o)
{
	static struct nb n;
	memset(&n, 0, sizeof(n));
	n.p = p, n.o = o, n.rx_port = -1;
	n.s = nb_strategy(o->strategy);
	if (!n.s) {
		fprintf(stderr, "peer: --device vif: unknown strategy %s (--list vif-strategies)\n", o->strategy);
		return 2;
	}
	parse_mac(NB_MAC, n.mac);
	parse_mac(FE_MAC, n.fe_mac);
	dev_xb_init(&n.x, p->xgt, p->xce, p->xsh, p->self, p->target, "vif", o->devid);
	dw_init(&n.w, "vif", NB_GRACE, clock_now, NULL, stdout);
	nb_stale_init(&n);
	char mac[24];
	int bad_setup = setup(&n);
	if (!bad_setup && dev_xb_fe_read(&n.x, "mac", mac, sizeof(mac)) == 0 && strlen(mac) == 17)
		parse_mac(mac, n.fe_mac); /* an xl-made vif: the guest's own address, for our pings */
	if (bad_setup || nb_connect(&n, o->connect_timeout)) {
		dev_xb_remove(&n.x);
		return 1;
	}
	double start = dev_now(), end = start + o->duration, next_cycle = start + NB_LOOP_PERIOD, fe_closed_at = 0;
	int closed_by_us = 0;
	uint64_t cycle_mark = 0;
	while (dev_now() < end) {
		dev_xb_wait_event(&n.x, 2);
		nb_service_tx(&n);
		nb_service_rx(&n);
		nb_idle(&n);
		nb_release_due(&n, 0);
		if (n.s->speculate)
			nb_speculate(&n, !n.connected);
		nb_stale_step(&n);
		if (n.connected && !n.broken) {
			/* tx all taken and every posted rx buffer looked at: a change seen now has no
			 * request on its way that could excuse it */
			int more;
			RING_FINAL_CHECK_FOR_REQUESTS(&n.tx, more); /* re-arm req_event: the frontend notifies */
			if (!more) {
				nb_peek_named(&n);
				dw_drained(&n.w);
			}
			if (n.qhead != n.qtail) /* frames wait for rx buffers: be told when some are posted */
				RING_FINAL_CHECK_FOR_REQUESTS(&n.rx, more);
		} else if (!n.connected)
			dw_drained(&n.w); /* no ring: nothing on its way */
		dw_check(&n.w);
		double now = dev_now();
		int fe = dev_xb_fe_state(&n.x);
		if (n.connected && (fe == XenbusStateClosing || fe == XenbusStateClosed || fe < 0)) {
			/* the frontend leaves: let go of the rings, answer Closed */
			nb_disconnect(&n);
			dev_xb_set_state(&n.x, XenbusStateClosed);
			fe_closed_at = now;
		}
		if (fe_closed_at && !closed_by_us && now - fe_closed_at >= NB_AFTER_CLOSE)
			break;
		if (n.s->close == NB_CLOSE_EARLY && !closed_by_us && now - start >= 0.3) {
			nb_disconnect(&n); /* every map kept */
			dev_xb_set_state(&n.x, XenbusStateClosed);
			closed_by_us = 1;
		}
		/* close and reconnect after every NB_LOOP_RESPONSES responses (or NB_LOOP_PERIOD): the
		 * frontend's next connection takes pages while the last one's are still mapped */
		if ((n.s->close == NB_CLOSE_LOOP || (n.s->close == NB_CLOSE_ONCE && !n.reconnects)) && n.connected &&
		    (now >= next_cycle || n.responses - cycle_mark >= NB_LOOP_RESPONSES)) {
			if (nb_cycle(&n))
				closed_by_us = 1; /* the frontend did not come back: watch the maps to the end */
			next_cycle = dev_now() + NB_LOOP_PERIOD;
			cycle_mark = n.responses;
		}
	}
	ds_reset(&n.st);
	finish_watch(&n);
	nb_release_due(&n, 1);
	nb_speculate(&n, 1);
	int fe = dev_xb_fe_state(&n.x);
	if (n.connected) { /* as a toolstack unplugs: Closing, the frontend lets go, then removal */
		dev_xb_set_state(&n.x, XenbusStateClosing);
		dev_xb_wait_fe(&n.x, (1u << XenbusStateClosing) | (1u << XenbusStateClosed), NB_RECONNECT_WAIT / 2);
	}
	nb_disconnect(&n);
	dev_xb_set_state(&n.x, XenbusStateClosed);
	dev_xb_remove(&n.x);
	printf("peer: verdict device=vif strategy=%s target=%u devid=%u requests=%llu responses=%llu held=%llu "
	       "observations=%llu frontend=%s maps=%llu map_failures=%llu copies=%llu copy_failures=%llu delivered=%llu "
	       "bad_requests=%llu lies=%llu events=%llu pings=%llu pongs=%llu reconnects=%llu race_maps=%llu spec_maps=%llu tx_writes=%llu excused=%llu exposed=%llu "
	       "stale_tries=%llu stale_maps=%llu stale_excused=%llu stale=%llu result=%s\n",
	       n.s->name, p->target, o->devid, (unsigned long long)n.tx_frames, (unsigned long long)n.responses,
	       (unsigned long long)n.held, (unsigned long long)n.w.observations, dev_xb_state_name(fe),
	       (unsigned long long)n.maps_ok, (unsigned long long)n.map_failures, (unsigned long long)n.copies,
	       (unsigned long long)n.copy_failures, (unsigned long long)n.rx_delivered, (unsigned long long)n.tx_bad,
	       (unsigned long long)n.lies, (unsigned long long)n.events, (unsigned long long)n.pings,
	       (unsigned long long)n.pongs, (unsigned long long)n.reconnects, (unsigned long long)n.race_maps,
	       (unsigned long long)n.spec_maps, (unsigned long long)n.tx_writes, (unsigned long long)n.w.excused,
	       (unsigned long long)n.w.exposed, (unsigned long long)n.st.tries,
	       (unsigned long long)(n.st.hits_rw + n.st.hits_ro), (unsigned long long)n.st.excused,
	       (unsigned long long)n.st.reports, n.w.observations ? "caught" : "held");
	return n.w.observations ? 3 : 0;
}
