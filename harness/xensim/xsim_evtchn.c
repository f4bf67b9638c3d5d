/* xsim_evtchn.c - interdomain event channels with Xen's 2-level semantics
 * (common/event_channel.c: alloc_unbound, bind_interdomain, send, close; pending vs mask). */
#include <string.h>
#include <xen/errno.h>
#include "xsim_internal.h"

static struct xsim_port *port_of(struct xsim_domain *d, evtchn_port_t port)
{
	return port < XSIM_MAX_PORTS ? &d->ports[port] : NULL;
}

/* Port `port` of the live domain `dom`: 0, -XEN_ESRCH without the domain, -XEN_EINVAL for a port
 * beyond the table (whatever its state: the caller judges that). */
static int live_port(struct xsim *sim, domid_t dom, evtchn_port_t port, struct xsim_domain **dp,
		     struct xsim_port **cp)
{
	*dp = xsim_lookup_live(sim, dom);
	if (!*dp)
		return -XEN_ESRCH;
	*cp = port_of(*dp, port);
	return *cp ? 0 : -XEN_EINVAL;
}

/* The other end of an interdomain port, a dying domain's included; NULL if that domain does
 * not exist (or the port is beyond its table). */
static struct xsim_port *remote_of(struct xsim *sim, const struct xsim_port *c)
{
	struct xsim_domain *rd = xsim_lookup_any(sim, c->remote_dom);
	return rd ? port_of(rd, c->remote_port) : NULL;
}

/* Xen's get_free_port: the lowest free port. Ports at or above port_hw were never used. */
static int free_port(struct xsim_domain *d)
{
	for (unsigned p = 0; p < XSIM_MAX_PORTS; p++) {
		if (p >= d->port_hw || d->ports[p].state == XSIM_PORT_FREE)
			return (int)p;
	}
	return -XEN_ENOSPC;
}

/* Mark ports up to p as used this run (reset clears ports below port_hw). */
static void note_port(struct xsim_domain *d, unsigned p)
{
	if (p >= d->port_hw)
		d->port_hw = (uint16_t)(p + 1);
}

/* The mask bit belongs to the guest (2-level: shared_info), so binding and freeing keep it. */
static void claim_port(struct xsim_domain *d, unsigned p)
{
	note_port(d, p);
	uint8_t masked = d->ports[p].masked;
	memset(&d->ports[p], 0, sizeof d->ports[p]);
	d->ports[p].masked = masked;
}

/* Xen's evtchn_free: the port goes back to free with its pending bit cleared. */
static void free_one(struct xsim_port *c)
{
	uint8_t masked = c->masked;
	memset(c, 0, sizeof *c);
	c->masked = masked;
}

int xsim_evtchn_alloc_unbound(struct xsim *sim, domid_t dom, domid_t remote, evtchn_port_t *port)
{
	struct xsim_domain *d = xsim_lookup_live(sim, dom);
	if (!d)
		return -XEN_ESRCH;
	int p = free_port(d);
	if (p < 0)
		return p;
	claim_port(d, (unsigned)p);
	d->ports[p].state = XSIM_PORT_UNBOUND;
	d->ports[p].remote_dom = remote == DOMID_SELF ? dom : remote;
	*port = (evtchn_port_t)p;
	return 0;
}

int xsim_evtchn_bind_interdomain(struct xsim *sim, domid_t dom, domid_t remote, evtchn_port_t remote_port,
				 evtchn_port_t *local_port)
{
	struct xsim_domain *ld = xsim_lookup_live(sim, dom);
	struct xsim_domain *rd = xsim_lookup_live(sim, remote == DOMID_SELF ? dom : remote);
	if (!ld || !rd)
		return -XEN_ESRCH;
	int lp = free_port(ld);
	if (lp < 0)
		return lp;
	struct xsim_port *rc = port_of(rd, remote_port);
	if (!rc || rc->state != XSIM_PORT_UNBOUND || rc->remote_dom != dom)
		return -XEN_EINVAL;
	claim_port(ld, (unsigned)lp);
	struct xsim_port *lc = &ld->ports[lp];
	lc->state = XSIM_PORT_INTERDOMAIN;
	lc->remote_dom = rd->domid;
	lc->remote_port = remote_port;
	rc->state = XSIM_PORT_INTERDOMAIN;
	rc->remote_dom = ld->domid;
	rc->remote_port = (evtchn_port_t)lp;
	lc->pending = 1; /* Xen: notifications on the unbound remote may have been lost */
	*local_port = (evtchn_port_t)lp;
	return 0;
}

int xsim_evtchn_send(struct xsim *sim, domid_t dom, evtchn_port_t port)
{
	struct xsim_domain *d;
	struct xsim_port *c;
	int err = live_port(sim, dom, port, &d, &c);
	if (err)
		return err;
	switch (c->state) {
	case XSIM_PORT_INTERDOMAIN: {
		struct xsim_port *rc = remote_of(sim, c);
		if (!rc)
			return -XEN_EINVAL;
		rc->pending = 1; /* set even when masked: the mask only stops the upcall */
		rc->sends_received++;
		if (sim->obs.on_send)
			sim->obs.on_send(sim->obs.ctx, dom, port, c->remote_dom, c->remote_port);
		return 0;
	}
	case XSIM_PORT_UNBOUND:
		return 0; /* silently dropped */
	default:
		return -XEN_EINVAL;
	}
}

static int close_port(struct xsim *sim, struct xsim_domain *d, evtchn_port_t port)
{
	struct xsim_port *c = port_of(d, port);
	if (!c || c->state == XSIM_PORT_FREE || c->state == XSIM_PORT_RESERVED)
		return -XEN_EINVAL;
	if (c->state == XSIM_PORT_INTERDOMAIN) {
		struct xsim_port *rc = remote_of(sim, c);
		if (rc && rc->state == XSIM_PORT_INTERDOMAIN) {
			rc->state = XSIM_PORT_UNBOUND; /* may be re-bound by us later */
			rc->remote_dom = d->domid;
			rc->remote_port = 0;
		}
	}
	free_one(c);
	return 0;
}

int xsim_evtchn_close(struct xsim *sim, domid_t dom, evtchn_port_t port)
{
	struct xsim_domain *d = xsim_lookup_live(sim, dom);
	return d ? close_port(sim, d, port) : -XEN_ESRCH;
}

void xsim_evtchn_release_all(struct xsim *sim, struct xsim_domain *d)
{
	for (unsigned p = d->port_hw; p-- > 1;) /* Xen's evtchn_destroy: every port but 0 */
		if (d->ports[p].state != XSIM_PORT_FREE)
			close_port(sim, d, p);
}

int xsim_evtchn_take_pending(struct xsim *sim, domid_t dom, evtchn_port_t port)
{
	struct xsim_domain *d = xsim_lookup_live(sim, dom);
	struct xsim_port *c = d ? port_of(d, port) : NULL;
	if (!c || !c->pending || c->masked)
		return 0;
	c->pending = 0;
	return 1;
}

int xsim_evtchn_mask(struct xsim *sim, domid_t dom, evtchn_port_t port, int masked)
{
	struct xsim_domain *d;
	struct xsim_port *c;
	int err = live_port(sim, dom, port, &d, &c);
	if (err)
		return err;
	note_port(d, port);
	c->masked = !!masked; /* unmasking keeps the pending bit: delivery happens then */
	return 0;
}

const struct xsim_port *xsim_evtchn_port(struct xsim *sim, domid_t dom, evtchn_port_t port)
{
	struct xsim_domain *d = xsim_lookup_any(sim, dom);
	return d ? port_of(d, port) : NULL;
}
