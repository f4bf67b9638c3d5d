/* xs_store.c - the main store: a tree of nodes with values, permissions and generations.
 * Every change bumps the node's generation (and the parent's when its child list changes):
 * transactions compare generations to detect conflicting writes. Node counts per owner feed
 * the quota. */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "xs_internal.h"

static struct xs_node *find_kid(const struct xs_node *n, const char *name, size_t len)
{
	uint32_t i;

	for (i = 0; i < n->nkids; i++)
		if (strncmp(n->kids[i]->name, name, len) == 0 && n->kids[i]->name[len] == '\0')
			return n->kids[i];
	return NULL;
}

/* Walk `path` as far as it exists. *rest is set to the unmatched tail ("" when found). */
static struct xs_node *walk(struct xs_server *srv, const char *path, const char **rest)
{
	struct xs_node *n = srv->root;
	const char *p = path + 1;   /* skip the leading '/' */

	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		struct xs_node *k = find_kid(n, p, len);
		if (!k)
			break;
		n = k;
		p += len;
		if (*p == '/')
			p++;
	}
	*rest = p;
	return n;
}

struct xs_node *xs_store_lookup(struct xs_server *srv, const char *path)
{
	const char *rest;
	struct xs_node *n;

	if (path[0] != '/')
		return NULL;
	n = walk(srv, path, &rest);
	return *rest ? NULL : n;
}

/* The deepest existing node on the way to `path` (the node itself if it exists). */
struct xs_node *xs_store_nearest(struct xs_server *srv, const char *path)
{
	const char *rest;

	return walk(srv, path, &rest);
}

static void account(struct xs_server *srv, const struct xs_node *n, int delta)
{
	if (n->nperms)
		srv->owned[n->perms[0].id] += (uint32_t)delta;
	srv->nnodes += (unsigned)delta;
}

/* Create `path` whose parent must exist and which must not. NULL on ENOMEM/EEXIST/ENOENT. */
struct xs_node *xs_store_create(struct xs_server *srv, const char *path,
				const uint8_t *value, uint32_t len,
				const struct xs_permissions *perms, uint32_t nperms)
{
	char parent_path[XS_PATH_BUF];
	struct xs_node *parent, *n;
	const char *name;

	if (xs_path_parent(path, parent_path) || !(parent = xs_store_lookup(srv, parent_path)))
		return NULL;
	name = strrchr(path, '/') + 1;
	if (!*name || find_kid(parent, name, strlen(name)))
		return NULL;
	if (parent->nkids == parent->capkids) {
		uint32_t cap = parent->capkids ? parent->capkids * 2 : 4;
		struct xs_node **k = realloc(parent->kids, cap * sizeof(*k));
		if (!k)
			return NULL;
		parent->kids = k;
		parent->capkids = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->name = strdup(name);
	n->perms = xs_perms_dup(perms, nperms);
	n->value = malloc(len ? len : 1);
	if (!n->name || !n->perms || !n->value) {
		free(n->name);
		free(n->perms);
		free(n->value);
		free(n);
		return NULL;
	}
	if (len)
		memcpy(n->value, value, len);
	n->len = len;
	n->nperms = nperms;
	n->parent = parent;
	n->gen = ++srv->gen;
	parent->gen = srv->gen;
	parent->kids[parent->nkids++] = n;
	account(srv, n, 1);
	return n;
}

int xs_store_set_value(struct xs_server *srv, struct xs_node *n, const uint8_t *value, uint32_t len)
{
	uint8_t *v = malloc(len ? len : 1);

	if (!v)
		return ENOMEM;
	if (len)
		memcpy(v, value, len);
	free(n->value);
	n->value = v;
	n->len = len;
	n->gen = ++srv->gen;
	return 0;
}

int xs_store_set_perms(struct xs_server *srv, struct xs_node *n,
		       const struct xs_permissions *perms, uint32_t nperms)
{
	struct xs_permissions *p = xs_perms_dup(perms, nperms);

	if (!p)
		return ENOMEM;
	account(srv, n, -1);
	free(n->perms);
	n->perms = p;
	n->nperms = nperms;
	account(srv, n, 1);
	n->gen = ++srv->gen;
	return 0;
}

void xs_store_free_tree(struct xs_server *srv, struct xs_node *n)
{
	uint32_t i;

	for (i = 0; i < n->nkids; i++)
		xs_store_free_tree(srv, n->kids[i]);
	if (srv)
		account(srv, n, -1);
	free(n->kids);
	free(n->name);
	free(n->value);
	free(n->perms);
	free(n);
}

/* Remove a node and its subtree (never the root). */
void xs_store_remove(struct xs_server *srv, struct xs_node *n)
{
	struct xs_node *p = n->parent;
	uint32_t i;

	if (!p)
		return;
	for (i = 0; i < p->nkids; i++)
		if (p->kids[i] == n) {   /* keep the others in creation order */
			memmove(&p->kids[i], &p->kids[i + 1], (p->nkids - i - 1) * sizeof(*p->kids));
			p->nkids--;
			break;
		}
	p->gen = ++srv->gen;
	xs_store_free_tree(srv, n);
}

/* Absolute path of a node into buf; its length, or 0 if it does not fit. */
size_t xs_node_path(const struct xs_node *n, char *buf, size_t cap)
{
	size_t len;

	if (!n->parent) {
		if (cap < 2)
			return 0;
		strcpy(buf, "/");
		return 1;
	}
	len = n->parent->parent ? xs_node_path(n->parent, buf, cap) : 0;
	if (n->parent->parent && len == 0)
		return 0;
	if (len + 1 + strlen(n->name) + 1 > cap)
		return 0;
	buf[len] = '/';
	strcpy(buf + len + 1, n->name);
	return len + 1 + strlen(n->name);
}
