/* pvh_feops.c - struct fe_ops on the guest's own pieces: see pvh_feops.h. */
#include <stdint.h>
#include "console.h"
#include "events.h"
#include "hypercall.h"
#include "layout.h"
#include "lib.h"
#include "pagealloc.h"
#include "platform.h"
#include "pvh_feops.h"
#include "xenstore.h"

static int o_page_alloc(void *ctx, uint64_t *frame)
{
	uint64_t f = pa_alloc();
	if (!f)
		return -1;
	*frame = f;
	return 0;
}
static void o_page_free(void *ctx, uint64_t frame) { pa_free(frame); }
static void *o_page_mem(void *ctx, uint64_t frame) { return gfn_to_ptr(frame); }
static int o_alloc_unbound(void *ctx, domid_t remote, evtchn_port_t *port) { return evtchn_alloc_unbound(remote, port); }
static int o_notify(void *ctx, evtchn_port_t port) { return evtchn_send(port); }
static int o_close(void *ctx, evtchn_port_t port)
{
	struct evtchn_close cl = { .port = port };
	return (int)hyp_event_channel_op(EVTCHNOP_close, &cl);
}
static int o_xs_write(void *ctx, const char *path, const char *value) { return xs_write(path, value); }
static int o_xs_read(void *ctx, const char *path, char *buf, unsigned size)
{
	char tmp[256];
	int n = xs_read(path, tmp, sizeof(tmp));
	if (n < 0 || (unsigned)n >= size)
		return -1;
	memcpy(buf, tmp, (size_t)n + 1);
	return 0;
}
static void o_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	struct pvh_fe_log *log = ctx;
	if (!log->budget)
		return;
	log->budget--;
	con_puts(log->prefix);
	con_puts(msg);
	con_kv("a", a);
	con_kv("b", b);
	con_puts("\n");
}
/* The allocator must know who holds a page (the outside oracle reads that state): platform.c's
 * wrappers keep it. */
static int o_share(void *ctx, domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	return pvh_share(domid, frame, readonly, ref);
}
static int o_unshare(void *ctx, grant_ref_t ref, uint64_t frame) { return pvh_unshare(ref, frame); }
static unsigned o_tick(void *ctx) { return pvh_tick(); }

void pvh_fe_ops(struct fe_ops *ops, struct pvh_fe_log *log)
{
	*ops = (struct fe_ops){
		.ctx = log, .page_alloc = o_page_alloc, .page_free = o_page_free, .page_mem = o_page_mem,
		.evtchn_alloc_unbound = o_alloc_unbound, .evtchn_notify = o_notify, .evtchn_close = o_close,
		.xs_write = o_xs_write, .xs_read = o_xs_read, .log = o_log, .share = o_share,
		.unshare = o_unshare, .tick = o_tick,
	};
}
