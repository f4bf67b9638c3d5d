/* xs_store.c - the main store: a tree of nodes with values, permissions and generations.
 * Every change bumps the node's generation (and the parent's when its child list changes):
 * transactions compare generations to detect conflicting writes. Node counts per owner feed
 * the quota. */
#include <stdio.h>
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

/* The owner's entry of the per-domid table exists before a node is counted for it (the callers
 * make sure: can_own), so counting never allocates and never fails. */
static void account(struct xs_server *srv, const struct xs_node *n, int delta)
{
	struct xs_dominfo *d;

	if (n->nperms && (d = xs_dom_at(srv, n->perms[0].id)))
		d->owned += (uint32_t)delta;
	srv->nnodes += (unsigned)delta;
}

/* Room in the per-domid table for the owner of a permission list: false on ENOMEM. */
static bool can_own(struct xs_server *srv, const struct xs_permissions *perms, uint32_t nperms)
{
	return !nperms || xs_dom_at(srv, perms[0].id);
}

/* Room for one more child of `parent`. */
static bool kids_room(struct xs_node *parent)
{
	if (parent->nkids == parent->capkids) {
		uint32_t cap = parent->capkids ? parent->capkids * 2 : 4;
		struct xs_node **k = realloc(parent->kids, cap * sizeof(*k));
		if (!k)
			return false;
		parent->kids = k;
		parent->capkids = cap;
	}
	return true;
}

/* Create `path` whose parent must exist and which must not. NULL on ENOMEM/EEXIST/ENOENT. */
struct xs_node *xs_store_create(struct xs_server *srv, const char *path,
				const uint8_t *value, uint32_t len,
				const struct xs_permissions *perms, uint32_t nperms)
{
	char parent_path[XS_PATH_BUF];
	struct xs_node *parent, *n;
	const char *name;
	size_t namelen;

	if (xs_path_parent(path, parent_path) || !(parent = xs_store_lookup(srv, parent_path)))
		return NULL;
	name = strrchr(path, '/') + 1;
	namelen = strlen(name);
	if (!namelen || find_kid(parent, name, namelen) || !can_own(srv, perms, nperms))
		return NULL;
	if (!kids_room(parent))
		return NULL;
	n = calloc(1, sizeof(*n) + namelen + 1);
	if (!n)
		return NULL;
	memcpy(n->name, name, namelen + 1);
	n->perms = xs_perms_dup(perms, nperms);
	n->value = malloc(len ? len : 1);
	if (!n->perms || !n->value) {
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
	struct xs_permissions *p;

	if (!can_own(srv, perms, nperms) || !(p = xs_perms_dup(perms, nperms)))
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

/* A node kept by a reset (detached from its parent, which is `parent` again), made as
 * xs_store_create would make it now: empty, `perms` alone, no children, the next generation,
 * counted. Its value and perms buffers are reused (each holds at least one entry). */
static bool remake(struct xs_server *srv, struct xs_node *parent, struct xs_node *n,
		   const struct xs_permissions *perms)
{
	uint32_t i;

	if (!can_own(srv, perms, 1) || (parent && !kids_room(parent)))
		return false;
	for (i = 0; i < n->nkids; i++)
		xs_store_free_tree(NULL, n->kids[i]);
	n->nkids = 0;
	n->len = 0;
	n->perms[0] = *perms;
	n->nperms = 1;
	n->gen = 0;
	if (parent) {
		n->gen = ++srv->gen;
		parent->gen = srv->gen;
		parent->kids[parent->nkids++] = n;
	}
	account(srv, n, 1);
	return true;
}

/* Detach every child of `n`; the first one named `name` is returned (or NULL), the others freed. */
static struct xs_node *take_kid(struct xs_node *n, const char *name)
{
	struct xs_node *kept = NULL;
	uint32_t i;

	for (i = 0; i < n->nkids; i++)
		if (!kept && strcmp(n->kids[i]->name, name) == 0)
			kept = n->kids[i];
		else
			xs_store_free_tree(NULL, n->kids[i]);
	n->nkids = 0;
	return kept;
}

/* A domid's decimal digits (it is below 65536), as "%u" gives them: a reset runs per fuzz input. */
static void domid_name(char out[8], unsigned domid)
{
	char tmp[8];
	int n = 0, k = 0;

	do
		tmp[n++] = (char)('0' + domid % 10);
	while ((domid /= 10) && n < 7);
	while (n)
		out[k++] = tmp[--n];
	out[k] = '\0';
}

/* The store of xs_server_new() followed by xs_server_add_domain() of each of `domids` (at most
 * XS_RESET_MAX_DOMAINS, distinct, below DOMID_FIRST_RESERVED): /, /local, /local/domain and
 * /local/domain/<domid>, empty, dom0's (each domain's directory its own), with the generations
 * and counts their creation in that order gives them. Nodes of the store before on those paths
 * are kept and made so, their buffers reused; every other node is freed. The caller has zeroed
 * the counts. 0 or ENOMEM. */
int xs_store_reset(struct xs_server *srv, const unsigned *domids, unsigned ndomids)
{
	static const struct xs_permissions dom0_only = { .id = 0, .perms = XS_PERM_NONE };
	struct xs_node *local, *domain = NULL, *keep[XS_RESET_MAX_DOMAINS] = { NULL };
	char names[XS_RESET_MAX_DOMAINS][8], path[40];
	bool local_in = false, domain_in = false;   /* back in the tree */
	unsigned i;
	int rc = ENOMEM;

	srv->gen = 0;
	local = take_kid(srv->root, "local");
	if (local)
		domain = take_kid(local, "domain");
	for (i = 0; i < ndomids; i++)
		domid_name(names[i], domids[i]);
	if (domain) {   /* its children: the domains' directories kept aside, the others freed */
		uint32_t k;
		for (k = 0; k < domain->nkids; k++) {
			for (i = 0; i < ndomids; i++)
				if (!keep[i] && strcmp(names[i], domain->kids[k]->name) == 0)
					break;
			if (i < ndomids)
				keep[i] = domain->kids[k];
			else
				xs_store_free_tree(NULL, domain->kids[k]);
		}
		domain->nkids = 0;
	}
	if (!remake(srv, NULL, srv->root, &dom0_only))
		goto out;
	if (local ? !remake(srv, srv->root, local, &dom0_only) :
	    !(local = xs_store_create(srv, "/local", NULL, 0, &dom0_only, 1)))
		goto out;
	local_in = true;
	if (domain ? !remake(srv, local, domain, &dom0_only) :
	    !(domain = xs_store_create(srv, "/local/domain", NULL, 0, &dom0_only, 1)))
		goto out;
	domain_in = true;
	for (i = 0; i < ndomids; i++) {
		struct xs_permissions own = { .id = domids[i], .perms = XS_PERM_NONE };
		if (keep[i]) {
			if (!remake(srv, domain, keep[i], &own))
				goto out;
			keep[i] = NULL;
			continue;
		}
		xs_domain_path(path, domids[i]);
		if (!xs_store_create(srv, path, NULL, 0, &own, 1))
			goto out;
	}
	rc = 0;
out:   /* on failure the nodes not back in the tree go: the tree is whole, if short */
	if (local && !local_in)
		xs_store_free_tree(NULL, local);
	if (domain && !domain_in)
		xs_store_free_tree(NULL, domain);
	for (i = 0; i < ndomids; i++)
		if (keep[i])
			xs_store_free_tree(NULL, keep[i]);
	return rc;
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
