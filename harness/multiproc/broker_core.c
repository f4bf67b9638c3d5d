/* broker_core.c - domains, connections and the pure request handler of the broker.
 *
 * mp_handle() is the whole protocol: bytes in, reply bytes out. Every request, however broken,
 * gets a reply with a status; nothing in a request can make the broker index out of bounds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "broker.h"

struct mp_domain *mp_dom(struct mp_broker *b, uint32_t domid)
{
	if (domid >= DOMID_FIRST_RESERVED || !b->slot[domid])
		return NULL;
	return &b->doms[b->slot[domid] - 1];
}

int mp_broker_init(struct mp_broker *b, const unsigned *domids, unsigned n, int live)
{
	memset(b, 0, sizeof(*b));
	b->live = live;
	if (n > MP_MAX_DOMS)
		return -EINVAL;
	for (unsigned i = 0; i < MP_MAX_CLIENTS; i++)
		b->clients[i].wake_rd = b->clients[i].wake_wr = -1;
	for (unsigned i = 0; i < n; i++) {
		struct mp_domain *d = &b->doms[i];
		char name[32], path[64];
		if (domids[i] >= DOMID_FIRST_RESERVED || mp_dom(b, domids[i]))
			return -EINVAL;
		snprintf(name, sizeof(name), "gntfuzz-dom%u", domids[i]);
		d->memfd = memfd_create(name, MFD_CLOEXEC);
		if (d->memfd < 0 || ftruncate(d->memfd, MP_MEM_SIZE) < 0)
			return -errno;
		/* A read-only fd of the same memory: a peer's r/o map cannot be mprotect'ed writable. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", d->memfd);
		d->ro_fd = open(path, O_RDONLY | O_CLOEXEC);
		d->mem = mmap(NULL, MP_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
		if (d->ro_fd < 0 || d->mem == MAP_FAILED)
			return -errno;
		d->exists = 1;
		d->domid = domids[i];
		b->slot[domids[i]] = (uint8_t)(i + 1);
		d->version = 1;
		d->st = &b->st;
		for (unsigned p = 0; p < MP_NR_PORTS; p++)
			d->ports[p].owner = -1;
		for (unsigned r = 0; r < MP_NR_GRANTS; r++)
			d->shares[r].owner = -1;
		d->act_lo = MP_NR_GRANTS;
		d->ports_hw = MP_NR_PORTS; /* not known to be free: the first reset clears them */
		d->free_ref = MP_POOL_FIRST_REF;
		d->free_page = MP_POOL_FIRST_PAGE;
	}
	return 0;
}

/* Every client goes, as if it had died: its maps, shares and ports are released. */
static void drop_clients(struct mp_broker *b)
{
	for (unsigned i = 0; i < b->clients_hw; i++)
		if (b->clients[i].in_use)
			mp_client_gone(b, i);
}

void mp_broker_fini(struct mp_broker *b)
{
	drop_clients(b);
	for (unsigned i = 0; i < MP_MAX_DOMS; i++) {
		struct mp_domain *d = &b->doms[i];
		if (!d->exists)
			continue;
		munmap(d->mem, MP_MEM_SIZE);
		close(d->memfd);
		close(d->ro_fd);
		b->slot[d->domid] = 0;
		d->exists = 0;
	}
}

/* A client slot as no connection left it: zero up to its handles in use since it was cleared,
 * no wake fd. The handles past maps_hw are zero already (the slot was cleared that far). */
static void client_clear(struct mp_client *c)
{
	uint32_t hw = c->maps_hw;
	memset(c, 0, offsetof(struct mp_client, maps));
	memset(c->maps, 0, hw * sizeof(c->maps[0]));
	c->wake_rd = c->wake_wr = -1;
}

void mp_mem_dirty(struct mp_domain *d, uint64_t off, uint64_t len)
{
	if (!len || off >= MP_MEM_SIZE)
		return;
	if (len > MP_MEM_SIZE - off)
		len = MP_MEM_SIZE - off;
	for (uint64_t p = off / MP_PAGE; p <= (off + len - 1) / MP_PAGE; p++)
		if (!d->dirty[p]) {
			d->dirty[p] = 1;
			d->dirty_list[d->ndirty++] = (uint8_t)p;
		}
}

