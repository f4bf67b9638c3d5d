/* broker_evtchn.c - event channels as Xen's common/event_channel.c plus Linux's evtchn device.
 *
 * Ports belong to a domain; each bound port is also owned by the connection (xenevtchn handle)
 * that bound it, like a port bound through /dev/xen/evtchn. Delivery follows that device: the
 * port is masked as it is queued for the handle, further sends only set it pending, and unmask
 * delivers a pending port again — so an event flood costs O(1) per unmask, never a queue.
 * The handle's eventfd is readable while its queue is non-empty.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "broker.h"

static void evfd_signal(struct mp_broker *b, struct mp_client *c)
{
	uint64_t one = 1;
	if (b->live && c->evfd >= 0 && write(c->evfd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow with one write per empty->non-empty transition */
	}
}

static void evfd_drain(struct mp_broker *b, struct mp_client *c)
{
	uint64_t v;
	if (b->live && c->evfd >= 0 && read(c->evfd, &v, sizeof(v)) < 0) {
		/* EAGAIN: already drained (the fd is non-blocking) */
	}
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
	if (c->ring_len < MP_NR_PORTS) {
		c->ring[(c->ring_head + c->ring_len) % MP_NR_PORTS] = port;
		if (c->ring_len++ == 0)
			evfd_signal(b, c);
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
		if (d->ports[i].state == MP_PORT_FREE)
			return (int)i;
	return -ENOSPC;
}

int mp_evt_bind_unbound(struct mp_broker *b, int ci, uint32_t remote)
{
	struct mp_domain *d = mp_dom(b, b->clients[ci].dom);
	if (remote == DOMID_SELF)
		remote = b->clients[ci].dom;
	if (!d || !mp_dom(b, remote))
		return -ESRCH;
	int port = alloc_port(d);
	if (port < 0)
		return port;
	d->ports[port] = (struct mp_port){ .state = MP_PORT_UNBOUND, .owner = ci, .remote_dom = remote };
	b->st.ports++;
	return port;
}

int mp_evt_bind_inter(struct mp_broker *b, int ci, uint32_t remote, uint32_t rport)
{
	domid_t me = b->clients[ci].dom;
	struct mp_domain *d = mp_dom(b, me);
	if (remote == DOMID_SELF)
		remote = me;
	struct mp_domain *rd = mp_dom(b, remote);
	if (!d || !rd)
		return -ESRCH;
	if (rport == 0 || rport >= MP_NR_PORTS)
		return -EINVAL;
	struct mp_port *rp = &rd->ports[rport];
	if (rp->state != MP_PORT_UNBOUND || rp->remote_dom != me)
		return -EINVAL;
	int port = alloc_port(d);
	if (port < 0)
		return port;
	if (rd == d && (uint32_t)port == rport)
		return -EINVAL;
	d->ports[port] = (struct mp_port){ .state = MP_PORT_INTER, .owner = ci, .remote_dom = remote,
					   .remote_port = rport };
	rp->state = MP_PORT_INTER;
	rp->remote_port = port;
	b->st.ports++;
	/* Xen sets the new local port pending: sends to the unbound port may have been lost. */
	deliver(b, d, port);
	return port;
}

int mp_evt_bind_virq(struct mp_broker *b, int ci, uint32_t virq)
{
	struct mp_domain *d = mp_dom(b, b->clients[ci].dom);
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
}

int mp_evt_unbind(struct mp_broker *b, int ci, uint32_t port)
{
	struct mp_domain *d;
	struct mp_port *p = owned_port(b, ci, port, &d);
	if (!p)
		return -EINVAL;
	if (p->state == MP_PORT_INTER) {
		/* As Xen's evtchn_close: the remote end goes back to unbound, waiting for us. */
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
	ring_remove(&b->clients[ci], port);
	b->st.ports--;
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
		return -EINVAL;
	return mp_evt_send_from(b, d->domid, port);
}

int mp_evt_pending(struct mp_broker *b, int ci)
{
	struct mp_client *c = &b->clients[ci];
	if (!c->ring_len)
		return -EAGAIN;
	int port = c->ring[c->ring_head];
	c->ring_head = (c->ring_head + 1) % MP_NR_PORTS;
	if (--c->ring_len == 0)
		evfd_drain(b, c);
	return port;
}

int mp_evt_unmask(struct mp_broker *b, int ci, uint32_t port)
{
	struct mp_domain *d;
	struct mp_port *p = owned_port(b, ci, port, &d);
	if (!p)
		return -EINVAL;
	p->masked = 0;
	if (p->pending)
		deliver(b, d, port);
	return 0;
}
