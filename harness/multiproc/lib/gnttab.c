/* gnttab.c - drop-in libxengnttab.so.1 (xengnttab_* and xengntshr_*) over the broker, behaving
 * as Debian's library does on Linux's gntdev and gntalloc devices.
 *
 * A map is a real mmap of the granting domain's memfd page, passed once per handle with
 * SCM_RIGHTS: PROT_READ maps get a read-only fd, so neither a write nor an mprotect to
 * PROT_WRITE can succeed. As with gntdev, unmap removes the mapping before the broker drops
 * the pin; maps are not inherited by fork() (gntdev's VM_DONTCOPY on a PV dom0).
 *
 * What the devices do and the library passes on, reproduced here:
 * - every failed map is EINVAL (gntdev turns any GNTST_* into EINVAL), count 0 or above
 *   gntdev's limit of 65536 pages too; the unmap notification is set up after the map and a
 *   refusal (a byte on a read-only map, a port not bound through an evtchn handle of our
 *   domain) undoes it: NULL, EINVAL; an offset beyond the page means "no byte", silently;
 * - xengnttab_close() does not unmap: as the vmas hold gntdev's file, live maps stay mapped
 *   (and pinned) until they are unmapped or the process exits;
 * - xengnttab_grant_copy() refuses the whole call (-1, EINVAL) for a segment with no grant side
 *   or a grant side crossing the page end, and (-1, EFAULT) for a local buffer it cannot read
 *   or write; otherwise each segment gets Xen's GNTST_* status; a zero-length one is okay;
 * - xengnttab_set_max_grants() is 0 (Linux has no such ioctl any more: ENOTTY, ignored);
 * - dma-buf: Debian's kernel has no CONFIG_XEN_GNTDEV_DMABUF: ENOTTY (count 0: EINVAL first);
 * - xengntshr_share_pages(): count 0 is EINVAL, a negative or huge count ENOMEM, more pages than
 *   the pool ENOSPC, the domid is narrowed to domid_t and not checked (Xen does not);
 * - xengntshr_unshare() is munmap(): any range, partial ones included, ends the grants of the
 *   shared pages in it; shares survive xengntshr_close() until unshared or the process exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xengnttab.h>
#include "client.h"

#define FD_CACHE 16
#define GNTDEV_LIMIT (64u * 1024u)   /* gntdev's default "limit": pages per map request */
#define NO_ID 0xffffffffu

struct mapping {
	struct mapping *next;
	struct xengntdev_handle *h;
	uint8_t *addr;
	uint32_t count, live;
	uint32_t ids[];          /* map handles (gnttab) or grant refs (gntshr); NO_ID once gone */
};

struct xengntdev_handle {
	struct mp_conn conn;
	struct { int fd; uint16_t dom; uint8_t ro; } fds[FD_CACHE]; /* granters' memfds */
	unsigned nfds;
	int own_fd;              /* gntshr: our own domain's memfd */
	struct mapping *maps;    /* gnttab: this handle's maps */
	uint32_t live;           /* gntshr: shared pages still mapped (in the global list) */
	int closed;              /* gntshr: closed, freed with its last shared page */
	pthread_mutex_t lock;
};

/* gntshr areas of every handle: unshare is munmap and needs no handle, as in the real library. */
static struct mapping *shares;
static pthread_mutex_t shares_lock = PTHREAD_MUTEX_INITIALIZER;

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

static void free_handle(struct xengntdev_handle *h)
{
	mp_disconnect(&h->conn);
	for (unsigned i = 0; i < h->nfds; i++)
		close(h->fds[i].fd);
	if (h->own_fd >= 0)
		close(h->own_fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
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

static void unmap_handles(struct xengntdev_handle *h, const uint32_t *ids, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] != NO_ID)
			mp_call_u32(&h->conn, MP_UNMAP, 1, ids[i], 0, NULL);
}

/* --- xengnttab --- */

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	return open_handle(MP_KIND_GNTTAB); /* open_flags are unused by the library too */
}

