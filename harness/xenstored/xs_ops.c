/* xs_ops.c - one handler per request type of xen/io/xs_wire.h. Each validates its payload,
 * resolves paths for the calling domain, checks permissions and quota, and queues exactly one
 * reply: the request's type with its payload, or XS_ERROR with an errno name from xsd_errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "xs_internal.h"

struct req {
	struct xs_server *srv;
	struct xs_conn *c;
	const struct xsd_sockmsg *h;
	const char *p;          /* payload */
	uint32_t len;
	struct xs_txn *txn;     /* the transaction named by tx_id, if any */
};

/* Each handler stays a function of its own (not inlined into xs_dispatch): inlined, every request
 * carried all their locals - a dozen 3 KB path buffers - and under ASan (the fuzz targets'
 * libFuzzer build) each was poisoned and unpoisoned on every request, whatever its type: 11 KB of
 * shadow memset per request, more than most requests cost. */
#define OP_HANDLER __attribute__((noinline))

static void reply(struct req *r, const void *a, size_t alen, const void *b, size_t blen)
{
	xs_send(r->srv, r->c, r->h->type, r->h->req_id, r->h->tx_id, a, alen, b, blen);
}

static void reply_ok(struct req *r)
{
	reply(r, "OK", 3, NULL, 0);
}

/* xsd_errors by errno, built once (the search of the table, each entry a traced compare, ran for
 * every error reply); NULL: not in it. The first entry of an errno wins, as the search found it. */
#define ERR_NAMES 256
static const char *err_names[ERR_NAMES];

static const char *err_name(int err)
{
	static bool built;
	size_t i;

	if (!built) {
		for (i = sizeof(xsd_errors) / sizeof(xsd_errors[0]); i-- > 0;)
			if (xsd_errors[i].errnum >= 0 && xsd_errors[i].errnum < ERR_NAMES)
				err_names[xsd_errors[i].errnum] = xsd_errors[i].errstring;
		built = true;
	}
	if ((unsigned)err < ERR_NAMES && err_names[err])
		return err_names[err];
	return "EINVAL";
}

static void reply_err(struct req *r, int err)
{
	const char *name = err_name(err);

	r->srv->st.errors++;
	xs_send(r->srv, r->c, XS_ERROR, r->h->req_id, r->h->tx_id, name, strlen(name) + 1, NULL, 0);
}

/* The i-th NUL-terminated string of the payload, or NULL (missing or unterminated). */
static const char *arg(const struct req *r, unsigned i, uint32_t *end)
{
	uint32_t off = 0;

	for (;;) {
		const char *nul = memchr(r->p + off, '\0', r->len - off);
		if (!nul)
			return NULL;
		if (i-- == 0) {
			if (end)
				*end = (uint32_t)(nul - r->p) + 1;
			return r->p + off;
		}
		off = (uint32_t)(nul - r->p) + 1;
	}
}

/* First argument as an absolute node path (not "@special"). 0 or EINVAL. */
static int path_arg(struct req *r, char out[XS_PATH_BUF], uint32_t *end)
{
	const char *s = arg(r, 0, end);

	if (!s || s[0] == '@')
		return EINVAL;
	return xs_path_canon(r->c->domid, s, out, NULL);
}

/* Read access to an existing node: 0, ENOENT or EACCES (view filled on success). */
static int readable(struct req *r, const char *path, struct xs_nodeview *v)
{
	int rc = xs_view_get(r->srv, r->txn, path, v);

	if (rc)
		return rc;
	if (!v->exists)
		return ENOENT;
	if (!(xs_perm_access(r->srv, r->c->domid, v->perms, v->nperms) & XS_PERM_READ))
		return EACCES;
	return 0;
}

static OP_HANDLER int op_read(struct req *r)
{
	char path[XS_PATH_BUF];
	struct xs_nodeview v;
	int rc;

	if ((rc = path_arg(r, path, NULL)) || (rc = readable(r, path, &v)))
		return rc;
	reply(r, v.value, v.len, NULL, 0);
	return 0;
}

