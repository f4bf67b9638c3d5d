/* target_platform.c - grants/ platform for the target process: grant entries in the domain's
 * memfd (shared with the broker, which plays Xen), a page allocator, and the oracle's check that
 * no page comes back to the allocator while a foreign map of it exists (DESIGN.md invariant 1).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
#include "target.h"

static void widen(struct target *t)
{
	if (t->widen_us)
		usleep(t->widen_us); /* a preempted vCPU: the peer runs between our accesses */
}

static uint16_t p_load16(void *ctx, volatile uint16_t *p)
{
	widen(ctx);
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void p_store16(void *ctx, volatile uint16_t *p, uint16_t v)
{
	widen(ctx);
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static void p_store32(void *ctx, volatile uint32_t *p, uint32_t v)
{
	widen(ctx);
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static void p_store64(void *ctx, volatile uint64_t *p, uint64_t v)
{
	widen(ctx);
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static uint16_t p_cmpxchg16(void *ctx, volatile uint16_t *p, uint16_t old, uint16_t new_val)
{
	widen(ctx);
	__atomic_compare_exchange_n(p, &old, new_val, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old; /* the value found: equal to the expected one on success */
}

static void p_wmb(void *ctx) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static void p_mb(void *ctx) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

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

static void p_page_release(void *ctx, uint64_t frame)
{
	struct target *t = ctx;
	uint32_t pins = target_frame_pins(t, frame);
	if (pins) {
		t->violations++;
		printf("target: VIOLATION released-while-mapped frame=%llu foreign_pins=%u\n",
		       (unsigned long long)frame, pins);
		fflush(stdout);
	}
	target_page_free(t, frame);
}

static void p_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	struct target *t = ctx;
	if (t->verbose)
		fprintf(stderr, "target: gnt: %s %llu %llu\n", msg, (unsigned long long)a, (unsigned long long)b);
}

const struct gnt_platform_ops target_gnt_ops = {
	.load16 = p_load16, .store16 = p_store16, .store32 = p_store32, .store64 = p_store64,
	.cmpxchg16 = p_cmpxchg16, .wmb = p_wmb, .mb = p_mb, .page_release = p_page_release, .log = p_log,
};

/* LIFO: a page given back is the next one handed out, so reuse is immediate (MSA02's case). */
void target_pages_init(struct target *t)
{
	t->nr_free = 0;
	for (uint64_t f = TGT_NR_PAGES; f-- > TGT_FIRST_PAGE;)
		t->free_pages[t->nr_free++] = f;
}

int target_page_alloc(struct target *t, uint64_t *frame)
{
	if (!t->nr_free)
		return -1;
	*frame = t->free_pages[--t->nr_free];
	return 0;
}

void target_page_free(struct target *t, uint64_t frame)
{
	if (t->nr_free < TGT_NR_PAGES)
		t->free_pages[t->nr_free++] = frame;
}
