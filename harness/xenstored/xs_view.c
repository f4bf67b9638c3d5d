/* xs_view.c - the store as one request sees it: the main tree, or a transaction's overlay on it.
 *
 * A transaction records every path it reads or changes (an overlay entry: READ, WRITE or DEL).
 * Changes live only in the overlay until commit. Commit fails with EAGAIN when any recorded path
 * changed in the main store since the transaction started (its generation, or for an absent path
 * its nearest existing ancestor's, is newer than the start) - only conflicting writes abort it,
 * the plan docs/misc/xenstore.txt states. Without a transaction, changes fire watches at once. */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "xs_internal.h"

static struct tx_entry *tx_find(struct xs_txn *t, const char *path)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->ents[i].path, path) == 0)
			return &t->ents[i];
	return NULL;
}

static void entry_clear(struct xs_txn *t, struct tx_entry *e)
{
	if (t)
		t->bytes -= e->len;
	free(e->value);
	free(e->perms);
	e->value = NULL;
	e->perms = NULL;
	e->len = e->nperms = 0;
}

/* The entry for `path`, added as READ if new. NULL when the transaction is full (ENOSPC). */
static struct tx_entry *tx_entry(struct xs_server *srv, struct xs_txn *t, const char *path)
{
	struct tx_entry *e = tx_find(t, path);

	if (e)
		return e;
	if (t->n >= srv->lim.max_tx_entries)
		return NULL;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 8;
		struct tx_entry *ne = realloc(t->ents, cap * sizeof(*ne));
		if (!ne)
			return NULL;
		t->ents = ne;
		t->cap = cap;
	}
	e = &t->ents[t->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path)
		return NULL;
	e->kind = TX_READ;
	t->n++;
	return e;
}

/* Has `path` (or, absent, the place it would hang from) changed in the main store since gen? */
static bool main_changed_since(struct xs_server *srv, const char *path, uint64_t gen)
{
	struct xs_node *n = xs_store_nearest(srv, path);

	return n->gen > gen;
}

static void fill(struct xs_nodeview *v, const struct xs_node *n)
{
	memset(v, 0, sizeof(*v));
	if (!n)
		return;
	v->exists = true;
	v->value = n->value;
	v->len = n->len;
	v->perms = n->perms;
	v->nperms = n->nperms;
	v->gen = n->gen;
}

/* Look `path` up; with a transaction, record it (when `record`) and note a conflict. */
static int view_peek(struct xs_server *srv, struct xs_txn *t, const char *path,
		     struct xs_nodeview *v, bool record)
{
	struct tx_entry *e;

	struct xs_node *n;

	if (!t) {
		fill(v, xs_store_lookup(srv, path));
		return 0;
	}
	e = tx_find(t, path);
	if (!e) {
		n = xs_store_lookup(srv, path);
		if (main_changed_since(srv, path, t->start_gen))
			t->conflict = true;   /* too late for a snapshot: commit will say EAGAIN */
		if (!record) {
			fill(v, n);
			return 0;
		}
		/* Keep what we saw, so later reads in this transaction see the same node
		 * even when others change it meanwhile (the "ta err" case of test-xenstore). */
		if (!(e = tx_entry(srv, t, path)))
			return ENOSPC;
		if (n) {
			if (t->bytes + n->len > srv->lim.max_tx_bytes ||
			    !(e->value = malloc(n->len ? n->len : 1)) ||
			    !(e->perms = xs_perms_dup(n->perms, n->nperms))) {
				free(e->value);
				e->value = NULL;
				free(t->ents[--t->n].path);
				return ENOSPC;
			}
			if (n->len)
				memcpy(e->value, n->value, n->len);
			e->len = n->len;
			e->nperms = n->nperms;
			e->present = true;
			t->bytes += n->len;
		}
	}
	memset(v, 0, sizeof(*v));
	if (e->kind == TX_WRITE || (e->kind == TX_READ && e->present)) {
		struct xs_node *mn = xs_store_lookup(srv, path);
		v->exists = true;
		v->value = e->value;
		v->len = e->len;
		v->perms = e->perms;
		v->nperms = e->nperms;
		v->gen = mn && e->kind == TX_READ ? mn->gen : 0;
	}
	return 0;
}

