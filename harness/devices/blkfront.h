/* blkfront.h - our vbd frontend: xen/io/blkif.h on the grant library behind the seam.
 *
 * Freestanding, on struct fe_ops (devfront.h): the grant library only through share/unshare/tick.
 * Single- or multi-page ring (ring-page-order), optional persistent grants, BLKIF_OP_INDIRECT when
 * the backend offers it, flushes when it offers feature-flush-cache. Every response is validated
 * (id issued and outstanding, operation echoed, status known; a response index beyond the
 * requests breaks the ring and closes the device). A page whose unshare did not answer SEAM_OK is
 * never touched again. A page the library gave back is taken again at once and filled with fresh
 * content (as a busy driver does): a library that frees a still-mapped page shows it to the peer.
 * Each request slot owns its own disk blocks: it writes them, then reads them back and compares
 * (data_mismatch counts a hostile backend's lies; it is not a memory-safety verdict).
 */
#ifndef BLKFRONT_H
#define BLKFRONT_H

#include "devfront.h"

#define BF_MAX_RING_ORDER 2u      /* our pages are few: 4 ring pages at most */
#define BF_SLOTS 16u              /* requests outstanding at most */
#define BF_MAX_SEGS 3u            /* segments per request we issue */
#define BF_BLOCKS_PER_SLOT 4u     /* 4 KiB blocks each slot owns on the disk */
#define BF_POOL 12u               /* persistent grants at most */
#define BF_SPARE 8u

#endif
