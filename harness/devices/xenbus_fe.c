/* xenbus_fe.c - the frontend's xenbus side: see xenbus_fe.h. Freestanding. */
#include "xenbus_fe.h"

unsigned xbfe_strcat(char *dst, unsigned size, const char *src)
{
	unsigned n = 0;
	while (n < size && dst[n])
		n++;
	for (; *src; src++) {
		if (n + 1 >= size)
			return 0;
		dst[n++] = *src;
	}
	if (n >= size)
		return 0;
	dst[n] = 0;
	return n;
}

void xbfe_memset(void *p, int c, unsigned n)
{
	volatile uint8_t *b = p;
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)c;
}

void xbfe_memcpy(void *d, const void *s, unsigned n)
{
	volatile uint8_t *a = d;
	const volatile uint8_t *b = s;
	for (unsigned i = 0; i < n; i++)
		a[i] = b[i];
}

static int key_path(char *path, unsigned size, const char *dir, const char *key)
{
	path[0] = 0;
	return xbfe_strcat(path, size, dir) && xbfe_strcat(path, size, "/") && xbfe_strcat(path, size, key) ? 0 : -1;
}

int xbfe_find(struct xbfe *x, const struct fe_ops *ops, const char *type, unsigned devid)
{
	char path[2 * XBFE_PATH], num[24], val[XBFE_PATH];
	uint64_t id;
	x->ops = ops;
	x->dir[0] = 0;
	if (!fe_utoa(devid, num, sizeof(num)) || !xbfe_strcat(x->dir, sizeof(x->dir), "device/") ||
	    !xbfe_strcat(x->dir, sizeof(x->dir), type) || !xbfe_strcat(x->dir, sizeof(x->dir), "/") ||
	    !xbfe_strcat(x->dir, sizeof(x->dir), num))
		return FE_ERR_INVAL;
	if (key_path(path, sizeof(path), x->dir, "backend") || ops->xs_read(ops->ctx, path, val, sizeof(val)) ||
	    val[0] != '/')
		return -1;
	x->be_path[0] = 0;
	xbfe_strcat(x->be_path, sizeof(x->be_path), val);
	if (key_path(path, sizeof(path), x->dir, "backend-id") || ops->xs_read(ops->ctx, path, num, sizeof(num)) ||
	    fe_atou(num, DOMID_FIRST_RESERVED - 1, &id))
		return -1;
	x->backend_id = (domid_t)id;
	return 0;
}

int xbfe_write(struct xbfe *x, const char *key, const char *val)
{
	char path[2 * XBFE_PATH];
	return key_path(path, sizeof(path), x->dir, key) || x->ops->xs_write(x->ops->ctx, path, val) ? -1 : 0;
}

int xbfe_write_u(struct xbfe *x, const char *key, uint64_t v)
{
	char num[24];
	return fe_utoa(v, num, sizeof(num)) ? xbfe_write(x, key, num) : -1;
}

int xbfe_set_state(struct xbfe *x, int state)
{
	x->state = (uint8_t)state;
	return xbfe_write_u(x, "state", (uint64_t)dev_xb_published(x->quirk, state));
}

int xbfe_be_u(struct xbfe *x, const char *key, uint64_t max, uint64_t *out)
{
	char path[2 * XBFE_PATH], val[24];
	if (key_path(path, sizeof(path), x->be_path, key) || x->ops->xs_read(x->ops->ctx, path, val, sizeof(val)))
		return -1;
	return fe_atou(val, max, out) ? -2 : 0;
}

int xbfe_be_state(struct xbfe *x)
{
	uint64_t s;
	return xbfe_be_u(x, "state", XenbusStateReconfigured, &s) ? -1 : (int)s;
}

int xbfe_publish_ring(struct xbfe *x, const char *key, const grant_ref_t *refs, unsigned order)
{
	char k[40], num[8];
	if (!order)
		return xbfe_write_u(x, key, refs[0]);
	for (unsigned i = 0; i < (1u << order); i++) {
		k[0] = 0;
		if (!fe_utoa(i, num, sizeof(num)) || !xbfe_strcat(k, sizeof(k), key) || !xbfe_strcat(k, sizeof(k), num) ||
		    xbfe_write_u(x, k, refs[i]))
			return -1;
	}
	return xbfe_write_u(x, "ring-page-order", order);
}
