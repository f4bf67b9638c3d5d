/* lib.h - the few libc-like helpers a freestanding guest needs (the compiler may call mem*). */
#ifndef PVH_LIB_H
#define PVH_LIB_H

#include <stddef.h>
#include <stdint.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
/* Append text / a decimal number to buf (capacity cap, always NUL-terminated); returns new length. */
size_t str_append(char *buf, size_t cap, const char *s);
size_t str_append_u(char *buf, size_t cap, uint64_t v);
/* Parse a decimal number at *s, advancing *s; returns -1 if none. */
long str_parse_u(const char **s);
/* The value of "key=N" in a space-separated command line, or dflt. */
long cmdline_get(const char *cmdline, const char *key, long dflt);

#endif
