/* tap.h - TAP-style check lines for the simulator tests: "ok - name" / "not ok - name". */
#ifndef XSIM_TAP_H
#define XSIM_TAP_H

#include <stdio.h>

static int tap_failed, tap_count;

/* One check: prints its line; on failure also the source line and the failing expression. */
#define CHECK(cond, name)                                                                     \
	do {                                                                                  \
		tap_count++;                                                                  \
		if (cond) {                                                                   \
			printf("ok - %s\n", name);                                            \
		} else {                                                                      \
			tap_failed++;                                                         \
			printf("not ok - %s\n#   %s:%d: %s\n", name, __FILE__, __LINE__, #cond); \
		}                                                                             \
	} while (0)

static inline int tap_done(void)
{
	printf("# %d checks, %d failed\n", tap_count, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
