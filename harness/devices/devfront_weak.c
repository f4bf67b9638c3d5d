/* devfront_weak.c - fallback for a device frontend not built in: netfront*.c defines the strong
 * netfront_run. */
#include "netfront.h"

__attribute__((weak)) int netfront_run(const struct dev_host *h, const struct dev_params *p, struct dev_stats *st)
{
	(void)h;
	(void)p;
	if (h && h->ops && h->ops->log)
		h->ops->log(h->ops->ctx, "netfront: no vif frontend in this build", 0, 0);
	st->end = "no-netfront";
	return DEV_SETUP;
}