int mp_broker_reset(struct mp_broker *b)
{
	drop_clients(b); /* each client slot is cleared as it goes (client_clear) */
	for (unsigned i = 0; i < MP_MAX_DOMS; i++) {
		struct mp_domain *d = &b->doms[i];
		if (!d->exists)
			continue;
		/* The pages written since the last reset read zeroes again: the grant table and status
		 * pages (the guests' and the broker's), the pages the broker wrote. The mapping and the
		 * pages stay (no page to fault in again, no ftruncate). */
		mp_mem_dirty(d, MP_GT_OFFSET, 2 * MP_PAGE);
		for (unsigned k = 0; k < d->ndirty; k++) {
			unsigned p = d->dirty_list[k];
			memset(d->mem + (uint64_t)p * MP_PAGE, 0, MP_PAGE);
			d->dirty[p] = 0;
		}
		d->ndirty = 0;
		d->paused = 0;
		d->version = 1;
		if (d->act_hi > d->act_lo)
			memset(&d->active[d->act_lo], 0, (d->act_hi - d->act_lo) * sizeof(d->active[0]));
		d->act_lo = MP_NR_GRANTS;
		d->act_hi = 0;
		memset(d->ports, 0, d->ports_hw * sizeof(d->ports[0]));
		for (unsigned p = 0; p < d->ports_hw; p++)
			d->ports[p].owner = -1;
		d->ports_hw = 0;
		d->free_ref = MP_POOL_FIRST_REF;
		d->free_page = MP_POOL_FIRST_PAGE;
		/* Every share ended with its owner's death or its last unmap (mp_gnt_share_end leaves the
		 * entry and its pool page as init makes them): only a count that says otherwise makes
		 * the tables be swept. */
		if (d->nshares) {
			for (unsigned r = 0; r < MP_NR_GRANTS; r++) {
				memset(&d->shares[r], 0, sizeof(d->shares[r]));
				d->shares[r].owner = -1;
			}
			memset(d->pool_page, 0, sizeof(d->pool_page));
			d->nshares = 0;
		}
	}
	for (unsigned i = 0; i < b->clients_hw; i++) /* cleared as they went; kept to be sure */
		client_clear(&b->clients[i]);
	b->clients_hw = b->clients_free = 0;
	memset(&b->st, 0, sizeof(b->st));
	b->shutdown = 0;
	b->in_key = 0;
	b->next_client_id = 0;
	return 0;
}

int mp_client_new(struct mp_broker *b, pid_t pid)
{
	for (unsigned i = b->clients_free; i < MP_MAX_CLIENTS; i++) {
		struct mp_client *c = &b->clients[i];
		if (c->in_use)
			continue;
		b->clients_free = i + 1;
		/* a free slot is clear (client_clear when its last connection went, or never used) */
		c->in_use = 1;
		c->pid = pid;
		c->id = ++b->next_client_id;
		if (i >= b->clients_hw)
			b->clients_hw = i + 1;
		b->st.clients++;
		return (int)i;
	}
	return -1;
}

void mp_client_gone(struct mp_broker *b, int ci)
{
	struct mp_client *c = &b->clients[ci];
	if (!c->in_use)
		return;
	/* As on process death under Xen: gntdev unmaps (with its notifications), the evtchn
	 * device closes its ports (one still referenced by another handle's unmap notification
	 * stays bound until that fires), gntalloc ends unmapped grants and orphans mapped ones. */
	for (uint32_t h = 0; c->nmaps && h < MP_MAX_MAPS; h++)
		if (c->maps[h].in_use) {
			mp_gnt_unmap(b, c, h);
			b->st.released_on_close++;
		}
	struct mp_domain *d = mp_dom(b, c->dom);
	if (d && c->hello) {
		for (uint32_t p = 1; c->evt && p < d->ports_hw; p++) /* none bound past ports_hw */
			if (d->ports[p].state != MP_PORT_FREE && d->ports[p].owner == ci) {
				mp_evt_unbind(b, ci, p);
				b->st.released_on_close++;
			}
		for (uint32_t r = MP_POOL_FIRST_REF; c->nshares && r < MP_NR_GRANTS; r++) /* shares: pool refs */
			if (d->shares[r].in_use && d->shares[r].owner == ci) {
				mp_gnt_unshare(b, ci, r);
				b->st.released_on_close++;
			}
	}
	mp_evt_wake_close(c);
	client_clear(c);
	if ((unsigned)ci < b->clients_free)
		b->clients_free = (unsigned)ci;
	b->st.clients--;
}

