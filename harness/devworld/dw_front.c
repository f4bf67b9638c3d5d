/* dw_front.c - the device world's frontend side: the frontend's host (pages, channels, xenstore,
 * grants: the world's), its own stack, the turns, and the end of a device run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "devworld/devworld.h"
#include "world/world_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define DW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DW_ASAN 1
#endif
#endif
#ifdef DW_ASAN /* ASan must know which stack is live, or it reports the other one's frames */
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
#endif

#define DW_STACK (256u << 10)   /* the frontend's stack: ASan clears its shadow at every switch, so not more */
#define DW_GUARD 4096u           /* below it, unmapped: an overflow is a crash, not a corruption */

static struct devworld the_devworld; /* one world per process, like the workload */
static uint8_t *front_stack;
volatile sig_atomic_t devworld_front_live; /* the frontend's own code runs: a crash is a finding */

/* ---- the frontend's host ---- */

static void yield(struct devworld *d);

/* A turn that never waits: a hostile backend wedged the frontend (or it spins by design). Counted
 * on the host calls a polling loop makes; past the budget it is a finding and never resumed. */
static void host_call(struct world *w, struct devworld *d)
{
	if (++d->calls_in_turn < DW_CALLS_PER_TURN || d->wedged)
		return;
	d->wedged = 1;
	char msg[160];
	snprintf(msg, sizeof msg, "the frontend %s never waited: %u host calls in one turn without host->wait "
		 "(a hostile backend wedged it)", d->front->name, DW_CALLS_PER_TURN);
	oracle_violate(&w->oracle, INV_SANITIZER, ~0ull, ORACLE_NO_REF, msg);
	yield(d); /* for good: dw_turn never resumes a wedged frontend */
}

/* Xenstore's ring and event channels go through barriers and hypercalls: what the frontend stored
 * before one (its grant entries, say) is visible to the backend after it, on x86 and Arm alike.
 * Without this a buffered grant would stay invisible to a backend that read the ring-ref. */
static void order_before_backend(struct world *w)
{
	if (w->mem.n)
		world_mem_drain_all(w);
}

static int h_xs_write(void *ctx, const char *path, const char *value)
{
	struct devworld *d = devworld_of(ctx);
	host_call(ctx, d);
	order_before_backend(ctx);
	return dw_xs_write(&d->xs, path, value);
}

static int h_xs_read(void *ctx, const char *path, char *buf, unsigned size)
{
	struct devworld *d = devworld_of(ctx);
	host_call(ctx, d);
	return dw_xs_read(&d->xs, path, buf, size);
}

static uint64_t h_now_ms(void *ctx)
{
	struct devworld *d = devworld_of(ctx);
	host_call(ctx, d);
	return d->now_ms;
}

static int h_evtchn_notify(void *ctx, evtchn_port_t port)
{
	struct world *w = ctx;
	order_before_backend(w);
	return xsim_evtchn_send(&w->sim, WORLD_TARGET_DOM, port);
}

/* Back to the world: the backend moves now. */
static void yield(struct devworld *d)
{
	devworld_front_live = 0;
#ifdef DW_ASAN
	void *fake = NULL;
	__sanitizer_start_switch_fiber(&fake, d->world_stack, d->world_stack_size);
	swapcontext(&d->front_ctx, &d->world_ctx);
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#else
	swapcontext(&d->front_ctx, &d->world_ctx);
#endif
	devworld_front_live = 1;
}

static int h_wait(void *ctx, evtchn_port_t port, unsigned ms)
{
	struct world *w = ctx;
	struct devworld *d = devworld_of(w);
	if (port && xsim_evtchn_take_pending(&w->sim, WORLD_TARGET_DOM, port))
		return 1; /* already fired: no need to sleep */
	if (d->xs.fired) {
		d->xs.fired = 0;
		return 2;
	}
	order_before_backend(w); /* a sleeping CPU has drained its store buffer */
	yield(d);
	d->now_ms += ms ? ms : 1;
	if (port && xsim_evtchn_take_pending(&w->sim, WORLD_TARGET_DOM, port))
		return 1;
	if (d->xs.fired) {
		d->xs.fired = 0;
		return 2;
	}
	return 0;
}

static unsigned h_deferred(void *ctx)
{
	struct world *w = ctx;
	unsigned n = 0;
	host_call(w, devworld_of(w));
	for (unsigned p = 0; p < w->scn.cfg.pages; p++)
		n += w->page_owner[p] == PG_DEFERRED;
	return n;
}

