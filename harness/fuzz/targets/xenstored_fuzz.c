/* xenstored_fuzz.c - fuzz target (d): the xenstore wire-protocol server (harness/xenstored/).
 *
 * Hostile clients - dom0 (privileged), the guests 1 and 2, and more connections of guest 1 -
 * talk to the pure server state machine (xs_server.h). Structure-aware: most records become one
 * well-framed xs_wire.h message whose arguments are picked from a vocabulary of paths, values,
 * permissions, domids and tokens that name things that exist (or nearly), so inputs reach every
 * request handler; raw records keep the framing under fire. An input is a list of records; the
 * first byte of each: kind = b % 8, connection = b / 8 % NCONN (see conn_dom):
 *   0 MSG      type, tx, args: one message, in one piece
 *   1 SPLIT    split, type, tx, args: the same message arriving in two pieces
 *   2 RAW      n, then n bytes as they come
 *   3 READ     n: the client reads n * 64 bytes of its output (255: all of it)
 *   4 REOPEN   the connection closes and its domain connects again
 *   5 ADD      d: the toolstack introduces domain d % 5 + 1 (again)
 *   6 BIG      path arg, n: a write of n * 24 bytes (past the payload limit from 171 on)
 *   7 RESTART  l: a new server, default limits (l even) or tight ones (odd), fresh clients
 * (the first server has default limits; a server is built when the first record after its
 * RESTART, or the input's first record, reaches it)
 * Field bytes: type = the xs_wire.h type (msg_type()); tx = 0 none, 1 the connection's last transaction,
 * 2 another connection's, 3 the last + 1, else the byte itself; args = count (b & 7, up to 4)
 * and bit 3: the last argument without its NUL; an argument is a vocabulary entry (byte < 0xf0)
 * or a literal (0xf0..0xff, then a length byte and the bytes).
 * Checked: no memory error (ASan/UBSan); replies are well framed; a connection the server dooms
 * or whose framing broke is closed as a daemon would; after every client has gone, no watch or
 * transaction is left over.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>
#include "xenstored/xs_server.h"

#define NCONN 6
#define LITERAL 0xf0

static const unsigned conn_dom[NCONN] = { 0, 1, 2, 1, 1, 0 };

/* The type byte: xs_wire.h's value, modulo the valid types plus two invalid ones (XS_TYPE_COUNT
 * and XS_INVALID); the removed XS_RESTRICT (20), XS_WATCH_EVENT and XS_ERROR are refused too. */
static uint32_t msg_type(uint8_t b)
{
	uint32_t t = b % (XS_TYPE_COUNT + 2);
	return t == XS_TYPE_COUNT + 1 ? XS_INVALID : t;
}

/* Arguments: paths (absolute, relative, special, malformed), values, permission strings, domids,
 * tokens, transaction ends, directory offsets and control commands. */
static const char *const vocab[] = {
	"/", "/local", "/local/domain", "/local/domain/0", "/local/domain/1", "/local/domain/2",
	"/local/domain/1/device", "/local/domain/1/device/vif/0/state", "/local/domain/1/backend",
	"/local/domain/2/data", "/local/domain/2/data/a/b", "/local/domain/0/backend/vif/1/0",
	"/tool/x", "/vm", "device", "device/vif", "data/x", "backend/vif/1/0/state", "@introduceDomain",
	"@releaseDomain", "@other", "", "//double", "/local/domain/1/", "/bad path", "/local/domain/3",
	"/local/domain/99", "4", "1", "x", "hello world", "n0", "b1", "r2", "w0", "n1", "b0", "r1",
	"w2", "n2", "q1", "b", "0", "2", "3", "7", "32752", "65535", "-1", "abc", "tok", "t2", "T",
	"F", "X", "5", "100", "check", "help", "print", "quota", "stats", "bogus", "mfn", "ring",
};
#define NVOCAB (sizeof(vocab) / sizeof(vocab[0]))

struct in {
	const uint8_t *p;
	size_t n, pos;
};

static uint8_t u8(struct in *in) { return in->pos < in->n ? in->p[in->pos++] : 0; }

struct client {
	int conn;
	uint32_t last_tx;   /* id of the last transaction the server started for it */
	size_t parsed;      /* bytes of its pending output already looked at */
};

/* One server for the whole process: for each input and restart xs_server_reset makes it what
 * xs_server_new and xs_server_add_domain of the guests make (a client sees no difference; only the
 * allocations of building one go, which under ASan were most of an input's cost). `running`: the
 * input's current server is up. */
static struct xs_server *srv;
static bool running;
static int idle_tight = -1; /* when not running: the server is as new, with these limits (-1: not) */
static const unsigned guests[2] = { 1, 2 }; /* the domains the toolstack has built */
static struct client cl[NCONN];
static unsigned long cb_calls;

