/* xenbus_fe.h - the frontend's xenbus side, device-neutral and freestanding (struct fe_ops):
 * wait for our device directory device/<type>/<devid> (hot-plug: the toolstack, or the peer,
 * writes it), read the backend's path and id, read backend keys (hostile values are checked),
 * publish ring refs (ring-ref or ring-ref%u + ring-page-order) and the event channel, and follow
 * the backend's state. Shared by blkfront and netfront. */
#ifndef XENBUS_FE_H
#define XENBUS_FE_H

#include <stdint.h>
#include "frontend.h"
#include "devfront.h"

#define XBFE_PATH 80

struct xbfe {
	const struct fe_ops *ops;
	char dir[XBFE_PATH];        /* device/<type>/<devid>, relative to our domain */
	char be_path[XBFE_PATH];    /* from our "backend" key */
	domid_t backend_id;
	uint8_t state;              /* our XenbusState (published as dev_xb_published(quirk, state)) */
	uint8_t quirk;              /* enum dev_xenbus */
};

/* 0 once the directory names a backend (path and id), -1 not (yet), FE_ERR_INVAL bad type. */
int xbfe_find(struct xbfe *x, const struct fe_ops *ops, const char *type, unsigned devid);
int xbfe_write(struct xbfe *x, const char *key, const char *val);       /* our key: 0 or -1 */
int xbfe_write_u(struct xbfe *x, const char *key, uint64_t v);
int xbfe_set_state(struct xbfe *x, int state);
/* A decimal backend key <= max: 0, -1 absent, -2 malformed or out of range. */
int xbfe_be_u(struct xbfe *x, const char *key, uint64_t max, uint64_t *out);
/* The backend's state, -1 unreadable or out of range. */
int xbfe_be_state(struct xbfe *x);
/* Publish a ring of 2^order pages: `key` (order 0) or `key`0..N-1 plus ring-page-order. */
int xbfe_publish_ring(struct xbfe *x, const char *key, const grant_ref_t *refs, unsigned order);

/* Small freestanding helpers. */
unsigned xbfe_strcat(char *dst, unsigned size, const char *src); /* 0 if it does not fit */
void xbfe_memset(void *p, int c, unsigned n);
void xbfe_memcpy(void *d, const void *s, unsigned n);

#endif
