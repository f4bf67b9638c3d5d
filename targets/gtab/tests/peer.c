/* peer.c - the fake Xen and peer of peer.h. */
#include <stdlib.h>
#include <sys/mman.h>
#include "peer.h"

void *t_mem;
unsigned long t_mem_len;
unsigned t_version;
grant_entry_v1_t *t_v1;
grant_entry_v2_t *t_v2;
grant_status_t *t_status;
unsigned t_nfreed, t_freed_mapped;
uint64_t t_freed[4 * T_NR];

static uint16_t peer_bits[T_NR];     /* what the peer's map set */
static uint64_t peer_seen[T_NR];     /* the frame it mapped */

_Static_assert(T_NR * sizeof(grant_entry_v2_t) <= 4096, "table fits one page");

void t_reset(unsigned version)
{
	unsigned i;

	if (!t_mem) {
		t_mem_len = 2 * 4096;
		t_mem = mmap(0, t_mem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t_mem == MAP_FAILED)
			abort();
	}
	for (i = 0; i < t_mem_len; i++)
		((unsigned char *)t_mem)[i] = 0;
	t_version = version;
	t_v1 = version == 1 ? t_mem : 0;
	t_v2 = version == 2 ? t_mem : 0;
	t_status = version == 2 ? (grant_status_t *)((char *)t_mem + 4096) : 0;
	for (i = 0; i < T_NR; i++)
		peer_bits[i] = 0;
	t_nfreed = t_freed_mapped = 0;
}

int t_setup(unsigned version, unsigned nr, unsigned first, unsigned defer_max)
{
	t_reset(version);
	return gtab_init(t_mem, t_status, version, nr, first, defer_max, t_free_page, 0);
}

void t_free_page(void *ctx, uint64_t frame)
{
	unsigned i;

	(void)ctx;
	for (i = 0; i < T_NR; i++)
		if (peer_bits[i] && peer_seen[i] == frame)
			t_freed_mapped++;
	if (t_nfreed < sizeof t_freed / sizeof t_freed[0])
		t_freed[t_nfreed] = frame;
	t_nfreed++;
}

uint16_t t_flags(grant_ref_t ref)
{
	return t_version == 1 ? t_v1[ref].flags : t_v2[ref].hdr.flags;
}

domid_t t_domid(grant_ref_t ref)
{
	return t_version == 1 ? t_v1[ref].domid : t_v2[ref].hdr.domid;
}

uint64_t t_frame(grant_ref_t ref)
{
	return t_version == 1 ? t_v1[ref].frame : t_v2[ref].full_page.frame;
}

void t_stale(grant_ref_t ref, uint64_t frame)
{
	if (t_version == 1) {
		t_v1[ref].domid = PEER;
		t_v1[ref].frame = (uint32_t)frame;
		t_v1[ref].flags = 0;
	} else {
		t_v2[ref].hdr.domid = PEER;
		t_v2[ref].full_page.frame = frame;
		t_v2[ref].hdr.flags = 0;
	}
}

int peer_map(grant_ref_t ref, int write)
{
	uint16_t bits = (uint16_t)(GTF_reading | (write ? GTF_writing : 0)), f;

	if (ref >= T_NR)
		return 0;
	f = t_flags(ref);
	if (peer_bits[ref] || (f & GTF_type_mask) != GTF_permit_access ||
	    t_domid(ref) != PEER || (write && (f & GTF_readonly)))
		return 0;
	if (t_version == 1)
		t_v1[ref].flags = (uint16_t)(f | bits);
	else
		t_status[ref] = (uint16_t)(t_status[ref] | bits);
	peer_bits[ref] = bits;
	peer_seen[ref] = t_frame(ref);
	return 1;
}

void peer_unmap(grant_ref_t ref)
{
	uint16_t keep = (uint16_t)~(GTF_reading | GTF_writing);

	if (ref >= T_NR || !peer_bits[ref])
		return;
	if (t_version == 1)
		t_v1[ref].flags &= keep;
	else
		t_status[ref] &= keep;
	peer_bits[ref] = 0;
}

int peer_maps(grant_ref_t ref)
{
	return ref < T_NR && peer_bits[ref] != 0;
}

uint64_t peer_frame(grant_ref_t ref)
{
	return peer_seen[ref];
}
