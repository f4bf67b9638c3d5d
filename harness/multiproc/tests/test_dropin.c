/* test_dropin.c - the drop-in Xen libraries against a live broker, through the public API only
 * (compiled against Debian's headers and linked with -lxengnttab -lxenevtchn -lxenctrl; run
 * under `xensim run`, so our drop-ins are loaded). Raw protocol checks use proto.h directly.
 *
 * The domain of a connection is read from $GNTFUZZ_DOMID when a handle is opened, so one
 * process can hold a dom1 (granting) handle and a dom0 (mapping) handle side by side.
 * Prints TAP lines; exits 1 if any check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include "proto.h"

static int failures;
#define CHECK(cond, name) do { \
	if (cond) printf("ok - %s\n", name); \
	else { printf("not ok - %s (%s:%d)\n", name, __FILE__, __LINE__); failures++; } \
	fflush(stdout); } while (0)

static void as_dom(int dom)
{
	char v[8];
	snprintf(v, sizeof(v), "%d", dom);
	setenv(MP_ENV_DOMID, v, 1);
}

/* --- raw protocol access (stats, hostile messages) --- */

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", getenv(MP_ENV_SOCK));
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("raw_connect");
		exit(2);
	}
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Send raw bytes, return the reply status (or 1000 when no well-formed reply came). */
static int raw_send(int fd, const void *msg, size_t len, void *payload, size_t cap)
{
	uint8_t in[MP_MAX_MSG];
	if (send(fd, msg, len, MSG_NOSIGNAL) < 0)
		return 1000;
	ssize_t n = recv(fd, in, sizeof(in), 0);
	struct mp_rhdr rh;
	if (n < (ssize_t)sizeof(rh))
		return 1000;
	memcpy(&rh, in, sizeof(rh));
	if (rh.len != (size_t)n - sizeof(rh))
		return 1000;
	if (payload)
		memcpy(payload, in + sizeof(rh), rh.len < cap ? rh.len : cap);
	return rh.status;
}

static int raw_call(int fd, uint16_t op, const void *p, size_t len, void *payload, size_t cap)
{
	uint8_t msg[MP_MAX_MSG];
	struct mp_hdr h = { op, 0, (uint32_t)len };
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), p, len);
	return raw_send(fd, msg, sizeof(h) + len, payload, cap);
}

static int raw_hello(int fd, uint16_t dom)
{
	struct mp_hello h = { MP_MAGIC, dom, MP_KIND_CTRL };
	return raw_call(fd, MP_HELLO, &h, sizeof(h), NULL, 0);
}

static int ctl = -1; /* a dom0 raw connection for stats */

/* A raw call that also receives a passed fd (GET_MEM). */
static int raw_call_fd(int fd, uint16_t op, const void *p, size_t len, void *payload, size_t cap, int *fd_out)
{
	uint8_t msg[256], in[MP_MAX_MSG];
	struct mp_hdr h = { op, 0, (uint32_t)len };
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), p, len);
	if (send(fd, msg, sizeof(h) + len, MSG_NOSIGNAL) < 0)
		return 1000;
	struct iovec iov = { in, sizeof(in) };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(fd, &mh, 0);
	struct mp_rhdr rh;
	if (n < (ssize_t)sizeof(rh))
		return 1000;
	memcpy(&rh, in, sizeof(rh));
	*fd_out = -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd_out, CMSG_DATA(cm), sizeof(int));
	memcpy(payload, in + sizeof(rh), rh.len < cap ? rh.len : cap);
	return rh.status;
}

static struct mp_stats stats(void)
{
	struct mp_stats s;
	memset(&s, 0xff, sizeof(s));
	raw_call(ctl, MP_STATS, NULL, 0, &s, sizeof(s));
	return s;
}

/* Wait until the broker has released everything but `maps` maps (it sees deaths asynchronously). */
static int settles_to(uint32_t maps, uint32_t pins)
{
	for (int i = 0; i < 600; i++) { /* up to 3 s: the machine may be loaded */
		struct mp_stats s = stats();
		if (s.live_maps == maps && s.pins == pins)
			return 1;
		usleep(5000);
	}
	return 0;
}

