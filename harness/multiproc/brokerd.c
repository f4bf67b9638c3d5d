/* brokerd.c - the broker daemon: a poll loop around mp_handle().
 *
 *   gntfuzz-broker --dir DIR --domains 0,1,2
 *
 * Listens on DIR/broker.sock (SOCK_SEQPACKET), writes DIR/broker.pid, and serves until SIGTERM
 * or a dom0 MP_SHUTDOWN. Pausing a domain sends SIGSTOP to every process connected as that
 * domain (it stops wherever it is, even between grant-table accesses that need no broker call)
 * and stops reading its requests; unpausing sends SIGCONT. A client that does not read its
 * replies (send would block) is disconnected, so one hostile process cannot stall the broker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "broker.h"
#include "spin.h"

static volatile sig_atomic_t stop_requested;
static void on_term(int sig) { stop_requested = 1; }

static int parse_domains(const char *s, unsigned *ids, unsigned *n)
{
	*n = 0;
	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v >= DOMID_FIRST_RESERVED || *n >= MP_MAX_DOMS)
			return -1;
		ids[(*n)++] = (unsigned)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return *n ? 0 : -1;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
		return -1;
	return fd;
}

static int send_reply(int fd, const struct mp_out *out)
{
	struct iovec iov = { (void *)out->buf, out->len };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (out->fd >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &out->fd, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)out->len ? 0 : -1;
}

/* Read one request. The first fd attached is identified (key: inode of a socket, the identity a
 * wake fd has, see mp_evt_init; 0 for anything else) for MP_EVT_ADOPT, then every fd is closed.
 * 0 = peer closed, <0 = error. */
