/* pvh_feops.h - struct fe_ops on the guest's own pieces (allocator, events, xenstore, the grant
 * library through platform.h), shared by the workload sessions and the PV device frontends. */
#ifndef PVH_FEOPS_H
#define PVH_FEOPS_H

#include "seam/seam.h"
#include "frontend.h"

/* A frontend's log: lines start with prefix, at most budget of them (the serial line is shared
 * with dom0: a hostile flood must not drown it). It is the ops' ctx. */
struct pvh_fe_log {
	const char *prefix;
	unsigned budget;
};

void pvh_fe_ops(struct fe_ops *ops, struct pvh_fe_log *log);

#endif
