/* gnttab.c - drop-in libxengnttab.so.1 (xengnttab_* and xengntshr_*) over the broker.
 *
 * A map is a real mmap of the granting domain's memfd page, passed once per handle with
 * SCM_RIGHTS: PROT_READ maps get a read-only fd, so neither a write nor an mprotect to
 * PROT_WRITE can succeed. As with gntdev, unmap removes the mapping before the broker drops
 * the pin, and closing the handle (or dying) releases everything it holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>
#include "client.h"

#define FD_CACHE 16

struct mapping {
	struct mapping *next;
	uint8_t *addr;
	uint32_t count;
	uint32_t ids[];          /* map handles (gnttab) or grant refs (gntshr) */
};

struct xengntdev_handle {
	struct mp_conn conn;
	struct { int fd; uint16_t dom; uint8_t ro; } fds[FD_CACHE]; /* granters' memfds */
	unsigned nfds;
	int own_fd;              /* gntshr: our own domain's memfd */
	struct mapping *maps;
	pthread_mutex_t lock;
};

static struct xengntdev_handle *open_handle(uint16_t kind)
{
	struct xengntdev_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->own_fd = -1;
	if (mp_connect(&h->conn, kind) < 0) {
		int e = errno;
		free(h);
		errno = e;
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	return h;
}

static int cached_fd(struct xengntdev_handle *h, uint16_t dom, int ro)
{
	for (unsigned i = 0; i < h->nfds; i++)
		if (h->fds[i].dom == dom && h->fds[i].ro == ro)
			return h->fds[i].fd;
	return -1;
}

static void cache_fd(struct xengntdev_handle *h, uint16_t dom, int ro, int fd)
{
	if (h->nfds < FD_CACHE) {
		h->fds[h->nfds].fd = fd;
		h->fds[h->nfds].dom = dom;
		h->fds[h->nfds++].ro = ro;
	} else {
		close(fd); /* more granters than slots: fetch again next time */
	}
}

/* Address space for count pages: the pages are then placed with MAP_FIXED. */
static uint8_t *reserve(uint32_t count)
{
	void *p = mmap(NULL, (size_t)count * MP_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void add_mapping(struct xengntdev_handle *h, struct mapping *m)
{
	pthread_mutex_lock(&h->lock);
	m->next = h->maps;
	h->maps = m;
	pthread_mutex_unlock(&h->lock);
}

static struct mapping *take_mapping(struct xengntdev_handle *h, void *addr, uint32_t count)
{
	pthread_mutex_lock(&h->lock);
	for (struct mapping **pp = &h->maps; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == addr && (*pp)->count == count) {
			struct mapping *m = *pp;
			*pp = m->next;
			pthread_mutex_unlock(&h->lock);
			return m;
		}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static void unmap_handles(struct xengntdev_handle *h, const uint32_t *ids, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		mp_call_u32(&h->conn, MP_UNMAP, 1, ids[i], 0, NULL);
}

/* --- xengnttab --- */

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	return open_handle(MP_KIND_GNTTAB);
}

static void close_handle(struct xengntdev_handle *h, int shr)
{
	while (h->maps) {
		struct mapping *m = h->maps;
		h->maps = m->next;
		munmap(m->addr, (size_t)m->count * MP_PAGE);
		free(m); /* the broker releases the pins or shares when the connection closes */
	}
	mp_disconnect(&h->conn);
	for (unsigned i = 0; i < h->nfds; i++)
		close(h->fds[i].fd);
	if (h->own_fd >= 0)
		close(h->own_fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int xengnttab_close(xengnttab_handle *xgt)
{
	if (xgt)
		close_handle(xgt, 0);
	return 0;
}

int xengnttab_fd(xengnttab_handle *xgt)
{
	return xgt->conn.fd;
}

/* Map one grant at `at` (MAP_FIXED) or anywhere (at == NULL). Returns the address or NULL. */
static uint8_t *map_one(struct xengntdev_handle *h, uint32_t domid, uint32_t ref, int prot, uint8_t *at,
			uint32_t mflags, uint32_t notify_off, uint32_t notify_port, uint32_t *handle)
{
	int ro = !(prot & PROT_WRITE);
	struct mp_map req = { domid, ref, mflags | (ro ? MP_MAP_READONLY : 0), notify_off, notify_port };
	int fd = cached_fd(h, (uint16_t)domid, ro), newfd = -1;
	if (fd >= 0)
		req.flags |= MP_MAP_HAVE_FD;
	struct mp_map_reply r;
	size_t got = 0;
	if (mp_call(&h->conn, MP_MAP, &req, sizeof(req), &r, sizeof(r), &got, &newfd) < 0)
		return NULL;
	if (got != sizeof(r) || r.gntst != GNTST_okay) {
		if (newfd >= 0)
			close(newfd);
		errno = got == sizeof(r) && r.gntst == GNTST_no_space ? ENOMEM : EINVAL;
		return NULL;
	}
	if (fd < 0) {
		if (newfd < 0) { /* the broker must send it: treat as a protocol failure */
			unmap_handles(h, &r.handle, 1);
			errno = EPROTO;
			return NULL;
		}
		fd = newfd;
		cache_fd(h, (uint16_t)domid, ro, fd);
	} else if (newfd >= 0) {
		close(newfd);
	}
	void *p = mmap(at, MP_PAGE, ro ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED | (at ? MAP_FIXED : 0),
		       fd, (off_t)r.offset);
	if (p == MAP_FAILED) {
		int e = errno;
		unmap_handles(h, &r.handle, 1);
		errno = e;
		return NULL;
	}
	*handle = r.handle;
	return p;
}

static void *map_many(xengnttab_handle *h, uint32_t count, const uint32_t *domids, uint32_t one_domid,
		      const uint32_t *refs, int prot, uint32_t mflags, uint32_t noff, uint32_t nport)
{
	if (!count || !refs || count > (1u << 20)) {
		errno = EINVAL;
		return NULL;
	}
	struct mapping *m = malloc(sizeof(*m) + count * sizeof(uint32_t));
	if (!m)
		return NULL;
	uint8_t *base = count == 1 ? NULL : reserve(count);
	if (count > 1 && !base) {
		free(m);
		return NULL;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t dom = domids ? domids[i] : one_domid;
		uint8_t *p = map_one(h, dom, refs[i], prot, count == 1 ? NULL : base + (size_t)i * MP_PAGE,
				     i == 0 ? mflags : 0, noff, nport, &m->ids[i]);
		if (!p) {
			int e = errno;
			if (base)
				munmap(base, (size_t)count * MP_PAGE);
			unmap_handles(h, m->ids, i);
			free(m);
			errno = e;
			return NULL;
		}
		if (count == 1)
			base = p;
	}
	m->addr = base;
	m->count = count;
	add_mapping(h, m);
	return base;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
	return map_many(xgt, 1, NULL, domid, &ref, prot, 0, 0, 0);
}

void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t *domids, uint32_t *refs,
			       int prot)
{
	if (!domids) {
		errno = EINVAL;
		return NULL;
	}
	return map_many(xgt, count, domids, 0, refs, prot, 0, 0, 0);
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid, uint32_t *refs,
				      int prot)
{
	return map_many(xgt, count, NULL, domid, refs, prot, 0, 0, 0);
}

/* The broker's notify flags for an unmap notification; -1 (EINVAL) for an offset off the page.
 * (uint32_t)-1 and (evtchn_port_t)-1 mean "no byte" and "no event", as in libxengnttab. */
static int notify_flags(uint32_t notify_offset, evtchn_port_t notify_port, uint32_t *flags)
{
	*flags = 0;
	if (notify_offset != (uint32_t)-1) {
		if (notify_offset >= MP_PAGE) {
			errno = EINVAL;
			return -1;
		}
		*flags |= MP_MAP_NOTIFY_BYTE;
	}
	if (notify_port != (evtchn_port_t)-1)
		*flags |= MP_MAP_NOTIFY_EVENT;
	return 0;
}

void *xengnttab_map_grant_ref_notify(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot,
				     uint32_t notify_offset, evtchn_port_t notify_port)
{
	uint32_t f;
	if (notify_flags(notify_offset, notify_port, &f) < 0)
		return NULL;
	return map_many(xgt, 1, NULL, domid, &ref, prot, f, notify_offset, notify_port);
}

/* Forget the mapping of `count` pages at `addr` and drop our view of them; the caller then
 * releases its broker ids (our view goes first, then the pins or shares) and frees it. NULL (EINVAL) if unknown. */
static struct mapping *take_and_unmap(struct xengntdev_handle *h, void *addr, uint32_t count)
{
	struct mapping *m = take_mapping(h, addr, count);
	if (!m) {
		errno = EINVAL;
		return NULL;
	}
	munmap(m->addr, (size_t)count * MP_PAGE);
	return m;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	struct mapping *m = take_and_unmap(xgt, start_address, count);
	if (!m)
		return -1;
	unmap_handles(xgt, m->ids, count);
	free(m);
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	return 0; /* as on current Linux: the limit is the broker's maptrack size */
}

/* One foreign side of a copy through the broker (transient pin, GNTTABOP_copy). */
static int16_t copy_foreign(xengnttab_handle *h, uint16_t dom, uint32_t ref, uint16_t off, uint16_t len,
			    void *buf, int to_granter)
{
	uint8_t req[sizeof(struct mp_copy) + MP_MAX_COPY];
	uint8_t rep[sizeof(struct mp_gntst) + MP_MAX_COPY];
	struct mp_copy c = { dom, ref, off, len, to_granter ? MP_COPY_TO_GRANTER : 0 };
	size_t got = 0;
	if (len > MP_MAX_COPY)
		return GNTST_bad_copy_arg;
	memcpy(req, &c, sizeof(c));
	if (to_granter)
		memcpy(req + sizeof(c), buf, len);
	if (mp_call(&h->conn, MP_COPY, req, sizeof(c) + (to_granter ? len : 0), rep, sizeof(rep), &got, NULL) < 0
	    || got < sizeof(struct mp_gntst))
		return GNTST_general_error;
	struct mp_gntst st;
	memcpy(&st, rep, sizeof(st));
	if (st.gntst == GNTST_okay && !to_granter) {
		if (got != sizeof(st) + len)
			return GNTST_general_error;
		memcpy(buf, rep + sizeof(st), len);
	}
	return (int16_t)st.gntst;
}

int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count, xengnttab_grant_copy_segment_t *segs)
{
	for (uint32_t i = 0; i < count; i++) {
		xengnttab_grant_copy_segment_t *s = &segs[i];
		uint8_t bounce[MP_MAX_COPY];
		int src_f = !!(s->flags & GNTCOPY_source_gref), dst_f = !!(s->flags & GNTCOPY_dest_gref);
		if (s->len > MP_MAX_COPY) {
			s->status = GNTST_bad_copy_arg;
			continue;
		}
		void *src = src_f ? bounce : s->source.virt;
		s->status = GNTST_okay;
		if (src_f)
			s->status = copy_foreign(xgt, s->source.foreign.domid, s->source.foreign.ref,
						 s->source.foreign.offset, s->len, bounce, 0);
		if (s->status != GNTST_okay)
			continue;
		if (dst_f)
			s->status = copy_foreign(xgt, s->dest.foreign.domid, s->dest.foreign.ref,
						 s->dest.foreign.offset, s->len, src, 1);
		else
			memmove(s->dest.virt, src, s->len);
	}
	return 0;
}

/* dma-buf needs a kernel driver; like the library on a kernel without it, these fail. */
int xengnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid, uint32_t flags, uint32_t count,
				   const uint32_t *refs, uint32_t *fd)
{
	errno = EOPNOTSUPP;
	return -1;
}

int xengnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt, uint32_t fd, uint32_t wait_to_ms)
{
	errno = EOPNOTSUPP;
	return -1;
}

int xengnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt, uint32_t domid, uint32_t fd, uint32_t count,
				 uint32_t *refs)
{
	errno = EOPNOTSUPP;
	return -1;
}