/* --- reply building --- */

static void reply(struct mp_broker *b, struct mp_out *out, uint16_t op, int32_t status, const void *payload,
		  size_t plen)
{
	struct mp_rhdr rh = { .op = op, .nfds = out->fd >= 0, .status = status, .len = (uint32_t)plen };
	memcpy(out->buf, &rh, sizeof(rh));
	if (plen)
		memcpy(out->buf + sizeof(rh), payload, plen);
	out->len = sizeof(rh) + plen;
	if (status < 0)
		b->st.errors++;
}

static int get_u32s(const uint8_t *p, size_t len, uint32_t *v, size_t n)
{
	if (len != n * 4)
		return -1;
	memcpy(v, p, n * 4);
	return 0;
}

static void signal_domain(struct mp_broker *b, domid_t dom, int sig)
{
	if (!b->live)
		return;
	for (unsigned i = 0; i < b->clients_hw; i++) {
		struct mp_client *c = &b->clients[i];
		if (c->in_use && c->hello && c->dom == dom && c->pid > 1 && c->pid != getpid())
			kill(c->pid, sig);
	}
}

static void fill_stats(struct mp_broker *b, struct mp_stats *s)
{
	*s = b->st;
	s->pins = 0;
	s->paused = 0;
	for (unsigned i = 0; i < MP_MAX_DOMS; i++) {
		struct mp_domain *d = &b->doms[i];
		if (!d->exists)
			continue;
		for (uint32_t r = d->act_lo; r < d->act_hi; r++) /* no pin was ever taken outside */
			s->pins += d->active[r].rd_pins + d->active[r].wr_pins;
		if (d->paused && d->domid < 32)
			s->paused |= 1u << d->domid;
	}
}

/* Requests with u32 arguments only: how many each takes (-1: not such an op). */
static int u32_args(uint16_t op)
{
	switch (op) {
	case MP_GET_MEM: case MP_EVT_INIT: case MP_EVT_PENDING: case MP_STATS: case MP_SHUTDOWN:
	case MP_EVT_ADOPT:
		return 0;
	case MP_SET_VERSION: case MP_UNMAP: case MP_UNSHARE: case MP_EVT_BIND_UNBOUND:
	case MP_EVT_BIND_VIRQ: case MP_EVT_UNBIND: case MP_EVT_NOTIFY: case MP_EVT_UNMASK:
	case MP_DOMINFO: case MP_PAUSE: case MP_UNPAUSE: case MP_EVT_RESTRICT:
		return 1;
	case MP_EVT_BIND_INTER: case MP_REF_PINS: case MP_FRAME_MAPS:
		return 2;
	default:
		return -1;
	}
}

