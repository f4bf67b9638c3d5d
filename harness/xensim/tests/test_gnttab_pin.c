/* test_gnttab_pin.c - Xen's first-pin validation, status bits and pin counting, one check per rule. */
#include "tap.h"
#include "xsim_fixture.h"

static void first_pin_validation(void)
{
	setup(1);
	grant(8, PEER, 0, 0);
	*hdr_flags(8) = GTF_accept_transfer;
	CHECK(map(PEER, 8, RW, NULL) == GNTST_general_error, "first pin validates type: GTF_accept_transfer refused");
	*hdr_flags(8) = GTF_invalid;
	CHECK(map(PEER, 8, RO, NULL) == GNTST_general_error, "first pin validates type: GTF_invalid refused");
	*hdr_flags(8) = GTF_permit_access;
	CHECK(map(PEER, 8, RW, NULL) == GNTST_okay, "first pin validates type: GTF_permit_access accepted");

	setup(1);
	grant(8, OTHER, 0, 0);
	CHECK(map(PEER, 8, RW, NULL) == GNTST_general_error, "first pin validates domid: other mapper refused");
	CHECK(xsim_ref_status(&sim, GUEST, 8) == 0, "refused first pin leaves no status bits");
	CHECK(map(OTHER, 8, RW, NULL) == GNTST_okay, "first pin validates domid: named mapper accepted");

	setup(1);
	grant(8, PEER, 0, GTF_readonly);
	CHECK(map(PEER, 8, RW, NULL) == GNTST_general_error, "first pin refuses a write pin on a GTF_readonly entry");
	CHECK(map(PEER, 8, RO, NULL) == GNTST_okay, "first pin allows a read pin on a GTF_readonly entry");

	setup(2);
	grant(8, PEER, 0, GTF_readonly);
	CHECK(map(PEER, 8, RW, NULL) == GNTST_general_error, "v2 first pin refuses a write pin on a GTF_readonly entry");
	CHECK(*xsim_gnt_status(&sim, GUEST, 8) == 0, "v2 refused write pin leaves the status frame clear");

	setup(2);
	grant_sub_page(8, PEER, 1, 128, 256);
	CHECK(map(PEER, 8, RO, NULL) == GNTST_general_error, "v2 map refuses a sub-page grant (copy only)");
}

static void status_bits(void)
{
	setup(1);
	grant(8, PEER, 0, 0);
	grant(9, PEER, 1, 0);
	map(PEER, 8, RW, NULL);
	map(PEER, 9, RO, NULL);
	CHECK((*hdr_flags(8) & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
	      "v1 write pin sets GTF_reading|GTF_writing in the entry flags");
	CHECK((*hdr_flags(9) & (GTF_reading | GTF_writing)) == GTF_reading, "v1 read pin sets GTF_reading only");
	CHECK(guest_end(8) == -1 && guest_end(9) == -1, "v1 guest end fails while mapped");

	setup(2);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RW, NULL);
	CHECK(*hdr_flags(8) == GTF_permit_access &&
	      *xsim_gnt_status(&sim, GUEST, 8) == (GTF_reading | GTF_writing),
	      "v2 first pin sets the bits in the status frame, not the header");
	CHECK(guest_end(8) == -1, "v2 guest end (clear header, mb, check status) sees the map");
}

