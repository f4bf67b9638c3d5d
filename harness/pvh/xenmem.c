/* xenmem.c - XENMEM_add_to_physmap / populate_physmap wrappers. */
#include <stdint.h>
#include <xen/memory.h>
#include "hypercall.h"
#include "xenmem.h"

long xenmem_add_to_physmap(unsigned space, unsigned long idx, unsigned long gfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gfn,
	};
	return hyp_memory_op(XENMEM_add_to_physmap, &xatp);
}

long xenmem_populate(unsigned long gfn)
{
	xen_pfn_t pfn = gfn;
	struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };
	set_xen_guest_handle(r.extent_start, &pfn);
	long rc = hyp_memory_op(XENMEM_populate_physmap, &r);
	return rc == 1 ? 0 : (rc ? rc : -1);
}
