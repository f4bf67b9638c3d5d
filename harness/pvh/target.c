/* target.c - what a driver does with the grant library, made observable: share tagged pages,
 * take the peer's "done", unshare, and put new secrets into whatever the allocator hands out.
 * The library is reached through the seam only (platform.h); what is published about it is what
 * the guest counted itself. */
#include "console.h"
#include "events.h"
#include "layout.h"
#include "lib.h"
#include "pagealloc.h"
#include "platform.h"
#include "target.h"
#include "xenstore.h"

#define MAX_PAGES 16
#define STEP_TIMEOUT_NS 60000000000ull
#define REPOLL_NS 20000000ull

static evtchn_port_t port;
static char buf[8192];

static void put(const char *key, const char *val)
{
	char path[64] = "data/gntfuzz/";
	str_append(path, sizeof(path), key);
	if (xs_write(path, val))
		con_puts("pvh: xenstore write failed\n");
}

static void put_round(const char *key, const char *word, unsigned k)
{
	char v[32] = "";
	if (word) {
		str_append(v, sizeof(v), word);
		str_append(v, sizeof(v), " ");
	}
	str_append_u(v, sizeof(v), k);
	put(key, v);
}

/* Wait until key reads `want` (or "quit" when allow_quit). 1 = want, 2 = quit, 0 = timeout. */
static int wait_key(const char *key, const char *want, int allow_quit)
{
	char path[64] = "data/gntfuzz/", val[32];
	str_append(path, sizeof(path), key);
	uint64_t deadline = now_ns() + STEP_TIMEOUT_NS;
	for (;;) {
		if (xs_read(path, val, sizeof(val)) >= 0) {
			if (!strcmp(val, want))
				return 1;
			if (allow_quit && !strcmp(val, "quit"))
				return 2;
		}
		uint64_t now = now_ns();
		if (now >= deadline)
			return 0;
		evtchn_wait(port, now + REPOLL_NS);
	}
}

static void fill(char *page, const char *word, unsigned k, unsigned i)
{
	char line[64] = "";
	str_append(line, sizeof(line), word);
	str_append(line, sizeof(line), " round=");
	str_append_u(line, sizeof(line), k);
	str_append(line, sizeof(line), " page=");
	str_append_u(line, sizeof(line), i);
	str_append(line, sizeof(line), ";");
	size_t n = strlen(line);
	for (size_t off = 0; off + n <= PAGE_SIZE; off += n)
		memcpy(page + off, line, n);
}

static int intact(const char *page, const char *word, unsigned k, unsigned i)
{
	static char expect[PAGE_SIZE];
	fill(expect, word, k, i);
	return !memcmp(page, expect, PAGE_SIZE);
}

/* stats: unshare answers (ended = SEAM_OK, busy = SEAM_BUSY), pages the library freed in its
 * ticks, grants it counts written off, pages given up to it and not freed yet (deferred_now). */
static void publish_state(void)
{
	pa_describe(buf, sizeof(buf));
	put("alloc", buf);
	buf[0] = 0;
	str_append(buf, sizeof(buf), "ended=");    str_append_u(buf, sizeof(buf), pvh_counts.ended);
	str_append(buf, sizeof(buf), " busy=");    str_append_u(buf, sizeof(buf), pvh_counts.busy);
	str_append(buf, sizeof(buf), " reclaimed="); str_append_u(buf, sizeof(buf), pvh_counts.reclaimed);
	str_append(buf, sizeof(buf), " leaked=");  str_append_u(buf, sizeof(buf), gntfuzz_adapter.leaked());
	str_append(buf, sizeof(buf), " deferred_now="); str_append_u(buf, sizeof(buf), pvh_given());
	put("stats", buf);
}

