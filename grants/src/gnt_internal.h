/* gnt_internal.h - shared between the library's source files, never installed.
 * Mutant selection (GNT_IS) is in gnt_mutant.h: the platform glue needs it too. */
#ifndef GNT_INTERNAL_H
#define GNT_INTERNAL_H

#include "gnt.h"
#include "gnt_mutant.h"

/* Bits Xen sets while a peer maps or copies the grant. The ro_reading mutant forgets that a
 * read-only map only sets GTF_reading. */
#define GNT_MAPPED_BITS ((uint16_t)(GNT_IS(ro_reading) ? GTF_writing : (GTF_reading | GTF_writing)))

/* Largest grant the library publishes: one 4 KiB page (sub-page windows must fit in it). */
#define GNT_PAGE_SIZE 4096u

/* Ref bookkeeping (gnt_refs.c). */
int gnt__ref_valid(const struct gnt_lib *lib, gnt_ref_t ref);
int gnt__state(const struct gnt_lib *lib, gnt_ref_t ref);
int gnt__claim(struct gnt_lib *lib, gnt_ref_t *ref);
void gnt__free_ref(struct gnt_lib *lib, gnt_ref_t ref);

/* Shared-entry protocol, per table version (gnt_entry_v1.c, gnt_entry_v2.c). */
void gnt__v1_publish(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame, int readonly);
int gnt__v1_end(struct gnt_lib *lib, gnt_ref_t ref);
void gnt__v2_publish(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame, int readonly);
void gnt__v2_publish_subpage(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame,
			     uint16_t off, uint16_t len, int readonly);
int gnt__v2_end(struct gnt_lib *lib, gnt_ref_t ref);

/* Version dispatch + counters (gnt_grant.c). */
int gnt__frame_ok(const struct gnt_lib *lib, uint64_t frame);
void gnt__publish(struct gnt_lib *lib, gnt_ref_t ref, domid_t domid, uint64_t frame, int readonly,
		  uint8_t state);
int gnt__end_entry(struct gnt_lib *lib, gnt_ref_t ref);
int gnt__claim_publish(struct gnt_lib *lib, domid_t domid, uint64_t frame, int readonly, uint8_t state,
		       gnt_ref_t *ref);

/* Entry contents before flags: a CPU barrier from the platform, so Xen (another CPU) never sees
 * the flags first. The wmb_compiler mutant has only a compiler barrier there, as x86's smp_wmb():
 * the compiler keeps the order, x86-TSO's FIFO store buffer does too, Arm's does not. */
static inline void gnt__publish_wmb(struct gnt_lib *lib)
{
	if (GNT_IS(wmb_compiler))
		__asm__ __volatile__("" ::: "memory");
	else
		lib->ops->wmb(lib->ctx);
}

static inline void gnt__log(struct gnt_lib *lib, const char *msg, uint64_t a, uint64_t b)
{
	if (lib->ops->log)
		lib->ops->log(lib->ctx, msg, a, b);
}

#endif