static void domain_cb(void *ctx, unsigned domid, bool introduced) { cb_calls += domid + introduced; }
static void log_cb(void *ctx, const char *msg) { cb_calls += msg[0] != 0; }

static void open_conn(unsigned i)
{
	cl[i].conn = xs_conn_open(srv, conn_dom[i]);
	cl[i].last_tx = 0;
	cl[i].parsed = 0;
	if (cl[i].conn >= 0 && xs_conn_domid(srv, cl[i].conn) != conn_dom[i])
		abort();
}

static void reopen(unsigned i)
{
	if (cl[i].conn >= 0)
		xs_conn_close(srv, cl[i].conn);
	open_conn(i);
}

static void server_start(int tight)
{
	struct xs_limits lim;
	xs_limits_default(&lim);
	if (tight) { /* limits low enough for inputs to run into every one of them */
		lim.max_conns = 5;
		lim.max_conns_per_dom = 2;
		lim.max_nodes = 40;
		lim.max_nodes_per_dom = 8;
		lim.max_value_unpriv = 64;
		lim.max_watches = 2;
		lim.max_watches_priv = 3;
		lim.max_txns = 1;
		lim.max_txns_priv = 2;
		lim.max_tx_entries = 4;
		lim.max_tx_bytes = 96;
		lim.max_perms = 3;
		lim.max_output = 2048;
	}
	if (!srv) {
		if (!(srv = xs_server_new(tight ? &lim : NULL)) ||
		    xs_server_add_domain(srv, 1) || xs_server_add_domain(srv, 2))
			abort();
	} else if (idle_tight != tight && xs_server_reset(srv, tight ? &lim : NULL, guests, 2)) {
		abort();
	}
	xs_server_set_domain_cb(srv, domain_cb, NULL);
	xs_server_set_log_cb(srv, log_cb, NULL);
	for (unsigned i = 0; i < NCONN; i++)
		open_conn(i);
	running = true;
	idle_tight = -1;
}

/* Close every client, then nothing may be held; then the server is as new again. */
static void server_stop(void)
{
	for (unsigned i = 0; i < NCONN; i++)
		if (cl[i].conn >= 0)
			xs_conn_close(srv, cl[i].conn);
	struct xs_stats st;
	xs_server_stats(srv, &st);
	if (st.conns || st.watches || st.txns) {
		fprintf(stderr, "xenstored_fuzz: held after every client closed: conns=%u watches=%u txns=%u\n",
			st.conns, st.watches, st.txns);
		abort();
	}
	/* What the input built goes now, not at the next start: nothing it allocated outlives it
	 * (libFuzzer's leak check runs when an input allocates more than it frees). */
	if (xs_server_reset(srv, NULL, guests, 2))
		abort();
	running = false;
	idle_tight = 0;
}

/* Look at the replies that arrived since last time: framing, and transaction ids to reuse. */
static void scan_output(unsigned i)
{
	const uint8_t *out;
	size_t n = cl[i].conn >= 0 ? xs_conn_output(srv, cl[i].conn, &out) : 0;
	while (cl[i].parsed + sizeof(struct xsd_sockmsg) <= n) {
		struct xsd_sockmsg h;
		memcpy(&h, out + cl[i].parsed, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX || cl[i].parsed + sizeof(h) + h.len > n)
			abort(); /* the server queues whole, well-framed messages only */
		const char *p = (const char *)out + cl[i].parsed + sizeof(h);
		if (h.type == XS_TRANSACTION_START && h.len > 1 && p[h.len - 1] == '\0')
			cl[i].last_tx = (uint32_t)strtoul(p, NULL, 10);
		cl[i].parsed += sizeof(h) + h.len;
	}
}

/* One argument into buf at *len; returns 0 when it does not fit. */
static int add_arg(struct in *in, uint8_t *buf, size_t cap, size_t *len, int nul)
{
	uint8_t sel = u8(in);
	const uint8_t *s;
	size_t n;
	if (sel < LITERAL) {
		s = (const uint8_t *)vocab[sel % NVOCAB];
		n = strlen((const char *)s);
	} else {
		n = u8(in);
		if (n > in->n - in->pos)
			n = in->n - in->pos;
		s = in->p + in->pos;
		in->pos += n;
	}
	if (*len + n + 1 > cap)
		return 0;
	memcpy(buf + *len, s, n);
	*len += n;
	if (nul)
		buf[(*len)++] = '\0';
	return 1;
}

