/* xs_server.c - server and connection lifetime, message framing, bounded output buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "xs_internal.h"

void xs_limits_default(struct xs_limits *lim)
{
	/* Close to xenstored's defaults where it has one (1000 nodes, 2048-byte values,
	 * 128 watches, 10 transactions per domain). */
	lim->max_conns = 256;
	lim->max_conns_per_dom = 32;   /* one domain cannot take every connection slot */
	lim->max_nodes = 20000;
	lim->max_nodes_per_dom = 1000;
	lim->max_value_unpriv = 2048;
	lim->max_watches = 128;
	lim->max_watches_priv = 1024;
	lim->max_txns = 10;
	lim->max_txns_priv = 64;
	lim->max_tx_entries = 1024;
	lim->max_tx_bytes = 256u * 1024;
	lim->max_perms = 64;
	lim->max_output = 1u << 20;
}

/* Everything but the connections and the root node as xs_server_new makes it, then the domains
 * as xs_server_add_domain() of each makes them. 0 or -ENOMEM. */
static int server_init(struct xs_server *srv, const struct xs_limits *lim, const unsigned *domids,
		       unsigned ndomids)
{
	struct xs_dominfo *d0;
	unsigned i;

	if (lim)
		srv->lim = *lim;
	else
		xs_limits_default(&srv->lim);
	for (i = 0; i < srv->ndompages; i++)   /* the first page stays, zeroed; the others go */
		if (srv->dompages[i] != 0) {
			free(srv->dom[srv->dompages[i]]);
			srv->dom[srv->dompages[i]] = NULL;
		}
	srv->ndompages = 0;
	if (srv->dom[0]) {
		memset(srv->dom[0], 0, XS_DOM_PAGE * sizeof(*srv->dom[0]));
		srv->dompages[srv->ndompages++] = 0;
	}
	if (!(d0 = xs_dom_at(srv, 0)))
		return -ENOMEM;
	d0->introduced = 1;
	for (i = 0; i < ndomids; i++) {
		struct xs_dominfo *d = xs_dom_at(srv, domids[i]);
		if (!d)
			return -ENOMEM;
		d->introduced = 1;
	}
	srv->nnodes = 0;
	srv->next_txid = 0;
	srv->domain_cb = NULL;
	srv->domain_ctx = NULL;
	srv->log_cb = NULL;
	srv->log_ctx = NULL;
	memset(&srv->st, 0, sizeof(srv->st));
	return xs_store_reset(srv, domids, ndomids) ? -ENOMEM : 0;
}

struct xs_server *xs_server_new(const struct xs_limits *lim)
{
	static const struct xs_permissions dom0_only = { .id = 0, .perms = XS_PERM_NONE };
	struct xs_server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	srv->root = calloc(1, sizeof(*srv->root) + 1);   /* its name: "" */
	if (!srv->root)
		goto fail;
	srv->root->value = malloc(1);
	srv->root->perms = xs_perms_dup(&dom0_only, 1);
	if (!srv->root->value || !srv->root->perms || server_init(srv, lim, NULL, 0))
		goto fail;
	return srv;
fail:
	xs_server_free(srv);
	return NULL;
}

int xs_server_reset(struct xs_server *srv, const struct xs_limits *lim, const unsigned *domids,
		    unsigned ndomids)
{
	unsigned i, j;

	if (ndomids > XS_RESET_MAX_DOMAINS)
		return -EINVAL;
	for (i = 0; i < ndomids; i++) {
		if (domids[i] >= DOMID_FIRST_RESERVED)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (domids[j] == domids[i])
				return -EINVAL;
	}
	for (i = 0; srv->nconns && i < srv->nconns_slots; i++)
		if (srv->conns[i] && srv->conns[i]->in_use)
			xs_conn_close(srv, (int)i);
	return server_init(srv, lim, domids, ndomids);
}