static int h_xs_watch(void *ctx, const char *path)
{
	return dw_xs_watch(&devworld_of(ctx)->xs, path);
}

/* ---- set-up ---- */

/* A frontend variant's build brings one device only: the other's adapter is absent. */
#pragma weak gntfuzz_front_vbd
#pragma weak gntfuzz_front_vif

const struct front_adapter *devworld_front(const struct world *w)
{
	const struct front_adapter *f = w->scn.cfg.device == SCN_DEV_VIF ? &gntfuzz_front_vif : &gntfuzz_front_vbd;
	return f && f->run ? f : NULL;
}

/* A frontend variant's build: its adapter must bring the device its manifest says (one line, exit 2). */
#pragma weak gntfuzz_front_device
#pragma weak gntfuzz_front_name
extern const char gntfuzz_front_device[];

void devworld_check_build(void)
{
	if (!gntfuzz_front_device)
		return;
	int vbd = !strcmp(gntfuzz_front_device, "vbd");
	const struct front_adapter *want = vbd ? &gntfuzz_front_vbd : &gntfuzz_front_vif;
	const struct front_adapter *other = vbd ? &gntfuzz_front_vif : &gntfuzz_front_vbd;
	if (want && want->run)
		return;
	fprintf(stderr, "gntworld: frontend %s: front.mk says FRONT_DEVICE %s, but its adapter defines %s: define "
		"const struct front_adapter gntfuzz_front_%s = { \"%s\", \"%s\", run } (harness/devices/front_seam.h)\n",
		gntfuzz_front_name, gntfuzz_front_device, other && other->run ? (vbd ? "gntfuzz_front_vif" : "gntfuzz_front_vbd")
		: "no gntfuzz_front_vbd or gntfuzz_front_vif", gntfuzz_front_device, gntfuzz_front_name, gntfuzz_front_device);
	exit(2);
}

int devworld_active(struct world *w)
{
	return w->scn.cfg.device != SCN_DEV_NONE;
}

struct devworld *devworld_of(struct world *w)
{
	struct devworld *d = &the_devworld;
	if (d->run == w->run && d->active)
		return d;
	d->run = w->run;
	d->active = 1;
	d->started = d->returned = d->wedged = d->attached = 0;
	d->device = w->scn.cfg.device == SCN_DEV_VIF ? SCN_DEV_VIF : SCN_DEV_VBD;
	d->front = devworld_front(w); /* world_run skips a device this build has no frontend for */
	d->fe_dir = d->device == SCN_DEV_VIF ? DW_FE_DIR_VIF : DW_FE_DIR_VBD;
	d->be_dir = d->device == SCN_DEV_VIF ? DW_BE_DIR_VIF : DW_BE_DIR_VBD;
	world_fe_ops(w, &d->ops);
	d->ops.xs_write = h_xs_write;
	d->ops.xs_read = h_xs_read;
	d->ops.evtchn_notify = h_evtchn_notify;
	d->host = (struct dev_host){ .ops = &d->ops, .ctx = w, .now_ms = h_now_ms, .wait = h_wait,
				     .deferred = h_deferred, .xs_watch = h_xs_watch };
	d->params = (struct dev_params){ .devid = DW_DEVID, .requests = 1u << 30, .inflight = 4,
					 .duration_ms = 1u << 30, .wait_ms = 1000, .ring_order = 2,
					 .persistent = 1, .indirect = 1 };
	memset(&d->stats, 0, sizeof d->stats);
	d->rc = 0;
	d->now_ms = 0;
	d->offer = DW_OFFER_DEFAULT;
	d->state = 0;
	memset(d->port, 0, sizeof d->port);
	memset(d->fe_port, 0, sizeof d->fe_port);
	memset(d->ring, 0, sizeof d->ring);
	d->nreq = 0;
	d->shape_a = d->shape_b = -1;
	d->refused = 0;
	/* what the toolstack writes before the frontend runs: its directory and the backend's */
	char path[DW_XS_PATH_MAX];
	dw_xs_reset(&d->xs);
	snprintf(path, sizeof path, "%s/backend", d->fe_dir);
	dw_xs_write(&d->xs, path, d->be_dir);
	dw_xs_write_u(&d->xs, d->fe_dir, "backend-id", WORLD_PEER_DOM);
	dw_xs_write_u(&d->xs, d->fe_dir, "state", 1);
	if (d->device == SCN_DEV_VIF) {
		snprintf(path, sizeof path, "%s/mac", d->fe_dir);
		dw_xs_write(&d->xs, path, "00:16:3e:00:00:02");
	}
	snprintf(path, sizeof path, "%s/frontend", d->be_dir);
	dw_xs_write(&d->xs, path, d->fe_dir);
	dw_xs_write_u(&d->xs, d->be_dir, "frontend-id", WORLD_TARGET_DOM);
	dw_xs_write_u(&d->xs, d->be_dir, "state", d->state = XenbusStateInitialising);
	return d;
}

