/* xsim_gnttab.c - grant mapping, unmapping and copy with Xen's pin and status rules
 * (common/grant_table.c: map_grant_ref, _set_status_v1/_v2, unmap_common,
 * acquire_grant_for_copy / release_grant_for_copy). */
#include <string.h>
#include "xsim_internal.h"

/* The {flags, domid} word Xen cmpxchgs as one: flags first, then domid (little-endian x86). */
union combo {
	uint32_t raw;
	struct {
		uint16_t flags;
		domid_t domid;
	} f;
};

static void race(struct xsim *sim, domid_t granter, grant_ref_t ref, int point)
{
	if (sim->obs.race_window)
		sim->obs.race_window(sim->obs.ctx, granter, ref, point);
}

static volatile uint32_t *header_word(struct xsim_domain *rd, grant_ref_t ref)
{
	/* v1 entry and v2 header both start with flags, domid */
	return rd->gnt_version == 1 ? (volatile uint32_t *)(void *)&rd->shared.v1[ref]
				    : (volatile uint32_t *)(void *)&rd->shared.v2[ref].hdr;
}

static volatile uint16_t *status_word(struct xsim_domain *rd, grant_ref_t ref)
{
	return rd->gnt_version == 1 ? &rd->shared.v1[ref].flags : &rd->status[ref];
}

static void clear_status(volatile uint16_t *st, uint16_t bits)
{
	__atomic_fetch_and(st, (uint16_t)~bits, __ATOMIC_SEQ_CST); /* the guest may race us */
}

static int type_ok(uint16_t flags, uint16_t mask, int mapflag, int v2)
{
	if ((flags & mask) == GTF_permit_access)
		return 1;
	/* a transitive grant passes the check for copy (v2 only), then is refused by the caller */
	return v2 && !mapflag && (flags & mask) == GTF_transitive;
}

