/* test_main.c - runs every unit-test group of grants/, TAP output. */
#include "tests.h"

struct fixture fx;

int main(void)
{
	int failed = 0;

	cmocka_set_message_output(CM_OUTPUT_TAP);
	failed += run_publish_tests();
	failed += run_end_tests();
	failed += run_ref_tests();
	failed += run_reclaim_tests();
	failed += run_api_tests();
	failed += run_order_tests();
	failed += run_platform_tests();
	return failed ? 1 : 0;
}
