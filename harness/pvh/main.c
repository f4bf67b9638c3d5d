/* main.c - the PVH target guest: bring up Xen interfaces, run the self-grant check on grant
 * table v1 (and v2), then serve the peer's rounds, print one result line and shut down.
 * Command line (xl's cmdline=): ver=1|2 (table used for the peer rounds), pages=N, backend=D;
 * workload=1 (serve peer/'s gntfuzz-peer as the workload frontend instead of the rounds),
 * requests=N inflight=K per session. */
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
#include "workload.h"
#include "xenstore.h"

static struct gnt_lib lib;
static struct gnttab gt;

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
	struct gnt_config cfg = { .version = gt.version, .table = gt.shared, .status = gt.status,
				  .nr_refs = gt.nr_entries < GNT_MAX_REFS ? gt.nr_entries : GNT_MAX_REFS };
	return gnt_init(&lib, &pvh_gnt_ops, 0, &cfg) == GNT_OK ? 0 : -1;
}

static int use_table(unsigned version)
{
	return gnttab_setup(&gt, version, 1) ? -1 : lib_init();
}

/* The start of the one result line the host side parses (FAIL on rc or a failed self-grant
 * check); each mode adds its own counts. */
static void result_head(int rc, unsigned version, int selfgrant_fail)
{
	con_puts(rc || selfgrant_fail ? "gntfuzz-pvh RESULT: FAIL" : "gntfuzz-pvh RESULT: DONE");
	con_puts(" mutant=");
	con_puts(gnt_mutant_name());
	con_kv("ver", version);
	con_kv("selfgrant_fail", selfgrant_fail);
}

void pvh_main(uint32_t start_info_paddr)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)start_info_paddr;
	const char *cmdline = (si && si->magic == XEN_HVM_START_MAGIC_VALUE && si->cmdline_paddr)
		? (const char *)(uintptr_t)si->cmdline_paddr : "";
	con_puts("gntfuzz-pvh: start mutant=");
	con_puts(gnt_mutant_name());
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
	domid_t self = own_domid();
	con_puts("gntfuzz-pvh:");
	con_kv("domid", self);
	con_kv("ver", version);
	con_kv("pages", pages);
	con_kv("backend", backend);
	con_puts("\n");

	int selfgrant_fail = 0;
	if (use_table(1))
		fail("grant table v1 setup");
	selfgrant_fail += selfgrant_check(&lib, &gt, self);
	if (use_table(2)) {
		con_line("pvh: not ok - grant table v2 setup (GNTTABOP_set_version / status frames)");
		selfgrant_fail++;
		if (version == 2)
			fail("grant table v2 unavailable");
	} else {
		selfgrant_fail += selfgrant_check(&lib, &gt, self);
		if (version == 1 && use_table(1))
			fail("switching back to grant table v1");
	}
	con_puts("gntfuzz-pvh: table version in force ");
	con_putu((uint64_t)gnttab_current_version());
	con_puts("\n");

	if (xs_init())
		fail("no xenstore ring");
	if (lib_init()) /* fresh counters for the peer rounds */
		fail("grant library init");
	if (cmdline_get(cmdline, "workload", 0) == 1) {
		struct workload_totals w = { 0 };
		int rc = workload_run(&lib, self, backend, (unsigned)cmdline_get(cmdline, "requests", 16),
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
	int rc = target_run(&lib, backend, pages, &t);
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
