/* pvh_devices.c - device=vbd|vif: struct fe_ops and struct dev_host on the guest's own pieces,
 * and the result lines. See pvh_devices.h. */
#include <stdint.h>
#include <xen/io/xenbus.h>
#include "console.h"
#include "events.h"
#include "hypercall.h"
#include "layout.h"
#include "lib.h"
#include "pagealloc.h"
#include "platform.h"
#include "pvh_devices.h"
#include "xenstore.h"
#include "devfront.h"

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
static unsigned log_budget = 16; /* the serial line is shared with dom0: a flood must not drown it */
static void o_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	if (!log_budget)
		return;
	log_budget--;
	con_puts("pvh: dev: ");
	con_puts(msg);
	con_kv("a", a);
	con_kv("b", b);
	con_puts("\n");
}
static int o_share(void *ctx, domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	return pvh_share(domid, frame, readonly, ref);
}
static int o_unshare(void *ctx, grant_ref_t ref, uint64_t frame) { return pvh_unshare(ref, frame); }
static unsigned o_tick(void *ctx) { return pvh_tick(); }

static const struct fe_ops ops = {
	.page_alloc = o_page_alloc, .page_free = o_page_free, .page_mem = o_page_mem,
	.evtchn_alloc_unbound = o_alloc_unbound, .evtchn_notify = o_notify, .evtchn_close = o_close,
	.xs_write = o_xs_write, .xs_read = o_xs_read, .log = o_log, .share = o_share,
	.unshare = o_unshare, .tick = o_tick,
};

static uint64_t h_now_ms(void *ctx) { return now_ns() / 1000000ull; }

static int h_wait(void *ctx, evtchn_port_t port, unsigned ms)
{
	uint64_t until = now_ns() + (uint64_t)ms * 1000000ull;
	if (!port) {
		sleep_until(until);
		return 0;
	}
	return evtchn_wait(port, until) > 0;
}

static unsigned h_deferred(void *ctx)
{
	unsigned given = pvh_given();
	return given > pvh_counts.written_off ? given - pvh_counts.written_off : 0;
}

/* "key=word" of the command line into buf ("" if absent). */
static void cmdline_word(const char *cmdline, const char *key, char *buf, unsigned cap)
{
	size_t klen = strlen(key);
	buf[0] = 0;
	for (const char *p = cmdline; p && *p;) {
		while (*p == ' ')
			p++;
		if (!memcmp(p, key, klen) && p[klen] == '=') {
			unsigned n = 0;
			for (p += klen + 1; *p && *p != ' ' && n + 1 < cap; p++)
				buf[n++] = *p;
			buf[n] = 0;
			return;
		}
		while (*p && *p != ' ')
			p++;
	}
}

int pvh_device_kind(const char *cmdline)
{
	char w[8];
	cmdline_word(cmdline, "device", w, sizeof(w));
	return !strcmp(w, "vbd") ? 1 : !strcmp(w, "vif") ? 2 : 0;
}

int pvh_device_run(int kind, const char *cmdline)
{
	const char *name = kind == 1 ? "vbd" : "vif";
	struct dev_host h = { .ops = &ops, .ctx = 0, .now_ms = h_now_ms, .wait = h_wait, .deferred = h_deferred };
	struct dev_params p = {
		.devid = (unsigned)cmdline_get(cmdline, "devid", kind == 1 ? 51712 : 0),
		.requests = (unsigned)cmdline_get(cmdline, "requests", 64),
		.inflight = (unsigned)cmdline_get(cmdline, "inflight", 4),
		.duration_ms = (unsigned)cmdline_get(cmdline, "duration", 60) * 1000u,
		.wait_ms = (unsigned)cmdline_get(cmdline, "duration", 60) * 1000u,
		.ring_order = (unsigned)cmdline_get(cmdline, "ring-order", 1),
		.persistent = (uint8_t)(cmdline_get(cmdline, "persistent", 1) != 0),
		.indirect = (uint8_t)(cmdline_get(cmdline, "indirect", 1) != 0),
	};
	struct dev_stats st = { 0 };
	con_puts("pvh: device=");
	con_puts(name);
	con_kv("devid", p.devid);
	con_kv("requests", p.requests);
	con_puts("\n");
	int rc = kind == 1 ? blkfront_run(&h, &p, &st) : netfront_run(&h, &p, &st);
	con_puts("pvh: device result");
	con_kv("sent", st.sent);
	con_kv("completed", st.completed);
	con_kv("returned", st.returned);
	con_kv("reused", st.reused);
	con_kv("busy", st.busy);
	con_kv("leaked", st.leaked);
	con_puts("\n");
	con_puts("pvh: device checks");
	con_kv("unknown_ids", st.unknown_ids);
	con_kv("dup_ids", st.dup_ids);
	con_kv("bad_rsp", st.bad_rsp);
	con_kv("ring_overflows", st.ring_overflows);
	con_kv("data_mismatch", st.data_mismatch);
	con_kv("connects", st.connects);
	con_kv("deferred_left", h_deferred(0));
	con_puts(" end=");
	con_puts(st.end ? st.end : "?");
	con_puts("\n");
	return rc == DEV_SETUP && !st.connects ? -1 : 0;
}