int xengnttab_close(xengnttab_handle *xgt)
{
	if (!xgt)
		return 0;
	pthread_mutex_lock(&xgt->lock);
	int busy = xgt->maps != NULL;
	pthread_mutex_unlock(&xgt->lock);
	/* Maps still mapped keep the device file (here: the connection) alive until exit. */
	if (!busy)
		free_handle(xgt);
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
	if (fd >= 0 && domid <= 0xffff)
		req.flags |= MP_MAP_HAVE_FD;
	struct mp_map_reply r;
	size_t got = 0;
	*handle = NO_ID;
	if (mp_call(&h->conn, MP_MAP, &req, sizeof(req), &r, sizeof(r), &got, &newfd) < 0)
		return NULL; /* EINVAL for a refused notification, or the connection's error */
	if (got != sizeof(r) || r.gntst != GNTST_okay) {
		if (newfd >= 0)
			close(newfd);
		errno = EINVAL; /* gntdev: any failed grant op */
		return NULL;
	}
	*handle = r.handle;
	if (!(req.flags & MP_MAP_HAVE_FD)) {
		if (newfd < 0) { /* the broker must send it: treat as a protocol failure */
			errno = EPROTO;
			return NULL;
		}
		fd = newfd;
		cache_fd(h, (uint16_t)domid, ro, fd);
	} else if (newfd >= 0) {
		close(newfd);
	}
	void *p = mmap(at, MP_PAGE, prot, MAP_SHARED | (at ? MAP_FIXED : 0), fd, (off_t)r.offset);
	return p == MAP_FAILED ? NULL : p;
}

static void *map_many(xengnttab_handle *h, uint32_t count, const uint32_t *domids, uint32_t one_domid,
		      const uint32_t *refs, int prot, uint32_t mflags, uint32_t noff, uint32_t nport)
{
	if (!count || count > GNTDEV_LIMIT || !refs) {
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
		if (!p) { /* all or nothing, as the library undoes a partial map */
			int e = errno;
			if (base)
				munmap(base, (size_t)count * MP_PAGE);
			unmap_handles(h, m->ids, i + 1);
			free(m);
			errno = e;
			return NULL;
		}
		if (count == 1)
			base = p;
	}
	madvise(base, (size_t)count * MP_PAGE, MADV_DONTFORK); /* gntdev's VM_DONTCOPY (PV dom0) */
	m->h = h;
	m->addr = base;
	m->count = m->live = count;
	pthread_mutex_lock(&h->lock);
	m->next = h->maps;
	h->maps = m;
	pthread_mutex_unlock(&h->lock);
	return base;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
	return map_many(xgt, 1, NULL, domid, &ref, prot, 0, 0, 0);
}

void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t *domids, uint32_t *refs,
			       int prot)
{
	if (!domids && count) {
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

/* The broker's notify flags, as the library builds UNMAP_NOTIFY_*: a byte only at an offset
 * inside the (one-page) area, an event for any port but (evtchn_port_t)-1. */
static uint32_t notify_flags(uint32_t notify_offset, evtchn_port_t notify_port)
{
	return (notify_offset < MP_PAGE ? MP_MAP_NOTIFY_BYTE : 0) |
	       (notify_port != (evtchn_port_t)-1 ? MP_MAP_NOTIFY_EVENT : 0);
}

void *xengnttab_map_grant_ref_notify(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot,
				     uint32_t notify_offset, evtchn_port_t notify_port)
{
	return map_many(xgt, 1, NULL, domid, &ref, prot, notify_flags(notify_offset, notify_port),
			notify_offset, notify_port);
}

/* GET_OFFSET_FOR_VADDR (a map of this handle contains the address), the count must be the map's,
 * munmap, then UNMAP_GRANT_REF: the broker drops the pins (after the notify byte) and notifies. */
int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	uint8_t *a = start_address;
	if (!a) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&xgt->lock);
	struct mapping **pp, *m = NULL;
	for (pp = &xgt->maps; *pp; pp = &(*pp)->next)
		if (a >= (*pp)->addr && a < (*pp)->addr + (size_t)(*pp)->count * MP_PAGE) {
			m = *pp;
			break;
		}
	if (!m || m->count != count) {
		pthread_mutex_unlock(&xgt->lock);
		errno = EINVAL;
		return -1;
	}
	*pp = m->next;
	pthread_mutex_unlock(&xgt->lock);
	munmap(m->addr, (size_t)count * MP_PAGE);
	unmap_handles(xgt, m->ids, count);
	free(m);
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	return 0; /* IOCTL_GNTDEV_SET_MAX_GRANTS is gone from Linux: ENOTTY, which the library ignores */
}

/* One foreign side of a copy through the broker (transient pin, GNTTABOP_copy). -1: the call
 * itself failed (errno set). */