int xs_view_get(struct xs_server *srv, struct xs_txn *t, const char *path, struct xs_nodeview *v)
{
	return view_peek(srv, t, path, v, true);
}

static int append_name(char **buf, size_t *len, size_t *cap, const char *name)
{
	size_t nl = strlen(name) + 1;

	if (*len + nl > *cap) {
		size_t nc = (*cap ? *cap * 2 : 256) + nl;
		char *nb = realloc(*buf, nc);
		if (!nb)
			return ENOMEM;
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, name, nl);
	*len += nl;
	return 0;
}

static void child_path(const char *path, const char *name, char out[XS_PATH_BUF])
{
	size_t pl = strlen(path);

	if (strcmp(path, "/") == 0)
		pl = 0;
	if (pl + 1 + strlen(name) >= XS_PATH_BUF) {
		out[0] = '\0';
		return;
	}
	memcpy(out, path, pl);
	out[pl] = '/';
	strcpy(out + pl + 1, name);
}

/* Is `path` a direct child of `dir`? Then its leaf name, else NULL. */
static const char *direct_child(const char *path, const char *dir)
{
	const char *leaf = strrchr(path, '/');
	size_t dl = strcmp(dir, "/") == 0 ? 0 : strlen(dir);

	if (!leaf || (size_t)(leaf - path) != dl || strncmp(path, dir, dl) != 0)
		return NULL;
	return leaf + 1;
}

/* Leaf names of the children of an existing `path`, NUL-terminated each, in a malloc'd buffer. */
int xs_view_children(struct xs_server *srv, struct xs_txn *t, const char *path,
		     char **names, size_t *len)
{
	struct xs_node *n = xs_store_lookup(srv, path);
	char cp[XS_PATH_BUF];
	size_t cap = 0;
	uint32_t i;
	int rc = 0;

	*names = NULL;
	*len = 0;
	for (i = 0; n && i < n->nkids && !rc; i++) {
		if (t) {
			struct tx_entry *e;
			child_path(path, n->kids[i]->name, cp);
			e = tx_find(t, cp);
			if (e && e->kind == TX_DEL)
				continue;
		}
		rc = append_name(names, len, &cap, n->kids[i]->name);
	}
	for (i = 0; t && i < t->n && !rc; i++) {
		const char *leaf;
		if (t->ents[i].kind != TX_WRITE || !(leaf = direct_child(t->ents[i].path, path)))
			continue;
		if (n) {   /* already listed from the main store? */
			uint32_t k;
			for (k = 0; k < n->nkids && strcmp(n->kids[k]->name, leaf); k++)
				;
			if (k < n->nkids)
				continue;
		}
		rc = append_name(names, len, &cap, leaf);
	}
	if (!rc && !*names)
		*names = malloc(1);
	if (rc || !*names) {
		free(*names);
		*names = NULL;
		*len = 0;
		return rc ? rc : ENOMEM;
	}
	return 0;
}

/* Record a changed node in the transaction (value and perms copied). */
static int tx_put(struct xs_server *srv, struct xs_txn *t, const char *path,
		  const uint8_t *value, uint32_t len, const struct xs_permissions *p, uint32_t np)
{
	struct tx_entry *e = tx_entry(srv, t, path);
	uint8_t *v;
	struct xs_permissions *pc;

	if (!e || t->bytes - e->len + len > srv->lim.max_tx_bytes)
		return ENOSPC;
	v = malloc(len ? len : 1);
	pc = xs_perms_dup(p, np);
	if (!v || !pc) {
		free(v);
		free(pc);
		return ENOMEM;
	}
	if (len)
		memcpy(v, value, len);
	entry_clear(t, e);
	e->kind = TX_WRITE;
	e->value = v;
	e->len = len;
	t->bytes += len;
	e->perms = pc;
	e->nperms = np;
	return 0;
}

