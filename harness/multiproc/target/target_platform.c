/* target_platform.c - the host side of the seam for the target process: the domain's pages (in its
 * memfd, shared with the broker, which plays Xen), the host's own record of who holds each page,
 * and the oracle's check that no page comes back while a foreign map of it exists (DESIGN.md
 * invariant 1). The grant library touches its table with its own plain and atomic accesses (its
 * adapter's business); --widen slows those accesses down from the outside.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "target.h"

static int frame_ok(uint64_t frame) { return frame >= TGT_FIRST_PAGE && frame < TGT_NR_PAGES; }

static const char *state_name(unsigned s)
{
	static const char *const names[] = { "free", "frontend", "shared", "library", "written-off", "library-own" };
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void violation(struct target *t)
{
	t->violations++;
	fflush(stdout);
}

uint32_t target_frame_pins(struct target *t, uint64_t frame)
{
	uint32_t pins = 0;
	if (mp_call_u32(&t->broker, MP_FRAME_MAPS, 2, t->domid, (uint32_t)frame, &pins) < 0)
		return 0;
	return pins;
}

uint32_t target_ref_pins(struct target *t, uint32_t ref, uint64_t *frame)
{
	uint32_t pins[3] = { 0, 0, 0 }, q[2] = { t->domid, ref };
	size_t got = 0;
	if (mp_call(&t->broker, MP_REF_PINS, q, sizeof(q), pins, sizeof(pins), &got, NULL) < 0 || got != sizeof(pins))
		return 0;
	*frame = pins[2];
	return pins[0] + pins[1];
}

/* --- the pool: LIFO, so a page given back is the next one handed out (MSA02's case) --- */

void target_pages_init(struct target *t)
{
	t->nr_free = 0;
	memset(t->page, 0, sizeof(t->page));
	for (uint64_t f = TGT_NR_PAGES; f-- > TGT_FIRST_PAGE;)
		t->free_pages[t->nr_free++] = f;
}

static int pop(struct target *t, uint64_t *frame, enum tgt_page to)
{
	if (!t->nr_free)
		return -1;
	*frame = t->free_pages[--t->nr_free];
	t->page[*frame] = (uint8_t)to;
	return 0;
}

static void push(struct target *t, uint64_t frame)
{
	t->page[frame] = TGT_PG_FREE;
	t->free_pages[t->nr_free++] = frame;
}

int target_page_alloc(struct target *t, uint64_t *frame) { return pop(t, frame, TGT_PG_HOST); }

/* The frontend gives back a page it never shared. */
void target_page_free(struct target *t, uint64_t frame)
{
	if (frame_ok(frame) && t->page[frame] == TGT_PG_HOST) {
		push(t, frame);
		return;
	}
	printf("target: VIOLATION lost: the frontend freed a page it does not hold frame=%llu held-by=%s\n",
	       (unsigned long long)frame, frame_ok(frame) ? state_name(t->page[frame]) : "nobody");
	violation(t);
	/* A driver that frees a page whose end the library deferred (it ignored the busy answer:
	 * MSA02's wrapper, CVE-2022-23040's ring) hands it to an OS allocator that knows no better:
	 * the page is handed out again, and the peer that still maps it sees it reused (the
	 * black-box oracle's case). The library's own free of it later is reported and ignored. */
	if (frame_ok(frame) && t->page[frame] == TGT_PG_LIB)
		push(t, frame);
}

unsigned target_count(const struct target *t, enum tgt_page state)
{
	unsigned n = 0;
	for (unsigned f = TGT_FIRST_PAGE; f < TGT_NR_PAGES; f++)
		n += t->page[f] == state;
	return n;
}

/* --- what the library gets (struct seam_host) --- */

static int h_page_alloc(void *ctx, uint64_t *frame) { return pop(ctx, frame, TGT_PG_LIB_OWN); }

/* The library is done with a page. Invariant 1: nobody may map it any more. Only a page the
 * library holds goes back to the pool: a free of a page it was never given (still shared, the
 * frontend's, already free) is reported and ignored, so it cannot corrupt the pool. */
