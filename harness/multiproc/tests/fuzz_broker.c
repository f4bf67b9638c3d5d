/* fuzz_broker.c - the broker's wire formats under fuzzing: LLVMFuzzerTestOneInput over the pure
 * handler mp_handle(), with hostile clients and a hostile guest editing its grant table.
 *
 * Structure-aware: an input is a list of records (fuzz_broker.h), most of them one request built
 * from proto.h's structures with fields picked among the values that lead somewhere (existing
 * and missing domains, granted and ungranted refs, bound and unbound ports, handles in use), so
 * inputs get past the header into every handler; raw and mangled records keep the parser under
 * fire. The broker runs "live" (wake fds, as the daemon) with pid-less clients (no signals).
 *
 * Checked: every message gets a well-formed reply; the counters agree with the clients' state
 * (FB_CHECK); after every client died nothing is held: no map, pin, port, share or client.
 * Build with -DFUZZ_STANDALONE for a seeded random driver (the `make test` smoke run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker.h"
#include "fuzz_broker.h"

static struct mp_broker b;
static struct mp_out out;
static uint64_t total_maps, total_events, total_msgs; /* how deep the inputs reached */

struct in {
	const uint8_t *p;
	size_t n, pos;
};

static uint8_t u8(struct in *in) { return in->pos < in->n ? in->p[in->pos++] : 0; }
static uint32_t u32(struct in *in)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)u8(in) << (8 * i);
	return v;
}

/* Pickers: one byte each, mostly small meaningful values, 0xff escapes to a full u32. */
static uint32_t pick_dom(struct in *in)
{
	uint8_t v = u8(in);
	if (v < 0xf0)
		return v % 4;                  /* 0, 1, 2 exist; 3 does not */
	if (v == 0xff)
		return u32(in);
	return v == 0xfe ? 0xffffu : DOMID_FIRST_RESERVED + (v - 0xf0); /* DOMID_SELF and friends */
}

static uint32_t pick_ref(struct in *in)
{
	uint8_t v = u8(in);
	if (v < 0x40)
		return v;                                        /* the guest's refs */
	if (v < 0xf0)
		return MP_POOL_FIRST_REF + (v - 0x40) % (MP_NR_GRANTS - MP_POOL_FIRST_REF); /* the pool */
	return v == 0xff ? u32(in) : MP_NR_GRANTS + (v - 0xf0); /* out of range */
}

static uint32_t pick_small(struct in *in, uint32_t edge)
{
	uint8_t v = u8(in);
	if (v < 0xf0)
		return v;
	return v == 0xff ? u32(in) : edge - 1 + (v - 0xf0);  /* around an edge */
}

#define pick_port(in) pick_small(in, MP_EVTCHN_NR_CHANNELS)
#define pick_handle(in) pick_small(in, MP_MAX_MAPS)
#define pick_frame(in) pick_small(in, MP_NR_PAGES)

static uint32_t pick_offset(struct in *in)
{
	uint8_t v = u8(in);
	if (v < 0xf0)
		return (uint32_t)v * 17u;      /* inside the page */
	return v == 0xff ? u32(in) : MP_PAGE - 8 + (v - 0xf0);
}

/* The harness's own checks carry no coverage: only the broker's edges count. Its scans of the
 * broker's tables (every slot of fixed-size arrays, indexes bounded by the same constants) carry no
 * ASan or UBSan either: there is nothing in them for a sanitizer to find, and under the libFuzzer
 * build their checked loads were a tenth of a run. The broker's code keeps every sanitizer. */
#if defined(__clang__)
#define NO_COV __attribute__((no_sanitize("coverage")))
#define SCAN __attribute__((no_sanitize("coverage", "address", "undefined")))
#else
#define NO_COV
#define SCAN
#endif