static OP_HANDLER int op_write(struct req *r)
{
	char path[XS_PATH_BUF];
	uint32_t end;
	int rc;

	if ((rc = path_arg(r, path, &end)))
		return rc;
	if (r->c->domid != 0 && r->len - end > r->srv->lim.max_value_unpriv)
		return ENOSPC;
	if ((rc = xs_view_write(r->srv, r->txn, r->c, path, (const uint8_t *)r->p + end,
				r->len - end, false)))
		return rc;
	reply_ok(r);
	return 0;
}

static OP_HANDLER int op_mkdir(struct req *r)
{
	char path[XS_PATH_BUF];
	int rc;

	if ((rc = path_arg(r, path, NULL)) ||
	    (rc = xs_view_write(r->srv, r->txn, r->c, path, NULL, 0, true)))
		return rc;
	reply_ok(r);
	return 0;
}

static OP_HANDLER int op_rm(struct req *r)
{
	char path[XS_PATH_BUF], parent[XS_PATH_BUF];
	struct xs_nodeview v;
	int rc;

	if ((rc = path_arg(r, path, NULL)))
		return rc;
	if (strcmp(path, "/") == 0)
		return EINVAL;
	if ((rc = xs_view_get(r->srv, r->txn, path, &v)))
		return rc;
	if (!v.exists) {
		/* Not an error, unless the parent is missing too (docs/misc/xenstore.txt). */
		if (xs_path_parent(path, parent) || (rc = xs_view_get(r->srv, r->txn, parent, &v)))
			return rc ? rc : EINVAL;
		if (!v.exists)
			return ENOENT;
		reply_ok(r);
		return 0;
	}
	if (!(xs_perm_access(r->srv, r->c->domid, v.perms, v.nperms) & XS_PERM_WRITE))
		return EACCES;
	if ((rc = xs_view_rm(r->srv, r->txn, path)))
		return rc;
	reply_ok(r);
	return 0;
}

static OP_HANDLER int op_directory(struct req *r)
{
	char path[XS_PATH_BUF], *names;
	struct xs_nodeview v;
	size_t len;
	int rc;

	if ((rc = path_arg(r, path, NULL)) || (rc = readable(r, path, &v)) ||
	    (rc = xs_view_children(r->srv, r->txn, path, &names, &len)))
		return rc;
	if (len > XENSTORE_PAYLOAD_MAX)
		rc = E2BIG;   /* the client falls back to XS_DIRECTORY_PART */
	else
		reply(r, names, len, NULL, 0);
	free(names);
	return rc;
}

/* <path>|<offset>| -> <gencnt>|<names from offset that fit>, one more NUL once the list ends. */
static OP_HANDLER int op_directory_part(struct req *r)
{
	char path[XS_PATH_BUF], *names, gen[24];
	const char *offs;
	struct xs_nodeview v;
	unsigned long off = 0;
	size_t len, glen, end;
	int rc;

	if ((rc = path_arg(r, path, NULL)))
		return rc;
	if (!(offs = arg(r, 1, NULL)) || !*offs || strlen(offs) > 9 ||
	    strspn(offs, "0123456789") != strlen(offs))
		return EINVAL;
	off = strtoul(offs, NULL, 10);
	if ((rc = readable(r, path, &v)) ||
	    (rc = xs_view_children(r->srv, r->txn, path, &names, &len)))
		return rc;
	if (off > len) {
		free(names);
		return EINVAL;
	}
	glen = (size_t)snprintf(gen, sizeof(gen), "%llu", (unsigned long long)v.gen) + 1;
	/* Whole names only, leaving room for the terminating empty string. */
	for (end = off; end < len;) {
		size_t nl = strlen(names + end) + 1;
		if (glen + (end - off) + nl + 1 > XENSTORE_PAYLOAD_MAX)
			break;
		end += nl;
	}
	if (end == len) {
		/* names is a buffer we own: appending the final NUL needs one more byte. */
		char *nb = realloc(names, len + 1);
		if (!nb) {
			free(names);
			return ENOMEM;
		}
		names = nb;
		names[len] = '\0';
		reply(r, gen, glen, names + off, len - off + 1);
	} else if (end == off) {
		rc = E2BIG;
	} else {
		reply(r, gen, glen, names + off, end - off);
	}
	free(names);
	return rc;
}

