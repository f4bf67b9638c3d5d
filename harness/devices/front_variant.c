/* front_variant.c - the names of a frontend variant (FRONT NAME/MUTANT), compiled into every
 * frontend-variant build by mk/fronts.mk: reports and findings name the frontend under test. */
const char gntfuzz_front_name[] = GNTFUZZ_FRONT;
const char gntfuzz_front_mutant[] = GNTFUZZ_FRONT_MUTANT;
const char gntfuzz_front_device[] = GNTFUZZ_FRONT_DEVICE; /* the manifest's FRONT_DEVICE */