static uint32_t pick_tx(struct in *in, unsigned i)
{
	uint8_t t = u8(in);
	switch (t) {
	case 0: return 0;
	case 1: return cl[i].last_tx;
	case 2: return cl[(i + 1) % NCONN].last_tx;
	case 3: return cl[i].last_tx + 1;
	default: return t;
	}
}

static uint32_t req; /* the last request id; counted from 0 in each input, so that one replays alone
		       * as it ran (split and raw records can shift the bytes the server frames) */

/* Build one message (header + payload) from a MSG/SPLIT/BIG record; returns its length. */
static size_t build_msg(struct in *in, unsigned i, int big, uint8_t *msg, size_t cap)
{
	struct xsd_sockmsg h = { .req_id = ++req };
	size_t len = 0;
	uint8_t *p = msg + sizeof(h);
	cap -= sizeof(h);
	if (big) {
		h.type = XS_WRITE;
		add_arg(in, p, cap, &len, 1);
		size_t v = (size_t)u8(in) * 24;
		if (len + v > cap)
			v = cap - len;
		memset(p + len, 'v', v);
		len += v;
	} else {
		h.type = msg_type(u8(in));
		h.tx_id = pick_tx(in, i);
		uint8_t a = u8(in);
		unsigned nargs = a & 7;
		if (nargs > 4)
			nargs = 4;
		for (unsigned k = 0; k < nargs; k++)
			if (!add_arg(in, p, cap, &len, !(k + 1 == nargs && (a & 8))))
				break;
	}
	h.len = (uint32_t)len;
	memcpy(msg, &h, sizeof(h));
	return sizeof(h) + len;
}

static void deliver(unsigned i, const uint8_t *data, size_t n)
{
	if (cl[i].conn < 0)
		return;
	if (xs_handle_bytes(srv, cl[i].conn, data, n) < 0)
		reopen(i); /* broken framing: the daemon hangs up */
	else
		scan_output(i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[sizeof(struct xsd_sockmsg) + 8192];
	struct in in = { data, size, 0 };
	int tight = 0;
	req = 0;
	while (in.pos < in.n) {
		uint8_t r = u8(&in);
		unsigned who = r / 8 % NCONN;
		size_t n;
		if (r % 8 == 7) { /* RESTART */
			if (running)
				server_stop();
			tight = u8(&in) & 1;
			continue;
		}
		/* A server is made when a record first reaches it: one that no record reaches (a restart
		 * followed by another, or by the end) would only be built and torn down again, which is
		 * most of what a random input's restarts cost. What each record sees is unchanged. */
		if (!running)
			server_start(tight);
		switch (r % 8) {
		case 0:
			n = build_msg(&in, who, 0, msg, sizeof(msg));
			deliver(who, msg, n);
			break;
		case 1: {
			size_t split = u8(&in);
			n = build_msg(&in, who, 0, msg, sizeof(msg));
			if (split > n)
				split = n;
			deliver(who, msg, split);
			deliver(who, msg + split, n - split);
			break;
		}
		case 2:
			n = u8(&in);
			if (n > in.n - in.pos)
				n = in.n - in.pos;
			deliver(who, in.p + in.pos, n);
			in.pos += n;
			break;
		case 3:
			if (cl[who].conn >= 0) {
				const uint8_t *out;
				size_t avail = xs_conn_output(srv, cl[who].conn, &out), want = u8(&in), take = 0;
				want = want == 255 ? avail : want * 64;
				/* whole messages (the scan keeps its place at a message boundary) */
				while (take + sizeof(struct xsd_sockmsg) <= avail) {
					struct xsd_sockmsg h;
					memcpy(&h, out + take, sizeof(h));
					if (take + sizeof(h) + h.len > want)
						break;
					take += sizeof(h) + h.len;
				}
				xs_conn_consume(srv, cl[who].conn, want >= avail ? want : take);
				cl[who].parsed = 0; /* the rest is scanned again from its new start */
				scan_output(who);
			}
			break;
		case 4:
			reopen(who);
			break;
		case 5: {
			unsigned d = u8(&in) % 5 + 1;
			/* it fails when /local/domain is gone (a privileged rm): then it is not known */
			if (xs_server_add_domain(srv, d) == 0 && !xs_server_domain_known(srv, d))
				abort();
			break;
		}
		case 6:
			n = build_msg(&in, who, 1, msg, sizeof(msg));
			deliver(who, msg, n);
			break;
		}
		if (xs_server_ndoomed(srv)) /* (asking each connection after every record cost more) */
			for (unsigned i = 0; i < NCONN; i++)
				if (cl[i].conn >= 0 && xs_conn_doomed(srv, cl[i].conn))
					reopen(i);
	}
	if (running)
		server_stop();
	return 0;
}
