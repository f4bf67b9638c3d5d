/* blkif_abi.h - the blkif ring layouts a frontend may declare in its "protocol" key, for our
 * blkfront and the peer's blkback alike (hosted and freestanding: no libc, no struct copies
 * that a compiler might turn into memcpy calls).
 *
 * A backend serves the layout the frontend declared: "x86_64-abi", "x86_32-abi", or no key at all
 * (the backend's native one, x86_64 here). Debian's xen/io/blkif.h defines the native layout only:
 * 64-bit fields aligned to 8, a request 112 bytes, a response 16. A 32-bit x86 guest lays the very
 * same structs out with 64-bit fields aligned to 4 (i386's rule): a request 108 bytes, a response
 * 12, the layout Xen's tools and Linux's blkback call blkif_x86_32. The project's rule is Debian's
 * headers for every ABI structure, never one re-declared by hand, so the 32-bit layout is derived
 * from that header: it is included a second time under `#pragma pack(push, 4)` (which caps every
 * member's alignment at 4, exactly i386's rule for uint64_t) with its type names renamed by macros
 * to blkif_x86_32_*, and the static asserts below pin the sizes and offsets, computed from the
 * field list: request operation@0 nr_segments@1 handle@2 id@4 sector_number@12 seg@20 (11 x 8) =
 * 108; indirect nr_segments@2 id@4 sector_number@12 handle@20 indirect_grefs@24; response id@0
 * operation@8 status@10 = 12. (The header's i386-only `pad` of the indirect request is not there:
 * it only rounds that struct to 64 bytes, inside a 108-byte ring slot; no field moves.)
 *
 * The ring header (req_prod, req_event, rsp_prod, rsp_event, 64 bytes) is the same in both, so the
 * ring.h index macros work on the native ring types; only the slots differ: requests and responses
 * go through blkif_abi_get_request/put_request/get_response/put_response, in the native structs.
 */
#ifndef BLKIF_ABI_H
#define BLKIF_ABI_H

#include <xen/io/blkif.h>

#undef __XEN_PUBLIC_IO_BLKIF_H__
#define blkif_request_segment blkif_x86_32_request_segment
#define blkif_request blkif_x86_32_request
#define blkif_request_t blkif_x86_32_request_t
#define blkif_request_discard blkif_x86_32_request_discard
#define blkif_request_discard_t blkif_x86_32_request_discard_t
#define blkif_request_indirect blkif_x86_32_request_indirect
#define blkif_request_indirect_t blkif_x86_32_request_indirect_t
#define blkif_response blkif_x86_32_response
#define blkif_response_t blkif_x86_32_response_t
/* DEFINE_RING_TYPES(blkif, ...) pastes these names; the pasted tokens are rescanned, so renamed */
#define blkif_sring_entry blkif_x86_32_sring_entry
#define blkif_sring blkif_x86_32_sring
#define blkif_sring_t blkif_x86_32_sring_t
#define blkif_front_ring blkif_x86_32_front_ring
#define blkif_front_ring_t blkif_x86_32_front_ring_t
#define blkif_back_ring blkif_x86_32_back_ring
#define blkif_back_ring_t blkif_x86_32_back_ring_t
#pragma pack(push, 4)
#include <xen/io/blkif.h>
#pragma pack(pop)
#undef blkif_request_segment
#undef blkif_request
#undef blkif_request_t
#undef blkif_request_discard
#undef blkif_request_discard_t
#undef blkif_request_indirect
#undef blkif_request_indirect_t
#undef blkif_response
#undef blkif_response_t
#undef blkif_sring_entry
#undef blkif_sring
#undef blkif_sring_t
#undef blkif_front_ring
#undef blkif_front_ring_t
#undef blkif_back_ring
#undef blkif_back_ring_t