static void handle_op(struct mp_broker *b, int ci, uint16_t op, const uint8_t *p, size_t len,
		      struct mp_out *out)
{
	struct mp_client *c = &b->clients[ci];
	struct mp_domain *self = mp_dom(b, c->dom);
	uint32_t a[2] = { 0, 0 };
	int na = u32_args(op);
	if (na >= 0 && get_u32s(p, len, a, (size_t)na) < 0)
		return reply(b, out, op, -EBADMSG, NULL, 0);
	int rc;
	switch (op) {
	case MP_GET_MEM: {
		struct mp_mem_reply r = { MP_MEM_SIZE, MP_GT_OFFSET, MP_STATUS_OFFSET, MP_NR_PAGES, MP_NR_GRANTS,
					  MP_POOL_FIRST_PAGE, MP_POOL_FIRST_REF, self->version, 0 };
		out->fd = self->memfd;
		return reply(b, out, op, 0, &r, sizeof(r));
	}
	case MP_SET_VERSION:
		return reply(b, out, op, mp_gnt_set_version(b, self, a[0]), NULL, 0);
	case MP_MAP: {
		struct mp_map m;
		struct mp_map_reply r = { 0 };
		uint64_t frame = 0;
		if (len != sizeof(m))
			return reply(b, out, op, -EBADMSG, NULL, 0);
		memcpy(&m, p, sizeof(m));
		if (m.flags & ~(MP_MAP_READONLY | MP_MAP_HAVE_FD | MP_MAP_NOTIFY_BYTE | MP_MAP_NOTIFY_EVENT))
			return reply(b, out, op, -EINVAL, NULL, 0);
		/* gntdev's SET_UNMAP_NOTIFY: no byte on a read-only map, only a port bound through an
		 * evtchn handle of our domain (evtchn_get); it is refused before anything is mapped. */
		if ((m.flags & MP_MAP_NOTIFY_BYTE) &&
		    ((m.flags & MP_MAP_READONLY) || m.notify_off >= MP_PAGE))
			return reply(b, out, op, -EINVAL, NULL, 0);
		if ((m.flags & MP_MAP_NOTIFY_EVENT) && mp_evt_port_get(b, c->dom, m.notify_port) < 0)
			return reply(b, out, op, -EINVAL, NULL, 0);
		r.gntst = mp_gnt_map(b, c, m.granter, m.ref, m.flags & MP_MAP_READONLY, &r.handle, &frame);
		if (r.gntst != GNTST_okay && (m.flags & MP_MAP_NOTIFY_EVENT))
			mp_evt_port_put(b, c->dom, m.notify_port);
		if (r.gntst == GNTST_okay) {
			struct mp_maph *h = &c->maps[r.handle];
			h->notify_flags = m.flags & (MP_MAP_NOTIFY_BYTE | MP_MAP_NOTIFY_EVENT);
			h->notify_off = m.notify_off;
			h->notify_port = m.notify_port;
			r.offset = frame * MP_PAGE;
			if (!(m.flags & MP_MAP_HAVE_FD)) {
				struct mp_domain *g = mp_dom(b, m.granter);
				out->fd = (m.flags & MP_MAP_READONLY) ? g->ro_fd : g->memfd;
			}
		}
		return reply(b, out, op, 0, &r, sizeof(r));
	}
	case MP_UNMAP: {
		struct mp_gntst r = { mp_gnt_unmap(b, c, a[0]) };
		return reply(b, out, op, 0, &r, sizeof(r));
	}
	case MP_COPY: {
		struct mp_copy cp;
		uint8_t buf[sizeof(struct mp_gntst) + MP_MAX_COPY];
		if (len < sizeof(cp))
			return reply(b, out, op, -EBADMSG, NULL, 0);
		memcpy(&cp, p, sizeof(cp));
		int to = !!(cp.flags & MP_COPY_TO_GRANTER);
		if (cp.len > MP_MAX_COPY || len != sizeof(cp) + (to ? cp.len : 0))
			return reply(b, out, op, -EBADMSG, NULL, 0);
		uint8_t *data = buf + sizeof(struct mp_gntst);
		if (to)
			memcpy(data, p + sizeof(cp), cp.len);
		struct mp_gntst r = { mp_gnt_copy(b, c, cp.granter, cp.ref, cp.offset, cp.len, data, to) };
		memcpy(buf, &r, sizeof(r));
		size_t n = sizeof(r) + ((!to && r.gntst == GNTST_okay) ? cp.len : 0);
		return reply(b, out, op, 0, buf, n);
	}
	case MP_SHARE: {
		struct mp_share s;
		struct mp_share_reply r = { 0 };
		if (len != sizeof(s))
			return reply(b, out, op, -EBADMSG, NULL, 0);
		memcpy(&s, p, sizeof(s));
		if (s.count == 0 || (s.flags & ~(MP_SHARE_WRITABLE | MP_SHARE_HAVE_FD)) ||
		    (s.notify_flags & ~(MP_MAP_NOTIFY_BYTE | MP_MAP_NOTIFY_EVENT)) ||
		    ((s.notify_flags & MP_MAP_NOTIFY_BYTE) && s.notify_off >= MP_PAGE))
			return reply(b, out, op, -EINVAL, NULL, 0);
		if (s.count > MP_MAX_SHARE)
			return reply(b, out, op, -ENOSPC, NULL, 0); /* more than the pool: gntalloc's limit */
		/* gntalloc's SET_UNMAP_NOTIFY takes a reference on the port (evtchn_get) or fails. */
		if ((s.notify_flags & MP_MAP_NOTIFY_EVENT) && mp_evt_port_get(b, c->dom, s.notify_port) < 0)
			return reply(b, out, op, -EINVAL, NULL, 0);
		for (r.count = 0; r.count < s.count; r.count++) {
			rc = mp_gnt_share(b, ci, s.domid, s.flags & MP_SHARE_WRITABLE, &r.refs[r.count],
					  &r.offsets[r.count]);
			if (rc < 0) { /* all or nothing */
				while (r.count--)
					mp_gnt_unshare(b, ci, r.refs[r.count]);
				if (s.notify_flags & MP_MAP_NOTIFY_EVENT)
					mp_evt_port_put(b, c->dom, s.notify_port);
				return reply(b, out, op, rc, NULL, 0);
			}
		}
		struct mp_share_ent *e = &self->shares[r.refs[0]];
		e->notify_flags = s.notify_flags;
		e->notify_off = s.notify_off;
		e->notify_port = s.notify_port;
		if (!(s.flags & MP_SHARE_HAVE_FD))
			out->fd = self->memfd;
		return reply(b, out, op, 0, &r, sizeof(r));
	}
	case MP_UNSHARE:
		return reply(b, out, op, mp_gnt_unshare(b, ci, a[0]), NULL, 0);
	case MP_EVT_INIT:
		if ((rc = mp_evt_init(b, ci)) < 0)
			return reply(b, out, op, rc, NULL, 0);
		out->fd = c->wake_rd;
		return reply(b, out, op, 0, NULL, 0);
	case MP_EVT_ADOPT:
		return reply(b, out, op, mp_evt_adopt(b, ci, b->in_key), NULL, 0);
	case MP_EVT_BIND_UNBOUND: case MP_EVT_BIND_INTER: case MP_EVT_BIND_VIRQ: case MP_EVT_RESTRICT:
	case MP_EVT_UNBIND: case MP_EVT_NOTIFY: case MP_EVT_PENDING: case MP_EVT_UNMASK: {
		if (!c->evt)
			return reply(b, out, op, -EBADF, NULL, 0); /* EVT_INIT first */
		rc = op == MP_EVT_BIND_UNBOUND ? mp_evt_bind_unbound(b, ci, a[0])
		   : op == MP_EVT_RESTRICT ? mp_evt_restrict(b, ci, a[0])
		   : op == MP_EVT_BIND_INTER ? mp_evt_bind_inter(b, ci, a[0], a[1])
		   : op == MP_EVT_BIND_VIRQ ? mp_evt_bind_virq(b, ci, a[0])
		   : op == MP_EVT_UNBIND ? mp_evt_unbind(b, ci, a[0])
		   : op == MP_EVT_NOTIFY ? mp_evt_notify(b, ci, a[0])
		   : op == MP_EVT_PENDING ? mp_evt_pending(b, ci)
		   : mp_evt_unmask(b, ci, a[0]);
		uint32_t port = rc > 0 ? (uint32_t)rc : 0;
		return reply(b, out, op, rc < 0 ? rc : 0, &port, sizeof(port));
	}
	case MP_DOMINFO: {
		/* The existing domains with id >= first, in id order (a walk over the domains, not the
		 * id space: a hostile `first` costs nothing). */
		struct mp_dominfo di[MP_MAX_DOMS];
		unsigned n = 0;
		for (unsigned i = 0; i < MP_MAX_DOMS; i++) {
			struct mp_domain *d = &b->doms[i];
			if (!d->exists || d->domid < a[0])
				continue;
			unsigned nc = 0, k = n++;
			for (unsigned j = 0; j < b->clients_hw; j++)
				nc += b->clients[j].in_use && b->clients[j].hello && b->clients[j].dom == d->domid;
			for (; k > 0 && di[k - 1].domid > d->domid; k--)
				di[k] = di[k - 1];
			di[k] = (struct mp_dominfo){ d->domid, d->paused, MP_NR_PAGES, nc };
		}
		return reply(b, out, op, 0, di, n * sizeof(di[0]));
	}
	case MP_PAUSE: case MP_UNPAUSE: {
		struct mp_domain *d = mp_dom(b, a[0]);
		if (c->dom != 0)
			return reply(b, out, op, -EPERM, NULL, 0);
		if (!d)
			return reply(b, out, op, -ESRCH, NULL, 0);
		if (d->domid == c->dom)
			return reply(b, out, op, -EINVAL, NULL, 0); /* Xen: a domain cannot pause itself */
		if (op == MP_PAUSE && !d->paused) {
			d->paused = 1;
			signal_domain(b, d->domid, SIGSTOP);
		} else if (op == MP_UNPAUSE && d->paused) {
			d->paused = 0;
			signal_domain(b, d->domid, SIGCONT);
		}
		return reply(b, out, op, 0, NULL, 0);
	}
	case MP_STATS: {
		struct mp_stats s;
		fill_stats(b, &s);
		return reply(b, out, op, 0, &s, sizeof(s));
	}
	case MP_REF_PINS: {
		struct mp_domain *d = mp_dom(b, a[0]);
		if (!d || a[1] >= MP_NR_GRANTS)
			return reply(b, out, op, -EINVAL, NULL, 0);
		uint32_t pins[3] = { d->active[a[1]].rd_pins, d->active[a[1]].wr_pins,
				     (uint32_t)d->active[a[1]].frame };
		return reply(b, out, op, 0, pins, sizeof(pins));
	}
	case MP_FRAME_MAPS: {
		/* The oracle's question (invariant 1): does any foreign map still reach this page? */
		struct mp_domain *d = mp_dom(b, a[0]);
		if (!d)
			return reply(b, out, op, -EINVAL, NULL, 0);
		uint32_t pins = 0;
		for (uint32_t r = d->act_lo; r < d->act_hi; r++) { /* no pin was ever taken outside */
			uint32_t n = d->active[r].rd_pins + d->active[r].wr_pins;
			if (n && d->active[r].frame == a[1])
				pins += n;
		}
		return reply(b, out, op, 0, &pins, sizeof(pins));
	}
	case MP_SHUTDOWN:
		if (c->dom != 0)
			return reply(b, out, op, -EPERM, NULL, 0);
		b->shutdown = 1;
		return reply(b, out, op, 0, NULL, 0);
	default:
		return reply(b, out, op, -ENOSYS, NULL, 0);
	}
}

