/* test_conformance.c - the drop-in libxenevtchn/libxengnttab behave as Debian's libraries do on
 * Linux (/dev/xen/evtchn, gntdev, gntalloc) under Xen, call by call.
 *
 * Compiled against Debian's headers and linked with -lxengnttab -lxenevtchn (Debian's sonames), run
 * under `xensim run` so that the drop-ins are loaded (run_conformance.py). The domain of a handle is
 * read from $GNTFUZZ_DOMID when it is opened, so one process can act as several domains; peers that
 * must block or die are forked children. Prints TAP; exits 1 if any check failed.
 *
 * Each expectation is what the real stack does: the library's own checks (tools/libs/evtchn,
 * tools/libs/gnttab), then Linux's driver (drivers/xen/evtchn.c, gntdev.c, gntalloc.c), then Xen's
 * answer (common/event_channel.c, common/grant_table.c).
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
#include <xenevtchn.h>
#include <xengnttab.h>
#include "proto.h"

static int failures, checks;
#define CHECK(cond, ...) do { \
	checks++; \
	if (cond) { printf("ok %d - ", checks); printf(__VA_ARGS__); printf("\n"); } \
	else { printf("not ok %d - ", checks); printf(__VA_ARGS__); printf(" (%s:%d, errno %d %s)\n", __FILE__, __LINE__, errno, strerror(errno)); failures++; } \
	fflush(stdout); } while (0)
/* errno check: the call returned its failure value and errno is e */
#define FAILS_WITH(call_fails, e, ...) do { errno = 0; int f_ = (call_fails); int g_ = errno; \
	CHECK(f_ && g_ == (e), __VA_ARGS__); } while (0)

static void as_dom(int dom)
{
	char v[8];
	snprintf(v, sizeof(v), "%d", dom);
	setenv(MP_ENV_DOMID, v, 1);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* --- the broker's counters, through a raw dom0 connection --- */

static int ctl = -1;

static struct mp_stats stats(void)
{
	struct mp_stats s;
	memset(&s, 0xff, sizeof(s));
	uint8_t msg[sizeof(struct mp_hdr)], in[512];
	struct mp_hdr h = { MP_STATS, 0, 0 };
	memcpy(msg, &h, sizeof(h));
	if (send(ctl, msg, sizeof(msg), MSG_NOSIGNAL) == sizeof(msg)) {
		ssize_t n = recv(ctl, in, sizeof(in), 0);
		if (n == (ssize_t)(sizeof(struct mp_rhdr) + sizeof(s)))
			memcpy(&s, in + sizeof(struct mp_rhdr), sizeof(s));
	}
	return s;
}

static int ctl_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", getenv(MP_ENV_SOCK));
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	struct { struct mp_hdr h; struct mp_hello hello; } m = { { MP_HELLO, 0, sizeof(struct mp_hello) },
								   { MP_MAGIC, 0, MP_KIND_CTRL } };
	uint8_t in[64];
	if (send(fd, &m, sizeof(m), 0) != sizeof(m) || recv(fd, in, sizeof(in), 0) < (ssize_t)sizeof(struct mp_rhdr))
		return -1;
	return fd;
}

/* The broker sees closes and deaths asynchronously: wait (up to 3 s) until pred holds. */
#define SETTLES(pred) ({ int ok_ = 0; for (int i_ = 0; i_ < 600 && !(ok_ = (pred)); i_++) usleep(5000); ok_; })

/* The port count once earlier closes have been seen: unchanged for 100 ms. */
static uint32_t quiet_ports(void)
{
	uint32_t last = stats().ports;
	for (int same = 0, i = 0; same < 10 && i < 300; i++) {
		usleep(10000);
		uint32_t now_ = stats().ports;
		same = now_ == last ? same + 1 : 0;
		last = now_;
	}
	return last;
}

/* An interdomain channel: dom `a` (handle ha) bound unbound for dom `b`, dom b (hb) binds it.
 * The pending bit Xen sets on bind is drained. *pa, *pb get the ports. */
static int channel(xenevtchn_handle *ha, int b, xenevtchn_handle *hb, int a, int *pa, int *pb)
{
	*pa = xenevtchn_bind_unbound_port(ha, b);
	*pb = *pa > 0 ? xenevtchn_bind_interdomain(hb, a, *pa) : -1;
	if (*pb <= 0)
		return -1;
	if (readable(xenevtchn_fd(hb), 1000) && xenevtchn_pending(hb) == *pb)
		xenevtchn_unmask(hb, *pb);
	return 0;
}

static int pending_nb(xenevtchn_handle *h)
{
	int fd = xenevtchn_fd(h), fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	int p = xenevtchn_pending(h), e = errno;
	fcntl(fd, F_SETFL, fl);
	errno = e;
	return p;
}

/* ===================== libxenevtchn ===================== */

static void evtchn_open_flags(void)
{
	as_dom(0);
	FAILS_WITH(xenevtchn_open(NULL, 2) == NULL, EINVAL, "xenevtchn_open: an unknown flag is EINVAL");
	xenevtchn_handle *h = xenevtchn_open(NULL, 0);
	CHECK(h && xenevtchn_fd(h) >= 0 && (fcntl(xenevtchn_fd(h), F_GETFD) & FD_CLOEXEC),
	      "xenevtchn_open(0): its fd is close-on-exec");
	xenevtchn_handle *n = xenevtchn_open(NULL, XENEVTCHN_NO_CLOEXEC);
	CHECK(n && !(fcntl(xenevtchn_fd(n), F_GETFD) & FD_CLOEXEC),
	      "xenevtchn_open(XENEVTCHN_NO_CLOEXEC): its fd survives exec");
	FAILS_WITH(xenevtchn_fdopen(NULL, xenevtchn_fd(n), XENEVTCHN_NO_CLOEXEC) == NULL, EINVAL,
		   "xenevtchn_fdopen rejects XENEVTCHN_NO_CLOEXEC (any flag): EINVAL");
	FAILS_WITH(xenevtchn_fdopen(NULL, 999, 0) == NULL, EBADF, "xenevtchn_fdopen of a closed fd: EBADF");
	int pfd[2];
	if (pipe(pfd) == 0) {
		errno = 0;
		CHECK(xenevtchn_fdopen(NULL, pfd[0], 0) == NULL && errno == EBADF,
		      "xenevtchn_fdopen of an fd that is no evtchn handle fails (EBADF)");
		close(pfd[0]);
		close(pfd[1]);
	}
	CHECK(!readable(xenevtchn_fd(h), 0), "a fresh handle's fd is not readable");
	FAILS_WITH(pending_nb(h) == -1, EAGAIN, "pending on an O_NONBLOCK fd with nothing queued: EAGAIN");
	CHECK(xenevtchn_close(h) == 0 && xenevtchn_close(n) == 0 && xenevtchn_close(NULL) == 0,
	      "xenevtchn_close: 0, also for NULL");
}

