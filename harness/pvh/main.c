/* main.c - the PVH target guest: bring up Xen interfaces, run the self-grant check on grant
 * table v1 (and v2), then serve the peer's rounds, print one result line and shut down. The
 * grant library (any, behind the seam) and its mutant are the build's: "library/mutant".
 * Command line (xl's cmdline=): ver=1|2 (table used for the peer rounds), pages=N, backend=D;
 * workload=1 (serve peer/'s gntfuzz-peer as the workload frontend instead of the rounds),
 * requests=N inflight=K per session; device=vbd|vif (pvh_devices.h: our blkfront or netfront
 * against the device's backend, then one result line). */
#include <stdint.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/sched.h>
#include "console.h"
#include "events.h"
#include "gnttab.h"
#include "hypercall.h"
#include "layout.h"
#include "lib.h"
#include "pagealloc.h"
#include "platform.h"
#include "selfgrant.h"
#include "target.h"
#include "pvh_workload.h"
#include "pvh_devices.h"
#include "xenstore.h"

static struct gnttab gt;
static domid_t self;

static void shutdown(unsigned reason)
{
	struct sched_shutdown s = { .reason = reason };
	hyp_sched_op(SCHEDOP_shutdown, &s);
	for (;;)
		asm volatile("hlt");
}

static __attribute__((noreturn)) void fail(const char *why)
{
	con_puts("gntfuzz-pvh RESULT: FAIL ");
	con_line(why);
	shutdown(SHUTDOWN_crash);
	for (;;)
		;
}

static int lib_init(void)
{
	return pvh_lib_setup(&gt, self);
}

static int use_table(unsigned version)
{
	return gnttab_setup(&gt, version, 1) ? -1 : lib_init();
}

/* The start of the one result line the host side parses: DONE when the guest ran its protocol to
 * the end, FAIL when it could not (rc); the self-grant check's failures are counted beside it (on
 * a mutant they are the library caught, which the judge expects). Each mode adds its counts. */
static void result_head(int rc, unsigned version, int selfgrant_fail)
{
	con_puts(rc ? "gntfuzz-pvh RESULT: FAIL" : "gntfuzz-pvh RESULT: DONE");
	con_puts(" mutant=");
	con_puts(pvh_variant());
	con_kv("ver", version);
	con_kv("selfgrant_fail", selfgrant_fail);
}

void pvh_main(uint32_t start_info_paddr)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)start_info_paddr;
	const char *cmdline = (si && si->magic == XEN_HVM_START_MAGIC_VALUE && si->cmdline_paddr)
		? (const char *)(uintptr_t)si->cmdline_paddr : "";
	con_puts("gntfuzz-pvh: start mutant=");
	con_puts(pvh_variant());
	con_puts(" cmdline=\"");
	con_puts(cmdline);
	con_puts("\"\n");
	if (hypercall_init())
		fail("no Xen CPUID leaves");
	if (events_init())
		fail("cannot map shared_info");
	pa_init(ALLOC_FIRST_GFN, ALLOC_NR_PAGES);
	unsigned version = cmdline_get(cmdline, "ver", 1) == 2 ? 2 : 1;
	unsigned pages = (unsigned)cmdline_get(cmdline, "pages", 4);
	domid_t backend = (domid_t)cmdline_get(cmdline, "backend", 0);
	self = own_domid();
	con_puts("gntfuzz-pvh:");
	con_kv("domid", self);
	con_kv("ver", version);
	con_kv("pages", pages);
	con_kv("backend", backend);
	con_puts("\n");

	int selfgrant_fail = 0;
	for (unsigned v = 1; v <= 2; v++) {
		if (!(gntfuzz_adapter.versions & (1u << v))) { /* SEAM_V1, SEAM_V2 */
			con_puts("pvh: selfgrant v");
			con_putu(v);
			con_puts(" skipped: ");
			con_puts(gntfuzz_library);
			con_puts(" does not support this grant table version\n");
			if (v == version)
				fail("the library does not support the requested grant table version");
			continue;
		}
		if (use_table(v)) {
			if (v == 1)
				fail("grant table v1 setup");
			con_line("pvh: not ok - grant table v2 setup (GNTTABOP_set_version / status frames)");
			selfgrant_fail++;
			if (version == 2)
				fail("grant table v2 unavailable");
			continue;
		}
		selfgrant_fail += selfgrant_check(&gt, self);
	}
	if (gt.version != version && use_table(version))
		fail(version == 1 ? "switching back to grant table v1" : "switching to grant table v2");
	con_puts("gntfuzz-pvh: table version in force ");
	con_putu((uint64_t)gnttab_current_version());
	con_puts("\n");

	if (xs_init())
		fail("no xenstore ring");
	if (lib_init()) /* fresh counters for the peer rounds */
		fail("grant library init");
	int device = pvh_device_kind(cmdline);
	if (device) {
		int rc = pvh_device_run(device, cmdline);
		result_head(rc, version, selfgrant_fail);
		con_puts(device == 1 ? " device=vbd\n" : " device=vif\n");
		shutdown(SHUTDOWN_poweroff);
	}
	if (cmdline_get(cmdline, "workload", 0) == 1) {
		struct workload_totals w = { 0 };
		int rc = workload_run(version, self, backend, (unsigned)cmdline_get(cmdline, "requests", 16),
				      (unsigned)cmdline_get(cmdline, "inflight", 4), &w);
		result_head(rc, version, selfgrant_fail);
		con_kv("sessions", w.sessions);
		con_puts("\ngntfuzz-pvh wl totals:");
		con_kv("sent", w.sent);
		con_kv("returned", w.returned);
		con_kv("reused", w.reused);
		con_kv("busy", w.busy);
		con_kv("leaked", w.leaked);
		con_puts("\n");
		shutdown(SHUTDOWN_poweroff);
	}
	struct target_totals t = { 0 };
	int rc = target_run(version, backend, pages, &t);
	struct pa_stats ps;
	pa_get_stats(&ps);
	result_head(rc, version, selfgrant_fail);
	con_kv("rounds", t.rounds);
	con_puts("\ngntfuzz-pvh totals:"); /* two lines: Xen splits long guest console lines */
	con_kv("busy", t.busy);
	con_kv("leaked", t.leaked);
	con_kv("deferred_left", t.deferred_left);
	con_kv("corrupted", t.corrupted);
	con_kv("timeouts", t.timeouts);
	con_kv("bad_frees", ps.bad_frees);
	con_puts("\n");
	shutdown(SHUTDOWN_poweroff);
}
