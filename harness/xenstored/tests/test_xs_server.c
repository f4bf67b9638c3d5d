/* test_xs_server.c - the xenstore server library driven directly, message by message:
 * every check builds real wire messages and parses the real replies. Runs under ASan/UBSan. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore_lib.h>
#include "xs_server.h"

static int failures;
static struct xs_server *srv;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures += !ok;
}

struct msg { struct xsd_sockmsg h; char body[XENSTORE_PAYLOAD_MAX + 1]; };

/* Watch events that arrived while waiting for a reply, kept for events(). */
#define MAX_SEEN 64
static struct { int conn; struct msg m; } seen[MAX_SEEN];
static int nseen;

/* Build a request of NUL-separated parts: "a\0b\0" from ("a", "b"); `raw_tail` (may be NULL)
 * is appended without a NUL, as XS_WRITE's value is. */
static size_t vbuild(uint8_t *buf, uint32_t type, uint32_t tx, const char *raw_tail, int nparts,
		     va_list ap)
{
	struct xsd_sockmsg h = { .type = type, .req_id = 7, .tx_id = tx };
	size_t off = sizeof(h);
	int i;

	for (i = 0; i < nparts; i++) {
		const char *s = va_arg(ap, const char *);
		memcpy(buf + off, s, strlen(s) + 1);
		off += strlen(s) + 1;
	}
	if (raw_tail) {
		memcpy(buf + off, raw_tail, strlen(raw_tail));
		off += strlen(raw_tail);
	}
	h.len = (uint32_t)(off - sizeof(h));
	memcpy(buf, &h, sizeof(h));
	return off;
}

static size_t build(uint8_t *buf, uint32_t type, uint32_t tx, const char *raw_tail, int nparts, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, nparts);
	n = vbuild(buf, type, tx, raw_tail, nparts, ap);
	va_end(ap);
	return n;
}

/* Pop the next queued message of a connection; 0 if none. */
static int pop(int conn, struct msg *m)
{
	const uint8_t *d;
	size_t n = xs_conn_output(srv, conn, &d);

	if (n < sizeof(m->h))
		return 0;
	memcpy(&m->h, d, sizeof(m->h));
	if (m->h.len > XENSTORE_PAYLOAD_MAX || n < sizeof(m->h) + m->h.len)
		return 0;
	memcpy(m->body, d + sizeof(m->h), m->h.len);
	m->body[m->h.len] = '\0';
	xs_conn_consume(srv, conn, sizeof(m->h) + m->h.len);
	return 1;
}

static void drain(int conn)
{
	struct msg m;
	int i, k;

	while (pop(conn, &m))
		;
	for (i = k = 0; i < nseen; i++)
		if (seen[i].conn != conn)
			seen[k++] = seen[i];
	nseen = k;
}

/* Send one request and return its reply (watch events that precede it are skipped). */
static struct msg *rq(int conn, uint32_t type, uint32_t tx, const char *tail, int nparts, ...)
{
	static struct msg m;
	uint8_t buf[XENSTORE_PAYLOAD_MAX + 64];
	va_list ap;
	size_t off;

	va_start(ap, nparts);
	off = vbuild(buf, type, tx, tail, nparts, ap);
	va_end(ap);
	xs_handle_bytes(srv, conn, buf, off);
	memset(&m, 0, sizeof(m));
	while (pop(conn, &m)) {
		if (m.h.type != XS_WATCH_EVENT)
			return &m;
		if (nseen < MAX_SEEN) {
			seen[nseen].conn = conn;
			seen[nseen++].m = m;
		}
	}
	m.h.type = XS_INVALID;
	return &m;
}

static int is_err(const struct msg *m, const char *name)
{
	return m->h.type == XS_ERROR && strcmp(m->body, name) == 0;
}

static int is_ok(const struct msg *m, uint32_t type)
{
	return m->h.type == type && m->h.req_id == 7 && strcmp(m->body, "OK") == 0;
}

static int is_val(const struct msg *m, const char *v)
{
	return m->h.type == XS_READ && m->h.len == strlen(v) && memcmp(m->body, v, m->h.len) == 0;
}