static void evtchn_errors(void)
{
	as_dom(1);
	xenevtchn_handle *h1 = xenevtchn_open(NULL, 0), *h1b = xenevtchn_open(NULL, 0);
	as_dom(0);
	xenevtchn_handle *h0 = xenevtchn_open(NULL, 0);
	if (!h0 || !h1 || !h1b) {
		CHECK(0, "open three evtchn handles");
		return;
	}
	int u = xenevtchn_bind_unbound_port(h1, 7);
	CHECK(u > 0, "bind_unbound_port to a domain that does not exist succeeds (Xen does not check)");
	int s = xenevtchn_bind_unbound_port(h1, DOMID_SELF);
	CHECK(s > 0 && s != u, "bind_unbound_port(DOMID_SELF) succeeds");
	FAILS_WITH(xenevtchn_bind_interdomain(h0, 9, 1) == -1, ESRCH, "bind_interdomain to a missing domain: ESRCH");
	FAILS_WITH(xenevtchn_bind_interdomain(h0, 1, 0) == -1, EINVAL, "bind_interdomain to remote port 0: EINVAL");
	FAILS_WITH(xenevtchn_bind_interdomain(h0, 1, 100000) == -1, EINVAL,
		   "bind_interdomain to a remote port beyond the table: EINVAL");
	FAILS_WITH(xenevtchn_bind_interdomain(h0, 1, u) == -1, EINVAL,
		   "bind_interdomain to a port left unbound for another domain: EINVAL");
	int p0 = xenevtchn_bind_interdomain(h1b, 1, s);
	CHECK(p0 > 0, "bind_interdomain(DOMID_SELF's port) within one domain");
	FAILS_WITH(xenevtchn_bind_interdomain(h0, 1, s) == -1, EINVAL,
		   "bind_interdomain to a port already connected: EINVAL");
	FAILS_WITH(xenevtchn_bind_virq(h0, 99) == -1, EINVAL, "bind_virq(99): EINVAL");
	int v = xenevtchn_bind_virq(h0, VIRQ_DOM_EXC);
	CHECK(v > 0, "bind_virq(VIRQ_DOM_EXC)");
	FAILS_WITH(xenevtchn_bind_virq(h0, VIRQ_DOM_EXC) == -1, EEXIST, "the same virq again: EEXIST");
	CHECK(xenevtchn_notify(h0, v) == 0, "notify on one's own virq port: 0 (the driver ignores Xen's EINVAL)");
	FAILS_WITH(xenevtchn_notify(h0, 60) == -1, ENOTCONN, "notify on a port nobody bound: ENOTCONN");
	FAILS_WITH(xenevtchn_notify(h1b, u) == -1, ENOTCONN,
		   "notify on a port of the same domain bound by another handle: ENOTCONN");
	FAILS_WITH(xenevtchn_notify(h0, 5000) == -1, ENOTCONN, "notify on a port beyond the table: ENOTCONN");
	FAILS_WITH(xenevtchn_unbind(h1b, u) == -1, ENOTCONN, "unbind of another handle's port: ENOTCONN");
	FAILS_WITH(xenevtchn_unbind(h0, 5000) == -1, EINVAL, "unbind of a port beyond the channels: EINVAL");
	CHECK(xenevtchn_unmask(h0, u) == 0 && xenevtchn_unmask(h0, 5000) == 0,
	      "unmask of a port that is not the handle's: 0 (ignored, as write() to the device)");
	CHECK(xenevtchn_unbind(h1, u) == 0, "unbind of one's own port");
	FAILS_WITH(xenevtchn_unbind(h1, u) == -1, ENOTCONN, "unbinding it again: ENOTCONN");
	/* restriction (IOCTL_EVTCHN_RESTRICT_DOMID) */
	FAILS_WITH(xenevtchn_restrict(h0, 0) == -1, EINVAL, "restrict to domain 0: EINVAL");
	FAILS_WITH(xenevtchn_restrict(h0, DOMID_SELF) == -1, EINVAL, "restrict to a reserved id: EINVAL");
	int u2 = xenevtchn_bind_unbound_port(h1, 0);
	CHECK(xenevtchn_restrict(h0, 2) == 0, "restrict a handle to domain 2");
	FAILS_WITH(xenevtchn_restrict(h0, 2) == -1, EACCES, "restricting it again: EACCES");
	FAILS_WITH(xenevtchn_bind_unbound_port(h0, 2) == -1, EACCES, "a restricted handle may not bind unbound: EACCES");
	FAILS_WITH(xenevtchn_bind_virq(h0, VIRQ_DEBUG) == -1, EACCES, "... nor a virq: EACCES");
	FAILS_WITH(xenevtchn_bind_interdomain(h0, 1, u2) == -1, EACCES,
		   "... nor an interdomain port of another domain: EACCES");
	CHECK(xenevtchn_notify(h0, v) == 0, "... and keeps its ports");
	as_dom(2);
	xenevtchn_handle *h2 = xenevtchn_open(NULL, 0);
	int u3 = h2 ? xenevtchn_bind_unbound_port(h2, 0) : -1;
	int b3 = xenevtchn_bind_interdomain(h0, 2, u3);
	CHECK(b3 > 0, "... but binds a port of its domain");
	uint32_t before = stats().ports; /* h0: v, b3; h1: s, u2; h1b: its port; h2: u3 */
	xenevtchn_close(h2);
	xenevtchn_close(h0);
	xenevtchn_close(h1);
	xenevtchn_close(h1b);
	CHECK(SETTLES(stats().ports == before - 6), "closing handles closes their ports");
}