static int copy_foreign(xengnttab_handle *h, uint16_t dom, uint32_t ref, uint16_t off, uint16_t len,
			void *buf, int to_granter, int16_t *status)
{
	uint8_t req[sizeof(struct mp_copy) + MP_MAX_COPY];
	uint8_t rep[sizeof(struct mp_gntst) + MP_MAX_COPY];
	struct mp_copy c = { dom, ref, off, len, to_granter ? MP_COPY_TO_GRANTER : 0 };
	size_t got = 0;
	memcpy(req, &c, sizeof(c));
	if (to_granter)
		memcpy(req + sizeof(c), buf, len);
	if (mp_call(&h->conn, MP_COPY, req, sizeof(c) + (to_granter ? len : 0), rep, sizeof(rep), &got, NULL) < 0)
		return -1;
	struct mp_gntst st;
	if (got < sizeof(st)) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&st, rep, sizeof(st));
	if (st.gntst == GNTST_okay && !to_granter) {
		if (got != sizeof(st) + len) {
			errno = EPROTO;
			return -1;
		}
		memcpy(buf, rep + sizeof(st), len);
	}
	*status = (int16_t)st.gntst;
	return 0;
}

/* Our own memory as gntdev reaches it (get_user_pages): a bad address is EFAULT, not a crash. */
static int local_rw(void *local, void *remote, size_t len, int write)
{
	struct iovec l = { local, len }, r = { remote, len };
	ssize_t n = write ? process_vm_writev(getpid(), &l, 1, &r, 1, 0)
			  : process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && (errno == ENOSYS || errno == EPERM)) { /* no process_vm_*: plain copy */
		memcpy(write ? remote : local, write ? local : remote, len);
		return 0;
	}
	errno = EFAULT;
	return -1;
}

int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count, xengnttab_grant_copy_segment_t *segs)
{
	for (uint32_t i = 0; i < count; i++) {
		xengnttab_grant_copy_segment_t *s = &segs[i];
		uint8_t buf[MP_PAGE], old[MP_PAGE];
		int src_f = !!(s->flags & GNTCOPY_source_gref), dst_f = !!(s->flags & GNTCOPY_dest_gref);
		if ((!src_f && !dst_f) ||
		    (src_f && (uint32_t)s->source.foreign.offset + s->len > MP_PAGE) ||
		    (dst_f && (uint32_t)s->dest.foreign.offset + s->len > MP_PAGE)) {
			errno = EINVAL; /* gntdev refuses the whole call */
			return -1;
		}
		s->status = GNTST_okay;
		if (!s->len)
			continue; /* no op reaches Xen: nothing is checked */
		/* the local pages are taken before any copy: EFAULT for the call */
		if (!src_f && local_rw(buf, s->source.virt, s->len, 0) < 0)
			return -1;
		if (!dst_f && (local_rw(old, s->dest.virt, s->len, 0) < 0 ||
			       local_rw(old, s->dest.virt, s->len, 1) < 0))
			return -1;
		int16_t st = GNTST_okay;
		if (src_f && copy_foreign(xgt, s->source.foreign.domid, s->source.foreign.ref,
					  s->source.foreign.offset, s->len, buf, 0, &st) < 0)
			return -1;
		if (st == GNTST_okay && dst_f &&
		    copy_foreign(xgt, s->dest.foreign.domid, s->dest.foreign.ref, s->dest.foreign.offset,
				 s->len, buf, 1, &st) < 0)
			return -1;
		if (st == GNTST_okay && !dst_f && local_rw(buf, s->dest.virt, s->len, 1) < 0)
			return -1;
		s->status = st;
	}
	return 0;
}

/* dma-buf needs CONFIG_XEN_GNTDEV_DMABUF, which Debian's kernel lacks: the ioctls are ENOTTY. */
int xengnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid, uint32_t flags, uint32_t count,
				   const uint32_t *refs, uint32_t *fd)
{
	errno = count ? ENOTTY : EINVAL;
	return -1;
}

int xengnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt, uint32_t fd, uint32_t wait_to_ms)
{
	errno = ENOTTY;
	return -1;
}

int xengnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt, uint32_t domid, uint32_t fd, uint32_t count,
				 uint32_t *refs)
{
	errno = count ? ENOTTY : EINVAL;
	return -1;
}

int xengnttab_dmabuf_imp_release(xengnttab_handle *xgt, uint32_t fd)
{
	errno = ENOTTY;
	return -1;
}

/* --- xengntshr (gntalloc): share pages of our own domain --- */

xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	return open_handle(MP_KIND_GNTSHR);
}