static ssize_t recv_request(int fd, uint8_t *buf, size_t cap, int *truncated, uint64_t *key)
{
	struct iovec iov = { buf, cap };
	union { char buf[CMSG_SPACE(16 * sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? -2 : -1;
	*key = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int passed, type;
				socklen_t tl = sizeof(type);
				struct stat st;
				memcpy(&passed, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				/* a socket first (getsockopt never reaches a file system: no FUSE stall) */
				if (!*key && getsockopt(passed, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
				    fstat(passed, &st) == 0 && S_ISSOCK(st.st_mode))
					*key = (uint64_t)st.st_ino | 1ull << 63;
				close(passed);
			}
	*truncated = !!(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
	return n;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *doms = "0,1,2";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--domains") && i + 1 < argc)
			doms = argv[++i];
		else {
			fprintf(stderr, "usage: gntfuzz-broker --dir DIR [--domains 0,1,2]\n");
			return 2;
		}
	}
	unsigned ids[MP_MAX_DOMS], n;
	if (!dir || parse_domains(doms, ids, &n) < 0) {
		fprintf(stderr, "gntfuzz-broker: need --dir DIR and --domains as a comma list of domids\n");
		return 2;
	}
	static struct mp_broker b;
	static struct mp_out out;
	static uint8_t buf[MP_MAX_MSG + 1];
	int rc = mp_broker_init(&b, ids, n, 1);
	if (rc < 0) {
		fprintf(stderr, "gntfuzz-broker: cannot create domains: %s\n", strerror(-rc));
		return 1;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, MP_SOCK_NAME);
	int lfd = listen_on(path);
	if (lfd < 0) {
		fprintf(stderr, "gntfuzz-broker: cannot listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	char pidpath[PATH_MAX];
	snprintf(pidpath, sizeof(pidpath), "%s/broker.pid", dir);
	FILE *pf = fopen(pidpath, "w");
	if (pf) {
		fprintf(pf, "%d\n", (int)getpid());
		fclose(pf);
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);

	int cfd[MP_MAX_CLIENTS];
	for (unsigned i = 0; i < MP_MAX_CLIENTS; i++)
		cfd[i] = -1;
	struct pollfd pfd[MP_MAX_CLIENTS + 1];
	int who[MP_MAX_CLIENTS + 1];
	/* After serving, poll without sleeping for a while: a client's next request usually follows
	 * within microseconds (a map's unmap, the next turn of its loop), and catching it awake saves
	 * a scheduler wake-up per round trip. Bounded, so an idle broker sleeps. */
	struct mp_spin spin;
	mp_spin_init(&spin);
	long window = 0, spin_start = 0; /* window > 0: spinning since spin_start */
	while (!stop_requested && !b.shutdown) {
		unsigned np = 0;
		pfd[np] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		who[np++] = -1;
		for (unsigned i = 0; i < MP_MAX_CLIENTS; i++) {
			if (cfd[i] < 0)
				continue;
			struct mp_client *c = &b.clients[i];
			struct mp_domain *d = c->hello ? mp_dom(&b, c->dom) : NULL;
			/* A paused domain's requests wait; hang-ups are still noticed. */
			pfd[np] = (struct pollfd){ .fd = cfd[i], .events = (d && d->paused) ? POLLRDHUP : POLLIN | POLLRDHUP };
			who[np++] = (int)i;
		}
		int ready = poll(pfd, np, window > 0 ? 0 : 1000);
		if (window > 0 && ready == 0 && mp_now_ns() - spin_start > window) {
			mp_spin_result(&spin, 0); /* nothing came: sleep in poll from now on */
			window = 0;
		} else if (window > 0 && ready > 0) {
			mp_spin_result(&spin, 1);
			window = 0;
		}
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			perror("gntfuzz-broker: poll");
			break;
		}
		for (unsigned k = 0; k < np; k++) {
			if (!pfd[k].revents)
				continue;
			if (who[k] < 0) {
				int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
				if (fd < 0)
					continue;
				struct ucred cr;
				socklen_t cl = sizeof(cr);
				pid_t pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 ? cr.pid : 0;
				int ci = mp_client_new(&b, pid);
				if (ci < 0) {
					close(fd); /* full: the client sees its connection closed */
					continue;
				}
				cfd[ci] = fd;
				continue;
			}
			int ci = who[k];
			int dead = 0;
			if (pfd[k].revents & POLLIN) {
				int trunc = 0;
				uint64_t key = 0;
				ssize_t len = recv_request(cfd[ci], buf, sizeof(buf), &trunc, &key);
				if (len == -2)
					continue;
				/* 0 is either the peer's close or an empty message (SOCK_SEQPACKET). */
				if (len < 0 || (len == 0 && (pfd[k].revents & (POLLHUP | POLLRDHUP)))) {
					dead = 1;
				} else {
					b.in_key = key;
					if (trunc || (size_t)len > MP_MAX_MSG) /* oversized: answer, do not parse */
						mp_handle(&b, ci, buf, 0, &out);
					else
						mp_handle(&b, ci, buf, (size_t)len, &out);
					b.in_key = 0;
					dead = send_reply(cfd[ci], &out) < 0;
				}
			} else if (pfd[k].revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)) {
				dead = 1;
			}
			if (dead) {
				mp_client_gone(&b, ci);
				close(cfd[ci]);
				cfd[ci] = -1;
			}
		}
		if (ready > 0 && window == 0) { /* served something: wait a moment awake for the next */
			window = mp_spin_window(&spin);
			spin_start = mp_now_ns();
		}
	}
	/* Let paused processes run again so they notice the broker is gone. */
	for (unsigned i = 0; i < MP_MAX_DOMS; i++)
		if (b.doms[i].exists && b.doms[i].paused)
			for (unsigned c = 0; c < MP_MAX_CLIENTS; c++)
				if (b.clients[c].in_use && b.clients[c].dom == b.doms[i].domid && b.clients[c].pid > 1)
					kill(b.clients[c].pid, SIGCONT);
	for (unsigned i = 0; i < MP_MAX_CLIENTS; i++)
		if (cfd[i] >= 0)
			close(cfd[i]);
	mp_broker_fini(&b);
	unlink(path);
	unlink(pidpath);
	return 0;
}
