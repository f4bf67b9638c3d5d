/* tap.h - what the peer's C unit tests share: TAP output (ok/failures) and a clock the test
 * moves by hand (clk, fake_now: the dw_init/ds_* clock callback), so grace times are exact. */
#ifndef GNTFUZZ_PEER_TAP_H
#define GNTFUZZ_PEER_TAP_H
#include <stdio.h>

static double clk;
static double fake_now(void *ctx)
{
	(void)ctx;
	return clk;
}

static int failures, n;
static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failures += !cond;
}
#endif
