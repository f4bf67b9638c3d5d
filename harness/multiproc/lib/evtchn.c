/* evtchn.c - drop-in libxenevtchn.so.1 over the broker, behaving as Debian's library does on
 * /dev/xen/evtchn (Linux's evtchn device):
 *
 * - xenevtchn_fd() is the handle's wake fd, which the broker keeps readable exactly while a port
 *   is queued for the handle, so poll()/select() work as on the device;
 * - xenevtchn_pending() blocks until an event arrives, unless that fd was made O_NONBLOCK
 *   (then EAGAIN); a signal interrupts it (EINTR) or restarts it (SA_RESTART), as read() does;
 * - XENEVTCHN_NO_CLOEXEC keeps the handle (its fd and its broker connection) across exec, and
 *   xenevtchn_fdopen() on the inherited fd takes the handle's ports over again;
 * - errno values are the device's: EINVAL for unknown flags, ENOTCONN for notify/unbind on a port
 *   this handle did not bind, EACCES for a bind outside xenevtchn_restrict's domain, Xen's own
 *   ESRCH / EINVAL / ENOSPC / EEXIST from the binds; unmask of a foreign port is ignored.
 * Ports bound through a handle are closed when the handle is closed or the process dies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xenevtchn.h>
#include "client.h"

struct xenevtchn_handle {
	struct mp_conn conn;
	int wake;                /* xenevtchn_fd(): readable while a port is queued for us */
};

static xenevtchn_handle *handle_new(int cloexec)
{
	struct xenevtchn_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->wake = -1;
	if (mp_connect_flags(&h->conn, MP_KIND_EVTCHN, cloexec) < 0) {
		int e = errno;
		free(h);
		errno = e;
		return NULL;
	}
	return h;
}

static void handle_free(xenevtchn_handle *h)
{
	int e = errno;
	mp_disconnect(&h->conn);
	if (h->wake >= 0)
		close(h->wake);
	free(h);
	errno = e;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
	if (flags & ~XENEVTCHN_NO_CLOEXEC) {
		errno = EINVAL;
		return NULL;
	}
	int cloexec = !(flags & XENEVTCHN_NO_CLOEXEC);
	xenevtchn_handle *h = handle_new(cloexec);
	if (!h)
		return NULL;
	if (mp_call(&h->conn, MP_EVT_INIT, NULL, 0, NULL, 0, NULL, &h->wake) < 0) {
		handle_free(h);
		return NULL;
	}
	if (h->wake < 0) { /* the broker must pass it */
		errno = EPROTO;
		handle_free(h);
		return NULL;
	}
	if (!cloexec && fcntl(h->wake, F_SETFD, 0) < 0) { /* received with MSG_CMSG_CLOEXEC */
		handle_free(h);
		return NULL;
	}
	return h;
}

/* The fd a NO_CLOEXEC handle left across exec: a new connection shows it to the broker, which
 * hands that handle's ports, queue and restriction over (possession of the fd is the proof). */
xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned open_flags)
{
	if (open_flags) {
		errno = EINVAL;
		return NULL;
	}
	int fdflags = fcntl(fd, F_GETFD);
	if (fdflags < 0)
		return NULL; /* EBADF */
	xenevtchn_handle *h = handle_new(!!(fdflags & FD_CLOEXEC));
	if (!h)
		return NULL;
	if (mp_call_fd(&h->conn, MP_EVT_ADOPT, NULL, 0, NULL, 0, NULL, NULL, fd) < 0) {
		handle_free(h);
		return NULL;
	}
	h->wake = fd;
	return h;
}

int xenevtchn_close(xenevtchn_handle *xce)
{
	if (!xce)
		return 0;
	mp_disconnect(&xce->conn);
	int rc = xce->wake >= 0 ? close(xce->wake) : 0;
	free(xce);
	return rc;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->wake;
}

static int call1(xenevtchn_handle *xce, uint16_t op, uint32_t a0, uint32_t a1, unsigned n, uint32_t *port)
{
	return mp_call_u32(&xce->conn, op, n, a0, a1, port) < 0 ? -1 : 0;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	return call1(xce, MP_EVT_NOTIFY, port, 0, 1, NULL);
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid)
{
	uint32_t port = 0;
	return call1(xce, MP_EVT_BIND_UNBOUND, domid, 0, 1, &port) < 0 ? -1 : (int)port;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
						     evtchn_port_t remote_port)
{
	uint32_t port = 0;
	return call1(xce, MP_EVT_BIND_INTER, domid, remote_port, 2, &port) < 0 ? -1 : (int)port;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	uint32_t port = 0;
	return call1(xce, MP_EVT_BIND_VIRQ, virq, 0, 1, &port) < 0 ? -1 : (int)port;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	return call1(xce, MP_EVT_UNBIND, port, 0, 1, NULL);
}

/* read() of one port on the device: the next queued port; with none, wait on the wake fd
 * (blocking unless O_NONBLOCK: EAGAIN) and ask again. The connection's lock is not held while
 * waiting, so other threads can notify or bind meanwhile. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	for (;;) {
		uint32_t port = 0;
		if (mp_call_u32(&xce->conn, MP_EVT_PENDING, 0, 0, 0, &port) == 0)
			return (int)port;
		if (errno != EAGAIN)
			return -1;
		char byte;
		ssize_t n = recv(xce->wake, &byte, 1, 0); /* honours O_NONBLOCK and SA_RESTART */
		if (n == 0) {
			errno = EIO; /* the broker went away: no event will ever come */
			return -1;
		}
		if (n < 0)
			return -1; /* EAGAIN (O_NONBLOCK) or EINTR, as the device's read */
	}
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	return call1(xce, MP_EVT_UNMASK, port, 0, 1, NULL);
}

int xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
	return call1(xce, MP_EVT_RESTRICT, domid, 0, 1, NULL);
}
