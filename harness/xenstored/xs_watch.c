/* xs_watch.c - watches: registration (fires once at once), matching a change against every
 * connection's watches, and the special @introduceDomain / @releaseDomain events.
 * A change of <path> matches a watch on any parent of it; the recursive removal of a parent of
 * a watched path reports the watched path itself. Events go only to connections that may read
 * the changed node, special events only to privileged connections. */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "xs_internal.h"

static void send_event(struct xs_server *srv, struct xs_conn *c, const struct xs_watch *w,
		       const char *abs_path)
{
	const char *p = abs_path;

	if (w->relative) {
		p = xs_path_strip_domain(c->domid, abs_path);
		if (!p)
			return;
	}
	xs_send(srv, c, XS_WATCH_EVENT, 0, 0, p, strlen(p) + 1, w->token, strlen(w->token) + 1);
	srv->st.events++;
}

int xs_watch_add(struct xs_server *srv, struct xs_conn *c, const char *path, const char *token)
{
	char abs[XS_PATH_BUF];
	struct xs_watch *w;
	bool relative = false;
	size_t pl, tl;
	unsigned max = c->domid == 0 ? srv->lim.max_watches_priv : srv->lim.max_watches;
	int rc;

	if ((rc = xs_path_canon(c->domid, path, abs, &relative)))
		return rc;
	for (w = c->watches; w; w = w->next)
		if (strcmp(w->path, abs) == 0 && strcmp(w->token, token) == 0)
			return EEXIST;
	if (c->nwatches >= max)
		return E2BIG;
	/* one allocation: the watch, then its path and token (ASan's redzone past the token) */
	pl = strlen(abs) + 1;
	tl = strlen(token) + 1;
	w = calloc(1, sizeof(*w) + pl + tl);
	if (!w)
		return ENOMEM;
	w->path = w->strings;
	w->token = w->strings + pl;
	memcpy(w->path, abs, pl);
	memcpy(w->token, token, tl);
	w->relative = relative;
	w->next = c->watches;
	c->watches = w;
	c->nwatches++;
	return 0;
}

/* The first event of a new watch, sent after its OK reply. */
void xs_watch_fire_initial(struct xs_server *srv, struct xs_conn *c, const char *path, const char *token)
{
	xs_send(srv, c, XS_WATCH_EVENT, 0, 0, path, strlen(path) + 1, token, strlen(token) + 1);
	srv->st.events++;
}

int xs_watch_remove(struct xs_server *srv, struct xs_conn *c, const char *path, const char *token)
{
	char abs[XS_PATH_BUF];
	struct xs_watch **pp, *w;
	int rc;

	if ((rc = xs_path_canon(c->domid, path, abs, NULL)))
		return rc;
	for (pp = &c->watches; (w = *pp); pp = &w->next)
		if (strcmp(w->path, abs) == 0 && strcmp(w->token, token) == 0) {
			*pp = w->next;
			free(w);
			c->nwatches--;
			return 0;
		}
	return ENOENT;
}

void xs_watch_clear(struct xs_server *srv, struct xs_conn *c)
{
	struct xs_watch *w;

	while ((w = c->watches)) {
		c->watches = w->next;
		free(w);
	}
	c->nwatches = 0;
}

/* A node at `path` with permissions p changed (removed: it and its subtree were deleted). */
void xs_watch_fire(struct xs_server *srv, const char *path, const struct xs_permissions *p,
		   uint32_t n, bool removed)
{
	unsigned i;

	for (i = 0; i < srv->nconns_slots; i++) {
		struct xs_conn *c = srv->conns[i];
		struct xs_watch *w;
		if (!c || !c->in_use || c->doomed)
			continue;
		if (!(xs_perm_access(srv, c->domid, p, n) & XS_PERM_READ))
			continue;
		for (w = c->watches; w && !c->doomed; w = w->next) {
			if (w->path[0] == '@')
				continue;
			if (xs_path_is_child(path, w->path))
				send_event(srv, c, w, path);
			else if (removed && xs_path_is_child(w->path, path))
				send_event(srv, c, w, w->path);
		}
	}
}

void xs_watch_fire_special(struct xs_server *srv, const char *name)
{
	unsigned i;

	for (i = 0; i < srv->nconns_slots; i++) {
		struct xs_conn *c = srv->conns[i];
		struct xs_watch *w;
		if (!c || !c->in_use || c->doomed || c->domid != 0)
			continue;
		for (w = c->watches; w && !c->doomed; w = w->next)
			if (strcmp(w->path, name) == 0)
				send_event(srv, c, w, name);
	}
}
