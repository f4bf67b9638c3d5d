/* console.h - output on I/O port 0xE9, which Xen copies into its own log as "(dN) ..." lines. */
#ifndef PVH_CONSOLE_H
#define PVH_CONSOLE_H

#include <stdint.h>

void con_puts(const char *s);
void con_putu(uint64_t v);
void con_putx(uint64_t v);
/* Short helpers for the common "text number text" lines. */
void con_line(const char *s);
void con_kv(const char *key, uint64_t v); /* " key=v" */

#endif