static void h_page_free(void *ctx, uint64_t frame)
{
	struct target *t = ctx;
	uint32_t pins = target_frame_pins(t, frame);
	if (pins) {
		printf("target: VIOLATION free-while-mapped: the library freed a page the peer still maps frame=%llu foreign_pins=%u\n", (unsigned long long)frame, pins);
		violation(t);
	}
	if (frame_ok(frame) && (t->page[frame] == TGT_PG_LIB || t->page[frame] == TGT_PG_WRITTEN_OFF ||
				t->page[frame] == TGT_PG_LIB_OWN)) {
		push(t, frame);
		t->reclaimed += t->in_tick;
		return;
	}
	printf("target: VIOLATION lost: the library freed a page it was never given frame=%llu held-by=%s\n", (unsigned long long)frame,
	       frame_ok(frame) ? state_name(t->page[frame]) : "nobody");
	violation(t);
}

static void *h_page_mem(void *ctx, uint64_t frame)
{
	struct target *t = ctx;
	return frame < MP_NR_PAGES ? t->mem + frame * MP_PAGE : NULL;
}

static void h_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	struct target *t = ctx;
	if (t->verbose)
		fprintf(stderr, "target: %s: %s %llu %llu\n", gntfuzz_library, msg, (unsigned long long)a,
			(unsigned long long)b);
}

void target_host_init(struct target *t)
{
	t->host.ctx = t;
	t->host.page_alloc = h_page_alloc;
	t->host.page_free = h_page_free;
	t->host.page_mem = h_page_mem;
	t->host.log = h_log;
}

/* --- the seam's calls, recorded --- */

/* Oracle (invariant 2): a ref handed out must have no pins left from its previous grant. Pins
 * on the new frame are a peer that mapped the new grant already (legal); pins on another frame
 * are maps of the previous grant still alive. */
int target_share(struct target *t, domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	int rc = gntfuzz_adapter.share(domid, frame, readonly, ref);
	if (rc != SEAM_OK)
		return rc;
	t->shares++;
	if (frame_ok(frame) && t->page[frame] == TGT_PG_HOST)
		t->page[frame] = TGT_PG_SHARED;
	if (*ref >= MP_POOL_FIRST_REF) {
		printf("target: VIOLATION lost: the library handed out a ref outside its table ref=%u nr_refs=%u\n", *ref, MP_POOL_FIRST_REF);
		violation(t);
		return rc;
	}
	t->ref_handed[*ref] = t->ref_live[*ref] = 1;
	t->ref_ro[*ref] = (uint8_t)!!readonly;
	uint64_t pinned = 0;
	uint32_t pins = target_ref_pins(t, *ref, &pinned);
	if (pins && pinned != frame) {
		printf("target: VIOLATION regrant-while-live: a ref granted again while its previous grant is mapped ref=%u frame=%llu old_frame=%llu pins=%u\n", *ref,
		       (unsigned long long)frame, (unsigned long long)pinned, pins);
		violation(t);
	}
	return rc;
}

/* The page is the library's from the call on: it may free it inside (SEAM_OK). A refusal
 * leaves the grant, and the page, where they were. */
int target_unshare(struct target *t, grant_ref_t ref, uint64_t frame)
{
	int ours = frame_ok(frame) && t->page[frame] == TGT_PG_SHARED;
	/* Oracle (invariant 3): a page the host asked to share read-only has no writable map */
	uint32_t pins[3] = { 0, 0, 0 }, q[2] = { t->domid, ref };
	size_t got = 0;
	if (ref < MP_POOL_FIRST_REF && t->ref_live[ref] && t->ref_ro[ref] &&
	    mp_call(&t->broker, MP_REF_PINS, q, sizeof(q), pins, sizeof(pins), &got, NULL) == 0 && got == sizeof(pins) &&
	    pins[1]) {
		printf("target: VIOLATION wrong-frame: the peer maps read-write a page shared read-only ref=%u frame=%llu wr_pins=%u\n",
		       ref, (unsigned long long)frame, pins[1]);
		violation(t);
	}
	if (ours)
		t->page[frame] = TGT_PG_LIB;
	int rc = gntfuzz_adapter.unshare(ref, frame);
	int kept = ours && t->page[frame] == TGT_PG_LIB;
	if (ref < MP_POOL_FIRST_REF && (rc == SEAM_OK || rc == SEAM_BUSY || rc == SEAM_LEAKED))
		t->ref_live[ref] = 0; /* given up: the library's until it hands it out again */
	switch (rc) {
	case SEAM_OK:
		t->ended++;
		break;
	case SEAM_BUSY:
		t->busy++;
		break;
	case SEAM_LEAKED:
		t->written_off++;
		if (kept)
			t->page[frame] = TGT_PG_WRITTEN_OFF;
		break;
	default:
		t->unshare_errors++;
		if (kept)
			t->page[frame] = TGT_PG_SHARED;
		break;
	}
	return rc;
}