void xs_server_free(struct xs_server *srv)
{
	unsigned i;

	if (!srv)
		return;
	for (i = 0; i < srv->nconns_slots; i++)
		if (srv->conns[i]) {
			xs_conn_close(srv, (int)i);
			free(srv->conns[i]->in);
			free(srv->conns[i]->out);
			free(srv->conns[i]);
		}
	free(srv->conns);
	if (srv->root)
		xs_store_free_tree(NULL, srv->root);
	for (i = 0; i < srv->ndompages; i++)
		free(srv->dom[srv->dompages[i]]);
	free(srv);
}

const struct xs_dominfo *xs_dom_peek(const struct xs_server *srv, unsigned domid)
{
	static const struct xs_dominfo none;
	const struct xs_dominfo *page = domid < XS_NDOMIDS ? srv->dom[domid / XS_DOM_PAGE] : NULL;

	return page ? &page[domid % XS_DOM_PAGE] : &none;
}

struct xs_dominfo *xs_dom_at(struct xs_server *srv, unsigned domid)
{
	struct xs_dominfo **page;

	if (domid >= XS_NDOMIDS)
		return NULL;
	page = &srv->dom[domid / XS_DOM_PAGE];
	if (!*page) {
		if (!(*page = calloc(XS_DOM_PAGE, sizeof(**page))))
			return NULL;
		srv->dompages[srv->ndompages++] = (uint16_t)(domid / XS_DOM_PAGE);
	}
	return &(*page)[domid % XS_DOM_PAGE];
}

void xs_server_set_domain_cb(struct xs_server *srv, xs_domain_cb *cb, void *ctx)
{
	srv->domain_cb = cb;
	srv->domain_ctx = ctx;
}

void xs_server_set_log_cb(struct xs_server *srv, xs_log_cb *cb, void *ctx)
{
	srv->log_cb = cb;
	srv->log_ctx = ctx;
}

