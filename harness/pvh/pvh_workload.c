/* pvh_workload.c - fe_ops on the guest's own pieces (the grant library through the seam: platform.h),
 * and the session loop around the frontend. */
#include <stdint.h>
#include <xen/io/xenbus.h>
#include "console.h"
#include "events.h"
#include "hypercall.h"
#include "layout.h"
#include "lib.h"
#include "pagealloc.h"
#include "platform.h"
#include "pvh_feops.h"
#include "pvh_workload.h"
#include "xenstore.h"
#include "frontend.h"

#define SESSION_MAX_NS 60000000000ull /* a session dom0 never stops is a failure, not a hang */
#define STEP_NS 5000000ull            /* event wait per loop turn */
#define XS_EVERY 10                   /* loop turns between xenstore looks */

static struct pvh_fe_log fe_log = { .prefix = "pvh: fe: " };
static struct fe_ops ops;

static struct frontend fe;
static char buf[8192];

static int key_is(const char *key, const char *want)
{
	char path[64] = "data/gntfuzz/", val[32];
	str_append(path, sizeof(path), key);
	return xs_read(path, val, sizeof(val)) >= 0 && !strcmp(val, want);
}

static void put(const char *key, const char *val)
{
	char path[64] = "data/gntfuzz/";
	str_append(path, sizeof(path), key);
	xs_write(path, val);
}

static void put_k(const char *key, const char *word, unsigned k)
{
	char v[32] = "";
	str_append(v, sizeof(v), word);
	str_append(v, sizeof(v), " ");
	str_append_u(v, sizeof(v), k);
	put(key, v);
}

static void publish_alloc(void)
{
	pa_describe(buf, sizeof(buf));
	put("alloc", buf);
}

/* Wait for go=k or quit: 1, 2, or 0 at the timeout. */
static int wait_go(unsigned k)
{
	char want[16] = "";
	str_append_u(want, sizeof(want), k);
	uint64_t deadline = now_ns() + SESSION_MAX_NS;
	while (now_ns() < deadline) {
		if (key_is("go", want))
			return 1;
		if (key_is("go", "quit"))
			return 2;
		sleep_until(now_ns() + 20000000ull);
	}
	return 0;
}

static int session(domid_t self, domid_t backend, unsigned k, unsigned requests, unsigned inflight,
		   struct workload_totals *t)
{
	char be_path[FE_PATH_MAX] = "/local/domain/", stop[16] = "", be_state_path[FE_PATH_MAX + 8];
	str_append_u(be_path, sizeof(be_path), backend);
	str_append(be_path, sizeof(be_path), "/backend/wl/");
	str_append_u(be_path, sizeof(be_path), self);
	str_append(be_path, sizeof(be_path), "/0");
	be_state_path[0] = 0;
	str_append(be_state_path, sizeof(be_state_path), be_path);
	str_append(be_state_path, sizeof(be_state_path), "/state");
	str_append_u(stop, sizeof(stop), k);
	fe_log.budget = 4;
	pvh_fe_ops(&ops, &fe_log);
	if (fe_init(&fe, &ops, backend, "device/wl/0", be_path) != FE_OK || fe_connect(&fe) != FE_OK) {
		con_puts("pvh: workload frontend could not connect\n");
		return -1;
	}
	publish_alloc();
	put_k("state", "wl-ready", k);
	char last_be[24] = "";
	uint64_t deadline = now_ns() + SESSION_MAX_NS;
	int stopped = 0;
	for (unsigned turn = 0; now_ns() < deadline; turn++) {
		if (evtchn_wait(fe.port, now_ns() + STEP_NS))
			fe_event(&fe);
		fe_tick(&fe);
		if (fe.state == XenbusStateConnected)
			while (fe.c.sent < requests && fe.inflight < inflight) {
				uint16_t id;
				if (fe_send(&fe, &id) != FE_OK)
					break;
			}
		if (turn % XS_EVERY)
			continue;
		char be[24];
		if (xs_read(be_state_path, be, sizeof(be)) >= 0 && strcmp(be, last_be)) {
			last_be[0] = 0;
			str_append(last_be, sizeof(last_be), be);
			fe_otherend_changed(&fe);
		}
		if (key_is("stop", stop)) {
			stopped = 1;
			break;
		}
	}
	fe_teardown(&fe);
	/* pages given up to the library and not freed: deferred (still mapped) or written off */
	for (unsigned i = 0; i < 20 && pvh_given() > pvh_counts.written_off; i++)
		fe_tick(&fe);
	publish_alloc();
	unsigned leaked = gntfuzz_adapter.leaked();
	con_puts("pvh: wl session");
	con_kv("k", k);
	con_kv("sent", fe.c.sent);
	con_kv("done", fe.c.completed);
	con_kv("returned", fe.c.returned);
	con_kv("reused", fe.c.reused);
	con_kv("busy", fe.c.busy);
	con_kv("deferred", pvh_given());
	con_puts("\n");
	con_puts("pvh: wl session");
	con_kv("k", k);
	con_kv("unknown_ids", fe.c.unknown_ids);
	con_kv("dup_ids", fe.c.dup_ids);
	con_kv("events", fe.c.events);
	con_kv("leaked", leaked);
	con_kv("stopped", stopped);
	con_puts("\n");
	t->sessions++;
	t->sent += fe.c.sent, t->completed += fe.c.completed, t->returned += fe.c.returned;
	t->reused += fe.c.reused, t->busy += fe.c.busy, t->unknown_ids += fe.c.unknown_ids;
	t->dup_ids += fe.c.dup_ids, t->events += fe.c.events, t->leaked = leaked;
	put_k("state", "wl-done", k);
	return stopped ? 0 : -1;
}

int workload_run(unsigned version, domid_t self, domid_t backend, unsigned requests, unsigned inflight,
		 struct workload_totals *t)
{
	pa_set_observer(publish_alloc);
	if (!inflight || inflight > FE_MAX_INFLIGHT)
		inflight = 4;
	char v[16] = "";
	str_append_u(v, sizeof(v), version);
	put("version", v);
	put("mutant", pvh_variant());
	put("mode", "workload");
	put("state", "idle");
	con_puts("pvh: workload frontend ready, waiting for dom0\n");
	for (unsigned k = 1;; k++) {
		int w = wait_go(k);
		if (w == 2)
			return 0;
		if (w == 0 || session(self, backend, k, requests, inflight, t))
			return -1;
	}
}
