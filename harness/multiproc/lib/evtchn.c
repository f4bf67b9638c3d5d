/* evtchn.c - drop-in libxenevtchn.so.1 over the broker.
 *
 * xenevtchn_fd() is an eventfd the broker shares with us: it is readable while ports are
 * pending for this handle, so poll/select work as on /dev/xen/evtchn. Ports bound through a
 * handle are closed when the handle is closed or the process dies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <xenevtchn.h>
#include "client.h"

struct xenevtchn_handle {
	struct mp_conn conn;
	int evfd;
	int restricted;          /* xenevtchn_restrict: only this domain may be bound */
	uint32_t restrict_dom;
};

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
	struct xenevtchn_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	if (mp_connect(&h->conn, MP_KIND_EVTCHN) < 0) {
		int e = errno;
		free(h);
		errno = e;
		return NULL;
	}
	if (mp_call(&h->conn, MP_EVT_INIT, NULL, 0, NULL, 0, NULL, &h->evfd) < 0 || h->evfd < 0) {
		int e = h->evfd < 0 ? EPROTO : errno;
		mp_disconnect(&h->conn);
		free(h);
		errno = e;
		return NULL;
	}
	return h;
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned open_flags)
{
	/* An inherited /dev/xen/evtchn fd has no broker equivalent: the connection is the handle. */
	errno = (open_flags & XENEVTCHN_NO_CLOEXEC) ? EINVAL : EOPNOTSUPP;
	return NULL;
}

int xenevtchn_close(xenevtchn_handle *xce)
{
	if (!xce)
		return 0;
	mp_disconnect(&xce->conn);
	close(xce->evfd);
	free(xce);
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->evfd;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	return mp_call_u32(&xce->conn, MP_EVT_NOTIFY, 1, port, 0, NULL) < 0 ? -1 : 0;
}

static int allowed(xenevtchn_handle *xce, uint32_t domid)
{
	if (xce->restricted && domid != xce->restrict_dom) {
		errno = EPERM;
		return 0;
	}
	return 1;
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid)
{
	uint32_t port = 0;
	if (!allowed(xce, domid) || mp_call_u32(&xce->conn, MP_EVT_BIND_UNBOUND, 1, domid, 0, &port) < 0)
		return -1;
	return (int)port;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
						     evtchn_port_t remote_port)
{
	uint32_t port = 0;
	if (!allowed(xce, domid) ||
	    mp_call_u32(&xce->conn, MP_EVT_BIND_INTER, 2, domid, remote_port, &port) < 0)
		return -1;
	return (int)port;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	uint32_t port = 0;
	if (xce->restricted) {
		errno = EPERM;
		return -1;
	}
	if (mp_call_u32(&xce->conn, MP_EVT_BIND_VIRQ, 1, virq, 0, &port) < 0)
		return -1;
	return (int)port;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	return mp_call_u32(&xce->conn, MP_EVT_UNBIND, 1, port, 0, NULL) < 0 ? -1 : 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	uint32_t port = 0;
	if (mp_call_u32(&xce->conn, MP_EVT_PENDING, 0, 0, 0, &port) < 0)
		return -1; /* EAGAIN when nothing is pending, as a non-blocking read of the device */
	return (int)port;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	return mp_call_u32(&xce->conn, MP_EVT_UNMASK, 1, port, 0, NULL) < 0 ? -1 : 0;
}

int xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
	xce->restricted = 1;
	xce->restrict_dom = domid;
	return 0;
}
