/* broker_gnttab.c - grant mapping as Xen's common/grant_table.c does it, on entries in memfds.
 *
 * The grant entries are written by the guest process into its memfd while we read them, so every
 * access to them is atomic. Validation happens only when the first pin (or the first write pin)
 * is taken; later guest edits of the entry neither revoke nor redirect an existing pin.
 */
#include <string.h>
#include "broker.h"

static volatile uint32_t *v1_combo(struct mp_domain *d, uint32_t ref)
{
	return (volatile uint32_t *)(d->mem + MP_GT_OFFSET + (uint64_t)ref * sizeof(grant_entry_v1_t));
}

static grant_entry_v1_t *v1_ent(struct mp_domain *d, uint32_t ref)
{
	return (grant_entry_v1_t *)(d->mem + MP_GT_OFFSET) + ref;
}

static grant_entry_v2_t *v2_ent(struct mp_domain *d, uint32_t ref)
{
	return (grant_entry_v2_t *)(d->mem + MP_GT_OFFSET) + ref;
}

static volatile uint16_t *v2_status(struct mp_domain *d, uint32_t ref)
{
	return (volatile uint16_t *)(d->mem + MP_STATUS_OFFSET) + ref;
}

/* Where GTF_reading/GTF_writing live for this ref: the entry (v1) or the status frame (v2). */
static volatile uint16_t *busy_word(struct mp_domain *d, uint32_t ref)
{
	return d->version == 2 ? v2_status(d, ref) : (volatile uint16_t *)v1_combo(d, ref);
}

/* The pins on a ref known to be in range (the sweeps over every ref: no bounds compare each). */
static inline unsigned pins_of(const struct mp_domain *d, uint32_t ref)
{
	return d->active[ref].rd_pins + d->active[ref].wr_pins;
}

unsigned mp_ref_pins(struct mp_domain *d, uint32_t ref)
{
	if (ref >= MP_NR_GRANTS)
		return 0;
	return pins_of(d, ref);
}

