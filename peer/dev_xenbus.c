/* dev_xenbus.c - a PV device's xenbus side, as a backend: see dev_xenbus.h. Debian's libxenstore,
 * libxengnttab and libxenevtchn only. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "dev_xenbus.h"

double dev_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void dev_sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6) };
	nanosleep(&ts, NULL);
}

const char *dev_xb_state_name(int s)
{
	static const char *const n[] = { "Unknown", "Initialising", "InitWait", "Initialised", "Connected",
					 "Closing", "Closed", "Reconfiguring", "Reconfigured" };
	return s >= 0 && s <= XenbusStateReconfigured ? n[s] : "Unreadable";
}

void dev_xb_init(struct dev_xb *x, xengnttab_handle *xgt, xenevtchn_handle *xce, struct xs_handle *xsh,
		 uint32_t self, uint32_t target, const char *type, unsigned devid)
{
	memset(x, 0, sizeof(*x));
	x->xgt = xgt, x->xce = xce, x->xsh = xsh;
	x->self = self, x->target = target, x->devid = devid;
	snprintf(x->type, sizeof(x->type), "%s", type);
	snprintf(x->fe_path, sizeof(x->fe_path), "/local/domain/%u/device/%s/%u", target, type, devid);
	snprintf(x->be_path, sizeof(x->be_path), "/local/domain/%u/backend/%s/%u/%u", self, type, target, devid);
	x->port = -1;
}

static int put(struct dev_xb *x, const char *dir, const char *key, const char *val)
{
	char path[DEV_PATH * 2];
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (xs_write(x->xsh, XBT_NULL, path, val, (unsigned)strlen(val)))
		return 0;
	fprintf(stderr, "peer: cannot write %s in xenstore: %s\n", path, strerror(errno));
	return -1;
}

/* A directory owned by `owner`, readable by `reader` (xl's permissions for device dirs). */
static int make_dir(struct dev_xb *x, const char *dir, uint32_t owner, uint32_t reader)
{
	struct xs_permissions perms[2] = { { .id = owner, .perms = XS_PERM_NONE },
					   { .id = reader, .perms = XS_PERM_READ } };
	if (xs_mkdir(x->xsh, XBT_NULL, dir) && xs_set_permissions(x->xsh, XBT_NULL, dir, perms, 2))
		return 0;
	fprintf(stderr, "peer: cannot create %s in xenstore: %s\n", dir, strerror(errno));
	return -1;
}

int dev_xb_create(struct dev_xb *x, const char *const *fe_kv, const char *const *be_kv)
{
	char v[32], path[DEV_PATH * 2];
	unsigned len = 0;
	/* never take over a device someone else serves (the guest's own disk); ours of an earlier
	 * run is stale and goes */
	snprintf(path, sizeof(path), "%s/backend", x->fe_path);
	char *owner = xs_read(x->xsh, XBT_NULL, path, &len);
	int foreign = owner && strcmp(owner, x->be_path);
	free(owner);
	if (foreign) {
		fprintf(stderr, "peer: %s exists with another backend: choose another --devid (or --attach existing)\n",
			x->fe_path);
		return -1;
	}
	xs_rm(x->xsh, XBT_NULL, x->be_path);
	xs_rm(x->xsh, XBT_NULL, x->fe_path);
	if (make_dir(x, x->be_path, x->self, x->target) || make_dir(x, x->fe_path, x->target, x->self))
		return -1;
	x->created = 1;
	snprintf(v, sizeof(v), "%u", x->target);
	if (put(x, x->be_path, "frontend", x->fe_path) || put(x, x->be_path, "frontend-id", v) ||
	    put(x, x->be_path, "online", "1") || put(x, x->be_path, "state", "1"))
		return -1;
	for (; be_kv && be_kv[0]; be_kv += 2)
		if (put(x, x->be_path, be_kv[0], be_kv[1]))
			return -1;
	snprintf(v, sizeof(v), "%u", x->self);
	for (; fe_kv && fe_kv[0]; fe_kv += 2)
		if (put(x, x->fe_path, fe_kv[0], fe_kv[1]))
			return -1;
	/* backend and state last: a frontend that watches device/ starts once they are there */
	if (put(x, x->fe_path, "backend-id", v) || put(x, x->fe_path, "backend", x->be_path) ||
	    put(x, x->fe_path, "state", "1"))
		return -1;
	return 0;
}

