/* uses_libc.c - a deliberately non-freestanding object: test-grants-freestanding checks that its
 * detector flags this one (an outside call and a writable global) before trusting its verdicts. */
void *memset(void *s, int c, unsigned long n);
int probe_counter;

void probe_clear(char *buf)
{
	memset(buf, 0, 64);
	probe_counter++;
}