/* The fd is readable exactly while a port is queued; a masked port does not queue again. */
static void evtchn_readiness(void)
{
	as_dom(1);
	xenevtchn_handle *h1 = xenevtchn_open(NULL, 0);
	as_dom(0);
	xenevtchn_handle *h0 = xenevtchn_open(NULL, 0);
	int p1 = h1 ? xenevtchn_bind_unbound_port(h1, 0) : -1;
	int p0 = p1 > 0 ? xenevtchn_bind_interdomain(h0, 1, p1) : -1;
	CHECK(p0 > 0, "an interdomain channel dom1 <-> dom0");
	if (p0 <= 0)
		return;
	CHECK(readable(xenevtchn_fd(h0), 0), "binding interdomain marks the new port pending (Xen): fd readable");
	CHECK(xenevtchn_pending(h0) == p0 && !readable(xenevtchn_fd(h0), 0),
	      "pending returns it, and the fd is no longer readable");
	CHECK(xenevtchn_notify(h0, p0) == 0 && readable(xenevtchn_fd(h1), 0),
	      "a notify makes the peer's fd readable before notify returns");
	CHECK(xenevtchn_notify(h0, p0) == 0 && xenevtchn_pending(h1) == p1 && !readable(xenevtchn_fd(h1), 0),
	      "two notifies queue the port once");
	CHECK(xenevtchn_notify(h0, p0) == 0 && !readable(xenevtchn_fd(h1), 20),
	      "while masked (not unmasked since), a notify only sets it pending");
	CHECK(xenevtchn_unmask(h1, p1) == 0 && readable(xenevtchn_fd(h1), 0) && xenevtchn_pending(h1) == p1,
	      "unmask delivers the pending port: fd readable, pending returns it");
	xenevtchn_unmask(h1, p1);
	CHECK(!readable(xenevtchn_fd(h1), 0), "unmask with nothing pending queues nothing");
	CHECK(xenevtchn_notify(h0, p0) == 0 && xenevtchn_unbind(h1, p1) == 0 && !readable(xenevtchn_fd(h1), 0),
	      "unbinding a queued port takes it off the queue");
	CHECK(xenevtchn_notify(h0, p0) == 0, "notify towards an unbound remote end: 0 (Xen drops it)");
	xenevtchn_close(h0);
	xenevtchn_close(h1);
}

/* A peer process of domain `dom`: binds a port unbound for dom0 and tells us which; once told
 * (a byte on *go: dom0 has bound it), waits delay_ms and notifies. */
static pid_t peer_notifier(int dom, int delay_ms, int *port, int *go)
{
	int pp[2], gp[2];
	if (pipe(pp) < 0 || pipe(gp) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		as_dom(dom);
		xenevtchn_handle *h = xenevtchn_open(NULL, 0);
		int p = h ? xenevtchn_bind_unbound_port(h, 0) : -1;
		char b;
		if (write(pp[1], &p, sizeof(p)) != sizeof(p) || read(gp[0], &b, 1) != 1)
			_exit(1);
		usleep((useconds_t)delay_ms * 1000);
		xenevtchn_notify(h, p);
		usleep(200000);
		_exit(0);
	}
	close(pp[1]);
	close(gp[0]);
	*go = gp[1];
	*port = -1;
	if (read(pp[0], port, sizeof(*port)) != sizeof(*port))
		*port = -1;
	close(pp[0]);
	return pid;
}

static void release(int go)
{
	if (write(go, "g", 1) != 1)
		perror("test_conformance: peer");
	close(go);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void evtchn_blocking(void)
{
	/* 1. the parent blocks in xenevtchn_pending() on a default handle; a peer notifies */
	as_dom(0);
	xenevtchn_handle *h = xenevtchn_open(NULL, 0);
	int rp, go;
	pid_t pid = peer_notifier(1, 300, &rp, &go);
	int lp = rp > 0 ? xenevtchn_bind_interdomain(h, 1, rp) : -1;
	if (lp > 0 && xenevtchn_pending(h) == lp) /* the bind's own pending bit */
		xenevtchn_unmask(h, lp);
	release(go);
	double t0 = now();
	int got = lp > 0 ? xenevtchn_pending(h) : -2;
	double waited = now() - t0;
	CHECK(got == lp && waited > 0.15, "xenevtchn_pending on a default handle blocks until a peer's notify "
	      "(waited %.0f ms, got port %d of %d)", waited * 1000, got, lp);
	waitpid(pid, NULL, 0);
	xenevtchn_close(h);

	/* 2. waiting in poll() on xenevtchn_fd() */
	h = xenevtchn_open(NULL, 0);
	pid = peer_notifier(2, 300, &rp, &go);
	lp = rp > 0 ? xenevtchn_bind_interdomain(h, 2, rp) : -1;
	if (lp > 0 && xenevtchn_pending(h) == lp)
		xenevtchn_unmask(h, lp);
	release(go);
	struct pollfd pf = { xenevtchn_fd(h), POLLIN, 0 };
	t0 = now();
	int n = poll(&pf, 1, 5000);
	waited = now() - t0;
	CHECK(n == 1 && (pf.revents & POLLIN) && waited > 0.15 && xenevtchn_pending(h) == lp,
	      "poll() on xenevtchn_fd() sleeps until the peer's notify, then pending returns the port "
	      "(waited %.0f ms)", waited * 1000);
	waitpid(pid, NULL, 0);
	xenevtchn_close(h);

	/* 3. a signal: EINTR without SA_RESTART, as read() on the device */
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_alarm };
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;
		sigaction(SIGALRM, &sa, NULL);
		as_dom(0);
		xenevtchn_handle *c = xenevtchn_open(NULL, 0);
		ualarm(200000, 0);
		errno = 0;
		int r = c ? xenevtchn_pending(c) : 0;
		_exit(r == -1 && errno == EINTR ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "a signal without SA_RESTART interrupts a blocking pending: -1, EINTR");

	/* 4. with SA_RESTART the wait goes on, and the notify still wakes it */
	h = xenevtchn_open(NULL, 0);
	pid = peer_notifier(1, 400, &rp, &go);
	lp = rp > 0 ? xenevtchn_bind_interdomain(h, 1, rp) : -1;
	if (lp > 0 && xenevtchn_pending(h) == lp)
		xenevtchn_unmask(h, lp);
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	release(go);
	ualarm(100000, 0);
	got = lp > 0 ? xenevtchn_pending(h) : -2;
	sigaction(SIGALRM, &old, NULL);
	CHECK(got == lp, "with SA_RESTART a signal does not end the wait: the notify returns the port");
	waitpid(pid, NULL, 0);
	xenevtchn_close(h);
}

