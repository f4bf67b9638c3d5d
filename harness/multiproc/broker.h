/* broker.h - state of the multi-process simulated Xen and its pure message handler.
 *
 * mp_handle() takes one request as bytes and produces one reply as bytes (plus at most one fd
 * to pass): no socket I/O, so a fuzzer can drive it directly. brokerd.c is only the
 * socket loop around it. Grant entries live in each domain's memfd, where the guest process
 * writes them; the broker's private state is what Xen keeps private (active entries with pin
 * counts, maptrack handles, event-channel ports).
 */
#ifndef MP_BROKER_H
#define MP_BROKER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include "proto.h"

#define MP_MAX_CLIENTS 64u
#define MP_MAX_MAPS 256u      /* maptrack handles per connection */
#define MP_SET_STATUS_RETRIES 4
#define MP_MEM_PAGES ((unsigned)(MP_MEM_SIZE / MP_PAGE)) /* pages of a domain's memfd */

struct mp_active {            /* Xen's active grant entry */
	uint16_t rd_pins, wr_pins;
	domid_t domid;            /* the domain holding the pins */
	uint64_t frame;
};

enum mp_port_state { MP_PORT_FREE = 0, MP_PORT_UNBOUND, MP_PORT_INTER, MP_PORT_VIRQ, MP_PORT_RESERVED };

struct mp_port {
	uint8_t state, pending, masked;
	uint8_t zombie;           /* unbound by its handle but still referenced by an unmap
				   * notification: closed when the last reference goes (Linux refcnt) */
	uint16_t refs;            /* unmap notifications that will send on it */
	int owner;                /* client index that bound it, -1 for none */
	domid_t remote_dom;
	uint32_t remote_port;
};

struct mp_share_ent {         /* an xengntshr grant the broker made in a domain's table */
	uint8_t in_use, orphaned; /* orphaned: unshared while mapped, ended on the last unmap */
	int owner;                /* client index, -1 once orphaned */
	uint32_t page;
	uint32_t notify_flags, notify_off, notify_port;
};

struct mp_domain {
	uint8_t exists, paused;
	domid_t domid;
	unsigned version;         /* grant table version, 1 or 2 */
	int memfd, ro_fd;         /* read-write memfd, and a read-only fd of it for r/o maps */
	uint8_t *mem;             /* the broker's own mapping of the whole memfd */
	struct mp_active active[MP_NR_GRANTS];
	struct mp_port ports[MP_NR_PORTS];
	struct mp_share_ent shares[MP_NR_GRANTS];
	struct mp_stats *st;      /* the broker's counters (for releases found during unpin) */
	/* What mp_broker_reset must clear, so that it clears only that (a reset runs per fuzz input):
	 * active[act_lo, act_hi) may have changed, pool_page[p] is the share (ref) using pool page p
	 * (0: none), dirty[p]: the broker wrote page p of the memfd (mp_mem_dirty). */
	uint16_t act_lo, act_hi;
	uint16_t ports_hw;        /* ports[ports_hw..] were never bound since the last reset */
	uint16_t nshares;         /* shares in use (orphaned ones too) */
	uint16_t free_ref, free_page; /* no pool ref below free_ref, pool page below free_page is free */
	uint8_t pool_page[MP_NR_PAGES];
	uint8_t dirty[MP_MEM_PAGES];
	uint8_t dirty_list[MP_MEM_PAGES]; /* the pages marked in dirty, ndirty of them */
	uint16_t ndirty;
};

struct mp_maph {              /* one maptrack handle of a connection */
	uint8_t in_use, readonly;
	domid_t granter;
	uint32_t ref;
	uint32_t notify_flags, notify_off, notify_port;
};

struct mp_client {
	uint8_t in_use, hello;
	domid_t dom;
	pid_t pid;                /* from SO_PEERCRED, for pause (SIGSTOP); 0 if unknown */
	uint32_t id;
	uint8_t evt;              /* an evtchn handle: EVT_INIT or EVT_ADOPT done */
	uint8_t restricted;       /* IOCTL_EVTCHN_RESTRICT_DOMID done: only restrict_dom */
	domid_t restrict_dom;
	/* The wake fd (live broker only): a socket pair; wake_rd is the end the client holds (the
	 * broker keeps a copy to drain it, always with MSG_DONTWAIT, so no flag a client sets on it
	 * can block the broker), wake_wr the end the broker writes. Readable exactly while ring_len. */
	int wake_rd, wake_wr;
	uint64_t wake_key;        /* identity of wake_rd (inode), for EVT_ADOPT; 0 = none */
	uint16_t ring[MP_NR_PORTS];/* ports delivered and not yet read by EVT_PENDING */
	uint32_t ring_head, ring_len;
	uint32_t nmaps, nshares;  /* maps held, shares owned: a death with none skips the sweeps */
	uint32_t maps_hw;         /* maps[maps_hw..] were never used since the slot was cleared */
	struct mp_maph maps[MP_MAX_MAPS]; /* last: a free slot is cleared up to maps + maps_hw */
};