int dev_xb_attach_existing(struct dev_xb *x)
{
	unsigned len = 0;
	char path[DEV_PATH * 2];
	snprintf(path, sizeof(path), "%s/frontend", x->be_path);
	char *fe = xs_read(x->xsh, XBT_NULL, path, &len);
	if (!fe) {
		fprintf(stderr, "peer: --attach existing: no backend directory %s (xl creates it for a backend domain)\n",
			x->be_path);
		return -1;
	}
	int ok = len > 0 && len < sizeof(x->fe_path) && fe[0] == '/';
	if (ok)
		snprintf(x->fe_path, sizeof(x->fe_path), "%s", fe);
	free(fe);
	if (!ok) {
		fprintf(stderr, "peer: --attach existing: %s names no frontend path\n", path);
		return -1;
	}
	return put(x, x->be_path, "online", "1");
}

int dev_xb_write(struct dev_xb *x, const char *key, const char *fmt, ...)
{
	char v[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	return put(x, x->be_path, key, v);
}

int dev_xb_set_state(struct dev_xb *x, enum xenbus_state s)
{
	return dev_xb_write(x, "state", "%d", (int)s);
}

int dev_xb_fe_read(struct dev_xb *x, const char *key, char *buf, unsigned size)
{
	char path[DEV_PATH * 2];
	unsigned len = 0;
	snprintf(path, sizeof(path), "%s/%s", x->fe_path, key);
	char *v = xs_read(x->xsh, XBT_NULL, path, &len);
	if (!v)
		return -1;
	int ok = len < size;
	if (ok) {
		memcpy(buf, v, len);
		buf[len] = 0;
	}
	free(v);
	return ok ? 0 : -2;
}

int dev_xb_fe_uint(struct dev_xb *x, const char *key, unsigned long max, unsigned long *out)
{
	char buf[64], *end;
	int rc = dev_xb_fe_read(x, key, buf, sizeof(buf));
	if (rc)
		return rc; /* absent, or too long for a number */
	errno = 0;
	unsigned long v = strtoul(buf, &end, 10);
	if (!buf[0] || *end || errno || v > max || buf[0] == '-')
		return -2;
	*out = v;
	return 0;
}

int dev_xb_fe_state(struct dev_xb *x)
{
	unsigned long s;
	return dev_xb_fe_uint(x, "state", XenbusStateReconfigured, &s) ? -1 : (int)s;
}

/* The target's own directory: 1 there, 0 gone, -1 cannot tell. A toolstack removes it when the
 * domain is destroyed (on_crash=destroy, the default), so a frontend we wait for will never come. */
static int target_dir_present(struct dev_xb *x)
{
	char p[48];
	unsigned len;
	snprintf(p, sizeof(p), "/local/domain/%u", x->target);
	void *v = xs_read(x->xsh, XBT_NULL, p, &len);
	int here = v ? 1 : errno == ENOENT ? 0 : -1;   /* errno before free() may touch it */
	free(v);
	return here;
}

int dev_xb_wait_fe(struct dev_xb *x, unsigned mask, double timeout)
{
	double end = dev_now() + timeout, next_look = 0;
	int seen = 0;
	do {
		int s = dev_xb_fe_state(x);
		if (s >= 0 && (mask & (1u << s)))
			return s;
		if (dev_now() >= next_look) { /* once a second: gone only after it was seen there */
			int here = target_dir_present(x);
			if (here == 1)
				seen = 1;
			else if (here == 0 && seen) {
				fprintf(stderr, "peer: the target domain %u is gone (its xenstore directory was removed): "
					"it died or was destroyed while we waited for %s\n", x->target, x->fe_path);
				return -2;
			}
			next_look = dev_now() + 1.0;
		}
		dev_sleep_ms(5);
	} while (dev_now() < end);
	return -1;
}

int dev_xb_wait_let_go(struct dev_xb *x, double timeout)
{
	double end = dev_now() + timeout, closing_since = 0;
	do {
		int s = dev_xb_fe_state(x);
		if (s != XenbusStateClosing)
			closing_since = 0;
		else if (!closing_since)
			closing_since = dev_now();
		if (s < 0 || s == XenbusStateClosed || (closing_since && dev_now() - closing_since >= DEV_CLOSING_SETTLE_S))
			return s;
		dev_sleep_ms(5);
	} while (dev_now() < end);
	return -1;
}

int dev_xb_map_ring(struct dev_xb *x, const char *key, unsigned order, struct dev_ring *r)
{
	char k[64];
	unsigned long ref;
	memset(r, 0, sizeof(*r));
	if (order > DEV_MAX_RING_ORDER) {
		fprintf(stderr, "peer: frontend %s: ring order %u is beyond %u\n", x->fe_path, order, DEV_MAX_RING_ORDER);
		return -1;
	}
	r->npages = 1u << order;
	for (unsigned i = 0; i < r->npages; i++) {
		if (order)
			snprintf(k, sizeof(k), "%s%u", key, i);
		else
			snprintf(k, sizeof(k), "%s", key);
		int rc = dev_xb_fe_uint(x, k, UINT32_MAX, &ref);
		if (rc) {
			fprintf(stderr, "peer: frontend %s: %s %s\n", x->fe_path, k, rc == -1 ? "is missing" : "is not a grant ref");
			return -1;
		}
		r->refs[i] = (uint32_t)ref;
	}
	r->addr = xengnttab_map_domain_grant_refs(x->xgt, r->npages, x->target, r->refs, PROT_READ | PROT_WRITE);
	if (!r->addr) {
		fprintf(stderr, "peer: frontend %s: cannot map the ring (%s %u, %u page%s): %s\n", x->fe_path,
			order ? "first ref" : key, r->refs[0], r->npages, r->npages > 1 ? "s" : "", strerror(errno));
		return -1;
	}
	return 0;
}

void dev_xb_unmap_ring(struct dev_xb *x, struct dev_ring *r)
{
	if (r->addr)
		xengnttab_unmap(x->xgt, r->addr, r->npages);
	r->addr = NULL;
}

int dev_xb_bind(struct dev_xb *x, const char *key)
{
	unsigned long port;
	int rc = dev_xb_fe_uint(x, key, UINT32_MAX, &port);
	if (rc) {
		fprintf(stderr, "peer: frontend %s: %s %s\n", x->fe_path, key, rc == -1 ? "is missing" : "is not a port");
		return -1;
	}
	int p = xenevtchn_bind_interdomain(x->xce, x->target, (evtchn_port_t)port);
	if (p < 0) {
		fprintf(stderr, "peer: frontend %s: cannot bind its event channel %lu: %s\n", x->fe_path, port, strerror(errno));
		return -1;
	}
	x->port = p;
	x->remote_port = (unsigned)port;
	return 0;
}

void dev_xb_unbind(struct dev_xb *x)
{
	if (x->port >= 0)
		xenevtchn_unbind(x->xce, (evtchn_port_t)x->port);
	x->port = -1;
}

void dev_xb_notify(struct dev_xb *x)
{
	if (x->port >= 0 && xenevtchn_notify(x->xce, (evtchn_port_t)x->port) == 0)
		x->events_sent++;
}

int dev_xb_wait_event(struct dev_xb *x, int ms)
{
	struct pollfd pfd = { xenevtchn_fd(x->xce), POLLIN, 0 };
	if (poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN)) {
		int port = xenevtchn_pending(x->xce);
		if (port >= 0) {
			xenevtchn_unmask(x->xce, (evtchn_port_t)port);
			x->events_seen++;
			return 1;
		}
	}
	return 0;
}

void dev_xb_remove(struct dev_xb *x)
{
	if (x->created) {
		xs_rm(x->xsh, XBT_NULL, x->fe_path);
		xs_rm(x->xsh, XBT_NULL, x->be_path);
	} else {
		dev_xb_set_state(x, XenbusStateClosed);
	}
}