/* Write (or, keep_existing, mkdir) `path`, creating missing parents. Checks permissions and quota. */
int xs_view_write(struct xs_server *srv, struct xs_txn *t, struct xs_conn *c, const char *path,
		  const uint8_t *value, uint32_t len, bool keep_existing)
{
	char anc[XS_PATH_BUF], cur[XS_PATH_BUF];
	struct xs_nodeview v, av;
	struct xs_permissions *inh;
	uint32_t ninh, missing = 0;
	bool priv = c->domid == 0;
	size_t alen;
	int rc;

	if ((rc = xs_view_get(srv, t, path, &v)))
		return rc;
	if (v.exists) {
		if (keep_existing)
			return 0;
		if (!(xs_perm_access(srv, c->domid, v.perms, v.nperms) & XS_PERM_WRITE))
			return EACCES;
		if (t)
			return tx_put(srv, t, path, value, len, v.perms, v.nperms);
		if ((rc = xs_store_set_value(srv, xs_store_lookup(srv, path), value, len)))
			return rc;
		xs_watch_fire(srv, path, v.perms, v.nperms, false);
		return 0;
	}
	/* Find the nearest existing ancestor: it decides permission and what the new nodes inherit. */
	strcpy(anc, path);
	do {
		if (xs_path_parent(anc, cur))
			return EINVAL;
		strcpy(anc, cur);
		missing++;
		if ((rc = view_peek(srv, t, anc, &av, false)))
			return rc;
	} while (!av.exists);
	if (t && (rc = view_peek(srv, t, anc, &av, true)))
		return rc;
	if (!(xs_perm_access(srv, c->domid, av.perms, av.nperms) & XS_PERM_WRITE))
		return EACCES;
	if (srv->nnodes + (t ? t->created : 0) + missing > srv->lim.max_nodes)
		return ENOSPC;
	if (!priv && xs_dom_peek(srv, c->domid)->owned + (t ? t->created : 0) + missing > srv->lim.max_nodes_per_dom)
		return ENOSPC;
	inh = xs_perms_inherit(av.perms, av.nperms, c->domid, priv, &ninh);
	if (!inh)
		return ENOMEM;
	/* Create from the top down: each missing prefix of `path` after the ancestor. */
	alen = strcmp(anc, "/") == 0 ? 0 : strlen(anc);
	rc = 0;
	while (!rc) {
		const char *next = strchr(path + alen + 1, '/');
		size_t l = next ? (size_t)(next - path) : strlen(path);
		bool leaf = !next;
		memcpy(cur, path, l);
		cur[l] = '\0';
		if (t) {
			rc = tx_put(srv, t, cur, leaf ? value : NULL, leaf ? len : 0, inh, ninh);
			if (!rc)
				t->created++;
		} else if (!xs_store_create(srv, cur, leaf ? value : NULL, leaf ? len : 0, inh, ninh)) {
			rc = ENOMEM;
		}
		if (leaf)
			break;
		alen = l;
	}
	if (!rc && !t)
		xs_watch_fire(srv, path, inh, ninh, false);
	free(inh);
	return rc;
}

int xs_view_set_perms(struct xs_server *srv, struct xs_txn *t, const char *path,
		      const struct xs_permissions *p, uint32_t n)
{
	struct xs_nodeview v;
	int rc;

	if ((rc = xs_view_get(srv, t, path, &v)))
		return rc;
	if (!v.exists)
		return ENOENT;
	if (t)
		return tx_put(srv, t, path, v.value, v.len, p, n);
	if ((rc = xs_store_set_perms(srv, xs_store_lookup(srv, path), p, n)))
		return rc;
	xs_watch_fire(srv, path, p, n, false);
	return 0;
}

/* Mark `path` and everything below it (as the transaction sees it) deleted. Recursion is as
 * deep as the path (up to ~1500 levels), so the frame keeps its path buffer on the heap. */
