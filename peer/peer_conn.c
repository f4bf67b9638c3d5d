/* peer_conn.c - find the frontend through xenstore and connect as its backend, as a PV backend
 * does: read ring-ref and event-channel once the frontend is Initialised, map the ring, bind the
 * channel, publish our state. Everything goes through Debian's public libraries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "peer.h"

double peer_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void peer_log(struct peer *p, const char *fmt, ...)
{
	if (!p->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "peer: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int read_uint(struct peer *p, const char *dir, const char *key, unsigned long *out)
{
	char path[160];
	unsigned len = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	char *v = xs_read(p->xsh, XBT_NULL, path, &len);
	if (!v)
		return -1;
	char *end;
	errno = 0;
	*out = strtoul(v, &end, 10);
	int ok = len > 0 && *end == 0 && errno == 0;
	free(v);
	return ok ? 0 : -1;
}

int peer_set_state(struct peer *p, int state)
{
	char path[128], v[8];
	snprintf(path, sizeof(path), "%s/state", p->be_path);
	snprintf(v, sizeof(v), "%d", state);
	return xs_write(p->xsh, XBT_NULL, path, v, (unsigned)strlen(v)) ? 0 : -1;
}

int peer_connect(struct peer *p, double timeout)
{
	snprintf(p->fe_path, sizeof(p->fe_path), "/local/domain/%u/device/wl/0", p->target);
	snprintf(p->be_path, sizeof(p->be_path), "/local/domain/%u/backend/wl/%u/0", p->self, p->target);
	/* Our backend directory, readable by the frontend (it watches our state). */
	struct xs_permissions perms[2] = { { .id = p->self, .perms = XS_PERM_NONE },
					   { .id = p->target, .perms = XS_PERM_READ } };
	if (!xs_mkdir(p->xsh, XBT_NULL, p->be_path) || !xs_set_permissions(p->xsh, XBT_NULL, p->be_path, perms, 2)) {
		fprintf(stderr, "peer: cannot create %s in xenstore: %s\n", p->be_path, strerror(errno));
		return -1;
	}
	peer_set_state(p, XenbusStateInitWait);
	unsigned long state = 0, ring_ref = 0, port = 0;
	double end = peer_now() + timeout;
	while (peer_now() < end) {
		if (read_uint(p, p->fe_path, WL_XS_STATE, &state) == 0 && state == XenbusStateInitialised &&
		    read_uint(p, p->fe_path, WL_XS_RING_REF, &ring_ref) == 0 &&
		    read_uint(p, p->fe_path, WL_XS_EVTCHN, &port) == 0)
			break;
		state = 0;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (state != XenbusStateInitialised) {
		fprintf(stderr, "peer: no frontend became Initialised under %s within %.0fs\n", p->fe_path, timeout);
		return -1;
	}
	p->ring_page = xengnttab_map_grant_ref(p->xgt, p->target, (uint32_t)ring_ref, PROT_READ | PROT_WRITE);
	if (!p->ring_page) {
		fprintf(stderr, "peer: cannot map the ring (ref %lu): %s\n", ring_ref, strerror(errno));
		return -1;
	}
	BACK_RING_INIT(&p->ring, (struct wl_sring *)p->ring_page, WL_PAGE_SIZE);
	p->port = xenevtchn_bind_interdomain(p->xce, p->target, (evtchn_port_t)port);
	if (p->port < 0) {
		fprintf(stderr, "peer: cannot bind to the frontend's port %lu: %s\n", port, strerror(errno));
		return -1;
	}
	if (peer_set_state(p, XenbusStateConnected) < 0) {
		fprintf(stderr, "peer: cannot publish Connected\n");
		return -1;
	}
	p->connected = 1;
	peer_log(p, "connected: ring-ref %lu, remote port %lu, local port %d", ring_ref, port, p->port);
	return 0;
}

int peer_take_request(struct peer *p)
{
	if (!p->connected || p->nreqs >= PEER_MAX_REQS)
		return -1;
	RING_IDX prod = p->ring.sring->req_prod;
	xen_rmb();
	/* a hostile frontend is not our concern, but never trust more than a ring's worth */
	if (prod - p->ring.req_cons > RING_SIZE(&p->ring) || p->ring.req_cons == prod)
		return -1;
	struct wl_request r;
	memcpy(&r, RING_GET_REQUEST(&p->ring, p->ring.req_cons), sizeof(r));
	p->ring.req_cons++;
	struct preq *q = &p->reqs[p->nreqs];
	q->id = r.id;
	q->gref = r.gref;
	q->map = -1;
	q->answered = 0;
	peer_log(p, "request id %u gref %u", r.id, r.gref);
	return (int)p->nreqs++;
}

void peer_respond(struct peer *p, uint16_t id, int16_t status)
{
	struct wl_response *rsp = RING_GET_RESPONSE(&p->ring, p->ring.rsp_prod_pvt);
	rsp->id = id;
	rsp->status = status;
	p->ring.rsp_prod_pvt++;
	if (p->ring.rsp_prod_pvt > p->ring.req_cons)
		p->ring_dirty = 1; /* a response landed on a request slot we have not read */
	RING_PUSH_RESPONSES(&p->ring);
	p->responses++;
	p->last_answered = id;
}

void peer_notify(struct peer *p)
{
	if (xenevtchn_notify(p->xce, (evtchn_port_t)p->port) == 0)
		p->events_sent++;
}

void peer_drain_events(struct peer *p, int wait_ms)
{
	struct pollfd pfd = { xenevtchn_fd(p->xce), POLLIN, 0 };
	if (poll(&pfd, 1, wait_ms) == 1 && (pfd.revents & POLLIN)) {
		int port = xenevtchn_pending(p->xce);
		if (port >= 0)
			xenevtchn_unmask(p->xce, (evtchn_port_t)port);
	}
}
