/* target_main.c - gntfuzz-target: the workload frontend as a process of a simulated domain.
 *
 *   xensim run --dir D --domain 1 -- build/multiproc/<library>/<mutant>/gntfuzz-target
 *        [--version 1|2] [--requests N] [--inflight K] [--duration S] [--widen US] [--backend DOMID] [-v]
 *        [--device wl|vbd|vif [--devid N] [--ring-order K] [--persistent 0|1] [--indirect 0|1]
 *                             [--protocol x86_64-abi|x86_32-abi|none] [--xenbus normal|skip-initialised|...]]
 *
 * --device wl (default): the workload frontend (harness/workload). --device vbd|vif: our blkfront
 * or netfront (harness/devices) waits for its device directory device/<vbd|vif>/<devid> to
 * appear (hot-plug: the peer creates it as a toolstack does) and runs the standard PV protocol.
 * --protocol (vbd): the ring layout blkfront declares and uses (none: no key, the native layout);
 * --xenbus: the states the frontend publishes, as real frontends differ (devfront.h, enum dev_xenbus).
 *
 * The grant library (any, behind the seam: harness/seam/seam.h) and its mutant are the build's
 * (mutant "fixed": the library as shipped).
 * Announces itself through xenstore as a PV frontend does (device/wl/0: ring-ref, event-channel,
 * state), follows the backend's state at /local/domain/<backend>/backend/wl/<us>/0/state, keeps K
 * requests in flight until N were sent, handles responses and events, ticks the library's
 * deferred reclaims, and exits with one result line. Oracle lines ("target: VIOLATION ...") come
 * from the broker's pin counts at the moments that matter (a page going back to the allocator, a
 * ref being granted) and from the host's own record of every page (target.h): the library's
 * statistics are never asked. Exit 0: no violation; 3: violations; 1: setup failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xenstore.h>
#include "frontend.h"
#include "devfront.h"
#include "netfront.h"
#include "target.h"

struct env {
	struct target t;
	struct frontend fe;
	xenevtchn_handle *xce;
	struct xs_handle *xsh;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- fe_ops: the frontend's environment --- */

static int o_page_alloc(void *ctx, uint64_t *frame) { return target_page_alloc(&((struct env *)ctx)->t, frame); }
static void o_page_free(void *ctx, uint64_t frame) { target_page_free(&((struct env *)ctx)->t, frame); }
static void *o_page_mem(void *ctx, uint64_t frame) { return ((struct env *)ctx)->t.mem + frame * MP_PAGE; }

static int o_alloc_unbound(void *ctx, domid_t remote, evtchn_port_t *port)
{
	int p = xenevtchn_bind_unbound_port(((struct env *)ctx)->xce, remote);
	if (p < 0)
		return -1;
	*port = (evtchn_port_t)p;
	return 0;
}

static int o_notify(void *ctx, evtchn_port_t port) { return xenevtchn_notify(((struct env *)ctx)->xce, port); }
static int o_close(void *ctx, evtchn_port_t port) { return xenevtchn_unbind(((struct env *)ctx)->xce, port); }

static int o_xs_write(void *ctx, const char *path, const char *value)
{
	return xs_write(((struct env *)ctx)->xsh, XBT_NULL, path, value, (unsigned)strlen(value)) ? 0 : -1;
}

static int o_xs_read(void *ctx, const char *path, char *buf, unsigned size)
{
	unsigned len = 0;
	char *v = xs_read(((struct env *)ctx)->xsh, XBT_NULL, path, &len);
	if (!v)
		return -1;
	int ok = len < size;
	if (ok) {
		memcpy(buf, v, len);
		buf[len] = 0;
	}
	free(v);
	return ok ? 0 : -1;
}

static void o_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	if (((struct env *)ctx)->t.verbose)
		fprintf(stderr, "target: fe: %s %llu %llu\n", msg, (unsigned long long)a, (unsigned long long)b);
}

static int o_share(void *ctx, domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	return target_share(&((struct env *)ctx)->t, domid, frame, readonly, ref);
}

static int o_unshare(void *ctx, grant_ref_t ref, uint64_t frame)
{
	return target_unshare(&((struct env *)ctx)->t, ref, frame);
}

static unsigned o_tick(void *ctx) { return target_tick(&((struct env *)ctx)->t); }

static const struct fe_ops ops_template = {
	.page_alloc = o_page_alloc, .page_free = o_page_free, .page_mem = o_page_mem,
	.evtchn_alloc_unbound = o_alloc_unbound, .evtchn_notify = o_notify, .evtchn_close = o_close,
	.xs_write = o_xs_write, .xs_read = o_xs_read, .log = o_log, .share = o_share,
	.unshare = o_unshare, .tick = o_tick,
};