static OP_HANDLER int op_get_perms(struct req *r)
{
	char path[XS_PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
	struct xs_nodeview v;
	size_t n;
	int rc;

	if ((rc = path_arg(r, path, NULL)) || (rc = readable(r, path, &v)))
		return rc;
	if (!(n = xs_perms_format(v.perms, v.nperms, buf, sizeof(buf))))
		return E2BIG;
	reply(r, buf, n, NULL, 0);
	return 0;
}

static OP_HANDLER int op_set_perms(struct req *r)
{
	char path[XS_PATH_BUF];
	struct xs_permissions *p;
	struct xs_nodeview v;
	uint32_t end, n;
	unsigned acc;
	int rc;

	if ((rc = path_arg(r, path, &end)))
		return rc;
	if (end >= r->len)
		return EINVAL;
	if ((rc = xs_perms_parse(r->p + end, r->len - end, r->srv->lim.max_perms, &p, &n)))
		return rc;
	if ((rc = xs_view_get(r->srv, r->txn, path, &v)) == 0 && !v.exists)
		rc = ENOENT;
	if (!rc) {
		acc = xs_perm_access(r->srv, r->c->domid, v.perms, v.nperms);
		if ((acc & (XS_PERM_WRITE | XS_PERM_OWNER)) != (XS_PERM_WRITE | XS_PERM_OWNER))
			rc = EACCES;
		else if (r->c->domid != 0 && p[0].id != v.perms[0].id)
			rc = EPERM;   /* unprivileged domains may not give nodes away */
	}
	if (!rc && (rc = xs_view_set_perms(r->srv, r->txn, path, p, n)) == 0)
		reply_ok(r);
	free(p);
	return rc;
}

static OP_HANDLER int op_watch(struct req *r)
{
	const char *path = arg(r, 0, NULL), *token = arg(r, 1, NULL);
	int rc;

	if (!path || !token)
		return EINVAL;
	if ((rc = xs_watch_add(r->srv, r->c, path, token)))
		return rc;
	reply_ok(r);
	xs_watch_fire_initial(r->srv, r->c, path, token);
	return 0;
}

static OP_HANDLER int op_unwatch(struct req *r)
{
	const char *path = arg(r, 0, NULL), *token = arg(r, 1, NULL);
	int rc;

	if (!path || !token)
		return EINVAL;
	if ((rc = xs_watch_remove(r->srv, r->c, path, token)))
		return rc;
	reply_ok(r);
	return 0;
}

static OP_HANDLER int op_transaction_start(struct req *r)
{
	unsigned max = r->c->domid == 0 ? r->srv->lim.max_txns_priv : r->srv->lim.max_txns;
	struct xs_txn *t;
	char id[16];

	if (r->h->tx_id)
		return EBUSY;   /* no nested transactions */
	if (r->c->ntxns >= max)
		return ENOSPC;
	if (!(t = xs_txn_new(r->srv)))
		return ENOMEM;
	t->next = r->c->txns;
	r->c->txns = t;
	r->c->ntxns++;
	snprintf(id, sizeof(id), "%u", t->id);
	reply(r, id, strlen(id) + 1, NULL, 0);
	return 0;
}

static OP_HANDLER int op_transaction_end(struct req *r)
{
	const char *how = arg(r, 0, NULL);
	struct xs_txn **pp;
	bool commit;
	int rc = 0;

	if (!r->txn)
		return ENOENT;
	if (!how || (strcmp(how, "T") && strcmp(how, "F")))
		return EINVAL;
	commit = how[0] == 'T';
	for (pp = &r->c->txns; *pp != r->txn; pp = &(*pp)->next)
		;
	*pp = r->txn->next;
	r->c->ntxns--;
	if (commit)
		rc = xs_txn_commit(r->srv, r->txn);
	if (rc == EAGAIN)
		r->srv->st.conflicts++;
	xs_txn_free(r->txn);
	r->txn = NULL;
	if (!rc)
		reply_ok(r);
	return rc;
}

static int domid_arg(struct req *r, unsigned i, unsigned *domid)
{
	const char *s = arg(r, i, NULL);

	if (!s || xs_parse_domid(s, domid))
		return EINVAL;
	return 0;
}

/* Domain-management requests are dom0's; their first argument names the domain. */
static int priv_domid_arg(struct req *r, unsigned *domid)
{
	if (r->c->domid != 0)
		return EACCES;
	return domid_arg(r, 0, domid);
}

static OP_HANDLER int op_introduce(struct req *r)
{
	unsigned domid;
	int rc;

	if ((rc = priv_domid_arg(r, &domid)))
		return rc;
	if (!arg(r, 1, NULL) || !arg(r, 2, NULL) || domid == 0 || domid >= DOMID_FIRST_RESERVED)
		return EINVAL;
	if (!xs_dom_peek(r->srv, domid)->introduced) {
		struct xs_dominfo *d = xs_dom_at(r->srv, domid);
		if (!d)
			return ENOMEM;
		d->introduced = 1;
		xs_watch_fire_special(r->srv, "@introduceDomain");
		if (r->srv->domain_cb)
			r->srv->domain_cb(r->srv->domain_ctx, domid, true);
	}
	reply_ok(r);
	return 0;
}

static OP_HANDLER int op_release(struct req *r)
{
	unsigned domid, i;
	struct xs_dominfo *d;
	int rc;

	if ((rc = priv_domid_arg(r, &domid)))
		return rc;
	if (domid == 0)
		return EINVAL;
	if (!xs_dom_peek(r->srv, domid)->introduced)
		return ENOENT;
	d = xs_dom_at(r->srv, domid);   /* it exists: introduced */
	d->introduced = 0;
	d->target = 0;
	/* Xenstored disconnects a released domain: its connections go. */
	for (i = 0; i < r->srv->nconns_slots; i++)
		if (r->srv->conns[i] && r->srv->conns[i]->in_use && r->srv->conns[i]->domid == domid)
			xs_conn_doom(r->srv, r->srv->conns[i]);
	xs_watch_fire_special(r->srv, "@releaseDomain");
	if (r->srv->domain_cb)
		r->srv->domain_cb(r->srv->domain_ctx, domid, false);
	reply_ok(r);
	return 0;
}

static OP_HANDLER int op_get_domain_path(struct req *r)
{
	unsigned domid;
	char path[40];
	int rc;

	if ((rc = domid_arg(r, 0, &domid)))
		return rc;
	reply(r, path, xs_domain_path(path, domid) + 1, NULL, 0);
	return 0;
}

static OP_HANDLER int op_is_domain_introduced(struct req *r)
{
	unsigned domid;
	int rc;

	if ((rc = domid_arg(r, 0, &domid)))
		return rc;
	reply(r, xs_dom_peek(r->srv, domid)->introduced ? "T" : "F", 2, NULL, 0);
	return 0;
}

static OP_HANDLER int op_resume(struct req *r)
{
	unsigned domid;
	int rc;

	if ((rc = priv_domid_arg(r, &domid)))
		return rc;
	if (!xs_dom_peek(r->srv, domid)->introduced)
		return ENOENT;
	reply_ok(r);
	return 0;
}

static OP_HANDLER int op_set_target(struct req *r)
{
	unsigned domid, tdomid;
	struct xs_dominfo *d;
	int rc;

	if ((rc = priv_domid_arg(r, &domid)) || (rc = domid_arg(r, 1, &tdomid)))
		return rc;
	if (domid == 0 || domid >= DOMID_FIRST_RESERVED || tdomid >= DOMID_FIRST_RESERVED)
		return EINVAL;
	if (!(d = xs_dom_at(r->srv, domid)))
		return ENOMEM;
	d->target = tdomid + 1;
	reply_ok(r);
	return 0;
}

static OP_HANDLER int op_reset_watches(struct req *r)
{
	struct xs_txn *t;

	xs_watch_clear(r->srv, r->c);
	while ((t = r->c->txns)) {
		r->c->txns = t->next;
		xs_txn_free(t);
	}
	r->c->ntxns = 0;
	reply_ok(r);
	return 0;
}

/* Implementation-specific commands (docs/misc/xenstore.txt lists xenstored's). */
static OP_HANDLER int op_control(struct req *r)
{
	static const char help[] = "check\nhelp\nprint|<string>\nquota\nstats\n";
	const char *cmd = arg(r, 0, NULL);
	char buf[256];

	if (r->c->domid != 0)
		return EACCES;
	if (!cmd)
		return EINVAL;
	if (strcmp(cmd, "help") == 0) {
		reply(r, help, sizeof(help), NULL, 0);
	} else if (strcmp(cmd, "check") == 0) {
		reply_ok(r);
	} else if (strcmp(cmd, "print") == 0) {
		const char *s = arg(r, 1, NULL);
		if (!s)
			return EINVAL;
		if (r->srv->log_cb)
			r->srv->log_cb(r->srv->log_ctx, s);
		reply_ok(r);
	} else if (strcmp(cmd, "quota") == 0) {
		const struct xs_limits *l = &r->srv->lim;
		int n = snprintf(buf, sizeof(buf),
				 "nodes %u/%u nodes-per-domain %u value %u watches %u transactions %u\n",
				 r->srv->nnodes, l->max_nodes, l->max_nodes_per_dom, l->max_value_unpriv,
				 l->max_watches, l->max_txns);
		reply(r, buf, (size_t)n + 1, NULL, 0);
	} else if (strcmp(cmd, "stats") == 0) {   /* what tests check after a client dies */
		struct xs_stats st;
		int n;
		xs_server_stats(r->srv, &st);
		n = snprintf(buf, sizeof(buf), "conns %u nodes %u watches %u transactions %u\n",
			     st.conns, st.nodes, st.watches, st.txns);
		reply(r, buf, (size_t)n + 1, NULL, 0);
	} else {
		return EINVAL;
	}
	return 0;
}

static bool uses_transaction(uint32_t type)
{
	switch (type) {
	case XS_READ: case XS_WRITE: case XS_MKDIR: case XS_RM: case XS_DIRECTORY:
	case XS_DIRECTORY_PART: case XS_GET_PERMS: case XS_SET_PERMS: case XS_TRANSACTION_END:
		return true;
	default:
		return false;
	}
}

void xs_dispatch(struct xs_server *srv, struct xs_conn *c, const struct xsd_sockmsg *h,
		 const uint8_t *payload)
{
	struct req r = { .srv = srv, .c = c, .h = h, .p = (const char *)payload, .len = h->len };
	int rc;

	if (h->tx_id && uses_transaction(h->type)) {
		for (r.txn = c->txns; r.txn && r.txn->id != h->tx_id; r.txn = r.txn->next)
			;
		if (!r.txn) {
			reply_err(&r, ENOENT);
			return;
		}
	}
	switch (h->type) {
	case XS_CONTROL:              rc = op_control(&r); break;
	case XS_DIRECTORY:            rc = op_directory(&r); break;
	case XS_READ:                 rc = op_read(&r); break;
	case XS_GET_PERMS:            rc = op_get_perms(&r); break;
	case XS_WATCH:                rc = op_watch(&r); break;
	case XS_UNWATCH:              rc = op_unwatch(&r); break;
	case XS_TRANSACTION_START:    rc = op_transaction_start(&r); break;
	case XS_TRANSACTION_END:      rc = op_transaction_end(&r); break;
	case XS_INTRODUCE:            rc = op_introduce(&r); break;
	case XS_RELEASE:              rc = op_release(&r); break;
	case XS_GET_DOMAIN_PATH:      rc = op_get_domain_path(&r); break;
	case XS_WRITE:                rc = op_write(&r); break;
	case XS_MKDIR:                rc = op_mkdir(&r); break;
	case XS_RM:                   rc = op_rm(&r); break;
	case XS_SET_PERMS:            rc = op_set_perms(&r); break;
	case XS_IS_DOMAIN_INTRODUCED: rc = op_is_domain_introduced(&r); break;
	case XS_RESUME:               rc = op_resume(&r); break;
	case XS_SET_TARGET:           rc = op_set_target(&r); break;
	case XS_RESET_WATCHES:        rc = op_reset_watches(&r); break;
	case XS_DIRECTORY_PART:       rc = op_directory_part(&r); break;
	default:                      rc = EINVAL; break;   /* XS_WATCH_EVENT, XS_ERROR, unknown */
	}
	if (rc)
		reply_err(&r, rc);
}
