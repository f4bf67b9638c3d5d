/* lib.c - freestanding string and memory helpers. */
#include "lib.h"

void *memset(void *d, int c, size_t n)
{
	volatile unsigned char *p = d; /* volatile: keep gcc from turning this back into memset() */
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	volatile unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

size_t str_append(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);
	while (*s && n + 1 < cap)
		buf[n++] = *s++;
	buf[n] = 0;
	return n;
}

size_t str_append_u(char *buf, size_t cap, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp) - 1;
	tmp[i] = 0;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return str_append(buf, cap, &tmp[i]);
}

long str_parse_u(const char **s)
{
	const char *p = *s;
	long v = 0;
	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	*s = p;
	return v;
}

long cmdline_get(const char *cmdline, const char *key, long dflt)
{
	size_t klen = strlen(key);
	const char *p = cmdline;
	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!memcmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;
			long n = str_parse_u(&v);
			return n < 0 ? dflt : n;
		}
		while (*p && *p != ' ')
			p++;
	}
	return dflt;
}
