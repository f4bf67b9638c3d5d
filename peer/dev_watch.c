/* dev_watch.c - the black-box oracle: see dev_watch.h. */
#include <string.h>
#include "dev_watch.h"

void dw_init(struct dev_watch *w, const char *device, double grace, double (*now)(void *), void *ctx, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->device = device;
	w->grace = grace;
	w->now = now;
	w->ctx = ctx;
	w->out = out;
	w->seed = 0x9e3779b97f4a7c15ull;
}

static double t_now(struct dev_watch *w)
{
	return w->now(w->ctx);
}

/* The marker: a pattern no frontend writes by chance, different for every watch. */
static void fill_marker(uint8_t *dst, uint64_t seed)
{
	uint64_t x = seed;
	for (unsigned i = 0; i < DW_PAGE; i += 8) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(dst + i, &x, 8);
	}
	memcpy(dst, "GNTFUZZ-MARKER!", 16);
}

static void copy_in(uint8_t *dst, volatile const uint8_t *src)
{
	for (unsigned i = 0; i < DW_PAGE; i += 8)
		memcpy(dst + i, (const void *)(src + i), 8);
}

static unsigned check_one(struct dev_watch *w, struct dw_entry *e, double now, int final);

/* A fresh marker over the watch's region only: the bytes around it are the frontend's. */
static void plant(struct dev_watch *w, struct dw_entry *e)
{
	static uint8_t m[DW_PAGE];
	e->marker_seed = w->seed += 0x632be59bd9b4e019ull;
	fill_marker(m, e->marker_seed);
	memcpy(e->expect + e->region_off, m, e->region_len);
	for (unsigned i = e->region_off; i < e->region_off + e->region_len; i++)
		e->addr[i] = e->expect[i];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static int find(struct dev_watch *w, volatile uint8_t *addr)
{
	for (int i = 0; i < DW_MAX; i++)
		if (w->e[i].in_use && w->e[i].addr == addr)
			return i;
	return -1;
}

int dw_watch(struct dev_watch *w, volatile uint8_t *addr, uint32_t ref, int rw, enum dw_mode mode, uint64_t req,
	     unsigned page)
{
	return dw_watch_region(w, addr, ref, rw, mode, req, page, 0, DW_PAGE);
}

int dw_watch_region(struct dev_watch *w, volatile uint8_t *addr, uint32_t ref, int rw, enum dw_mode mode,
		    uint64_t req, unsigned page, unsigned off, unsigned len)
{
	if (off >= DW_PAGE)
		off = 0, len = DW_PAGE;
	if (len > DW_PAGE - off)
		len = DW_PAGE - off;
	int i = find(w, addr);
	for (int j = 0; i < 0 && j < DW_MAX; j++)
		if (!w->e[j].in_use)
			i = j;
	if (i < 0)
		return -1;
	struct dw_entry *e = &w->e[i];
	*e = (struct dw_entry){ .in_use = 1, .rw = !!rw, .mode = rw ? mode : DW_SNAPSHOT, .ref = ref, .req = req,
				.page = page, .addr = addr, .since = t_now(w), .expect = w->pages[i],
				.region_off = off, .region_len = len };
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	copy_in(e->expect, addr);
	if (e->mode == DW_MARKER)
		plant(w, e);
	w->watched++;
	return 0;
}

void dw_named(struct dev_watch *w, uint32_t ref)
{
	for (int i = 0; i < DW_MAX; i++)
		if (w->e[i].in_use && w->e[i].ref == ref) {
			if (w->e[i].pending)
				w->excused++;
			w->e[i].in_use = 0;
		}
}

void dw_device_wrote(struct dev_watch *w, volatile uint8_t *addr, unsigned off, const void *src, unsigned len)
{
	int i = find(w, addr);
	if (i < 0 || off >= DW_PAGE)
		return;
	if (len > DW_PAGE - off)
		len = DW_PAGE - off;
	memcpy(w->e[i].expect + off, src, len);
}

void dw_replant(struct dev_watch *w)
{
	for (int i = 0; i < DW_MAX; i++) {
		struct dw_entry *e = &w->e[i];
		if (!e->in_use || e->mode != DW_MARKER || e->pending || e->reported)
			continue;
		/* only an intact page is written again: a change seen in between stays evidence */
		uint8_t cur[DW_PAGE];
		copy_in(cur, e->addr);
		if (memcmp(cur, e->expect, DW_PAGE)) {
			check_one(w, e, t_now(w), 0);
			continue;
		}
		plant(w, e);
	}
}

void dw_drained(struct dev_watch *w)
{
	w->drained_at = t_now(w);
}

static void hex(FILE *f, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

static void report(struct dev_watch *w, struct dw_entry *e, double now)
{
	unsigned off = e->change_off & ~(unsigned)(DW_EVIDENCE - 1);
	e->reported = 1;
	w->observations++;
	fprintf(w->out, "peer: %s device=%s ref=%u req=%llu page=%u offset=%u held-since-ms=%.1f expected=",
		e->rw ? "REUSED-WRITE" : "REUSED-READ", w->device, e->ref, (unsigned long long)e->req, e->page,
		e->change_off, (now - e->since) * 1e3);
	hex(w->out, e->expect + off, DW_EVIDENCE);
	fprintf(w->out, " saw=");
	hex(w->out, e->saw, DW_EVIDENCE); /* as first seen: the page may have changed again since */
	fprintf(w->out, " mode=%s\n", e->mode == DW_MARKER ? "marker" : "snapshot");
	fflush(w->out);
}

/* Bytes outside the request changed: the page holds other live data of the frontend's. */
static void exposed(struct dev_watch *w, struct dw_entry *e, unsigned off)
{
	e->exposed = 1;
	w->exposed++;
	fprintf(w->out, "peer: EXPOSED device=%s ref=%u req=%llu page=%u region=%u+%u offset=%u\n", w->device, e->ref,
		(unsigned long long)e->req, e->page, e->region_off, e->region_len, off);
	fflush(w->out);
}

/* One entry: note a change, report it once past its grace (or at once when `final`). */
static unsigned check_one(struct dev_watch *w, struct dw_entry *e, double now, int final)
{
	static uint8_t saw[DW_PAGE];
	if (!e->in_use || e->reported)
		return 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	copy_in(saw, e->addr);
	if (!e->pending) {
		unsigned lo = e->region_off, hi = e->region_off + e->region_len, i;
		if (!e->exposed && (lo > 0 || hi < DW_PAGE)) {
			for (i = 0; i < DW_PAGE && (saw[i] == e->expect[i] || (i >= lo && i < hi)); i++)
				;
			if (i < DW_PAGE)
				exposed(w, e, i);
		}
		for (i = lo; i < hi && saw[i] == e->expect[i]; i++)
			;
		if (i == hi)
			return 0;
		e->pending = 1;
		e->changed_at = now;
		e->change_off = i;
		memcpy(e->saw, saw + (i & ~(unsigned)(DW_EVIDENCE - 1)), DW_EVIDENCE);
	}
	if (final || (now - e->changed_at >= w->grace && w->drained_at > e->changed_at)) {
		report(w, e, now);
		return 1;
	}
	return 0;
}

unsigned dw_check(struct dev_watch *w)
{
	unsigned n = 0;
	double now = t_now(w);
	for (int i = 0; i < DW_MAX; i++)
		n += check_one(w, &w->e[i], now, 0);
	return n;
}

int dw_pending(struct dev_watch *w, volatile uint8_t *addr)
{
	int i = find(w, addr);
	if (i < 0)
		return 0;
	check_one(w, &w->e[i], t_now(w), 0);
	return w->e[i].in_use && w->e[i].pending && !w->e[i].reported;
}

void dw_unwatch(struct dev_watch *w, volatile uint8_t *addr)
{
	int i = find(w, addr);
	if (i < 0)
		return;
	check_one(w, &w->e[i], t_now(w), 0);
	w->e[i].in_use = 0;
}

unsigned dw_finish(struct dev_watch *w)
{
	unsigned n = 0;
	double now = t_now(w);
	for (int i = 0; i < DW_MAX; i++) {
		n += check_one(w, &w->e[i], now, 1);
		w->e[i].in_use = 0;
	}
	return n;
}
