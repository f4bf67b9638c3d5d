/* wl_xenstore.h - a tiny in-process xenstore for the workload world: fixed-size path -> value
 * table, no malloc. Only what a xenbus handshake needs (read, write); the world delivers the
 * backend-state "watch" itself by calling the frontend after the backend writes. */
#ifndef WL_XENSTORE_H
#define WL_XENSTORE_H

#define WL_XS_ENTRIES 16
#define WL_XS_PATH_MAX 96
#define WL_XS_VALUE_MAX 24

struct wl_xs_entry {
	char path[WL_XS_PATH_MAX];
	char value[WL_XS_VALUE_MAX];
};

struct wl_xenstore {
	unsigned n;
	struct wl_xs_entry e[WL_XS_ENTRIES];
};

void wl_xs_reset(struct wl_xenstore *xs);
/* 0 on success; -1 if the path or value does not fit or the table is full. */
int wl_xs_write(struct wl_xenstore *xs, const char *path, const char *value);
/* 0 and a NUL-terminated copy in buf; -1 if absent or it does not fit in size. */
int wl_xs_read(const struct wl_xenstore *xs, const char *path, char *buf, unsigned size);

#endif