static int run_round(domid_t backend, unsigned pages, unsigned k, struct target_totals *t)
{
	grant_ref_t refs[MAX_PAGES];
	uint64_t shared[MAX_PAGES], secrets[MAX_PAGES];
	char refs_s[256] = "", frames_s[256] = "";
	unsigned ok = 0, busy = 0, leaked = 0, other = 0, corrupted = 0;

	for (unsigned i = 0; i < pages; i++) {
		shared[i] = pa_alloc();
		fill(gfn_to_ptr(shared[i]), "gntfuzz-tag", k, i);
		if (pvh_share(backend, shared[i], 0, &refs[i]) != SEAM_OK) {
			con_puts("pvh: share failed\n");
			return -1;
		}
		if (i) {
			str_append(refs_s, sizeof(refs_s), " ");
			str_append(frames_s, sizeof(frames_s), " ");
		}
		str_append_u(refs_s, sizeof(refs_s), refs[i]);
		str_append_u(frames_s, sizeof(frames_s), shared[i]);
	}
	put("refs", refs_s);
	put("frames", frames_s);
	publish_state();
	put_round("state", "shared", k);

	char want[16] = "";
	str_append_u(want, sizeof(want), k);
	if (!wait_key("done", want, 0)) {
		con_puts("pvh: peer never said done; unsharing anyway\n");
		t->timeouts++;
	}
	for (unsigned i = 0; i < pages; i++) {
		int rc = pvh_unshare(refs[i], shared[i]);
		ok += rc == SEAM_OK, busy += rc == SEAM_BUSY, leaked += rc == SEAM_LEAKED;
		other += rc != SEAM_OK && rc != SEAM_BUSY && rc != SEAM_LEAKED;
	}
	/* The driver goes on with its life: new secrets in whatever memory it gets now. */
	for (unsigned i = 0; i < pages; i++) {
		secrets[i] = pa_alloc();
		fill(gfn_to_ptr(secrets[i]), "gntfuzz-secret", k, i);
	}
	publish_state();
	put_round("state", "reused", k);

	if (!wait_key("released", want, 0)) {
		con_puts("pvh: peer never said released\n");
		t->timeouts++;
	}
	for (unsigned i = 0; i < pages; i++) {
		corrupted += !intact(gfn_to_ptr(secrets[i]), "gntfuzz-secret", k, i);
		pa_free(secrets[i]);
	}
	/* pages given up and not freed: deferred (the peer still maps them) or written off */
	for (unsigned tick = 0; tick < 50 && pvh_given() > pvh_counts.written_off; tick++)
		pvh_tick();
	unsigned deferred = pvh_given();
	publish_state();
	put_round("state", "final", k);

	con_puts("pvh: round");
	con_kv("k", k);
	/* short keys: Xen splits long guest console lines */
	con_kv("ok", ok);
	con_kv("busy", busy);
	con_kv("leaked", leaked);
	con_kv("err", other);
	con_kv("corrupted", corrupted);
	con_kv("deferred", deferred);
	con_kv("reclaimed", pvh_counts.reclaimed);
	con_puts("\n");
	t->rounds++;
	t->corrupted += corrupted;
	t->busy += busy;
	t->leaked += leaked;
	t->deferred_left = deferred;
	return other ? -1 : 0;
}

int target_run(unsigned version, domid_t backend, unsigned pages, struct target_totals *t)
{
	if (pages > MAX_PAGES)
		pages = MAX_PAGES;
	if (evtchn_alloc_unbound(backend, &port))
		return -1;
	char v[64] = "";
	str_append_u(v, sizeof(v), port);
	put("port", v);
	put("mutant", pvh_variant());
	v[0] = 0;
	str_append_u(v, sizeof(v), version);
	put("version", v);
	v[0] = 0;
	str_append_u(v, sizeof(v), pages);
	put("pages", v);
	publish_state();
	put("state", "idle");
	con_puts("pvh: target ready, waiting for the peer");
	con_kv("port", port);
	con_puts("\n");
	for (unsigned k = 1;; k++) {
		char want[16] = "";
		str_append_u(want, sizeof(want), k);
		int w = wait_key("go", want, 1);
		if (w == 2)
			return 0;
		if (w == 0) {
			con_puts("pvh: no go from the peer\n");
			t->timeouts++;
			return -1;
		}
		if (run_round(backend, pages, k, t))
			return -1;
	}
}
