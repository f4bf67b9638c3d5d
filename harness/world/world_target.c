/* world_target.c - the `target ...` steps: the guest using the grant library and its allocator.
 * A step that makes no sense in the current state (free a page that is granted) is skipped and
 * traced, never an error: every decoded fuzz input must run. */
#include "world/world.h"
#include "world/world_internal.h"

/* The target's plain steps own the pages they allocated; pages the workload's frontend holds
 * are its own business (a real guest's drivers do not share pages either). */
static int owned(struct world *w, unsigned page, const char *what)
{
	if (w->page_owner[page] == PG_INUSE && !w->page_wl[page])
		return 1;
	world_log(w, "  skipped: cannot %s p%u, it is %s", what, page,
		  w->page_owner[page] == PG_INUSE ? "the workload's" : oracle_page_state_name(w->page_owner[page]));
	return 0;
}

int world_target_alloc(struct world *w)
{
	int page = world_alloc_page(w);
	if (page >= 0)
		w->page_wl[page] = 0;
	return page;
}

void step_target_share(struct world *w, const struct scn_step *s)
{
	unsigned page = s->arg[0];
	grant_ref_t ref;
	if (w->page_owner[page] == PG_FREE && world_take_page(w, page) == 0)
		w->page_wl[page] = 0;
	if (!w->stopped && owned(w, page, "share") && world_share(w, page, s->arg[1] == SCN_RO, &ref) == SEAM_OK &&
	    s->arg[2]) /* `as gN`: the grant is known by what the library answered */
		w->label_ref[(s->arg[2] - 1) % SCN_LABELS] = (int32_t)ref;
}

/* A ref the workload's frontend shared is the frontend's to end, not the plain target's. */
static int workload_ref(struct world *w, grant_ref_t ref)
{
	int page = world_live_share(w, ref);
	if (page < 0 || !w->page_wl[page])
		return 0;
	world_log(w, "  skipped: r%u belongs to the workload's frontend", ref);
	return 1;
}

void step_target_unshare(struct world *w, const struct scn_step *s)
{
	grant_ref_t ref;
	if (!world_ref_arg(w, s->arg[0], &ref) && !workload_ref(w, ref))
		world_unshare(w, ref);
}

void step_target_end(struct world *w, const struct scn_step *s)
{
	grant_ref_t ref;
	if (!world_ref_arg(w, s->arg[0], &ref) && !workload_ref(w, ref))
		world_end(w, ref);
}

void step_target_tick(struct world *w, const struct scn_step *s)
{
	(void)s;
	world_tick(w);
}

void step_target_alloc(struct world *w, const struct scn_step *s)
{
	(void)s;
	if (world_target_alloc(w) < 0)
		world_log(w, "  allocator: no free page");
}

void step_target_free(struct world *w, const struct scn_step *s)
{
	if (owned(w, s->arg[0], "free"))
		world_free_page(w, s->arg[0]);
}

void step_target_write(struct world *w, const struct scn_step *s)
{
	if (owned(w, s->arg[0], "write"))
		world_write_page(w, s->arg[0]);
}
