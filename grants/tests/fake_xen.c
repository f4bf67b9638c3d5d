/* fake_xen.c - plain-memory platform for the unit tests (see fake_xen.h). */
#include <string.h>
#include "fake_xen.h"

static void record(struct fake_xen *x, enum fx_op op, const volatile void *addr, uint64_t val)
{
	if (x->nrec < FX_MAX_OPS) {
		x->rec[x->nrec].op = op;
		x->rec[x->nrec].addr = addr;
		x->rec[x->nrec].val = val;
	}
	x->nrec++;
}

/* --- the store buffer (fx_model) --- */

static void sb_write(const struct fx_store *s)
{
	switch (s->size) {
	case 2: *(volatile uint16_t *)s->addr = (uint16_t)s->val; break;
	case 4: *(volatile uint32_t *)s->addr = (uint32_t)s->val; break;
	default: *(volatile uint64_t *)s->addr = s->val; break;
	}
}

/* Buffered store i becomes visible now. */
static void sb_release(struct fake_xen *x, unsigned i)
{
	sb_write(&x->sb[i]);
	memmove(&x->sb[i], &x->sb[i + 1], (x->nsb - i - 1) * sizeof(x->sb[0]));
	x->nsb--;
}

void fx_drain(struct fake_xen *x)
{
	while (x->nsb)
		sb_release(x, 0);
}

static void sb_store(struct fake_xen *x, volatile void *p, unsigned size, uint64_t v)
{
	struct fx_store s = { p, size, v };

	if (x->model == FX_SC) {
		sb_write(&s);
		return;
	}
	if (x->nsb == FX_SB)
		sb_release(x, 0); /* a full buffer drains its oldest store: legal on both CPUs */
	x->sb[x->nsb++] = s;
}

/* The library's 16-bit load: its own newest buffered store to p, else memory. A buffered store
 * that only overlaps p is drained first (a CPU may always drain). */
static uint16_t sb_load16(struct fake_xen *x, volatile uint16_t *p)
{
	uintptr_t a = (uintptr_t)p;
	unsigned i;

	for (i = x->nsb; i-- > 0;) {
		uintptr_t b = (uintptr_t)x->sb[i].addr;

		if (b == a && x->sb[i].size == 2)
			return (uint16_t)x->sb[i].val;
		if (b < a + 2 && a < b + x->sb[i].size) {
			fx_drain(x);
			break;
		}
	}
	return *p;
}

/* The racing peer moves between the library's accesses, as the simulator's scheduler can. */
static void peer_turn(struct fake_xen *x)
{
	gnt_ref_t r = x->race_ref;

	if (x->race_at < 0 || x->nrec != (unsigned)x->race_at + 1)
		return;
	if (x->model == FX_ARM && x->race_newest && x->nsb)
		sb_release(x, x->nsb - 1);
	x->race_won = xen_map(x, r, x->race_rw);
	if (x->race_won) {
		x->race_frame = x->version == 1 ? x->v1[r].frame : x->v2[r].full_page.frame;
		x->race_off = x->version == 1 ? 0 : x->v2[r].sub_page.page_off;
		x->race_len = x->version == 1 ? 0 : x->v2[r].sub_page.length;
	}
}

static uint16_t fx_load16(void *ctx, volatile uint16_t *p)
{
	uint16_t v = sb_load16(ctx, p);

	record(ctx, FX_LOAD16, p, v);
	peer_turn(ctx);
	return v;
}

static void fx_store16(void *ctx, volatile uint16_t *p, uint16_t v)
{
	sb_store(ctx, p, 2, v);
	record(ctx, FX_STORE16, p, v);
	peer_turn(ctx);
}

static void fx_store32(void *ctx, volatile uint32_t *p, uint32_t v)
{
	sb_store(ctx, p, 4, v);
	record(ctx, FX_STORE32, p, v);
	peer_turn(ctx);
}

static void fx_store64(void *ctx, volatile uint64_t *p, uint64_t v)
{
	sb_store(ctx, p, 8, v);
	record(ctx, FX_STORE64, p, v);
	peer_turn(ctx);
}