int xs_server_add_domain(struct xs_server *srv, unsigned domid)
{
	char path[40];
	struct xs_permissions own = { .id = domid, .perms = XS_PERM_NONE };
	struct xs_dominfo *d;

	if (domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	xs_domain_path(path, domid);
	if (!(d = xs_dom_at(srv, domid)) ||
	    (!xs_store_lookup(srv, path) && !xs_store_create(srv, path, NULL, 0, &own, 1)))
		return -ENOMEM;
	d->introduced = 1;
	return 0;
}

bool xs_server_domain_known(const struct xs_server *srv, unsigned domid)
{
	return xs_dom_peek(srv, domid)->introduced;
}

struct xs_conn *xs_conn_get(struct xs_server *srv, int conn)
{
	struct xs_conn *c;

	/* (a negative conn is a huge unsigned: one compare for both ends; every call of the API
	 * comes through here) */
	if ((unsigned)conn >= srv->nconns_slots || !(c = srv->conns[conn]) || !c->in_use)
		return NULL;
	return c;
}

/* A slot as no connection left it: all zero but its input and output buffers, which the next
 * connection in the slot reuses (emptied; an output buffer grown past 16 KB goes). */
static void conn_clear(struct xs_conn *c)
{
	if (c->outcap > 16384) {
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	/* field by field: a memset of the struct went through ASan's memset interceptor (a shadow
	 * scan) twice per connection per fuzz input */
	c->in_use = c->doomed = false;
	c->domid = 0;
	c->inlen = 0;
	c->outlen = c->outoff = 0;
	c->watches = NULL;
	c->nwatches = 0;
	c->txns = NULL;
	c->ntxns = 0;
}

int xs_conn_open(struct xs_server *srv, unsigned domid)
{
	unsigned i, mine;
	struct xs_dominfo *d;
	struct xs_conn *c;

	if (srv->nconns >= srv->lim.max_conns || domid >= DOMID_FIRST_RESERVED)
		return -1;
	mine = xs_dom_peek(srv, domid)->conns;
	if (domid != 0 && mine >= srv->lim.max_conns_per_dom)
		return -1;
	if (!(d = xs_dom_at(srv, domid)))
		return -1;
	for (i = srv->free_hint; i < srv->nconns_slots && srv->conns[i] && srv->conns[i]->in_use; i++)
		;
	if (i == srv->nconns_slots) {
		unsigned n = srv->nconns_slots ? srv->nconns_slots * 2 : 8;
		struct xs_conn **nc = realloc(srv->conns, n * sizeof(*nc));
		if (!nc)
			return -1;
		memset(nc + srv->nconns_slots, 0, (n - srv->nconns_slots) * sizeof(*nc));
		srv->conns = nc;
		srv->nconns_slots = n;
	}
	if (!srv->conns[i] && !(srv->conns[i] = calloc(1, sizeof(*c))))
		return -1;
	c = srv->conns[i];
	conn_clear(c);
	c->in_use = true;
	c->domid = (uint16_t)domid;
	d->conns++;
	srv->nconns++;
	srv->free_hint = i + 1;
	return (int)i;
}

void xs_conn_close(struct xs_server *srv, int conn)
{
	struct xs_conn *c = xs_conn_get(srv, conn);
	struct xs_txn *t;

	if (!c)
		return;
	xs_watch_clear(srv, c);
	while ((t = c->txns)) {
		c->txns = t->next;
		xs_txn_free(t);
	}
	xs_dom_at(srv, c->domid)->conns--;   /* its page exists: the open counted it */
	if (c->doomed)
		srv->ndoomed--;
	conn_clear(c);
	srv->nconns--;
	if ((unsigned)conn < srv->free_hint)
		srv->free_hint = (unsigned)conn;
}

void xs_conn_doom(struct xs_server *srv, struct xs_conn *c)
{
	if (!c->doomed) {
		c->doomed = true;
		srv->ndoomed++;
	}
}

unsigned xs_server_ndoomed(const struct xs_server *srv)
{
	return srv->ndoomed;
}

/* Queue one message (header + two payload parts). A connection whose output would exceed
 * max_output is doomed instead: silently dropping a reply or event would desynchronise it. */
void xs_send(struct xs_server *srv, struct xs_conn *c, uint32_t type, uint32_t req_id,
	     uint32_t tx_id, const void *a, size_t alen, const void *b, size_t blen)
{
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx_id };
	size_t need = XS_HDR_LEN + alen + blen;

	if (c->doomed)
		return;
	if (alen + blen > XENSTORE_PAYLOAD_MAX) {   /* never send what a client must reject */
		static const char e2big[] = "E2BIG";
		xs_send(srv, c, XS_ERROR, req_id, tx_id, e2big, sizeof(e2big), NULL, 0);
		return;
	}
	if (c->outoff && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen - c->outoff + need > srv->lim.max_output) {
		xs_conn_doom(srv, c);
		return;
	}
	if (c->outlen + need > c->outcap) {
		size_t cap;
		uint8_t *o;
		if (c->outoff) {   /* compact before growing */
			memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
			c->outlen -= c->outoff;
			c->outoff = 0;
		}
		cap = c->outcap ? c->outcap : 256;   /* most replies are a few dozen bytes */
		while (cap < c->outlen + need)
			cap *= 2;
		if (cap != c->outcap) {
			if (!(o = realloc(c->out, cap))) {
				xs_conn_doom(srv, c);
				return;
			}
			c->out = o;
			c->outcap = cap;
		}
	}
	h.len = (uint32_t)(alen + blen);
	memcpy(c->out + c->outlen, &h, XS_HDR_LEN);
	if (alen)
		memcpy(c->out + c->outlen + XS_HDR_LEN, a, alen);
	if (blen)
		memcpy(c->out + c->outlen + XS_HDR_LEN + alen, b, blen);
	c->outlen += need;
}

/* Room for `need` bytes of the message being received (need <= XS_HDR_LEN + XENSTORE_PAYLOAD_MAX). */
static bool in_reserve(struct xs_conn *c, uint32_t need)
{
	uint32_t cap = c->incap ? c->incap : 64;
	uint8_t *p;

	if (need <= c->incap)
		return true;
	while (cap < need)
		cap *= 2;
	if (cap > XS_HDR_LEN + XENSTORE_PAYLOAD_MAX)
		cap = XS_HDR_LEN + XENSTORE_PAYLOAD_MAX;
	if (!(p = realloc(c->in, cap)))
		return false;
	c->in = p;
	c->incap = cap;
	return true;
}

int xs_handle_bytes(struct xs_server *srv, int conn, const uint8_t *data, size_t len)
{
	struct xs_conn *c = xs_conn_get(srv, conn);

	if (!c)
		return -1;
	while (len && !c->doomed) {
		struct xsd_sockmsg h;
		uint32_t want = XS_HDR_LEN;
		size_t take;

		if (c->inlen >= XS_HDR_LEN) {
			memcpy(&h, c->in, XS_HDR_LEN);
			want += h.len;
		}
		take = want - c->inlen < len ? want - c->inlen : len;
		if (!in_reserve(c, c->inlen + (uint32_t)take)) {
			xs_conn_doom(srv, c);   /* out of memory: as for output, the connection must go */
			break;
		}
		memcpy(c->in + c->inlen, data, take);
		c->inlen += (uint32_t)take;
		data += take;
		len -= take;
		if (c->inlen == XS_HDR_LEN) {
			memcpy(&h, c->in, XS_HDR_LEN);
			if (h.len > XENSTORE_PAYLOAD_MAX) {
				/* Framing is lost: answer once, then the connection must go. */
				static const char e2big[] = "E2BIG";
				xs_send(srv, c, XS_ERROR, h.req_id, h.tx_id, e2big, sizeof(e2big), NULL, 0);
				srv->st.errors++;
				c->inlen = 0;
				return -1;
			}
		}
		if (c->inlen >= XS_HDR_LEN) {
			memcpy(&h, c->in, XS_HDR_LEN);
			if (c->inlen == XS_HDR_LEN + h.len) {
				c->inlen = 0;
				srv->st.requests++;
				xs_dispatch(srv, c, &h, c->in + XS_HDR_LEN);
			}
		}
	}
	return 0;
}

size_t xs_conn_output(struct xs_server *srv, int conn, const uint8_t **data)
{
	struct xs_conn *c = xs_conn_get(srv, conn);

	if (!c || c->outlen == c->outoff) {
		*data = NULL;
		return 0;
	}
	*data = c->out + c->outoff;
	return c->outlen - c->outoff;
}

void xs_conn_consume(struct xs_server *srv, int conn, size_t n)
{
	struct xs_conn *c = xs_conn_get(srv, conn);

	if (!c)
		return;
	if (n > c->outlen - c->outoff)
		n = c->outlen - c->outoff;
	c->outoff += n;
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
}

bool xs_conn_doomed(struct xs_server *srv, int conn)
{
	struct xs_conn *c = xs_conn_get(srv, conn);

	return !c || c->doomed;
}

unsigned xs_conn_domid(struct xs_server *srv, int conn)
{
	struct xs_conn *c = xs_conn_get(srv, conn);

	return c ? c->domid : 0;
}

void xs_server_stats(const struct xs_server *srv, struct xs_stats *st)
{
	unsigned i;

	*st = srv->st;
	st->conns = srv->nconns;
	st->nodes = srv->nnodes;
	st->watches = st->txns = 0;
	for (i = 0; i < srv->nconns_slots; i++)
		if (srv->conns[i] && srv->conns[i]->in_use) {
			st->watches += srv->conns[i]->nwatches;
			st->txns += srv->conns[i]->ntxns;
		}
}