#define WR(c, tx, path, val) rq(c, XS_WRITE, tx, val, 1, path)
#define RD(c, tx, path) rq(c, XS_READ, tx, NULL, 1, path)

static int is_event(const struct msg *m, const char *path, const char *token)
{
	return m->h.type == XS_WATCH_EVENT && strcmp(m->body, path) == 0 &&
	       strcmp(m->body + strlen(m->body) + 1, token) == 0;
}

/* Count watch events for `path`/`token` seen or queued on conn, consuming all of conn's. */
static int events(int conn, const char *path, const char *token)
{
	struct msg m;
	int n = 0, i, k;

	for (i = k = 0; i < nseen; i++) {
		if (seen[i].conn == conn)
			n += is_event(&seen[i].m, path, token);
		else
			seen[k++] = seen[i];
	}
	nseen = k;
	while (pop(conn, &m))
		n += is_event(&m, path, token);
	return n;
}

static void test_basic(int d0, int d1, int d2)
{
	struct msg *m;

	check(is_ok(WR(d0, 0, "/t/a", "hello"), XS_WRITE), "dom0 write creates missing parents");
	check(is_val(RD(d0, 0, "/t/a"), "hello"), "read back the written value");
	check(is_val(RD(d0, 0, "/t"), ""), "created parent has an empty value");
	check(is_err(RD(d0, 0, "/t/nope"), "ENOENT"), "read of a missing node: ENOENT");
	check(is_err(RD(d1, 0, "/t/a"), "EACCES"), "dom1 may not read a dom0 node: EACCES");
	check(is_err(WR(d1, 0, "/t/b", "x"), "EACCES"), "dom1 may not create under a dom0 node");
	check(is_ok(WR(d1, 0, "data/k", "v1"), XS_WRITE), "relative write by dom1");
	check(is_val(RD(d0, 0, "/local/domain/1/data/k"), "v1"),
	      "relative path resolves under /local/domain/1");
	m = rq(d1, XS_GET_PERMS, 0, NULL, 1, "data/k");
	check(m->h.type == XS_GET_PERMS && m->h.len == 3 && memcmp(m->body, "n1\0", 3) == 0,
	      "node created by dom1 is owned by dom1 (n1)");
	check(is_ok(rq(d1, XS_SET_PERMS, 0, NULL, 3, "data/k", "n1", "r2"), XS_SET_PERMS),
	      "owner grants read to dom2");
	check(is_val(RD(d2, 0, "/local/domain/1/data/k"), "v1"), "dom2 reads with the granted perm");
	check(is_err(WR(d2, 0, "/local/domain/1/data/k", "x"), "EACCES"), "but may not write");
	check(is_err(rq(d1, XS_SET_PERMS, 0, NULL, 2, "data/k", "n2"), "EPERM"),
	      "unprivileged owner may not give the node away: EPERM");
	check(is_err(rq(d2, XS_SET_PERMS, 0, NULL, 2, "/local/domain/1/data/k", "b2"), "EACCES"),
	      "non-owner may not set perms: EACCES");
	check(is_err(rq(d0, XS_SET_PERMS, 0, NULL, 2, "/t/a", "x0"), "EINVAL"),
	      "malformed perm string: EINVAL");
	check(is_ok(rq(d0, XS_MKDIR, 0, NULL, 1, "/t/a"), XS_MKDIR) && is_val(RD(d0, 0, "/t/a"), "hello"),
	      "mkdir of an existing node keeps its value");
	check(is_ok(rq(d0, XS_RM, 0, NULL, 1, "/t/zzz"), XS_RM), "rm of a missing node with a parent: OK");
	check(is_err(rq(d0, XS_RM, 0, NULL, 1, "/t/zzz/y"), "ENOENT"), "rm with the parent missing too: ENOENT");
	check(is_err(rq(d0, XS_RM, 0, NULL, 1, "/"), "EINVAL"), "rm of the root: EINVAL");
	WR(d1, 0, "priv/k", "mine");
	check(is_err(RD(d2, 0, "/local/domain/1/priv/k"), "EACCES"), "dom2 cannot read dom1's node");
	check(is_err(rq(d2, XS_SET_TARGET, 0, NULL, 2, "2", "1"), "EACCES"), "SET_TARGET from dom2: EACCES");
	check(is_ok(rq(d0, XS_SET_TARGET, 0, NULL, 2, "2", "1"), XS_SET_TARGET) &&
	      is_val(RD(d2, 0, "/local/domain/1/priv/k"), "mine") &&
	      is_ok(WR(d2, 0, "/local/domain/1/priv/k", "dm"), XS_WRITE),
	      "after SET_TARGET 2 1, dom2 has dom1's rights on dom1's nodes");
	check(is_err(RD(d2, 0, "/t/a"), "EACCES"), "but still none on dom0's");
	rq(d1, XS_RM, 0, NULL, 1, "priv");
	m = rq(d0, XS_GET_DOMAIN_PATH, 0, NULL, 1, "5");
	check(m->h.type == XS_GET_DOMAIN_PATH && strcmp(m->body, "/local/domain/5") == 0,
	      "GET_DOMAIN_PATH");
	m = rq(d0, XS_IS_DOMAIN_INTRODUCED, 0, NULL, 1, "1");
	check(m->h.type == XS_IS_DOMAIN_INTRODUCED && strcmp(m->body, "T") == 0, "dom1 is introduced");
	m = rq(d0, XS_IS_DOMAIN_INTRODUCED, 0, NULL, 1, "9");
	check(m->h.type == XS_IS_DOMAIN_INTRODUCED && strcmp(m->body, "F") == 0, "dom9 is not");
}