SCAN static void check_counters(void)
{
	uint32_t maps = 0, clients = 0;
	for (unsigned i = 0; i < MP_MAX_CLIENTS; i++) {
		if (!b.clients[i].in_use) /* a free slot holds no map (its handles are not looked at) */
			continue;
		clients++;
		for (unsigned h = 0; h < MP_MAX_MAPS; h++)
			maps += b.clients[i].maps[h].in_use;
	}
	uint32_t ports = 0, shares = 0;
	for (unsigned d = 0; d < MP_MAX_DOMS; d++) {
		if (!b.doms[d].exists)
			continue;
		for (unsigned p = 1; p < MP_NR_PORTS; p++)
			ports += b.doms[d].ports[p].state != MP_PORT_FREE;
		for (unsigned r = 0; r < MP_NR_GRANTS; r++)
			shares += b.doms[d].shares[r].in_use;
	}
	if (maps != b.st.live_maps || clients != b.st.clients || ports != b.st.ports || shares != b.st.shares) {
		fprintf(stderr, "fuzz_broker: counters maps %u/%u clients %u/%u ports %u/%u shares %u/%u\n",
			b.st.live_maps, maps, b.st.clients, clients, b.st.ports, ports, b.st.shares, shares);
		abort();
	}
}

static void handle(int ci, const uint8_t *msg, size_t len)
{
	mp_handle(&b, ci, msg, len, &out);
	struct mp_rhdr rh;
	if (out.len < sizeof(rh) || out.len > sizeof(out.buf))
		abort(); /* every message gets a well-formed reply */
	memcpy(&rh, out.buf, sizeof(rh));
	if (rh.len != out.len - sizeof(rh) || rh.nfds != (out.fd >= 0))
		abort();
}