static uint16_t fx_cmpxchg16(void *ctx, volatile uint16_t *p, uint16_t old, uint16_t new_val)
{
	uint16_t seen;

	fx_drain(ctx); /* locked (x86) / seq_cst (Arm): every earlier store first */
	seen = *p;
	if (seen == old)
		*p = new_val;
	record(ctx, FX_CMPXCHG16, p, seen);
	peer_turn(ctx);
	return seen;
}

static void fx_wmb(void *ctx)
{
	struct fake_xen *x = ctx;

	if (x->model == FX_ARM)
		fx_drain(x); /* on x86 stores already leave in order */
	record(ctx, FX_WMB, NULL, 0);
	peer_turn(ctx);
}

static void fx_mb(void *ctx)
{
	fx_drain(ctx);
	record(ctx, FX_MB, NULL, 0);
	peer_turn(ctx);
}

static void fx_page_release(void *ctx, uint64_t frame)
{
	struct fake_xen *x = ctx;

	if (x->nreleased < FX_MAX_RELEASES)
		x->released[x->nreleased] = frame;
	x->nreleased++;
	if (x->on_release)
		x->on_release(x, frame);
}

static void fx_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	struct fake_xen *x = ctx;

	x->nlogs++;
	x->last_log_a = a;
}

const struct gnt_platform_ops fx_ops = {
	.load16 = fx_load16, .store16 = fx_store16, .store32 = fx_store32, .store64 = fx_store64,
	.cmpxchg16 = fx_cmpxchg16, .wmb = fx_wmb, .mb = fx_mb, .page_release = fx_page_release,
	.log = fx_log,
};

void fx_setup(struct fake_xen *x, struct gnt_lib *lib, unsigned version, uint32_t defer_cap)
{
	struct gnt_config cfg = {
		.version = version, .nr_refs = FX_REFS, .defer_cap = defer_cap,
		.table = version == 1 ? (void *)x->v1 : (void *)x->v2,
		.status = version == 2 ? x->status : NULL,
	};

	memset(x, 0, sizeof(*x));
	x->version = version;
	x->race_at = -1;
	x->lib = lib;
	/* Garbage, not zeroes: the library must not depend on pre-cleared state. */
	memset(lib, 0xa5, sizeof(*lib));
	if (gnt_init(lib, &fx_ops, x, &cfg) != GNT_OK)
		x->version = 0; /* tests check gnt_init separately; make misuse visible */
}

int xen_map(struct fake_xen *x, gnt_ref_t ref, int rw)
{
	uint16_t flags = fx_flags(x, ref);
	domid_t domid = x->version == 1 ? x->v1[ref].domid : x->v2[ref].hdr.domid;
	uint16_t bits = (uint16_t)(GTF_reading | (rw ? GTF_writing : 0));

	if ((flags & GTF_type_mask) != GTF_permit_access || domid != FX_PEER)
		return 0;
	if (rw && (flags & GTF_readonly))
		return 0;
	if (x->version == 1)
		x->v1[ref].flags |= bits;
	else
		x->status[ref] |= bits;
	return 1;
}

void xen_unmap(struct fake_xen *x, gnt_ref_t ref)
{
	uint16_t clear = (uint16_t)~(GTF_reading | GTF_writing);

	if (x->version == 1)
		x->v1[ref].flags &= clear;
	else
		x->status[ref] &= clear;
}

uint16_t xen_map_bits(const struct fake_xen *x, gnt_ref_t ref)
{
	uint16_t v = x->version == 1 ? x->v1[ref].flags : x->status[ref];

	return v & (GTF_reading | GTF_writing);
}

uint16_t fx_flags(const struct fake_xen *x, gnt_ref_t ref)
{
	return x->version == 1 ? x->v1[ref].flags : x->v2[ref].hdr.flags;
}

unsigned fx_released_count(const struct fake_xen *x, uint64_t frame)
{
	unsigned i, n = 0;

	for (i = 0; i < x->nreleased && i < FX_MAX_RELEASES; i++)
		n += x->released[i] == frame;
	return n;
}

int fx_find(const struct fake_xen *x, enum fx_op op, const volatile void *addr, unsigned from)
{
	unsigned i;

	for (i = from; i < x->nrec && i < FX_MAX_OPS; i++)
		if (x->rec[i].op == op && (!addr || x->rec[i].addr == addr))
			return (int)i;
	return -1;
}

void fx_clear_log(struct fake_xen *x)
{
	x->nrec = 0;
}
