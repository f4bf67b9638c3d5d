/* xs_seeds.c - seed inputs for the xenstored fuzz target, written with Debian's xs_wire.h so that
 * message types are Xen's own (never re-declared here).
 *
 *   xs_seeds DIR    writes DIR/<name>.bin, one file per client conversation below
 *
 * The input format is xenstored_fuzz.c's records: a byte 8*conn+kind (connections 0..5 are
 * domains 0,1,2,1,1,0), then the kind's fields. Here every argument is a literal (0xf0, length,
 * bytes), so the seeds do not depend on the target's vocabulary.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/xs_wire.h>

enum { K_MSG, K_SPLIT, K_RAW, K_READ, K_REOPEN, K_ADD, K_BIG, K_RESTART };
enum { TX_NONE, TX_LAST, TX_OTHER, TX_NEXT };
#define NO_NUL 8 /* args byte: the last argument goes without its NUL */

static uint8_t buf[8192];
static size_t len;

static void put(uint8_t b) { buf[len++] = b; }

static void lit(const char *s, size_t n)
{
	put(0xf0);
	put((uint8_t)n);
	memcpy(buf + len, s, n);
	len += n;
}

/* One message with NULL-terminated literal arguments (each sent with its NUL unless flags say). */
static void vmsg(int kind, unsigned conn, uint32_t type, uint8_t tx, unsigned flags, va_list ap)
{
	const char *a[4];
	unsigned n = 0;
	for (const char *s; n < 4 && (s = va_arg(ap, const char *));)
		a[n++] = s;
	put((uint8_t)(conn * 8 + kind));
	if (kind == K_SPLIT)
		put(5); /* the header arrives in two pieces */
	put((uint8_t)type);
	put(tx);
	put((uint8_t)(n | flags));
	for (unsigned i = 0; i < n; i++)
		lit(a[i], strlen(a[i]));
	put((uint8_t)(conn * 8 + K_READ)); /* and read the replies */
	put(255);
}

static void msg(unsigned conn, uint32_t type, uint8_t tx, ...)
{
	va_list ap;
	va_start(ap, tx);
	vmsg(K_MSG, conn, type, tx, 0, ap);
	va_end(ap);
}

static void msgf(int kind, unsigned conn, uint32_t type, uint8_t tx, unsigned flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	vmsg(kind, conn, type, tx, flags, ap);
	va_end(ap);
}
#define M(conn, type, tx, ...) msg(conn, type, tx, ##__VA_ARGS__, (const char *)NULL)
#define MF(kind, conn, type, tx, flags, ...) msgf(kind, conn, type, tx, flags, ##__VA_ARGS__, (const char *)NULL)