/* Build the request of a request record into msg (header + payload); 0 if kind is no request. */
static size_t build(int kind, struct in *in, int *ci, int who, uint8_t *msg)
{
	uint8_t *p = msg + sizeof(struct mp_hdr);
	size_t n = 0;
	uint16_t op;
	uint32_t a[2];
	switch (kind) {
	case FB_HELLO: {
		struct mp_hello h = { MP_MAGIC, 0, MP_KIND_CTRL };
		h.domid = (uint16_t)pick_dom(in);
		if (u8(in) & 1)
			h.magic = ~MP_MAGIC;
		op = MP_HELLO;
		memcpy(p, &h, n = sizeof(h));
		break;
	}
	case FB_GET_MEM: op = MP_GET_MEM; break;
	case FB_SET_VERSION: op = MP_SET_VERSION; a[0] = u8(in) % 4; memcpy(p, a, n = 4); break;
	case FB_MAP: {
		struct mp_map m;
		m.granter = pick_dom(in);
		m.ref = pick_ref(in);
		uint8_t f = u8(in);
		m.flags = (f & 0x0f) | (f >= 0xf8 ? 0x100u << (f & 7) : 0);
		m.notify_off = pick_offset(in);
		m.notify_port = pick_port(in);
		op = MP_MAP;
		memcpy(p, &m, n = sizeof(m));
		break;
	}
	case FB_UNMAP: op = MP_UNMAP; a[0] = pick_handle(in); memcpy(p, a, n = 4); break;
	case FB_COPY: {
		struct mp_copy c;
		c.granter = pick_dom(in);
		c.ref = pick_ref(in);
		c.offset = (uint16_t)pick_offset(in);
		uint8_t l = u8(in);
		c.len = l < 0xf0 ? l : l == 0xff ? (uint16_t)u32(in) : (uint16_t)(MP_PAGE - 8 + (l - 0xf0));
		uint8_t dir = u8(in);
		c.flags = dir & 1 ? MP_COPY_TO_GRANTER : 0;
		if (dir & 2)
			c.flags |= 0x80; /* unknown flag bits are ignored, as GNTTABOP_copy ignores them */
		uint8_t fill = u8(in);
		op = MP_COPY;
		memcpy(p, &c, sizeof(c));
		n = sizeof(c);
		if ((c.flags & MP_COPY_TO_GRANTER) && c.len <= MP_MAX_COPY) {
			memset(p + n, fill, c.len);
			n += c.len;
		}
		break;
	}
	case FB_SHARE: {
		struct mp_share s;
		s.domid = pick_dom(in);
		uint8_t cnt = u8(in);
		s.count = cnt < 0xf0 ? cnt % 5u + (cnt >= 0xe0) * 60u : cnt == 0xff ? u32(in) : MP_MAX_SHARE - 1 + (cnt - 0xf0u);
		uint8_t f = u8(in);
		s.flags = (f & 3) | (f >= 0xfc ? 0x10 : 0);
		s.notify_off = pick_offset(in);
		s.notify_port = pick_port(in);
		uint8_t nf = u8(in);
		s.notify_flags = (nf & 0xc) | (nf >= 0xf0 ? 0x100 : 0);
		op = MP_SHARE;
		memcpy(p, &s, n = sizeof(s));
		break;
	}
	case FB_UNSHARE: op = MP_UNSHARE; a[0] = pick_ref(in); memcpy(p, a, n = 4); break;
	case FB_EVT_INIT: op = MP_EVT_INIT; break;
	case FB_BIND_UNBOUND: op = MP_EVT_BIND_UNBOUND; a[0] = pick_dom(in); memcpy(p, a, n = 4); break;
	case FB_BIND_INTER:
		op = MP_EVT_BIND_INTER;
		a[0] = pick_dom(in);
		a[1] = pick_port(in);
		memcpy(p, a, n = 8);
		break;
	case FB_BIND_VIRQ: op = MP_EVT_BIND_VIRQ; a[0] = u8(in) % 26; memcpy(p, a, n = 4); break;
	case FB_UNBIND: op = MP_EVT_UNBIND; a[0] = pick_port(in); memcpy(p, a, n = 4); break;
	case FB_NOTIFY: op = MP_EVT_NOTIFY; a[0] = pick_port(in); memcpy(p, a, n = 4); break;
	case FB_PENDING: op = MP_EVT_PENDING; break;
	case FB_UNMASK: op = MP_EVT_UNMASK; a[0] = pick_port(in); memcpy(p, a, n = 4); break;
	case FB_DOMINFO: op = MP_DOMINFO; a[0] = pick_dom(in); memcpy(p, a, n = 4); break;
	case FB_PAUSE: op = MP_PAUSE; a[0] = pick_dom(in); memcpy(p, a, n = 4); break;
	case FB_UNPAUSE: op = MP_UNPAUSE; a[0] = pick_dom(in); memcpy(p, a, n = 4); break;
	case FB_STATS: op = MP_STATS; break;
	case FB_REF_PINS:
		op = MP_REF_PINS;
		a[0] = pick_dom(in);
		a[1] = pick_ref(in);
		memcpy(p, a, n = 8);
		break;
	case FB_SHUTDOWN: op = MP_SHUTDOWN; break;
	case FB_FRAME_MAPS:
		op = MP_FRAME_MAPS;
		a[0] = pick_dom(in);
		a[1] = pick_frame(in);
		memcpy(p, a, n = 8);
		break;
	case FB_ADOPT: {
		/* the wake fd of another client attached (its identity, as brokerd computes it) */
		uint8_t t = u8(in);
		b.in_key = t < 0xf0 ? b.clients[ci[t % FB_NCLIENTS]].wake_key : t == 0xff ? 0 : 1ull << 63 | t;
		op = MP_EVT_ADOPT;
		break;
	}
	case FB_RESTRICT: op = MP_EVT_RESTRICT; a[0] = pick_dom(in); memcpy(p, a, n = 4); break;
	default:
		return 0;
	}
	(void)who;
	struct mp_hdr h = { op, 0, (uint32_t)n };
	memcpy(msg, &h, sizeof(h));
	return sizeof(h) + n;
}

