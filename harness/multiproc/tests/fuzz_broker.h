/* fuzz_broker.h - the input format of the broker's fuzz target (fuzz_broker.c), shared with the
 * seed generator (broker_seeds.c) so that both speak the same records.
 *
 * An input is a list of records. A record starts with one byte: its kind (FB_KIND_OF) and the
 * client it comes from (FB_CLIENT_OF, one of FB_NCLIENTS connections; at the start client k has
 * sent HELLO as domain k % 3). The fields that follow are read as needed, each from one byte
 * (missing bytes read as 0), and mapped onto the values that matter: see fuzz_broker.c's
 * pick_*() functions. Every request record is turned into a well-formed message of proto.h
 * (header with the exact length, the op's own structure), so the fuzzer spends its time in the
 * handlers; FB_RAW and FB_MANGLE records send hostile bytes.
 */
#ifndef FUZZ_BROKER_H
#define FUZZ_BROKER_H

#define FB_NCLIENTS 8
#define FB_NKINDS 32
#define FB_KIND_OF(b) ((b) % FB_NKINDS)
#define FB_CLIENT_OF(b) ((b) / FB_NKINDS % FB_NCLIENTS)
#define FB_REC(kind, client) ((unsigned char)((client) * FB_NKINDS + (kind)))

enum fb_kind {
	FB_HELLO,        /* dom, magic ok (low bit 0) */
	FB_GET_MEM,
	FB_SET_VERSION,  /* version byte % 4 */
	FB_MAP,          /* granter dom, ref, flags, notify offset, notify port */
	FB_UNMAP,        /* handle */
	FB_COPY,         /* granter dom, ref, offset, len, direction, fill byte */
	FB_SHARE,        /* dom, count, flags, notify offset, notify port, notify flags */
	FB_UNSHARE,      /* ref */
	FB_EVT_INIT,
	FB_BIND_UNBOUND, /* remote dom */
	FB_BIND_INTER,   /* remote dom, remote port */
	FB_BIND_VIRQ,    /* virq byte % 26 */
	FB_UNBIND,       /* port */
	FB_NOTIFY,       /* port */
	FB_PENDING,
	FB_UNMASK,       /* port */
	FB_DOMINFO,      /* dom */
	FB_PAUSE,        /* dom */
	FB_UNPAUSE,      /* dom */
	FB_STATS,
	FB_REF_PINS,     /* dom, ref */
	FB_SHUTDOWN,
	FB_FRAME_MAPS,   /* dom, frame */
	FB_ADOPT,        /* client whose wake fd is attached (or none: a byte >= 0xf0) */
	FB_RESTRICT,     /* dom */
	FB_GUEST_GRANT,  /* the guest of dom (byte % 3) writes ref: grantee dom, frame, flags byte */
	FB_GUEST_RAW,    /* the guest of dom writes 8 bytes at an offset in its table/status page */
	FB_RECONNECT,    /* the client dies; a new connection takes its place (HELLO if byte & 1) */
	FB_RAW,          /* length byte, then that many raw bytes as one message */
	FB_MANGLE,       /* how (byte % 6), then a request record whose message gets broken */
	FB_CHECK,        /* the counters against the clients' state */
	FB_CLOSE_ALL     /* every client dies: nothing may be held (checked), all reconnect */
};

/* Field bytes each kind reads when no picker escapes to a u32 (FB_RAW: plus its length, FB_MANGLE:
 * plus the fields of the record it breaks). */
static const unsigned char fb_fields[FB_NKINDS] = {
	[FB_HELLO] = 2, [FB_SET_VERSION] = 1, [FB_MAP] = 5, [FB_UNMAP] = 1, [FB_COPY] = 6, [FB_SHARE] = 6,
	[FB_UNSHARE] = 1, [FB_BIND_UNBOUND] = 1, [FB_BIND_INTER] = 2, [FB_BIND_VIRQ] = 1, [FB_UNBIND] = 1,
	[FB_NOTIFY] = 1, [FB_UNMASK] = 1, [FB_DOMINFO] = 1, [FB_PAUSE] = 1, [FB_UNPAUSE] = 1,
	[FB_REF_PINS] = 2, [FB_FRAME_MAPS] = 2, [FB_ADOPT] = 1, [FB_RESTRICT] = 1, [FB_GUEST_GRANT] = 5,
	[FB_GUEST_RAW] = 11, [FB_RECONNECT] = 1, [FB_RAW] = 1, [FB_MANGLE] = 2,
};

/* Values of the picker bytes that the seeds use (fuzz_broker.c decodes them). */
#define FB_DOM(d) ((unsigned char)(d))          /* 0,1,2 the domains, 3 a missing one */
#define FB_REF_GUEST(r) ((unsigned char)(r))    /* guest refs 0..63 */
#define FB_REF_POOL(i) ((unsigned char)(0x40 + (i))) /* pool ref MP_POOL_FIRST_REF + i, i < 0xb0 */
#define FB_PORT(p) ((unsigned char)(p))         /* ports 0..0xef */
#define FB_GTF_RW 0x00                          /* FB_GUEST_GRANT flags byte: permit_access */
#define FB_GTF_RO 0x01                          /* ... | readonly */

#endif
