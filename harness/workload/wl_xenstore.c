/* wl_xenstore.c - the workload world's in-process xenstore (see wl_xenstore.h). */
#include <string.h>
#include "wl_xenstore.h"

void wl_xs_reset(struct wl_xenstore *xs)
{
	xs->n = 0;
}

static struct wl_xs_entry *find(const struct wl_xenstore *xs, const char *path)
{
	for (unsigned i = 0; i < xs->n; i++)
		if (!strcmp(xs->e[i].path, path))
			return (struct wl_xs_entry *)&xs->e[i];
	return NULL;
}

int wl_xs_write(struct wl_xenstore *xs, const char *path, const char *value)
{
	struct wl_xs_entry *e;

	if (strlen(path) >= WL_XS_PATH_MAX || strlen(value) >= WL_XS_VALUE_MAX)
		return -1;
	e = find(xs, path);
	if (!e) {
		if (xs->n >= WL_XS_ENTRIES)
			return -1;
		e = &xs->e[xs->n++];
		strcpy(e->path, path);
	}
	strcpy(e->value, value);
	return 0;
}

int wl_xs_read(const struct wl_xenstore *xs, const char *path, char *buf, unsigned size)
{
	const struct wl_xs_entry *e = find(xs, path);

	if (!e || strlen(e->value) >= size)
		return -1;
	strcpy(buf, e->value);
	return 0;
}
