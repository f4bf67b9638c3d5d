/* empty_fuzz.c - a target that does nothing, built with exactly the flags of the real targets.
 * Its exec rate is the engine's own ceiling on this machine: `make bench` quotes every target
 * as a ratio against it, measured in the same run, because absolute rates here are noisy. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
