/* xs_path.c - xenstore path rules: character set, no "//", no trailing "/", length limits,
 * relative paths under /local/domain/<domid> (docs/misc/xenstore.txt). */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include "xs_internal.h"

static bool valid_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '/' || ch == '_' || ch == '@';
}

/* Resolve `in` as connection of `domid` sees it into an absolute path (or "@special").
 * 0 or EINVAL. */
int xs_path_canon(unsigned domid, const char *in, char out[XS_PATH_BUF], bool *relative)
{
	size_t len = strlen(in), i;
	bool rel = false;

	if (len == 0)
		return EINVAL;
	if (in[0] == '@') {
		if (len > XENSTORE_ABS_PATH_MAX)
			return EINVAL;
	} else if (in[0] == '/') {
		if (len > XENSTORE_ABS_PATH_MAX)
			return EINVAL;
	} else {
		if (len > XENSTORE_REL_PATH_MAX)
			return EINVAL;
		rel = true;
	}
	for (i = 0; i < len; i++) {
		if (!valid_char(in[i]))
			return EINVAL;
		if (in[i] == '/' && in[i + 1] == '/')
			return EINVAL;
	}
	if (len > 1 && in[len - 1] == '/')
		return EINVAL;
	if (rel) {
		int n = snprintf(out, XS_PATH_BUF, "/local/domain/%u/%s", domid, in);
		if (n < 0 || n > XENSTORE_ABS_PATH_MAX)
			return EINVAL;
	} else {
		memcpy(out, in, len + 1);
	}
	if (relative)
		*relative = rel;
	return 0;
}

/* Xenstore's "child" relation: identical, or parent is "/", or "parent/" prefixes child. */
bool xs_path_is_child(const char *child, const char *parent)
{
	size_t pl = strlen(parent);

	if (strcmp(parent, "/") == 0)
		return child[0] == '/';
	return strncmp(child, parent, pl) == 0 && (child[pl] == '\0' || child[pl] == '/');
}

/* Parent of an absolute path other than "/". 0 or EINVAL. */
int xs_path_parent(const char *path, char out[XS_PATH_BUF])
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash || strcmp(path, "/") == 0)
		return EINVAL;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= XS_PATH_BUF)
		return EINVAL;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

/* The relative form of an absolute path under /local/domain/<domid>/, or NULL. */
const char *xs_path_strip_domain(unsigned domid, const char *abs)
{
	char prefix[32];
	int n = snprintf(prefix, sizeof(prefix), "/local/domain/%u/", domid);

	if (n > 0 && strncmp(abs, prefix, (size_t)n) == 0 && abs[n])
		return abs + n;
	return NULL;
}

/* A decimal domid 0..65535 and nothing else. 0 or EINVAL. */
int xs_parse_domid(const char *s, unsigned *domid)
{
	unsigned long v = 0;

	if (!*s)
		return EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v >= XS_NDOMIDS)
			return EINVAL;
	}
	*domid = (unsigned)v;
	return 0;
}