/* The user's report: a program that shares pages and then blocks in xenevtchn_pending() must
 * stay blocked (alive, its pages shared) until its peer notifies. */
static void evtchn_blocked_program_keeps_pages(void)
{
	int pp[2], go[2];
	if (pipe(pp) < 0 || pipe(go) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		as_dom(1);
		xengntshr_handle *s = xengntshr_open(NULL, 0);
		xenevtchn_handle *e = xenevtchn_open(NULL, 0);
		uint32_t ref = 0;
		char *page = s ? xengntshr_share_pages(s, 0, 1, &ref, 1) : NULL;
		int port = e ? xenevtchn_bind_unbound_port(e, 0) : -1;
		if (!page || port <= 0)
			_exit(2);
		strcpy(page, "alive");
		uint32_t msg[2] = { ref, (uint32_t)port };
		if (write(pp[1], msg, sizeof(msg)) != sizeof(msg))
			_exit(3);
		int got = xenevtchn_pending(e); /* blocks: a default handle, as on /dev/xen/evtchn */
		strcpy(page, got == port ? "woken" : "wrong");
		char b;
		if (read(go[0], &b, 1) != 1) /* keep the page until the parent has looked */
			_exit(4);
		_exit(got == port ? 0 : 5);
	}
	uint32_t msg[2] = { 0, 0 };
	if (read(pp[0], msg, sizeof(msg)) != sizeof(msg)) {
		CHECK(0, "the blocked program shared a page and bound a port");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	as_dom(0);
	xengnttab_handle *g = xengnttab_open(NULL, 0);
	xenevtchn_handle *e = xenevtchn_open(NULL, 0);
	volatile char *m = g ? xengnttab_map_grant_ref(g, 1, msg[0], PROT_READ) : NULL;
	int lp = e ? xenevtchn_bind_interdomain(e, 1, msg[1]) : -1;
	usleep(400000);
	int st = 0;
	CHECK(m && lp > 0 && waitpid(pid, &st, WNOHANG) == 0 && !strcmp((const char *)m, "alive") && stats().shares >= 1,
	      "a program blocked in xenevtchn_pending() on a default handle stays alive, its page shared");
	CHECK(lp > 0 && xenevtchn_notify(e, lp) == 0 && SETTLES(m && !strcmp((const char *)m, "woken")),
	      "the peer's notify wakes it with its port");
	if (write(go[1], "x", 1) != 1)
		CHECK(0, "tell the program to go");
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "it exits normally");
	if (m)
		xengnttab_unmap(g, (void *)m, 1);
	xengnttab_close(g);
	xenevtchn_close(e);
	close(pp[0]);
	close(pp[1]);
	close(go[0]);
	close(go[1]);
}

/* XENEVTCHN_NO_CLOEXEC: the handle survives exec and xenevtchn_fdopen() takes it over. */
static int adopt_main(int fd, int port)
{
	xenevtchn_handle *h = xenevtchn_fdopen(NULL, fd, 0);
	if (!h || xenevtchn_fd(h) != fd)
		return 10;
	printf("ready\n");
	fflush(stdout);
	int got = xenevtchn_pending(h); /* the port bound before exec, notified after */
	if (got != port)
		return 11;
	if (xenevtchn_unmask(h, port) || xenevtchn_notify(h, port))
		return 12;
	return xenevtchn_close(h) == 0 ? 0 : 13;
}

static void evtchn_exec(void)
{
	for (int keep = 1; keep >= 0; keep--) {
		int pp[2];
		if (pipe(pp) < 0)
			return;
		uint32_t ports0 = quiet_ports();
		pid_t pid = fork();
		if (pid == 0) {
			as_dom(1);
			xenevtchn_handle *h = xenevtchn_open(NULL, keep ? XENEVTCHN_NO_CLOEXEC : 0);
			int p = h ? xenevtchn_bind_unbound_port(h, 0) : -1;
			char sfd[16], sp[16];
			snprintf(sfd, sizeof(sfd), "%d", h ? xenevtchn_fd(h) : -1);
			snprintf(sp, sizeof(sp), "%d", p);
			dup2(pp[1], 1);
			if (write(1, &p, sizeof(p)) != sizeof(p))
				_exit(1);
			execl("/proc/self/exe", "test_conformance", "--adopt", sfd, sp, (char *)NULL);
			_exit(2);
		}
		close(pp[1]);
		int rp = -1;
		char line[64] = "";
		FILE *f = fdopen(pp[0], "r");
		if (fread(&rp, sizeof(rp), 1, f) != 1)
			rp = -1;
		if (keep) {
			if (!fgets(line, sizeof(line), f))
				line[0] = 0;
			as_dom(0);
			xenevtchn_handle *e = xenevtchn_open(NULL, 0);
			int lp = e ? xenevtchn_bind_interdomain(e, 1, rp) : -1;
			if (lp > 0 && xenevtchn_pending(e) == lp)
				xenevtchn_unmask(e, lp);
			CHECK(!strcmp(line, "ready\n") && lp > 0,
			      "XENEVTCHN_NO_CLOEXEC: after exec, xenevtchn_fdopen(fd) is the handle again, its port bound");
			CHECK(lp > 0 && xenevtchn_notify(e, lp) == 0 && readable(xenevtchn_fd(e), 3000) &&
			      xenevtchn_pending(e) == lp, "events reach the adopted handle and it sends back");
			int st = 0;
			waitpid(pid, &st, 0);
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the exec'ed program got its port (exit %d)",
			      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			xenevtchn_close(e);
		} else {
			int st = 0;
			waitpid(pid, &st, 0);
			CHECK(rp > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 10,
			      "without XENEVTCHN_NO_CLOEXEC the fd is gone after exec: fdopen fails");
		}
		fclose(f);
		CHECK(SETTLES(stats().ports == ports0), "... and every port is closed once it exits");
	}
}

/* ===================== libxengnttab: xengnttab ===================== */

