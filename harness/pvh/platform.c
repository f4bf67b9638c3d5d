/* platform.c - the guest's struct seam_host and the seam's calls, with the allocator's records
 * kept around them: the library frees pages through host->page_free, which hands them back to
 * pagealloc (only pages it was given: anything else is counted as a bad free and kept out). */
#include "console.h"
#include "layout.h"
#include "lib.h"
#include "pagealloc.h"
#include "platform.h"

#define DEFER_CAP 64 /* the deferred-reclaim bound the guest asks for (the libraries' default) */

struct pvh_counts pvh_counts;
static int in_tick;

static int h_page_alloc(void *ctx, uint64_t *frame)
{
	uint64_t f = pa_alloc_given();
	if (!f)
		return -1;
	*frame = f;
	return 0;
}

static void h_page_free(void *ctx, uint64_t frame)
{
	if (pa_lib_free(frame)) {
		pvh_counts.bad_frees++;
		con_puts("pvh: the library freed a page it was not given");
		con_kv("gfn", frame);
		con_kv("state", (uint64_t)(int64_t)pa_state(frame));
		con_puts("\n");
		return;
	}
	pvh_counts.freed++;
	pvh_counts.reclaimed += in_tick;
}

static void *h_page_mem(void *ctx, uint64_t frame) { return pa_state(frame) < 0 ? 0 : gfn_to_ptr(frame); }

static void h_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	con_puts("lib: ");
	con_puts(msg);
	con_kv("a", a);
	con_kv("b", b);
	con_puts("\n");
}

static const struct seam_host host = {
	.page_alloc = h_page_alloc, .page_free = h_page_free, .page_mem = h_page_mem, .log = h_log,
};

int pvh_lib_setup(const struct gnttab *gt, domid_t self)
{
	char why[160];
	if (seam_check(&gntfuzz_adapter, gt->version, why, sizeof(why))) {
		con_puts("pvh: ");
		con_line(why);
		return -1;
	}
	/* The table shaped as the adapter asks (seam.h, struct seam_geometry), as the world does: "any"
	 * is up to 256 entries, a library's own size caps it (Xen's frame holds more: unused), and
	 * its first_ref is where it starts (Xen keeps 0..7 for the toolstack). */
	const struct seam_geometry *geo = &gntfuzz_adapter.table;
	uint32_t want = geo->max_refs ? geo->max_refs : 256;
	if (want > gt->nr_entries) {
		if (geo->fixed) {
			con_puts("pvh: adapter of ");
			con_puts(gntfuzz_library);
			con_puts(": needs a table of");
			con_kv("refs", geo->max_refs);
			con_puts(", more than this guest's grant frame holds\n");
			return -1;
		}
		want = gt->nr_entries;
	}
	struct seam_table table = {
		.version = gt->version, .shared = gt->shared, .status = gt->status, .nr_refs = want,
		.first_ref = geo->first_ref ? geo->first_ref : GNTTAB_NR_RESERVED_ENTRIES,
		.defer_cap = DEFER_CAP, .self = self,
	};
	memset(&pvh_counts, 0, sizeof(pvh_counts));
	if (seam_start(&gntfuzz_adapter, &host, &table) != SEAM_OK) {
		con_puts("pvh: adapter of ");
		con_puts(gntfuzz_library);
		con_puts(": boot/setup refused the table");
		con_kv("ver", gt->version);
		con_kv("refs", gt->nr_entries);
		con_puts("\n");
		return -1;
	}
	return 0;
}

int pvh_share(domid_t domid, uint64_t gfn, int readonly, grant_ref_t *ref)
{
	int rc = gntfuzz_adapter.share(domid, gfn, readonly, ref);
	if (rc == SEAM_OK) {
		pvh_counts.shares++;
		pa_give_to_lib(gfn);
	}
	return rc;
}

/* The page is the library's from the call on (it may free it inside); a refusal gives it back. */
int pvh_unshare(grant_ref_t ref, uint64_t gfn)
{
	int ours = pa_give_up(gfn) == 0;
	int rc = gntfuzz_adapter.unshare(ref, gfn);
	switch (rc) {
	case SEAM_OK:
		pvh_counts.ended++;
		break;
	case SEAM_BUSY:
		pvh_counts.busy++;
		break;
	case SEAM_LEAKED:
		pvh_counts.written_off++;
		break;
	default:
		pvh_counts.errors++;
		if (ours)
			pa_take_back(gfn);
		break;
	}
	return rc;
}

unsigned pvh_tick(void)
{
	unsigned before = pvh_counts.reclaimed;
	in_tick = 1;
	gntfuzz_adapter.tick();
	in_tick = 0;
	return pvh_counts.reclaimed - before;
}

unsigned pvh_given(void)
{
	struct pa_stats s;
	pa_get_stats(&s);
	return s.given;
}

const char *pvh_variant(void)
{
	static char name[80];
	if (!name[0]) {
		str_append(name, sizeof(name), gntfuzz_library);
		str_append(name, sizeof(name), "/");
		str_append(name, sizeof(name), gntfuzz_mutant);
	}
	return name;
}
