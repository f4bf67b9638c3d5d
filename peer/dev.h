/* dev.h - the peer as the backend of a standard PV device (vbd, vif) of an unmodified guest.
 * What the command line gives a device backend; shared by blkback (blkback.h) and netback
 * (netback.h). */
#ifndef PEER_DEV_H
#define PEER_DEV_H

struct dev_opts {
	const char *device;        /* "vbd" or "vif" */
	unsigned devid;            /* vbd: 51712 (xvda) by default; vif: 0 */
	const char *image;         /* vbd: the disk image file, NULL: a temporary sparse file */
	int attach_existing;       /* --attach existing: take over a backend dir xl created */
	const char *strategy;      /* default "honest" */
	double duration;           /* seconds of service after the first connect */
	double connect_timeout;    /* seconds the frontend has to connect */
};

#endif