static int tx_rm(struct xs_server *srv, struct xs_txn *t, const char *path, unsigned depth)
{
	char *names, *cp;
	size_t len, off;
	struct tx_entry *e;
	int rc;

	if (depth > XENSTORE_ABS_PATH_MAX / 2)   /* a path this deep cannot exist */
		return EINVAL;
	if ((rc = xs_view_children(srv, t, path, &names, &len)))
		return rc;
	if (!(cp = malloc(XS_PATH_BUF))) {
		free(names);
		return ENOMEM;
	}
	for (off = 0; off < len && !rc; off += strlen(names + off) + 1) {
		child_path(path, names + off, cp);
		rc = cp[0] ? tx_rm(srv, t, cp, depth + 1) : EINVAL;
	}
	free(cp);
	free(names);
	if (rc)
		return rc;
	if (!(e = tx_entry(srv, t, path)))
		return ENOSPC;
	entry_clear(t, e);
	e->kind = TX_DEL;
	return 0;
}

/* Remove an existing node and its subtree (the caller checked existence and permission). */
int xs_view_rm(struct xs_server *srv, struct xs_txn *t, const char *path)
{
	struct xs_node *n;
	struct xs_permissions *p;
	uint32_t np;

	if (t)
		return tx_rm(srv, t, path, 0);
	n = xs_store_lookup(srv, path);
	if (!n || !n->parent)
		return EINVAL;
	np = n->nperms;
	if (!(p = xs_perms_dup(n->perms, np)))
		return ENOMEM;
	xs_store_remove(srv, n);
	xs_watch_fire(srv, path, p, np, true);
	free(p);
	return 0;
}

struct xs_txn *xs_txn_new(struct xs_server *srv)
{
	struct xs_txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	do
		t->id = ++srv->next_txid;
	while (t->id == 0);
	t->start_gen = srv->gen;
	return t;
}

void xs_txn_free(struct xs_txn *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		entry_clear(NULL, &t->ents[i]);
		free(t->ents[i].path);
	}
	free(t->ents);
	free(t);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct tx_entry *)a)->path, ((const struct tx_entry *)b)->path);
}

/* Apply a transaction to the main store: 0, EAGAIN (conflict) or ENOSPC. Fires its watches. */
int xs_txn_commit(struct xs_server *srv, struct xs_txn *t)
{
	char parent[XS_PATH_BUF];
	unsigned creates = 0;
	uint32_t i;

	if (t->conflict)
		return EAGAIN;
	for (i = 0; i < t->n; i++) {
		if (main_changed_since(srv, t->ents[i].path, t->start_gen))
			return EAGAIN;
		if (t->ents[i].kind == TX_WRITE && !xs_store_lookup(srv, t->ents[i].path))
			creates++;
	}
	if (srv->nnodes + creates > srv->lim.max_nodes)
		return ENOSPC;
	/* Parents sort before their children, so creation order and "topmost deletion" follow. */
	if (t->n)
		qsort(t->ents, t->n, sizeof(*t->ents), by_path);
	for (i = 0; i < t->n; i++) {
		struct tx_entry *e = &t->ents[i];
		struct xs_node *n = xs_store_lookup(srv, e->path);
		if (e->kind == TX_WRITE) {
			if (n) {
				xs_store_set_value(srv, n, e->value, e->len);
				xs_store_set_perms(srv, n, e->perms, e->nperms);
			} else if (!xs_store_create(srv, e->path, e->value, e->len, e->perms, e->nperms)) {
				continue;   /* out of memory: nothing sane left to do for this node */
			}
			xs_watch_fire(srv, e->path, e->perms, e->nperms, false);
		} else if (e->kind == TX_DEL && n && n->parent) {
			struct xs_permissions *p = xs_perms_dup(n->perms, n->nperms);
			uint32_t np = n->nperms;
			struct tx_entry *pe;
			bool top;
			xs_path_parent(e->path, parent);
			pe = tx_find(t, parent);
			top = !pe || pe->kind != TX_DEL;
			xs_store_remove(srv, n);
			if (top && p)
				xs_watch_fire(srv, e->path, p, np, true);
			free(p);
		}
	}
	return 0;
}