#define BLKIF_ABI_OFF(t, f) __builtin_offsetof(t, f)
/* the native layout is x86_64's (what "x86_64-abi" and no key mean to this build) */
_Static_assert(sizeof(blkif_request_t) == 112 && BLKIF_ABI_OFF(blkif_request_t, id) == 8 &&
	       BLKIF_ABI_OFF(blkif_request_t, seg) == 24 && sizeof(blkif_response_t) == 16,
	       "native blkif is not the x86_64 layout");
_Static_assert(sizeof(blkif_x86_32_request_t) == 108 && BLKIF_ABI_OFF(blkif_x86_32_request_t, handle) == 2 &&
	       BLKIF_ABI_OFF(blkif_x86_32_request_t, id) == 4 &&
	       BLKIF_ABI_OFF(blkif_x86_32_request_t, sector_number) == 12 &&
	       BLKIF_ABI_OFF(blkif_x86_32_request_t, seg) == 20 && sizeof(struct blkif_x86_32_request_segment) == 8,
	       "blkif x86_32 request layout");
_Static_assert(BLKIF_ABI_OFF(blkif_x86_32_request_indirect_t, nr_segments) == 2 &&
	       BLKIF_ABI_OFF(blkif_x86_32_request_indirect_t, id) == 4 &&
	       BLKIF_ABI_OFF(blkif_x86_32_request_indirect_t, sector_number) == 12 &&
	       BLKIF_ABI_OFF(blkif_x86_32_request_indirect_t, handle) == 20 &&
	       BLKIF_ABI_OFF(blkif_x86_32_request_indirect_t, indirect_grefs) == 24,
	       "blkif x86_32 indirect request layout");
_Static_assert(sizeof(blkif_x86_32_response_t) == 12 && BLKIF_ABI_OFF(blkif_x86_32_response_t, operation) == 8 &&
	       BLKIF_ABI_OFF(blkif_x86_32_response_t, status) == 10, "blkif x86_32 response layout");
_Static_assert(sizeof(union blkif_x86_32_sring_entry) == 108 &&
	       BLKIF_ABI_OFF(struct blkif_x86_32_sring, ring) == BLKIF_ABI_OFF(struct blkif_sring, ring) &&
	       BLKIF_ABI_OFF(struct blkif_x86_32_sring, rsp_event) == BLKIF_ABI_OFF(struct blkif_sring, rsp_event),
	       "blkif x86_32 ring: the same header, 108-byte slots");

enum blkif_abi { BLKIF_ABI_NATIVE = 0, BLKIF_ABI_X86_32 = 1 };

/* Slots in a ring of `bytes` (a power of two, as __RING_SIZE rounds it). */
static inline unsigned blkif_abi_ring_size(enum blkif_abi abi, unsigned long bytes)
{
	unsigned long n = (bytes - BLKIF_ABI_OFF(struct blkif_sring, ring)) /
			  (abi == BLKIF_ABI_X86_32 ? sizeof(union blkif_x86_32_sring_entry) : sizeof(union blkif_sring_entry));
	return (unsigned)__RD32(n);
}

/* One request between two layouts, field by field; `src` is a private copy (each field read once:
 * operation chooses the view, the frontend can no longer change it under us). A discard's
 * nr_sectors is not carried (no backend here serves discard). */
#define BLKIF_ABI_COPY_REQ(dst, src, dst_ind_t, src_ind_t)                                                 \
	do {                                                                                               \
		(dst)->operation = (src)->operation;                                                       \
		if ((src)->operation == BLKIF_OP_INDIRECT) {                                               \
			dst_ind_t *di_ = (dst_ind_t *)(dst);                                               \
			const src_ind_t *si_ = (const src_ind_t *)(src);                                   \
			di_->indirect_op = si_->indirect_op;                                               \
			di_->nr_segments = si_->nr_segments;                                               \
			di_->id = si_->id;                                                                 \
			di_->sector_number = si_->sector_number;                                           \
			di_->handle = si_->handle;                                                         \
			for (unsigned k_ = 0; k_ < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; k_++)             \
				di_->indirect_grefs[k_] = si_->indirect_grefs[k_];                         \
		} else {                                                                                   \
			(dst)->nr_segments = (src)->nr_segments;                                           \
			(dst)->handle = (src)->handle;                                                     \
			(dst)->id = (src)->id;                                                             \
			(dst)->sector_number = (src)->sector_number;                                       \
			for (unsigned k_ = 0; k_ < BLKIF_MAX_SEGMENTS_PER_REQUEST; k_++) {                 \
				(dst)->seg[k_].gref = (src)->seg[k_].gref;                                 \
				(dst)->seg[k_].first_sect = (src)->seg[k_].first_sect;                     \
				(dst)->seg[k_].last_sect = (src)->seg[k_].last_sect;                       \
			}                                                                                  \
		}                                                                                          \
	} while (0)

