/* afl_shim.c - AFL++ persistent-mode driver for any LLVMFuzzerTestOneInput target.
 *
 * Linked beside each target in the afl and cmplog builds (afl-clang-fast defines the __AFL_*
 * macros). Inputs arrive through shared memory and one process runs many of them, which is only
 * sound because every target resets its world per input. Outside afl-fuzz the same binary reads
 * one input from stdin, so afl-tmin and a person can replay a crash file with `bin < file`.
 */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h> /* read(): the stdin fallback inside __AFL_FUZZ_TESTCASE_LEN */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	__AFL_INIT(); /* deferred fork server: start after the one-time set-up above */
	const uint8_t *buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(100000)) /* re-exec now and then to shed any slow leak */
		LLVMFuzzerTestOneInput(buf, __AFL_FUZZ_TESTCASE_LEN);
	return 0;
}