static int save(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s.bin", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "xs_seeds: %s: %s\n", path, strerror(errno));
		return 1;
	}
	len = 0;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: xs_seeds DIR\n");
		return 2;
	}
	const char *d = argv[1];
	int rc = 0;
	/* a value written, read, listed and removed, absolute and relative */
	M(1, XS_WRITE, TX_NONE, "/local/domain/1/device/vif/0/state", "4");
	M(1, XS_READ, TX_NONE, "/local/domain/1/device/vif/0/state");
	M(1, XS_READ, TX_NONE, "device/vif/0/state");
	M(1, XS_DIRECTORY, TX_NONE, "/local/domain/1/device");
	M(1, XS_MKDIR, TX_NONE, "data/x");
	M(1, XS_RM, TX_NONE, "/local/domain/1/device");
	M(1, XS_RM, TX_NONE, "/local/domain/1/nothing");
	M(1, XS_RM, TX_NONE, "/local/domain/1/no/parent");
	M(1, XS_READ, TX_NONE, "/local/domain/1/device");
	M(2, XS_READ, TX_NONE, "/local/domain/1/data/x");
	M(0, XS_RM, TX_NONE, "/");
	rc |= save(d, "write-read-rm");
	/* watches: fired on register, on writes and removals, specials for dom0 */
	M(0, XS_WATCH, TX_NONE, "/local/domain/1", "tok");
	M(1, XS_WRITE, TX_NONE, "/local/domain/1/ring-ref", "8");
	M(1, XS_WATCH, TX_NONE, "ring-ref", "rel");
	M(1, XS_WRITE, TX_NONE, "ring-ref", "9");
	M(1, XS_RM, TX_NONE, "ring-ref");
	M(0, XS_UNWATCH, TX_NONE, "/local/domain/1", "tok");
	M(0, XS_UNWATCH, TX_NONE, "/local/domain/1", "nope");
	M(2, XS_WATCH, TX_NONE, "@introduceDomain", "t2");
	M(0, XS_WATCH, TX_NONE, "@releaseDomain", "r");
	M(0, XS_WATCH, TX_NONE, "@bogus", "b");
	M(1, XS_WATCH, TX_NONE, "/local/domain/1");
	M(1, XS_RESET_WATCHES, TX_NONE);
	rc |= save(d, "watch-event");
	/* transactions: commit, abort, a conflict, unknown and nested ids */
	M(1, XS_TRANSACTION_START, TX_NONE, "");
	M(1, XS_WRITE, TX_LAST, "/local/domain/1/a", "x");
	M(1, XS_READ, TX_LAST, "/local/domain/1/a");
	M(1, XS_MKDIR, TX_LAST, "/local/domain/1/b");
	M(1, XS_DIRECTORY, TX_LAST, "/local/domain/1");
	M(1, XS_SET_PERMS, TX_LAST, "/local/domain/1/a", "n1", "r2");
	M(1, XS_GET_PERMS, TX_LAST, "/local/domain/1/a");
	M(1, XS_RM, TX_LAST, "/local/domain/1/b");
	M(2, XS_WRITE, TX_NONE, "/local/domain/2/b", "y");
	M(1, XS_TRANSACTION_START, TX_LAST, "");
	M(1, XS_TRANSACTION_END, TX_LAST, "T");
	M(1, XS_TRANSACTION_END, TX_NEXT, "T");
	M(1, XS_TRANSACTION_START, TX_NONE, "");
	M(1, XS_READ, TX_LAST, "/local/domain/1/a");
	M(3, XS_WRITE, TX_NONE, "/local/domain/1/a", "z");
	M(1, XS_WRITE, TX_LAST, "/local/domain/1/c", "w");
	M(1, XS_TRANSACTION_END, TX_LAST, "T");
	M(1, XS_TRANSACTION_START, TX_NONE, "");
	M(1, XS_WRITE, TX_LAST, "/local/domain/1/d", "w");
	M(1, XS_TRANSACTION_END, TX_LAST, "F");
	M(1, XS_TRANSACTION_END, TX_NONE, "T");
	M(1, XS_TRANSACTION_END, TX_LAST, "X");
	rc |= save(d, "transaction");
	/* permissions: dom0 gives a node away, guests read, refuse and are refused */
	M(0, XS_MKDIR, TX_NONE, "/local/domain/1/backend");
	M(0, XS_SET_PERMS, TX_NONE, "/local/domain/1/backend", "b1", "r2");
	M(2, XS_READ, TX_NONE, "/local/domain/1/backend");
	M(0, XS_GET_PERMS, TX_NONE, "/local/domain/1/backend");
	M(1, XS_SET_PERMS, TX_NONE, "/local/domain/1/backend", "n2");
	M(1, XS_SET_PERMS, TX_NONE, "/local/domain/1/backend", "n1", "w2");
	M(2, XS_WRITE, TX_NONE, "/local/domain/1/backend/x", "1");
	M(2, XS_SET_PERMS, TX_NONE, "/local/domain/1/backend", "n2");
	M(0, XS_SET_PERMS, TX_NONE, "/local/domain/1/backend", "q1");
	M(0, XS_SET_PERMS, TX_NONE, "/local/domain/1/backend");
	M(0, XS_GET_PERMS, TX_NONE, "/local/domain/1/none");
	M(0, XS_GET_DOMAIN_PATH, TX_NONE, "2");
	M(0, XS_IS_DOMAIN_INTRODUCED, TX_NONE, "2");
	rc |= save(d, "perms-dom0");
	/* a guest goes away holding a watch and a transaction; domains come and go */
	M(2, XS_WATCH, TX_NONE, "/local/domain/2", "w");
	M(2, XS_TRANSACTION_START, TX_NONE, "");
	put(2 * 8 + K_REOPEN);
	M(0, XS_INTRODUCE, TX_NONE, "3", "5", "7");
	M(0, XS_INTRODUCE, TX_NONE, "0", "5", "7");
	M(1, XS_INTRODUCE, TX_NONE, "4", "5", "7");
	M(0, XS_RESUME, TX_NONE, "3");
	M(0, XS_RESUME, TX_NONE, "9");
	M(0, XS_SET_TARGET, TX_NONE, "3", "1");
	M(0, XS_SET_TARGET, TX_NONE, "3", "70000");
	M(0, XS_RELEASE, TX_NONE, "2");
	M(0, XS_RELEASE, TX_NONE, "2");
	M(0, XS_RELEASE, TX_NONE, "abc");
	put(1 * 8 + K_ADD);
	put(1);
	M(0, XS_DIRECTORY_PART, TX_NONE, "/local/domain", "0");
	M(0, XS_DIRECTORY_PART, TX_NONE, "/local/domain", "2");
	M(0, XS_DIRECTORY_PART, TX_NONE, "/local/domain", "999");
	M(0, XS_DIRECTORY_PART, TX_NONE, "/local/domain", "x");
	rc |= save(d, "reconnect-release");
	/* control commands, privileged only */
	M(0, XS_CONTROL, TX_NONE, "check");
	M(0, XS_CONTROL, TX_NONE, "help");
	M(0, XS_CONTROL, TX_NONE, "print", "hello");
	M(0, XS_CONTROL, TX_NONE, "print");
	M(0, XS_CONTROL, TX_NONE, "quota");
	M(0, XS_CONTROL, TX_NONE, "stats");
	M(0, XS_CONTROL, TX_NONE, "bogus");
	M(0, XS_CONTROL, TX_NONE);
	M(1, XS_CONTROL, TX_NONE, "check");
	rc |= save(d, "control");
	/* every type the server refuses, and malformed arguments */
	M(1, XS_WATCH_EVENT, TX_NONE, "/x", "t");
	M(1, XS_ERROR, TX_NONE, "EINVAL");
	M(1, 20, TX_NONE);
	M(1, XS_TYPE_COUNT, TX_NONE);
	MF(K_MSG, 1, XS_READ, TX_NONE, NO_NUL, "/local/domain/1");
	MF(K_MSG, 1, XS_WRITE, TX_NONE, NO_NUL, "/local/domain/1/v");
	M(1, XS_READ, TX_NONE, "@introduceDomain");
	M(1, XS_READ, TX_NONE, "//double");
	M(1, XS_WATCH, TX_NONE, "/x");
	M(1, XS_GET_DOMAIN_PATH, TX_NONE, "-1");
	MF(K_SPLIT, 1, XS_WRITE, TX_NONE, 0, "/local/domain/1/split", "ok");
	rc |= save(d, "refused");
	/* framing: raw bytes, a header that announces too much, a big write */
	put(1 * 8 + K_RAW);
	put(20);
	for (int i = 0; i < 20; i++)
		put((uint8_t)(i * 37));
	put(2 * 8 + K_RAW);
	put(16);
	struct xsd_sockmsg big = { .type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1 };
	memcpy(buf + len, &big, sizeof(big));
	len += 16;
	put(1 * 8 + K_BIG);
	lit("/local/domain/1/big", 19);
	put(100);
	put(0 * 8 + K_BIG);
	lit("/local/domain/0/big", 19);
	put(200);
	rc |= save(d, "framing");
	/* tight limits: quotas, watch and transaction limits, output overflow */
	put(K_RESTART);
	put(1);
	for (int i = 0; i < 10; i++) {
		char p[32];
		snprintf(p, sizeof(p), "/local/domain/1/n%d", i);
		M(1, XS_WRITE, TX_NONE, p, "v");
	}
	M(1, XS_WATCH, TX_NONE, "/local/domain/1", "a");
	M(1, XS_WATCH, TX_NONE, "/local/domain/1", "b");
	M(1, XS_WATCH, TX_NONE, "/local/domain/1", "c");
	M(1, XS_TRANSACTION_START, TX_NONE, "");
	M(1, XS_TRANSACTION_START, TX_NONE, "");
	M(1, XS_SET_PERMS, TX_NONE, "/local/domain/1/n0", "n1", "r0", "r2", "w2");
	put(1 * 8 + K_BIG);
	lit("/local/domain/1/v", 17);
	put(3);
	for (int i = 0; i < 12; i++) { /* events nobody reads */
		put(0 * 8 + K_MSG);
		put(XS_WATCH);
		put(TX_NONE);
		put(2);
		lit("/local/domain", 13);
		lit("tok", 3);
	}
	for (int i = 0; i < 6; i++)
		put(4 * 8 + K_REOPEN);
	rc |= save(d, "limits");
	return rc;
}