int xengnttab_dmabuf_imp_release(xengnttab_handle *xgt, uint32_t fd)
{
	errno = EOPNOTSUPP;
	return -1;
}

/* --- xengntshr (gntalloc): share pages of our own domain --- */

xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	return open_handle(MP_KIND_GNTSHR);
}

int xengntshr_close(xengntshr_handle *xgs)
{
	if (xgs)
		close_handle(xgs, 1);
	return 0;
}

int xengntshr_fd(xengntshr_handle *xgs)
{
	return xgs->conn.fd;
}

static void *share(xengntshr_handle *h, uint32_t domid, int count, uint32_t *refs, int writable,
		   uint32_t nflags, uint32_t noff, uint32_t nport)
{
	if (count <= 0 || count > (int)MP_MAX_SHARE || !refs) {
		errno = EINVAL;
		return NULL;
	}
	struct mp_share req = { domid, (uint32_t)count, (writable ? MP_SHARE_WRITABLE : 0) |
				(h->own_fd >= 0 ? MP_SHARE_HAVE_FD : 0), noff, nport, nflags };
	struct mp_share_reply r;
	size_t got = 0;
	int fd = -1;
	if (mp_call(&h->conn, MP_SHARE, &req, sizeof(req), &r, sizeof(r), &got, &fd) < 0)
		return NULL;
	if (fd >= 0 && h->own_fd < 0)
		h->own_fd = fd;
	else if (fd >= 0)
		close(fd);
	struct mapping *m = malloc(sizeof(*m) + (size_t)count * sizeof(uint32_t));
	uint8_t *base = reserve((uint32_t)count);
	int ok = got == sizeof(r) && r.count == (uint32_t)count && h->own_fd >= 0 && m && base;
	for (int i = 0; ok && i < count; i++)
		ok = mmap(base + (size_t)i * MP_PAGE, MP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			  h->own_fd, (off_t)r.offsets[i]) != MAP_FAILED;
	if (!ok) {
		for (uint32_t i = 0; i < r.count && got == sizeof(r) && i < MP_MAX_SHARE; i++)
			mp_call_u32(&h->conn, MP_UNSHARE, 1, r.refs[i], 0, NULL);
		if (base)
			munmap(base, (size_t)count * MP_PAGE);
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < count; i++)
		refs[i] = m->ids[i] = r.refs[i];
	m->addr = base;
	m->count = (uint32_t)count;
	add_mapping(h, m);
	return base;
}

void *xengntshr_share_pages(xengntshr_handle *xgs, uint32_t domid, int count, uint32_t *refs, int writable)
{
	return share(xgs, domid, count, refs, writable, 0, 0, 0);
}

void *xengntshr_share_page_notify(xengntshr_handle *xgs, uint32_t domid, uint32_t *ref, int writable,
				  uint32_t notify_offset, evtchn_port_t notify_port)
{
	uint32_t f;
	if (notify_flags(notify_offset, notify_port, &f) < 0)
		return NULL;
	return share(xgs, domid, 1, ref, writable, f, notify_offset, notify_port);
}

int xengntshr_unshare(xengntshr_handle *xgs, void *start_address, uint32_t count)
{
	struct mapping *m = take_and_unmap(xgs, start_address, count);
	if (!m)
		return -1;
	for (uint32_t i = 0; i < count; i++)
		mp_call_u32(&xgs->conn, MP_UNSHARE, 1, m->ids[i], 0, NULL);
	free(m);
	return 0;
}