/* A slot's bytes, copied once out of the shared page (the other end may be rewriting it). */
static inline void blkif_abi_copy_in(void *dst, const volatile void *src, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		((unsigned char *)dst)[i] = ((const volatile unsigned char *)src)[i];
}

/* The backend: the request in slot idx, copied once and given in the native struct. */
static inline void blkif_abi_get_request(enum blkif_abi abi, void *sring, unsigned nr_ents, RING_IDX idx,
					 blkif_request_t *out)
{
	unsigned i = idx & (nr_ents - 1);
	if (abi == BLKIF_ABI_X86_32) {
		blkif_x86_32_request_t q;
		blkif_abi_copy_in(&q, &((blkif_x86_32_sring_t *)sring)->ring[i].req, sizeof(q));
		BLKIF_ABI_COPY_REQ(out, &q, blkif_request_indirect_t, blkif_x86_32_request_indirect_t);
	} else {
		blkif_abi_copy_in(out, &((blkif_sring_t *)sring)->ring[i].req, sizeof(*out));
	}
}

/* The backend: a response into slot idx. */
static inline void blkif_abi_put_response(enum blkif_abi abi, void *sring, unsigned nr_ents, RING_IDX idx, uint64_t id,
					  uint8_t operation, int16_t status)
{
	unsigned i = idx & (nr_ents - 1);
	if (abi == BLKIF_ABI_X86_32) {
		blkif_x86_32_response_t *r = &((blkif_x86_32_sring_t *)sring)->ring[i].rsp;
		r->id = id, r->operation = operation, r->status = status;
	} else {
		blkif_response_t *r = &((blkif_sring_t *)sring)->ring[i].rsp;
		r->id = id, r->operation = operation, r->status = status;
	}
}

/* The frontend: a request (built in the native struct) into slot idx. */
static inline void blkif_abi_put_request(enum blkif_abi abi, void *sring, unsigned nr_ents, RING_IDX idx,
					 const blkif_request_t *req)
{
	unsigned i = idx & (nr_ents - 1);
	if (abi == BLKIF_ABI_X86_32) {
		blkif_x86_32_request_t *q = &((blkif_x86_32_sring_t *)sring)->ring[i].req;
		BLKIF_ABI_COPY_REQ(q, req, blkif_x86_32_request_indirect_t, blkif_request_indirect_t);
	} else {
		blkif_request_t *q = &((blkif_sring_t *)sring)->ring[i].req;
		BLKIF_ABI_COPY_REQ(q, req, blkif_request_indirect_t, blkif_request_indirect_t);
	}
}

/* The frontend: the response in slot idx, each field read once. */
static inline void blkif_abi_get_response(enum blkif_abi abi, void *sring, unsigned nr_ents, RING_IDX idx,
					  blkif_response_t *out)
{
	unsigned i = idx & (nr_ents - 1);
	if (abi == BLKIF_ABI_X86_32) {
		const volatile blkif_x86_32_response_t *r = &((blkif_x86_32_sring_t *)sring)->ring[i].rsp;
		out->id = r->id, out->operation = r->operation, out->status = r->status;
	} else {
		const volatile blkif_response_t *r = &((blkif_sring_t *)sring)->ring[i].rsp;
		out->id = r->id, out->operation = r->operation, out->status = r->status;
	}
}

#endif
