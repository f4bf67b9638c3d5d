/* world_target.c - the `target ...` steps: the guest using the grant library and its allocator.
 * A step that makes no sense in the current state (free a page that is granted) is skipped and
 * traced, never an error: every decoded fuzz input must run. */
#include "world/world.h"
#include "world/world_internal.h"

static int owned(struct world *w, unsigned page, const char *what)
{
	if (w->page_owner[page] == PG_INUSE)
		return 1;
	world_log(w, "  skipped: cannot %s p%u, it is %s", what, page, oracle_page_state_name(w->page_owner[page]));
	return 0;
}

void step_target_share(struct world *w, const struct scn_step *s)
{
	unsigned page = s->arg[0];
	gnt_ref_t ref;
	if (w->page_owner[page] == PG_FREE)
		world_take_page(w, page);
	if (!w->stopped && owned(w, page, "share"))
		world_share(w, page, s->arg[1] == SCN_RO, &ref);
}

void step_target_unshare(struct world *w, const struct scn_step *s)
{
	world_unshare(w, (gnt_ref_t)s->arg[0]);
}

void step_target_end(struct world *w, const struct scn_step *s)
{
	world_end_access(w, (gnt_ref_t)s->arg[0]);
}

void step_target_tick(struct world *w, const struct scn_step *s)
{
	(void)s;
	world_tick(w);
}

void step_target_alloc(struct world *w, const struct scn_step *s)
{
	(void)s;
	if (world_alloc_page(w) < 0)
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
