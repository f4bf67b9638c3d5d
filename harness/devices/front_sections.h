/* front_sections.h - force-included (-include) into every source of a frontend variant by
 * mk/fronts.mk (clang in every flavour). It puts the frontend's code in a text section of its own,
 * so that a finding's frames in the frontend under test are told apart without symbolizing anything:
 * the world keys a frontend's finding (one bug, one finding) by its innermost frame there, as it
 * keys a library's by the library's (harness/seam/seam_sections.h). */
#pragma clang section text="gntfuzz_fronttext"
