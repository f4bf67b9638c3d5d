/* proto.h - the wire protocol between the multi-process broker and its clients.
 *
 * Transport: a SOCK_SEQPACKET Unix socket (DIR/broker.sock), so every send is one message and
 * file descriptors (domain memfds, event fds) travel with SCM_RIGHTS. One connection per open
 * library handle (xengnttab, xengntshr, xenevtchn, xc_interface or a target's memory handle),
 * mirroring Linux where maps and event ports belong to the open device file: closing the
 * connection, or the process dying, releases them. The first message on a connection must be
 * HELLO; it fixes the connection's domain for good.
 *
 * A request is struct mp_hdr + payload (len bytes, exactly the rest of the message); the reply is
 * struct mp_rhdr + payload. status < 0 is -errno; grant operations put Xen's GNTST_* code in
 * their reply payload. Every malformed message gets an error reply (EBADMSG/EPROTO/...).
 * All fields are little-endian host order; both ends run on the same machine.
 */
#ifndef MP_PROTO_H
#define MP_PROTO_H

#include <stdint.h>

#define MP_SOCK_NAME "broker.sock"
#define MP_ENV_SOCK "GNTFUZZ_BROKER" /* path of the broker socket, set by `xensim run` */
#define MP_ENV_DOMID "GNTFUZZ_DOMID" /* the domain the process belongs to */
/* Microseconds a waiting end keeps polling without sleeping (client for its reply, broker for the
 * next request) before it blocks: saves two scheduler wake-ups per round trip. 0 = always block. */
#define MP_ENV_SPIN "GNTFUZZ_SPIN_US"
#define MP_SPIN_US_DEFAULT 30
#define MP_SPIN_US_MAX 1000

#define MP_PAGE 4096u
/* Domain memory (one memfd): guest pages, then the grant table page, then the v2 status page.
 * Frame numbers are page indexes. Pages [0, MP_POOL_FIRST_PAGE) are the guest's own (the target's
 * grants library); [MP_POOL_FIRST_PAGE, MP_NR_PAGES) are the xengntshr (gntalloc) pool. */
#define MP_NR_PAGES 128u
#define MP_POOL_FIRST_PAGE 64u
#define MP_NR_GRANTS 256u            /* one page of v2 entries (16 bytes each) */
#define MP_POOL_FIRST_REF 128u       /* refs the broker hands out for xengntshr */
#define MP_GT_OFFSET ((uint64_t)MP_NR_PAGES * MP_PAGE)
#define MP_STATUS_OFFSET (MP_GT_OFFSET + MP_PAGE)
#define MP_MEM_SIZE (MP_STATUS_OFFSET + MP_PAGE)
#define MP_NR_PORTS 64u
#define MP_MAX_DOMS 8u

#define MP_MAX_MSG 8192u
#define MP_MAX_COPY 4096u
#define MP_MAX_SHARE (MP_NR_PAGES - MP_POOL_FIRST_PAGE) /* pages per xengntshr_share_pages call: the pool */
/* Ports below this are "channels of the ABI" (FIFO ABI with one event-array page): unbinding one
 * that is not ours is ENOTCONN, beyond it EINVAL, as the Linux evtchn device answers. */
#define MP_EVTCHN_NR_CHANNELS 1024u

enum mp_op {
	MP_HELLO = 1,       /* mp_hello -> mp_hello_reply */
	MP_GET_MEM,         /* -> mp_mem_reply + own memfd (read-write) */
	MP_SET_VERSION,     /* u32 version: GNTTABOP_set_version, only with no pins */
	MP_MAP,             /* mp_map -> mp_map_reply (+ granter memfd unless have_fd) */
	MP_UNMAP,           /* u32 handle -> mp_gntst */
	MP_COPY,            /* mp_copy + data -> mp_gntst + data */
	MP_SHARE,           /* mp_share -> mp_share_reply (+ own memfd unless have_fd) */
	MP_UNSHARE,         /* u32 ref -> (status only) */
	MP_EVT_INIT,        /* -> the handle's wake fd (a socket: readable exactly while a port is
			     *    queued for the handle; the broker keeps it so) */
	MP_EVT_BIND_UNBOUND,/* u32 remote domid -> u32 port */
	MP_EVT_BIND_INTER,  /* u32 remote domid, u32 remote port -> u32 port */
	MP_EVT_BIND_VIRQ,   /* u32 virq -> u32 port */
	MP_EVT_UNBIND,      /* u32 port (-EINVAL beyond MP_EVTCHN_NR_CHANNELS, -ENOTCONN not ours) */
	MP_EVT_NOTIFY,      /* u32 port (-ENOTCONN unless bound through this handle) */
	MP_EVT_PENDING,     /* -> u32 port (status -EAGAIN when none: the client then blocks on its
			     *    wake fd unless that fd is O_NONBLOCK) */
	MP_EVT_UNMASK,      /* u32 port (any port: unknown ones are ignored, as by the device) */
	MP_DOMINFO,         /* u32 first domid -> mp_dominfo[] (domains >= first) */
	MP_PAUSE,           /* u32 domid (dom0 only) */
	MP_UNPAUSE,         /* u32 domid (dom0 only) */
	MP_STATS,           /* -> mp_stats */
	MP_REF_PINS,        /* u32 domid, u32 ref -> u32 rd pins, u32 wr pins, u32 pinned frame */
	MP_SHUTDOWN,        /* dom0 only: the broker exits after replying */
	MP_FRAME_MAPS,      /* u32 domid, u32 frame -> u32 pins held on grants of that frame */
	MP_EVT_ADOPT,       /* with a wake fd attached (SCM_RIGHTS): take over the ports, queue and
			     * restriction of the handle that fd belongs to (xenevtchn_fdopen after
			     * exec); the fd proves possession, as the device fd does */
	MP_EVT_RESTRICT,    /* u32 domid: IOCTL_EVTCHN_RESTRICT_DOMID (-EACCES when already
			     * restricted, -EINVAL for 0 or a reserved id) */
	MP_OP_MAX
};

