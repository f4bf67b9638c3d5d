/* main.c - run every gtab test; exit status 0 only if all passed. */
#include "tap.h"
#include "tests.h"

int main(void)
{
	test_lib();
	test_race();
	test_order();
	test_adapter();
	return tap_done();
}
