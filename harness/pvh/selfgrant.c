/* selfgrant.c - the end_access contract checked against Xen itself, with no second domain:
 * while our own map of the grant exists Xen has set GTF_reading|GTF_writing, so end_access must
 * refuse (GNT_BUSY); after the unmap it must succeed. A self-map moves the granted page (the
 * original frame reads back unbacked even after the unmap), so the frame is repopulated after. */
#include "console.h"
#include "layout.h"
#include "lib.h"
#include "pagealloc.h"
#include "selfgrant.h"
#include "xenmem.h"

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

static uint16_t busy_bits(const struct gnttab *gt, grant_ref_t ref)
{
	if (gt->version == 1)
		return ((volatile grant_entry_v1_t *)gt->shared)[ref].flags & (GTF_reading | GTF_writing);
	return ((volatile grant_status_t *)gt->status)[ref] & (GTF_reading | GTF_writing);
}

int selfgrant_check(struct gnt_lib *lib, const struct gnttab *gt, domid_t self)
{
	static const char pattern[] = "gntfuzz self-grant pattern";
	failures = 0;
	label = gt->version == 1 ? "1" : "2";
	uint64_t gfn = pa_alloc();
	char *page = gfn_to_ptr(gfn);
	memset(page, 0, PAGE_SIZE);
	memcpy(page, pattern, sizeof(pattern));

	gnt_ref_t ref;
	int rc = gnt_grant_access(lib, self, gfn, 0, &ref);
	check(rc == GNT_OK, "grant_access to our own domid");
	if (rc != GNT_OK)
		return failures;
	uint64_t map_gpa = GFN_MAP_TARGETS << PAGE_SHIFT;
	grant_handle_t handle;
	int16_t st = gnttab_map(self, ref, map_gpa, 0, &handle);
	check(st == GNTST_okay, "map_grant_ref of our own grant");
	if (st == GNTST_okay) {
		check(!memcmp((void *)map_gpa, pattern, sizeof(pattern)), "the map shows the granted page");
		check(busy_bits(gt, ref) == (GTF_reading | GTF_writing), "Xen set GTF_reading|GTF_writing");
		check(gnt_end_access(lib, ref) == GNT_BUSY, "end_access refuses while mapped");
		check(gnt_ref_state(lib, ref) == GNT_REF_GRANTED, "a refused end leaves the grant in place");
		check(gnttab_unmap(map_gpa, handle) == GNTST_okay, "unmap_grant_ref");
		check(busy_bits(gt, ref) == 0, "Xen cleared the busy bits on unmap");
	}
	check(gnt_end_access(lib, ref) == GNT_OK, "end_access succeeds after unmap");
	check(gnt_release_ref(lib, ref) == GNT_OK, "ref returns to the free list once");
	check(gnt_release_ref(lib, ref) != GNT_OK, "a second release of the ref is refused");
	/* Fact from Xen 4.17: the map took the page away from our physmap. */
	con_puts("pvh: selfgrant note: original frame after unmap reads ");
	con_putx(*(volatile uint8_t *)page);
	con_puts("\n");
	check(xenmem_populate(gfn) == 0 || *(volatile uint8_t *)page == pattern[0], "repopulate the moved frame");
	page[0] = 'x';
	check(*(volatile char *)page == 'x', "the frame is usable RAM again");
	pa_free(gfn);
	return failures;
}
