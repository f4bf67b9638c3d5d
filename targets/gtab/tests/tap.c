/* tap.c - TAP output for the gtab tests. */
#include <stdio.h>
#include "tap.h"

static unsigned n_run, n_failed;
static int cur_failed;
static const char *cur_skip;

void tap_fail(const char *file, int line, const char *what)
{
	printf("#   %s:%d: failed: %s\n", file, line, what);
	cur_failed = 1;
}

void tap_skip(const char *why)
{
	cur_skip = why;
}

void tap_run(const char *name, void (*fn)(void))
{
	cur_failed = 0;
	cur_skip = 0;
	fn();
	n_run++;
	if (cur_failed)
		n_failed++;
	if (cur_skip && !cur_failed)
		printf("ok %u - %s # SKIP %s\n", n_run, name, cur_skip);
	else
		printf("%sok %u - %s\n", cur_failed ? "not " : "", n_run, name);
	fflush(stdout);
}

int tap_done(void)
{
	printf("1..%u\n", n_run);
	if (n_failed)
		printf("# %u of %u tests failed\n", n_failed, n_run);
	return n_failed ? 1 : 0;
}
