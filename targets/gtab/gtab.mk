# targets/gtab/gtab.mk - tests of gtab, the Mini-OS/Linux-style grant library (targets/gtab/).
# Paths are relative to the repo root. Works inside the top-level Makefile (which sets BUILD, CC,
# HOST_CFLAGS, CLANG) and standalone: make -f targets/gtab/gtab.mk test-gtab-unit
BUILD ?= build
GTAB_DIR  := targets/gtab
GTAB_OUT  := $(BUILD)/gtab
GTAB_SRCS := $(sort $(wildcard $(GTAB_DIR)/*.c))
GTAB_TEST_SRCS := $(sort $(wildcard $(GTAB_DIR)/tests/*.c))
GTAB_DEPS := $(GTAB_SRCS) $(GTAB_TEST_SRCS) $(wildcard $(GTAB_DIR)/*.h $(GTAB_DIR)/tests/*.h) \
             $(GTAB_DIR)/target.mk harness/seam/seam.h
# Deferred: the top level may define HOST_CFLAGS after including this file.
GTAB_CFLAGS = $(if $(HOST_CFLAGS),$(HOST_CFLAGS),-std=gnu11 -O2 -g -Wall -Wextra)
GTAB_CLANG  = $(if $(CLANG),$(CLANG),clang)

## test-gtab-unit: unit tests of gtab (v1 and v2, deferred frees, races at every table access, the seam adapter)
test-gtab-unit: $(GTAB_OUT)/unit
	@$<

# -DGTAB_TEST_TRACE: gtab_arch.h's primitives report to the tests (tests/test_order.c); the
# unit tests only, here and in tests/mutants_killed.sh, never a library build.
$(GTAB_OUT)/unit: $(GTAB_DEPS)
	@mkdir -p $(@D)
	$(CC) $(GTAB_CFLAGS) -DGTAB_TEST_TRACE -I$(GTAB_DIR) -I$(GTAB_DIR)/tests -Iharness/seam -o $@ $(GTAB_SRCS) $(GTAB_TEST_SRCS)

## test-gtab-mutants-killed: gtab's unit tests pass as shipped and fail on every mutant of targets/gtab/target.mk
test-gtab-mutants-killed: $(GTAB_DEPS)
	@sh $(GTAB_DIR)/tests/mutants_killed.sh $(GTAB_OUT)/mutants "$(CC)" "$(GTAB_CFLAGS)"

## test-gtab-freestanding: gtab and its adapter, every variant, gcc and clang (and clang with the harness's trace hooks and pass), need nothing from outside
test-gtab-freestanding: $(GTAB_DEPS) $(SEAM_PASS)
	@GNTFUZZ_PASS=$(SEAM_PASS) sh $(GTAB_DIR)/tests/freestanding.sh $(GTAB_OUT)/free "$(CC)" "$(GTAB_CLANG)"

TESTS += test-gtab-unit test-gtab-mutants-killed test-gtab-freestanding
.PHONY: test-gtab-unit test-gtab-mutants-killed test-gtab-freestanding
