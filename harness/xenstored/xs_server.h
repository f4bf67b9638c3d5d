/* xs_server.h - a xenstore server speaking Debian's xen/io/xs_wire.h protocol, as a library.
 *
 * The server is a pure state machine: bytes a connection sent go in (xs_handle_bytes), replies
 * and watch events come out of per-connection output buffers. It never touches a socket, a clock
 * or a signal, so the daemon (xenstored_main.c), a broker that embeds it, and a libFuzzer target
 * all drive the same code. Each connection belongs to one domain; domain 0 is privileged.
 * Single-threaded: the caller serialises every call.
 */
#ifndef XS_SERVER_H
#define XS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct xs_server;

/* Every resource a client can make the server hold is bounded by one of these. */
struct xs_limits {
	unsigned max_conns;            /* open connections, all domains */
	unsigned max_conns_per_dom;    /* open connections of one unprivileged domain */
	unsigned max_nodes;            /* nodes in the store, all domains */
	unsigned max_nodes_per_dom;    /* nodes owned by one unprivileged domain */
	unsigned max_value_unpriv;     /* value bytes an unprivileged domain may write */
	unsigned max_watches;          /* watches per unprivileged connection */
	unsigned max_watches_priv;     /* watches per privileged connection */
	unsigned max_txns;             /* open transactions per unprivileged connection */
	unsigned max_txns_priv;        /* open transactions per privileged connection */
	unsigned max_tx_entries;       /* paths one transaction may touch */
	size_t max_tx_bytes;           /* value bytes one transaction may hold */
	unsigned max_perms;            /* entries in one permission list */
	size_t max_output;             /* pending output bytes per connection before it is dropped */
};

void xs_limits_default(struct xs_limits *lim);

/* Called when XS_INTRODUCE / XS_RELEASE from dom0 change the set of known domains. */
typedef void xs_domain_cb(void *ctx, unsigned domid, bool introduced);

/* Where XS_CONTROL "print|<string>" goes (the library itself never writes to a file). */
typedef void xs_log_cb(void *ctx, const char *msg);

struct xs_server *xs_server_new(const struct xs_limits *lim /* NULL: defaults */);
void xs_server_free(struct xs_server *srv);
/* Back to the state xs_server_new(lim) then xs_server_add_domain() of each of `domids` (at most
 * XS_RESET_MAX_DOMAINS, distinct) give, keeping the memory the server has where it can
 * (connection slots, the nodes of /, /local, /local/domain and the domains' directories, the
 * domid table's first page): every connection closed (its watches and transactions go), every
 * other node freed, no domain known but 0 and those, counters zero, no callback. A client then
 * sees what it would see of a new server; it only costs less (a fuzz target that needs a new
 * server per input and per restart). 0, -EINVAL (a bad domid list, nothing done), or -ENOMEM:
 * then only xs_server_free may be called. */
#define XS_RESET_MAX_DOMAINS 16
int xs_server_reset(struct xs_server *srv, const struct xs_limits *lim, const unsigned *domids,
		    unsigned ndomids);
void xs_server_set_domain_cb(struct xs_server *srv, xs_domain_cb *cb, void *ctx);
void xs_server_set_log_cb(struct xs_server *srv, xs_log_cb *cb, void *ctx);

/* What a toolstack does when it builds a domain: mark it introduced and create
 * /local/domain/<domid> owned by it. 0 or a negative errno. */
int xs_server_add_domain(struct xs_server *srv, unsigned domid);
bool xs_server_domain_known(const struct xs_server *srv, unsigned domid);

/* A new client connection of domain `domid`: a connection id >= 0, or -1 when max_conns (or,
 * for an unprivileged domain, max_conns_per_dom) are open. */
int xs_conn_open(struct xs_server *srv, unsigned domid);
/* The client is gone: its watches and transactions go with it, nothing else does. */
void xs_conn_close(struct xs_server *srv, int conn);

/* Feed bytes the client sent (any split, any content). Complete messages are handled at once.
 * Returns 0, or -1 when the framing is broken (payload longer than XENSTORE_PAYLOAD_MAX): an
 * XS_ERROR reply is queued and the caller should flush what it can and close the connection. */
int xs_handle_bytes(struct xs_server *srv, int conn, const uint8_t *data, size_t len);

/* Pending output (replies and watch events, wire format) of a connection. */
size_t xs_conn_output(struct xs_server *srv, int conn, const uint8_t **data);
void xs_conn_consume(struct xs_server *srv, int conn, size_t n);

/* True when the server wants this connection closed: its output overflowed max_output (a client
 * that does not read its watch events), or its domain was released. */
bool xs_conn_doomed(struct xs_server *srv, int conn);
/* How many open connections xs_conn_doomed is true for: a caller with many connections looks at
 * each only when this is not 0. */
unsigned xs_server_ndoomed(const struct xs_server *srv);
unsigned xs_conn_domid(struct xs_server *srv, int conn);

/* Counters for tests and benchmarks. */
struct xs_stats {
	unsigned conns, nodes, watches, txns;
	unsigned long long requests, errors, events, conflicts;
};
void xs_server_stats(const struct xs_server *srv, struct xs_stats *st);

#endif /* XS_SERVER_H */
