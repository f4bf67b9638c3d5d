/* tap.h - the few test macros the gtab tests need, printing TAP ("ok N - name"). */
#ifndef GTAB_TAP_H
#define GTAB_TAP_H

void tap_fail(const char *file, int line, const char *what);
void tap_skip(const char *why);
void tap_run(const char *name, void (*fn)(void));
int tap_done(void); /* prints the plan; the exit status: 0 if every test passed */

/* CHECK goes on after a failure; REQUIRE leaves the test (when going on would be meaningless). */
#define CHECK(c) do { if (!(c)) tap_fail(__FILE__, __LINE__, #c); } while (0)
#define REQUIRE(c) do { if (!(c)) { tap_fail(__FILE__, __LINE__, #c); return; } } while (0)

#endif
