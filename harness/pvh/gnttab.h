/* gnttab.h - our grant table as Xen sees it: set the version, place the shared (and v2 status)
 * frames in our physmap, and map/unmap grants (used by the self-grant check). */
#ifndef PVH_GNTTAB_H
#define PVH_GNTTAB_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

struct gnttab {
	unsigned version;
	unsigned nr_frames;          /* shared frames mapped */
	unsigned nr_status_frames;   /* v2 */
	void *shared;                /* grant_entry_v1_t[] or grant_entry_v2_t[] */
	grant_status_t *status;      /* v2 only */
	uint32_t nr_entries;
};

/* Switch to `version` (1 or 2) and map nr_frames shared frames (+ status frames for v2).
 * Switching needs no grant in use. 0 on success, Xen's rc otherwise. */
long gnttab_setup(struct gnttab *gt, unsigned version, unsigned nr_frames);
/* Xen's view of the version currently in force (GNTTABOP_get_version), or <0. */
long gnttab_current_version(void);
/* Map (granter, ref) at guest physical address gpa; returns GNTST_* and the handle. */
int16_t gnttab_map(domid_t granter, grant_ref_t ref, uint64_t gpa, int readonly, grant_handle_t *handle);
int16_t gnttab_unmap(uint64_t gpa, grant_handle_t handle);

#endif