static char logged[64];
static void log_cb(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(logged, sizeof(logged), "%s", msg);
}

static void test_control(int d0)
{
	struct msg *m;

	xs_server_set_log_cb(srv, log_cb, NULL);
	check(is_ok(rq(d0, XS_CONTROL, 0, NULL, 2, "print", "hello log"), XS_CONTROL) &&
	      strcmp(logged, "hello log") == 0, "CONTROL print goes to the log callback");
	m = rq(d0, XS_CONTROL, 0, NULL, 1, "stats");
	check(m->h.type == XS_CONTROL && strncmp(m->body, "conns 3 ", 8) == 0, "CONTROL stats: %s", m->body);
	check(is_err(rq(d0, XS_CONTROL, 0, NULL, 1, "frobnicate"), "EINVAL"), "unknown CONTROL command: EINVAL");
}

static void test_bad_input(int d0, int d1)
{
	uint8_t buf[64];
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 9, .len = 4 };
	struct msg m;
	size_t n, i;
	int c;

	check(is_err(RD(d0, 0, "/t//a"), "EINVAL"), "double slash: EINVAL");
	check(is_err(RD(d0, 0, "/t/a/"), "EINVAL"), "trailing slash: EINVAL");
	check(is_err(RD(d0, 0, "/t/a b"), "EINVAL"), "bad character: EINVAL");
	check(is_err(RD(d0, 0, ""), "EINVAL"), "empty path: EINVAL");
	check(is_err(RD(d0, 0, "@introduceDomain"), "EINVAL"), "special path outside a watch: EINVAL");
	check(is_err(rq(d0, 777, 0, NULL, 1, "/t"), "EINVAL"), "unknown message type: EINVAL");
	check(is_err(rq(d0, XS_WATCH_EVENT, 0, NULL, 2, "/t", "x"), "EINVAL"),
	      "a client sending WATCH_EVENT: EINVAL");
	check(is_err(RD(d0, 4242, "/t/a"), "ENOENT"), "unknown transaction id: ENOENT");
	check(is_err(rq(d1, XS_INTRODUCE, 0, NULL, 3, "7", "1", "1"), "EACCES"),
	      "INTRODUCE from an unprivileged domain: EACCES");
	check(is_err(rq(d1, XS_CONTROL, 0, NULL, 1, "help"), "EACCES"), "CONTROL from dom1: EACCES");

	/* No NUL anywhere in the payload. */
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "/t/a", 4);
	xs_handle_bytes(srv, d0, buf, sizeof(h) + 4);
	check(pop(d0, &m) && m.h.type == XS_ERROR && m.h.req_id == 9 && !strcmp(m.body, "EINVAL"),
	      "path without NUL: EINVAL with the request id echoed");

	/* A request split into single bytes is still one request. */
	n = build(buf, XS_READ, 0, NULL, 1, "/t/a");
	for (i = 0; i < n; i++)
		xs_handle_bytes(srv, d0, buf + i, 1);
	check(pop(d0, &m) && m.h.type == XS_READ && !strcmp(m.body, "hello"), "byte-by-byte request");

	/* Oversized length: error reply and the caller is told to close. */
	c = xs_conn_open(srv, 1);
	h.len = 0xffffffffu;
	memcpy(buf, &h, sizeof(h));
	check(xs_handle_bytes(srv, c, buf, sizeof(h)) == -1 && pop(c, &m) &&
	      m.h.type == XS_ERROR && !strcmp(m.body, "E2BIG"),
	      "len 0xffffffff: E2BIG then close");
	xs_conn_close(srv, c);
	h.len = XENSTORE_PAYLOAD_MAX + 1;
	c = xs_conn_open(srv, 1);
	memcpy(buf, &h, sizeof(h));
	check(xs_handle_bytes(srv, c, buf, sizeof(h)) == -1, "len XENSTORE_PAYLOAD_MAX+1: close");
	xs_conn_close(srv, c);
	check(is_val(RD(d0, 0, "/t/a"), "hello"), "others keep being served");
}

