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

struct xs_server *xs_server_new(const struct xs_limits *lim)
{
	static const struct xs_permissions dom0_only = { .id = 0, .perms = XS_PERM_NONE };
	struct xs_server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	if (lim)
		srv->lim = *lim;
	else
		xs_limits_default(&srv->lim);
	srv->owned = calloc(XS_NDOMIDS, sizeof(*srv->owned));
	srv->introduced = calloc(XS_NDOMIDS, 1);
	srv->target = calloc(XS_NDOMIDS, sizeof(*srv->target));
	srv->root = calloc(1, sizeof(*srv->root));
	if (!srv->owned || !srv->introduced || !srv->target || !srv->root)
		goto fail;
	srv->root->name = strdup("");
	srv->root->value = malloc(1);
	srv->root->perms = xs_perms_dup(&dom0_only, 1);
	if (!srv->root->name || !srv->root->value || !srv->root->perms)
		goto fail;
	srv->root->nperms = 1;
	srv->nnodes = 1;
	srv->owned[0] = 1;
	srv->introduced[0] = 1;
	if (!xs_store_create(srv, "/local", NULL, 0, &dom0_only, 1) ||
	    !xs_store_create(srv, "/local/domain", NULL, 0, &dom0_only, 1))
		goto fail;
	return srv;
fail:
	xs_server_free(srv);
	return NULL;
}

void xs_server_free(struct xs_server *srv)
{
	unsigned i;

	if (!srv)
		return;
	for (i = 0; i < srv->nconns_slots; i++)
		if (srv->conns[i]) {
			xs_conn_close(srv, (int)i);
			free(srv->conns[i]);
		}
	free(srv->conns);
	if (srv->root)
		xs_store_free_tree(NULL, srv->root);
	free(srv->owned);
	free(srv->introduced);
	free(srv->target);
	free(srv);
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

	if (domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	if (!xs_store_lookup(srv, path) && !xs_store_create(srv, path, NULL, 0, &own, 1))
		return -ENOMEM;
	srv->introduced[domid] = 1;
	return 0;
}

bool xs_server_domain_known(const struct xs_server *srv, unsigned domid)
{
	return domid < XS_NDOMIDS && srv->introduced[domid];
}

struct xs_conn *xs_conn_get(struct xs_server *srv, int conn)
{
	if (conn < 0 || (unsigned)conn >= srv->nconns_slots || !srv->conns[conn] ||
	    !srv->conns[conn]->in_use)
		return NULL;
	return srv->conns[conn];
}

int xs_conn_open(struct xs_server *srv, unsigned domid)
{
	unsigned i, mine = 0;
	struct xs_conn *c;

	if (srv->nconns >= srv->lim.max_conns || domid >= DOMID_FIRST_RESERVED)
		return -1;
	for (i = 0; domid != 0 && i < srv->nconns_slots; i++)
		mine += srv->conns[i] && srv->conns[i]->in_use && srv->conns[i]->domid == domid;
	if (domid != 0 && mine >= srv->lim.max_conns_per_dom)
		return -1;
	for (i = 0; i < srv->nconns_slots && srv->conns[i] && srv->conns[i]->in_use; i++)
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
	memset(c, 0, sizeof(*c));
	c->in_use = true;
	c->domid = (uint16_t)domid;
	srv->nconns++;
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
	free(c->out);
	memset(c, 0, sizeof(*c));
	srv->nconns--;
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
		c->doomed = true;
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
		cap = c->outcap ? c->outcap : 4096;
		while (cap < c->outlen + need)
			cap *= 2;
		if (cap != c->outcap) {
			if (!(o = realloc(c->out, cap))) {
				c->doomed = true;
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
