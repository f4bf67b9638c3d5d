/* platform.c - gnt_platform_ops for the PVH guest. x86 is TSO, but the library's contract is
 * explicit barriers, so wmb/mb are real fences: the code must be right on its own terms. */
#include "console.h"
#include "pagealloc.h"
#include "platform.h"

unsigned pvh_pages_released;

static uint16_t op_load16(void *ctx, volatile uint16_t *p) { return *p; }
static void op_store16(void *ctx, volatile uint16_t *p, uint16_t v) { *p = v; }
static void op_store32(void *ctx, volatile uint32_t *p, uint32_t v) { *p = v; }
static void op_store64(void *ctx, volatile uint64_t *p, uint64_t v) { *p = v; }

static uint16_t op_cmpxchg16(void *ctx, volatile uint16_t *p, uint16_t old, uint16_t new_val)
{
	uint16_t prev;
	asm volatile("lock cmpxchgw %2, %1" : "=a"(prev), "+m"(*p) : "r"(new_val), "0"(old) : "memory", "cc");
	return prev;
}

static void op_wmb(void *ctx) { asm volatile("sfence" ::: "memory"); }
static void op_mb(void *ctx) { asm volatile("mfence" ::: "memory"); }

static void op_page_release(void *ctx, uint64_t frame)
{
	pvh_pages_released++;
	if (pa_free(frame))
		con_puts("pvh: page_release of a page the allocator does not hold\n");
}

static void op_log(void *ctx, const char *msg, uint64_t a, uint64_t b)
{
	con_puts("gnt: ");
	con_puts(msg);
	con_kv("a", a);
	con_kv("b", b);
	con_puts("\n");
}

const struct gnt_platform_ops pvh_gnt_ops = {
	.load16 = op_load16, .store16 = op_store16, .store32 = op_store32, .store64 = op_store64,
	.cmpxchg16 = op_cmpxchg16, .wmb = op_wmb, .mb = op_mb,
	.page_release = op_page_release, .log = op_log,
};
