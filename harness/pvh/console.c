/* console.c - port 0xE9 console: no ring, no event channel, so it works from the first instruction. */
#include "console.h"
#include "lib.h"

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }

void con_puts(const char *s)
{
	while (*s)
		outb(0xe9, (uint8_t)*s++);
}

void con_putu(uint64_t v)
{
	char buf[24] = "";   /* room for the 20 digits of UINT64_MAX */
	str_append_u(buf, sizeof(buf), v);
	con_puts(buf);
}

void con_putx(uint64_t v)
{
	char buf[20];
	int i = sizeof(buf) - 1;
	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	buf[--i] = 'x';
	buf[--i] = '0';
	con_puts(&buf[i]);
}

void con_line(const char *s)
{
	con_puts(s);
	con_puts("\n");
}

void con_kv(const char *key, uint64_t v)
{
	con_puts(" ");
	con_puts(key);
	con_puts("=");
	con_putu(v);
}
