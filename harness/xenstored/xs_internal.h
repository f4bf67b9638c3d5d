/* xs_internal.h - the server's state, shared by its source files (not part of the API). */
#ifndef XS_INTERNAL_H
#define XS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <xen/xen.h>         /* DOMID_FIRST_RESERVED */
#include <xenstore_lib.h>   /* struct xs_permissions, XS_PERM_*; includes xen/io/xs_wire.h */
#include "xs_server.h"

#define XS_HDR_LEN ((uint32_t)sizeof(struct xsd_sockmsg))
#define XS_NDOMIDS 65536u   /* domids are 16 bits on the wire (domid_t) */

/* ---- what the server knows per domid: a sparse table, allocated a page of 64 domids at a time
 * on the first change, so a new server costs a few hundred bytes and not 9 bytes x 65536 domids
 * zeroed (a server per fuzz input, per restart record). A domid never changed reads as zeroes. ---- */
#define XS_DOM_PAGE 64u
struct xs_dominfo {
	uint32_t owned;                  /* nodes it owns, for the quota */
	uint32_t target;                 /* XS_SET_TARGET target + 1, 0 if none */
	uint16_t conns;                  /* its open connections, for max_conns_per_dom */
	uint8_t introduced;
};

/* ---- the store: a tree of nodes ---- */
struct xs_node {
	uint8_t *value;
	uint32_t len;
	struct xs_permissions *perms;    /* perms[0]: owner and everybody's default */
	uint32_t nperms;
	uint64_t gen;                    /* store generation of the last change to this node or its child list */
	struct xs_node *parent;
	struct xs_node **kids;
	uint32_t nkids, capkids;
	char name[];                     /* last path component ("" for the root), allocated with the
					  * node: one allocation less per node (past its end, ASan's redzone) */
};

/* ---- transactions: an overlay of touched paths on the main store ---- */
enum { TX_READ, TX_WRITE, TX_DEL };
struct tx_entry {
	char *path;
	uint8_t kind;
	bool present;                    /* READ: the node existed when first read */
	uint8_t *value;                  /* WRITE: new value; READ: value when first read */
	uint32_t len;
	struct xs_permissions *perms;
	uint32_t nperms;
};
struct xs_txn {
	uint32_t id;
	uint64_t start_gen;              /* main store generation when it started */
	bool conflict;                   /* something it depends on changed since: commit gives EAGAIN */
	uint32_t created;                /* nodes it would create, for the node quota */
	size_t bytes;                    /* values held in the overlay, bounded by max_tx_bytes */
	struct tx_entry *ents;
	uint32_t n, cap;
	struct xs_txn *next;
};

struct xs_watch {
	char *path;      /* absolute path, or "@special" */
	char *token;
	bool relative;   /* registered relative to the domain path: events are reported relative too */
	struct xs_watch *next;
	char strings[];  /* path and token, allocated with the watch */
};

struct xs_conn {
	bool in_use, doomed;
	uint16_t domid;
	uint8_t *in;                     /* one message being received: inlen bytes of incap, grown to */
	uint32_t inlen, incap;           /* the largest message so far (a slot keeps it, see conn_clear) */
	uint8_t *out;
	size_t outlen, outcap, outoff;
	struct xs_watch *watches;
	unsigned nwatches;
	struct xs_txn *txns;
	unsigned ntxns;
};

struct xs_server {
	struct xs_limits lim;
	struct xs_node *root;
	uint64_t gen;
	unsigned nnodes;
	struct xs_dominfo *dom[XS_NDOMIDS / XS_DOM_PAGE];   /* pages, NULL until one of its domids changes */
	uint16_t dompages[XS_NDOMIDS / XS_DOM_PAGE];       /* the indexes of the pages allocated */
	unsigned ndompages;
	uint32_t next_txid;
	struct xs_conn **conns;
	unsigned nconns_slots, nconns;
	unsigned free_hint;              /* every slot below it is open: the search for a free one starts here */
	unsigned ndoomed;                /* open connections that are doomed */
	xs_domain_cb *domain_cb;
	void *domain_ctx;
	xs_log_cb *log_cb;
	void *log_ctx;
	struct xs_stats st;
};

/* xs_server.c: the per-domid table. xs_dom_peek reads (a domid never changed gives zeroes);
 * xs_dom_at gives the entry to change, allocating its page: NULL on ENOMEM or a domid out of range. */
const struct xs_dominfo *xs_dom_peek(const struct xs_server *srv, unsigned domid);
struct xs_dominfo *xs_dom_at(struct xs_server *srv, unsigned domid);

