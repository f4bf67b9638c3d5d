/* wl_proto.h - the wire protocol between the workload frontend and its backend (the peer).
 *
 * A private split-driver protocol on Xen's shared-ring macros: one page holds the ring, each
 * request grants one data page read-write, each response names a request id. Both sides include
 * this file (the frontend, the in-process backend, and peer/), so it depends only on Xen's public
 * headers. The data pages carry a tag so that reuse is visible from the peer's side.
 */
#ifndef WL_PROTO_H
#define WL_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>

/* ring.h leaves the barriers to its user (interface version >= 0x00030208). */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

struct wl_request {
	uint16_t id;         /* the frontend's request id; answered in wl_response.id */
	uint16_t op;         /* WL_OP_DATA (read-write grant) or WL_OP_READ (read-only grant) */
	grant_ref_t gref;    /* the data page, granted to the backend */
};

struct wl_response {
	uint16_t id;
	int16_t status;      /* WL_RSP_OK or WL_RSP_ERROR */
};

#define WL_OP_DATA 1  /* the backend may read and write the page: granted read-write */
#define WL_OP_READ 2  /* the backend only reads it (a transmit buffer): granted read-only */
#define WL_RSP_OK 0
#define WL_RSP_ERROR (-1)

DEFINE_RING_TYPES(wl, struct wl_request, struct wl_response);

#define WL_PAGE_SIZE 4096u
#define WL_RING_SIZE __CONST_RING_SIZE(wl, WL_PAGE_SIZE)

/* Written at WL_TAG_OFFSET of every data page the frontend owns. A peer that reads WL_TAG_REUSED through a
 * map it still holds is looking at memory the frontend took back: the MSA02 failure made visible. */
struct wl_tag {
	uint32_t magic;      /* WL_TAG_MAGIC */
	uint16_t kind;       /* WL_TAG_REQUEST: shared for a request; WL_TAG_REUSED: private again */
	uint16_t req_id;     /* the request it was shared for (WL_TAG_REQUEST) */
	uint64_t seq;        /* the frontend's tag counter: every tag it writes is new */
};
#define WL_TAG_MAGIC 0x46544e47u  /* "GNTF" little-endian */
/* Where the tag lives in the page: the first bytes are left to the host (the in-process world
 * keeps its own allocation tag and the peer's write mark there). */
#define WL_TAG_OFFSET 256u
#define WL_TAG_REQUEST 1
#define WL_TAG_REUSED 2

/* Xenstore keys under the frontend's device path (as PV frontends publish them), and under the
 * backend's path. Values are decimal strings. */
#define WL_XS_RING_REF "ring-ref"
#define WL_XS_EVTCHN "event-channel"
#define WL_XS_STATE "state"

#endif
