/* test_spin.c - the adaptive spin window of spin.h: bounded, shrinks to blocking when spins time
 * out, comes back when one succeeds, probes while at none, and reads GNTFUZZ_SPIN_US safely. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include "spin.h"

static int fails;

static void check(int cond, const char *name)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", name);
	fails += !cond;
}

static long max_for(const char *v)
{
	if (v)
		setenv(MP_ENV_SPIN, v, 1);
	else
		unsetenv(MP_ENV_SPIN);
	return mp_spin_max_ns();
}

int main(void)
{
	check(max_for(NULL) == MP_SPIN_US_DEFAULT * 1000L, "unset: the default window");
	check(max_for("0") == 0, "GNTFUZZ_SPIN_US=0: never spin");
	check(max_for("12") == 12000L, "GNTFUZZ_SPIN_US=12: 12 us");
	check(max_for("99999999") == MP_SPIN_US_MAX * 1000L, "a huge value is capped");
	check(max_for("-5") == MP_SPIN_US_DEFAULT * 1000L && max_for("7x") == MP_SPIN_US_DEFAULT * 1000L &&
	      max_for("") == MP_SPIN_US_DEFAULT * 1000L, "negative or unreadable values: the default");

	/* the adaptive window, independent of the CPUs this test may use */
	struct mp_spin s = { .max_ns = 32000, .cur_ns = 32000, .waits = 0 };
	check(mp_spin_window(&s) == 32000, "starts at the full window");
	int timeouts = 0;
	while (mp_spin_window(&s) > 0 && timeouts < 100) {
		mp_spin_result(&s, 0);
		timeouts++;
	}
	check(timeouts > 0 && timeouts <= 5, "spins that time out shrink the window to none in a few steps");
	unsigned spins = 0;
	for (unsigned i = 0; i < 10 * MP_SPIN_PROBE; i++)
		if (mp_spin_window(&s) > 0) {
			spins++;
			mp_spin_result(&s, 0); /* the probe failed too: back to none */
		}
	check(spins == 10, "at none, one wait in MP_SPIN_PROBE probes (and a failed probe keeps it none)");
	while (mp_spin_window(&s) == 0)
		;
	mp_spin_result(&s, 1);
	check(mp_spin_window(&s) == 32000, "a probe that got its message restores the full window");
	mp_spin_result(&s, 0);
	long half = mp_spin_window(&s);
	mp_spin_result(&s, 1);
	check(half == 16000 && mp_spin_window(&s) == 32000, "one timeout halves, one success restores");

	struct mp_spin z = { .max_ns = 0, .cur_ns = 0, .waits = 0 };
	int any = 0;
	for (unsigned i = 0; i < 4 * MP_SPIN_PROBE; i++)
		any |= mp_spin_window(&z) != 0;
	check(!any, "max 0: no wait ever spins, probes included");

	setenv(MP_ENV_SPIN, "20", 1);
	mp_spin_init(&s);
	cpu_set_t cpus;
	int multi = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) >= 2;
	check(s.max_ns == (multi ? 20000 : 0) && s.cur_ns == s.max_ns,
	      "init: the configured window on two CPUs or more, none on one");
	return fails ? 1 : 0;
}
