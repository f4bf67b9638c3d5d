/* xenstored_main.c - gntfuzz-xenstored: the xenstore server on one Unix socket per domain.
 *
 *   gntfuzz-xenstored --dir DIR --domains 0,1,2 [--pid-file F]
 *
 * A connection's domain is the socket it came through (DIR/dom<N>.sock), so
 * XENSTORED_PATH=DIR/dom1.sock xenstore-write ... acts as domain 1. Foreground, single-threaded
 * poll() loop; SIGTERM/SIGINT stop it cleanly (sockets and pid file removed). XS_INTRODUCE from
 * dom0 opens a socket for the new domain, XS_RELEASE closes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "xs_server.h"

#define MAX_LISTENERS 64
#define READ_CHUNK 4096
#define READ_CHUNK_BUSY 512         /* with output pending: at most ~30 requests, ~120 KiB of replies */
#define BACKPRESSURE (64u * 1024)   /* stop reading a client with this much unsent output */
/* So a pipelining client that does read stays far below max_output (1 MiB): at most
 * 64 KiB + 120 KiB, or ~1000 KiB from one 4 KiB chunk of minimal requests on an empty buffer. */

struct listener { int fd; unsigned domid; char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; };
struct client { int fd; int conn; };

static struct listener listeners[MAX_LISTENERS];
static unsigned nlisteners;
static struct client *clients;
static unsigned nclients, capclients;
static const char *sock_dir;
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static int add_listener(unsigned domid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct listener *l;
	unsigned i;
	int fd, n;

	for (i = 0; i < nlisteners; i++)
		if (listeners[i].domid == domid)
			return 0;
	if (nlisteners == MAX_LISTENERS) {
		fprintf(stderr, "gntfuzz-xenstored: too many domains (max %d)\n", MAX_LISTENERS);
		return -1;
	}
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dom%u.sock", sock_dir, domid);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "gntfuzz-xenstored: socket path too long under %s\n", sock_dir);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		fprintf(stderr, "gntfuzz-xenstored: %s is in use by another server\n", sa.sun_path);
		close(fd);
		return -1;
	}
	close(fd);
	unlink(sa.sun_path);   /* a stale socket of a previous run */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		fprintf(stderr, "gntfuzz-xenstored: %s: %s\n", sa.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	l = &listeners[nlisteners++];
	l->fd = fd;
	l->domid = domid;
	strcpy(l->path, sa.sun_path);
	return 0;
}

static void remove_listener(unsigned domid)
{
	unsigned i;

	for (i = 0; i < nlisteners; i++)
		if (listeners[i].domid == domid) {
			close(listeners[i].fd);
			unlink(listeners[i].path);
			listeners[i] = listeners[--nlisteners];
			return;
		}
}

static void on_domain(void *ctx, unsigned domid, bool introduced)
{
	(void)ctx;
	if (introduced)
		add_listener(domid);
	else
		remove_listener(domid);
}

static void on_log(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "gntfuzz-xenstored: %.200s\n", msg);
}

static void accept_client(struct xs_server *srv, struct listener *l)
{
	int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), conn;

	if (fd < 0)
		return;
	if (nclients == capclients) {
		unsigned cap = capclients ? capclients * 2 : 16;
		struct client *nc = realloc(clients, cap * sizeof(*nc));
		if (!nc) {
			close(fd);
			return;
		}
		clients = nc;
		capclients = cap;
	}
	conn = xs_conn_open(srv, l->domid);
	if (conn < 0) {   /* connection limit: refuse rather than grow */
		close(fd);
		return;
	}
	clients[nclients].fd = fd;
	clients[nclients].conn = conn;
	nclients++;
}

static void drop_client(struct xs_server *srv, unsigned i)
{
	xs_conn_close(srv, clients[i].conn);
	close(clients[i].fd);
	clients[i] = clients[--nclients];
}

