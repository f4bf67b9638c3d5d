/* test_evtchn.c - interdomain event channels with Xen's 2-level semantics. */
#include <xen/errno.h>
#include "tap.h"
#include "xsim_fixture.h"

static const struct xsim_port *port(domid_t d, evtchn_port_t p)
{
	return xsim_evtchn_port(&sim, d, p);
}

/* guest offers a port to the peer, the peer binds it */
static void connect(evtchn_port_t *gp, evtchn_port_t *pp)
{
	xsim_evtchn_alloc_unbound(&sim, GUEST, PEER, gp);
	xsim_evtchn_bind_interdomain(&sim, PEER, GUEST, *gp, pp);
}

static void binding(void)
{
	evtchn_port_t gp, pp, x;
	setup(1);
	CHECK(xsim_evtchn_alloc_unbound(&sim, GUEST, PEER, &gp) == 0 && gp == 1, "alloc_unbound never hands out port 0");
	CHECK(port(GUEST, gp)->state == XSIM_PORT_UNBOUND && port(GUEST, gp)->remote_dom == PEER,
	      "alloc_unbound leaves the port unbound to the named remote");
	CHECK(xsim_evtchn_bind_interdomain(&sim, OTHER, GUEST, gp, &x) == -XEN_EINVAL,
	      "bind to a port offered to another domain is -EINVAL");
	CHECK(xsim_evtchn_bind_interdomain(&sim, PEER, GUEST, 5, &x) == -XEN_EINVAL, "bind to a free port is -EINVAL");
	CHECK(xsim_evtchn_bind_interdomain(&sim, PEER, GUEST, XSIM_MAX_PORTS, &x) == -XEN_EINVAL,
	      "bind to a port beyond the table is -EINVAL");
	CHECK(xsim_evtchn_bind_interdomain(&sim, PEER, 9, 1, &x) == -XEN_ESRCH, "bind to a missing domain is -ESRCH");
	CHECK(xsim_evtchn_alloc_unbound(&sim, 9, PEER, &x) == -XEN_ESRCH, "alloc_unbound in a missing domain is -ESRCH");
	CHECK(xsim_evtchn_bind_interdomain(&sim, PEER, GUEST, gp, &pp) == 0 && pp == 1, "bind_interdomain takes the lowest free port");
	CHECK(port(GUEST, gp)->state == XSIM_PORT_INTERDOMAIN && port(GUEST, gp)->remote_port == pp &&
	      port(PEER, pp)->state == XSIM_PORT_INTERDOMAIN && port(PEER, pp)->remote_port == gp &&
	      port(PEER, pp)->remote_dom == GUEST, "bind_interdomain connects both ends");
	CHECK(port(PEER, pp)->pending && !port(GUEST, gp)->pending,
	      "bind_interdomain sets the binder's new port pending (lost notifications)");
	CHECK(xsim_evtchn_bind_interdomain(&sim, OTHER, GUEST, gp, &x) == -XEN_EINVAL, "a bound port cannot be bound again");

	xsim_evtchn_alloc_unbound(&sim, GUEST, DOMID_SELF, &x);
	CHECK(port(GUEST, x)->remote_dom == GUEST, "alloc_unbound with DOMID_SELF names the domain itself");

	setup(1);
	int rc = 0;
	unsigned n = 0;
	while ((rc = xsim_evtchn_alloc_unbound(&sim, GUEST, PEER, &x)) == 0)
		n++;
	CHECK(rc == -XEN_ENOSPC && n == XSIM_MAX_PORTS - 1, "no free port is -ENOSPC (port 0 reserved)");
}

