/* netback_check.c - the netback's checks on what a frontend put on its tx ring, apart from the
 * rings and the Xen libraries so that they are unit-tested alone (peer/tests/net_check.c). */
#include "netback.h"

int nb_tx_frame_check(const netif_tx_request_t *slot, unsigned nslots, unsigned *total)
{
	unsigned t, rest = 0;
	if (!slot || !nslots || nslots > NB_MAX_SLOTS)
		return -1;
	t = slot[0].size; /* the first slot's size is the whole frame's */
	for (unsigned k = 1; k < nslots; k++)
		rest += slot[k].size;
	if (rest >= t || t > NB_FRAME_MAX || t < NP_ETH_HLEN)
		return -1;
	for (unsigned k = 0; k < nslots; k++) {
		unsigned len = k ? slot[k].size : t - rest;
		if (slot[k].offset >= NB_PAGE || slot[k].offset + len > NB_PAGE)
			return -1;
	}
	*total = t;
	return 0;
}
