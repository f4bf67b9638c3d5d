/* seam_variant.c - which library and mutant a binary carries, compiled into each variant's
 * target archive with the names from its manifest (mk/targets.mk), and whether its grant-table
 * accesses are hooked (the flavours for real concurrency, real Xen and the hook-cost bench are not). */
const char gntfuzz_library[] = GNTFUZZ_LIBRARY;
const char gntfuzz_mutant[] = GNTFUZZ_MUTANT;
#ifdef GNTFUZZ_NOHOOKS
const int gntfuzz_hooked = 0;
#else
const int gntfuzz_hooked = 1;
#endif