static void gnttab_map_errors(void)
{
	as_dom(1);
	xengntshr_handle *s = xengntshr_open(NULL, 0);
	as_dom(0);
	xengnttab_handle *g = xengnttab_open(NULL, 0);
	CHECK(s && g && xengnttab_fd(g) >= 0 && xengntshr_fd(s) >= 0, "xengnttab_open, xengntshr_open, their fds");
	if (!s || !g)
		return;
	uint32_t ref, refs[2] = { 0, 0 }, doms[2] = { 1, 1 };
	char *ro = xengntshr_share_pages(s, 0, 1, &ref, 0);
	CHECK(ro != NULL, "share a page read-only with dom0");
	FAILS_WITH(xengnttab_map_grant_ref(g, 1, 5, PROT_READ) == NULL, EINVAL, "map of a ref never granted: EINVAL");
	FAILS_WITH(xengnttab_map_grant_ref(g, 1, 100000, PROT_READ) == NULL, EINVAL, "map of a ref beyond the table: EINVAL");
	FAILS_WITH(xengnttab_map_grant_ref(g, 9, ref, PROT_READ) == NULL, EINVAL, "map from a missing domain: EINVAL");
	FAILS_WITH(xengnttab_map_grant_ref(g, 1, ref, PROT_READ | PROT_WRITE) == NULL, EINVAL,
		   "writable map of a read-only grant: EINVAL");
	FAILS_WITH(xengnttab_map_domain_grant_refs(g, 0, 1, refs, PROT_READ) == NULL, EINVAL, "map of 0 refs: EINVAL");
	FAILS_WITH(xengnttab_map_grant_refs(g, 65537, doms, refs, PROT_READ) == NULL, EINVAL,
		   "map of more refs than gntdev's limit (65536): EINVAL");
	refs[0] = ref;
	refs[1] = 5;
	FAILS_WITH(xengnttab_map_grant_refs(g, 2, doms, refs, PROT_READ) == NULL, EINVAL,
		   "a map with one bad ref among two fails whole: EINVAL");
	CHECK(SETTLES(stats().live_maps == 0 && stats().pins == 0), "... and leaves no map and no pin");
	char *m = xengnttab_map_grant_ref(g, 1, ref, PROT_READ);
	CHECK(m != NULL, "read-only map of the read-only grant");
	CHECK(xengnttab_set_max_grants(g, 1) == 0, "set_max_grants: 0 (no such ioctl on Linux any more)");
	char *m2 = xengnttab_map_grant_ref(g, 1, ref, PROT_READ);
	CHECK(m2 != NULL, "... and imposes no limit: a second map");
	FAILS_WITH(xengnttab_unmap(g, NULL, 1) == -1, EINVAL, "unmap(NULL): EINVAL");
	FAILS_WITH(xengnttab_unmap(g, m, 2) == -1, EINVAL, "unmap with the wrong count: EINVAL");
	FAILS_WITH(xengnttab_unmap(g, (char *)&ref, 1) == -1, EINVAL, "unmap of memory that is no map: EINVAL");
	CHECK(m2 && xengnttab_unmap(g, m2 + 100, 1) == 0, "unmap by an address inside the map");
	CHECK(m && xengnttab_unmap(g, m, 1) == 0 && SETTLES(stats().live_maps == 0), "unmap: no map left");
	/* dma-buf: Debian's kernel has no CONFIG_XEN_GNTDEV_DMABUF */
	uint32_t fd = 0;
	FAILS_WITH(xengnttab_dmabuf_exp_from_refs(g, 1, 0, 1, &ref, &fd) == -1, ENOTTY, "dmabuf_exp_from_refs: ENOTTY");
	FAILS_WITH(xengnttab_dmabuf_exp_from_refs(g, 1, 0, 0, &ref, &fd) == -1, EINVAL, "... of 0 refs: EINVAL");
	FAILS_WITH(xengnttab_dmabuf_exp_wait_released(g, 3, 10) == -1, ENOTTY, "dmabuf_exp_wait_released: ENOTTY");
	FAILS_WITH(xengnttab_dmabuf_imp_to_refs(g, 1, 3, 1, refs) == -1, ENOTTY, "dmabuf_imp_to_refs: ENOTTY");
	FAILS_WITH(xengnttab_dmabuf_imp_release(g, 3) == -1, ENOTTY, "dmabuf_imp_release: ENOTTY");
	xengntshr_unshare(s, ro, 1);
	xengnttab_close(g);
	xengntshr_close(s);
}

static void gnttab_fork_and_close(void)
{
	as_dom(1);
	xengntshr_handle *s = xengntshr_open(NULL, 0);
	uint32_t ref;
	char *page = s ? xengntshr_share_pages(s, 0, 1, &ref, 1) : NULL;
	as_dom(0);
	xengnttab_handle *g = xengnttab_open(NULL, 0);
	volatile char *m = page && g ? xengnttab_map_grant_ref(g, 1, ref, PROT_READ | PROT_WRITE) : NULL;
	CHECK(m != NULL, "map a page writable");
	if (!m)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		(void)m[0]; /* gntdev's VM_DONTCOPY: not in the child */
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a map is not inherited by fork() (VM_DONTCOPY)");
	xengnttab_unmap(g, (void *)m, 1);
	xengnttab_close(g);
	/* xengnttab_close leaves live maps mapped: the vma keeps gntdev's file open until munmap or exit */
	int pp[2];
	if (pipe(pp) < 0)
		return;
	uint32_t maps = stats().live_maps;
	pid = fork();
	if (pid == 0) {
		xengnttab_handle *g2 = xengnttab_open(NULL, 0);
		volatile char *m2 = g2 ? xengnttab_map_grant_ref(g2, 1, ref, PROT_READ | PROT_WRITE) : NULL;
		int ok = m2 && xengnttab_close(g2) == 0;
		if (ok)
			m2[0] = 'k'; /* still mapped, writable */
		if (write(pp[1], &ok, sizeof(ok)) != sizeof(ok))
			_exit(1);
		pause();
		_exit(0);
	}
	int ok = 0;
	if (read(pp[0], &ok, sizeof(ok)) != sizeof(ok))
		ok = 0;
	CHECK(ok && page[0] == 'k' && stats().live_maps == maps + 1,
	      "a child maps a page and closes its handle: the map stays, mapped and pinned");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK(SETTLES(stats().live_maps == maps && stats().pins == 0), "... until the process is gone");
	xengntshr_unshare(s, page, 1);
	xengntshr_close(s);
	CHECK(stats().shares == 0, "then the grant can end");
	close(pp[0]);
	close(pp[1]);
}