struct mp_broker {
	struct mp_domain doms[MP_MAX_DOMS];
	uint8_t slot[DOMID_FIRST_RESERVED]; /* domid -> 1 + index in doms, 0 = no such domain */
	struct mp_client clients[MP_MAX_CLIENTS];
	int live;                 /* 1 in the daemon (and the fuzzer): signals to pid > 1, wake fds */
	int shutdown;             /* set by MP_SHUTDOWN */
	uint64_t in_key;          /* identity of the fd attached to the request being handled (set
				   * by the caller of mp_handle from fstat; 0 = none) */
	uint32_t next_client_id;
	unsigned clients_hw;      /* clients[clients_hw..] were never used since init or reset */
	unsigned clients_free;    /* every client slot below it is in use */
	struct mp_stats st;
};

/* The handler's output: reply bytes and an optional fd to pass (not owned: do not close). */
struct mp_out {
	uint8_t buf[MP_MAX_MSG];
	size_t len;
	int fd;
};

/* Create the broker with the given domains (memfds of MP_MEM_SIZE). live=0 for fuzzing. */
int mp_broker_init(struct mp_broker *b, const unsigned *domids, unsigned n, int live);
void mp_broker_fini(struct mp_broker *b);
/* Back to the state mp_broker_init left, keeping the domains' memfds: every client gone first.
 * For fuzzing, where creating memfds per input would dominate, and where no client maps the
 * memfds: their memory is zeroed where the broker or a guest of the caller can have written it,
 * the grant table and status pages and every page the broker wrote (mp_mem_dirty); a page a
 * client wrote through its own mapping would keep what it holds. Slots, tables and pages never
 * used since the last reset are not touched (high-water marks). */
int mp_broker_reset(struct mp_broker *b);
/* The broker (or the caller, writing as the domain's guest) wrote [off, off + len) of d's memfd. */
void mp_mem_dirty(struct mp_domain *d, uint64_t off, uint64_t len);
struct mp_domain *mp_dom(struct mp_broker *b, uint32_t domid); /* NULL if absent */

/* A connection arrived: returns its client index or -1 when full. */
int mp_client_new(struct mp_broker *b, pid_t pid);
/* A connection closed or its process died: release maps, ports and shares as Xen would. */
void mp_client_gone(struct mp_broker *b, int ci);

/* Handle one request from client ci; always produces a reply in *out. */
void mp_handle(struct mp_broker *b, int ci, const uint8_t *msg, size_t len, struct mp_out *out);

/* Grant-table operations (broker_gnttab.c). Return GNTST_*. */
int16_t mp_gnt_map(struct mp_broker *b, struct mp_client *c, uint32_t granter, uint32_t ref, int ro,
		   uint32_t *handle, uint64_t *frame);
int16_t mp_gnt_unmap(struct mp_broker *b, struct mp_client *c, uint32_t handle);
int16_t mp_gnt_copy(struct mp_broker *b, struct mp_client *c, uint32_t granter, uint32_t ref,
		    uint16_t off, uint16_t len, uint8_t *buf, int to_granter);
int mp_gnt_set_version(struct mp_broker *b, struct mp_domain *d, unsigned version);
int mp_gnt_share(struct mp_broker *b, int ci, uint32_t domid, int writable, uint32_t *ref, uint64_t *off);
int mp_gnt_unshare(struct mp_broker *b, int ci, uint32_t ref);
void mp_gnt_share_end(struct mp_broker *b, struct mp_domain *d, uint32_t ref); /* orphan cleanup */
unsigned mp_ref_pins(struct mp_domain *d, uint32_t ref);

/* Event channels (broker_evtchn.c). Return 0 / port, or -errno. */
int mp_evt_bind_unbound(struct mp_broker *b, int ci, uint32_t remote);
int mp_evt_bind_inter(struct mp_broker *b, int ci, uint32_t remote, uint32_t rport);
int mp_evt_bind_virq(struct mp_broker *b, int ci, uint32_t virq);
int mp_evt_unbind(struct mp_broker *b, int ci, uint32_t port);
int mp_evt_notify(struct mp_broker *b, int ci, uint32_t port);
int mp_evt_send_from(struct mp_broker *b, domid_t dom, uint32_t port); /* no owner check */
int mp_evt_pending(struct mp_broker *b, int ci);
int mp_evt_unmask(struct mp_broker *b, int ci, uint32_t port);
int mp_evt_init(struct mp_broker *b, int ci);            /* the wake fd; 0 or -errno */
int mp_evt_adopt(struct mp_broker *b, int ci, uint64_t key);
int mp_evt_restrict(struct mp_broker *b, int ci, uint32_t domid);
/* Unmap notifications: take a reference on a user-bound port of dom (-EINVAL if there is none),
 * send on it and drop the reference (a zombie port closes with its last reference). */
int mp_evt_port_get(struct mp_broker *b, domid_t dom, uint32_t port);
void mp_evt_port_put(struct mp_broker *b, domid_t dom, uint32_t port);
void mp_evt_wake_close(struct mp_client *c);

#endif
