/* dw_xs.h - the device world's xenstore: a fixed table of path -> value (no malloc), enough for
 * a blkif or netif handshake (ring-ref0..3, features, state, ...), with removal (the backend's
 * directory going away) and prefix watches (dev_host.xs_watch). */
#ifndef DW_XS_H
#define DW_XS_H

#include <stdint.h>

#define DW_XS_ENTRIES 48
#define DW_XS_PATH_MAX 96
#define DW_XS_VALUE_MAX 48
#define DW_XS_WATCHES 4

struct dw_xs {
	unsigned n;
	struct { char path[DW_XS_PATH_MAX]; char value[DW_XS_VALUE_MAX]; } e[DW_XS_ENTRIES];
	unsigned nwatch;
	char watch[DW_XS_WATCHES][DW_XS_PATH_MAX];
	uint8_t fired;                 /* a watched path changed since the frontend last waited */
};

void dw_xs_reset(struct dw_xs *xs);
/* 0 on success; -1 if the path or value does not fit or the table is full. */
int dw_xs_write(struct dw_xs *xs, const char *path, const char *value);
int dw_xs_write_u(struct dw_xs *xs, const char *dir, const char *key, uint64_t v);
/* 0 and a NUL-terminated copy; -1 if absent or it does not fit in size. */
int dw_xs_read(const struct dw_xs *xs, const char *path, char *buf, unsigned size);
/* The decimal value of dir/key if it is one <= max: 0, else -1. */
int dw_xs_read_u(const struct dw_xs *xs, const char *dir, const char *key, uint64_t max, uint64_t *v);
/* Remove path and everything under it. */
void dw_xs_rm(struct dw_xs *xs, const char *path);
int dw_xs_watch(struct dw_xs *xs, const char *path);

#endif