/* Unmap notification (gntdev SET_UNMAP_NOTIFY): the byte is cleared and the event sent when the
 * page is unmapped, explicitly or by the process's death. */
static void gnttab_notify(void)
{
	as_dom(1);
	xengntshr_handle *s = xengntshr_open(NULL, 0);
	xenevtchn_handle *e1 = xenevtchn_open(NULL, 0);
	as_dom(0);
	xengnttab_handle *g = xengnttab_open(NULL, 0);
	xenevtchn_handle *e0 = xenevtchn_open(NULL, 0), *e0b = xenevtchn_open(NULL, 0);
	int p1, p0;
	if (!s || !e1 || !g || !e0 || !e0b || channel(e1, 0, e0, 1, &p1, &p0) < 0) {
		CHECK(0, "handles and a channel for the notification tests");
		return;
	}
	uint32_t ref, rref;
	char *page = xengntshr_share_pages(s, 0, 1, &ref, 1);
	char *ropage = xengntshr_share_pages(s, 0, 1, &rref, 0);
	if (!page || !ropage)
		return;
	uint32_t maps = stats().live_maps;
	FAILS_WITH(xengnttab_map_grant_ref_notify(g, 1, ref, PROT_READ | PROT_WRITE, 0, 60) == NULL, EINVAL,
		   "notify on a port nobody bound: EINVAL");
	FAILS_WITH(xengnttab_map_grant_ref_notify(g, 1, rref, PROT_READ, 8, -1) == NULL, EINVAL,
		   "a notify byte on a read-only map: EINVAL");
	CHECK(SETTLES(stats().live_maps == maps && stats().pins == 0), "... each refusal leaves nothing mapped");
	page[5000 % 4096] = 1;
	char *m = xengnttab_map_grant_ref_notify(g, 1, ref, PROT_READ | PROT_WRITE, 5000, -1);
	CHECK(m != NULL, "an offset beyond the page means no byte: the map is made");
	if (m)
		xengnttab_unmap(g, m, 1);
	CHECK(page[5000 % 4096] == 1, "... and unmapping it clears nothing");
	char *ro = xengnttab_map_grant_ref_notify(g, 1, rref, PROT_READ, -1, p0);
	CHECK(ro && xengnttab_unmap(g, ro, 1) == 0 && readable(xenevtchn_fd(e1), 1000) && xenevtchn_pending(e1) == p1,
	      "an event-only notification on a read-only map: sent on unmap");
	xenevtchn_unmask(e1, p1);
	int q = xenevtchn_bind_unbound_port(e0b, 1);
	char *m2 = xengnttab_map_grant_ref_notify(g, 1, ref, PROT_READ, -1, q);
	CHECK(m2 != NULL, "a notification on a port another handle of our domain bound (evtchn_get is per domain)");
	if (m2)
		xengnttab_unmap(g, m2, 1);
	page[100] = 7;
	m = xengnttab_map_grant_ref_notify(g, 1, ref, PROT_READ | PROT_WRITE, 100, p0);
	CHECK(m && m[100] == 7, "map with a byte and an event");
	CHECK(!readable(xenevtchn_fd(e1), 0) && xengnttab_unmap(g, m, 1) == 0 && page[100] == 0,
	      "unmap clears the byte");
	CHECK(readable(xenevtchn_fd(e1), 1000) && xenevtchn_pending(e1) == p1, "... and sends the event");
	xenevtchn_unmask(e1, p1);
	/* the port stays open for the notification even when its handle is closed first */
	page[200] = 9;
	m = xengnttab_map_grant_ref_notify(g, 1, ref, PROT_READ | PROT_WRITE, 200, p0);
	uint32_t ports = quiet_ports();
	xenevtchn_close(e0);
	usleep(100000);
	CHECK(m && stats().ports == ports && xengnttab_unmap(g, m, 1) == 0 && page[200] == 0 &&
	      readable(xenevtchn_fd(e1), 1000) && xenevtchn_pending(e1) == p1,
	      "the event still goes out after the mapper closed its evtchn handle (the port is referenced)");
	xenevtchn_unmask(e1, p1);
	CHECK(SETTLES(stats().ports == ports - 1), "... then the port closes");
	/* on death */
	as_dom(0);
	e0 = xenevtchn_open(NULL, 0);
	channel(e1, 0, e0, 1, &p1, &p0);
	page[300] = 3;
	int pp[2];
	if (pipe(pp) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		xengnttab_handle *cg = xengnttab_open(NULL, 0);
		/* the port is the parent's: one of our domain, bound through an evtchn handle */
		int ok = cg && xengnttab_map_grant_ref_notify(cg, 1, ref, PROT_READ | PROT_WRITE, 300, p0) != NULL;
		if (write(pp[1], &ok, sizeof(ok)) != sizeof(ok))
			_exit(1);
		pause();
		_exit(0);
	}
	int ok = 0;
	if (read(pp[0], &ok, sizeof(ok)) != sizeof(ok))
		ok = 0;
	CHECK(ok && page[300] == 3, "a child maps with a notification on a port of its domain");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK(SETTLES(page[300] == 0) && readable(xenevtchn_fd(e1), 1000) && xenevtchn_pending(e1) == p1,
	      "killed, it clears the byte and sends the event (gntdev on release)");
	xenevtchn_unmask(e1, p1);
	close(pp[0]);
	close(pp[1]);
	xengntshr_unshare(s, page, 1);
	xengntshr_unshare(s, ropage, 1);
	xengnttab_close(g);
	xengntshr_close(s);
	xenevtchn_close(e0);
	xenevtchn_close(e0b);
	xenevtchn_close(e1);
}