static void sending(void)
{
	evtchn_port_t gp, pp;
	setup(1);
	connect(&gp, &pp);
	xsim_evtchn_take_pending(&sim, PEER, pp);
	CHECK(xsim_evtchn_send(&sim, PEER, pp) == 0 && port(GUEST, gp)->pending &&
	      port(GUEST, gp)->sends_received == 1, "send sets the remote port pending");
	CHECK(xsim_evtchn_take_pending(&sim, GUEST, gp) == 1 && !port(GUEST, gp)->pending &&
	      xsim_evtchn_take_pending(&sim, GUEST, gp) == 0, "take_pending delivers once and clears pending");

	xsim_evtchn_mask(&sim, GUEST, gp, 1);
	xsim_evtchn_send(&sim, PEER, pp);
	CHECK(port(GUEST, gp)->pending, "send to a masked port still sets pending");
	CHECK(xsim_evtchn_take_pending(&sim, GUEST, gp) == 0 && port(GUEST, gp)->pending,
	      "masking stops delivery, not pending");
	xsim_evtchn_mask(&sim, GUEST, gp, 0);
	CHECK(xsim_evtchn_take_pending(&sim, GUEST, gp) == 1, "unmask delivers the pending event");

	for (int i = 0; i < 5; i++)
		xsim_evtchn_send(&sim, PEER, pp);
	CHECK(port(GUEST, gp)->sends_received == 7 && xsim_evtchn_take_pending(&sim, GUEST, gp) == 1 &&
	      xsim_evtchn_take_pending(&sim, GUEST, gp) == 0, "a flood of sends collapses into one pending bit");

	evtchn_port_t u;
	xsim_evtchn_alloc_unbound(&sim, GUEST, PEER, &u);
	CHECK(xsim_evtchn_send(&sim, GUEST, u) == 0 && !port(GUEST, u)->pending, "send on an unbound port is silently dropped");
	CHECK(xsim_evtchn_send(&sim, GUEST, 20) == -XEN_EINVAL, "send on a free port is -EINVAL");
	CHECK(xsim_evtchn_send(&sim, GUEST, 0) == -XEN_EINVAL, "send on reserved port 0 is -EINVAL");
	CHECK(xsim_evtchn_send(&sim, GUEST, XSIM_MAX_PORTS) == -XEN_EINVAL, "send on a port beyond the table is -EINVAL");
	CHECK(xsim_evtchn_mask(&sim, GUEST, XSIM_MAX_PORTS, 1) == -XEN_EINVAL, "mask of a port beyond the table is -EINVAL");
}

static void closing(void)
{
	evtchn_port_t gp, pp, np;
	setup(1);
	connect(&gp, &pp);
	CHECK(xsim_evtchn_close(&sim, PEER, pp) == 0 && port(PEER, pp)->state == XSIM_PORT_FREE,
	      "close frees the local port");
	CHECK(port(GUEST, gp)->state == XSIM_PORT_UNBOUND && port(GUEST, gp)->remote_dom == PEER,
	      "closing one end leaves the other end unbound to the closer");
	CHECK(xsim_evtchn_send(&sim, GUEST, gp) == 0 && port(PEER, pp)->pending == 0,
	      "send from the surviving end is dropped");
	CHECK(xsim_evtchn_bind_interdomain(&sim, PEER, GUEST, gp, &np) == 0 && np == pp,
	      "the closer can bind the surviving end again (port reused lowest first)");
	CHECK(xsim_evtchn_close(&sim, PEER, pp) == 0 && xsim_evtchn_close(&sim, PEER, pp) == -XEN_EINVAL,
	      "close of a free port is -EINVAL");
	CHECK(xsim_evtchn_close(&sim, PEER, 0) == -XEN_EINVAL, "close of reserved port 0 is -EINVAL");
	CHECK(xsim_evtchn_close(&sim, 9, 1) == -XEN_ESRCH, "close in a missing domain is -ESRCH");

	setup(1);
	connect(&gp, &pp);
	xsim_evtchn_send(&sim, GUEST, gp);
	xsim_evtchn_mask(&sim, PEER, pp, 1);
	xsim_evtchn_close(&sim, PEER, pp);
	CHECK(!port(PEER, pp)->pending && port(PEER, pp)->masked, "close clears pending and keeps the guest-owned mask bit");

	setup(1);
	connect(&gp, &pp);
	xsim_domain_destroy(&sim, PEER);
	CHECK(port(GUEST, gp)->state == XSIM_PORT_UNBOUND && port(GUEST, gp)->remote_dom == PEER,
	      "domain death closes its ports: the remote end goes back to unbound");
}

int main(void)
{
	binding();
	sending();
	closing();
	return tap_done();
}
