/* bigtab.h - a grant library for a small kernel with a compile-time grant table: BT_NR_FRAMES
 * frames of v1 entries, 2048 refs, fixed when the kernel is built.
 *
 * Every ref has a bookkeeping slot (bt_book[], bigtab.c) beside its shared entry. A slot's `link`
 * chains it on exactly one list: the free list (LIFO: the ref given back last is handed out
 * first) or the deferred chain (grants given up while the peer still maps them, oldest first).
 * bt_boot() walks all 2048 slots once to build the free list; the kernel calls it once, at boot.
 * A grant that is still mapped when it is given up waits on the deferred chain, up to a limit;
 * past it, it is written off (ref and page kept forever, counted). bt_poll() retries the chain.
 *
 * Global state, v1 and v2 tables. The barriers come from the architecture (bt_arch.c).
 * Freestanding: <stdint.h> and Xen's public headers. Build-time mutants: -DBIGTAB_BUG_<NAME>.
 */
#ifndef BIGTAB_H
#define BIGTAB_H

#include <stdint.h>
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00 /* grant_entry_v2_t exists from 0x0003020a on */
#endif
#include <xen/xen.h>
#include <xen/grant_table.h>

#define BT_PAGE_SIZE    4096u
#define BT_NR_FRAMES    4u
#define BT_NR_ENTRIES   (BT_NR_FRAMES * BT_PAGE_SIZE / (unsigned)sizeof(grant_entry_v1_t)) /* 2048 */
#define BT_NR_RESERVED  GNTTAB_NR_RESERVED_ENTRIES /* 0..7: the toolstack's (console, xenstore, ...) */
#define BT_DEFER_MAX    64u   /* deferred grants at most; bt_boot's defer_limit 0 means this */
#define BT_NIL          0xffffu

enum bt_rc {
	BT_OK = 0,
	BT_DEFERRED,    /* bt_ungrant: still mapped; on the deferred chain with its page */
	BT_WRITTEN_OFF, /* bt_ungrant: still mapped, the chain is full: ref and page kept forever */
	BT_BUSY,        /* bt_end: still mapped, nothing changed but the revoke (v2 header) */
	BT_NOREF,       /* bt_grant: no free ref */
	BT_BADARG,      /* bad ref, frame or table */
};

/* Once, at boot: the table (grant_entry_v1_t[BT_NR_ENTRIES] or grant_entry_v2_t[BT_NR_ENTRIES]
 * by version; status: v2's status frames), the deferred chain's limit, and where pages go back.
 * Builds the free list of refs BT_NR_RESERVED..BT_NR_ENTRIES-1. */
enum bt_rc bt_boot(unsigned version, void *shared, grant_status_t *status, unsigned defer_limit,
		   void (*free_page)(uint64_t frame));

/* Grant domid access to frame: BT_OK and *ref, BT_NOREF, BT_BADARG (v1: frame > 32 bits). */
enum bt_rc bt_grant(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref);

/* Revoke only (the caller keeps ref and page): BT_OK, BT_BUSY, BT_BADARG. */
enum bt_rc bt_end(grant_ref_t ref);

/* Put a ref the caller revoked with bt_end back on the free list. */
enum bt_rc bt_put(grant_ref_t ref);

/* Revoke and give up ref and page: BT_OK (page freed now), BT_DEFERRED, BT_WRITTEN_OFF, BT_BADARG. */
enum bt_rc bt_ungrant(grant_ref_t ref, uint64_t frame);

/* Retry each deferred grant once, oldest first. Returns the pages freed. */
unsigned bt_poll(void);

/* Grants written off since boot. */
unsigned bt_written_off(void);

/* The architecture's barriers (bt_arch.c): Xen must see an entry's frame and domid before its
 * flags (store barrier); a v2 header clear must be visible before the status is read (full). */
void bt_wmb(void);
void bt_mb(void);

#endif
