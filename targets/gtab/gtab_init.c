/* gtab_init.c - check the arguments, then reset every part of the library. */
#include "gtab_internal.h"

int gtab_init(void *table, grant_status_t *status, unsigned version, unsigned nr_entries,
	      unsigned first_ref, unsigned defer_max,
	      void (*free_page)(void *ctx, uint64_t frame), void *ctx)
{
	if (!table || !free_page || (version != 1 && version != 2) || (version == 2 && !status))
		return -1;
	if (nr_entries > GTAB_MAX_REFS || first_ref >= nr_entries || defer_max > GTAB_DEFER_MAX)
		return -1;
	gtab__refs_reset(first_ref, nr_entries);
	gtab__entry_reset(table, status, version);
	gtab__defer_reset(defer_max ? defer_max : GTAB_DEFER_MAX, free_page, ctx);
	return 0;
}