static int setup_memory(struct target *t, unsigned version)
{
	struct mp_mem_reply mr;
	size_t got = 0;
	int fd = -1;
	if (mp_connect(&t->broker, MP_KIND_MEM) < 0) {
		fprintf(stderr, "gntfuzz-target: cannot reach the broker: %s (run under `xensim run`)\n", strerror(errno));
		return -1;
	}
	t->domid = t->broker.dom;
	if (mp_call(&t->broker, MP_GET_MEM, NULL, 0, &mr, sizeof(mr), &got, &fd) < 0 || fd < 0 || got != sizeof(mr)) {
		fprintf(stderr, "gntfuzz-target: the broker did not give our memory\n");
		return -1;
	}
	t->mem = mmap(NULL, mr.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (t->mem == MAP_FAILED) {
		perror("gntfuzz-target: mmap");
		return -1;
	}
	if (mp_call_u32(&t->broker, MP_SET_VERSION, 1, version, 0, NULL) < 0) {
		fprintf(stderr, "gntfuzz-target: cannot switch to grant table v%u: %s\n", version, strerror(errno));
		return -1;
	}
	target_pages_init(t);
	return 0;
}

/* Oracle (invariant 5, every page in exactly one state), from the host's records alone: each page
 * of the pool is free, a frontend spare, shared, or the library's. A page the library was given
 * (unshare) and has not freed is fine while the peer still maps it (the library retries it) or
 * when the library wrote it off (unshare said SEAM_LEAKED, or its leaked() count grew in a tick);
 * one nobody maps, that the library's ticks do not free and that no count explains, was lost.
 * The same for refs: one given up must come back when the library is asked for every free ref. */
static void check_pages_accounted(struct target *t, unsigned spare, domid_t backend)
{
	unsigned total = TGT_NR_PAGES - TGT_FIRST_PAGE, mapped = 0, unmapped = 0;
	for (int i = 0; i < 8 && target_tick(t); i++) /* let deferred work finish */
		;
	for (unsigned f = TGT_FIRST_PAGE; f < TGT_NR_PAGES; f++) {
		if (t->page[f] != TGT_PG_LIB)
			continue;
		if (target_frame_pins(t, f)) {
			mapped++;
			continue;
		}
		for (int i = 0; i < 64 && t->page[f] == TGT_PG_LIB; i++) /* a library that backs off */
			target_tick(t);
		if (t->page[f] == TGT_PG_LIB)
			target_frame_pins(t, f) ? mapped++ : unmapped++;
	}
	unsigned free = t->nr_free, shared = target_count(t, TGT_PG_SHARED);
	unsigned frontend = target_count(t, TGT_PG_HOST), lib = target_count(t, TGT_PG_LIB);
	unsigned off = target_count(t, TGT_PG_WRITTEN_OFF), own = target_count(t, TGT_PG_LIB_OWN);
	uint64_t leaked = gntfuzz_adapter.leaked();
	/* written off in a tick rather than by an unshare answer: those are among the held pages */
	uint64_t tick_leaks = leaked > t->written_off ? leaked - t->written_off : 0;
	long long missing = (long long)(frontend > spare ? frontend - spare : 0) +
			    (unmapped > tick_leaks ? (long long)(unmapped - tick_leaks) : 0);
	if (missing || free + frontend + shared + lib + off + own != total) {
		t->violations++;
		printf("target: VIOLATION lost: pages unaccounted at the end pages=%u free=%u spare=%u frontend=%u shared=%u library=%u "
		       "library_mapped=%u written_off=%u leaked=%llu missing=%lld\n", total, free, spare, frontend, shared,
		       lib, mapped, off, (unsigned long long)leaked, missing);
	}
	unsigned twice = 0;
	grant_ref_t example = 0;
	int refs_missing = target_sweep_refs(t, backend, &twice, &example);
	if (refs_missing < 0) {
		fprintf(stderr, "target: the library refused a grant when asked for its free refs: refs not checked\n");
	} else if (twice) {
		t->violations++;
		printf("target: VIOLATION lost: a ref handed out twice (on the free list twice) ref=%u\n", example);
	} else if ((uint64_t)refs_missing > leaked) {
		t->violations++;
		printf("target: VIOLATION lost: refs given up never came back missing=%d ref=%u leaked=%llu (given up, never handed out "
		       "again, not mapped)\n", refs_missing, example, (unsigned long long)leaked);
	}
}

/* --- the device frontends' host: time, waiting on the channel, the library's deferred pages --- */

static uint64_t d_now_ms(void *ctx) { return (uint64_t)(now() * 1000); }

static int d_wait(void *ctx, evtchn_port_t port, unsigned ms)
{
	struct env *e = ctx;
	struct pollfd pfd = { xenevtchn_fd(e->xce), POLLIN, 0 };
	if (poll(&pfd, 1, (int)ms) == 1 && (pfd.revents & POLLIN)) {
		int p = xenevtchn_pending(e->xce);
		if (p >= 0) {
			xenevtchn_unmask(e->xce, (evtchn_port_t)p);
			return (evtchn_port_t)p == port;
		}
	}
	return 0;
}

static unsigned d_deferred(void *ctx) { return target_count(&((struct env *)ctx)->t, TGT_PG_LIB); }

/* One device run (vbd or vif), then the host's end-of-run checks and one result line. */
static int run_device(struct env *e, const struct fe_ops *ops, const char *device, const struct dev_params *dp,
		      unsigned version, domid_t backend)
{
	struct dev_host h = { .ops = ops, .ctx = e, .now_ms = d_now_ms, .wait = d_wait, .deferred = d_deferred };
	struct dev_stats st = { 0 };
	printf("target: up domid=%u library=%s mutant=%s version=%u device=%s devid=%u\n", e->t.domid, gntfuzz_library,
	       gntfuzz_mutant, version, device, dp->devid);
	int rc = !strcmp(device, "vbd") ? blkfront_run(&h, dp, &st) : netfront_run(&h, dp, &st);
	target_widen_stop(&e->t);
	if (rc == DEV_SETUP && !st.connects) {
		fprintf(stderr, "gntfuzz-target: --device %s: %s\n", device, st.end ? st.end : "setup failed");
		return 1;
	}
	check_pages_accounted(&e->t, st.spare, backend);
	if (st.ro_written) { /* the frontend asked read-only and found its page written: invariant 3 */
		e->t.violations++;
		printf("target: VIOLATION wrong-frame: the peer wrote pages shared read-only pages=%llu device=%s\n",
		       (unsigned long long)st.ro_written, device);
	}
	printf("target: result device=%s library=%s mutant=%s version=%u sent=%llu completed=%llu returned=%llu "
	       "reused=%llu busy=%llu leaked=%llu deferred=%llu reclaimed=%llu deferred_now=%u unknown_ids=%llu "
	       "dup_ids=%llu bad_rsp=%llu rsp_errors=%llu ring_overflows=%llu bad_backend=%llu data_mismatch=%llu persistent=%llu "
	       "indirect=%llu flushes=%llu connects=%llu teardowns=%llu events=%llu violations=%llu end=%s\n",
	       device, gntfuzz_library, gntfuzz_mutant, version, (unsigned long long)st.sent,
	       (unsigned long long)st.completed, (unsigned long long)st.returned, (unsigned long long)st.reused,
	       (unsigned long long)st.busy, (unsigned long long)gntfuzz_adapter.leaked(), (unsigned long long)e->t.busy,
	       (unsigned long long)e->t.reclaimed, target_count(&e->t, TGT_PG_LIB), (unsigned long long)st.unknown_ids,
	       (unsigned long long)st.dup_ids, (unsigned long long)st.bad_rsp, (unsigned long long)st.rsp_errors,
	       (unsigned long long)st.ring_overflows, (unsigned long long)st.bad_backend, (unsigned long long)st.data_mismatch,
	       (unsigned long long)st.persistent_pages, (unsigned long long)st.indirect_reqs,
	       (unsigned long long)st.flushes, (unsigned long long)st.connects, (unsigned long long)st.teardowns,
	       (unsigned long long)st.events, (unsigned long long)e->t.violations, st.end ? st.end : "?");
	xs_close(e->xsh);
	xenevtchn_close(e->xce);
	return e->t.violations ? 3 : 0;
}

/* The index of s in a names table (devfront.h's DEV_*_NAMES), -1 none. */
static int parse_name(const char *s, const char *const *names, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

static int parse_u(const char *s, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max || *s == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	static struct env e;
	static struct fe_ops ops;
	unsigned version = 1, requests = 24, inflight = 4, backend = 0;
	double duration = 5.0;
	const char *device = "wl";
	struct dev_params dp = { .devid = ~0u, .ring_order = 1, .persistent = 1, .indirect = 1 };
	unsigned flag;
	static const char *const protocols[] = DEV_PROTOCOL_NAMES, *const xenbus[] = DEV_XENBUS_NAMES;
	int k;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-v"))
			e.t.verbose = 1;
		else if (v && !strcmp(a, "--device") && (!strcmp(v, "wl") || !strcmp(v, "vbd") || !strcmp(v, "vif")))
			device = v, i++;
		else if (v && !strcmp(a, "--devid") && !parse_u(v, 0xffffffe, &dp.devid))
			i++;
		else if (v && !strcmp(a, "--ring-order") && !parse_u(v, 4, &dp.ring_order))
			i++;
		else if (v && !strcmp(a, "--persistent") && !parse_u(v, 1, &flag))
			dp.persistent = (uint8_t)flag, i++;
		else if (v && !strcmp(a, "--indirect") && !parse_u(v, 1, &flag))
			dp.indirect = (uint8_t)flag, i++;
		else if (v && !strcmp(a, "--protocol") && (k = parse_name(v, protocols, 3)) >= 0)
			dp.protocol = (uint8_t)k, i++;
		else if (v && !strcmp(a, "--xenbus") && (k = parse_name(v, xenbus, 4)) >= 0)
			dp.xenbus = (uint8_t)k, i++;
		else if (v && !strcmp(a, "--version") && (version = (unsigned)atoi(v), i++, 1))
			;
		else if (v && !strcmp(a, "--requests") && (requests = (unsigned)atoi(v), i++, 1))
			;
		else if (v && !strcmp(a, "--inflight") && (inflight = (unsigned)atoi(v), i++, 1))
			;
		else if (v && !strcmp(a, "--duration") && (duration = atof(v), i++, 1))
			;
		else if (v && !strcmp(a, "--widen") && (e.t.widen_us = (unsigned)atoi(v), i++, 1))
			;
		else if (v && !strcmp(a, "--backend") && (backend = (unsigned)atoi(v), i++, 1))
			;
		else {
			fprintf(stderr, "usage: gntfuzz-target [--version 1|2] [--requests N] [--inflight K] "
					"[--duration S] [--widen US] [--backend DOMID] [-v]\n"
					"       [--device wl|vbd|vif [--devid N] [--ring-order 0..4] [--persistent 0|1] [--indirect 0|1]\n"
					"        [--protocol x86_64-abi|x86_32-abi|none] [--xenbus normal|skip-initialised|no-connected|closing-only]]\n");
			return 2;
		}
	}
	if ((version != 1 && version != 2) || !inflight || inflight > FE_MAX_INFLIGHT || duration <= 0) {
		fprintf(stderr, "gntfuzz-target: bad option value\n");
		return 2;
	}
	if (strcmp(device, "wl") && dp.devid == ~0u)
		dp.devid = !strcmp(device, "vbd") ? 51712 : 0; /* xvda, eth0 */
	if (!strcmp(device, "wl") && (dp.devid != ~0u || dp.ring_order != 1 || !dp.persistent || !dp.indirect || dp.xenbus ||
				      dp.protocol)) {
		fprintf(stderr, "gntfuzz-target: --devid, --ring-order, --persistent, --indirect, --protocol and --xenbus need "
				"--device vbd|vif\n");
		return 2;
	}
	if (!strcmp(device, "vif") && dp.protocol) {
		fprintf(stderr, "gntfuzz-target: --protocol is blkif's (--device vbd): netif has one layout\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup_memory(&e.t, version) < 0)
		return 1;
	char msg[160];
	if (seam_check(&gntfuzz_adapter, version, msg, sizeof(msg))) {
		fprintf(stderr, "gntfuzz-target: %s\n", msg);
		return 1;
	}
	struct seam_table table = {
		.version = version, .shared = e.t.mem + MP_GT_OFFSET,
		.status = version == 2 ? (grant_status_t *)(e.t.mem + MP_STATUS_OFFSET) : NULL,
		.nr_refs = MP_POOL_FIRST_REF, /* refs above belong to xengntshr */
		.first_ref = GNTTAB_NR_RESERVED_ENTRIES, .defer_cap = TGT_NR_PAGES, .self = e.t.domid,
	};
	target_host_init(&e.t);
	if (seam_start(&gntfuzz_adapter, &e.t.host, &table) != SEAM_OK) {
		fprintf(stderr, "gntfuzz-target: adapter of %s: boot/setup refused the table (version %u, %u refs from %u; "
			"its .table declares %u%s from %u)\n", gntfuzz_library, version, table.nr_refs, table.first_ref,
			gntfuzz_adapter.table.max_refs, gntfuzz_adapter.table.fixed ? " fixed" : "", gntfuzz_adapter.table.first_ref);
		return 1;
	}
	if (target_widen_start(&e.t) < 0) {
		fprintf(stderr, "gntfuzz-target: --widen: cannot protect the grant table: %s\n", strerror(errno));
		return 1;
	}
	e.xce = xenevtchn_open(NULL, 0);
	e.xsh = xs_open(0);
	if (!e.xce || !e.xsh) {
		fprintf(stderr, "gntfuzz-target: cannot open %s\n", e.xce ? "xenstore (XENSTORED_PATH?)" : "event channels");
		return 1;
	}
	ops = ops_template;
	ops.ctx = &e;
	if (strcmp(device, "wl")) {
		dp.requests = requests;
		dp.inflight = inflight;
		dp.duration_ms = (unsigned)(duration * 1000);
		dp.wait_ms = dp.duration_ms;
		return run_device(&e, &ops, device, &dp, version, (domid_t)backend);
	}
	char be_path[FE_PATH_MAX], watch_path[FE_PATH_MAX + 8];
	snprintf(be_path, sizeof(be_path), "/local/domain/%u/backend/wl/%u/0", backend, e.t.domid);
	snprintf(watch_path, sizeof(watch_path), "%s/state", be_path);
	if (fe_init(&e.fe, &ops, (domid_t)backend, "device/wl/0", be_path) != FE_OK ||
	    fe_connect(&e.fe) != FE_OK) {
		fprintf(stderr, "gntfuzz-target: the frontend could not connect (xenstore or event channel)\n");
		return 1;
	}
	if (!xs_watch(e.xsh, watch_path, "be")) {
		fprintf(stderr, "gntfuzz-target: cannot watch %s\n", watch_path);
		return 1;
	}
	printf("target: up domid=%u library=%s mutant=%s version=%u ring-ref=%u port=%u\n", e.t.domid,
	       gntfuzz_library, gntfuzz_mutant, version, e.fe.ring_ref, e.fe.port);

	double end = now() + duration, closed_at = 0;
	const char *why = "duration";
	struct pollfd pfd[2] = { { xenevtchn_fd(e.xce), POLLIN, 0 }, { xs_fileno(e.xsh), POLLIN, 0 } };
	while (now() < end) {
		if (poll(pfd, 2, 5) < 0 && errno != EINTR) {
			why = "poll-error";
			break;
		}
		if (pfd[1].revents & POLLIN) {
			unsigned n;
			char **w = xs_read_watch(e.xsh, &n);
			free(w);
			fe_otherend_changed(&e.fe);
		}
		if (pfd[0].revents & POLLIN) {
			int port = xenevtchn_pending(e.xce);
			if (port >= 0) {
				xenevtchn_unmask(e.xce, port);
				fe_event(&e.fe);
			}
		}
		fe_tick(&e.fe);
		if (e.fe.state == XenbusStateConnected) {
			while (e.fe.c.sent < requests && e.fe.inflight < inflight) {
				uint16_t id;
				if (fe_send(&e.fe, &id) != FE_OK)
					break;
			}
		}
		if (e.fe.state == XenbusStateClosed && !closed_at)
			closed_at = now();
		/* after the backend closed: a grace for deferred reclaims once it unmaps, then stop */
		if (closed_at && now() - closed_at > 1.0) {
			why = "backend-closed";
			break;
		}
		if (e.fe.c.sent >= requests && !e.fe.inflight && !target_count(&e.t, TGT_PG_LIB) && !closed_at) {
			why = "all-done";
			break;
		}
	}
	target_widen_stop(&e.t);
	check_pages_accounted(&e.t, e.fe.nr_spare, (domid_t)backend);
	/* deferred: unshare answered BUSY; deferred_now: pages given up and not back yet (host's count) */
	printf("target: result library=%s mutant=%s version=%u sent=%llu completed=%llu returned=%llu reused=%llu "
	       "busy=%llu leaked=%llu deferred=%llu reclaimed=%llu deferred_now=%u unknown_ids=%llu dup_ids=%llu "
	       "events=%llu violations=%llu end=%s\n",
	       gntfuzz_library, gntfuzz_mutant, version, (unsigned long long)e.fe.c.sent,
	       (unsigned long long)e.fe.c.completed, (unsigned long long)e.fe.c.returned,
	       (unsigned long long)e.fe.c.reused, (unsigned long long)e.fe.c.busy,
	       (unsigned long long)gntfuzz_adapter.leaked(), (unsigned long long)e.t.busy,
	       (unsigned long long)e.t.reclaimed, target_count(&e.t, TGT_PG_LIB),
	       (unsigned long long)e.fe.c.unknown_ids, (unsigned long long)e.fe.c.dup_ids,
	       (unsigned long long)e.fe.c.events, (unsigned long long)e.t.violations, why);
	xs_close(e.xsh);
	xenevtchn_close(e.xce);
	return e.t.violations ? 3 : 0;
}
