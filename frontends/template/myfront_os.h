/* myfront_os.h - what the template's frontend expects from its operating system, as a Mini-OS- or
 * RTOS-style driver does: xenbus read/write/watch, a blocking wait on an event channel, pages, and
 * grant calls that answer whether the grant really ended. Your driver has its own names for these;
 * adapter.c is where they meet gntfuzz's frontend seam (harness/devices/front_seam.h). */
#ifndef MYFRONT_OS_H
#define MYFRONT_OS_H

#include <stdint.h>
#include <xen/grant_table.h>
#include <xen/event_channel.h>

int os_xs_read(const char *path, char *buf, unsigned size);   /* 0, or -1 absent */
int os_xs_write(const char *path, const char *value);
int os_xs_watch(const char *path);                             /* os_wait returns 2 on a change */
int os_wait(evtchn_port_t port, unsigned ms);                  /* 1 event, 2 watch, 0 timeout */
uint64_t os_now_ms(void);
int os_page_alloc(uint64_t *frame);
void os_page_free(uint64_t frame);
void *os_page_mem(uint64_t frame);
int os_evtchn_alloc(domid_t remote, evtchn_port_t *port);
void os_evtchn_notify(evtchn_port_t port);
void os_evtchn_close(evtchn_port_t port);
/* Grant a page; end a grant: 0 ended, and *frame is a page the driver owns again (to reuse or
 * free); 1 still mapped by the backend: the OS keeps the page and frees it once the backend lets
 * go, so the driver never touches *frame again; -1 error (the same). */
int os_grant(domid_t backend, uint64_t frame, int readonly, grant_ref_t *ref);
int os_end_grant(grant_ref_t ref, uint64_t *frame);
unsigned os_pending_pages(void);                               /* pages the OS still holds for us */
void os_log(const char *msg, uint64_t a, uint64_t b);

/* The driver's entry: run until the backend goes away; 0 if it ever connected. */
int myfront_main(unsigned devid, unsigned requests);

#endif