static void test_watches(int d0, int d1, int d2)
{
	int i;

	drain(d0);
	drain(d1);
	check(is_ok(rq(d1, XS_WATCH, 0, NULL, 2, "data", "tok"), XS_WATCH), "relative watch");
	check(events(d1, "data", "tok") == 1, "a new watch fires once at once, with the path as given");
	WR(d1, 0, "data/k", "v2");
	check(events(d1, "data/k", "tok") == 1, "change below fires with a relative event path");
	check(is_ok(rq(d0, XS_WATCH, 0, NULL, 2, "/local/domain/1/data/k", "w0"), XS_WATCH),
	      "dom0 watches a dom1 node");
	drain(d0);
	check(is_ok(rq(d1, XS_RM, 0, NULL, 1, "data"), XS_RM), "dom1 removes its data subtree");
	check(events(d0, "/local/domain/1/data/k", "w0") == 1,
	      "recursive removal of a parent reports the watched path");
	check(events(d1, "data", "tok") == 1, "and the removed path to a watch on it");
	check(is_err(rq(d1, XS_WATCH, 0, NULL, 2, "data", "tok"), "EEXIST"), "same watch twice: EEXIST");
	check(is_ok(rq(d1, XS_UNWATCH, 0, NULL, 2, "data", "tok"), XS_UNWATCH), "unwatch");
	check(is_err(rq(d1, XS_UNWATCH, 0, NULL, 2, "data", "tok"), "ENOENT"), "unwatch again: ENOENT");

	/* Events only reach connections that may read the node. */
	rq(d2, XS_WATCH, 0, NULL, 2, "/t", "spy");
	drain(d2);
	WR(d0, 0, "/t/secret", "s");
	check(events(d2, "/t/secret", "spy") == 0, "no event for a node dom2 cannot read");
	rq(d0, XS_SET_PERMS, 0, NULL, 3, "/t/secret", "n0", "r2");
	check(events(d2, "/t/secret", "spy") == 1, "event once dom2 may read it");

	/* Special watches. */
	rq(d0, XS_WATCH, 0, NULL, 2, "@introduceDomain", "intro");
	rq(d0, XS_WATCH, 0, NULL, 2, "@releaseDomain", "rel");
	rq(d2, XS_WATCH, 0, NULL, 2, "@introduceDomain", "intro2");
	drain(d0);
	drain(d2);
	check(is_ok(rq(d0, XS_INTRODUCE, 0, NULL, 3, "7", "4096", "3"), XS_INTRODUCE), "introduce dom7");
	check(events(d0, "@introduceDomain", "intro") == 1, "@introduceDomain fires for dom0");
	check(events(d2, "@introduceDomain", "intro2") == 0, "but not for an unprivileged domain");
	check(is_ok(rq(d0, XS_RELEASE, 0, NULL, 1, "7"), XS_RELEASE) && events(d0, "@releaseDomain", "rel") == 1,
	      "release dom7 fires @releaseDomain");
	check(is_err(rq(d0, XS_RELEASE, 0, NULL, 1, "7"), "ENOENT"), "release again: ENOENT");

	/* Watch quota: an unprivileged connection gets E2BIG past 128 watches. */
	{
		char path[32];
		int ok = 0, big = 0;
		for (i = 0; i < 10000; i++) {
			struct msg *m;
			snprintf(path, sizeof(path), "w%d", i);
			m = rq(d2, XS_WATCH, 0, NULL, 2, path, "t");
			ok += is_ok(m, XS_WATCH);
			big += is_err(m, "E2BIG");
			drain(d2);
		}
		/* d2 already holds two watches ("spy", "intro2"). */
		check(ok == 126 && big == 10000 - 126, "10000 watches: %d accepted (+2 held = 128), %d E2BIG", ok, big);
		check(is_ok(rq(d2, XS_RESET_WATCHES, 0, NULL, 1, ""), XS_RESET_WATCHES),
		      "RESET_WATCHES drops them");
		check(is_ok(rq(d2, XS_WATCH, 0, NULL, 2, "w1", "t"), XS_WATCH), "room for a watch again");
	}
}