/* The broker notices a closed connection asynchronously: wait for the port count. */
static int ports_settle_to(uint32_t ports)
{
	for (int i = 0; i < 600; i++) { /* up to 3 s: the machine may be loaded */
		if (stats().ports == ports)
			return 1;
		usleep(5000);
	}
	return 0;
}

/* --- tests --- */

static void test_map_unmap(void)
{
	as_dom(1);
	xengntshr_handle *shr = xengntshr_open(NULL, 0);
	as_dom(0);
	xengnttab_handle *gt = xengnttab_open(NULL, 0);
	CHECK(shr && gt, "open xengntshr (dom1) and xengnttab (dom0)");
	if (!shr || !gt)
		return;
	uint32_t ref;
	uint8_t *page = xengntshr_share_pages(shr, 0, 1, &ref, 1);
	CHECK(page != NULL && ref >= MP_POOL_FIRST_REF, "share a page writable with dom0");
	if (!page)
		return;
	strcpy((char *)page, "granted by dom1");
	uint8_t *m = xengnttab_map_grant_ref(gt, 1, ref, PROT_READ | PROT_WRITE);
	CHECK(m && !strcmp((char *)m, "granted by dom1"), "the mapper reads the granter's bytes");
	if (!m)
		return;
	strcpy((char *)m, "written by dom0");
	CHECK(!strcmp((char *)page, "written by dom0"), "a write through the map reaches the granter's page");
	uint32_t pins[2] = { 0, 0 }, q[2] = { 1, ref };
	raw_call(ctl, MP_REF_PINS, q, sizeof(q), pins, sizeof(pins));
	CHECK(pins[0] == 0 && pins[1] == 1, "broker counts one write pin while mapped");
	struct mp_stats s = stats();
	CHECK(s.live_maps == 1, "broker counts one live map");
	uint8_t *m2 = xengnttab_map_grant_ref(gt, 1, ref, PROT_READ);
	CHECK(m2 && m2 != m && m2[0] == 'w', "a second, read-only map of the same grant");
	raw_call(ctl, MP_REF_PINS, q, sizeof(q), pins, sizeof(pins));
	CHECK(pins[0] == 1 && pins[1] == 1, "separate read and write pins");
	CHECK(xengnttab_unmap(gt, m, 2) == -1 && errno == EINVAL, "unmap with a wrong count is refused");
	CHECK(xengnttab_unmap(gt, m, 1) == 0 && (!m2 || xengnttab_unmap(gt, m2, 1) == 0), "unmap both maps");
	raw_call(ctl, MP_REF_PINS, q, sizeof(q), pins, sizeof(pins));
	CHECK(pins[0] == 0 && pins[1] == 0 && stats().live_maps == 0, "no pins and no maps after unmap");

	/* grant copy, both directions */
	char buf[32] = { 0 };
	xengnttab_grant_copy_segment_t seg = { .len = 16, .flags = GNTCOPY_source_gref };
	seg.source.foreign.ref = ref;
	seg.source.foreign.domid = 1;
	seg.dest.virt = buf;
	CHECK(xengnttab_grant_copy(gt, 1, &seg) == 0 && seg.status == GNTST_okay && !strcmp(buf, "written by dom0"),
	      "grant copy from the granted page");
	strcpy(buf, "copied in");
	xengnttab_grant_copy_segment_t seg2 = { .len = 10, .flags = GNTCOPY_dest_gref };
	seg2.dest.foreign.ref = ref;
	seg2.dest.foreign.domid = 1;
	seg2.source.virt = buf;
	CHECK(xengnttab_grant_copy(gt, 1, &seg2) == 0 && seg2.status == GNTST_okay && !strcmp((char *)page, "copied in"),
	      "grant copy into the granted page");
	seg2.dest.foreign.ref = 5; /* never granted */
	xengnttab_grant_copy(gt, 1, &seg2);
	CHECK(seg2.status == GNTST_general_error, "grant copy of a ref that is not granted fails per segment");
	CHECK(xengnttab_map_grant_ref(gt, 1, 5, PROT_READ) == NULL, "mapping a ref that is not granted fails");
	CHECK(xengnttab_map_grant_ref(gt, 1, 100000, PROT_READ) == NULL, "mapping an out-of-range ref fails");
	CHECK(xengnttab_map_grant_ref(gt, 7, ref, PROT_READ) == NULL, "mapping from a domain that does not exist fails");

	/* two pages in one contiguous map */
	uint32_t refs2[2];
	uint8_t *two = xengntshr_share_pages(shr, 0, 2, refs2, 1);
	CHECK(two != NULL, "share two pages at once");
	if (two) {
		two[0] = 'A';
		two[MP_PAGE] = 'B';
		uint8_t *mm = xengnttab_map_domain_grant_refs(gt, 2, 1, refs2, PROT_READ);
		CHECK(mm && mm[0] == 'A' && mm[MP_PAGE] == 'B', "map two grants contiguously");
		if (mm)
			xengnttab_unmap(gt, mm, 2);
		CHECK(xengntshr_unshare(shr, two, 2) == 0, "unshare two pages");
	}
	CHECK(xengntshr_unshare(shr, page, 1) == 0 && stats().shares == 0, "unshare ends the grant");
	xengnttab_close(gt);
	xengntshr_close(shr);
}