/* Grant copy: whole-call errors from gntdev, per-segment GNTST_* from Xen. */
static void gnttab_copy(void)
{
	as_dom(1);
	xengntshr_handle *s = xengntshr_open(NULL, 0);
	uint32_t ref, rref, oref;
	char *page = s ? xengntshr_share_pages(s, 0, 1, &ref, 1) : NULL;
	char *ropage = s ? xengntshr_share_pages(s, 0, 1, &rref, 0) : NULL;
	char *other = s ? xengntshr_share_pages(s, 2, 1, &oref, 1) : NULL;
	as_dom(0);
	xengnttab_handle *g = xengnttab_open(NULL, 0);
	if (!page || !ropage || !other || !g) {
		CHECK(0, "pages and a handle for the copy tests");
		return;
	}
	strcpy(page, "source text");
	strcpy(ropage, "read only");
	static char buf[3 * 4096];
	xengnttab_grant_copy_segment_t seg[8];
	memset(seg, 0, sizeof(seg));
	/* 0: from the page; 1: into it; 2: missing domain; 3: ref beyond the table; 4: not granted;
	 * 5: into a read-only grant; 6: a grant to dom2; 7: zero length, bogus ref */
	for (int i = 0; i < 8; i++) {
		seg[i].len = 8;
		seg[i].flags = GNTCOPY_source_gref;
		seg[i].source.foreign.domid = 1;
		seg[i].source.foreign.ref = ref;
		seg[i].dest.virt = buf + 16 * i;
		seg[i].status = 99;
	}
	seg[1].flags = GNTCOPY_dest_gref;
	seg[1].source.virt = "copied in";
	seg[1].dest.foreign.domid = 1;
	seg[1].dest.foreign.ref = ref;
	seg[1].dest.foreign.offset = 100;
	seg[2].source.foreign.domid = 9;
	seg[3].source.foreign.ref = 100000;
	seg[4].source.foreign.ref = 5;
	seg[5].flags = GNTCOPY_dest_gref;
	seg[5].source.virt = "x";
	seg[5].dest.foreign.domid = 1;
	seg[5].dest.foreign.ref = rref;
	seg[5].dest.foreign.offset = 0;
	seg[5].len = 1;
	seg[6].source.foreign.ref = oref;
	seg[7].len = 0;
	seg[7].source.foreign.ref = 100000;
	CHECK(xengnttab_grant_copy(g, 8, seg) == 0, "grant_copy of 8 segments: 0");
	CHECK(seg[0].status == GNTST_okay && !memcmp(buf, "source t", 8), "segment from a granted page: GNTST_okay, data");
	CHECK(seg[1].status == GNTST_okay && !memcmp(page + 100, "copied i", 8),
	      "segment into a granted page: GNTST_okay, data");
	CHECK(seg[2].status == GNTST_bad_domain, "missing domain: GNTST_bad_domain (%d)", seg[2].status);
	CHECK(seg[3].status == GNTST_bad_gntref, "ref beyond the table: GNTST_bad_gntref (%d)", seg[3].status);
	CHECK(seg[4].status == GNTST_general_error, "ref not granted: GNTST_general_error (%d)", seg[4].status);
	CHECK(seg[5].status == GNTST_general_error && ropage[0] == 'r',
	      "copy into a read-only grant: GNTST_general_error, page unchanged (%d)", seg[5].status);
	CHECK(seg[6].status == GNTST_general_error, "a grant to another domain: GNTST_general_error (%d)", seg[6].status);
	CHECK(seg[7].status == GNTST_okay, "zero length: GNTST_okay without looking at the ref");
	/* grant to grant, and a local buffer across a page boundary */
	xengnttab_grant_copy_segment_t gg = { .len = 6, .flags = GNTCOPY_source_gref | GNTCOPY_dest_gref };
	gg.source.foreign.domid = 1;
	gg.source.foreign.ref = ref;
	gg.dest.foreign.domid = 1;
	gg.dest.foreign.ref = ref;
	gg.dest.foreign.offset = 2000;
	CHECK(xengnttab_grant_copy(g, 1, &gg) == 0 && gg.status == GNTST_okay && !memcmp(page + 2000, "source", 6),
	      "grant-to-grant copy");
	char *cross = (char *)(((uintptr_t)buf + 4096) & ~(uintptr_t)4095) - 3;
	xengnttab_grant_copy_segment_t cs = { .len = 11, .flags = GNTCOPY_source_gref };
	cs.source.foreign.domid = 1;
	cs.source.foreign.ref = ref;
	cs.dest.virt = cross;
	CHECK(xengnttab_grant_copy(g, 1, &cs) == 0 && cs.status == GNTST_okay && !memcmp(cross, "source text", 11),
	      "a local buffer may cross a page boundary");
	/* whole-call refusals */
	xengnttab_grant_copy_segment_t bad = { .len = 4, .flags = 0 };
	bad.source.virt = buf;
	bad.dest.virt = buf + 64;
	FAILS_WITH(xengnttab_grant_copy(g, 1, &bad) == -1, EINVAL, "a segment with no grant side: the call fails, EINVAL");
	bad.flags = GNTCOPY_source_gref;
	bad.source.foreign.domid = 1;
	bad.source.foreign.ref = ref;
	bad.source.foreign.offset = 4094;
	FAILS_WITH(xengnttab_grant_copy(g, 1, &bad) == -1, EINVAL, "a grant side crossing the page end: EINVAL");
	bad.source.foreign.offset = 0;
	bad.dest.virt = (void *)16;
	FAILS_WITH(xengnttab_grant_copy(g, 1, &bad) == -1, EFAULT, "a local buffer that is not mapped: EFAULT, no crash");
	bad.dest.virt = (void *)"literal";
	FAILS_WITH(xengnttab_grant_copy(g, 1, &bad) == -1, EFAULT, "a read-only local destination: EFAULT");
	CHECK(SETTLES(stats().pins == 0), "copies leave no pin");
	xengnttab_close(g);
	xengntshr_unshare(s, page, 1);
	xengntshr_unshare(s, ropage, 1);
	xengntshr_unshare(s, other, 1);
	xengntshr_close(s);
}

/* ===================== libxengnttab: xengntshr ===================== */