static uint32_t tx_start(int c)
{
	struct msg *m = rq(c, XS_TRANSACTION_START, 0, NULL, 1, "");

	return m->h.type == XS_TRANSACTION_START ? (uint32_t)strtoul(m->body, NULL, 10) : 0;
}

static void test_transactions(int d0, int d1)
{
	uint32_t t;
	struct msg *m;
	char *names;
	int i;

	WR(d0, 0, "/tx/a", "1");
	t = tx_start(d0);
	check(t != 0, "transaction start");
	check(is_val(RD(d0, t, "/tx/a"), "1"), "read in transaction");
	WR(d0, t, "/tx/a", "2");
	WR(d0, t, "/tx/new/deep", "n");
	check(is_val(RD(d0, 0, "/tx/a"), "1") && is_err(RD(d0, 0, "/tx/new"), "ENOENT"),
	      "transaction changes invisible outside");
	check(is_val(RD(d0, t, "/tx/new/deep"), "n"), "but visible inside");
	m = rq(d0, XS_DIRECTORY, t, NULL, 1, "/tx");
	check(m->h.type == XS_DIRECTORY && m->h.len == 6 && !memcmp(m->body, "a\0new\0", 6),
	      "directory in a transaction merges new children");
	check(is_err(rq(d0, XS_TRANSACTION_START, t, NULL, 1, ""), "EBUSY"), "nested start: EBUSY");
	drain(d0);
	rq(d1, XS_WATCH, 0, NULL, 2, "/tx", "txw");   /* dom1 cannot read /tx: must see nothing */
	rq(d0, XS_WATCH, 0, NULL, 2, "/tx", "txw");
	drain(d0);
	drain(d1);
	check(is_ok(rq(d0, XS_TRANSACTION_END, t, NULL, 1, "T"), XS_TRANSACTION_END), "commit");
	check(events(d0, "/tx/new/deep", "txw") == 1 && events(d1, "/tx/new/deep", "txw") == 0,
	      "commit fires watches of readers only");
	check(is_val(RD(d0, 0, "/tx/new/deep"), "n") && is_val(RD(d0, 0, "/tx/a"), "2"), "committed");

	t = tx_start(d0);
	RD(d0, t, "/tx/a");
	WR(d0, 0, "/tx/a", "3");
	check(is_val(RD(d0, t, "/tx/a"), "2"), "transaction keeps the value it first read");
	WR(d0, t, "/tx/a", "4");
	check(is_err(rq(d0, XS_TRANSACTION_END, t, NULL, 1, "T"), "EAGAIN"), "conflict: EAGAIN");
	check(is_val(RD(d0, 0, "/tx/a"), "3"), "conflicting transaction changed nothing");
	check(is_err(rq(d0, XS_TRANSACTION_END, t, NULL, 1, "T"), "ENOENT"), "ended transaction is gone");

	t = tx_start(d0);
	RD(d0, t, "/tx/a");
	rq(d0, XS_RM, t, NULL, 1, "/tx/new");
	WR(d0, t, "/tx/new/other", "o");
	WR(d0, 0, "/elsewhere/unrelated", "u");
	check(is_ok(rq(d0, XS_TRANSACTION_END, t, NULL, 1, "T"), XS_TRANSACTION_END),
	      "write to an unrelated path does not conflict");
	check(is_err(RD(d0, 0, "/tx/new/deep"), "ENOENT") && is_val(RD(d0, 0, "/tx/new/other"), "o"),
	      "rm then write inside one transaction");

	/* Transaction quota and cleanup on close. */
	{
		struct xs_stats st;
		int c = xs_conn_open(srv, 1), n = 0;
		for (i = 0; i < 20; i++)
			n += tx_start(c) != 0;
		check(n == 10 && is_err(rq(c, XS_TRANSACTION_START, 0, NULL, 1, ""), "ENOSPC"),
		      "unprivileged: 10 transactions, then ENOSPC");
		rq(c, XS_WATCH, 0, NULL, 2, "x", "y");
		xs_server_stats(srv, &st);
		i = (int)st.txns;
		xs_conn_close(srv, c);
		xs_server_stats(srv, &st);
		check(i - (int)st.txns == 10, "closing a connection drops its transactions");
	}

	/* Big directories: E2BIG for XS_DIRECTORY, assembled by XS_DIRECTORY_PART. */
	{
		char path[64], off[16], gen[XENSTORE_PAYLOAD_MAX + 1] = "";
		size_t total = 0, expect = 0;
		int parts = 0, done = 0;
		for (i = 0; i < 300; i++) {
			snprintf(path, sizeof(path), "/big/child-with-a-long-name-%04d", i);
			WR(d0, 0, path, "");
			expect += strlen(path) - 5 + 1;
		}
		check(is_err(rq(d0, XS_DIRECTORY, 0, NULL, 1, "/big"), "E2BIG"), "big directory: E2BIG");
		names = calloc(1, expect + 2);
		while (!done && parts < 10) {
			size_t gl, nl;
			snprintf(off, sizeof(off), "%zu", total);
			m = rq(d0, XS_DIRECTORY_PART, 0, NULL, 2, "/big", off);
			if (m->h.type != XS_DIRECTORY_PART)
				break;
			gl = strlen(m->body) + 1;
			if (parts && strcmp(gen, m->body))
				break;
			snprintf(gen, sizeof(gen), "%s", m->body);
			nl = m->h.len - gl;
			if (total + nl > expect + 1)
				break;
			memcpy(names + total, m->body + gl, nl);
			total += nl;
			parts++;
			done = nl >= 2 && m->body[m->h.len - 2] == '\0' && m->body[m->h.len - 1] == '\0';
		}
		check(done && parts > 1 && total == expect + 1, "DIRECTORY_PART: %d parts, %zu bytes", parts, total);
		free(names);
	}

	/* Node quota of an unprivileged domain. */
	{
		char path[64];
		int ok = 0;
		for (i = 0; i < 1100; i++) {
			snprintf(path, sizeof(path), "q/n%d", i);
			ok += is_ok(WR(d1, 0, path, "x"), XS_WRITE);
		}
		check(ok < 1000 && is_err(WR(d1, 0, "q/more", "x"), "ENOSPC"),
		      "node quota: dom1 stops at 1000 nodes (%d written), then ENOSPC", ok);
		check(is_ok(rq(d1, XS_RM, 0, NULL, 1, "q"), XS_RM) && is_ok(WR(d1, 0, "q/again", "x"), XS_WRITE),
		      "removing nodes gives the quota back");
	}
	{
		static char big[2100];
		memset(big, 'v', sizeof(big) - 1);
		check(is_err(WR(d1, 0, "big", big), "ENOSPC"), "dom1 value over 2048 bytes: ENOSPC");
	}
}

