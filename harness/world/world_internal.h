/* world_internal.h - what the world's own files share; handlers outside use world.h only. */
#ifndef WORLD_INTERNAL_H
#define WORLD_INTERNAL_H

#include "world/world.h"

void world_platform_init(struct world *w);
/* Run scenario step `i` now (its handler, with the oracle stamped with that step). */
void world_exec(struct world *w, uint32_t i, const char *why);
void world_push_free(struct world *w, unsigned page);
/* Allocate for the target's own steps (not the workload's). */
int world_target_alloc(struct world *w);
/* Tag the page with (step, page) so that reuse is visible from the peer's side. */
void world_tag_page(struct world *w, unsigned page);
uint64_t world_page_tag_in_mem(struct world *w, uint64_t frame);

#endif
