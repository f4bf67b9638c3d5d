/* seam_variant.c - which library and mutant a binary carries, compiled into each variant's
 * target archive with the names from its manifest (mk/targets.mk). */
const char gntfuzz_library[] = GNTFUZZ_LIBRARY;
const char gntfuzz_mutant[] = GNTFUZZ_MUTANT;
