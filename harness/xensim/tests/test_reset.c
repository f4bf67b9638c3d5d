/* test_reset.c - xsim_reset clears exactly what a run touched: after any run the next one sees
 * zeroed state and replays bit for bit. Runs are random walks over every operation, driven by
 * a seed, with the guest racing Xen in the race windows. */
#include <stdlib.h>
#include "tap.h"
#include "xsim_fixture.h"

static struct xsim fresh; /* never used before: the reference for "zeroed state" */

static uint64_t rng;
static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rng >> 33) % n);
}

static uint64_t hash;
static void mix(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		hash ^= (v >> (8 * i)) & 0xff;
		hash *= 1099511628211ull;
	}
}

static struct xsim *cur;

static void racing_guest(void *ctx, domid_t granter, grant_ref_t ref, int point)
{
	mix(0x1000 + point);
	if (rnd(4) == 0) {
		struct xsim_domain *d = xsim_domain(cur, granter);
		uint16_t *f = d->gnt_version == 1 ? &xsim_gnt_v1(cur, granter, ref)->flags
						  : &xsim_gnt_v2(cur, granter, ref)->hdr.flags;
		*f ^= (uint16_t)(rnd(2) ? GTF_PWT : GTF_permit_access);
	}
}

static void on_any_map(void *ctx, domid_t m, domid_t g, grant_ref_t r, uint64_t f, int ro, grant_handle_t h)
{
	mix(0x2000 ^ ((uint64_t)m << 40) ^ ((uint64_t)r << 20) ^ f ^ ((uint64_t)ro << 60) ^ h);
}

/* One run: create domains, then `steps` random operations. Every result goes into the hash. */
static uint64_t run(struct xsim *s, uint64_t seed, unsigned steps)
{
	cur = s;
	rng = seed;
	hash = 1469598103934665603ull;
	s->obs.race_window = racing_guest;
	s->obs.on_map = on_any_map;
	unsigned version = 1 + rnd(2);
	mix((uint64_t)xsim_domain_create(s, GUEST, 16, version, 64));
	mix((uint64_t)xsim_domain_create(s, PEER, 4, 1, 32));
	grant_handle_t handles[XSIM_MAX_MAPS];
	unsigned nh = 0;
	for (unsigned i = 0; i < steps; i++) {
		grant_ref_t ref = 8 + rnd(16);
		switch (rnd(9)) {
		case 0: { /* guest grants, sometimes read-only, sometimes to the wrong domain */
			uint16_t fl = (uint16_t)(GTF_permit_access | (rnd(3) == 0 ? GTF_readonly : 0));
			domid_t to = rnd(8) ? PEER : OTHER;
			uint64_t frame = xsim_page_frame(rnd(16));
			if (version == 1) {
				grant_entry_v1_t *e = xsim_gnt_v1(s, GUEST, ref);
				e->domid = to;
				e->frame = (uint32_t)frame;
				e->flags = fl;
			} else {
				grant_entry_v2_t *e = xsim_gnt_v2(s, GUEST, ref);
				e->hdr.domid = to;
				e->full_page.frame = frame;
				e->hdr.flags = fl;
			}
			break;
		}
		case 1:
		case 2: {
			grant_handle_t h;
			uint64_t frame = 0;
			int16_t rc = xsim_map(s, PEER, GUEST, ref, rnd(2) ? RO : RW, &h, &frame);
			mix((uint64_t)(uint16_t)rc ^ (frame << 16));
			if (rc == GNTST_okay && nh < XSIM_MAX_MAPS)
				handles[nh++] = h;
			break;
		}
		case 3:
			if (nh) {
				unsigned k = rnd(nh);
				mix((uint64_t)(uint16_t)xsim_unmap(s, PEER, handles[k]));
				handles[k] = handles[--nh];
			}
			break;
		case 4:
			if (nh) {
				uint8_t *p = xsim_map_mem_rw(s, PEER, handles[rnd(nh)]);
				if (p)
					p[rnd(XSIM_PAGE_SIZE)] = (uint8_t)rnd(256);
			}
			break;
		case 5: {
			uint8_t buf[64];
			memset(buf, (int)rnd(256), sizeof buf);
			int16_t rc = xsim_copy(s, PEER, GUEST, ref, (uint16_t)rnd(4100), (uint16_t)rnd(64), buf, (int)rnd(2));
			mix((uint64_t)(uint16_t)rc ^ ((uint64_t)buf[0] << 16) ^ ((uint64_t)buf[63] << 24));
			break;
		}
		case 6: { /* the guest writes into one of its own pages */
			uint8_t *p = xsim_frame_mem(s, GUEST, xsim_page_frame(rnd(16)));
			p[rnd(XSIM_PAGE_SIZE)] = (uint8_t)rnd(256);
			break;
		}
		case 7: { /* event channels */
			evtchn_port_t p = 0, q = 0;
			mix((uint64_t)xsim_evtchn_alloc_unbound(s, GUEST, PEER, &p));
			mix((uint64_t)xsim_evtchn_bind_interdomain(s, PEER, GUEST, p, &q) ^ ((uint64_t)q << 8));
			mix((uint64_t)xsim_evtchn_send(s, GUEST, (evtchn_port_t)rnd(XSIM_MAX_PORTS)));
			mix((uint64_t)xsim_evtchn_mask(s, PEER, (evtchn_port_t)rnd(XSIM_MAX_PORTS), (int)rnd(2)));
			mix((uint64_t)xsim_evtchn_take_pending(s, PEER, q));
			if (rnd(3) == 0)
				mix((uint64_t)xsim_evtchn_close(s, PEER, q));
			break;
		}
		case 8:
			if (rnd(20) == 0) {
				xsim_domain_destroy(s, PEER);
				nh = 0;
				mix((uint64_t)xsim_domain_create(s, PEER, 4, 1, 32));
			}
			break;
		}
	}
	/* what the run left behind, as seen by both domains */
	for (unsigned p = 0; p < 16; p++) {
		const uint8_t *m = xsim_frame_mem(s, GUEST, xsim_page_frame(p));
		for (unsigned b = 0; b < XSIM_PAGE_SIZE; b += 61)
			mix(m[b]);
	}
	for (grant_ref_t r = 0; r < 64; r++)
		mix(xsim_ref_pins(s, GUEST, r) ^ ((uint64_t)xsim_ref_status(s, GUEST, r) << 16));
	for (evtchn_port_t p = 0; p < XSIM_MAX_PORTS; p++) {
		const struct xsim_port *q = xsim_evtchn_port(s, PEER, p);
		mix(q ? q->state ^ (q->pending << 4) ^ (q->masked << 5) ^ ((uint64_t)q->sends_received << 8) : 0);
	}
	return hash;
}

