/* broker_seeds.c - deterministic seeds and dictionary for the broker's fuzz target, in its record
 * format (fuzz_broker.h), so that `make fuzz-seeds` writes the same bytes every time.
 *
 *   broker_seeds DIR DICT   writes DIR/<name>.bin (every message type, alone and in the
 *                           conversations that make it succeed) and the dictionary DICT
 *
 * Clients: client k starts as domain k % 3 (0: dom0, 1: dom1, 2: dom2, 3: dom0, 4: dom1, ...).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../proto.h"
#include "fuzz_broker.h"

static unsigned char buf[4096];
static size_t len;
static const char *dir;
static int failed;

/* One record: kind, client, then its field bytes (-1 ends the list). */
static void rec(int kind, int client, ...)
{
	va_list ap;
	buf[len++] = FB_REC(kind, client);
	va_start(ap, client);
	for (int v; (v = va_arg(ap, int)) >= 0;)
		buf[len++] = (unsigned char)v;
	va_end(ap);
}
#define R(kind, client, ...) rec(kind, client, ##__VA_ARGS__, -1)

static void save(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s.bin", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "broker_seeds: %s: %s\n", path, strerror(errno));
		failed = 1;
	}
	len = 0;
}

/* Common openings: the event-channel handles of client 0 (dom0) and 1 (dom1), and an
 * interdomain channel dom1 port 1 <-> dom0 port 1. */
static void channel(void)
{
	R(FB_EVT_INIT, 0);
	R(FB_EVT_INIT, 1);
	R(FB_BIND_UNBOUND, 1, FB_DOM(0));
	R(FB_BIND_INTER, 0, FB_DOM(1), FB_PORT(1));
}