struct mp_hdr {
	uint16_t op;
	uint16_t flags;      /* reserved, must be 0 */
	uint32_t len;        /* payload bytes following */
};

struct mp_rhdr {
	uint16_t op;         /* the request's op, or 0 when the request was unreadable */
	uint16_t nfds;       /* fds attached with SCM_RIGHTS */
	int32_t status;      /* >= 0 ok, < 0 -errno */
	uint32_t len;        /* payload bytes following */
	uint32_t pad;
};

enum mp_kind { MP_KIND_GNTTAB = 1, MP_KIND_GNTSHR, MP_KIND_EVTCHN, MP_KIND_CTRL, MP_KIND_MEM };

struct mp_hello {
	uint32_t magic;      /* MP_MAGIC */
	uint16_t domid;
	uint16_t kind;       /* enum mp_kind, informative */
};
#define MP_MAGIC 0x67667a31u /* "gfz1" */

struct mp_hello_reply {
	uint32_t client_id;
	uint32_t nr_grants;
};

struct mp_mem_reply {
	uint64_t size, gt_offset, status_offset;
	uint32_t nr_pages, nr_grants, pool_first_page, pool_first_ref;
	uint32_t version;
	uint32_t pad;
};

#define MP_MAP_READONLY 1u
#define MP_MAP_HAVE_FD 2u       /* the client already holds the granter's memfd */
#define MP_MAP_NOTIFY_BYTE 4u   /* UNMAP_NOTIFY_CLEAR_BYTE at notify_off (< MP_PAGE; not on a
				 * read-only map: -EINVAL, as gntdev) */
#define MP_MAP_NOTIFY_EVENT 8u  /* UNMAP_NOTIFY_SEND_EVENT on notify_port: a port of the mapper's
				 * domain bound through an evtchn handle (else -EINVAL); it stays
				 * open until the notification is sent, as evtchn_get() keeps it */

struct mp_map {
	uint32_t granter;
	uint32_t ref;
	uint32_t flags;         /* MP_MAP_* */
	uint32_t notify_off;
	uint32_t notify_port;
};

struct mp_map_reply {
	int32_t gntst;          /* GNTST_okay or the error Xen would return */
	uint32_t handle;
	uint64_t offset;        /* of the mapped page in the granter's memfd */
};

struct mp_gntst {
	int32_t gntst;
};

#define MP_COPY_TO_GRANTER 1u
struct mp_copy {
	uint32_t granter, ref;
	uint16_t offset, len;
	uint32_t flags;         /* MP_COPY_TO_GRANTER: data follows the struct */
};

#define MP_SHARE_WRITABLE 1u
#define MP_SHARE_HAVE_FD 2u
struct mp_share {
	uint32_t domid;         /* the domain allowed to map (any id < 65536: Xen does not check) */
	uint32_t count;         /* 1..MP_MAX_SHARE */
	uint32_t flags;         /* MP_SHARE_* */
	uint32_t notify_off;    /* on unshare of the first page: clear this byte ... */
	uint32_t notify_port;   /* ... and/or send on this port (~0u = none) */
	uint32_t notify_flags;  /* MP_MAP_NOTIFY_BYTE | MP_MAP_NOTIFY_EVENT */
};

struct mp_share_reply {
	uint32_t count;
	uint32_t refs[MP_MAX_SHARE];
	uint64_t offsets[MP_MAX_SHARE];
};

struct mp_dominfo {
	uint32_t domid;
	uint32_t paused;
	uint32_t nr_pages;
	uint32_t clients;
};

struct mp_stats {
	uint32_t clients;       /* live connections */
	uint32_t live_maps;     /* map handles held by all clients */
	uint32_t pins;          /* sum of rd+wr pins over every domain's active entries */
	uint32_t ports;         /* bound event-channel ports */
	uint32_t shares;        /* xengntshr grants not yet ended */
	uint32_t paused;        /* bit mask of paused domains */
	uint64_t msgs;          /* messages handled */
	uint64_t errors;        /* messages answered with status < 0 */
	uint64_t maps_total, unmaps_total, events_sent, released_on_close;
};

#endif