int xengntshr_close(xengntshr_handle *xgs)
{
	if (!xgs)
		return 0;
	pthread_mutex_lock(&shares_lock);
	int busy = xgs->live > 0;
	xgs->closed = 1;
	pthread_mutex_unlock(&shares_lock);
	/* Shared pages still mapped stay shared (gntalloc ends a grant when its page is unmapped). */
	if (!busy)
		free_handle(xgs);
	return 0;
}

int xengntshr_fd(xengntshr_handle *xgs)
{
	return xgs->conn.fd;
}

static void *share(xengntshr_handle *h, uint32_t domid, int count, uint32_t *refs, int writable,
		   uint32_t nflags, uint32_t noff, uint32_t nport)
{
	if (count == 0 || !refs) {
		errno = EINVAL; /* the ioctl allocates nothing; the library's mmap of 0 bytes fails */
		return NULL;    /* (no refs array: the library would crash; EINVAL here, as map_many) */
	}
	if (count < 0 || count > (1 << 20)) {
		errno = ENOMEM; /* the library's or the driver's allocation for the ref array */
		return NULL;
	}
	if (count > (int)MP_MAX_SHARE) {
		errno = ENOSPC; /* beyond what gntalloc may hand out */
		return NULL;
	}
	struct mp_share req = { (uint16_t)domid, (uint32_t)count, (writable ? MP_SHARE_WRITABLE : 0) |
				(h->own_fd >= 0 ? MP_SHARE_HAVE_FD : 0), noff, nport, nflags };
	struct mp_share_reply r;
	size_t got = 0;
	int fd = -1;
	if (mp_call(&h->conn, MP_SHARE, &req, sizeof(req), &r, sizeof(r), &got, &fd) < 0)
		return NULL; /* ENOSPC, or EINVAL for a refused notification */
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
		for (uint32_t i = 0; got == sizeof(r) && i < r.count && i < MP_MAX_SHARE; i++)
			mp_call_u32(&h->conn, MP_UNSHARE, 1, r.refs[i], 0, NULL);
		if (base)
			munmap(base, (size_t)count * MP_PAGE);
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < count; i++)
		refs[i] = m->ids[i] = r.refs[i];
	m->h = h;
	m->addr = base;
	m->count = m->live = (uint32_t)count;
	pthread_mutex_lock(&shares_lock);
	m->next = shares;
	shares = m;
	h->live += (uint32_t)count;
	pthread_mutex_unlock(&shares_lock);
	return base;
}

void *xengntshr_share_pages(xengntshr_handle *xgs, uint32_t domid, int count, uint32_t *refs, int writable)
{
	return share(xgs, domid, count, refs, writable, 0, 0, 0);
}

void *xengntshr_share_page_notify(xengntshr_handle *xgs, uint32_t domid, uint32_t *ref, int writable,
				  uint32_t notify_offset, evtchn_port_t notify_port)
{
	return share(xgs, domid, 1, ref, writable, notify_flags(notify_offset, notify_port), notify_offset,
		     notify_port);
}

/* munmap(start, count pages), as the library; each shared page in that range loses its last user,
 * so gntalloc clears its notify byte, sends its event and ends its grant (the broker does). */
int xengntshr_unshare(xengntshr_handle *xgs, void *start_address, uint32_t count)
{
	uint8_t *a = start_address;
	size_t len = (size_t)count * MP_PAGE;
	pthread_mutex_lock(&shares_lock);
	if (munmap(a, len) < 0) {
		int e = errno;
		pthread_mutex_unlock(&shares_lock);
		errno = e;
		return -1;
	}
	for (struct mapping **pp = &shares; *pp;) {
		struct mapping *m = *pp;
		for (uint32_t i = 0; i < m->count; i++) {
			uint8_t *pg = m->addr + (size_t)i * MP_PAGE;
			if (m->ids[i] == NO_ID || pg < a || pg >= a + len)
				continue;
			mp_call_u32(&m->h->conn, MP_UNSHARE, 1, m->ids[i], 0, NULL);
			m->ids[i] = NO_ID;
			m->live--;
			m->h->live--;
		}
		struct xengntdev_handle *h = m->h;
		if (m->live == 0) {
			*pp = m->next;
			free(m);
		} else {
			pp = &m->next;
		}
		if (h->closed && h->live == 0) /* its last shared page: no area in the list names it */
			free_handle(h);
	}
	pthread_mutex_unlock(&shares_lock);
	return 0;
}