static void seeds(void)
{
	/* one seed per message type, with the fields that make it succeed */
	R(FB_HELLO, 0, FB_DOM(0), 0);
	R(FB_RECONNECT, 5, 0);
	R(FB_HELLO, 5, FB_DOM(2), 0);
	R(FB_RECONNECT, 6, 0);
	R(FB_HELLO, 6, FB_DOM(3), 0);
	R(FB_HELLO, 6, FB_DOM(1), 1);
	R(FB_STATS, 6);
	save("hello");
	R(FB_GET_MEM, 1);
	R(FB_GET_MEM, 1);
	save("get-mem");
	R(FB_SET_VERSION, 1, 2);
	R(FB_SET_VERSION, 1, 1);
	R(FB_SET_VERSION, 1, 3);
	save("set-version");
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(8), FB_DOM(0), 5, FB_GTF_RW);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(8), 0, 0, 0);
	R(FB_MAP, 3, FB_DOM(1), FB_REF_GUEST(8), MP_MAP_READONLY, 0, 0);
	R(FB_REF_PINS, 0, FB_DOM(1), FB_REF_GUEST(8));
	R(FB_FRAME_MAPS, 0, FB_DOM(1), 5);
	R(FB_UNMAP, 0, 0);
	R(FB_UNMAP, 3, 0);
	R(FB_UNMAP, 3, 0);
	R(FB_CHECK, 0);
	save("map-unmap");
	R(FB_UNMAP, 0, 7);
	save("unmap");
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(9), FB_DOM(0), 6, FB_GTF_RW);
	R(FB_COPY, 0, FB_DOM(1), FB_REF_GUEST(9), 2, 32, 0, 0);
	R(FB_COPY, 0, FB_DOM(1), FB_REF_GUEST(9), 2, 32, 1, 0x41);
	R(FB_COPY, 0, FB_DOM(1), FB_REF_GUEST(9), 0xf8, 0xf8, 1, 0x41);
	R(FB_COPY, 0, FB_DOM(1), FB_REF_GUEST(10), 0, 16, 0, 0);
	R(FB_COPY, 0, FB_DOM(3), FB_REF_GUEST(9), 0, 16, 0, 0);
	R(FB_COPY, 0, FB_DOM(1), 0xf0, 0, 16, 0, 0);
	save("copy");
	R(FB_SHARE, 1, FB_DOM(0), 2, MP_SHARE_WRITABLE, 0, 0, 0);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_POOL(0), 0, 0, 0);
	R(FB_UNSHARE, 1, FB_REF_POOL(0));
	R(FB_UNSHARE, 1, FB_REF_POOL(1));
	R(FB_CHECK, 0);
	R(FB_UNMAP, 0, 0);
	R(FB_SHARE, 1, FB_DOM(0), 0, 0, 0, 0, 0);
	R(FB_SHARE, 1, FB_DOM(0), 0xf2, 0, 0, 0, 0);
	R(FB_UNSHARE, 1, FB_REF_POOL(5));
	save("share-unshare");
	R(FB_EVT_INIT, 0);
	R(FB_EVT_INIT, 0);
	save("evt-init");
	channel();
	R(FB_PENDING, 0);
	R(FB_PENDING, 0);
	R(FB_UNMASK, 0, FB_PORT(1));
	R(FB_NOTIFY, 1, FB_PORT(1));
	R(FB_NOTIFY, 1, FB_PORT(1));
	R(FB_PENDING, 0);
	R(FB_UNMASK, 0, FB_PORT(1));
	R(FB_PENDING, 0);
	R(FB_NOTIFY, 0, FB_PORT(1));
	R(FB_PENDING, 1);
	R(FB_NOTIFY, 0, FB_PORT(9));
	R(FB_UNBIND, 1, FB_PORT(1));
	R(FB_NOTIFY, 0, FB_PORT(1));
	R(FB_UNBIND, 0, FB_PORT(1));
	R(FB_UNBIND, 0, 0xf1);
	R(FB_CHECK, 0);
	save("evtchn");
	R(FB_EVT_INIT, 2);
	R(FB_BIND_VIRQ, 2, 3);
	R(FB_BIND_VIRQ, 2, 3);
	R(FB_BIND_VIRQ, 2, 25);
	R(FB_NOTIFY, 2, FB_PORT(1));
	R(FB_UNBIND, 2, FB_PORT(1));
	save("virq");
	R(FB_EVT_INIT, 1);
	R(FB_RESTRICT, 1, FB_DOM(0));
	R(FB_RESTRICT, 1, FB_DOM(2));
	R(FB_BIND_UNBOUND, 1, FB_DOM(0));
	R(FB_BIND_VIRQ, 1, 1);
	R(FB_BIND_INTER, 1, FB_DOM(2), FB_PORT(1));
	R(FB_EVT_INIT, 4);
	R(FB_RESTRICT, 4, FB_DOM(0));
	R(FB_EVT_INIT, 0);
	R(FB_BIND_UNBOUND, 0, FB_DOM(1));
	R(FB_BIND_INTER, 1, FB_DOM(0), FB_PORT(1));
	save("restrict");
	/* unmap notifications: a byte and an event on unmap, with the port unbound meanwhile */
	channel();
	R(FB_PENDING, 0);
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(12), FB_DOM(0), 7, FB_GTF_RW);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(12), MP_MAP_NOTIFY_BYTE | MP_MAP_NOTIFY_EVENT, 6, FB_PORT(1));
	R(FB_MAP, 3, FB_DOM(1), FB_REF_GUEST(12), MP_MAP_READONLY | MP_MAP_NOTIFY_BYTE, 6, 0);
	R(FB_MAP, 3, FB_DOM(1), FB_REF_GUEST(12), MP_MAP_NOTIFY_EVENT, 0, FB_PORT(5));
	R(FB_UNBIND, 0, FB_PORT(1));
	R(FB_CHECK, 0);
	R(FB_UNMAP, 0, 0);
	R(FB_PENDING, 1);
	R(FB_CHECK, 0);
	save("map-notify");
	channel();
	R(FB_SHARE, 4, FB_DOM(0), 1, MP_SHARE_WRITABLE, 3, FB_PORT(1), MP_MAP_NOTIFY_BYTE | MP_MAP_NOTIFY_EVENT);
	R(FB_SHARE, 4, FB_DOM(0), 1, 0, 0, FB_PORT(7), MP_MAP_NOTIFY_EVENT);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_POOL(0), 0, 0, 0);
	R(FB_RECONNECT, 4, 0);
	R(FB_PENDING, 0);
	R(FB_UNMAP, 0, 0);
	R(FB_CHECK, 0);
	save("share-notify");
	/* a handle taken over after exec (xenevtchn_fdopen) */
	channel();
	R(FB_RESTRICT, 1, FB_DOM(0));
	R(FB_ADOPT, 4, 1);
	R(FB_PENDING, 4);
	R(FB_NOTIFY, 4, FB_PORT(1));
	R(FB_ADOPT, 4, 1);
	R(FB_ADOPT, 7, 0);
	R(FB_ADOPT, 3, 0xf3);
	R(FB_ADOPT, 3, 0xff);
	R(FB_RECONNECT, 1, 1);
	R(FB_CHECK, 0);
	save("adopt");
	R(FB_PAUSE, 0, FB_DOM(1));
	R(FB_DOMINFO, 0, FB_DOM(0));
	R(FB_DOMINFO, 0, FB_DOM(2));
	R(FB_RECONNECT, 4, 3);
	R(FB_UNPAUSE, 0, FB_DOM(1));
	R(FB_PAUSE, 0, FB_DOM(0));
	R(FB_PAUSE, 0, FB_DOM(3));
	R(FB_PAUSE, 1, FB_DOM(2));
	save("pause");
	R(FB_STATS, 2);
	R(FB_REF_PINS, 2, FB_DOM(3), 0);
	R(FB_FRAME_MAPS, 2, FB_DOM(3), 0);
	R(FB_SHUTDOWN, 1);
	R(FB_SHUTDOWN, 0);
	save("stats-shutdown");
	/* grant table v2: the guest switches, grants, a map sets the status frame */
	R(FB_SET_VERSION, 1, 2);
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(20), FB_DOM(0), 9, FB_GTF_RW);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(20), 0, 0, 0);
	R(FB_SET_VERSION, 1, 1);
	R(FB_GUEST_RAW, 0, 1, (20 * 16) >> 8, (20 * 16) & 0xff, 0, 0, 0, 0, 0, 0, 0, 0);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(20), 0, 0, 0);
	R(FB_UNMAP, 0, 1);
	R(FB_UNMAP, 0, 0);
	R(FB_COPY, 0, FB_DOM(1), FB_REF_GUEST(20), 0, 8, 0, 0);
	save("v2");
	/* grants the rules refuse: another grantee, read-only, a frame not owned, bad types */
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(30), FB_DOM(2), 5, FB_GTF_RW);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(30), 0, 0, 0);
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(31), FB_DOM(0), 5, FB_GTF_RO);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(31), 0, 0, 0);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(31), MP_MAP_READONLY, 0, 0);
	R(FB_MAP, 3, FB_DOM(1), FB_REF_GUEST(31), MP_MAP_READONLY, 0, 0);
	R(FB_MAP, 4, FB_DOM(1), FB_REF_GUEST(31), MP_MAP_READONLY, 0, 0);
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(32), FB_DOM(0), 0xf2, FB_GTF_RW);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(32), 0, 0, 0);
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(33), FB_DOM(0), 5, 0x02);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(33), 0, 0, 0);
	R(FB_MAP, 0, FB_DOM(3), FB_REF_GUEST(33), 0, 0, 0);
	R(FB_MAP, 0, FB_DOM(1), 0xf1, 0, 0, 0);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(33), 0xf9, 0, 0);
	save("grant-rules");
	/* hostile bytes: raw messages and well-formed ones broken in each way */
	R(FB_RAW, 2, 3, 'a', 'b', 'c');
	R(FB_RAW, 2, 0);
	R(FB_RECONNECT, 2, 0);
	R(FB_STATS, 2);
	R(FB_RAW, 2, 8, FB_HELLO + 1, 0, 0, 0, 8, 0, 0, 0);
	for (int how = 0; how < 6; how++)
		R(FB_MANGLE, 0, how, FB_MAP, FB_DOM(1), FB_REF_GUEST(8), 0, 0, 0);
	R(FB_MANGLE, 0, 3, FB_STATS);
	save("hostile");
	/* limits: a domain's ports, a handle's maptrack, the gntalloc pool */
	R(FB_EVT_INIT, 0);
	for (int i = 0; i < 64; i++)
		R(FB_BIND_UNBOUND, 0, FB_DOM(1));
	R(FB_BIND_VIRQ, 0, 2);
	R(FB_EVT_INIT, 1);
	R(FB_BIND_UNBOUND, 1, FB_DOM(0));
	R(FB_BIND_INTER, 0, FB_DOM(1), FB_PORT(1));
	save("ports-full");
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(8), FB_DOM(0), 5, FB_GTF_RW);
	for (int i = 0; i < 257; i++)
		R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(8), MP_MAP_READONLY, 0, 0);
	R(FB_CHECK, 0);
	save("maptrack-full");
	R(FB_SHARE, 1, FB_DOM(0), 0xe2, MP_SHARE_WRITABLE, 0, 0, 0); /* 62 pages */
	R(FB_SHARE, 1, FB_DOM(0), 3, MP_SHARE_WRITABLE, 0, 0, 0);    /* 3 more: all or nothing */
	R(FB_SHARE, 1, FB_DOM(0), 2, 0, 0, 0, 0);
	R(FB_SHARE, 1, FB_DOM(0), 1, 0, 0, 0, 0);
	R(FB_CHECK, 0);
	save("pool-full");
	/* everybody dies holding everything; then again from fresh connections */
	channel();
	R(FB_GUEST_GRANT, 0, 1, FB_REF_GUEST(8), FB_DOM(0), 5, FB_GTF_RW);
	R(FB_MAP, 0, FB_DOM(1), FB_REF_GUEST(8), MP_MAP_NOTIFY_EVENT, 0, FB_PORT(1));
	R(FB_SHARE, 1, FB_DOM(0), 3, MP_SHARE_WRITABLE, 0, 0, 0);
	R(FB_MAP, 3, FB_DOM(1), FB_REF_POOL(1), 0, 0, 0);
	R(FB_CLOSE_ALL, 0);
	channel();
	R(FB_RECONNECT, 0, 1);
	R(FB_CHECK, 0);
	save("deaths");
}

/* Dictionary: one record of each kind from a few clients, with the fields of the seeds. */
static void dictionary(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "broker_seeds: %s: %s\n", path, strerror(errno));
		failed = 1;
		return;
	}
	fprintf(f, "# broker fuzz records: kind+client byte, then fields (generated by broker_seeds)\n");
	static const unsigned char fields[] = { 0, 1, 1, 0, 0, 0 };
	for (int k = 0; k < FB_NKINDS; k++)
		for (int c = 0; c < 3; c++) {
			fprintf(f, "k%d_c%d=\"\\x%02x", k, c, FB_REC(k, c));
			for (unsigned i = 0; i < fb_fields[k] && i < sizeof(fields); i++)
				fprintf(f, "\\x%02x", fields[i]);
			fprintf(f, "\"\n");
		}
	fprintf(f, "pool_ref=\"\\x%02x\"\nport_edge=\"\\xf1\"\nwide=\"\\xff\"\n", FB_REF_POOL(0));
	if (fclose(f) != 0)
		failed = 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: broker_seeds DIR DICT\n");
		return 2;
	}
	dir = argv[1];
	seeds();
	dictionary(argv[2]);
	return failed;
}
