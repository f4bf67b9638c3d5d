/* dw_xs.c - the device world's xenstore: see dw_xs.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "devworld/dw_xs.h"

void dw_xs_reset(struct dw_xs *xs)
{
	xs->n = 0;
	xs->nwatch = 0;
	xs->fired = 0;
}

/* path is at or under prefix */
static int under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return !strncmp(path, prefix, n) && (path[n] == 0 || path[n] == '/');
}

static void changed(struct dw_xs *xs, const char *path)
{
	for (unsigned i = 0; i < xs->nwatch; i++)
		if (under(path, xs->watch[i]))
			xs->fired = 1;
}

int dw_xs_write(struct dw_xs *xs, const char *path, const char *value)
{
	if (strlen(path) >= DW_XS_PATH_MAX || strlen(value) >= DW_XS_VALUE_MAX)
		return -1;
	unsigned i;
	for (i = 0; i < xs->n && strcmp(xs->e[i].path, path); i++)
		;
	if (i == xs->n) {
		if (xs->n == DW_XS_ENTRIES)
			return -1;
		strcpy(xs->e[xs->n++].path, path);
	}
	strcpy(xs->e[i].value, value);
	changed(xs, path);
	return 0;
}

int dw_xs_write_u(struct dw_xs *xs, const char *dir, const char *key, uint64_t v)
{
	char path[DW_XS_PATH_MAX], val[24];
	snprintf(path, sizeof path, "%s/%s", dir, key);
	snprintf(val, sizeof val, "%llu", (unsigned long long)v);
	return dw_xs_write(xs, path, val);
}

int dw_xs_read(const struct dw_xs *xs, const char *path, char *buf, unsigned size)
{
	for (unsigned i = 0; i < xs->n; i++)
		if (!strcmp(xs->e[i].path, path)) {
			if (strlen(xs->e[i].value) >= size)
				return -1;
			strcpy(buf, xs->e[i].value);
			return 0;
		}
	return -1;
}

int dw_xs_read_u(const struct dw_xs *xs, const char *dir, const char *key, uint64_t max, uint64_t *v)
{
	char path[DW_XS_PATH_MAX], val[DW_XS_VALUE_MAX], *end;
	snprintf(path, sizeof path, "%s/%s", dir, key);
	if (dw_xs_read(xs, path, val, sizeof val) || !val[0] || val[0] < '0' || val[0] > '9')
		return -1;
	unsigned long long n = strtoull(val, &end, 10);
	if (*end || n > max)
		return -1;
	*v = n;
	return 0;
}

void dw_xs_rm(struct dw_xs *xs, const char *path)
{
	for (unsigned i = 0; i < xs->n;)
		if (under(xs->e[i].path, path)) {
			changed(xs, xs->e[i].path);
			xs->e[i] = xs->e[--xs->n];
		} else {
			i++;
		}
}

int dw_xs_watch(struct dw_xs *xs, const char *path)
{
	if (xs->nwatch == DW_XS_WATCHES || strlen(path) >= DW_XS_PATH_MAX)
		return -1;
	strcpy(xs->watch[xs->nwatch++], path);
	return 0;
}