/* Pages freed by the tick, as counted here (the library's own count is not needed). */
unsigned target_tick(struct target *t)
{
	uint64_t before = t->reclaimed;
	t->in_tick = 1;
	gntfuzz_adapter.tick();
	t->in_tick = 0;
	return (unsigned)(t->reclaimed - before);
}

int target_sweep_refs(struct target *t, domid_t domid, unsigned *twice, grant_ref_t *example)
{
	uint8_t seen[MP_POOL_FIRST_REF] = { 0 };
	int missing = 0;
	for (unsigned n = 0; n < MP_POOL_FIRST_REF; n++) {
		grant_ref_t ref = ~0u;
		int rc = gntfuzz_adapter.share(domid, 0, 1, &ref);
		if (rc == SEAM_ERR && n == 0)
			return -1;
		if (rc != SEAM_OK || ref >= MP_POOL_FIRST_REF)
			break;
		if (seen[ref]++) {
			if (!(*twice)++)
				*example = ref;
			break;
		}
	}
	for (unsigned r = 0; r < MP_POOL_FIRST_REF; r++) {
		uint64_t pinned;
		if (!t->ref_handed[r] || t->ref_live[r] || seen[r] || target_ref_pins(t, r, &pinned))
			continue;
		if (!missing++ && !*twice)
			*example = r;
	}
	return missing;
}

/* --- widening: a preempted vCPU between the library's accesses to its grant table ---
 *
 * The table and status pages are mapped PROT_NONE. An access faults: the handler opens the pages,
 * sleeps widen_us (the peer runs meanwhile), and returns with the trap flag set, so the access
 * runs once and traps; the trap closes the pages again. Any library, no hooks compiled in. */
#if defined(__x86_64__)
static uint8_t *w_lo;
static size_t w_len;
static unsigned w_us;

static void on_segv(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint8_t *a = si->si_addr;
	if (a < w_lo || a >= w_lo + w_len) { /* not ours: fault again, with the default action */
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	mprotect(w_lo, w_len, PROT_READ | PROT_WRITE);
	struct timespec ts = { (time_t)(w_us / 1000000u), (long)(w_us % 1000000u) * 1000 };
	nanosleep(&ts, NULL);
	uc->uc_mcontext.gregs[REG_EFL] |= 0x100; /* TF: trap after the access */
}

static void on_trap(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)0x100;
	mprotect(w_lo, w_len, PROT_NONE);
}

int target_widen_start(struct target *t)
{
	struct sigaction sa;
	if (!t->widen_us)
		return 0;
	w_lo = t->mem + MP_GT_OFFSET;
	w_len = MP_MEM_SIZE - MP_GT_OFFSET;
	w_us = t->widen_us;
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = on_segv;
	if (sigaction(SIGSEGV, &sa, NULL) < 0)
		return -1;
	sa.sa_sigaction = on_trap;
	if (sigaction(SIGTRAP, &sa, NULL) < 0)
		return -1;
	return mprotect(w_lo, w_len, PROT_NONE);
}

void target_widen_stop(struct target *t)
{
	if (t->widen_us && w_lo)
		mprotect(w_lo, w_len, PROT_READ | PROT_WRITE);
}
#else
int target_widen_start(struct target *t)
{
	return t->widen_us ? -1 : 0; /* needs the x86-64 trap flag */
}

void target_widen_stop(struct target *t)
{
}
#endif
