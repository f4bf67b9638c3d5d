/* xenstored_fuzz.c - fuzz target (d): the xenstore wire-protocol server (harness/xenstored/).
 *
 * Three hostile clients - dom0 (privileged) and the unprivileged guests 1 and 2 - send bytes
 * with any framing to the pure server state machine (xs_server.h). An input is a list of
 * commands, first byte of each:
 *   c % 4 == 0  next byte = n; the next n bytes arrive on connection (c >> 2) % 3, in one piece
 *   c % 4 == 1  connection (c >> 2) % 3 reads and consumes its pending output (replies, events)
 *   c % 4 == 2  connection (c >> 2) % 3 closes and its domain connects again
 *   c % 4 == 3  the toolstack introduces domain (c >> 2) % 4 + 1 (again)
 * Checked: no memory error (ASan/UBSan); a connection the server dooms or whose framing broke is
 * closed as a daemon would; after every client has gone, no watch or transaction is left over.
 */
#include <stdio.h>
#include <stdlib.h>
#include "xenstored/xs_server.h"

#define NCONN 3

static const unsigned conn_dom[NCONN] = { 0, 1, 2 };

static void reopen(struct xs_server *srv, int *conn, unsigned i)
{
	if (conn[i] >= 0)
		xs_conn_close(srv, conn[i]);
	conn[i] = xs_conn_open(srv, conn_dom[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_server *srv = xs_server_new(NULL);
	int conn[NCONN];
	if (!srv || xs_server_add_domain(srv, 1) || xs_server_add_domain(srv, 2))
		abort();
	for (unsigned i = 0; i < NCONN; i++)
		conn[i] = -1, reopen(srv, conn, i);
	size_t pos = 0;
	while (pos < size) {
		uint8_t c = data[pos++];
		unsigned who = (c >> 2) % NCONN;
		switch (c % 4) {
		case 0: {
			size_t n = pos < size ? data[pos++] : 0;
			if (n > size - pos)
				n = size - pos;
			if (conn[who] >= 0 && xs_handle_bytes(srv, conn[who], data + pos, n) < 0)
				reopen(srv, conn, who); /* broken framing: the daemon hangs up */
			pos += n;
			break;
		}
		case 1:
			if (conn[who] >= 0) {
				const uint8_t *out;
				size_t n = xs_conn_output(srv, conn[who], &out);
				xs_conn_consume(srv, conn[who], n);
			}
			break;
		case 2:
			reopen(srv, conn, who);
			break;
		default:
			xs_server_add_domain(srv, (c >> 2) % 4 + 1);
		}
		for (unsigned i = 0; i < NCONN; i++)
			if (conn[i] >= 0 && xs_conn_doomed(srv, conn[i]))
				reopen(srv, conn, i);
	}
	for (unsigned i = 0; i < NCONN; i++)
		if (conn[i] >= 0)
			xs_conn_close(srv, conn[i]);
	struct xs_stats st;
	xs_server_stats(srv, &st);
	if (st.conns || st.watches || st.txns) {
		fprintf(stderr, "xenstored_fuzz: held after every client closed: conns=%u watches=%u txns=%u\n",
			st.conns, st.watches, st.txns);
		abort();
	}
	xs_server_free(srv);
	return 0;
}
