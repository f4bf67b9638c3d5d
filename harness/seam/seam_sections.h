/* seam_sections.h - force-included (-include) into every source of a library under test by the
 * hooked clang builds (mk/targets.mk), before the source's first line.
 *
 * It puts the target's writable globals in two sections of their own, so that the world can
 * snapshot them once after the adapter's boot() and restore them before every input (boot once,
 * restore per input: seam.h's contract); and the library's own code (not its adapter or shim:
 * the manifest's TARGET_ADAPTER_SOURCES) in a text section of its own, so that a finding's
 * frames are told apart as the library's without symbolizing anything. The linker defines
 * __start_<name>/__stop_<name> for each (names that are C identifiers). ASan still pads these
 * globals with redzones (clang 14), so the world copies the sections with accesses ASan does not
 * check (world_boot.c's copy_raw).
 */
#pragma clang section data="gntfuzz_tdata" bss="gntfuzz_tbss"
#ifdef GNTFUZZ_LIBRARY_CODE
#pragma clang section text="gntfuzz_libtext"
#endif
