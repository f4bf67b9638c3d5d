/* xsim.h - the in-process simulated Xen: grant tables, grant mapping, event channels.
 *
 * Modelled on Xen's common/grant_table.c and common/event_channel.c, not a convenience version:
 *  - a map validates the shared entry (type, domid, readonly) only when it takes the first pin;
 *    the first write pin over read pins re-checks only GTF_readonly (as Xen does); later guest
 *    edits of the entry neither revoke nor redirect existing maps;
 *  - status bits are set with a cmpxchg on the combined {flags, domid} word (v1) with bounded
 *    retries, failing as "unstable" (GNTST_general_error) when the guest keeps changing it;
 *  - v2: GTF_reading/GTF_writing live in the status frame; after setting them the header is
 *    re-checked and the bits backed out if it changed, mirroring the guest's "clear header, mb,
 *    check status" end protocol;
 *  - separate read and write pin counts per (granting domain, ref); unmapping the last write pin
 *    clears GTF_writing, unmapping the last pin clears GTF_reading;
 *  - GNTTABOP_copy pins transiently; errors are Xen's GNTST_* codes.
 * Single-threaded and deterministic: the caller drives it. No malloc: the caller owns the storage.
 *
 * Deliberate simplifications (documented, tested where they matter):
 *  - the mapper behaves like a PVH/HVM domain: GNTMAP_device_map is refused (GNTST_general_error);
 *  - transitive grants are refused for copy (as with Xen's "gnttab=no-transitive");
 *  - a map of a dying granter fails with GNTST_bad_domain;
 *  - a destroyed domain whose grants are still mapped stays a zombie (exists, dying) until the
 *    last foreign pin is dropped, as Xen keeps a dying domain's pages until they are unmapped.
 *
 * Reset cost (xsim_reset) is proportional to what the run touched, not to table or memory size.
 * What the simulator does not see, it cannot clear: guest code that writes grant entries must
 * reach them through xsim_gnt_v1/v2/status (tests) or report each store with xsim_guest_touch
 * (the platform ops of the in-process world). xsim_check_clean() verifies this in tests.
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
#define XSIM_MAX_GRANTS 4096    /* grant entries per domain (a library may need a 2048-entry table) */
#define XSIM_MAX_MAPS 128       /* maptrack handles per mapping domain */
#define XSIM_MAX_PORTS 32       /* event channel ports per domain */
#define XSIM_FRAME_BASE 0x1000u /* frame numbers of domain pages: FRAME_BASE + page index */
#define XSIM_SET_STATUS_RETRIES 4 /* Xen's bound: RETRIES+1 failed cmpxchgs make "unstable" */
#define XSIM_PIN_LIMIT 0x80u    /* Xen's 8-bit pin counters refuse another pin at this value */

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
	uint8_t is_sub_page;
	uint64_t frame;
	uint16_t start, length;  /* sub-page window */
};

enum xsim_port_state { XSIM_PORT_FREE = 0, XSIM_PORT_UNBOUND, XSIM_PORT_INTERDOMAIN, XSIM_PORT_RESERVED };

struct xsim_port {
	uint8_t state;
	uint8_t pending, masked;
	domid_t remote_dom;      /* UNBOUND: who may bind; INTERDOMAIN: the other end */
	evtchn_port_t remote_port;
	uint32_t sends_received;
};

