/* gnttab.c - grant-table setup through GNTTABOP_set_version and XENMEM_add_to_physmap. */
#include <stdint.h>
#include <xen/memory.h>
#include "gnttab.h"
#include "hypercall.h"
#include "layout.h"
#include "xenmem.h"

long gnttab_current_version(void)
{
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	long rc = hyp_grant_table_op(GNTTABOP_get_version, &gv, 1);
	return rc ? rc : (long)gv.version;
}

long gnttab_setup(struct gnttab *gt, unsigned version, unsigned nr_frames)
{
	struct gnttab_set_version sv = { .version = version };
	long rc = hyp_grant_table_op(GNTTABOP_set_version, &sv, 1);
	if (rc)
		return rc;
	for (unsigned i = 0; i < nr_frames; i++)
		if ((rc = xenmem_add_to_physmap(XENMAPSPACE_grant_table, i, GFN_GNT_SHARED + i)))
			return rc;
	gt->version = version;
	gt->nr_frames = nr_frames;
	gt->shared = gfn_to_ptr(GFN_GNT_SHARED);
	gt->status = 0;
	gt->nr_status_frames = 0;
	if (version == 1) {
		gt->nr_entries = nr_frames * (PAGE_SIZE / sizeof(grant_entry_v1_t));
		return 0;
	}
	gt->nr_entries = nr_frames * (PAGE_SIZE / sizeof(grant_entry_v2_t));
	unsigned nst = (gt->nr_entries * sizeof(grant_status_t) + PAGE_SIZE - 1) / PAGE_SIZE;
	for (unsigned i = 0; i < nst; i++)
		if ((rc = xenmem_add_to_physmap(XENMAPSPACE_grant_table, i | XENMAPIDX_grant_table_status,
						GFN_GNT_STATUS + i)))
			return rc;
	gt->status = gfn_to_ptr(GFN_GNT_STATUS);
	gt->nr_status_frames = nst;
	return 0;
}

int16_t gnttab_map(domid_t granter, grant_ref_t ref, uint64_t gpa, int readonly, grant_handle_t *handle)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = gpa, .flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
		.ref = ref, .dom = granter,
	};
	long rc = hyp_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
	if (rc)
		return GNTST_general_error;
	*handle = op.handle;
	return op.status;
}

int16_t gnttab_unmap(uint64_t gpa, grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = gpa, .handle = handle };
	long rc = hyp_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);
	return rc ? GNTST_general_error : op.status;
}