void mp_handle(struct mp_broker *b, int ci, const uint8_t *msg, size_t len, struct mp_out *out)
{
	struct mp_hdr h;
	out->fd = -1;
	out->len = 0;
	b->st.msgs++;
	if (ci < 0 || ci >= (int)MP_MAX_CLIENTS || !b->clients[ci].in_use)
		return reply(b, out, 0, -EBADF, NULL, 0);
	if (len < sizeof(h))
		return reply(b, out, 0, -EBADMSG, NULL, 0);
	memcpy(&h, msg, sizeof(h));
	if (h.len != len - sizeof(h))
		return reply(b, out, h.op, -EBADMSG, NULL, 0);
	if (h.flags)
		return reply(b, out, h.op, -EINVAL, NULL, 0);
	if (h.op == 0 || h.op >= MP_OP_MAX)
		return reply(b, out, h.op, -ENOSYS, NULL, 0);
	struct mp_client *c = &b->clients[ci];
	const uint8_t *p = msg + sizeof(h);
	if (h.op == MP_HELLO) {
		struct mp_hello hello;
		if (c->hello)
			return reply(b, out, h.op, -EISCONN, NULL, 0); /* the domain is fixed for good */
		if (h.len != sizeof(hello))
			return reply(b, out, h.op, -EBADMSG, NULL, 0);
		memcpy(&hello, p, sizeof(hello));
		if (hello.magic != MP_MAGIC)
			return reply(b, out, h.op, -EPROTO, NULL, 0);
		if (!mp_dom(b, hello.domid))
			return reply(b, out, h.op, -ESRCH, NULL, 0);
		c->hello = 1;
		c->dom = hello.domid;
		struct mp_hello_reply r = { c->id, MP_NR_GRANTS };
		/* A process joining a paused domain stops like the rest of it. */
		if (mp_dom(b, c->dom)->paused && b->live && c->pid > 1)
			kill(c->pid, SIGSTOP);
		return reply(b, out, h.op, 0, &r, sizeof(r));
	}
	if (!c->hello)
		return reply(b, out, h.op, -EPROTO, NULL, 0);
	handle_op(b, ci, h.op, p, h.len, out);
}
