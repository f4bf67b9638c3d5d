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
#include "pvh_feops.h"
#include "xenstore.h"
#include "devfront.h"

static struct pvh_fe_log fe_log = { .prefix = "pvh: dev: ", .budget = 16 };

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
	static struct fe_ops ops;
	pvh_fe_ops(&ops, &fe_log);
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