/* The guest of a domain writes a grant entry the way its kernel does (v1 or v2 layout). */
static void guest_grant(struct in *in)
{
	struct mp_domain *d = mp_dom(&b, u8(in) % 3);
	uint32_t ref = pick_ref(in) % MP_NR_GRANTS;
	domid_t grantee = (domid_t)pick_dom(in);
	uint32_t frame = pick_frame(in);
	uint8_t f = u8(in);
	static const uint16_t types[4] = { GTF_permit_access, GTF_invalid, GTF_accept_transfer,
					   GTF_permit_access | GTF_sub_page };
	uint16_t flags = types[(f >> 1) & 3] | (f & 1 ? GTF_readonly : 0) | (f & 0x10 ? GTF_reading : 0);
	if (d->version == 2) {
		grant_entry_v2_t *e = (grant_entry_v2_t *)(d->mem + MP_GT_OFFSET) + ref;
		__atomic_store_n(&e->full_page.frame, frame, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->hdr.domid, grantee, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->hdr.flags, flags, __ATOMIC_SEQ_CST);
	} else {
		grant_entry_v1_t *e = (grant_entry_v1_t *)(d->mem + MP_GT_OFFSET) + ref;
		__atomic_store_n(&e->frame, frame, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->domid, grantee, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->flags, flags, __ATOMIC_SEQ_CST);
	}
}

SCAN static unsigned held_pins(void)
{
	unsigned pins = 0;
	for (unsigned i = 0; i < 3; i++)
		for (unsigned r = 0; r < MP_NR_GRANTS; r++)
			pins += b.doms[i].active[r].rd_pins + b.doms[i].active[r].wr_pins;
	return pins;
}

NO_COV static void all_die(int *ci)
{
	for (int i = 0; i < FB_NCLIENTS; i++) {
		mp_client_gone(&b, ci[i]);
		ci[i] = -1;
	}
	unsigned pins = held_pins();
	struct mp_stats s = b.st;
	if (s.live_maps || pins || s.ports || s.shares || s.clients) {
		fprintf(stderr, "fuzz_broker: held after every client died: maps=%u pins=%u ports=%u shares=%u clients=%u\n",
			s.live_maps, pins, s.ports, s.shares, s.clients);
		abort();
	}
}

static int connect_as(unsigned dom)
{
	int c = mp_client_new(&b, 0);
	struct { struct mp_hdr h; struct mp_hello hello; } m = { { MP_HELLO, 0, sizeof(struct mp_hello) },
								   { MP_MAGIC, (uint16_t)dom, MP_KIND_CTRL } };
	handle(c, (const uint8_t *)&m, sizeof(m));
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned doms[] = { 0, 2, 1 }; /* not in id order: as `--domains` may give them */
	static uint8_t msg[MP_MAX_MSG + 64];
	int ci[FB_NCLIENTS];
	static int ready;
	if (!ready && mp_broker_init(&b, doms, 3, 1) < 0)
		abort();
	if (ready && mp_broker_reset(&b) < 0)
		abort();
	ready = 1;
	for (int i = 0; i < FB_NCLIENTS; i++)
		ci[i] = connect_as((unsigned)i % 3);
	struct in in = { data, size, 0 };
	while (in.pos < in.n) {
		uint8_t r = u8(&in);
		int kind = FB_KIND_OF(r), who = FB_CLIENT_OF(r);
		size_t len;
		switch (kind) {
		case FB_GUEST_GRANT:
			guest_grant(&in);
			break;
		case FB_GUEST_RAW: {
			struct mp_domain *d = mp_dom(&b, u8(&in) % 3);
			uint32_t hi = u8(&in), off = (hi << 8 | u8(&in)) % (2 * MP_PAGE - 8);
			for (int i = 0; i < 8; i++)
				d->mem[MP_GT_OFFSET + off + i] = u8(&in);
			break;
		}
		case FB_RECONNECT: {
			uint8_t how = u8(&in);
			mp_client_gone(&b, ci[who]);
			ci[who] = how & 1 ? connect_as(how >> 1 & 3) : mp_client_new(&b, 0);
			break;
		}
		case FB_RAW: {
			len = u8(&in);
			if (len > in.n - in.pos)
				len = in.n - in.pos;
			handle(ci[who], in.p + in.pos, len);
			in.pos += len;
			break;
		}
		case FB_MANGLE: {
			uint8_t how = u8(&in) % 6;
			int sub = FB_KIND_OF(u8(&in));
			len = build(sub, &in, ci, who, msg);
			if (!len) {
				struct mp_hdr h = { MP_STATS, 0, 0 };
				memcpy(msg, &h, sizeof(h));
				len = sizeof(h);
			}
			struct mp_hdr h;
			memcpy(&h, msg, sizeof(h));
			switch (how) {
			case 0: len = len > 1 ? len - 1 : 0; break;                      /* one byte short */
			case 1: msg[len++] = 0x5a; h.len++; break;                       /* an extra byte, told */
			case 2: h.flags = 1; break;                                      /* reserved flags */
			case 3: h.op = (uint16_t)(MP_OP_MAX + (h.op & 7)); break;        /* unknown op */
			case 4: h.len += 1; break;                                       /* a lying length */
			default: if (h.len >= 4) { h.len -= 4; len -= 4; } else h.op = 0; /* short payload */
			}
			if (len >= sizeof(h))
				memcpy(msg, &h, sizeof(h));
			handle(ci[who], msg, len);
			b.in_key = 0;
			break;
		}
		case FB_CHECK:
			check_counters();
			break;
		case FB_CLOSE_ALL:
			all_die(ci);
			b.shutdown = 0;
			for (int i = 0; i < FB_NCLIENTS; i++)
				ci[i] = connect_as((unsigned)i % 3);
			break;
		default:
			len = build(kind, &in, ci, who, msg);
			handle(ci[who], msg, len);
			b.in_key = 0;
		}
	}
	check_counters();
	all_die(ci);
	total_maps += b.st.maps_total;
	total_events += b.st.events_sent;
	total_msgs += b.st.msgs;
	return 0;
}

