/* events.c - shared_info mapping, pvclock time and polled event channels. */
#include <stdint.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include "events.h"
#include "hypercall.h"
#include "layout.h"
#include "xenmem.h"

static struct shared_info *shinfo;
static uint64_t fallback_clock; /* if Xen gave us no usable pvclock, time advances per call */

int events_init(void)
{
	if (xenmem_add_to_physmap(XENMAPSPACE_shared_info, 0, GFN_SHARED_INFO))
		return -1;
	shinfo = gfn_to_ptr(GFN_SHARED_INFO);
	shinfo->vcpu_info[0].evtchn_upcall_mask = 1;
	return 0;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t now_ns(void)
{
	volatile struct vcpu_time_info *t = &shinfo->vcpu_info[0].time;
	uint32_t ver;
	uint64_t sys, stamp, delta;
	uint32_t mul;
	int8_t shift;
	do {
		ver = t->version;
		asm volatile("" ::: "memory");
		sys = t->system_time;
		stamp = t->tsc_timestamp;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		asm volatile("" ::: "memory");
	} while ((ver & 1) || ver != t->version);
	if (!mul)
		return fallback_clock += 1000000; /* 1 ms per call: bounded waits still end */
	delta = rdtsc() - stamp;
	if (shift >= 0)
		delta <<= shift;
	else
		delta >>= -shift;
	return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = hyp_event_channel_op(EVTCHNOP_alloc_unbound, &op);
	if (rc)
		return (int)rc;
	*port = op.port;
	return 0;
}

int evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };
	return (int)hyp_event_channel_op(EVTCHNOP_send, &op);
}

int evtchn_test_and_clear(evtchn_port_t port)
{
	unsigned char old;
	/* atomic: Xen sets these bits concurrently from other CPUs */
	asm volatile("lock btrq %2, %1; setc %0"
		     : "=q"(old), "+m"(*(volatile xen_ulong_t *)&shinfo->evtchn_pending[port / 64])
		     : "r"((uint64_t)(port % 64)) : "memory", "cc");
	return old;
}

int evtchn_wait(evtchn_port_t port, uint64_t deadline_ns)
{
	while (!evtchn_test_and_clear(port)) {
		uint64_t now = now_ns();
		if (now >= deadline_ns)
			return 0;
		evtchn_port_t ports[1] = { port };
		struct sched_poll poll = { .nr_ports = 1, .timeout = deadline_ns };
		set_xen_guest_handle(poll.ports, ports);
		hyp_sched_op(SCHEDOP_poll, &poll);
	}
	return 1;
}

void sleep_until(uint64_t deadline_ns)
{
	/* SCHEDOP_poll on no port: Xen blocks the vCPU until the timeout (no busy loop under TCG) */
	while (now_ns() < deadline_ns) {
		struct sched_poll poll = { .nr_ports = 0, .timeout = deadline_ns };
		set_xen_guest_handle(poll.ports, (evtchn_port_t *)0);
		hyp_sched_op(SCHEDOP_poll, &poll);
	}
}

domid_t own_domid(void)
{
	evtchn_port_t port = 0;
	if (evtchn_alloc_unbound(DOMID_SELF, &port))
		return DOMID_INVALID;
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	domid_t id = DOMID_INVALID;
	if (!hyp_event_channel_op(EVTCHNOP_status, &st) && st.status == EVTCHNSTAT_unbound)
		id = st.u.unbound.dom;
	struct evtchn_close cl = { .port = port };
	hyp_event_channel_op(EVTCHNOP_close, &cl);
	return id;
}
