/* fuzz_broker.c - the broker's wire formats under fuzzing: LLVMFuzzerTestOneInput over the pure
 * handler mp_handle(), with hostile clients and a hostile guest editing its grant table.
 *
 * An input is a list of commands (first byte of each):
 *   c % 4 == 0  one message (next byte = length) from client (c >> 2) % 4
 *   c % 4 == 1  the guest of domain (next byte % 3) writes 8 bytes into its grant table / status
 *   c % 4 == 2  client (c >> 2) % 4 dies and a new process connects in its place
 *   c % 4 == 3  check the counters against the clients' state
 * After the input every client dies; then nothing may be held (maps, pins, ports, shares).
 * Build with -DFUZZ_STANDALONE for a seeded random driver (the `make test` smoke run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker.h"

#define NCLIENTS 4

static struct mp_broker b;
static struct mp_out out;
static uint64_t total_maps, total_events, total_msgs; /* how deep the inputs reached */

static void check_counters(void)
{
	uint32_t maps = 0;
	for (unsigned i = 0; i < MP_MAX_CLIENTS; i++)
		for (unsigned h = 0; h < MP_MAX_MAPS; h++)
			maps += b.clients[i].in_use && b.clients[i].maps[h].in_use;
	if (maps != b.st.live_maps) {
		fprintf(stderr, "fuzz_broker: live_maps %u but %u handles in use\n", b.st.live_maps, maps);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned doms[] = { 0, 1, 2 };
	int ci[NCLIENTS];
	if (mp_broker_init(&b, doms, 3, 0) < 0)
		abort();
	for (int i = 0; i < NCLIENTS; i++)
		ci[i] = mp_client_new(&b, 0);
	size_t pos = 0;
	while (pos < size) {
		uint8_t c = data[pos++];
		int who = (c >> 2) % NCLIENTS;
		switch (c % 4) {
		case 0: {
			size_t len = pos < size ? data[pos++] : 0;
			if (len > size - pos)
				len = size - pos;
			mp_handle(&b, ci[who], data + pos, len, &out);
			if (out.len < sizeof(struct mp_rhdr) || out.len > sizeof(out.buf))
				abort(); /* every message gets a well-formed reply */
			pos += len;
			break;
		}
		case 1: {
			if (size - pos < 11) {
				pos = size;
				break;
			}
			struct mp_domain *d = &b.doms[data[pos] % 3];
			uint16_t off;
			memcpy(&off, data + pos + 1, 2);
			memcpy(d->mem + MP_GT_OFFSET + off % (2 * MP_PAGE - 8), data + pos + 3, 8);
			pos += 11;
			break;
		}
		case 2:
			mp_client_gone(&b, ci[who]);
			ci[who] = mp_client_new(&b, 0);
			break;
		default:
			check_counters();
		}
	}
	for (int i = 0; i < NCLIENTS; i++)
		mp_client_gone(&b, ci[i]);
	struct mp_stats s = b.st;
	unsigned pins = 0;
	for (unsigned i = 0; i < 3; i++)
		for (unsigned r = 0; r < MP_NR_GRANTS; r++)
			pins += mp_ref_pins(&b.doms[i], r);
	if (s.live_maps || pins || s.ports || s.shares || s.clients) {
		fprintf(stderr, "fuzz_broker: held after every client died: maps=%u pins=%u ports=%u shares=%u clients=%u\n",
			s.live_maps, pins, s.ports, s.shares, s.clients);
		abort();
	}
	total_maps += s.maps_total;
	total_events += s.events_sent;
	total_msgs += s.msgs;
	mp_broker_fini(&b);
	return 0;
}

#ifdef FUZZ_STANDALONE
/* Seeded random inputs, mostly well-formed requests over a few refs, ports and handles (so maps,
 * events and shares really happen) mixed with junk, guest edits of entries and client deaths. */
static uint8_t buf[8192];
static size_t len;

static void put(const void *p, size_t n)
{
	memcpy(buf + len, p, n);
	len += n;
}

static void msg(int client, uint16_t op, const void *payload, size_t n)
{
	uint8_t c = (uint8_t)(client << 2), l = (uint8_t)(8 + n);
	struct mp_hdr h = { op, 0, (uint32_t)n };
	put(&c, 1);
	put(&l, 1);
	put(&h, sizeof(h));
	put(payload, n);
}

static uint32_t r(uint32_t n) { return (uint32_t)rand() % n; }

static void one_input(void)
{
	len = 0;
	for (int k = 0; k < NCLIENTS; k++) {
		struct mp_hello hello = { MP_MAGIC, (uint16_t)(k % 3), 1 };
		msg(k, MP_HELLO, &hello, sizeof(hello));
	}
	while (len < sizeof(buf) - 200 && r(60)) {
		int k = (int)r(NCLIENTS);
		uint32_t a[2] = { r(3), 1 + r(4) };
		switch (r(12)) {
		case 0: { /* the guest of domain a[0] grants ref to a domain */
			uint8_t c = 1, dom = (uint8_t)r(3);
			uint16_t off = (uint16_t)(r(8) * 8);
			grant_entry_v1_t e = { (uint16_t)(GTF_permit_access | (r(3) ? 0 : GTF_readonly)), (domid_t)r(3),
					       r(10) ? 1 + r(20) : r(300) };
			put(&c, 1);
			put(&dom, 1);
			put(&off, 2);
			put(&e, sizeof(e));
			break;
		}
		case 1: case 2: {
			struct mp_map m = { r(3), r(8), r(2) | (r(4) ? 0 : MP_MAP_NOTIFY_BYTE | MP_MAP_NOTIFY_EVENT), r(5000), 1 + r(4) };
			msg(k, MP_MAP, &m, sizeof(m));
			break;
		}
		case 3: {
			uint32_t h = r(4);
			msg(k, MP_UNMAP, &h, 4);
			break;
		}
		case 4: msg(k, MP_EVT_BIND_UNBOUND, a, 4); break;
		case 5: msg(k, MP_EVT_BIND_INTER, a, 8); break;
		case 6: msg(k, r(2) ? MP_EVT_NOTIFY : MP_EVT_UNMASK, a + 1, 4); break;
		case 7: msg(k, r(2) ? MP_EVT_PENDING : MP_EVT_UNBIND, a + 1, r(2) ? 0 : 4); break;
		case 8: {
			struct mp_share sh = { r(3), 1 + r(3), r(2), r(4096), 1 + r(4), r(4) };
			if (r(2))
				msg(k, MP_SHARE, &sh, sizeof(sh));
			else {
				uint32_t ref = MP_POOL_FIRST_REF + r(4);
				msg(k, MP_UNSHARE, &ref, 4);
			}
			break;
		}
		case 9: {
			struct mp_copy cp = { r(3), r(8), (uint16_t)r(4200), (uint16_t)r(64), 0 };
			msg(k, MP_COPY, &cp, sizeof(cp));
			break;
		}
		case 10: { /* junk, framed or not */
			uint8_t c = (uint8_t)(k << 2), l = (uint8_t)r(48);
			put(&c, 1);
			put(&l, 1);
			for (unsigned i = 0; i < l; i++)
				buf[len++] = (uint8_t)rand();
			break;
		}
		default: { /* a death (2) or a counter check (3) */
			uint8_t c = (uint8_t)((k << 2) | (r(2) ? 2 : 3));
			put(&c, 1);
		}
		}
	}
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 5000;
	srand(4242);
	for (unsigned it = 0; it < n; it++) {
		one_input();
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("ok - %u random broker inputs (%llu messages): every message answered, counters consistent, "
	       "nothing held after\n", n, (unsigned long long)total_msgs);
	/* a driver that never gets past the parser tests nothing */
	printf("%s - the random inputs reached successful maps (%llu) and event deliveries (%llu)\n",
	       total_maps && total_events ? "ok" : "not ok", (unsigned long long)total_maps,
	       (unsigned long long)total_events);
	return total_maps && total_events ? 0 : 1;
}
#endif
