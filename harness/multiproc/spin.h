/* spin.h - how long a waiting end of the broker protocol polls before it blocks.
 *
 * Polling for a few microseconds instead of sleeping saves a scheduler wake-up on each side of
 * a round trip, but only when the two ends run on different CPUs: on a shared or busy CPU the
 * spinner keeps its peer from running and every wait lasts the whole window. So the window
 * adapts, as an adaptive mutex does: a spin that timed out halves it (down to none), one that
 * got its message restores it, and while it is none every MP_SPIN_PROBE-th wait spins once to
 * see whether things changed. Always bounded: past the window the waiter blocks.
 */
#ifndef MP_SPIN_H
#define MP_SPIN_H

#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include "proto.h"

#define MP_SPIN_PROBE 32u
#define MP_SPIN_MIN_NS 2000L   /* below this a window is not worth a try */

struct mp_spin {
	long max_ns;               /* from MP_ENV_SPIN; 0 = never spin */
	long cur_ns;               /* the window now */
	unsigned waits;            /* waits since the window fell to none */
};

/* The configured bound in ns (default when unset or unreadable, capped). */
static inline long mp_spin_max_ns(void)
{
	const char *s = getenv(MP_ENV_SPIN);
	char *end;
	long us = s ? strtol(s, &end, 10) : MP_SPIN_US_DEFAULT;
	if (!s || end == s || *end || us < 0)
		us = MP_SPIN_US_DEFAULT;
	return (us > MP_SPIN_US_MAX ? MP_SPIN_US_MAX : us) * 1000L;
}

/* Only worth it when this process may run on two CPUs at least: with one, the peer it waits for
 * can only run once it stops spinning. */
static inline void mp_spin_init(struct mp_spin *s)
{
	cpu_set_t cpus;
	int multi = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) >= 2;
	s->max_ns = multi ? mp_spin_max_ns() : 0;
	s->cur_ns = s->max_ns;
	s->waits = 0;
}

/* The window for the next wait, in ns (0 = block at once). */
static inline long mp_spin_window(struct mp_spin *s)
{
	if (s->cur_ns)
		return s->cur_ns;
	return ++s->waits % MP_SPIN_PROBE == 0 ? s->max_ns : 0;
}

/* What the last spin gave: got = the message arrived within the window. */
static inline void mp_spin_result(struct mp_spin *s, int got)
{
	if (got)
		s->cur_ns = s->max_ns;
	else if ((s->cur_ns /= 2) < MP_SPIN_MIN_NS)
		s->cur_ns = 0;
}

static inline long mp_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

#endif
