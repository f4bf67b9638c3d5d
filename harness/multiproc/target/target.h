/* target.h - the target process: the workload frontend on grants/, as a process of a simulated
 * domain whose grant table and pages live in the domain's memfd (harness/multiproc/proto.h). */
#ifndef MP_TARGET_H
#define MP_TARGET_H

#include <stdint.h>
#include "gnt.h"
#include "../lib/client.h"

#define TGT_FIRST_PAGE 1u                /* page 0 is left unused: frame 0 is never granted */
#define TGT_NR_PAGES MP_POOL_FIRST_PAGE  /* the pool above belongs to xengntshr */

struct target {
	uint8_t *mem;                /* the whole domain memfd */
	struct mp_conn broker;       /* MEM connection: memory, version, and the oracle's questions */
	domid_t domid;
	unsigned widen_us;           /* sleep at each grant-entry access: widens race windows */
	uint64_t free_pages[TGT_NR_PAGES];
	unsigned nr_free;
	uint64_t violations;
	int verbose;
};

/* The grants platform over the memfd, with the oracle hook on page_release. */
extern const struct gnt_platform_ops target_gnt_ops;
void target_pages_init(struct target *t);
int target_page_alloc(struct target *t, uint64_t *frame);
void target_page_free(struct target *t, uint64_t frame);
/* Oracle: foreign pins on a frame / a ref of our domain right now (broker's counts); for a ref,
 * also the frame its pins hold (Xen's active entry). */
uint32_t target_frame_pins(struct target *t, uint64_t frame);
uint32_t target_ref_pins(struct target *t, uint32_t ref, uint64_t *frame);

#endif
