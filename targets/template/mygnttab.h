/* mygnttab.h - STAND-IN for your grant-table code: a deliberately small Mini-OS-shaped library
 * (v1 only, globals, a caller-owned page freed by end_access_and_free) so that this template
 * builds and runs as it is. Replace mygnttab.c/.h with your own files. */
#ifndef MYGNTTAB_H
#define MYGNTTAB_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#define MYGNT_NO_REF 0xffffffffu
#define MYGNT_MAX_REFS 256

void mygnt_init(grant_entry_v1_t *table, unsigned nr, unsigned first, void (*free_page)(uint64_t frame));
grant_ref_t mygnt_grant_access(domid_t domid, uint64_t frame, int readonly);
/* 1: revoked, 0: still mapped */
int mygnt_end_access(grant_ref_t ref);
void mygnt_put_ref(grant_ref_t ref);
/* End and free the page; a busy grant is kept (and its page) forever: returns 0 then. */
int mygnt_end_access_and_free(grant_ref_t ref, uint64_t frame);
unsigned mygnt_kept(void);

#endif
