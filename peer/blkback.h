/* blkback.h - the peer as a vbd (block) backend: xen/io/blkif.h on a disk image, honest or
 * hostile (blkback_strategies.c holds the table). */
#ifndef PEER_BLKBACK_H
#define PEER_BLKBACK_H

#include "peer.h"
#include "dev.h"

extern const char *const peer_vbd_strategies[];
/* 0 held, 3 caught, 1 setup failed, 2 usage error */
int peer_run_vbd(struct peer *p, const struct dev_opts *o);

#endif
