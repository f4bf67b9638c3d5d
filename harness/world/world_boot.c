/* world_boot.c - start the library for a run: boot once, restore per input.
 *
 * A library whose init is expensive (a 2048-entry free list built at boot) gives its adapter a
 * boot(). The world calls it once per table shape (version, size, first ref, deferred cap), on
 * the pristine image of the target's writable globals, and keeps a copy of them afterwards: the
 * hooked builds put every target object's data and bss in sections of their own
 * (harness/seam/seam_sections.h), so the copy is two byte ranges. Each input then starts from a
 * restore of that copy (and setup(), if the adapter has one) instead of a boot. Builds without
 * the sections (none today in the world), and GNTWORLD_BOOT=each, boot every run: slower, never
 * wrong.
 */
#include <stdlib.h>
#include <string.h>
#include "world/world.h"
#include "world/world_internal.h"

/* Defined by the linker when some target object has the section (weak: maybe none). */
extern char __start_gntfuzz_tdata[] __attribute__((weak)), __stop_gntfuzz_tdata[] __attribute__((weak));
extern char __start_gntfuzz_tbss[] __attribute__((weak)), __stop_gntfuzz_tbss[] __attribute__((weak));

#define BOOT_SNAPS 160 /* table shapes kept: fuzz inputs vary the version (2) and the deferred cap (64) */

struct image {
	uint8_t *data, *bss;
};

struct boot_snap {
	uint64_t key;
	uint32_t last_used;
	struct image img;
	uint8_t *table;    /* the grant table and status frames as boot left them, when it wrote there */
};

static struct image pristine;
static struct boot_snap snaps[BOOT_SNAPS];
static uint32_t clock_;
static int have_sections = -1;

static size_t data_bytes(void) { return (size_t)(__stop_gntfuzz_tdata - __start_gntfuzz_tdata); }
static size_t bss_bytes(void) { return (size_t)(__stop_gntfuzz_tbss - __start_gntfuzz_tbss); }

/* A byte copy that ASan does not check: the sections hold ASan's redzones between globals. The
 * volatile accesses keep the compiler from turning it into an (intercepted) memcpy call. */
__attribute__((no_sanitize("address"))) static void copy_raw(void *dst, const void *src, size_t n)
{
	volatile uint64_t *d8 = dst;
	const volatile uint64_t *s8 = src;
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		*d8++ = *s8++;
	volatile uint8_t *d = (volatile uint8_t *)d8;
	const volatile uint8_t *s = (const volatile uint8_t *)s8;
	for (; i < n; i++)
		*d++ = *s++;
}

static uint8_t *snapshot_alloc(size_t n)
{
	uint8_t *p = n ? malloc(n) : NULL;
	if (n && !p) {
		fprintf(stderr, "gntworld: out of memory for a boot snapshot\n");
		exit(2);
	}
	return p;
}

static void save(struct image *img)
{
	if (!img->data)
		img->data = snapshot_alloc(data_bytes());
	if (!img->bss)
		img->bss = snapshot_alloc(bss_bytes());
	copy_raw(img->data, __start_gntfuzz_tdata, data_bytes());
	copy_raw(img->bss, __start_gntfuzz_tbss, bss_bytes());
}

static void restore(const struct image *img)
{
	copy_raw(__start_gntfuzz_tdata, img->data, data_bytes());
	copy_raw(__start_gntfuzz_tbss, img->bss, bss_bytes());
}

static size_t table_bytes(const struct world *w)
{
	const struct xsim_domain *t = w->tdom;
	return (size_t)t->nr_grants * (t->gnt_version == 2 ? sizeof(grant_entry_v2_t) : sizeof(grant_entry_v1_t));
}

static size_t status_bytes(const struct world *w)
{
	return (size_t)w->tdom->nr_grants * sizeof(grant_status_t);
}

/* Put boot's table writes back into the freshly zeroed table (and tell xsim, whose reset clears
 * only what it was told was touched). */
static void restore_table(struct world *w, const struct boot_snap *s)
{
	struct xsim_domain *t = w->tdom;
	memcpy(&t->shared, s->table, table_bytes(w));
	memcpy(t->status, s->table + table_bytes(w), status_bytes(w));
	for (uint32_t r = 0; r < t->nr_grants; r++)
		xsim_guest_touch(&w->sim, WORLD_TARGET_DOM, &t->status[r]);
}

static int call_boot(struct world *w, const struct seam_table *table)
{
	w->stores_in_call = 0;
	w->allocs_in_call = 0;
	world_seam_enter(w);
	int rc = w->adapter->boot(&w->host, table);
	world_seam_leave(w);
	if (w->allocs_in_call)
		world_adapter_error(w, "boot allocated %llu page(s) from the host: boot runs once per process and may "
				    "not take pages (allocate them in setup or on share) (%llu)", w->allocs_in_call, 0);
	return rc;
}

int world_boot(struct world *w, const struct seam_table *table)
{
	if (have_sections < 0) { /* GNTWORLD_BOOT=each: boot every input, the "before" of `make bench-boot` */
		const char *how = getenv("GNTWORLD_BOOT");
		have_sections = (__start_gntfuzz_tdata != NULL || __start_gntfuzz_tbss != NULL) &&
				!(how && !strcmp(how, "each"));
	}
	if (!have_sections) /* nothing to restore from: boot every run */
		return call_boot(w, table);
	if (!pristine.data && !pristine.bss)
		save(&pristine);
	uint64_t key = table->version | (uint64_t)table->nr_refs << 8 | (uint64_t)table->defer_cap << 24 |
		       (uint64_t)table->first_ref << 40;
	struct boot_snap *s = NULL, *oldest = &snaps[0];
	for (unsigned i = 0; i < BOOT_SNAPS && !s; i++) {
		if (snaps[i].last_used && snaps[i].key == key)
			s = &snaps[i];
		else if (snaps[i].last_used < oldest->last_used)
			oldest = &snaps[i];
	}
	if (s) {
		restore(&s->img);
		if (s->table)
			restore_table(w, s);
		s->last_used = ++clock_;
		return SEAM_OK;
	}
	s = oldest; /* a new shape: boot on the pristine image, then keep what it built */
	restore(&pristine);
	int rc = call_boot(w, table);
	if (rc != SEAM_OK)
		return rc;
	save(&s->img);
	free(s->table);
	s->table = NULL;
	if (w->stores_in_call) {
		s->table = snapshot_alloc(table_bytes(w) + status_bytes(w));
		memcpy(s->table, &w->tdom->shared, table_bytes(w));
		memcpy(s->table + table_bytes(w), w->tdom->status, status_bytes(w));
	}
	s->key = key;
	s->last_used = ++clock_;
	return SEAM_OK;
}