static void gntshr(void)
{
	as_dom(1);
	xengntshr_handle *s = xengntshr_open(NULL, 0);
	xenevtchn_handle *e1 = xenevtchn_open(NULL, 0);
	as_dom(0);
	xengnttab_handle *g = xengnttab_open(NULL, 0);
	xenevtchn_handle *e0 = xenevtchn_open(NULL, 0);
	int p1, p0;
	if (!s || !g || !e1 || !e0 || channel(e0, 1, e1, 0, &p0, &p1) < 0) {
		CHECK(0, "handles and a channel for the gntshr tests");
		return;
	}
	uint32_t refs[80];
	FAILS_WITH(xengntshr_share_pages(s, 0, 0, refs, 1) == NULL, EINVAL, "share 0 pages: EINVAL");
	FAILS_WITH(xengntshr_share_pages(s, 0, -1, refs, 1) == NULL, ENOMEM, "share -1 pages: ENOMEM");
	FAILS_WITH(xengntshr_share_pages(s, 0, 65, refs, 1) == NULL, ENOSPC, "share more pages than gntalloc may: ENOSPC");
	char *many = xengntshr_share_pages(s, 0, 64, refs, 1);
	CHECK(many != NULL, "share the whole pool (64 pages) in one call");
	FAILS_WITH(xengntshr_share_pages(s, 0, 1, refs + 64, 1) == NULL, ENOSPC, "then one more: ENOSPC");
	if (many)
		xengntshr_unshare(s, many, 64);
	uint32_t r;
	char *odd = xengntshr_share_pages(s, 77, 1, &r, 7);
	CHECK(odd != NULL, "share with a domain that does not exist (Xen does not check)");
	if (odd)
		xengntshr_unshare(s, odd, 1);
	CHECK(stats().shares == 0, "unshare ends the grants");
	/* partial unshare: munmap of a sub-range ends the grants of those pages only */
	char *three = xengntshr_share_pages(s, 0, 3, refs, 1);
	CHECK(three && xengntshr_unshare(s, three + 4096, 1) == 0, "unshare the middle page of three");
	char *mid = xengnttab_map_grant_ref(g, 1, refs[1], PROT_READ);
	char *first = xengnttab_map_grant_ref(g, 1, refs[0], PROT_READ);
	CHECK(!mid && first && stats().shares == 2, "... its grant is gone, the others stay");
	if (first)
		xengnttab_unmap(g, first, 1);
	FAILS_WITH(xengntshr_unshare(s, three, 0) == -1, EINVAL, "unshare of 0 pages is munmap(addr, 0): EINVAL");
	CHECK(xengntshr_unshare(s, three, 3) == 0 && stats().shares == 0, "unshare over the hole ends the rest");
	/* shares outlive xengntshr_close: gntalloc ends a grant when its page is unmapped */
	xengntshr_handle *s2 = NULL;
	as_dom(1);
	s2 = xengntshr_open(NULL, 0);
	char *kept = s2 ? xengntshr_share_pages(s2, 0, 1, &r, 1) : NULL;
	CHECK(kept && xengntshr_close(s2) == 0 && stats().shares == 1, "xengntshr_close leaves a shared page shared");
	kept[0] = 'z';
	char *km = xengnttab_map_grant_ref(g, 1, r, PROT_READ);
	CHECK(km && km[0] == 'z', "... mapped and written through as before");
	if (km)
		xengnttab_unmap(g, km, 1);
	CHECK(kept && xengntshr_unshare(s2, kept, 1) == 0 && stats().shares == 0, "... until it is unshared");
	/* share_page_notify: byte and event when the page is unshared */
	FAILS_WITH(xengntshr_share_page_notify(s, 0, &r, 1, 0, 60) == NULL, EINVAL,
		   "share_page_notify on a port nobody bound: EINVAL");
	CHECK(stats().shares == 0, "... and nothing stays shared");
	char *np = xengntshr_share_page_notify(s, 0, &r, 1, 10, p1);
	char *nm = np ? xengnttab_map_grant_ref(g, 1, r, PROT_READ) : NULL;
	CHECK(np && nm, "share_page_notify with a byte and an event; dom0 maps it");
	if (np)
		np[10] = 5;
	CHECK(nm && nm[10] == 5 && xengntshr_unshare(s, np, 1) == 0 && nm[10] == 0,
	      "unshare clears the notify byte (the mapper sees 0)");
	CHECK(readable(xenevtchn_fd(e0), 1000) && xenevtchn_pending(e0) == p0, "... and sends the event");
	xenevtchn_unmask(e0, p0);
	CHECK(stats().shares == 1, "the grant still mapped stays until its last unmap");
	if (nm)
		xengnttab_unmap(g, nm, 1);
	CHECK(stats().shares == 0, "... then it ends");
	/* on the granter's death */
	int pp[2];
	if (pipe(pp) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		as_dom(1);
		xengntshr_handle *cs = xengntshr_open(NULL, 0);
		uint32_t cr = 0; /* the notify port is the parent's, of our domain */
		char *cpg = cs ? xengntshr_share_page_notify(cs, 0, &cr, 1, 20, p1) : NULL;
		if (cpg)
			cpg[20] = 1;
		if (write(pp[1], &cr, sizeof(cr)) != sizeof(cr))
			_exit(1);
		pause();
		_exit(0);
	}
	uint32_t cr = 0;
	if (read(pp[0], &cr, sizeof(cr)) != sizeof(cr))
		cr = 0;
	char *cm = cr ? xengnttab_map_grant_ref(g, 1, cr, PROT_READ) : NULL;
	CHECK(cm && cm[20] == 1, "a child shares a page with a notification; dom0 maps it");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK(cm && SETTLES(cm[20] == 0) && readable(xenevtchn_fd(e0), 1000) && xenevtchn_pending(e0) == p0,
	      "killed, its byte is cleared and the event sent (gntalloc releasing the page)");
	xenevtchn_unmask(e0, p0);
	if (cm)
		xengnttab_unmap(g, cm, 1);
	CHECK(SETTLES(stats().shares == 0), "the dead granter's grant ends with the last unmap");
	close(pp[0]);
	close(pp[1]);
	xengnttab_close(g);
	xengntshr_close(s);
	xenevtchn_close(e0);
	xenevtchn_close(e1);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--adopt"))
		return adopt_main(atoi(argv[2]), atoi(argv[3]));
	if (!getenv(MP_ENV_SOCK)) {
		fprintf(stderr, "test_conformance: run me under `xensim run` ($%s is not set)\n", MP_ENV_SOCK);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((ctl = ctl_open()) < 0) {
		fprintf(stderr, "test_conformance: cannot reach the broker as dom0\n");
		return 2;
	}
	evtchn_open_flags();
	evtchn_errors();
	evtchn_readiness();
	evtchn_blocking();
	evtchn_blocked_program_keeps_pages();
	evtchn_exec();
	gnttab_map_errors();
	gnttab_fork_and_close();
	gnttab_notify();
	gnttab_copy();
	gntshr();
	struct mp_stats s;
	CHECK(SETTLES((s = stats()).live_maps == 0 && s.pins == 0 && s.shares == 0),
	      "nothing held at the end (maps %u pins %u shares %u)", s.live_maps, s.pins, s.shares);
	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
