/* xs_perms.c - xenstore permissions: "<n|r|w|b><domid>" strings, the owner first (its letter is
 * everybody's default), owner and dom0 have full access, XS_SET_TARGET lends a domain its
 * target's rights. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "xs_internal.h"

static unsigned rights_of(unsigned domid, const struct xs_permissions *p, uint32_t n, bool *found)
{
	uint32_t i;

	*found = false;
	if (p[0].id == domid) {
		*found = true;
		return XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
	}
	for (i = 1; i < n; i++)
		if (p[i].id == domid) {
			*found = true;
			return p[i].perms & (XS_PERM_READ | XS_PERM_WRITE);
		}
	return p[0].perms & (XS_PERM_READ | XS_PERM_WRITE);
}

/* XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER bits that `domid` has on a node. */
unsigned xs_perm_access(const struct xs_server *srv, unsigned domid,
			const struct xs_permissions *p, uint32_t n)
{
	unsigned r;
	uint32_t target;
	bool found, tfound;

	if (domid == 0)
		return XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
	if (n == 0)
		return 0;
	r = rights_of(domid, p, n, &found);
	target = xs_dom_peek(srv, domid)->target;
	if (target) {
		unsigned t = rights_of(target - 1, p, n, &tfound);
		if (tfound || !found)
			r |= t;
	}
	return r;
}

/* Parse `len` bytes of NUL-terminated perm strings. 0, EINVAL, or E2BIG (more than max). */
int xs_perms_parse(const char *s, size_t len, unsigned max, struct xs_permissions **out, uint32_t *n)
{
	struct xs_permissions *p;
	uint32_t cnt = 0, i = 0;
	size_t off;

	for (off = 0; off < len; off++)
		if (s[off] == '\0')
			cnt++;
	if (cnt == 0 || s[len - 1] != '\0')
		return EINVAL;
	if (cnt > max)
		return E2BIG;
	p = calloc(cnt, sizeof(*p));
	if (!p)
		return ENOMEM;
	for (off = 0; off < len; off += strlen(s + off) + 1, i++) {
		unsigned domid;
		switch (s[off]) {
		case 'n': p[i].perms = XS_PERM_NONE; break;
		case 'r': p[i].perms = XS_PERM_READ; break;
		case 'w': p[i].perms = XS_PERM_WRITE; break;
		case 'b': p[i].perms = XS_PERM_READ | XS_PERM_WRITE; break;
		default: free(p); return EINVAL;
		}
		if (xs_parse_domid(s + off + 1, &domid)) {
			free(p);
			return EINVAL;
		}
		p[i].id = domid;
	}
	*out = p;
	*n = cnt;
	return 0;
}

/* Wire form, each string NUL-terminated. Bytes written, or 0 if it does not fit. */
size_t xs_perms_format(const struct xs_permissions *p, uint32_t n, char *buf, size_t cap)
{
	static const char letters[] = "nrwb";
	size_t off = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		int w = snprintf(buf + off, cap - off, "%c%u", letters[p[i].perms & 3], p[i].id);
		if (w < 0 || (size_t)w + 1 > cap - off)
			return 0;
		off += (size_t)w + 1;
	}
	return off;
}

struct xs_permissions *xs_perms_dup(const struct xs_permissions *p, uint32_t n)
{
	struct xs_permissions *d = malloc((n ? n : 1) * sizeof(*d));

	if (d && n)
		memcpy(d, p, n * sizeof(*d));
	return d;
}

/* A new node gets its parent's permissions; an unprivileged creator becomes the owner
 * (and loses a now-redundant entry of its own), as xenstored does. */
struct xs_permissions *xs_perms_inherit(const struct xs_permissions *p, uint32_t n,
					unsigned creator, bool privileged, uint32_t *outn)
{
	struct xs_permissions *d = xs_perms_dup(p, n);
	uint32_t i, k;

	if (!d)
		return NULL;
	*outn = n;
	if (privileged || n == 0)
		return d;
	d[0].id = creator;
	for (i = k = 1; i < n; i++)
		if (d[i].id != creator)
			d[k++] = d[i];
	*outn = k;
	return d;
}