/* Xen's grant-table rules, seen from the guest's side: the test plays dom1's kernel writing its
 * own grant table (raw GET_MEM), and maps through libxengnttab as dom0. */
static void test_grant_rules(void)
{
	int g = raw_connect(), memfd = -1;
	struct mp_mem_reply mr;
	CHECK(raw_hello(g, 1) == 0 && raw_call_fd(g, MP_GET_MEM, NULL, 0, &mr, sizeof(mr), &memfd) == 0 && memfd >= 0,
	      "a dom1 guest gets its memory (memfd) from the broker");
	if (memfd < 0)
		return;
	uint8_t *mem = mmap(NULL, mr.size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	grant_entry_v1_t *gt = (grant_entry_v1_t *)(mem + mr.gt_offset);
	as_dom(0);
	xengnttab_handle *h = xengnttab_open(NULL, 0);
	strcpy((char *)mem + 5 * MP_PAGE, "frame five");
	strcpy((char *)mem + 6 * MP_PAGE, "frame six");
	gt[20].domid = 0;
	gt[20].frame = 5;
	__atomic_store_n(&gt[20].flags, GTF_permit_access, __ATOMIC_SEQ_CST);
	char *m1 = xengnttab_map_grant_ref(h, 1, 20, PROT_READ | PROT_WRITE);
	CHECK(m1 && !strcmp(m1, "frame five"), "map a grant the guest wrote: its frame's memory");
	CHECK(gt[20].flags == (GTF_permit_access | GTF_reading | GTF_writing), "GTF_reading|GTF_writing set while mapped rw");
	gt[20].frame = 6; /* the guest redirects the entry while it is pinned */
	char *m2 = xengnttab_map_grant_ref(h, 1, 20, PROT_READ);
	CHECK(m2 && !strcmp(m2, "frame five"), "a later guest edit does not redirect the pinned grant");
	if (m1)
		xengnttab_unmap(h, m1, 1);
	CHECK(gt[20].flags == (GTF_permit_access | GTF_reading), "the last write pin gone: GTF_writing cleared, GTF_reading kept");
	if (m2)
		xengnttab_unmap(h, m2, 1);
	CHECK(gt[20].flags == GTF_permit_access, "the last pin gone: GTF_reading cleared");
	char *m3 = xengnttab_map_grant_ref(h, 1, 20, PROT_READ);
	CHECK(m3 && !strcmp(m3, "frame six"), "a new first pin validates again and follows the edited entry");
	if (m3)
		xengnttab_unmap(h, m3, 1);
	gt[21].domid = 2;
	gt[21].frame = 5;
	__atomic_store_n(&gt[21].flags, GTF_permit_access, __ATOMIC_SEQ_CST);
	CHECK(!xengnttab_map_grant_ref(h, 1, 21, PROT_READ) && gt[21].flags == GTF_permit_access,
	      "a grant to another domain cannot be mapped and its flags stay clean");
	gt[22].domid = 0;
	gt[22].frame = 100000;
	__atomic_store_n(&gt[22].flags, GTF_permit_access, __ATOMIC_SEQ_CST);
	CHECK(!xengnttab_map_grant_ref(h, 1, 22, PROT_READ) && gt[22].flags == GTF_permit_access,
	      "a grant of a frame the domain does not own fails and leaves no busy bit");
	gt[23].domid = 0;
	gt[23].frame = 5;
	__atomic_store_n(&gt[23].flags, GTF_permit_access | GTF_readonly, __ATOMIC_SEQ_CST);
	char *m4 = xengnttab_map_grant_ref(h, 1, 23, PROT_READ);
	CHECK(m4 && gt[23].flags == (GTF_permit_access | GTF_readonly | GTF_reading),
	      "a read-only map sets only GTF_reading (what an end_access must also check)");
	if (m4)
		xengnttab_unmap(h, m4, 1);

	/* grant table v2: busy bits in the status frame, header untouched */
	uint32_t v2 = 2;
	char *m5 = xengnttab_map_grant_ref(h, 1, 20, PROT_READ);
	int busy = raw_call(g, MP_SET_VERSION, &v2, 4, NULL, 0);
	if (m5)
		xengnttab_unmap(h, m5, 1);
	CHECK(busy == -EBUSY, "the grant table version cannot change while a grant is mapped");
	CHECK(raw_call(g, MP_SET_VERSION, &v2, 4, NULL, 0) == 0, "switch dom1 to grant table v2");
	grant_entry_v2_t *gt2 = (grant_entry_v2_t *)(mem + mr.gt_offset);
	grant_status_t *st = (grant_status_t *)(mem + mr.status_offset);
	gt2[30].full_page.frame = 6;
	gt2[30].hdr.domid = 0;
	__atomic_store_n(&gt2[30].hdr.flags, GTF_permit_access, __ATOMIC_SEQ_CST);
	char *m6 = xengnttab_map_grant_ref(h, 1, 30, PROT_READ | PROT_WRITE);
	CHECK(m6 && !strcmp(m6, "frame six") && st[30] == (GTF_reading | GTF_writing) &&
	      gt2[30].hdr.flags == GTF_permit_access, "v2: a map sets the status frame, not the header");
	__atomic_store_n(&gt2[30].hdr.flags, 0, __ATOMIC_SEQ_CST); /* the guest revokes the header */
	CHECK(st[30] == (GTF_reading | GTF_writing), "v2: clearing the header leaves the status busy (end must check it)");
	char *m7 = xengnttab_map_grant_ref(h, 1, 30, PROT_READ | PROT_WRITE);
	CHECK(m7 != NULL, "v2: a second rw map of a cleared header is accepted while a write pin is held (as Xen 4.17)");
	if (m7)
		xengnttab_unmap(h, m7, 1);
	if (m6)
		xengnttab_unmap(h, m6, 1);
	CHECK(st[30] == 0, "v2: the last unmap clears the status frame");
	uint32_t v1 = 1;
	raw_call(g, MP_SET_VERSION, &v1, 4, NULL, 0);
	xengnttab_close(h);
	munmap(mem, mr.size);
	close(memfd);
	close(g);
}

static void test_readonly(void)
{
	as_dom(1);
	xengntshr_handle *shr = xengntshr_open(NULL, 0);
	as_dom(0);
	xengnttab_handle *gt = xengnttab_open(NULL, 0);
	uint32_t ref;
	uint8_t *page = shr ? xengntshr_share_pages(shr, 0, 1, &ref, 0) : NULL;
	CHECK(page != NULL, "share a page read-only");
	if (!page || !gt)
		return;
	page[0] = 42;
	CHECK(xengnttab_map_grant_ref(gt, 1, ref, PROT_READ | PROT_WRITE) == NULL,
	      "a writable map of a read-only grant is refused");
	volatile uint8_t *m = xengnttab_map_grant_ref(gt, 1, ref, PROT_READ);
	CHECK(m && m[0] == 42, "a read-only map reads the page");
	if (!m)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		m[0] = 7; /* must fault */
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a write through a read-only map dies with SIGSEGV");
	CHECK(mprotect((void *)m, MP_PAGE, PROT_READ | PROT_WRITE) < 0 && errno == EACCES,
	      "mprotect cannot make a read-only map writable");
	CHECK(page[0] == 42, "the granter's page is unchanged");
	xengnttab_unmap(gt, (void *)m, 1);
	xengntshr_unshare(shr, page, 1);
	xengnttab_close(gt);
	xengntshr_close(shr);
}

static int wait_readable(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* xenevtchn_pending without blocking: the way a program asks on a handle whose fd it made
 * O_NONBLOCK (the default handle blocks, as read() on /dev/xen/evtchn). */
static int pending_nb(xenevtchn_handle *h)
{
	int fd = xenevtchn_fd(h), fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	int port = xenevtchn_pending(h);
	int e = errno;
	fcntl(fd, F_SETFL, fl);
	errno = e;
	return port;
}

static void test_events(void)
{
	as_dom(1);
	xenevtchn_handle *e1 = xenevtchn_open(NULL, 0);
	xengntshr_handle *shr = xengntshr_open(NULL, 0);
	as_dom(0);
	xenevtchn_handle *e0 = xenevtchn_open(NULL, 0);
	xengnttab_handle *gt = xengnttab_open(NULL, 0);
	CHECK(e0 && e1 && shr && gt, "open event channel handles in dom0 and dom1");
	if (!e0 || !e1 || !shr || !gt)
		return;
	int p1 = xenevtchn_bind_unbound_port(e1, 0);
	int p0 = p1 > 0 ? xenevtchn_bind_interdomain(e0, 1, p1) : -1;
	CHECK(p1 > 0 && p0 > 0, "alloc unbound in dom1, bind interdomain from dom0");
	/* Xen marks a freshly bound interdomain port pending: drain it. */
	if (wait_readable(xenevtchn_fd(e0), 200)) {
		int p = xenevtchn_pending(e0);
		xenevtchn_unmask(e0, p);
	}
	CHECK(!wait_readable(xenevtchn_fd(e1), 0), "dom1's event fd is quiet before any notify");
	CHECK(xenevtchn_notify(e0, p0) == 0, "notify from dom0");
	CHECK(wait_readable(xenevtchn_fd(e1), 1000), "dom1's event fd becomes readable (poll)");
	CHECK(xenevtchn_pending(e1) == p1, "pending returns dom1's port");
	CHECK(pending_nb(e1) == -1 && errno == EAGAIN, "nothing else pending (O_NONBLOCK: EAGAIN)");
	/* masked until unmask: a flood coalesces into one pending delivery */
	for (int i = 0; i < 1000; i++)
		xenevtchn_notify(e0, p0);
	CHECK(!wait_readable(xenevtchn_fd(e1), 20), "events while masked do not queue");
	CHECK(xenevtchn_unmask(e1, p1) == 0 && wait_readable(xenevtchn_fd(e1), 1000) &&
	      xenevtchn_pending(e1) == p1 && pending_nb(e1) == -1, "unmask delivers the flood exactly once");
	xenevtchn_unmask(e1, p1);
	as_dom(1);
	xenevtchn_handle *e1b = xenevtchn_open(NULL, 0);
	int q = e1b ? xenevtchn_bind_unbound_port(e1b, 0) : -1;
	CHECK(q > 0 && xenevtchn_notify(e1, q) == -1 && errno == ENOTCONN,
	      "notify on a port of the same domain but another handle fails (ENOTCONN)");
	xenevtchn_close(e1b);
	CHECK(xenevtchn_notify(e1, p1) == 0 && wait_readable(xenevtchn_fd(e0), 1000) && xenevtchn_pending(e0) == p0,
	      "notify back from dom1 to dom0");
	xenevtchn_unmask(e0, p0);

	/* unmap notification: clear a byte and send an event, as gntdev does */
	uint32_t ref;
	uint8_t *page = xengntshr_share_pages(shr, 0, 1, &ref, 1);
	uint8_t *m = page ? xengnttab_map_grant_ref_notify(gt, 1, ref, PROT_READ | PROT_WRITE, 100, p0) : NULL;
	CHECK(m != NULL, "map with an unmap notification");
	if (m) {
		m[100] = 1;
		xengnttab_unmap(gt, m, 1);
		CHECK(page[100] == 0, "unmap cleared the notify byte");
		CHECK(wait_readable(xenevtchn_fd(e1), 1000) && xenevtchn_pending(e1) == p1,
		      "unmap sent the notify event");
		xenevtchn_unmask(e1, p1);
	}
	if (page)
		xengntshr_unshare(shr, page, 1);
	uint32_t before = stats().ports;
	xenevtchn_close(e0);
	CHECK(ports_settle_to(before - 1), "closing a handle closes its port");
	CHECK(xenevtchn_notify(e1, p1) == 0, "the remote end is unbound again and still usable");
	xenevtchn_close(e1);
	xengnttab_close(gt);
	xengntshr_close(shr);
}

static void test_hostile(void)
{
	int fd = raw_connect();
	struct mp_hdr h = { MP_STATS, 0, 0 };
	CHECK(raw_send(fd, &h, sizeof(h), NULL, 0) == -EPROTO, "a request before HELLO is refused");
	CHECK(raw_send(fd, "abc", 3, NULL, 0) == -EBADMSG, "a truncated header is refused");
	struct mp_hdr bad = { MP_STATS, 0, 100 };
	CHECK(raw_send(fd, &bad, sizeof(bad), NULL, 0) == -EBADMSG, "a header whose length lies is refused");
	struct mp_hdr unk = { 999, 0, 0 };
	CHECK(raw_send(fd, &unk, sizeof(unk), NULL, 0) == -ENOSYS, "an unknown op is refused");
	struct mp_hello bogus = { 0xdeadbeef, 0, 1 };
	CHECK(raw_call(fd, MP_HELLO, &bogus, sizeof(bogus), NULL, 0) == -EPROTO, "a HELLO with a bad magic is refused");
	CHECK(raw_hello(fd, 9) == -ESRCH, "a HELLO for a domain that does not exist is refused");
	CHECK(raw_hello(fd, 2) == 0, "a HELLO as dom2");
	CHECK(raw_hello(fd, 0) == -EISCONN, "the domain cannot be changed after HELLO");
	struct mp_map mreq = { 1, 100000, 0, 0, 0 };
	struct mp_map_reply mr = { 0 };
	CHECK(raw_call(fd, MP_MAP, &mreq, sizeof(mreq), &mr, sizeof(mr)) == 0 && mr.gntst == GNTST_bad_gntref,
	      "an out-of-range ref gets GNTST_bad_gntref");
	mreq.ref = 9;
	CHECK(raw_call(fd, MP_MAP, &mreq, sizeof(mreq), &mr, sizeof(mr)) == 0 && mr.gntst == GNTST_general_error,
	      "a ref not granted to us gets GNTST_general_error");
	mreq.granter = 77;
	CHECK(raw_call(fd, MP_MAP, &mreq, sizeof(mreq), &mr, sizeof(mr)) == 0 && mr.gntst == GNTST_bad_domain,
	      "a missing granting domain gets GNTST_bad_domain");
	CHECK(raw_call(fd, MP_MAP, &mreq, sizeof(mreq) - 1, NULL, 0) == -EBADMSG, "a short MAP is refused");
	uint32_t hnd = 12345;
	struct mp_gntst g = { 0 };
	CHECK(raw_call(fd, MP_UNMAP, &hnd, sizeof(hnd), &g, sizeof(g)) == 0 && g.gntst == GNTST_bad_handle,
	      "unmapping a bad handle gets GNTST_bad_handle");
	CHECK(raw_call(fd, MP_PAUSE, (uint32_t[]){ 1 }, 4, NULL, 0) == -EPERM, "a domU cannot pause a domain");
	CHECK(raw_call(fd, MP_SHUTDOWN, NULL, 0, NULL, 0) == -EPERM, "a domU cannot stop the broker");
	struct mp_copy cp = { 1, 9, 4000, 200, 0 };
	CHECK(raw_call(fd, MP_COPY, &cp, sizeof(cp), &g, sizeof(g)) == 0 && g.gntst == GNTST_bad_copy_arg,
	      "a copy crossing the page end gets GNTST_bad_copy_arg");
	cp.len = 5000;
	CHECK(raw_call(fd, MP_COPY, &cp, sizeof(cp), NULL, 0) == -EBADMSG, "an oversized copy is refused");
	CHECK(raw_call(fd, MP_EVT_NOTIFY, (uint32_t[]){ 999999 }, 4, NULL, 0) < 0, "notify on a bad port is refused");
	static uint8_t big[MP_MAX_MSG + 500];
	memset(big, 0x41, sizeof(big));
	CHECK(raw_send(fd, big, sizeof(big), NULL, 0) == -EBADMSG, "an oversized message is refused");
	/* random garbage: always an answer, never a crash */
	srand(1234);
	int answered = 0;
	for (int i = 0; i < 2000; i++) {
		uint8_t junk[64];
		size_t n = (size_t)(rand() % (int)sizeof(junk));
		for (size_t k = 0; k < n; k++)
			junk[k] = (uint8_t)rand();
		if (n >= 8) { /* often well-framed, so the op handlers see junk too */
			struct mp_hdr jh = { (uint16_t)(rand() % (MP_OP_MAX + 2)), 0, (uint32_t)(n - 8) };
			if (rand() % 4)
				memcpy(junk, &jh, sizeof(jh));
		}
		answered += raw_send(fd, junk, n, NULL, 0) != 1000;
	}
	CHECK(answered == 2000, "2000 random messages each get a reply");
	/* an fd sent to the broker is closed, not kept */
	int pipefd[2];
	pipe(pipefd);
	struct mp_hdr sh = { MP_STATS, 0, 0 };
	struct iovec iov = { &sh, sizeof(sh) };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pipefd[1], sizeof(int));
	sendmsg(fd, &mh, 0);
	uint8_t in[256];
	recv(fd, in, sizeof(in), 0);
	close(pipefd[1]);
	struct pollfd pp = { pipefd[0], POLLIN, 0 };
	CHECK(poll(&pp, 1, 1000) == 1 && (pp.revents & POLLHUP), "an fd passed to the broker is closed by it");
	close(pipefd[0]);
	close(fd);
	CHECK(stats().msgs > 0, "the broker still serves after hostile messages");
}

static void test_kill(void)
{
	as_dom(1);
	xengntshr_handle *shr = xengntshr_open(NULL, 0);
	uint32_t refs[4];
	uint8_t *pages = shr ? xengntshr_share_pages(shr, 0, 4, refs, 1) : NULL;
	CHECK(pages != NULL, "share four pages for the kill test");
	if (!pages)
		return;
	as_dom(0);
	int sync[2];
	pipe(sync);
	pid_t pid = fork();
	if (pid == 0) {
		xengnttab_handle *gt = xengnttab_open(NULL, 0);
		xenevtchn_handle *ev = xenevtchn_open(NULL, 0);
		int ok = gt && ev && xengnttab_map_domain_grant_refs(gt, 4, 1, refs, PROT_READ | PROT_WRITE)
			 && xenevtchn_bind_unbound_port(ev, 1) > 0;
		if (write(sync[1], &ok, sizeof(ok)) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	int ok = 0;
	read(sync[0], &ok, sizeof(ok));
	struct mp_stats s = stats();
	CHECK(ok && s.live_maps == 4 && s.pins == 4, "a child holds four maps and a port");
	uint32_t ports = s.ports;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK(settles_to(0, 0), "killing it releases every map and pin");
	CHECK(ports_settle_to(ports - 1), "killing it closes its port");
	CHECK(stats().released_on_close >= 5, "the broker counted the releases");

	/* Kill children at random points of map/unmap/notify loops. */
	srand(99);
	for (int i = 0; i < 20; i++) {
		pid = fork();
		if (pid == 0) {
			xengnttab_handle *gt = xengnttab_open(NULL, 0);
			xenevtchn_handle *ev = xenevtchn_open(NULL, 0);
			for (;;) {
				void *m = xengnttab_map_grant_ref(gt, 1, refs[i % 4], PROT_READ | PROT_WRITE);
				int p = xenevtchn_bind_unbound_port(ev, 1);
				if (m)
					xengnttab_unmap(gt, m, 1);
				if (p > 0)
					xenevtchn_unbind(ev, p);
			}
		}
		usleep((useconds_t)(rand() % 3000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	CHECK(settles_to(0, 0), "20 children killed mid-operation leave no map or pin");
	CHECK(ports_settle_to(ports - 1), "... and no port");
	CHECK(xengntshr_unshare(shr, pages, 4) == 0 && stats().shares == 0, "the granter can end all four grants");
	/* a granting process killed while its page is mapped: the grant stays until the last unmap */
	pid = fork();
	if (pid == 0) {
		as_dom(1);
		xengntshr_handle *s2 = xengntshr_open(NULL, 0);
		uint32_t r;
		int okc = s2 && xengntshr_share_pages(s2, 0, 1, &r, 1) != NULL;
		uint32_t msg[2] = { (uint32_t)okc, r };
		write(sync[1], msg, sizeof(msg));
		pause();
		_exit(0);
	}
	uint32_t msg[2] = { 0, 0 };
	read(sync[0], msg, sizeof(msg));
	xengnttab_handle *gt = xengnttab_open(NULL, 0);
	void *m = msg[0] ? xengnttab_map_grant_ref(gt, 1, msg[1], PROT_READ) : NULL;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	usleep(50000);
	CHECK(m && stats().shares == 1, "a dead granter's mapped share is kept while mapped");
	if (m)
		xengnttab_unmap(gt, m, 1);
	CHECK(stats().shares == 0, "... and ended on the last unmap");
	xengnttab_close(gt);
	xengntshr_close(shr);
	close(sync[0]);
	close(sync[1]);
}

static void test_pause(void)
{
	/* The dom1 process shares a counter page and spins on it; dom0 maps it and watches. */
	int sync[2];
	pipe(sync);
	as_dom(1);
	pid_t pid = fork();
	if (pid == 0) {
		xengntshr_handle *shr = xengntshr_open(NULL, 0);
		uint32_t ref = 0;
		volatile uint64_t *ctr = shr ? xengntshr_share_pages(shr, 0, 1, &ref, 1) : NULL;
		if (write(sync[1], &ref, sizeof(ref)) < 0 || !ctr)
			_exit(1);
		for (;;)
			ctr[0]++;
	}
	as_dom(0);
	uint32_t ref = 0;
	read(sync[0], &ref, sizeof(ref));
	xengnttab_handle *gt = xengnttab_open(NULL, 0);
	volatile uint64_t *ctr = gt && ref ? xengnttab_map_grant_ref(gt, 1, ref, PROT_READ) : NULL;
	xc_interface *xc = xc_interface_open(NULL, NULL, 0);
	CHECK(ctr && xc, "map a dom1 process's counter page, xc_interface_open as dom0");
	if (!ctr || !xc)
		goto out;
	usleep(50000);
	CHECK(xc_domain_pause(xc, 1) == 0, "xc_domain_pause(1)");
	usleep(20000);
	uint64_t a = ctr[0];
	usleep(50000);
	uint64_t b = ctr[0];
	CHECK(a == b && a != 0, "a paused domain's process does not run");
	xc_dominfo_t di;
	CHECK(xc_domain_getinfo(xc, 1, 1, &di) == 1 && di.domid == 1 && di.paused, "getinfo reports it paused");
	xc_domaininfo_t dl[4];
	int n = xc_domain_getinfolist(xc, 0, 4, dl);
	CHECK(n == 3 && dl[1].domain == 1 && (dl[1].flags & XEN_DOMINF_paused), "getinfolist lists dom0..2, dom1 paused");
	CHECK(xc_domain_unpause(xc, 1) == 0, "xc_domain_unpause(1)");
	usleep(50000);
	CHECK(ctr[0] != b, "it runs again after unpause");
	CHECK(xc_domain_pause(xc, 0) == -1, "dom0 cannot pause itself");
	xengnttab_unmap(gt, (void *)ctr, 1);
out:
	if (xc)
		xc_interface_close(xc);
	if (gt)
		xengnttab_close(gt);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(sync[0]);
	close(sync[1]);
}

int main(void)
{
	if (!getenv(MP_ENV_SOCK)) {
		fprintf(stderr, "test_dropin: run me under `xensim run` ($%s is not set)\n", MP_ENV_SOCK);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	ctl = raw_connect();
	if (raw_hello(ctl, 0) != 0) {
		fprintf(stderr, "test_dropin: the broker refused dom0\n");
		return 2;
	}
	test_map_unmap();
	test_grant_rules();
	test_readonly();
	test_events();
	test_hostile();
	test_kill();
	test_pause();
	usleep(100000); /* let the broker see the last closes */
	struct mp_stats s = stats();
	CHECK(s.live_maps == 0 && s.pins == 0 && s.shares == 0, "nothing held at the end");
	if (failures)
		printf("# stats: clients=%u maps=%u pins=%u ports=%u shares=%u errors=%llu\n", s.clients, s.live_maps,
		       s.pins, s.ports, s.shares, (unsigned long long)s.errors);
	return failures ? 1 : 0;
}
