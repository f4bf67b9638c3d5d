/* seam_cov_stubs.c - the edge hooks clang's coverage flags also emit, for builds without a fuzz
 * engine (gntworld, the multi-process target, tests). trace-loads/trace-stores emit nothing
 * without an edge type, so target code always carries one; libFuzzer and AFL++ bring their own
 * definitions, which win over these weak ones. */
#include <stdint.h>

__attribute__((weak)) void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop)
{
	(void)start, (void)stop;
}
__attribute__((weak)) void __sanitizer_cov_trace_pc_guard(uint32_t *guard) { (void)guard; }
__attribute__((weak)) void __sanitizer_cov_8bit_counters_init(char *start, char *end)
{
	(void)start, (void)end;
}
__attribute__((weak)) void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end)
{
	(void)beg, (void)end;
}
