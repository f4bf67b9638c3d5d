# harness/seam/seam.mk - the seam between the worlds and a grant library: the load/store hooks'
# test and the bring-your-own-library test (targets/template built out of tree).
SEAM_OUT := $(BUILD)/seam

$(SEAM_OUT)/hooked.o: harness/seam/tests/hooked.c harness/seam/tests/asm_cmpxchg.h
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -O2 -g $(TARGET_CFLAGS_plain) -c $< -o $@
$(SEAM_OUT)/test_hooks: harness/seam/tests/test_hooks.c harness/seam/seam_hooks.c harness/seam/seam_cov_stubs.c \
    harness/seam/seam_hooks.h harness/seam/seam.h $(SEAM_OUT)/hooked.o
	$(CLANG) $(HOST_CFLAGS) $(filter %.c %.o,$^) -o $@

# Library-shaped code in several idioms per operation, compiled as target code, run in the real
# world under each memory model (test_models.c).
$(SEAM_OUT)/styles_lib.o: harness/seam/tests/styles_lib.c harness/seam/tests/styles_lib.h harness/seam/tests/asm_cmpxchg.h \
    harness/seam/seam.h $(SEAM_PASS)
	@mkdir -p $(@D)
	$(CLANG) $(TARGET_BASE_CFLAGS) $(TARGET_CFLAGS_plain) -c $< -o $@
$(SEAM_OUT)/styles_variant.o: harness/seam/seam_variant.c
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -O2 -DGNTFUZZ_LIBRARY='"styles"' -DGNTFUZZ_MUTANT='"fixed"' -c $< -o $@
$(SEAM_OUT)/test_models: harness/seam/tests/test_models.c harness/seam/tests/styles_lib.h $(WORLD_HDRS) \
    $(patsubst %.c,$(WORLD_OUT)/plain/%.o,$(WORLD_SRCS) $(XSIM_SRCS) harness/seam/seam_cov_stubs.c) \
    $(SEAM_OUT)/styles_lib.o $(SEAM_OUT)/styles_variant.o
	$(CC) $(HOST_CFLAGS) -Iharness/seam $(filter %.c %.o,$^) -o $@

## test-seam-hooks: windows and orders on library-shaped code: a check-then-store end is raced at its store, a swap-ignoring cmpxchg end (__atomic, __sync, asm lock cmpxchg) in the window before the swap, a correct loop never; asm mfence, a locked add and C11 fences drain the tso/arm store buffer and a missing one is caught, a compiler-barrier publish is caught under arm only; correct idioms clean under every model
## test-byo: targets/template copied out of tree: builds with TARGET=<dir>, fixed clean, mutant caught by scenarios and libFuzzer, adapter mistakes get one-line errors
## test-manifest: the manifest's build features on libraries written out of tree: absolute paths, header and #included .c dependencies, per-library and per-source flags, Xen interface and headers, mutant sources, adapter sources and sections, one-line errors
.PHONY: test-seam-hooks test-byo test-manifest
test-seam-hooks: $(SEAM_OUT)/test_hooks $(SEAM_OUT)/test_models
	@$(SEAM_OUT)/test_hooks && $(SEAM_OUT)/test_models
test-byo:
	@$(PYTHON) harness/seam/tests/test_byo.py
test-manifest:
	@sh harness/seam/tests/test_manifest.sh
TESTS += test-seam-hooks test-byo test-manifest

# The world's libFuzzer target with the library built in a flavour that only prices the seam for
# `make bench-seam`: nohooks (no load/store hooks: no race is reachable) and nopass (load/store
# hooks without gntfuzz's pass: no RMW or fence points).
define seam_priced_rule # library, flavour
$(FUZZ_OUT)/libfuzzer/world-$(1)-fixed-$(2): $(patsubst %.c,$(FUZZ_OUT)/obj/libfuzzer/%.o,$(FUZZ_SRCS_world)) \
    $(call target_archive,$(2),$(1)/fixed)
	@mkdir -p $$(@D)
	@$$(FUZZ_CC_libfuzzer) $$^ $$(FUZZ_LDFLAGS_libfuzzer) -o $$@
endef
$(foreach l,$(LIBS),$(foreach f,nohooks nopass,$(eval $(call seam_priced_rule,$(l),$(f)))))

BENCHES += bench-seam
## bench-seam: world execs/s per library through the seam with hooks and pass, with the load/store hooks only, without hooks, and the empty target; the same world under each memory model (sc, tso, arm); time to the first finding of every mutant of every library (libFuzzer); all in one run
.PHONY: bench-seam
bench-seam:
	@$(PYTHON) harness/seam/bench_seam.py

# The LLVM pass plugin that hooks RMWs, fences and atomic orders in target code, and its test.
include harness/seam/pass/pass.mk
