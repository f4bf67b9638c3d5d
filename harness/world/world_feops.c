/* world_feops.c - struct fe_ops on the world's target domain: what a frontend in the target (the
 * workload's, or a PV device frontend) gets for pages, event channels and the grant library. Every
 * call goes through the world's functions, so the oracle sees it. The caller adds xenstore. */
#include "world/world.h"
#include "workload/frontend.h"

static void op_page_free(void *ctx, uint64_t frame)
{
	struct world *w = ctx;
	int page = world_frame_page(frame);

	/* The world refuses to free a page the target does not own (granted, deferred ...). For
	 * the frontend that is a bug, not a skipped step: let the oracle judge and report it. */
	if (page < 0 || world_free_page(w, (unsigned)page))
		oracle_free(&w->oracle, frame, xsim_frame_foreign_maps(&w->sim, WORLD_TARGET_DOM, frame));
}

static int op_evtchn_alloc_unbound(void *ctx, domid_t remote, evtchn_port_t *port)
{
	struct world *w = ctx;

	return xsim_evtchn_alloc_unbound(&w->sim, WORLD_TARGET_DOM, remote, port);
}

static int op_evtchn_notify(void *ctx, evtchn_port_t port)
{
	struct world *w = ctx;

	return xsim_evtchn_send(&w->sim, WORLD_TARGET_DOM, port);
}

static int op_evtchn_close(void *ctx, evtchn_port_t port)
{
	struct world *w = ctx;

	return xsim_evtchn_close(&w->sim, WORLD_TARGET_DOM, port);
}

static void op_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	struct world *w = ctx;

	w->log_msg = msg; /* a crash report shows the frontend's last words too */
	w->log_a = a;
	w->log_b = b;
	world_log(w, "  %s (%llu, %llu)", msg, (unsigned long long)a, (unsigned long long)b);
}

static int op_share(void *ctx, domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	int page = world_frame_page(frame);

	if (page < 0 || domid != WORLD_PEER_DOM)
		return SEAM_ERR;
	return world_share(ctx, (unsigned)page, readonly, ref);
}

static int op_unshare(void *ctx, grant_ref_t ref, uint64_t frame)
{
	(void)frame;
	return world_unshare(ctx, ref);
}

static unsigned op_tick(void *ctx)
{
	return world_tick(ctx);
}

void world_fe_ops(struct world *w, struct fe_ops *o)
{
	*o = (struct fe_ops){
		.ctx = w,
		.page_alloc = world_host_page_alloc,
		.page_free = op_page_free,
		.page_mem = world_host_page_mem,
		.evtchn_alloc_unbound = op_evtchn_alloc_unbound,
		.evtchn_notify = op_evtchn_notify,
		.evtchn_close = op_evtchn_close,
		.log = op_log,
		.share = op_share,
		.unshare = op_unshare,
		.tick = op_tick,
	};
}