static void test_conn_limits(void)
{
	int c[40], n = 0, i, d0;

	for (i = 0; i < 40; i++)
		if ((c[i] = xs_conn_open(srv, 2)) >= 0)
			n++;
	d0 = xs_conn_open(srv, 0);
	/* dom2 already holds one connection (d2). */
	check(n == 31 && d0 >= 0, "dom2 gets 32 connections in all, dom0 still gets one (%d)", n);
	for (i = 0; i < 40; i++)
		if (c[i] >= 0)
			xs_conn_close(srv, c[i]);
	xs_conn_close(srv, d0);
	check(xs_conn_open(srv, 2) >= 0, "closed connections free their slots");
}

static void test_output_bound(void)
{
	struct xs_limits lim;
	struct xs_server *s2;
	uint8_t buf[128];
	size_t n;
	int c, i;

	xs_limits_default(&lim);
	lim.max_output = 4096;
	s2 = xs_server_new(&lim);
	c = xs_conn_open(s2, 0);
	n = build(buf, XS_READ, 0, NULL, 1, "/local");
	for (i = 0; i < 1000 && !xs_conn_doomed(s2, c); i++)
		xs_handle_bytes(s2, c, buf, n);
	check(xs_conn_doomed(s2, c) && i < 1000, "a client that never reads is doomed after %d replies", i);
	xs_server_free(s2);
}

