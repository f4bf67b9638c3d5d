/* dev_xenbus.h - a PV device's xenbus side as a backend domain sees it, device-neutral (vbd, vif).
 *
 * Set-up as a toolstack does it for a running domU (attach "new"): the frontend directory
 * /local/domain/<target>/device/<type>/<devid> (owned by the target, readable by us) with backend,
 * backend-id, state; the backend directory /local/domain/<self>/backend/<type>/<target>/<devid>
 * (ours, readable by the target) with frontend, frontend-id, online, state. Attach "existing":
 * the backend directory xl made is taken over. Then the handshake: InitWait, read the frontend's
 * ring refs (ring-ref or ring-ref%u + ring-page-order), event-channel and protocol, map the ring
 * pages (xengnttab_map_domain_grant_refs), bind the channel, Connected; Closing/Closed; reconnect;
 * removal at the end. Every hostile frontend value is checked: a bad one is one line on stderr
 * and -1, never a crash.
 */
#ifndef PEER_DEV_XENBUS_H
#define PEER_DEV_XENBUS_H

#include <stdint.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#define DEV_MAX_RING_ORDER 4u
#define DEV_MAX_RING_PAGES (1u << DEV_MAX_RING_ORDER)
#define DEV_PATH 128
/* A frontend that reached Closing and stays there this long has let go: some never write Closed
 * (an old Linux blkfront whose disk is in use stops at Closing) */
#define DEV_CLOSING_SETTLE_S 0.3

struct dev_ring {
	void *addr;                          /* the mapped pages, contiguous here; NULL: none */
	unsigned npages;
	uint32_t refs[DEV_MAX_RING_PAGES];
};

struct dev_xb {
	struct xs_handle *xsh;
	xengnttab_handle *xgt;
	xenevtchn_handle *xce;
	uint32_t self, target, devid;
	char type[8];                        /* "vbd", "vif" */
	char fe_path[DEV_PATH], be_path[DEV_PATH];
	int created;                         /* we wrote the device (attach new): remove it at the end */
	int port;                            /* our end of the bound channel, -1: none */
	unsigned remote_port;
	uint64_t events_sent, events_seen;
};

/* Fill x; no xenstore access yet. */
void dev_xb_init(struct dev_xb *x, xengnttab_handle *xgt, xenevtchn_handle *xce, struct xs_handle *xsh,
		 uint32_t self, uint32_t target, const char *type, unsigned devid);
/* attach new: write both directories with their permissions, plus the device's own keys
 * (NULL-terminated key, value pairs; fe_kv under the frontend dir, be_kv under ours).
 * attach existing: the backend dir must exist; its "frontend" key names the frontend dir. */
int dev_xb_create(struct dev_xb *x, const char *const *fe_kv, const char *const *be_kv);
int dev_xb_attach_existing(struct dev_xb *x);
/* A key under our backend dir (printf format). 0 or -1. */
int dev_xb_write(struct dev_xb *x, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int dev_xb_set_state(struct dev_xb *x, enum xenbus_state s);
/* A frontend key: 0 and the NUL-terminated value, -1 absent, -2 too long for buf. */
int dev_xb_fe_read(struct dev_xb *x, const char *key, char *buf, unsigned size);
/* A decimal frontend key <= max: 0, -1 absent, -2 malformed or out of range. */
int dev_xb_fe_uint(struct dev_xb *x, const char *key, unsigned long max, unsigned long *out);
/* The frontend's state, -1 unreadable or out of range. */
int dev_xb_fe_state(struct dev_xb *x);
/* Wait until the frontend's state is in mask (1u << state); the state, -1 at the timeout, or -2
 * (said on stderr) once the target domain's xenstore directory, seen there, is removed. */
int dev_xb_wait_fe(struct dev_xb *x, unsigned mask, double timeout);
/* Wait until the frontend let go: Closed, gone, or Closing for DEV_CLOSING_SETTLE_S. Its state
 * then, or -1 at the timeout. */
int dev_xb_wait_let_go(struct dev_xb *x, double timeout);
/* Map the ring published as `key` (order 0) or `key`0..N-1 (order > 0; the caller read and
 * checked the order), read-write. 0, or -1 with one line on stderr. */
int dev_xb_map_ring(struct dev_xb *x, const char *key, unsigned order, struct dev_ring *r);
void dev_xb_unmap_ring(struct dev_xb *x, struct dev_ring *r);
/* Bind the frontend's channel named by `key` ("event-channel"). 0, or -1 with one line. */
int dev_xb_bind(struct dev_xb *x, const char *key);
void dev_xb_unbind(struct dev_xb *x);
void dev_xb_notify(struct dev_xb *x);
/* Wait up to ms for our channel; 1 if it fired (unmasked again), 0 if not. */
int dev_xb_wait_event(struct dev_xb *x, int ms);
/* The end: attach new removes both directories; existing leaves its dir in state Closed. */
void dev_xb_remove(struct dev_xb *x);

const char *dev_xb_state_name(int state);
double dev_now(void);
void dev_sleep_ms(double ms);

#endif