#ifdef FUZZ_STANDALONE
#include <dirent.h>

/* Open fds of this process: a client's wake fds must all be closed when it dies. */
static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Seeded random inputs: records of every kind from random clients, their fields mostly among
 * the small values that name things that exist, so maps, shares and event deliveries happen. */
static uint8_t field(void)
{
	static const uint8_t vals[] = { 0, 1, 2, 3, 4, 1, 2, FB_REF_POOL(0), FB_REF_POOL(1), FB_REF_POOL(2) };
	int r = rand();
	return r % 8 ? vals[(r >> 3) % sizeof(vals)] : (uint8_t)(r >> 8);
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 5000;
	static uint8_t buf[2048];
	srand(4242);
	int fds0 = -1; /* counted after the first input: the domains' memfds stay across inputs */
	for (unsigned it = 0; it < n; it++) {
		if (it == 1)
			fds0 = count_fds();
		size_t len = 0, want = 64 + (size_t)rand() % 1024;
		while (len < want) {
			int kind = rand() % FB_NKINDS, client = rand() % FB_NCLIENTS;
			if (kind == FB_CLOSE_ALL && rand() % 4)
				kind = FB_CHECK;
			buf[len++] = FB_REC(kind, client);
			unsigned nf = fb_fields[kind];
			if (kind == FB_MANGLE) {
				buf[len++] = (uint8_t)rand();
				int sub = rand() % FB_NKINDS;
				buf[len++] = (uint8_t)sub;
				nf = fb_fields[sub];
			}
			if (kind == FB_RAW)
				nf = 1 + (buf[len] = (uint8_t)(rand() % 40));
			for (unsigned i = kind == FB_RAW; i < nf; i++)
				buf[len + i] = field();
			len += nf;
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	int fds1 = count_fds();
	printf("ok - %u random broker inputs (%llu messages): every message answered, counters consistent, "
	       "nothing held after\n", n, (unsigned long long)total_msgs);
	printf("%s - no fd left open by the broker after its clients died (%d before, %d after)\n",
	       fds0 == fds1 ? "ok" : "not ok", fds0, fds1);
	/* a driver that never gets past the parser tests nothing */
	printf("%s - the random inputs reached successful maps (%llu) and event deliveries (%llu)\n",
	       total_maps && total_events ? "ok" : "not ok", (unsigned long long)total_maps,
	       (unsigned long long)total_events);
	return total_maps && total_events && fds0 == fds1 ? 0 : 1;
}
#endif
