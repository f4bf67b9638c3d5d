/* dev_weak.c - fallbacks for a device slice not built in: peer/netback*.c define the strong
 * symbols; until then `--list vif-strategies` is empty and `--device vif` a one-line error. */
#include <stdio.h>
#include "netback.h"

__attribute__((weak)) const char *const peer_vif_strategies[] = { NULL };

__attribute__((weak)) int peer_run_vif(struct peer *p, const struct dev_opts *o)
{
	(void)p;
	(void)o;
	fprintf(stderr, "peer: --device vif: no vif backend in this build (peer/netback*.c)\n");
	return 1;
}
