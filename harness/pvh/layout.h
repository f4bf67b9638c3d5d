/* layout.h - where things live in the guest's physical address space.
 * RAM is 0..memory (32 MiB in our domU config); frames from 1 GiB up are unpopulated, so Xen
 * can put grant-table frames, shared_info and grant maps there without taking a RAM page. */
#ifndef PVH_LAYOUT_H
#define PVH_LAYOUT_H

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096ul
#define GFN_GNT_SHARED   0x40000ul /* up to 8 shared grant frames */
#define GFN_GNT_STATUS   0x40010ul /* up to 8 v2 status frames */
#define GFN_SHARED_INFO  0x40020ul
#define GFN_MAP_TARGETS  0x40100ul /* where the self-grant check maps its grants */
#define ALLOC_FIRST_GFN  0x00400ul /* page allocator: 4 MiB .. 16 MiB, well inside RAM */
#define ALLOC_NR_PAGES   3072ul

static inline void *gfn_to_ptr(unsigned long gfn) { return (void *)(gfn << PAGE_SHIFT); }

#endif
