/* test_gnttab_copy.c - GNTTABOP_copy: transient pins, validation, bounds and sub-page windows. */
#include "tap.h"
#include "xsim_fixture.h"

static int pins_seen_in_window = -1;

/* Seen from inside a second copy's window: what the first operation holds. */
static void peek_pins(void *ctx, domid_t granter, grant_ref_t ref, int point)
{
	pins_seen_in_window = (int)xsim_ref_pins(&sim, granter, ref);
}

static int copied_frame_ok, pins_during_copy, status_during_copy;
static void on_copy(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame, int to)
{
	copied_frame_ok = frame == xsim_page_frame(2) && mapper == PEER && granter == GUEST && ref == 8 && to;
	pins_during_copy = (int)xsim_ref_pins(&sim, granter, ref);
	status_during_copy = (int)xsim_ref_status(&sim, granter, ref);
}

static void transient_pins(void)
{
	char buf[16] = "from the peer";
	char back[16] = { 0 };

	setup(1);
	grant(8, PEER, 2, 0);
	sim.obs.on_copy = on_copy;
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 100, sizeof buf, buf, 1) == GNTST_okay, "copy to a granted page succeeds");
	CHECK(memcmp(xsim_frame_mem(&sim, GUEST, xsim_page_frame(2)) + 100, buf, sizeof buf) == 0,
	      "copy to the granter writes the granted frame");
	CHECK(copied_frame_ok, "copy reports mapper, granter, ref and frame to the observer");
	CHECK(pins_during_copy == 1 && status_during_copy == (GTF_reading | GTF_writing),
	      "copy holds a transient write pin (GTF_reading|GTF_writing set) while it copies");
	CHECK(xsim_ref_pins(&sim, GUEST, 8) == 0 && (*hdr_flags(8) & (GTF_reading | GTF_writing)) == 0,
	      "copy takes and drops a transient pin (no pin or status bit left)");
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 100, sizeof back, back, 0) == GNTST_okay &&
	      memcmp(back, buf, sizeof buf) == 0, "copy from the granter reads the granted frame");
	CHECK(pins_during_copy == 1 && status_during_copy == GTF_reading,
	      "copy from the granter holds a transient read pin (GTF_reading only)");

	grant_handle_t h;
	map(PEER, 8, RW, &h);
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 0, 4, buf, 1) == GNTST_okay && xsim_ref_pins(&sim, GUEST, 8) == 1 &&
	      (*hdr_flags(8) & GTF_writing), "copy over a held map leaves the map's pin and bits");
	xsim_unmap(&sim, PEER, h);

	/* a copy that must validate (no pin) offers a race point; from it we see no pin taken yet,
	 * and after it the pin is gone again */
	sim.obs.race_window = peek_pins;
	xsim_copy(&sim, PEER, GUEST, 8, 0, 4, buf, 1);
	CHECK(pins_seen_in_window == 0 && xsim_ref_pins(&sim, GUEST, 8) == 0,
	      "copy validates like a first pin (race point before the pin is taken)");
}

static void validation(void)
{
	char buf[8] = { 0 };
	setup(1);
	grant(8, PEER, 0, GTF_readonly);
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 0, 8, buf, 1) == GNTST_general_error, "copy to a GTF_readonly grant is refused");
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 0, 8, buf, 0) == GNTST_okay, "copy from a GTF_readonly grant is allowed");
	grant(9, OTHER, 0, 0);
	CHECK(xsim_copy(&sim, PEER, GUEST, 9, 0, 8, buf, 0) == GNTST_general_error, "copy validates domid");
	CHECK(guest_end(9) == 0 && xsim_copy(&sim, OTHER, GUEST, 9, 0, 8, buf, 0) == GNTST_general_error,
	      "copy of a revoked entry is refused");
	grant(10, PEER, 0, 0);
	grant_handle_t h;
	map(PEER, 10, RW, &h);
	CHECK(xsim_copy(&sim, OTHER, GUEST, 10, 0, 8, buf, 0) == GNTST_general_error,
	      "copy of an entry pinned by another domain is refused");
	CHECK(xsim_copy(&sim, PEER, GUEST, 10, 4090, 8, buf, 0) == GNTST_bad_copy_arg &&
	      xsim_ref_pins(&sim, GUEST, 10) == 1, "copy beyond the page is GNTST_bad_copy_arg and drops its pin");
	CHECK(xsim_copy(&sim, PEER, GUEST, 11, 0, 0, buf, 0) == GNTST_okay, "an empty copy does nothing and succeeds");
	CHECK(xsim_copy(&sim, PEER, GUEST, 200, 0, 8, buf, 0) == GNTST_bad_gntref, "copy of a ref beyond the table is bad_gntref");
	CHECK(xsim_copy(&sim, PEER, 9, 8, 0, 8, buf, 0) == GNTST_bad_domain, "copy from a missing domain is bad_domain");
}

static void sub_page(void)
{
	char buf[32] = "subpage";
	setup(2);
	grant_sub_page(8, PEER, 3, 1024, 64);
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 1024, 32, buf, 1) == GNTST_okay &&
	      memcmp(xsim_frame_mem(&sim, GUEST, xsim_page_frame(3)) + 1024, "subpage", 8) == 0,
	      "v2 sub-page copy inside the window succeeds");
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 1000, 32, buf, 1) == GNTST_general_error,
	      "v2 sub-page copy starting before the window is refused");
	CHECK(xsim_copy(&sim, PEER, GUEST, 8, 1072, 32, buf, 0) == GNTST_general_error,
	      "v2 sub-page copy ending after the window is refused");
	CHECK(*xsim_gnt_status(&sim, GUEST, 8) == 0, "v2 refused sub-page copy leaves the status frame clear");

	grant(9, PEER, 0, 0);
	*hdr_flags(9) = GTF_transitive;
	CHECK(xsim_copy(&sim, PEER, GUEST, 9, 0, 8, buf, 0) == GNTST_general_error &&
	      *xsim_gnt_status(&sim, GUEST, 9) == 0, "v2 transitive grants are refused (not modelled) with status clear");
}

int main(void)
{
	transient_pins();
	validation();
	sub_page();
	return tap_done();
}
