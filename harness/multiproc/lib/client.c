/* client.c - connect to the broker and exchange one message at a time. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "client.h"

/* recvmsg that first retries without blocking for the spin window, then blocks. The broker
 * usually answers within a few microseconds; sleeping at once would cost a scheduler wake-up. */
static ssize_t recv_reply(int fd, struct msghdr *mh, struct mp_spin *spin)
{
	long window = mp_spin_window(spin);
	if (window > 0) {
		long t0 = mp_now_ns();
		for (;;) {
			ssize_t n = recvmsg(fd, mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
			if (n >= 0 || (errno != EAGAIN && errno != EINTR)) {
				mp_spin_result(spin, 1);
				return n;
			}
			if (mp_now_ns() - t0 > window)
				break;
		}
		mp_spin_result(spin, 0);
	}
	ssize_t n;
	do
		n = recvmsg(fd, mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	return n;
}

int mp_connect(struct mp_conn *c, uint16_t kind)
{
	return mp_connect_flags(c, kind, 1);
}

int mp_connect_flags(struct mp_conn *c, uint16_t kind, int cloexec)
{
	const char *path = getenv(MP_ENV_SOCK);
	const char *dom = getenv(MP_ENV_DOMID);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENOENT; /* not running under `xensim run`: like a missing /dev/xen node */
		return -1;
	}
	strcpy(sa.sun_path, path);
	c->dom = dom ? (uint16_t)atoi(dom) : 0;
	mp_spin_init(&c->spin);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | (cloexec ? SOCK_CLOEXEC : 0), 0);
	if (c->fd < 0)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(c->fd);
		errno = e;
		return -1;
	}
	pthread_mutex_init(&c->lock, NULL);
	struct mp_hello h = { MP_MAGIC, c->dom, kind };
	struct mp_hello_reply r;
	if (mp_call(c, MP_HELLO, &h, sizeof(h), &r, sizeof(r), NULL, NULL) < 0) {
		int e = errno;
		mp_disconnect(c);
		errno = e;
		return -1;
	}
	return 0;
}

void mp_disconnect(struct mp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	pthread_mutex_destroy(&c->lock);
}

static int call_locked(struct mp_conn *c, uint16_t op, const void *req, size_t len, void *rep, size_t cap,
		       size_t *got, int *fd_out, int send_fd)
{
	uint8_t msg[MP_MAX_MSG];
	struct mp_hdr h = { op, 0, (uint32_t)len };
	if (len > sizeof(msg) - sizeof(h)) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(msg, &h, sizeof(h));
	if (len)
		memcpy(msg + sizeof(h), req, len);
	struct iovec siov = { msg, sizeof(h) + len };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } su;
	struct msghdr smh = { .msg_iov = &siov, .msg_iovlen = 1 };
	if (send_fd >= 0) {
		smh.msg_control = su.buf;
		smh.msg_controllen = sizeof(su.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&smh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &send_fd, sizeof(int));
	}
	ssize_t sent;
	do
		sent = sendmsg(c->fd, &smh, MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return -1;
	uint8_t in[MP_MAX_MSG];
	struct iovec iov = { in, sizeof(in) };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n = recv_reply(c->fd, &mh, &c->spin);
	if (n == 0) {
		errno = ECONNRESET; /* the broker went away */
		return -1;
	}
	if (n < 0)
		return -1;
	int fd = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (fd_out)
		*fd_out = fd;
	else if (fd >= 0)
		close(fd);
	struct mp_rhdr rh;
	if ((size_t)n < sizeof(rh)) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&rh, in, sizeof(rh));
	if (rh.len != (size_t)n - sizeof(rh)) {
		errno = EPROTO;
		return -1;
	}
	size_t take = rh.len < cap ? rh.len : cap;
	if (rep && take)
		memcpy(rep, in + sizeof(rh), take);
	if (got)
		*got = take;
	if (rh.status < 0) {
		errno = -rh.status;
		return -1;
	}
	return rh.status;
}

int mp_call(struct mp_conn *c, uint16_t op, const void *req, size_t len, void *rep, size_t cap,
	    size_t *got, int *fd_out)
{
	return mp_call_fd(c, op, req, len, rep, cap, got, fd_out, -1);
}

int mp_call_fd(struct mp_conn *c, uint16_t op, const void *req, size_t len, void *rep, size_t cap,
	       size_t *got, int *fd_out, int send_fd)
{
	if (fd_out)
		*fd_out = -1;
	if (got)
		*got = 0;
	pthread_mutex_lock(&c->lock);
	int rc = call_locked(c, op, req, len, rep, cap, got, fd_out, send_fd);
	int e = errno;
	pthread_mutex_unlock(&c->lock);
	errno = e;
	return rc;
}

int mp_call_u32(struct mp_conn *c, uint16_t op, unsigned nargs, uint32_t a0, uint32_t a1, uint32_t *ret)
{
	uint32_t a[2] = { a0, a1 };
	uint32_t r = 0;
	size_t got = 0;
	int rc = mp_call(c, op, a, nargs * sizeof(uint32_t), &r, sizeof(r), &got, NULL);
	if (ret && got == sizeof(r))
		*ret = r;
	return rc;
}
