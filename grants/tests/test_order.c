/* test_order.c - the library on CPUs weaker than sequential consistency (fake_xen.h, fx_model):
 * its stores wait in a store buffer Xen does not see, and only the barriers it asks the platform
 * for make them visible in order. The racing peer maps at each point of a publish or an end, and
 * what Xen accepted must be what the library meant: a map of the new contents only, no map of a
 * revoked grant. A missing barrier, or a store-store barrier where a full one is needed, fails
 * here under the CPU it matters on, as it would in gntfuzz's x86-tso and arm worlds. */
#include <stdio.h>
#include "tests.h"

struct cpu {
	enum fx_model model;
	int newest; /* FX_ARM: the peer's turn lets the newest buffered store out alone */
	const char *name;
};

static const struct cpu cpus[] = {
	{ FX_SC, 0, "sc" },
	{ FX_TSO, 0, "x86-tso" },
	{ FX_ARM, 0, "arm (nothing leaves at the peer's turn)" },
	{ FX_ARM, 1, "arm (the newest store leaves first)" },
};
#define NCPUS (sizeof(cpus) / sizeof(cpus[0]))
#define POINTS 8 /* more accesses than any publish or end makes */

static void arm_race(const struct cpu *c, int k, gnt_ref_t r, int rw)
{
	fx.x.model = c->model;
	fx.x.race_newest = c->newest;
	fx.x.race_at = k;
	fx.x.race_ref = r;
	fx.x.race_rw = rw;
}

/* End (v1 and v2) with a map attempted after each access: an OK end must leave no map. Under
 * x86-TSO a v2 header clear still in the buffer lets a map in; only a full barrier before the
 * status read makes the library see it. */
static void end_on_weak_cpus(void **state)
{
	unsigned i, v, won_in_buffer = 0;
	int k, rw, rc;
	gnt_ref_t r;

	for (i = 0; i < NCPUS; i++)
		for (v = 1; v <= 2; v++)
			for (rw = 0; rw <= 1; rw++)
				for (k = 0; k < POINTS; k++) {
					fx_setup(&fx.x, &fx.lib, v, 0);
					assert_int_equal(gnt_grant_access(&fx.lib, FX_PEER, FRAME(5), 0, &r), GNT_OK);
					fx_clear_log(&fx.x);
					arm_race(&cpus[i], k, r, rw);
					rc = gnt_end_access(&fx.lib, r);
					fx_drain(&fx.x);
					if ((rc == GNT_OK && xen_map_bits(&fx.x, r)) || (fx.x.race_won && rc != GNT_BUSY))
						print_message("v%u on %s: the peer mapped after access %d, end answered %d\n",
							      v, cpus[i].name, k, rc);
					assert_true(rc == GNT_OK || rc == GNT_BUSY);
					if (fx.x.race_won)
						assert_int_equal(rc, GNT_BUSY);
					if (rc == GNT_OK)
						assert_int_equal(xen_map_bits(&fx.x, r), 0);
					/* right after the v2 header clear, Xen accepts a map only because the
					 * clear is still buffered */
					if (v == 2 && cpus[i].model == FX_TSO && k == 0 && fx.x.race_won)
						won_in_buffer++;
				}
	assert_true(won_in_buffer > 0); /* the store-buffer window is really exercised */
}

enum shape { FULL_V1, FULL_V2, SUB_V2 };
static const char *const shape_name[] = { "v1", "v2", "v2 sub-page" };

static int publish(enum shape s, uint64_t frame, gnt_ref_t *r)
{
	if (s == SUB_V2)
		return gnt_grant_subpage(&fx.lib, FX_PEER, frame, frame == FRAME(1) ? 0 : 512,
					 frame == FRAME(1) ? 16 : 1024, 0, r);
	return gnt_grant_access(&fx.lib, FX_PEER, frame, 0, r);
}

/* Publish over an entry that still holds an ended grant of FRAME(1) to the same peer, a map tried
 * after each access: whatever Xen accepts must be the new frame (and window). On Arm the flags
 * store may leave the buffer before the contents unless a store barrier orders them. */
static void publish_on_weak_cpus(void **state)
{
	unsigned i, won = 0;
	enum shape s;
	int k;
	gnt_ref_t r, r2;

	for (i = 0; i < NCPUS; i++)
		for (s = FULL_V1; s <= SUB_V2; s++)
			for (k = 0; k < POINTS; k++) {
				fx_setup(&fx.x, &fx.lib, s == FULL_V1 ? 1 : 2, 0);
				assert_int_equal(publish(s, FRAME(1), &r), GNT_OK);
				assert_int_equal(gnt_end_access(&fx.lib, r), GNT_OK);
				assert_int_equal(gnt_release_ref(&fx.lib, r), GNT_OK);
				fx_clear_log(&fx.x);
				arm_race(&cpus[i], k, r, 0);
				assert_int_equal(publish(s, FRAME(2), &r2), GNT_OK);
				assert_int_equal(r2, r);
				fx_drain(&fx.x);
				if (!fx.x.race_won)
					continue;
				won++;
				if (fx.x.race_frame != FRAME(2) ||
				    (s == SUB_V2 && (fx.x.race_off != 512 || fx.x.race_len != 1024)))
					print_message("%s on %s: the peer mapped frame %#llx (off %u len %u) after access %d\n",
						      shape_name[s], cpus[i].name, (unsigned long long)fx.x.race_frame,
						      fx.x.race_off, fx.x.race_len, k);
				assert_int_equal(fx.x.race_frame, FRAME(2));
				if (s == SUB_V2) {
					assert_int_equal(fx.x.race_off, 512);
					assert_int_equal(fx.x.race_len, 1024);
				}
			}
	assert_true(won > 0);
}

int run_order_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(end_on_weak_cpus),
		cmocka_unit_test(publish_on_weak_cpus),
	};
	return cmocka_run_group_tests_name("memory order", tests, NULL, NULL);
}
