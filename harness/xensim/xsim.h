/* xsim.h - the in-process simulated Xen: grant tables, grant mapping, event channels.
 *
 * Modelled on Xen's common/grant_table.c and common/event_channel.c, not a convenience version:
 *  - a map validates the shared entry (type, domid, readonly) only when it takes the first pin, or
 *    the first write pin; later guest edits of the entry neither revoke nor redirect existing maps;
 *  - status bits are set with a cmpxchg on the combined {flags, domid} word (v1) with bounded
 *    retries, failing as "unstable" (GNTST_general_error) when the guest keeps changing it;
 *  - v2: GTF_reading/GTF_writing live in the status frame; after setting them the header is
 *    re-checked, mirroring the guest's "clear header, mb, check status" end protocol;
 *  - separate read and write pin counts per (granting domain, ref); unmapping the last write pin
 *    clears GTF_writing, unmapping the last pin clears GTF_reading;
 *  - GNTTABOP_copy pins transiently; errors are Xen's GNTST_* codes.
 * Single-threaded and deterministic: the caller drives it. No malloc: the caller owns the storage.
 */
#ifndef XSIM_H
#define XSIM_H

#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/event_channel.h>

#define XSIM_PAGE_SIZE 4096u
#define XSIM_MAX_DOMS 4
#define XSIM_MAX_PAGES 64       /* guest pages per simulated domain */
#define XSIM_MAX_GRANTS 256     /* grant entries per domain */
#define XSIM_MAX_MAPS 128       /* maptrack handles per mapping domain */
#define XSIM_MAX_PORTS 32       /* event channel ports per domain */
#define XSIM_FRAME_BASE 0x1000u /* frame numbers of domain pages: FRAME_BASE + page index */
#define XSIM_SET_STATUS_RETRIES 4

/* A peer's live mapping, as seen by the mapping domain. */
struct xsim_map {
	uint8_t in_use;
	uint8_t readonly;
	domid_t granter;
	grant_ref_t ref;
	uint64_t frame;          /* the granter's frame that this map points at */
};

/* Xen's active grant entry: what a pinned grant really points at. */
struct xsim_active {
	uint16_t rd_pins, wr_pins;
	domid_t domid;           /* the domain holding the pins */
	uint64_t frame;
	uint16_t start, length;  /* sub-page window */
};

enum xsim_port_state { XSIM_PORT_FREE = 0, XSIM_PORT_UNBOUND, XSIM_PORT_INTERDOMAIN, XSIM_PORT_RESERVED };

struct xsim_port {
	uint8_t state;
	uint8_t pending, masked;
	domid_t remote_dom;
	evtchn_port_t remote_port;
	uint32_t sends_received;
};

struct xsim_domain {
	uint8_t exists, paused;
	domid_t domid;
	unsigned gnt_version;                  /* 1 or 2 */
	uint32_t nr_pages, nr_grants;
	union {
		grant_entry_v1_t v1[XSIM_MAX_GRANTS];
		grant_entry_v2_t v2[XSIM_MAX_GRANTS];
	} shared;                              /* the guest's grant-table frames */
	grant_status_t status[XSIM_MAX_GRANTS];/* v2 status frames */
	struct xsim_active active[XSIM_MAX_GRANTS];
	struct xsim_map maps[XSIM_MAX_MAPS];   /* maps this domain holds of others' grants */
	struct xsim_port ports[XSIM_MAX_PORTS];
	uint8_t mem[XSIM_MAX_PAGES][XSIM_PAGE_SIZE];
};

/* Observer of every grant and event operation (the oracle hooks in here). Any may be NULL. */
struct xsim_observer {
	void *ctx;
	void (*on_map)(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame,
		       int readonly, grant_handle_t handle);
	void (*on_unmap)(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame,
			 grant_handle_t handle);
	void (*on_copy)(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame, int to_granter);
	void (*on_send)(void *ctx, domid_t from, evtchn_port_t port, domid_t to, evtchn_port_t remote_port);
};

struct xsim {
	struct xsim_domain doms[XSIM_MAX_DOMS];
	struct xsim_observer obs;
};

/* Reset to no domains. Cost must not grow with table sizes (fuzzers reset per input). */
void xsim_reset(struct xsim *sim);
/* Create domain `domid` with nr_pages pages and a v1 or v2 grant table of nr_grants entries. */
int xsim_domain_create(struct xsim *sim, domid_t domid, uint32_t nr_pages, unsigned gnt_version,
		       uint32_t nr_grants);
struct xsim_domain *xsim_domain(struct xsim *sim, domid_t domid); /* NULL if absent */
/* Tear down a domain as Xen would when it dies: release its maps of others, close its ports. */
void xsim_domain_destroy(struct xsim *sim, domid_t domid);

/* Frame <-> page memory of a domain; NULL / ~0 when out of range. */
uint8_t *xsim_frame_mem(struct xsim *sim, domid_t dom, uint64_t frame);
uint64_t xsim_page_frame(uint32_t page_index);

/* GNTTABOP_map_grant_ref: `mapper` maps `granter`'s ref. Returns GNTST_*; on success *handle and
 * *frame are set. flags is GNTMAP_host_map, optionally | GNTMAP_readonly. */
int16_t xsim_map(struct xsim *sim, domid_t mapper, domid_t granter, grant_ref_t ref, uint32_t flags,
		 grant_handle_t *handle, uint64_t *frame);
/* GNTTABOP_unmap_grant_ref by handle. Returns GNTST_*. */
int16_t xsim_unmap(struct xsim *sim, domid_t mapper, grant_handle_t handle);
/* GNTTABOP_copy of len bytes at offset within the granted page, to (to_granter=1) or from it,
 * with a transient pin. Returns GNTST_*. */
int16_t xsim_copy(struct xsim *sim, domid_t mapper, domid_t granter, grant_ref_t ref, uint16_t offset,
		  uint16_t len, void *buf, int to_granter);
/* Memory behind a live map (NULL if the handle is not live). Writable only if not readonly. */
uint8_t *xsim_map_mem(struct xsim *sim, domid_t mapper, grant_handle_t handle);

/* Queries for the oracle. */
unsigned xsim_ref_pins(struct xsim *sim, domid_t granter, grant_ref_t ref);      /* rd + wr pins */
unsigned xsim_frame_foreign_maps(struct xsim *sim, domid_t owner, uint64_t frame); /* live maps of it */

/* Event channels (EVTCHNOP_*). Return 0 or a negative Xen errno (-XEN_EINVAL ...). */
int xsim_evtchn_alloc_unbound(struct xsim *sim, domid_t dom, domid_t remote, evtchn_port_t *port);
int xsim_evtchn_bind_interdomain(struct xsim *sim, domid_t dom, domid_t remote, evtchn_port_t remote_port,
				 evtchn_port_t *local_port);
int xsim_evtchn_send(struct xsim *sim, domid_t dom, evtchn_port_t port);
int xsim_evtchn_close(struct xsim *sim, domid_t dom, evtchn_port_t port);
/* Returns 1 and clears the pending bit if the port was pending and unmasked, else 0. */
int xsim_evtchn_take_pending(struct xsim *sim, domid_t dom, evtchn_port_t port);
int xsim_evtchn_mask(struct xsim *sim, domid_t dom, evtchn_port_t port, int masked);

#endif
