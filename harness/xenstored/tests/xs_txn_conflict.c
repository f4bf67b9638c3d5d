/* xs_txn_conflict.c - a client on Debian's libxenstore (XENSTORED_PATH picks the server) that
 * checks transaction semantics end to end: a conflicting write makes xs_transaction_end fail
 * with EAGAIN and leaves the other writer's value; a retry commits; a write to an unrelated
 * path does not abort a transaction. Prints TAP lines, exits 1 if any check failed. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

static int failures;

static void check(bool ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	failures += !ok;
}

static bool value_is(struct xs_handle *h, const char *path, const char *want)
{
	unsigned int len;
	char *v = xs_read(h, XBT_NULL, path, &len);
	bool ok = v && len == strlen(want) && memcmp(v, want, len) == 0;

	free(v);
	return ok;
}

int main(void)
{
	struct xs_handle *a = xs_open(0), *b = xs_open(0);
	xs_transaction_t t;
	unsigned int len;
	char *v;
	bool ended;

	if (!a || !b) {
		fprintf(stderr, "xs_txn_conflict: cannot connect to xenstore (XENSTORED_PATH=%s)\n",
			getenv("XENSTORED_PATH") ? getenv("XENSTORED_PATH") : "unset");
		return 2;
	}
	check(xs_write(a, XBT_NULL, "/txtest/x", "0", 1), "setup write");

	t = xs_transaction_start(a);
	v = xs_read(a, t, "/txtest/x", &len);
	free(v);
	check(xs_write(a, t, "/txtest/x", "1", 1), "write inside transaction");
	check(value_is(b, "/txtest/x", "0"), "transaction write invisible outside before commit");
	check(xs_write(b, XBT_NULL, "/txtest/x", "2", 1), "conflicting write from a second connection");
	ended = xs_transaction_end(a, t, false);
	check(!ended && errno == EAGAIN, "transaction conflict gives EAGAIN");
	check(value_is(a, "/txtest/x", "2"), "aborted transaction left the other write in place");

	t = xs_transaction_start(a);
	v = xs_read(a, t, "/txtest/x", &len);
	free(v);
	check(xs_write(a, t, "/txtest/x", "3", 1), "retry writes");
	check(xs_write(b, XBT_NULL, "/txtest/unrelated", "u", 1), "unrelated write meanwhile");
	check(xs_transaction_end(a, t, false), "retry commits despite an unrelated write");
	check(value_is(b, "/txtest/x", "3"), "committed value visible to others");

	t = xs_transaction_start(a);
	check(xs_rm(a, t, "/txtest"), "rm inside transaction");
	check(xs_transaction_end(a, t, true), "abort transaction");
	check(value_is(b, "/txtest/x", "3"), "aborted rm changed nothing");

	xs_rm(a, XBT_NULL, "/txtest");
	xs_close(a);
	xs_close(b);
	return failures ? 1 : 0;
}
