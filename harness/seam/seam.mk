# harness/seam/seam.mk - the seam between the worlds and a grant library: the load/store hooks'
# test and the bring-your-own-library test (targets/template built out of tree).
SEAM_OUT := $(BUILD)/seam

$(SEAM_OUT)/hooked.o: harness/seam/tests/hooked.c
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -O2 -g $(TARGET_CFLAGS_plain) -c $< -o $@
$(SEAM_OUT)/test_hooks: harness/seam/tests/test_hooks.c harness/seam/seam_hooks.c harness/seam/seam_cov_stubs.c \
    harness/seam/seam_hooks.h $(SEAM_OUT)/hooked.o
	$(CLANG) $(HOST_CFLAGS) $(filter %.c %.o,$^) -o $@

## test-seam-hooks: the compiler's load/store hooks: a check-then-plain-store end is raced at its store, a cmpxchg end never is
## test-byo: targets/template copied out of tree: builds with TARGET=<dir>, fixed clean, mutant caught by scenarios and libFuzzer, adapter mistakes get one-line errors
.PHONY: test-seam-hooks test-byo
test-seam-hooks: $(SEAM_OUT)/test_hooks
	@$<
test-byo:
	@$(PYTHON) harness/seam/tests/test_byo.py
TESTS += test-seam-hooks test-byo