/* A node as one request sees it (main store or through a transaction). */
struct xs_nodeview {
	bool exists;
	const uint8_t *value;
	uint32_t len;
	const struct xs_permissions *perms;
	uint32_t nperms;
	uint64_t gen;
};

/* xs_path.c */
#define XS_PATH_BUF (XENSTORE_ABS_PATH_MAX + 1)
/* "/local/domain/<domid>" into out (room for 32 bytes), as snprintf's "%u" writes it; its length. */
size_t xs_domain_path(char *out, unsigned domid);
int xs_path_canon(unsigned domid, const char *in, char out[XS_PATH_BUF], bool *relative);
bool xs_path_is_child(const char *child, const char *parent);
int xs_path_parent(const char *path, char out[XS_PATH_BUF]);
const char *xs_path_strip_domain(unsigned domid, const char *abs);
int xs_parse_domid(const char *s, unsigned *domid);

/* xs_perms.c */
unsigned xs_perm_access(const struct xs_server *srv, unsigned domid,
			const struct xs_permissions *p, uint32_t n);
int xs_perms_parse(const char *strings, size_t len, unsigned max,
		   struct xs_permissions **out, uint32_t *n);
size_t xs_perms_format(const struct xs_permissions *p, uint32_t n, char *buf, size_t cap);
struct xs_permissions *xs_perms_dup(const struct xs_permissions *p, uint32_t n);
struct xs_permissions *xs_perms_inherit(const struct xs_permissions *p, uint32_t n,
					unsigned creator, bool privileged, uint32_t *outn);

/* xs_store.c */
struct xs_node *xs_store_lookup(struct xs_server *srv, const char *path);
struct xs_node *xs_store_nearest(struct xs_server *srv, const char *path);
struct xs_node *xs_store_create(struct xs_server *srv, const char *path,
				const uint8_t *value, uint32_t len,
				const struct xs_permissions *perms, uint32_t nperms);
int xs_store_set_value(struct xs_server *srv, struct xs_node *n, const uint8_t *value, uint32_t len);
int xs_store_set_perms(struct xs_server *srv, struct xs_node *n,
		       const struct xs_permissions *perms, uint32_t nperms);
void xs_store_remove(struct xs_server *srv, struct xs_node *n);
void xs_store_free_tree(struct xs_server *srv, struct xs_node *n);
int xs_store_reset(struct xs_server *srv, const unsigned *domids, unsigned ndomids);
size_t xs_node_path(const struct xs_node *n, char *buf, size_t cap);

/* xs_view.c: reads and changes through a transaction (txn != NULL) or on the main store. */
int xs_view_get(struct xs_server *srv, struct xs_txn *txn, const char *path, struct xs_nodeview *v);
int xs_view_children(struct xs_server *srv, struct xs_txn *txn, const char *path,
		     char **names, size_t *len);
int xs_view_write(struct xs_server *srv, struct xs_txn *txn, struct xs_conn *c, const char *path,
		  const uint8_t *value, uint32_t len, bool keep_existing);
int xs_view_set_perms(struct xs_server *srv, struct xs_txn *txn, const char *path,
		      const struct xs_permissions *p, uint32_t n);
int xs_view_rm(struct xs_server *srv, struct xs_txn *txn, const char *path);
struct xs_txn *xs_txn_new(struct xs_server *srv);
int xs_txn_commit(struct xs_server *srv, struct xs_txn *txn);
void xs_txn_free(struct xs_txn *txn);

/* xs_watch.c */
int xs_watch_add(struct xs_server *srv, struct xs_conn *c, const char *path, const char *token);
int xs_watch_remove(struct xs_server *srv, struct xs_conn *c, const char *path, const char *token);
void xs_watch_clear(struct xs_server *srv, struct xs_conn *c);
void xs_watch_fire(struct xs_server *srv, const char *path, const struct xs_permissions *p,
		   uint32_t n, bool removed);
void xs_watch_fire_special(struct xs_server *srv, const char *name);
void xs_watch_fire_initial(struct xs_server *srv, struct xs_conn *c, const char *path, const char *token);

/* xs_server.c: output */
void xs_send(struct xs_server *srv, struct xs_conn *c, uint32_t type, uint32_t req_id,
	     uint32_t tx_id, const void *a, size_t alen, const void *b, size_t blen);
struct xs_conn *xs_conn_get(struct xs_server *srv, int conn);
void xs_conn_doom(struct xs_server *srv, struct xs_conn *c);

/* xs_ops.c: one request, already framed. Replies go to c's output. */
void xs_dispatch(struct xs_server *srv, struct xs_conn *c, const struct xsd_sockmsg *hdr,
		 const uint8_t *payload);

#endif /* XS_INTERNAL_H */