struct xsim_domain {
	uint8_t exists, paused;
	uint8_t dying;                         /* destroyed; a zombie while its grants are still mapped */
	uint8_t xsm_deny;                      /* an XSM policy denies this domain's grant operations */
	domid_t domid;
	unsigned gnt_version;                  /* 1 or 2 */
	uint32_t nr_pages, nr_grants;
	uint32_t foreign_pins;                 /* pins other domains hold on this domain's grants */
	union {
		grant_entry_v1_t v1[XSIM_MAX_GRANTS];
		grant_entry_v2_t v2[XSIM_MAX_GRANTS];
	} shared;                              /* the guest's grant-table frames */
	grant_status_t status[XSIM_MAX_GRANTS];/* v2 status frames */
	struct xsim_active active[XSIM_MAX_GRANTS];
	struct xsim_map maps[XSIM_MAX_MAPS];   /* maps this domain holds of others' grants */
	struct xsim_port ports[XSIM_MAX_PORTS];
	/* Maptrack handles: never-used ones first (in order), then freed ones in FIFO order, as
	 * Xen's maptrack free list hands them out. */
	uint16_t map_fresh;                    /* handles >= map_fresh were never used */
	uint16_t map_free_head, map_free_len;
	uint16_t map_free[XSIM_MAX_MAPS];
	uint16_t port_hw;                      /* ports >= port_hw were never used */
	/* What this run touched, so that reset clears only that. */
	uint16_t nr_touched_refs, nr_touched_pages;
	uint16_t touched_refs[XSIM_MAX_GRANTS];
	uint8_t ref_touched[XSIM_MAX_GRANTS];
	uint8_t touched_pages[XSIM_MAX_PAGES];
	uint8_t page_touched[XSIM_MAX_PAGES];
	/* page-aligned, as a guest's frames are: rings and structures in them are naturally aligned */
	uint8_t mem[XSIM_MAX_PAGES][XSIM_PAGE_SIZE] __attribute__((aligned(XSIM_PAGE_SIZE)));
};

/* Where the simulator gives the guest a chance to change a grant entry under its feet. */
enum xsim_race_point {
	XSIM_RACE_V1_CMPXCHG = 1,      /* v1: entry read and checked, cmpxchg not yet done (every try) */
	XSIM_RACE_V2_BEFORE_STATUS,    /* v2: header read and checked, status bits not yet set */
	XSIM_RACE_V2_BEFORE_RECHECK,   /* v2: status bits set, header not yet re-read */
};

/* Observer of every grant and event operation (the oracle hooks in here). Any may be NULL. */
struct xsim_observer {
	void *ctx;
	void (*on_map)(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame,
		       int readonly, grant_handle_t handle);
	/* Also called for maps released by xsim_domain_destroy of the mapper. */
	void (*on_unmap)(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame,
			 grant_handle_t handle);
	/* Called while the copy's transient pin is held (after the data moved). */
	void (*on_copy)(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame, int to_granter);
	void (*on_send)(void *ctx, domid_t from, evtchn_port_t port, domid_t to, evtchn_port_t remote_port);
	/* Between the simulator's read of granter's entry `ref` and its update (see
	 * enum xsim_race_point): the callee may play the guest and rewrite the entry (or its v2
	 * status), but must not call xsim grant operations on the same ref (Xen holds the active
	 * entry lock there, so no other map of that ref can interleave). */
	void (*race_window)(void *ctx, domid_t granter, grant_ref_t ref, int point);
};

struct xsim {
	struct xsim_domain doms[XSIM_MAX_DOMS];
	struct xsim_observer obs;
};

/* Reset to no domains, all memory and tables zero. The observer is kept. Cost grows with what
 * the previous run touched, not with table sizes (fuzzers reset per input). The very first
 * reset of a fresh struct needs zeroed storage (static, or memset once). */
void xsim_reset(struct xsim *sim);
/* Create domain `domid` with nr_pages pages and a v1 or v2 grant table of nr_grants entries.
 * 0, or -XEN_EINVAL (bad sizes/version), -XEN_EEXIST (id in use, zombies too), -XEN_ENOSPC. */
int xsim_domain_create(struct xsim *sim, domid_t domid, uint32_t nr_pages, unsigned gnt_version,
		       uint32_t nr_grants);
/* The domain, dying zombies included (check ->dying); NULL if absent. */
struct xsim_domain *xsim_domain(struct xsim *sim, domid_t domid);
/* Make an XSM-like policy deny (deny=1) or allow `dom`'s map, unmap and copy: they then fail
 * with GNTST_permission_denied where Xen's XSM hooks sit. Returns 0, or -XEN_ESRCH. */
