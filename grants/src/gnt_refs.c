/* gnt_refs.c - library setup, grant-ref allocation (LIFO free list + never-used refs), state
 * queries and counters. Refs at or above next_fresh were never handed out, so their refs[]
 * slot is never read: that is what keeps gnt_init O(1). */
#include "gnt_internal.h"

int gnt_init(struct gnt_lib *lib, const struct gnt_platform_ops *ops, void *ctx,
	     const struct gnt_config *cfg)
{
	uint32_t first, cap;

	if (!lib || !ops || !cfg || !cfg->table)
		return GNT_ERR_INVAL;
	if (!ops->load16 || !ops->store16 || !ops->store32 || !ops->store64 || !ops->cmpxchg16 ||
	    !ops->wmb || !ops->mb || !ops->page_release)
		return GNT_ERR_INVAL;
	if (cfg->version != 1 && cfg->version != 2)
		return GNT_ERR_INVAL;
	if (cfg->version == 2 && !cfg->status)
		return GNT_ERR_INVAL;
	first = cfg->first_ref ? cfg->first_ref : GNTTAB_NR_RESERVED_ENTRIES;
	cap = cfg->defer_cap ? cfg->defer_cap : GNT_DEFER_MAX;
	if (cfg->nr_refs > GNT_MAX_REFS || first >= cfg->nr_refs || cap > GNT_DEFER_MAX)
		return GNT_ERR_INVAL;

	lib->ops = ops;
	lib->ctx = ctx;
	lib->version = cfg->version;
	lib->v1 = cfg->version == 1 ? (grant_entry_v1_t *)cfg->table : 0;
	lib->v2 = cfg->version == 2 ? (grant_entry_v2_t *)cfg->table : 0;
	lib->status = cfg->version == 2 ? cfg->status : 0;
	lib->nr_refs = cfg->nr_refs;
	lib->first_ref = first;
	lib->next_fresh = first;
	lib->free_head = GNT_INVALID_REF;
	lib->defer_cap = cap;
	lib->defer_len = 0;
	/* Field by field: a struct assignment may become a memset/memcpy call. */
	lib->stats.granted = 0;
	lib->stats.ended = 0;
	lib->stats.busy = 0;
	lib->stats.deferred = 0;
	lib->stats.reclaimed = 0;
	lib->stats.leaked = 0;
	lib->stats.deferred_now = 0;
	lib->stats.free_refs = cfg->nr_refs - first;
	return GNT_OK;
}

int gnt__ref_valid(const struct gnt_lib *lib, gnt_ref_t ref)
{
	return ref >= lib->first_ref && ref < lib->nr_refs;
}

int gnt__state(const struct gnt_lib *lib, gnt_ref_t ref)
{
	return ref >= lib->next_fresh ? GNT_REF_FREE : lib->refs[ref].state;
}

/* Freed refs first (LIFO), then the lowest never-used one. */
int gnt__claim(struct gnt_lib *lib, gnt_ref_t *ref)
{
	gnt_ref_t r;

	if (lib->free_head != GNT_INVALID_REF) {
		r = lib->free_head;
		lib->free_head = lib->refs[r].next_free;
	} else if (lib->next_fresh < lib->nr_refs) {
		r = lib->next_fresh++;
	} else {
		return GNT_ERR_NOREF;
	}
	lib->refs[r].state = GNT_REF_CLAIMED;
	lib->refs[r].readonly = 0;
	lib->refs[r].domid = 0;
	lib->refs[r].next_free = GNT_INVALID_REF;
	lib->refs[r].frame = 0;
	lib->stats.free_refs--;
	*ref = r;
	return GNT_OK;
}

/* Callers guarantee the ref is not already free (except the ref_double_free mutant). */
void gnt__free_ref(struct gnt_lib *lib, gnt_ref_t ref)
{
	lib->refs[ref].state = GNT_REF_FREE;
	lib->refs[ref].next_free = lib->free_head;
	lib->free_head = ref;
	lib->stats.free_refs++;
}

int gnt_claim_ref(struct gnt_lib *lib, gnt_ref_t *ref)
{
	if (!lib || !ref)
		return GNT_ERR_INVAL;
	return gnt__claim(lib, ref);
}

int gnt_release_ref(struct gnt_lib *lib, gnt_ref_t ref)
{
	if (!lib || !gnt__ref_valid(lib, ref))
		return GNT_ERR_INVAL;
	if (gnt__state(lib, ref) != GNT_REF_CLAIMED)
		return GNT_ERR_STATE;
	gnt__free_ref(lib, ref);
	return GNT_OK;
}

int gnt_ref_state(const struct gnt_lib *lib, gnt_ref_t ref)
{
	if (!lib || !gnt__ref_valid(lib, ref))
		return GNT_ERR_INVAL;
	return gnt__state(lib, ref);
}

void gnt_get_stats(const struct gnt_lib *lib, struct gnt_stats *out)
{
	if (!lib || !out)
		return;
	out->granted = lib->stats.granted;
	out->ended = lib->stats.ended;
	out->busy = lib->stats.busy;
	out->deferred = lib->stats.deferred;
	out->reclaimed = lib->stats.reclaimed;
	out->leaked = lib->stats.leaked;
	out->deferred_now = lib->defer_len;
	out->free_refs = lib->stats.free_refs;
}
