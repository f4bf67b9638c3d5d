/* linux-start.h - the Linux target domU's programs wait here for dom0's "start". dom0 saves the
 * booted domU (xl save) and restores fresh copies of it (harness/nested/linux-pool); a copy has
 * a new domid and none of the saved one's grants or channels, so nothing that learns the domid
 * or shares a page may run before start. The programs wait loaded and running (a copy starts in
 * a moment), polling with a fresh handle each time: a handle and a watch from before the save
 * were seen to spin after the restore (25 s of CPU per waiting copy). data/gntfuzz/state=booted (written again in each restored
 * copy, whose data/ starts empty) tells dom0 the copy is up and quiet. */
#ifndef GNTFUZZ_LINUX_START_H
#define GNTFUZZ_LINUX_START_H
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

static int linux_wait_start(const char *who)
{
	for (unsigned tries = 0;; tries++) {
		struct xs_handle *h = xs_open(0);
		if (!h) {
			if (tries == 100)
				fprintf(stderr, "%s: cannot open xenstore: %s\n", who, strerror(errno));
		} else {
			unsigned len;
			char *v = xs_read(h, XBT_NULL, "data/gntfuzz/start", &len);
			char *st = v ? NULL : xs_read(h, XBT_NULL, "data/gntfuzz/state", &len);
			if (!v && !st)
				xs_write(h, XBT_NULL, "data/gntfuzz/state", "booted", 6);
			free(st);
			xs_close(h);
			if (v) {
				free(v);
				return 0;
			}
		}
		struct timespec ts = { 0, 300 * 1000000L };
		nanosleep(&ts, NULL);
	}
}
#endif
