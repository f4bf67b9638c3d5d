/* gtab_internal.h - what gtab's files share. Each file owns its part of the global state
 * (refs: free list; entry: the table; defer: deferred list and counters); gtab_init resets all. */
#ifndef GTAB_INTERNAL_H
#define GTAB_INTERNAL_H

#include "gtab.h"
#include "gtab_arch.h" /* GTAB_MB, GTAB_WMB, GTAB_ACQUIRE, gtab_cmpxchg16 */

void gtab__refs_reset(grant_ref_t first_ref, grant_ref_t nr_entries);
int gtab__ref_ok(grant_ref_t ref);
grant_ref_t gtab__get_ref(void);
unsigned gtab__free_refs(void);

void gtab__entry_reset(void *table, grant_status_t *status, unsigned version);

void gtab__defer_reset(unsigned defer_max, void (*free_page)(void *, uint64_t), void *ctx);

#endif