/* v1: check the entry, then set GTF_reading (and GTF_writing) with a bounded cmpxchg loop. */
static int16_t set_status_v1(struct xsim *sim, struct xsim_domain *rd, grant_ref_t ref, int pinned,
			     int readonly, int mapflag, domid_t ldomid)
{
	volatile uint32_t *raw = header_word(rd, ref);
	uint16_t mask = GTF_type_mask | (mapflag ? GTF_sub_page : 0);
	union combo cur = { .raw = __atomic_load_n(raw, __ATOMIC_SEQ_CST) };

	for (unsigned retries = 0;; retries++) {
		if (!pinned && (!type_ok(cur.f.flags, mask, 1, 0) || cur.f.domid != ldomid))
			return GNTST_general_error; /* bad flags or domid */
		union combo upd = cur;
		upd.f.flags |= GTF_reading;
		if (!readonly) {
			upd.f.flags |= GTF_writing;
			if (cur.f.flags & GTF_readonly)
				return GNTST_general_error; /* write pin of a r/o grant */
		}
		race(sim, rd->domid, ref, XSIM_RACE_V1_CMPXCHG);
		uint32_t expected = cur.raw;
		if (__atomic_compare_exchange_n(raw, &expected, upd.raw, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return GNTST_okay;
		if (retries == XSIM_SET_STATUS_RETRIES)
			return GNTST_general_error; /* the entry is unstable */
		cur.raw = expected;
	}
}

/* v2: check the header, set bits in the status frame, full barrier, re-check the header and
 * back the bits out if the guest changed it meanwhile. */
static int16_t set_status_v2(struct xsim *sim, struct xsim_domain *rd, grant_ref_t ref, int pinned,
			     int readonly, int mapflag, domid_t ldomid)
{
	volatile uint32_t *raw = header_word(rd, ref);
	volatile uint16_t *st = &rd->status[ref];
	uint16_t mask = GTF_type_mask | (mapflag ? GTF_sub_page : 0);
	union combo cur = { .raw = __atomic_load_n(raw, __ATOMIC_SEQ_CST) };

	if (!pinned && (!type_ok(cur.f.flags, mask, mapflag, 1) || cur.f.domid != ldomid))
		return GNTST_general_error;
	race(sim, rd->domid, ref, XSIM_RACE_V2_BEFORE_STATUS);
	if (readonly) {
		__atomic_fetch_or(st, (uint16_t)GTF_reading, __ATOMIC_SEQ_CST);
	} else {
		if (cur.f.flags & GTF_readonly)
			return GNTST_general_error;
		__atomic_fetch_or(st, (uint16_t)(GTF_reading | GTF_writing), __ATOMIC_SEQ_CST);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the guest must see status before our re-read */
	race(sim, rd->domid, ref, XSIM_RACE_V2_BEFORE_RECHECK);
	cur.raw = __atomic_load_n(raw, __ATOMIC_SEQ_CST);
	if (!pinned) {
		if (!type_ok(cur.f.flags, mask, mapflag, 1) || cur.f.domid != ldomid ||
		    (!readonly && (cur.f.flags & GTF_readonly))) {
			clear_status(st, GTF_reading | GTF_writing);
			return GNTST_general_error; /* unstable header */
		}
	} else if (cur.f.flags & GTF_readonly) {
		clear_status(st, GTF_writing);
		return GNTST_general_error; /* unstable readonly flag */
	}
	return GNTST_okay;
}

static int16_t set_status(struct xsim *sim, struct xsim_domain *rd, grant_ref_t ref, int readonly,
			  int mapflag, domid_t ldomid)
{
	const struct xsim_active *act = &rd->active[ref];
	int pinned = act->rd_pins || act->wr_pins;
	return rd->gnt_version == 1 ? set_status_v1(sim, rd, ref, pinned, readonly, mapflag, ldomid)
				    : set_status_v2(sim, rd, ref, pinned, readonly, mapflag, ldomid);
}

/* Xen's reduce_status_for_pin: the status may claim more access than the pins now need. */
static void reduce_status(struct xsim_domain *rd, grant_ref_t ref, int readonly)
{
	const struct xsim_active *act = &rd->active[ref];
	uint16_t bits = (act->rd_pins || act->wr_pins) ? 0 : GTF_reading;
	if (!readonly && !act->wr_pins)
		bits |= GTF_writing;
	if (bits)
		clear_status(status_word(rd, ref), bits);
}

static int frame_valid(const struct xsim_domain *rd, uint64_t gfn)
{
	return gfn >= XSIM_FRAME_BASE && gfn - XSIM_FRAME_BASE < rd->nr_pages;
}

static void pin(struct xsim_domain *rd, grant_ref_t ref, int readonly, domid_t mapper)
{
	struct xsim_active *act = &rd->active[ref];
	if (readonly)
		act->rd_pins++;
	else
		act->wr_pins++;
	if (mapper != rd->domid)
		rd->foreign_pins++;
}

void xsim_unpin(struct xsim *sim, struct xsim_domain *rd, grant_ref_t ref, int readonly, int foreign)
{
	struct xsim_active *act = &rd->active[ref];
	if (readonly)
		act->rd_pins--;
	else
		act->wr_pins--;
	reduce_status(rd, ref, readonly);
	if (foreign && --rd->foreign_pins == 0 && rd->dying)
		rd->exists = 0; /* the zombie's last page reference is gone */
}

static int pin_would_overflow(const struct xsim_active *act, int readonly)
{
	return (readonly ? act->rd_pins : act->wr_pins) >= XSIM_PIN_LIMIT;
}

/* Maptrack handles: never-used first, then freed ones oldest first (Xen's free list). */
static int get_handle(struct xsim_domain *ld)
{
	if (ld->map_fresh < XSIM_MAX_MAPS)
		return ld->map_fresh++;
	if (!ld->map_free_len)
		return -1;
	int h = ld->map_free[ld->map_free_head];
	ld->map_free_head = (uint16_t)((ld->map_free_head + 1) % XSIM_MAX_MAPS);
	ld->map_free_len--;
	return h;
}

static void put_handle(struct xsim_domain *ld, unsigned h)
{
	ld->map_free[(ld->map_free_head + ld->map_free_len) % XSIM_MAX_MAPS] = (uint16_t)h;
	ld->map_free_len++;
}

int16_t xsim_map(struct xsim *sim, domid_t mapper, domid_t granter, grant_ref_t ref, uint32_t flags,
		 grant_handle_t *handle, uint64_t *frame)
{
	struct xsim_domain *ld = xsim_lookup_live(sim, mapper), *rd;
	int readonly = !!(flags & GNTMAP_readonly);

	if (!ld)
		return GNTST_bad_domain;
	if (!(flags & (GNTMAP_host_map | GNTMAP_device_map)))
		return GNTST_bad_gntref; /* Xen's answer to "bad flags" */
	if (flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte))
		return GNTST_general_error; /* not for a PVH/HVM mapper */
	if (!(rd = xsim_lookup_live(sim, granter)))
		return GNTST_bad_domain;
	if (ld->xsm_deny)
		return GNTST_permission_denied; /* xsm_grant_mapref */
	int h = get_handle(ld);
	if (h < 0)
		return GNTST_no_space;
	if (ref >= rd->nr_grants) {
		put_handle(ld, (unsigned)h);
		return GNTST_bad_gntref;
	}
	xsim_touch_ref(rd, ref);
	struct xsim_active *act = &rd->active[ref];
	int pinned = act->rd_pins || act->wr_pins;
	int16_t rc = GNTST_okay;

	if (pinned && (act->domid != mapper || pin_would_overflow(act, readonly) || act->is_sub_page)) {
		rc = GNTST_general_error;
		goto fail;
	}
	if (!pinned || (!readonly && !act->wr_pins)) {
		if ((rc = set_status(sim, rd, ref, readonly, 1, mapper)) != GNTST_okay)
			goto fail;
		if (!pinned) {
			/* read after the status bits are set: a racing guest may have changed it */
			uint64_t gfn = rd->gnt_version == 1 ? rd->shared.v1[ref].frame
							    : rd->shared.v2[ref].full_page.frame;
			if (!frame_valid(rd, gfn)) {
				reduce_status(rd, ref, readonly);
				rc = GNTST_bad_page;
				goto fail;
			}
			act->frame = gfn;
			act->domid = mapper;
			act->start = 0;
			act->length = XSIM_PAGE_SIZE;
			act->is_sub_page = 0;
		}
	}
	pin(rd, ref, readonly, mapper);

	struct xsim_map *m = &ld->maps[h];
	m->in_use = 1;
	m->readonly = (uint8_t)readonly;
	m->granter = granter;
	m->ref = ref;
	m->frame = act->frame;
	*handle = (grant_handle_t)h;
	*frame = act->frame;
	if (sim->obs.on_map)
		sim->obs.on_map(sim->obs.ctx, mapper, granter, ref, act->frame, readonly, (grant_handle_t)h);
	return GNTST_okay;
fail:
	put_handle(ld, (unsigned)h);
	return rc;
}

/* Drop map `h` of `ld` (unmap, or the mapper's death). */
static void release_map(struct xsim *sim, struct xsim_domain *ld, unsigned h)
{
	struct xsim_map m = ld->maps[h];
	struct xsim_domain *rd = xsim_lookup_any(sim, m.granter);

	ld->maps[h].in_use = 0;
	put_handle(ld, h);
	if (rd)
		xsim_unpin(sim, rd, m.ref, m.readonly, ld->domid != m.granter);
	if (sim->obs.on_unmap)
		sim->obs.on_unmap(sim->obs.ctx, ld->domid, m.granter, m.ref, m.frame, (grant_handle_t)h);
}

int16_t xsim_unmap(struct xsim *sim, domid_t mapper, grant_handle_t handle)
{
	struct xsim_domain *ld = xsim_lookup_live(sim, mapper);
	if (!ld)
		return GNTST_bad_domain;
	if (handle >= XSIM_MAX_MAPS || !ld->maps[handle].in_use)
		return GNTST_bad_handle;
	if (ld->xsm_deny)
		return GNTST_permission_denied; /* xsm_grant_unmapref: the map stays */
	release_map(sim, ld, handle);
	return GNTST_okay;
}

void xsim_gnttab_release_maps(struct xsim *sim, struct xsim_domain *d)
{
	for (unsigned h = d->map_fresh; h-- > 0;) /* Xen walks the maptrack from the top */
		if (d->maps[h].in_use)
			release_map(sim, d, h);
}

/* acquire_grant_for_copy: take a transient pin, return the window the grant allows. */
static int16_t acquire_for_copy(struct xsim *sim, struct xsim_domain *rd, grant_ref_t ref, domid_t ldom,
				int readonly, uint16_t *start, uint16_t *length)
{
	if (ref >= rd->nr_grants)
		return GNTST_bad_gntref;
	xsim_touch_ref(rd, ref);
	struct xsim_active *act = &rd->active[ref];
	int pinned = act->rd_pins || act->wr_pins;
	int16_t rc;

	if (pinned && (act->domid != ldom || pin_would_overflow(act, readonly)))
		return GNTST_general_error;
	if (rd->gnt_version == 2 && (rd->shared.v2[ref].hdr.flags & GTF_type_mask) == GTF_transitive) {
		if ((!pinned || (!readonly && !act->wr_pins)) &&
		    (rc = set_status_v2(sim, rd, ref, pinned, readonly, 0, ldom)) != GNTST_okay)
			return rc;
		reduce_status(rd, ref, readonly);
		return GNTST_general_error; /* transitive grants are not modelled */
	}
	if (!pinned || (!readonly && !act->wr_pins)) {
		if ((rc = set_status(sim, rd, ref, readonly, 0, ldom)) != GNTST_okay)
			return rc;
		uint64_t gfn;
		uint16_t off = 0, len = XSIM_PAGE_SIZE;
		uint8_t sub = 0;
		if (rd->gnt_version == 1) {
			gfn = rd->shared.v1[ref].frame;
		} else if (!(rd->shared.v2[ref].hdr.flags & GTF_sub_page)) {
			gfn = rd->shared.v2[ref].full_page.frame;
		} else {
			gfn = rd->shared.v2[ref].sub_page.frame;
			off = rd->shared.v2[ref].sub_page.page_off;
			len = rd->shared.v2[ref].sub_page.length;
			sub = 1;
		}
		if (!frame_valid(rd, gfn)) {
			reduce_status(rd, ref, readonly);
			return GNTST_bad_page;
		}
		if (!pinned) {
			act->domid = ldom;
			act->is_sub_page = sub;
			act->start = off;
			act->length = len;
			act->frame = gfn;
		} else if (act->frame != gfn ||
			   (act->is_sub_page && (!sub || act->start != off || act->length != len))) {
			reduce_status(rd, ref, readonly); /* the entry no longer matches the pin */
			return GNTST_general_error;
		}
	}
	pin(rd, ref, readonly, ldom);
	*start = act->start;
	*length = act->length;
	return GNTST_okay;
}

int16_t xsim_copy(struct xsim *sim, domid_t mapper, domid_t granter, grant_ref_t ref, uint16_t offset,
		  uint16_t len, void *buf, int to_granter)
{
	if (!len)
		return GNTST_okay; /* Xen does nothing at all for an empty copy */
	struct xsim_domain *ld = xsim_lookup_live(sim, mapper), *rd = xsim_lookup_live(sim, granter);
	if (!ld || !rd)
		return GNTST_bad_domain;
	if (ld->xsm_deny)
		return GNTST_permission_denied; /* xsm_grant_copy */
	int readonly = !to_granter; /* the granted page is the source: a read pin */
	uint16_t start, length;
	int16_t rc = acquire_for_copy(sim, rd, ref, mapper, readonly, &start, &length);
	if (rc != GNTST_okay)
		return rc;
	uint64_t frame = rd->active[ref].frame;
	if ((unsigned)offset + len > XSIM_PAGE_SIZE)
		rc = GNTST_bad_copy_arg;
	else if (offset < start || (unsigned)offset + len > (unsigned)start + length)
		rc = GNTST_general_error; /* outside the sub-page window */
	else {
		uint8_t *page = xsim_frame_mem(sim, granter, frame);
		if (to_granter)
			memcpy(page + offset, buf, len);
		else
			memcpy(buf, page + offset, len);
	}
	/* reported while the transient pin is still held, as the copy happens under it */
	if (rc == GNTST_okay && sim->obs.on_copy)
		sim->obs.on_copy(sim->obs.ctx, mapper, granter, ref, frame, to_granter);
	xsim_unpin(sim, rd, ref, readonly, mapper != granter);
	return rc;
}

static struct xsim_map *live_map(struct xsim *sim, domid_t mapper, grant_handle_t handle)
{
	struct xsim_domain *ld = xsim_lookup_any(sim, mapper);
	if (!ld || handle >= XSIM_MAX_MAPS || !ld->maps[handle].in_use)
		return NULL;
	return &ld->maps[handle];
}

uint8_t *xsim_map_mem(struct xsim *sim, domid_t mapper, grant_handle_t handle)
{
	struct xsim_map *m = live_map(sim, mapper, handle);
	return m ? xsim_frame_mem(sim, m->granter, m->frame) : NULL;
}

uint8_t *xsim_map_mem_rw(struct xsim *sim, domid_t mapper, grant_handle_t handle)
{
	struct xsim_map *m = live_map(sim, mapper, handle);
	return m && !m->readonly ? xsim_frame_mem(sim, m->granter, m->frame) : NULL;
}

const struct xsim_map *xsim_map_info(struct xsim *sim, domid_t mapper, grant_handle_t handle)
{
	return live_map(sim, mapper, handle);
}

unsigned xsim_ref_pins(struct xsim *sim, domid_t granter, grant_ref_t ref)
{
	struct xsim_domain *rd = xsim_lookup_any(sim, granter);
	if (!rd || ref >= rd->nr_grants)
		return 0;
	return (unsigned)rd->active[ref].rd_pins + rd->active[ref].wr_pins;
}

unsigned xsim_ref_status(struct xsim *sim, domid_t granter, grant_ref_t ref)
{
	struct xsim_domain *rd = xsim_lookup_any(sim, granter);
	if (!rd || ref >= rd->nr_grants)
		return 0;
	return *status_word(rd, ref) & (GTF_reading | GTF_writing);
}

unsigned xsim_frame_foreign_maps(struct xsim *sim, domid_t owner, uint64_t frame)
{
	unsigned n = 0;
	for (unsigned i = 0; i < XSIM_MAX_DOMS; i++) {
		const struct xsim_domain *d = &sim->doms[i];
		if (!d->exists || d->domid == owner)
			continue;
		for (unsigned h = 0; h < d->map_fresh; h++)
			if (d->maps[h].in_use && d->maps[h].granter == owner && d->maps[h].frame == frame)
				n++;
	}
	return n;
}
