/* broker_evtchn.c - event channels as Xen's common/event_channel.c plus Linux's evtchn device.
 *
 * Ports belong to a domain; each bound port is also owned by the connection (xenevtchn handle)
 * that bound it, like a port bound through /dev/xen/evtchn. Delivery follows that device: the
 * port is masked as it is queued for the handle, further sends only set it pending, and unmask
 * delivers a pending port again — so an event flood costs O(1) per unmask, never a queue.
 *
 * The handle's wake fd (a socket pair, live broker only) is readable exactly while its queue is
 * non-empty: the broker writes one byte when the queue fills and drains it when it empties, after
 * every change (wake_sync). The client blocks in recv() on it for a blocking xenevtchn_pending,
 * so O_NONBLOCK on the fd gives EAGAIN and a signal EINTR (or a restart), as read() on the device.
 * The broker only ever touches it with MSG_DONTWAIT: nothing a client does to the fd blocks us.
 *
 * Errors are the device's and Xen's: the restriction check first (EACCES), then Xen's answer
 * (ESRCH for a missing remote domain, EINVAL for a bad remote port or virq, ENOSPC when the
 * domain has no free port); a port the handle did not bind is ENOTCONN for notify and unbind,
 * ignored by unmask.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "broker.h"

/* Make the wake fd readable iff the client's queue is non-empty. */
static void wake_sync(struct mp_client *c)
{
	char buf[64];
	if (c->wake_rd < 0)
		return;
	if (c->ring_len) {
		if (recv(c->wake_rd, buf, 1, MSG_PEEK | MSG_DONTWAIT) != 1 &&
		    send(c->wake_wr, "e", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* a full buffer is impossible (we hold at most one byte); the client shut it: its loss */
		}
		return;
	}
	for (int i = 0; i < 8 && recv(c->wake_rd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++)
		;
}

void mp_evt_wake_close(struct mp_client *c)
{
	if (c->wake_rd >= 0)
		close(c->wake_rd);
	if (c->wake_wr >= 0)
		close(c->wake_wr);
	c->wake_rd = c->wake_wr = -1;
	c->wake_key = 0;
}

int mp_evt_init(struct mp_broker *b, int ci)
{
	struct mp_client *c = &b->clients[ci];
	if (c->evt)
		return 0; /* asked again: the same fd */
	if (b->live) {
		int sv[2];
		struct stat st;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -errno;
		if (shutdown(sv[0], SHUT_WR) < 0 || fstat(sv[0], &st) < 0) {
			int e = errno;
			close(sv[0]);
			close(sv[1]);
			return -e;
		}
		c->wake_rd = sv[0];
		c->wake_wr = sv[1];
		c->wake_key = (uint64_t)st.st_ino | 1ull << 63;
	} else {
		c->wake_key = (uint64_t)c->id | 1ull << 62; /* no fds when not live: a stand-in identity */
	}
	c->evt = 1;
	return 0;
}

static void deliver(struct mp_broker *b, struct mp_domain *d, uint32_t port)
{
	struct mp_port *p = &d->ports[port];
	if (p->masked || p->owner < 0) {
		p->pending = 1;
		return;
	}
	struct mp_client *c = &b->clients[p->owner];
	p->masked = 1;
	p->pending = 0;
	if (c->ring_len < MP_NR_PORTS) { /* each port is queued at most once (masked): never full */
		c->ring[(c->ring_head + c->ring_len) % MP_NR_PORTS] = (uint16_t)port;
		c->ring_len++;
		wake_sync(c);
	}
	b->st.events_sent++;
}

static struct mp_port *owned_port(struct mp_broker *b, int ci, uint32_t port, struct mp_domain **dp)
{
	struct mp_domain *d = mp_dom(b, b->clients[ci].dom);
	if (!d || port == 0 || port >= MP_NR_PORTS)
		return NULL;
	struct mp_port *p = &d->ports[port];
	if (p->state == MP_PORT_FREE || p->owner != ci)
		return NULL;
	*dp = d;
	return p;
}

static int alloc_port(struct mp_domain *d)
{
	for (uint32_t i = 1; i < MP_NR_PORTS; i++)
		if (d->ports[i].state == MP_PORT_FREE) {
			if (i >= d->ports_hw) /* what the sweeps and mp_broker_reset look at */
				d->ports_hw = (uint16_t)(i + 1);
			return (int)i;
		}
	return -ENOSPC;
}

static int restricted_to(struct mp_client *c, uint32_t domid)
{
	return c->restricted && c->restrict_dom != domid;
}

int mp_evt_bind_unbound(struct mp_broker *b, int ci, uint32_t remote)
{
	struct mp_client *c = &b->clients[ci];
	struct mp_domain *d = mp_dom(b, c->dom);
	if (c->restricted)
		return -EACCES; /* the device refuses unbound ports on a restricted handle */
	if (!d)
		return -ESRCH;
	/* Xen neither checks that the remote domain exists nor narrows it beyond domid_t. */
	domid_t rdom = (domid_t)remote;
	if (rdom == DOMID_SELF)
		rdom = c->dom;
	int port = alloc_port(d);
	if (port < 0)
		return port;
	d->ports[port] = (struct mp_port){ .state = MP_PORT_UNBOUND, .owner = ci, .remote_dom = rdom };
	b->st.ports++;
	return port;
}

int mp_evt_bind_inter(struct mp_broker *b, int ci, uint32_t remote, uint32_t rport)
{
	struct mp_client *c = &b->clients[ci];
	domid_t me = c->dom;
	if (restricted_to(c, remote))
		return -EACCES;
	struct mp_domain *d = mp_dom(b, me);
	domid_t rdom = (domid_t)remote;
	if (rdom == DOMID_SELF)
		rdom = me;
	struct mp_domain *rd = mp_dom(b, rdom);
	if (!d || !rd)
		return -ESRCH;
	int port = alloc_port(d);
	if (port < 0)
		return port;
	if (rport == 0 || rport >= MP_NR_PORTS)
		return -EINVAL;
	struct mp_port *rp = &rd->ports[rport];
	if (rp->state != MP_PORT_UNBOUND || rp->remote_dom != me)
		return -EINVAL;
	d->ports[port] = (struct mp_port){ .state = MP_PORT_INTER, .owner = ci, .remote_dom = rdom,
					   .remote_port = rport };
	rp->state = MP_PORT_INTER;
	rp->remote_port = (uint32_t)port;
	b->st.ports++;
	/* Xen sets the new local port pending: sends to the unbound port may have been lost. */
	deliver(b, d, (uint32_t)port);
	return port;
}

int mp_evt_bind_virq(struct mp_broker *b, int ci, uint32_t virq)
{
	struct mp_client *c = &b->clients[ci];
	struct mp_domain *d = mp_dom(b, c->dom);
	if (c->restricted)
		return -EACCES;
	if (!d || virq >= 24) /* NR_VIRQS */
		return -EINVAL;
	for (uint32_t i = 1; i < MP_NR_PORTS; i++)
		if (d->ports[i].state == MP_PORT_VIRQ && d->ports[i].remote_port == virq)
			return -EEXIST;
	int port = alloc_port(d);
	if (port < 0)
		return port;
	d->ports[port] = (struct mp_port){ .state = MP_PORT_VIRQ, .owner = ci, .remote_port = virq };
	b->st.ports++;
	return port;
}

static void ring_remove(struct mp_client *c, uint32_t port)
{
	uint16_t keep[MP_NR_PORTS];
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->ring_len; i++) {
		uint16_t p = c->ring[(c->ring_head + i) % MP_NR_PORTS];
		if (p != port)
			keep[n++] = p;
	}
	memcpy(c->ring, keep, n * sizeof(keep[0]));
	c->ring_head = 0;
	c->ring_len = n;
	wake_sync(c);
}

/* Xen's evtchn_close: the remote end of an interdomain channel goes back to unbound. */
static void port_close(struct mp_broker *b, struct mp_domain *d, uint32_t port)
{
	struct mp_port *p = &d->ports[port];
	if (p->state == MP_PORT_INTER) {
		struct mp_domain *rd = mp_dom(b, p->remote_dom);
		if (rd && p->remote_port < MP_NR_PORTS) {
			struct mp_port *rp = &rd->ports[p->remote_port];
			if (rp->state == MP_PORT_INTER && rp->remote_dom == d->domid && rp->remote_port == port) {
				rp->state = MP_PORT_UNBOUND;
				rp->remote_port = 0;
			}
		}
	}
	memset(p, 0, sizeof(*p));
	p->owner = -1;
	b->st.ports--;
}

int mp_evt_unbind(struct mp_broker *b, int ci, uint32_t port)
{
	struct mp_domain *d;
	if (port >= MP_EVTCHN_NR_CHANNELS)
		return -EINVAL;
	struct mp_port *p = owned_port(b, ci, port, &d);
	if (!p)
		return -ENOTCONN;
	ring_remove(&b->clients[ci], port);
	if (p->refs) { /* an unmap notification still holds it: Xen keeps it bound until then */
		p->zombie = 1;
		p->owner = -1;
		return 0;
	}
	port_close(b, d, port);
	return 0;
}

int mp_evt_send_from(struct mp_broker *b, domid_t dom, uint32_t port)
{
	struct mp_domain *d = mp_dom(b, dom);
	if (!d || port == 0 || port >= MP_NR_PORTS)
		return -EINVAL;
	struct mp_port *p = &d->ports[port];
	switch (p->state) {
	case MP_PORT_INTER: {
		struct mp_domain *rd = mp_dom(b, p->remote_dom);
		if (rd && p->remote_port < MP_NR_PORTS && rd->ports[p->remote_port].state == MP_PORT_INTER)
			deliver(b, rd, p->remote_port);
		return 0;
	}
	case MP_PORT_UNBOUND:
		return 0; /* nobody at the other end yet: Xen drops it */
	default:
		return -EINVAL;
	}
}

int mp_evt_notify(struct mp_broker *b, int ci, uint32_t port)
{
	struct mp_domain *d;
	if (!owned_port(b, ci, port, &d))
		return -ENOTCONN;
	/* notify_remote_via_evtchn ignores Xen's answer (EINVAL on a virq port): always 0. */
	mp_evt_send_from(b, d->domid, port);
	return 0;
}

int mp_evt_pending(struct mp_broker *b, int ci)
{
	struct mp_client *c = &b->clients[ci];
	if (!c->ring_len)
		return -EAGAIN;
	int port = c->ring[c->ring_head];
	c->ring_head = (c->ring_head + 1) % MP_NR_PORTS;
	c->ring_len--;
	wake_sync(c);
	return port;
}

int mp_evt_unmask(struct mp_broker *b, int ci, uint32_t port)
{
	struct mp_domain *d;
	struct mp_port *p = owned_port(b, ci, port, &d);
	if (!p)
		return 0; /* the device skips ports that are not the handle's */
	p->masked = 0;
	if (p->pending)
		deliver(b, d, port);
	return 0;
}

int mp_evt_restrict(struct mp_broker *b, int ci, uint32_t domid)
{
	struct mp_client *c = &b->clients[ci];
	if (c->restricted)
		return -EACCES;
	if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	c->restricted = 1;
	c->restrict_dom = (domid_t)domid;
	return 0;
}

int mp_evt_adopt(struct mp_broker *b, int ci, uint64_t key)
{
	struct mp_client *c = &b->clients[ci];
	if (c->evt)
		return -EINVAL; /* this connection is a handle already */
	if (!key)
		return -EBADF;
	for (unsigned k = 0; k < b->clients_hw; k++) { /* the slots past it were never used */
		struct mp_client *o = &b->clients[k];
		if ((int)k == ci || !o->in_use || !o->hello || !o->evt || o->wake_key != key)
			continue;
		if (o->dom != c->dom)
			return -EBADF; /* a handle of another domain */
		c->evt = 1;
		c->restricted = o->restricted;
		c->restrict_dom = o->restrict_dom;
		c->wake_rd = o->wake_rd;
		c->wake_wr = o->wake_wr;
		c->wake_key = o->wake_key;
		memcpy(c->ring, o->ring, sizeof(c->ring));
		c->ring_head = o->ring_head;
		c->ring_len = o->ring_len;
		o->evt = 0;
		o->restricted = 0;
		o->wake_rd = o->wake_wr = -1;
		o->wake_key = 0;
		o->ring_head = o->ring_len = 0;
		struct mp_domain *d = mp_dom(b, c->dom);
		for (uint32_t p = 1; d && p < d->ports_hw; p++)
			if (d->ports[p].state != MP_PORT_FREE && d->ports[p].owner == (int)k)
				d->ports[p].owner = ci;
		return 0;
	}
	return -EBADF;
}

int mp_evt_port_get(struct mp_broker *b, domid_t dom, uint32_t port)
{
	struct mp_domain *d = mp_dom(b, dom);
	if (!d || port == 0 || port >= MP_NR_PORTS)
		return -EINVAL;
	struct mp_port *p = &d->ports[port];
	/* evtchn_get(): only a port bound through an evtchn handle of this domain has a refcount */
	if (p->state == MP_PORT_FREE || (p->owner < 0 && !p->zombie) || p->refs == UINT16_MAX)
		return -EINVAL;
	p->refs++;
	return 0;
}

void mp_evt_port_put(struct mp_broker *b, domid_t dom, uint32_t port)
{
	struct mp_domain *d = mp_dom(b, dom);
	if (!d || port == 0 || port >= MP_NR_PORTS || !d->ports[port].refs)
		return;
	struct mp_port *p = &d->ports[port];
	if (--p->refs == 0 && p->zombie)
		port_close(b, d, port);
}
