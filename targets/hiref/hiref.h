/* hiref.h - a grant library that keeps its refs in a bitmap and always hands out the HIGHEST free
 * ref. Refs 0..7 are Xen's (the toolstack's console and xenstore grants); hiref keeps ref 8 for
 * itself as well (its own early console ring in the kernel it comes from), so the refs it hands
 * out are HIREF_FIRST_REF (9) .. nentries-1.
 *
 * Calls answer the way a kernel does: a ref (>= 0) or a negative error number (HIREF_E*).
 * A grant that the peer still maps when the caller retires it stays pending: hiref keeps page and
 * ref, and hiref_reap() (run it from a timer) tries again. Nothing is ever written off: the set of
 * pending grants is as large as the table.
 *
 * The embedder (the OS glue) defines the hiref_os_* functions below: they are bound at link time,
 * as a kernel's are. One table, global state; hiref_init() starts over in O(table words).
 *
 * Freestanding: <stdint.h> and Xen's public headers only. Build-time mutants: -DHIREF_BUG_<NAME>
 * (target.mk lists them).
 */
#ifndef HIREF_H
#define HIREF_H

#include <stdint.h>
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00 /* grant_entry_v2_t exists from 0x0003020a on */
#endif
#include <xen/xen.h>
#include <xen/grant_table.h>

#define HIREF_FIRST_REF 9u       /* 0..7: Xen's; 8: hiref's own */
#define HIREF_MAX_REFS  4096u    /* the largest table hiref_init accepts */

/* Error numbers, negated on return (the values a POSIX kernel would use). */
#define HIREF_EINVAL      22
#define HIREF_EBUSY       16
#define HIREF_ENOSPC      28
#define HIREF_EINPROGRESS 115

/* --- what the embedder provides (link time) --- */
/* Take the page back: hiref is done with it and the peer can no longer reach it. */
void hiref_os_page_release(uint64_t frame);
/* hiref found itself in a state it cannot go on from. Must not return. */
void hiref_os_panic(const char *why, uint64_t a, uint64_t b) __attribute__((noreturn));

/* --- the library --- */
/* Start over on `entries` (grant_entry_v1_t[] or grant_entry_v2_t[] by gen; status: v2's status
 * frames). 0, or -HIREF_EINVAL. */
int hiref_init(unsigned gen, void *entries, grant_status_t *status, unsigned nentries);

/* Grant domid access to `frame`: the ref, or -HIREF_ENOSPC (none free), -HIREF_EINVAL (a v1
 * entry cannot hold the frame). */
int hiref_grant(domid_t domid, uint64_t frame, int readonly);

/* Revoke the grant of `ref` (the caller keeps ref and page): 0, -HIREF_EBUSY while the peer
 * still maps it, -HIREF_EINVAL if ref is not handed out. */
int hiref_revoke(grant_ref_t ref);

/* Give a revoked ref back. */
void hiref_free_ref(grant_ref_t ref);

/* Revoke, then give up ref and page: 0 (page released now), -HIREF_EINPROGRESS (still mapped:
 * pending, released by a later hiref_reap), -HIREF_EINVAL. */
int hiref_retire(grant_ref_t ref, uint64_t frame);

/* Try every pending grant once, highest ref first. Returns the pages it released. */
unsigned hiref_reap(void);

/* Grants pending now. */
unsigned hiref_pending(void);

#endif
