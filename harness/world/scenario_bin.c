/* scenario_bin.c - the compact binary form of scenarios, for fuzzers.
 *
 * Layout (every byte string is valid; values wrap into their ranges, missing bytes read as 0):
 *   header  4 bytes: version = 1 + b0 % 2, memory model = ((b0 >> 1) & 3) % 3 (sc, tso, arm:
 *                    inputs written before the models had b0 < 2, so they stay sc), device =
 *                    (b0 >> 3) % 3 (none, vbd, vif; the fuzz targets set their own), pages = 1 + b1 % 64,
 *                    refs = 9 + b2 % 248, deferq = 1 + b3 % 64
 *   step    op byte (row of ops.def, modulo the number of rows)
 *           at byte: bit 7 set = queued `at K` with K = low 7 bits
 *           one byte per argument of kind P (mod pages), M and D (bit 0), L (mod 9: 0 no name,
 *           N + 1 for `as gN`); two bytes for R: low byte, then a byte whose bit 7 says "a
 *           grant gN" (N = low byte mod 8) rather than "raw ref" (low byte mod refs); two bytes
 *           little-endian for N and S (S: a signed 16-bit value, two's complement)
 * Steps follow until the bytes run out (at most SCN_MAX_STEPS). Encoding is the exact inverse
 * for in-range values, so text -> binary -> text is the identity on canonical text.
 */
#include <string.h>
#include "world/scenario.h"

_Static_assert(SCN_MAX_ARGS == 4, "scn_decode clears four arguments");

struct reader {
	const uint8_t *p;
	size_t left;
};

static inline __attribute__((always_inline)) unsigned byte(struct reader *r) /* per input byte: never a call */
{
	if (!r->left)
		return 0;
	r->left--;
	return *r->p++;
}

/* Argument kinds per op, from ops.def at compile time (a leading '*' is skipped when read): the
 * decoder runs once per fuzz input over every step, so no call and no string walk per step. */
static const char op_kinds[SCN_NR_OPS][SCN_MAX_ARGS + 2] = {
#define OP(actor, verb, args, fn) args,
#include "world/ops.def"
#undef OP
};

/* b % n for a byte b and 1 <= n <= 256 without a division (one per argument otherwise):
 * q = (b * ceil(65536 / n)) >> 16 is b / n exactly, the error being below b / 65536 < 1 / n. */
static inline unsigned mod_byte(unsigned b, unsigned n, unsigned recip)
{
	return b - n * ((b * recip) >> 16);
}

static inline unsigned recip_of(unsigned n)
{
	return (65536 + n - 1) / n;
}

void scn_decode(struct scenario *scn, const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct scn_config *c = &scn->cfg;
	unsigned b0 = byte(&r);
	c->version = (uint8_t)(1 + b0 % 2);
	c->memory = (uint8_t)(((b0 >> 1) & 3) % SCN_MEMORY_MODELS);
	c->device = (uint8_t)((b0 >> 3) % SCN_DEVICES);
	c->pages = (uint8_t)(SCN_PAGES_MIN + byte(&r) % (SCN_PAGES_MAX - SCN_PAGES_MIN + 1));
	c->refs = (uint16_t)(SCN_REFS_MIN + byte(&r) % (SCN_REFS_MAX - SCN_REFS_MIN + 1));
	c->deferq = (uint8_t)(SCN_DEFERQ_MIN + byte(&r) % (SCN_DEFERQ_MAX - SCN_DEFERQ_MIN + 1));
	const unsigned np = c->pages, nr = c->refs, rp = recip_of(np), rr = recip_of(nr);
	uint32_t n = 0;
	while (r.left && n < SCN_MAX_STEPS) {
		struct scn_step *s = &scn->steps[n++];
		unsigned op = byte(&r) % SCN_NR_OPS, at = byte(&r);
		s->op = (uint16_t)op; /* field by field: a struct literal costs a memset call under ASan */
		s->queued = (uint8_t)(at >> 7);
		s->at = (uint8_t)(at >> 7 ? at & 0x7f : 0);
		s->line = 0;
		s->arg[0] = s->arg[1] = s->arg[2] = s->arg[3] = 0;
		const char *k = op_kinds[op];
		k += *k == '*';
		for (int i = 0; k[i] && i < SCN_MAX_ARGS; i++) {
			switch (k[i]) {
			case 'P': s->arg[i] = mod_byte(byte(&r), np, rp); break;
			case 'R': {
				unsigned lo = byte(&r);
				s->arg[i] = byte(&r) & 0x80 ? SCN_LABEL | (lo & (SCN_LABELS - 1)) : mod_byte(lo, nr, rr);
				break;
			}
			case 'L': s->arg[i] = mod_byte(byte(&r), SCN_LABELS + 1, recip_of(SCN_LABELS + 1)); break;
			case 'M': case 'D': s->arg[i] = byte(&r) & 1; break;
			default: s->arg[i] = byte(&r); s->arg[i] |= byte(&r) << 8; break;
			}
		}
	}
	scn->nsteps = n;
}

size_t scn_encode(const struct scenario *scn, uint8_t *out, size_t cap)
{
	size_t n = 0;
	const struct scn_config *c = &scn->cfg;
#define PUT(v) do { if (n >= cap) return 0; out[n++] = (uint8_t)(v); } while (0)
	PUT((c->version - 1) | (c->memory % SCN_MEMORY_MODELS) << 1 | (c->device % SCN_DEVICES) << 3);
	PUT(c->pages - SCN_PAGES_MIN);
	PUT(c->refs - SCN_REFS_MIN);
	PUT(c->deferq - SCN_DEFERQ_MIN);
	for (uint32_t i = 0; i < scn->nsteps; i++) {
		const struct scn_step *s = &scn->steps[i];
		PUT(s->op);
		PUT(s->queued ? 0x80 | (s->at & 0x7f) : 0);
		const char *k = scn_op_args(s->op);
		for (int a = 0; k[a] && a < SCN_MAX_ARGS; a++) {
			if (k[a] == 'N' || k[a] == 'S') {
				PUT(s->arg[a] & 0xff);
				PUT(s->arg[a] >> 8);
			} else if (k[a] == 'R') {
				PUT(s->arg[a] & 0xff);
				PUT(scn_is_label(s->arg[a]) ? 0x80 : 0);
			} else {
				PUT(s->arg[a]);
			}
		}
	}
#undef PUT
	return n;
}
