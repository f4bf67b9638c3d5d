/* xs_seeds.c - seed inputs for the xenstored fuzz target, written with Debian's xs_wire.h so that
 * message types and the header layout are Xen's own (never re-declared here).
 *
 *   xs_seeds DIR    writes DIR/<name>.bin, one file per client conversation below
 *
 * The input format is xenstored_fuzz.c's: 4*conn+0, length, bytes (send); 4*conn+1 (read replies);
 * 4*conn+2 (reconnect); 4*k+3 (introduce domain k+1).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/xs_wire.h>

static uint8_t buf[4096];
static size_t len;

static void send_msg(unsigned conn, uint32_t type, uint32_t tx, const char *payload, size_t n)
{
	struct xsd_sockmsg h = { .type = type, .req_id = (uint32_t)len, .tx_id = tx, .len = (uint32_t)n };
	buf[len++] = (uint8_t)(conn << 2);
	buf[len++] = (uint8_t)(sizeof h + n);
	memcpy(buf + len, &h, sizeof h);
	memcpy(buf + len + sizeof h, payload, n);
	len += sizeof h + n;
	buf[len++] = (uint8_t)(conn << 2 | 1); /* and read the reply */
}
#define MSG(conn, type, tx, lit) send_msg(conn, type, tx, lit, sizeof(lit) - 1)

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
	MSG(1, XS_WRITE, 0, "/local/domain/1/device/vif/0/state\0" "4");
	MSG(1, XS_READ, 0, "/local/domain/1/device/vif/0/state\0");
	MSG(1, XS_DIRECTORY, 0, "/local/domain/1/device\0");
	MSG(1, XS_RM, 0, "/local/domain/1/device\0");
	rc |= save(d, "write-read-rm");
	MSG(0, XS_WATCH, 0, "/local/domain/1\0" "tok\0");
	MSG(1, XS_WRITE, 0, "/local/domain/1/ring-ref\0" "8");
	MSG(0, XS_UNWATCH, 0, "/local/domain/1\0" "tok\0");
	MSG(2, XS_WATCH, 0, "@introduceDomain\0" "t2\0");
	rc |= save(d, "watch-event");
	MSG(1, XS_TRANSACTION_START, 0, "\0");
	MSG(1, XS_WRITE, 1, "/local/domain/1/a\0" "x");
	MSG(2, XS_WRITE, 0, "/local/domain/2/b\0" "y");
	MSG(1, XS_TRANSACTION_END, 1, "T\0");
	rc |= save(d, "transaction");
	MSG(0, XS_MKDIR, 0, "/local/domain/1/backend\0");
	MSG(0, XS_SET_PERMS, 0, "/local/domain/1/backend\0" "b1\0" "r2\0");
	MSG(2, XS_READ, 0, "/local/domain/1/backend\0");
	MSG(0, XS_GET_PERMS, 0, "/local/domain/1/backend\0");
	MSG(0, XS_GET_DOMAIN_PATH, 0, "2\0");
	MSG(0, XS_IS_DOMAIN_INTRODUCED, 0, "2\0");
	rc |= save(d, "perms-dom0");
	MSG(2, XS_WATCH, 0, "/local/domain/2\0" "w\0");
	MSG(2, XS_TRANSACTION_START, 0, "\0");
	buf[len++] = 2 << 2 | 2; /* guest 2 goes away holding a watch and a transaction */
	MSG(0, XS_RELEASE, 0, "2\0");
	buf[len++] = 1 << 2 | 3; /* and is introduced again */
	MSG(0, XS_DIRECTORY_PART, 0, "/local/domain\0" "0\0");
	rc |= save(d, "reconnect-release");
	return rc;
}