/* v1: check type/domid/readonly and set the busy bits with a cmpxchg on {flags, domid}. */
static int16_t set_status_v1(struct mp_domain *d, uint32_t ref, domid_t mapper, int ro, uint64_t *frame)
{
	volatile uint32_t *combo = v1_combo(d, ref);
	uint32_t cur = __atomic_load_n(combo, __ATOMIC_SEQ_CST);
	for (int retry = 0;; retry++) {
		uint16_t flags = cur & 0xffff, domid = cur >> 16;
		if ((flags & GTF_type_mask) != GTF_permit_access || domid != mapper)
			return GNTST_general_error;
		if (!ro && (flags & GTF_readonly))
			return GNTST_general_error;
		uint32_t want = cur | GTF_reading | (ro ? 0 : GTF_writing);
		if (__atomic_compare_exchange_n(combo, &cur, want, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
		if (retry >= MP_SET_STATUS_RETRIES)
			return GNTST_general_error; /* the guest keeps changing the entry: "unstable" */
	}
	*frame = __atomic_load_n(&v1_ent(d, ref)->frame, __ATOMIC_SEQ_CST);
	return GNTST_okay;
}

/* v2: check the header, set bits in the status frame, then re-check the header so a guest that
 * cleared it concurrently (clear header, mb, check status) sees either the bits or a failure. */
static int16_t set_status_v2(struct mp_domain *d, uint32_t ref, domid_t mapper, int ro, uint64_t *frame)
{
	grant_entry_v2_t *e = v2_ent(d, ref);
	uint16_t flags = __atomic_load_n(&e->hdr.flags, __ATOMIC_SEQ_CST);
	uint16_t domid = __atomic_load_n(&e->hdr.domid, __ATOMIC_SEQ_CST);
	if ((flags & GTF_type_mask) != GTF_permit_access || domid != mapper)
		return GNTST_general_error;
	if (!ro && (flags & GTF_readonly))
		return GNTST_general_error;
	uint16_t bits = GTF_reading | (ro ? 0 : GTF_writing);
	uint16_t old = __atomic_fetch_or(v2_status(d, ref), bits, __ATOMIC_SEQ_CST);
	uint16_t f2 = __atomic_load_n(&e->hdr.flags, __ATOMIC_SEQ_CST);
	uint16_t d2 = __atomic_load_n(&e->hdr.domid, __ATOMIC_SEQ_CST);
	if (d2 != mapper || (f2 & GTF_type_mask) != GTF_permit_access || (!ro && (f2 & GTF_readonly))) {
		__atomic_fetch_and(v2_status(d, ref), (uint16_t)~(bits & ~old), __ATOMIC_SEQ_CST);
		return GNTST_general_error;
	}
	*frame = __atomic_load_n(&e->full_page.frame, __ATOMIC_SEQ_CST);
	return GNTST_okay;
}

/* Take one pin on (d, ref) for `mapper`, validating when Xen would. */
static int16_t pin(struct mp_domain *d, uint32_t ref, domid_t mapper, int ro, uint64_t *frame)
{
	struct mp_active *act = &d->active[ref];
	if (act->rd_pins + act->wr_pins && act->domid != mapper)
		return GNTST_general_error;
	if (!(act->rd_pins + act->wr_pins) || (!ro && !act->wr_pins)) {
		uint64_t f = 0;
		int16_t rc = d->version == 2 ? set_status_v2(d, ref, mapper, ro, &f)
					     : set_status_v1(d, ref, mapper, ro, &f);
		if (rc != GNTST_okay)
			return rc;
		if (!(act->rd_pins + act->wr_pins)) {
			if (f >= MP_NR_PAGES) { /* a frame the domain does not own: undo the bits */
				__atomic_fetch_and(busy_word(d, ref), (uint16_t)~(GTF_reading | GTF_writing),
						   __ATOMIC_SEQ_CST);
				return GNTST_bad_page;
			}
			if (ref < d->act_lo) /* what mp_broker_reset clears */
				d->act_lo = (uint16_t)ref;
			if (ref >= d->act_hi)
				d->act_hi = (uint16_t)(ref + 1);
			act->domid = mapper;
			act->frame = f;
		}
	}
	if (ro)
		act->rd_pins++;
	else
		act->wr_pins++;
	*frame = act->frame;
	return GNTST_okay;
}

/* Drop one pin; clear GTF_writing with the last write pin and GTF_reading with the last pin. */
static void unpin(struct mp_domain *d, uint32_t ref, int ro)
{
	struct mp_active *act = &d->active[ref];
	if (ro) {
		if (act->rd_pins)
			act->rd_pins--;
	} else if (act->wr_pins) {
		act->wr_pins--;
	}
	uint16_t clear = 0;
	if (!act->wr_pins)
		clear |= GTF_writing;
	if (!act->rd_pins && !act->wr_pins)
		clear |= GTF_reading;
	if (clear)
		__atomic_fetch_and(busy_word(d, ref), (uint16_t)~clear, __ATOMIC_SEQ_CST);
	if (!act->rd_pins && !act->wr_pins) {
		struct mp_share_ent *s = &d->shares[ref];
		if (s->in_use && s->orphaned)
			mp_gnt_share_end(NULL, d, ref);
		if (ref >= MP_POOL_FIRST_REF && ref < d->free_ref) /* free for a share again */
			d->free_ref = (uint16_t)ref;
	}
}

int16_t mp_gnt_map(struct mp_broker *b, struct mp_client *c, uint32_t granter, uint32_t ref, int ro,
		   uint32_t *handle, uint64_t *frame)
{
	struct mp_domain *d = mp_dom(b, granter);
	if (!d)
		return GNTST_bad_domain;
	if (ref >= MP_NR_GRANTS)
		return GNTST_bad_gntref;
	uint32_t h;
	for (h = 0; h < MP_MAX_MAPS && c->maps[h].in_use; h++)
		;
	if (h == MP_MAX_MAPS)
		return GNTST_no_space;
	int16_t rc = pin(d, ref, c->dom, ro, frame);
	if (rc != GNTST_okay)
		return rc;
	c->maps[h] = (struct mp_maph){ .in_use = 1, .readonly = !!ro, .granter = granter, .ref = ref };
	if (h >= c->maps_hw)
		c->maps_hw = h + 1;
	c->nmaps++;
	*handle = h;
	b->st.live_maps++;
	b->st.maps_total++;
	return GNTST_okay;
}

int16_t mp_gnt_unmap(struct mp_broker *b, struct mp_client *c, uint32_t handle)
{
	if (handle >= MP_MAX_MAPS || !c->maps[handle].in_use)
		return GNTST_bad_handle;
	struct mp_maph *m = &c->maps[handle];
	struct mp_domain *d = mp_dom(b, m->granter);
	if (d) {
		uint8_t *page = d->mem + d->active[m->ref].frame * MP_PAGE;
		/* gntdev's unmap notification: clear a byte (writable maps only), then the event. */
		if ((m->notify_flags & MP_MAP_NOTIFY_BYTE) && !m->readonly && m->notify_off < MP_PAGE) {
			__atomic_store_n(page + m->notify_off, 0, __ATOMIC_SEQ_CST);
			mp_mem_dirty(d, d->active[m->ref].frame * MP_PAGE + m->notify_off, 1);
		}
		unpin(d, m->ref, m->readonly);
	}
	if (m->notify_flags & MP_MAP_NOTIFY_EVENT) { /* after the unmap, then the port's reference goes */
		mp_evt_send_from(b, c->dom, m->notify_port);
		mp_evt_port_put(b, c->dom, m->notify_port);
	}
	memset(m, 0, sizeof(*m));
	c->nmaps--;
	b->st.live_maps--;
	b->st.unmaps_total++;
	return GNTST_okay;
}

int16_t mp_gnt_copy(struct mp_broker *b, struct mp_client *c, uint32_t granter, uint32_t ref,
		    uint16_t off, uint16_t len, uint8_t *buf, int to_granter)
{
	struct mp_domain *d = mp_dom(b, granter);
	if (!d)
		return GNTST_bad_domain;
	if (ref >= MP_NR_GRANTS)
		return GNTST_bad_gntref;
	if ((uint32_t)off + len > MP_PAGE)
		return GNTST_bad_copy_arg;
	uint64_t frame;
	int16_t rc = pin(d, ref, c->dom, !to_granter, &frame); /* transient pin, as GNTTABOP_copy */
	if (rc != GNTST_okay)
		return rc;
	uint8_t *page = d->mem + frame * MP_PAGE + off;
	if (to_granter) {
		memcpy(page, buf, len);
		mp_mem_dirty(d, frame * MP_PAGE + off, len);
	} else
		memcpy(buf, page, len);
	unpin(d, ref, !to_granter);
	return GNTST_okay;
}

int mp_gnt_set_version(struct mp_broker *b, struct mp_domain *d, unsigned version)
{
	if (version != 1 && version != 2)
		return -22; /* EINVAL */
	if (d->nshares)
		return -16; /* EBUSY: Xen refuses to switch with grants in use */
	for (uint32_t r = d->act_lo; r < d->act_hi; r++) /* no pin was ever taken outside */
		if (pins_of(d, r))
			return -16;
	if (d->version != version) {
		memset(d->mem + MP_GT_OFFSET, 0, 2 * MP_PAGE);
		d->version = version;
	}
	return 0;
}

/* --- xengntshr (gntalloc): the broker grants pool pages of the caller's own domain --- */

static void write_grant(struct mp_domain *d, uint32_t ref, domid_t domid, uint64_t frame, int writable)
{
	uint16_t flags = GTF_permit_access | (writable ? 0 : GTF_readonly);
	if (d->version == 2) {
		grant_entry_v2_t *e = v2_ent(d, ref);
		__atomic_store_n(&e->full_page.frame, frame, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->hdr.domid, domid, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->hdr.flags, flags, __ATOMIC_SEQ_CST);
	} else {
		grant_entry_v1_t *e = v1_ent(d, ref);
		__atomic_store_n(&e->frame, (uint32_t)frame, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->domid, domid, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->flags, flags, __ATOMIC_SEQ_CST);
	}
}

int mp_gnt_share(struct mp_broker *b, int ci, uint32_t domid, int writable, uint32_t *ref, uint64_t *off)
{
	struct mp_client *c = &b->clients[ci];
	struct mp_domain *d = mp_dom(b, c->dom);
	if (!d || domid > 0xffff) /* gntalloc grants to any domid_t: Xen checks nothing at grant time */
		return -22;
	/* the pages of the shares in use (orphaned ones too) are d->pool_page's, kept as they change */
	uint32_t r, p;
	for (r = d->free_ref; r < MP_NR_GRANTS && (d->shares[r].in_use || pins_of(d, r)); r++)
		;
	for (p = d->free_page; p < MP_NR_PAGES && d->pool_page[p]; p++)
		;
	d->free_ref = (uint16_t)r;
	d->free_page = (uint16_t)p;
	if (r == MP_NR_GRANTS || p == MP_NR_PAGES)
		return -28; /* ENOSPC */
	memset(d->mem + (uint64_t)p * MP_PAGE, 0, MP_PAGE); /* gntalloc hands out zeroed pages */
	mp_mem_dirty(d, (uint64_t)p * MP_PAGE, MP_PAGE);
	d->pool_page[p] = (uint8_t)r;
	d->nshares++;
	d->shares[r] = (struct mp_share_ent){ .in_use = 1, .owner = ci, .page = p };
	c->nshares++;
	write_grant(d, r, domid, p, writable);
	b->st.shares++;
	*ref = r;
	*off = (uint64_t)p * MP_PAGE;
	return 0;
}

/* End the grant of a share whose owner let go and nobody maps any more; free its page. */
void mp_gnt_share_end(struct mp_broker *b, struct mp_domain *d, uint32_t ref)
{
	struct mp_share_ent *s = &d->shares[ref];
	if (d->version == 2)
		__atomic_store_n(&v2_ent(d, ref)->hdr.flags, 0, __ATOMIC_SEQ_CST);
	else
		__atomic_store_n(&v1_ent(d, ref)->flags, 0, __ATOMIC_SEQ_CST);
	if (s->page < MP_NR_PAGES && d->pool_page[s->page] == ref) {
		d->pool_page[s->page] = 0;
		if (s->page < d->free_page)
			d->free_page = (uint16_t)s->page;
	}
	if (ref < d->free_ref)
		d->free_ref = (uint16_t)ref;
	d->nshares--;
	memset(s, 0, sizeof(*s));
	s->owner = -1;
	d->st->shares--;
	(void)b;
}

/* xengntshr_unshare of one ref: notify as gntalloc does, end now if unmapped, else orphan. */
int mp_gnt_unshare(struct mp_broker *b, int ci, uint32_t ref)
{
	struct mp_client *c = &b->clients[ci];
	struct mp_domain *d = mp_dom(b, c->dom);
	if (!d || ref >= MP_NR_GRANTS || !d->shares[ref].in_use || d->shares[ref].owner != ci)
		return -22;
	struct mp_share_ent *s = &d->shares[ref];
	if ((s->notify_flags & MP_MAP_NOTIFY_BYTE) && s->notify_off < MP_PAGE) {
		__atomic_store_n(d->mem + (uint64_t)s->page * MP_PAGE + s->notify_off, 0, __ATOMIC_SEQ_CST);
		mp_mem_dirty(d, (uint64_t)s->page * MP_PAGE + s->notify_off, 1);
	}
	if (s->notify_flags & MP_MAP_NOTIFY_EVENT) {
		mp_evt_send_from(b, c->dom, s->notify_port);
		mp_evt_port_put(b, c->dom, s->notify_port);
	}
	s->notify_flags = 0;
	c->nshares--;
	if (mp_ref_pins(d, ref)) {
		s->orphaned = 1;
		s->owner = -1;
		return 0;
	}
	mp_gnt_share_end(b, d, ref);
	return 0;
}