void dw_refuse(struct world *w, const char *why)
{
	devworld_of(w)->refused++;
	world_log(w, "  device: step skipped: %s", why);
}

/* ---- the frontend's own stack ---- */

static void front_main(void)
{
	struct devworld *d = &the_devworld;
#ifdef DW_ASAN
	__sanitizer_finish_switch_fiber(NULL, &d->world_stack, &d->world_stack_size);
#endif
	devworld_front_live = 1;
	d->rc = d->front->run(&d->host, &d->params, &d->stats);
	devworld_front_live = 0;
	d->returned = 1;
#ifdef DW_ASAN
	__sanitizer_start_switch_fiber(NULL, d->world_stack, d->world_stack_size); /* this fiber ends */
#endif
	setcontext(&d->world_ctx);
}

static void start(struct devworld *d)
{
	if (!front_stack) {
		uint8_t *m = mmap(NULL, DW_STACK + DW_GUARD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			perror("gntworld: the frontend's stack");
			exit(2);
		}
		mprotect(m, DW_GUARD, PROT_NONE);
		front_stack = m + DW_GUARD;
	}
	getcontext(&d->front_ctx);
	d->front_ctx.uc_stack.ss_sp = front_stack;
	d->front_ctx.uc_stack.ss_size = DW_STACK;
	d->front_ctx.uc_link = NULL;
	makecontext(&d->front_ctx, front_main, 0);
	d->started = 1;
}

void dw_turn(struct devworld *d)
{
	if (!d->started)
		start(d);
	if (d->returned || d->wedged)
		return;
	d->calls_in_turn = 0;
#ifdef DW_ASAN
	void *fake = NULL;
	__sanitizer_start_switch_fiber(&fake, front_stack, DW_STACK);
	swapcontext(&d->world_ctx, &d->front_ctx);
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#else
	swapcontext(&d->world_ctx, &d->front_ctx);
#endif
}

void dw_turns(struct devworld *d, unsigned n)
{
	for (unsigned i = 0; i < n && !d->returned; i++)
		dw_turn(d);
}

/* ---- the end of a device run ---- */

void devworld_finish(struct world *w)
{
	struct devworld *d = devworld_of(w);
	world_log(w, "end of device run: backend Closed with its maps held, then gone");
	dw_turn(d); /* a run with no device step still runs the frontend */
	if (w->stopped)
		return;
	/* Closed while still mapping: the frontend tears down; what it gave up stays the library's */
	dw_xs_write_u(&d->xs, d->be_dir, "state", d->state = XenbusStateClosed);
	dw_turns(d, 4);
	if (w->stopped)
		return;
	dw_back_unmap_all(w, d, 1);
	dw_xs_rm(&d->xs, d->be_dir);
	dw_turns(d, DW_FINISH_TURNS);
	if (!d->returned && !w->stopped) { /* out of patience: its run's time is up */
		d->now_ms = (uint64_t)d->params.duration_ms + 1;
		dw_turns(d, DW_FINISH_TURNS);
	}
	if (!d->returned && !d->wedged && !w->stopped) {
		char msg[200];
		snprintf(msg, sizeof msg, "the frontend %s did not return: its backend closed, let go of everything and "
			 "removed its directory, and the frontend's time ran out, yet it still waits (it is stuck)",
			 d->front->name);
		oracle_violate(&w->oracle, INV_SANITIZER, ~0ull, ORACLE_NO_REF, msg);
	}
	world_log(w, "  frontend %s: %s (rc %d, sent %llu, completed %llu, busy %llu, bad responses %llu)",
		  d->front->name, d->returned ? "returned" : d->wedged ? "wedged" : "did not return", d->rc,
		  (unsigned long long)d->stats.sent, (unsigned long long)d->stats.completed,
		  (unsigned long long)d->stats.busy, (unsigned long long)(d->stats.bad_rsp + d->stats.unknown_ids));
}