/* Every reply a fixed session of three clients gets from `s`, appended to out (its length). The
 * session reads, lists, writes, changes permissions, runs transactions and watches, so generations,
 * transaction ids, quotas and known domains all show in the bytes. */
static size_t session(struct xs_server *s, uint8_t *out, size_t cap)
{
	static const struct { int who; uint32_t type; const char *a, *b, *tail; } steps[] = {
		{ 0, XS_DIRECTORY, "/", NULL, NULL }, { 0, XS_DIRECTORY, "/local/domain", NULL, NULL },
		{ 0, XS_READ, "/", NULL, NULL }, { 0, XS_GET_PERMS, "/", NULL, NULL },
		{ 0, XS_GET_PERMS, "/local/domain/1", NULL, NULL }, { 1, XS_GET_PERMS, "/local/domain/2", NULL, NULL },
		{ 0, XS_IS_DOMAIN_INTRODUCED, "1", NULL, NULL }, { 0, XS_IS_DOMAIN_INTRODUCED, "7", NULL, NULL },
		{ 1, XS_WATCH, "/local/domain/1", "tok", NULL }, { 0, XS_TRANSACTION_START, "", NULL, NULL },
		{ 1, XS_WRITE, "/local/domain/1/a/b", NULL, "v" }, { 1, XS_WRITE, "data/x", NULL, "vv" },
		{ 2, XS_WRITE, "/local/domain/1/c", NULL, "no" }, { 0, XS_SET_PERMS, "/local/domain/1/a", "b2", NULL },
		{ 2, XS_READ, "/local/domain/1/a", NULL, NULL }, { 0, XS_TRANSACTION_START, "", NULL, NULL },
		{ 0, XS_CONTROL, "quota", NULL, NULL }, { 0, XS_CONTROL, "stats", NULL, NULL },
		{ 1, XS_DIRECTORY, "/local/domain/1", NULL, NULL }, { 0, XS_RM, "/local/domain/2", NULL, NULL },
		{ 0, XS_DIRECTORY, "/local/domain", NULL, NULL }, { 0, XS_SET_TARGET, "2", "1", NULL },
		{ 2, XS_READ, "/local/domain/1/data/x", NULL, NULL }, { 0, XS_RELEASE, "2", NULL, NULL },
	};
	int c[3] = { xs_conn_open(s, 0), xs_conn_open(s, 1), xs_conn_open(s, 2) };
	size_t len = 0, i, k;
	uint8_t buf[256];
	const uint8_t *d;

	for (i = 0; i < 3; i++)   /* the connection ids too */
		len += (size_t)snprintf((char *)out + len, cap - len, "%d ", c[i]);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t n = steps[i].b ? build(buf, steps[i].type, 0, steps[i].tail, 2, steps[i].a, steps[i].b)
				      : build(buf, steps[i].type, 0, steps[i].tail, 1, steps[i].a);
		xs_handle_bytes(s, c[steps[i].who], buf, n);
		for (k = 0; k < 3; k++) {
			size_t got = xs_conn_output(s, c[k], &d);
			if (len + got + 1 > cap)
				return 0;
			if (got)
				memcpy(out + len, d, got);
			len += got;
			out[len++] = (uint8_t)(k + xs_conn_doomed(s, c[k]) * 8);
			xs_conn_consume(s, c[k], got);
		}
	}
	len += (size_t)snprintf((char *)out + len, cap - len, " doomed %u", xs_server_ndoomed(s));
	for (k = 0; k < 3; k++)
		xs_conn_close(s, c[k]);
	return len;
}