static void later_pins_reuse_active_entry(void)
{
	grant_handle_t h1, h2;
	uint64_t f2;

	setup(1);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RW, &h1);
	memcpy(xsim_frame_mem(&sim, GUEST, xsim_page_frame(0)), "secret", 7);
	/* a hostile or buggy guest overwrites the entry with plain stores */
	grant_entry_v1_t *e = xsim_gnt_v1(&sim, GUEST, 8);
	e->flags = 0;
	e->domid = OTHER;
	e->frame = (uint32_t)xsim_page_frame(5);
	CHECK(xsim_map_mem(&sim, PEER, h1) == xsim_frame_mem(&sim, GUEST, xsim_page_frame(0)) &&
	      memcmp(xsim_map_mem(&sim, PEER, h1), "secret", 7) == 0,
	      "later edits do not revoke an existing map");
	CHECK(xsim_map(&sim, PEER, GUEST, 8, RW, &h2, &f2) == GNTST_okay, "later pins are not re-validated (write pin held)");
	CHECK(f2 == xsim_page_frame(0), "later edits do not redirect a later pin: frame is the active entry's");
	CHECK(map(OTHER, 8, RO, NULL) == GNTST_general_error, "a pinned entry refuses another domain even if the entry names it");
	CHECK(xsim_unmap(&sim, PEER, h1) == GNTST_okay && xsim_unmap(&sim, PEER, h2) == GNTST_okay &&
	      xsim_ref_pins(&sim, GUEST, 8) == 0, "maps of an edited entry unmap cleanly");

	setup(2);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RW, &h1);
	CHECK(guest_end(8) == -1, "v2 header cleared by the guest's end while mapped");
	CHECK(xsim_map(&sim, PEER, GUEST, 8, RW, &h2, &f2) == GNTST_okay && f2 == xsim_page_frame(0),
	      "v2 second rw map accepted after header cleared while write pin held");
	CHECK(xsim_ref_pins(&sim, GUEST, 8) == 2, "v2 second map after clear holds a second pin");

	setup(2);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RO, &h1);
	guest_end(8);
	CHECK(map(PEER, 8, RW, NULL) == GNTST_okay,
	      "v2 first write pin over read pins re-checks only GTF_readonly (cleared header accepted)");

	setup(1);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RO, &h1);
	*hdr_flags(8) |= GTF_readonly;
	CHECK(map(PEER, 8, RW, NULL) == GNTST_general_error, "first write pin over read pins refuses a now-GTF_readonly entry");
	CHECK(map(PEER, 8, RO, NULL) == GNTST_okay, "read pins still reuse the active entry after GTF_readonly");
	CHECK((*hdr_flags(8) & GTF_writing) == 0, "refused write pin leaves GTF_writing clear");
}

static void pin_counts_and_unmap(void)
{
	grant_handle_t r, w1, w2;

	setup(1);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RO, &r);
	map(PEER, 8, RW, &w1);
	map(PEER, 8, RW, &w2);
	struct xsim_domain *g = xsim_domain(&sim, GUEST);
	CHECK(g->active[8].rd_pins == 1 && g->active[8].wr_pins == 2, "separate read and write pin counts");
	xsim_unmap(&sim, PEER, w1);
	CHECK((*hdr_flags(8) & GTF_writing) != 0, "unmap with write pins left keeps GTF_writing");
	xsim_unmap(&sim, PEER, w2);
	CHECK((*hdr_flags(8) & (GTF_reading | GTF_writing)) == GTF_reading, "last write unmap clears GTF_writing");
	CHECK(guest_end(8) == -1, "guest end still fails while a read pin is held");
	xsim_unmap(&sim, PEER, r);
	CHECK((*hdr_flags(8) & (GTF_reading | GTF_writing)) == 0, "last unmap clears GTF_reading");
	CHECK(guest_end(8) == 0 && *hdr_flags(8) == 0, "guest end succeeds after the last unmap");

	setup(1);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RW, &w1);
	map(PEER, 8, RO, &r);
	xsim_unmap(&sim, PEER, r);
	CHECK((*hdr_flags(8) & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
	      "unmap of a read pin while a write pin is held keeps both bits");

	setup(2);
	grant(8, PEER, 0, 0);
	map(PEER, 8, RO, &r);
	map(PEER, 8, RW, &w1);
	xsim_unmap(&sim, PEER, w1);
	CHECK(*xsim_gnt_status(&sim, GUEST, 8) == GTF_reading, "v2 last write unmap clears GTF_writing in the status frame");
	xsim_unmap(&sim, PEER, r);
	CHECK(*xsim_gnt_status(&sim, GUEST, 8) == 0, "v2 last unmap clears GTF_reading in the status frame");
	CHECK(guest_end(8) == 0, "v2 guest end succeeds after the last unmap");
}

static void readonly_map_memory(void)
{
	grant_handle_t r, w;
	setup(1);
	grant(8, PEER, 0, GTF_readonly);
	grant(9, PEER, 1, 0);
	map(PEER, 8, RO, &r);
	map(PEER, 9, RW, &w);
	CHECK(xsim_map_mem(&sim, PEER, r) != NULL && xsim_map_info(&sim, PEER, r)->readonly,
	      "readonly map: xsim_map_mem returns the page, marked readonly");
	CHECK(xsim_map_mem_rw(&sim, PEER, r) == NULL, "readonly map cannot be written through xsim_map_mem_rw");
	CHECK(xsim_map_mem_rw(&sim, PEER, w) == xsim_frame_mem(&sim, GUEST, xsim_page_frame(1)),
	      "read-write map is writable through xsim_map_mem_rw");
	xsim_unmap(&sim, PEER, w);
	CHECK(xsim_map_mem(&sim, PEER, w) == NULL, "an unmapped handle has no memory");
}

int main(void)
{
	first_pin_validation();
	status_bits();
	later_pins_reuse_active_entry();
	pin_counts_and_unmap();
	readonly_map_memory();
	return tap_done();
}
