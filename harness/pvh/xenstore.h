/* xenstore.h - a small synchronous client for the xenstore shared ring (xen/io/xs_wire.h).
 * One request at a time; watch events that arrive in between are skipped. Paths without a
 * leading '/' are relative to our home, /local/domain/<domid>. */
#ifndef PVH_XENSTORE_H
#define PVH_XENSTORE_H

#include <stddef.h>
#include <xen/event_channel.h>

int xs_init(void);                                     /* HVM params -> ring + port; 0 on success */
evtchn_port_t xs_port(void);
int xs_read(const char *path, char *buf, size_t cap);  /* length, or -1 (error text in buf) */
int xs_write(const char *path, const char *value);     /* 0 or -1 */
int xs_rm(const char *path);

#endif
