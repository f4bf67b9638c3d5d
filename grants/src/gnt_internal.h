/* gnt_internal.h - shared between the library's source files, never installed.
 *
 * Mutant selection lives here: GNT_IS(name) is a compile-time constant, so each source builds
 * every variant's code path (warnings catch rot in mutants too) and the optimiser drops the
 * paths not selected. */
#ifndef GNT_INTERNAL_H
#define GNT_INTERNAL_H

#include "gnt.h"

#ifndef GNT_MUTANT
#define GNT_MUTANT 0
#endif

enum gnt_mutant_ids {
	GNT_M_none = 0,
#define MUTANT(id, name, summary) GNT_M_##name = id,
#include "../mutants.def"
#undef MUTANT
};

#define GNT_IS(name) (GNT_MUTANT == GNT_M_##name)

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

static inline void gnt__log(struct gnt_lib *lib, const char *msg, uint64_t a, uint64_t b)
{
	if (lib->ops->log)
		lib->ops->log(lib->ctx, msg, a, b);
}

#endif