/* Write what the socket takes now. -1 if the peer is gone. */
static int flush_client(struct xs_server *srv, struct client *cl)
{
	const uint8_t *data;
	size_t len;

	while ((len = xs_conn_output(srv, cl->conn, &data))) {
		ssize_t w = send(cl->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		xs_conn_consume(srv, cl->conn, (size_t)w);
	}
	return 0;
}

/* Read and handle one chunk. -1 when the client must go (EOF, error, broken framing). */
static int serve_client(struct xs_server *srv, struct client *cl)
{
	uint8_t buf[READ_CHUNK];
	const uint8_t *pending;
	size_t want = xs_conn_output(srv, cl->conn, &pending) ? READ_CHUNK_BUSY : READ_CHUNK;
	ssize_t r = recv(cl->fd, buf, want, MSG_DONTWAIT);

	if (r == 0)
		return -1;
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (xs_handle_bytes(srv, cl->conn, buf, (size_t)r)) {
		flush_client(srv, cl);   /* best effort: the client gets its XS_ERROR */
		return -1;
	}
	return 0;
}

static int parse_domains(const char *s, struct xs_server *srv)
{
	char *copy = strdup(s), *tok, *save = NULL, *end;
	int rc = 0;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		unsigned long d = strtoul(tok, &end, 10);
		if (!*tok || *end || d >= 0x7FF0 /* DOMID_FIRST_RESERVED */) {
			fprintf(stderr, "gntfuzz-xenstored: bad domain id '%s' in --domains\n", tok);
			rc = -1;
		} else if (xs_server_add_domain(srv, (unsigned)d) || add_listener((unsigned)d)) {
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: gntfuzz-xenstored --dir DIR --domains 0,1,2 [--pid-file FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *domains = "0", *pid_file = NULL;
	struct xs_server *srv;
	struct pollfd *pfds = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	unsigned i;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--dir") && a + 1 < argc)
			sock_dir = argv[++a];
		else if (!strcmp(argv[a], "--domains") && a + 1 < argc)
			domains = argv[++a];
		else if (!strcmp(argv[a], "--pid-file") && a + 1 < argc)
			pid_file = argv[++a];
		else
			usage();
	}
	if (!sock_dir)
		usage();
	if (mkdir(sock_dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "gntfuzz-xenstored: cannot create %s: %s\n", sock_dir, strerror(errno));
		return 1;
	}
	/* Signals are only delivered inside ppoll(), so a stop request is never missed. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	srv = xs_server_new(NULL);
	if (!srv) {
		fprintf(stderr, "gntfuzz-xenstored: out of memory\n");
		return 1;
	}
	xs_server_set_domain_cb(srv, on_domain, NULL);
	xs_server_set_log_cb(srv, on_log, NULL);
	if (!xs_server_domain_known(srv, 0) || parse_domains(domains, srv))
		goto out;
	if (pid_file) {
		FILE *f = fopen(pid_file, "w");
		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
			fprintf(stderr, "gntfuzz-xenstored: cannot write %s\n", pid_file);
			goto out;
		}
	}
	while (!stop) {
		unsigned n = 0, nl = nlisteners, nc;
		struct pollfd *np = realloc(pfds, (nlisteners + nclients + 1) * sizeof(*pfds));
		if (!np)
			break;
		pfds = np;
		for (i = 0; i < nl; i++)
			pfds[n++] = (struct pollfd){ .fd = listeners[i].fd, .events = POLLIN };
		nc = nclients;
		for (i = 0; i < nc; i++) {
			const uint8_t *d;
			size_t pending = xs_conn_output(srv, clients[i].conn, &d);
			short ev = pending ? POLLOUT : 0;
			if (pending < BACKPRESSURE)
				ev |= POLLIN;
			pfds[n++] = (struct pollfd){ .fd = clients[i].fd, .events = ev };
		}
		if (ppoll(pfds, n, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* Clients first (their indices match pfds), newest to oldest so drops keep indices. */
		for (i = nc; i-- > 0;) {
			struct pollfd *p = &pfds[nl + i];
			bool gone = false;
			if (p->revents & POLLIN)
				gone = serve_client(srv, &clients[i]) < 0;
			else if (p->revents & (POLLHUP | POLLERR | POLLNVAL))
				gone = true;
			if (!gone && (p->revents & POLLOUT))
				gone = flush_client(srv, &clients[i]) < 0;
			if (gone)
				drop_client(srv, i);
		}
		/* Events queued for other clients, and clients the server wants gone. */
		for (i = nclients; i-- > 0;) {
			if (xs_conn_doomed(srv, clients[i].conn) || flush_client(srv, &clients[i]) < 0)
				drop_client(srv, i);
		}
		for (i = 0; i < nl && i < nlisteners; i++)
			if (pfds[i].revents & POLLIN && pfds[i].fd == listeners[i].fd)
				accept_client(srv, &listeners[i]);
	}
out:
	while (nclients)
		drop_client(srv, nclients - 1);
	while (nlisteners)
		remove_listener(listeners[0].domid);
	if (pid_file)
		unlink(pid_file);
	free(pfds);
	free(clients);
	xs_server_free(srv);
	return stop ? 0 : 1;
}