int xsim_xsm_deny(struct xsim *sim, domid_t dom, int deny);
/* Tear down a domain as Xen would when it dies: release its maps of others (in reverse handle
 * order, reporting on_unmap), close its ports (interdomain peers go back to unbound). */
void xsim_domain_destroy(struct xsim *sim, domid_t domid);

/* Frame <-> page memory of a domain; NULL / ~0 when out of range. The page counts as touched. */
uint8_t *xsim_frame_mem(struct xsim *sim, domid_t dom, uint64_t frame);
uint64_t xsim_page_frame(uint32_t page_index);

/* Guest-side access to a domain's own grant table, recorded for reset. NULL if out of range or
 * the wrong table version. */
grant_entry_v1_t *xsim_gnt_v1(struct xsim *sim, domid_t dom, grant_ref_t ref);
grant_entry_v2_t *xsim_gnt_v2(struct xsim *sim, domid_t dom, grant_ref_t ref);
grant_status_t *xsim_gnt_status(struct xsim *sim, domid_t dom, grant_ref_t ref);
/* Report a guest store at `addr` (anywhere in dom's shared entries, status frames or pages). */
void xsim_guest_touch(struct xsim *sim, domid_t dom, const volatile void *addr);
/* Full scan (O(size), tests only): 0 if every domain slot is back to all-zero state, else -1. */
int xsim_check_clean(const struct xsim *sim);

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
/* Memory behind a live map (NULL if the handle is not live). The page is returned even for a
 * read-only map: the caller must not write through it then (check xsim_map_info()->readonly),
 * or use xsim_map_mem_rw, which refuses read-only maps. */
uint8_t *xsim_map_mem(struct xsim *sim, domid_t mapper, grant_handle_t handle);
uint8_t *xsim_map_mem_rw(struct xsim *sim, domid_t mapper, grant_handle_t handle);
const struct xsim_map *xsim_map_info(struct xsim *sim, domid_t mapper, grant_handle_t handle);

/* Queries for the oracle. */
unsigned xsim_ref_pins(struct xsim *sim, domid_t granter, grant_ref_t ref);      /* rd + wr pins */
unsigned xsim_frame_foreign_maps(struct xsim *sim, domid_t owner, uint64_t frame); /* live maps of it */
/* GTF_reading|GTF_writing as Xen last left them (v1 flags or v2 status frame); 0 if out of range. */
unsigned xsim_ref_status(struct xsim *sim, domid_t granter, grant_ref_t ref);

/* Event channels (EVTCHNOP_*), 2-level semantics. Return 0 or a negative Xen errno (-XEN_EINVAL
 * ...). remote may be DOMID_SELF. */
int xsim_evtchn_alloc_unbound(struct xsim *sim, domid_t dom, domid_t remote, evtchn_port_t *port);
/* Binding also sets the new local port pending (Xen: notifications may have been lost). */
int xsim_evtchn_bind_interdomain(struct xsim *sim, domid_t dom, domid_t remote, evtchn_port_t remote_port,
				 evtchn_port_t *local_port);
/* Sets the remote port pending even when it is masked (masking stops delivery, not pending);
 * a send on an unbound port is silently dropped. */
int xsim_evtchn_send(struct xsim *sim, domid_t dom, evtchn_port_t port);
/* Closing one end of an interdomain channel leaves the other end unbound to this domain. */
int xsim_evtchn_close(struct xsim *sim, domid_t dom, evtchn_port_t port);
/* Returns 1 and clears the pending bit if the port was pending and unmasked, else 0. */
int xsim_evtchn_take_pending(struct xsim *sim, domid_t dom, evtchn_port_t port);
int xsim_evtchn_mask(struct xsim *sim, domid_t dom, evtchn_port_t port, int masked);
/* The port, or NULL if dom or port is out of range (read-only view for tests and the oracle). */
const struct xsim_port *xsim_evtchn_port(struct xsim *sim, domid_t dom, evtchn_port_t port);

#endif
