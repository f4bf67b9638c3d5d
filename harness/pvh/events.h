/* events.h - shared_info, Xen system time and event channels without interrupts.
 * We never enable upcalls: a vCPU with evtchn_upcall_mask set waits with SCHEDOP_poll on the
 * pending bit of the ports it cares about (Xen requires the mask for SCHEDOP_poll). */
#ifndef PVH_EVENTS_H
#define PVH_EVENTS_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

int events_init(void);                     /* map shared_info, mask upcalls; 0 on success */
uint64_t now_ns(void);                     /* Xen system time */
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
int evtchn_send(evtchn_port_t port);
int evtchn_test_and_clear(evtchn_port_t port); /* 1 if it was pending */
/* Block until port is pending or Xen time passes deadline_ns; clears it; 1 if it fired. */
int evtchn_wait(evtchn_port_t port, uint64_t deadline_ns);
void sleep_until(uint64_t deadline_ns);       /* block (no spinning) until Xen time passes it */
domid_t own_domid(void);                   /* via EVTCHNOP_alloc_unbound + EVTCHNOP_status */

#endif
