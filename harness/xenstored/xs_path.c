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

/* The decimal digits of v into out, as "%u" (a request's relative path, a watch event, a domain's
 * directory: snprintf was a good part of their cost); their count. */
static size_t put_uint(char *out, unsigned v)
{
	char tmp[12];
	size_t n = 0, k;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (k = 0; k < n; k++)
		out[k] = tmp[n - 1 - k];
	return n;
}

#define DOMAIN_PREFIX "/local/domain/"
#define DOMAIN_PREFIX_LEN (sizeof(DOMAIN_PREFIX) - 1)

size_t xs_domain_path(char *out, unsigned domid)
{
	size_t n;

	memcpy(out, DOMAIN_PREFIX, DOMAIN_PREFIX_LEN);
	n = DOMAIN_PREFIX_LEN + put_uint(out + DOMAIN_PREFIX_LEN, domid);
	out[n] = '\0';
	return n;
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
		size_t n = xs_domain_path(out, domid);
		if (n + 1 + len > XENSTORE_ABS_PATH_MAX)
			return EINVAL;
		out[n] = '/';
		memcpy(out + n + 1, in, len + 1);
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
	size_t n = xs_domain_path(prefix, domid);

	prefix[n++] = '/';
	if (strncmp(abs, prefix, n) == 0 && abs[n])
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
