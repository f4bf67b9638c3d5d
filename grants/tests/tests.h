/* tests.h - the unit-test groups of grants/ and what they share. */
#ifndef GRANTS_TESTS_H
#define GRANTS_TESTS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "fake_xen.h"
#include "../src/gnt_internal.h" /* GNT_MUTANT as the build set it (an id or GNT_M_<name>) */

/* One library and its fake host per test; static because struct gnt_lib is large. */
struct fixture {
	struct fake_xen x;
	struct gnt_lib lib;
};
extern struct fixture fx;

#define FRAME(n) ((uint64_t)0x1000 + (n))

int run_publish_tests(void);
int run_end_tests(void);
int run_ref_tests(void);
int run_reclaim_tests(void);
int run_api_tests(void);
int run_order_tests(void);
int run_platform_tests(void);

#endif
