/* selfgrant.c - the seam's contract checked against Xen itself, with no second domain: while our
 * own map of a grant exists Xen has set GTF_reading|GTF_writing, so the library must not end the
 * grant; after the unmap it must. Twice per table version: through the required calls (unshare
 * answers SEAM_BUSY or SEAM_LEAKED and keeps the page while mapped, its tick frees the page after
 * the unmap), and through the optional end/release (end answers SEAM_BUSY while mapped, SEAM_OK
 * after, release takes the ref back once); a library without end, or whose end does not take a
 * shared ref, gets a console note instead. A self-map moves the granted page (the original frame
 * reads back unbacked even after the unmap), so the frame is repopulated after. On a mutant a
 * "not ok" line is the library caught on real Xen. */
#include "console.h"
#include "layout.h"
#include "lib.h"
#include "pagealloc.h"
#include "platform.h"
#include "selfgrant.h"
#include "xenmem.h"

#define TICKS_MAX 64 /* ticks a library may take to free a page nobody maps */

static int failures;
static const char *label;

static void check(int cond, const char *what)
{
	con_puts(cond ? "pvh: ok - selfgrant v" : "pvh: not ok - selfgrant v");
	con_puts(label);
	con_puts(" ");
	con_line(what);
	failures += !cond;
}

static void note(const char *what)
{
	con_puts("pvh: selfgrant v");
	con_puts(label);
	con_puts(" note: ");
	con_line(what);
}

static uint16_t busy_bits(const struct gnttab *gt, grant_ref_t ref)
{
	if (gt->version == 1)
		return ((volatile grant_entry_v1_t *)gt->shared)[ref].flags & (GTF_reading | GTF_writing);
	return ((volatile grant_status_t *)gt->status)[ref] & (GTF_reading | GTF_writing);
}

/* v1: the entry, as Xen reads it, still grants gfn to self (the table, not the library's word).
 * In v1 a refused end must leave it (the end is a cmpxchg of flags that finds the busy bits); in
 * v2 a correct end clears the header first and then reads the status, so there is nothing to see. */
static int v1_entry_grants(const struct gnttab *gt, grant_ref_t ref, domid_t self, uint64_t gfn)
{
	volatile grant_entry_v1_t *e = &((volatile grant_entry_v1_t *)gt->shared)[ref];
	return (e->flags & GTF_type_mask) == GTF_permit_access && e->domid == self && e->frame == gfn;
}

/* A self-map moves the granted page: put RAM back under the frame. */
static void repopulate(uint64_t gfn, char *page, char first)
{
	/* Fact from Xen 4.17: the map took the page away from our physmap. */
	con_puts("pvh: selfgrant note: original frame after unmap reads ");
	con_putx(*(volatile uint8_t *)page);
	con_puts("\n");
	check(xenmem_populate(gfn) == 0 || *(volatile uint8_t *)page == (uint8_t)first, "repopulate the moved frame");
	page[0] = 'x';
	check(*(volatile char *)page == 'x', "the frame is usable RAM again");
}

/* One page shared to ourselves and mapped. use_end: end/release (the caller keeps the page), else
 * unshare/tick (the library takes it). Returns 1 if end/release was not checked (no end, or an end
 * that does not take a shared ref). */
static int one_grant(const struct gnttab *gt, domid_t self, int use_end)
{
	static const char pattern[] = "gntfuzz self-grant pattern";
	uint64_t gfn = pa_alloc();
	char *page = gfn_to_ptr(gfn);
	memset(page, 0, PAGE_SIZE);
	memcpy(page, pattern, sizeof(pattern));

	grant_ref_t ref;
	int rc = pvh_share(self, gfn, 0, &ref);
	check(rc == SEAM_OK, "share to our own domid");
	if (rc != SEAM_OK) {
		pa_free(gfn);
		return 0;
	}
	uint64_t map_gpa = GFN_MAP_TARGETS << PAGE_SHIFT;
	grant_handle_t handle;
	int16_t st = gnttab_map(self, ref, map_gpa, 0, &handle);
	int skipped = 0, unshare_rc = SEAM_ERR;
	check(st == GNTST_okay, "map_grant_ref of our own grant");
	if (st == GNTST_okay) {
		check(!memcmp((void *)map_gpa, pattern, sizeof(pattern)), "the map shows the granted page");
		check(busy_bits(gt, ref) == (GTF_reading | GTF_writing), "Xen set GTF_reading|GTF_writing");
		if (use_end) {
			int e = gntfuzz_adapter.end(ref);
			if (e == SEAM_ERR) {
				note("the adapter's end does not take a shared ref (SEAM_ERR): end/release not checked");
				skipped = 1;
			} else {
				check(e == SEAM_BUSY, "end refuses while mapped");
			}
		} else {
			unshare_rc = pvh_unshare(ref, gfn);
			check(unshare_rc == SEAM_BUSY || unshare_rc == SEAM_LEAKED, "unshare answers BUSY while mapped");
			check(pa_state(gfn) == PA_GIVEN, "the library keeps the page while mapped");
		}
		if (gt->version == 1 && !skipped)
			check(v1_entry_grants(gt, ref, self, gfn), "a refused end leaves the grant in place");
		check(gnttab_unmap(map_gpa, handle) == GNTST_okay, "unmap_grant_ref");
		check(busy_bits(gt, ref) == 0, "Xen cleared the busy bits on unmap");
	} else if (!use_end) {
		unshare_rc = pvh_unshare(ref, gfn);
	}
	if (use_end && skipped) {
		unshare_rc = pvh_unshare(ref, gfn); /* nobody maps it now: the library takes the page back */
		for (unsigned i = 0; i < TICKS_MAX && pa_state(gfn) == PA_GIVEN; i++)
			pvh_tick();
	} else if (use_end) {
		check(gntfuzz_adapter.end(ref) == SEAM_OK, "end succeeds after unmap");
		if (gntfuzz_adapter.release) {
			/* once only: the contract (seam.h) leaves a second release undefined, and a library
			 * may rightly panic on it (hiref's BUG_ON did, here, before) */
			check(gntfuzz_adapter.release(ref) == SEAM_OK, "ref returns to the free list once");
		} else {
			note("the adapter has no release (optional): not checked");
		}
	} else if (unshare_rc == SEAM_LEAKED) {
		note("the library wrote the grant off (SEAM_LEAKED): the page stays its own");
	} else if (unshare_rc == SEAM_BUSY || unshare_rc == SEAM_OK) {
		for (unsigned i = 0; i < TICKS_MAX && pa_state(gfn) != PA_FREE; i++)
			pvh_tick();
		check(pa_state(gfn) == PA_FREE, "the library frees the page once nobody maps it");
	}
	if (st == GNTST_okay)
		repopulate(gfn, page, pattern[0]);
	if (use_end && !skipped)
		pa_free(gfn); /* ended and released: the page is ours to free */
	return skipped;
}

int selfgrant_check(const struct gnttab *gt, domid_t self)
{
	failures = 0;
	label = gt->version == 1 ? "1" : "2";
	one_grant(gt, self, 0); /* the required calls: share, unshare, tick */
	if (gntfuzz_adapter.end)
		one_grant(gt, self, 1);
	else
		note("the adapter has no end (optional): end/release not checked");
	return failures;
}