/* xs_server_reset on a server a whole test run has been through gives what a new server with the
 * same domains gives, byte for byte; so does a second one after the session itself. */
static void test_reset(void)
{
	static uint8_t a[1 << 16], b[1 << 16], c[1 << 16];
	static const unsigned doms[2] = { 1, 2 }, bad[2] = { 3, 3 };
	struct xs_limits tight;
	struct xs_server *fresh = xs_server_new(NULL);
	size_t na, nb, nc;
	int d;

	/* leave state behind: open connections, a watch, a transaction, root changed, a domain gone */
	d = xs_conn_open(srv, 0);
	rq(d, XS_WATCH, 0, NULL, 2, "/", "w");
	tx_start(d);
	WR(d, 0, "/", "rootval");
	rq(d, XS_SET_PERMS, 0, NULL, 2, "/", "r5");
	rq(d, XS_INTRODUCE, 0, NULL, 3, "7", "1", "1");
	rq(d, XS_SET_TARGET, 0, NULL, 2, "1", "2");
	rq(d, XS_RM, 0, NULL, 1, "/local/domain/2");
	WR(d, 0, "/local/domain/1/left/behind", "x");
	WR(d, 0, "/other", "x");
	check(xs_server_reset(srv, NULL, bad, 2) == -EINVAL, "reset refuses a domain listed twice");
	check(fresh && !xs_server_add_domain(fresh, 1) && !xs_server_add_domain(fresh, 2) &&
	      !xs_server_reset(srv, NULL, doms, 2), "reset of a used server");
	na = session(srv, a, sizeof(a));
	nb = session(fresh, b, sizeof(b));
	check(na && na == nb && !memcmp(a, b, na), "after reset: the same %zu bytes of replies as a new server", na);
	check(!xs_server_reset(srv, NULL, doms, 2), "reset again");
	nc = session(srv, c, sizeof(c));
	check(nc == na && !memcmp(a, c, na), "and again after its own session");
	xs_limits_default(&tight);
	tight.max_nodes = 8;
	check(!xs_server_reset(srv, &tight, NULL, 0) && xs_conn_open(srv, 1) == 0 &&
	      is_err(rq(0, XS_WRITE, 0, "v", 1, "/local/domain/1"), "EACCES") &&
	      !xs_server_domain_known(srv, 1), "reset with new limits and no domains: dom1 unknown, owns nothing");
	xs_server_free(fresh);
}

int main(void)
{
	int d0, d1, d2;

	srv = xs_server_new(NULL);
	if (!srv || xs_server_add_domain(srv, 1) || xs_server_add_domain(srv, 2)) {
		printf("not ok - server setup\n");
		return 1;
	}
	d0 = xs_conn_open(srv, 0);
	d1 = xs_conn_open(srv, 1);
	d2 = xs_conn_open(srv, 2);
	test_basic(d0, d1, d2);
	test_control(d0);
	test_bad_input(d0, d1);
	test_watches(d0, d1, d2);
	test_transactions(d0, d1);
	test_conn_limits();
	test_output_bound();
	test_reset();
	xs_server_free(srv);
	return failures ? 1 : 0;
}