static void determinism(void)
{
	int same_twice = 1, clean = 1, like_fresh = 1, differs = 0;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		xsim_reset(&sim);
		uint64_t a = run(&sim, seed, 400);
		xsim_reset(&sim);
		clean &= xsim_check_clean(&sim) == 0;
		uint64_t b = run(&sim, seed, 400);
		same_twice &= a == b;
		/* the same seed on a never-used simulator */
		memset(&fresh, 0, sizeof fresh);
		uint64_t c = run(&fresh, seed, 400);
		like_fresh &= a == c;
		xsim_reset(&sim);
		differs |= run(&sim, seed + 1000, 400) != a;
	}
	CHECK(clean, "reset after a run returns every domain slot to all-zero state");
	CHECK(same_twice, "reset determinism: the same run replays to the same result after reset");
	CHECK(like_fresh, "reset determinism: a run after reset matches the same run on a fresh simulator");
	CHECK(differs, "the determinism check can fail: different seeds give different results");
}

static void untracked_writes(void)
{
	xsim_reset(&sim);
	xsim_domain_create(&sim, GUEST, 4, 1, 64);
	struct xsim_domain *d = xsim_domain(&sim, GUEST);
	d->shared.v1[40].flags = GTF_permit_access; /* behind the simulator's back */
	xsim_reset(&sim);
	CHECK(xsim_check_clean(&sim) == -1, "check_clean catches a grant entry written without touch");
	d->shared.v1[40].flags = 0;
	CHECK(xsim_check_clean(&sim) == 0, "check_clean passes once that entry is zero again");

	xsim_domain_create(&sim, GUEST, 4, 2, 64);
	d = xsim_domain(&sim, GUEST);
	d->shared.v2[40].hdr.flags = GTF_permit_access;
	xsim_guest_touch(&sim, GUEST, &d->shared.v2[40].hdr.flags);
	d->status[41] = GTF_reading;
	xsim_guest_touch(&sim, GUEST, &d->status[41]);
	d->mem[3][100] = 7;
	xsim_guest_touch(&sim, GUEST, &d->mem[3][100]);
	xsim_reset(&sim);
	CHECK(xsim_check_clean(&sim) == 0, "stores reported with xsim_guest_touch are cleared by reset");
}

int main(void)
{
	determinism();
	untracked_writes();
	return tap_done();
}
