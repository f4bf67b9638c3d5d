/* devfront.h - what a host gives our device frontends (blkfront, netfront) and what they report.
 *
 * Freestanding like harness/workload/frontend.c: the pages, event channels, xenstore and the grant
 * library (the seam: share/unshare/tick) come through struct fe_ops; time and waiting through
 * struct dev_host. The same frontend code runs in the multi-process target
 * (gntfuzz-target --device vbd|vif) and in the PVH guest (device=vbd|vif).
 */
#ifndef DEVFRONT_H
#define DEVFRONT_H

#include <stdint.h>
#include "frontend.h"

struct dev_host {
	const struct fe_ops *ops;
	void *ctx;                                  /* passed to the three calls below */
	uint64_t (*now_ms)(void *ctx);
	/* Sleep until `port` fires or ms pass; 1 if it fired (and was unmasked), else 0. */
	int (*wait)(void *ctx, evtchn_port_t port, unsigned ms);
	/* Pages given up to the library and not freed yet (host's count), for the end of a run. */
	unsigned (*deferred)(void *ctx);
	/* Optional (NULL: poll xenstore instead, as ours do): watch `path` and everything under it;
	 * afterwards wait() also returns 2 when one of them changed since the last wait. Only the
	 * in-process device world provides it today. */
	int (*xs_watch)(void *ctx, const char *path);
};

struct dev_params {
	unsigned devid;
	unsigned requests;        /* I/O requests to complete over all connections */
	unsigned inflight;        /* at most this many outstanding */
	unsigned duration_ms;     /* give up after this long */
	unsigned wait_ms;         /* for the device directory to appear (hot-plug) */
	unsigned ring_order;      /* wanted ring-page-order (capped by the backend's max) */
	uint8_t persistent;       /* offer feature-persistent */
	uint8_t indirect;         /* use BLKIF_OP_INDIRECT when offered */
	uint8_t protocol;         /* vbd: enum dev_protocol, the ring layout declared and used */
	uint8_t xenbus;           /* enum dev_xenbus: the states published, as real frontends differ */
};

/* vbd: the "protocol" key and the slots' layout (harness/devices/blkif_abi.h) */
enum dev_protocol { DEV_PROTO_X86_64 = 0, DEV_PROTO_X86_32, DEV_PROTO_NONE /* no key: the backend's native */ };
#define DEV_PROTOCOL_NAMES { "x86_64-abi", "x86_32-abi", "none" }

/* The xenbus states a frontend publishes: what real ones do besides the textbook sequence
 * Initialising, Initialised, Connected, Closing, Closed. The frontend's own progress is the same
 * (it still waits for the backend's Connected before its first request); only what it writes
 * differs (dev_xb_published). */
enum dev_xenbus {
	DEV_XB_NORMAL = 0,
	DEV_XB_SKIP_INITIALISED,  /* Initialising straight to Connected, also on a reconnect (firmware
				   * drivers; netfront always does, as Linux's) */
	DEV_XB_NO_CONNECTED,      /* stays Initialised and uses the device from there */
	DEV_XB_CLOSING_ONLY,      /* a teardown ends at Closing, never Closed (an old Linux blkfront
				   * with its disk in use); it reconnects from there */
};
#define DEV_XENBUS_NAMES { "normal", "skip-initialised", "no-connected", "closing-only" }

/* The state a frontend under `quirk` writes when it reaches `state`. */
static inline int dev_xb_published(unsigned quirk, int state)
{
	if (quirk == DEV_XB_SKIP_INITIALISED && state == 3 /* Initialised */)
		return 4; /* Connected */
	if (quirk == DEV_XB_NO_CONNECTED && state == 4)
		return 3;
	if (quirk == DEV_XB_CLOSING_ONLY && state == 6 /* Closed */)
		return 5; /* Closing */
	return state;
}

/* What a device frontend saw. */
struct dev_stats {
	uint64_t sent, completed, rsp_errors;        /* requests; valid responses; of them not OKAY */
	uint64_t unknown_ids, dup_ids, bad_rsp;      /* ids never issued / already completed; bad fields */
	uint64_t ring_overflows, bad_backend;        /* ring index lies; unusable backend keys */
	uint64_t returned, reused, busy, leaked, unshare_errors, reclaimed;
	uint64_t events, spurious_events, connects, teardowns;
	uint64_t data_mismatch;                      /* read data unlike what we wrote: counted only */
	uint64_t ro_written;                         /* pages shared read-only that the backend wrote: invariant 3 */
	uint64_t persistent_pages, indirect_reqs, flushes;
	unsigned spare;                              /* pages the frontend keeps unshared at the end */
	const char *end;                             /* why the run ended */
};

/* Run results. */
#define DEV_DONE 0          /* ran to the end (requests done, or the backend went away) */
#define DEV_SETUP (-1)      /* no device directory, bad parameters, or no resources */

/* Exit of the run: every page the frontend shared is unshared (busy ones stay the library's). */
int blkfront_run(const struct dev_host *h, const struct dev_params *p, struct dev_stats *st);
int netfront_run(const struct dev_host *h, const struct dev_params *p, struct dev_stats *st);

#endif
