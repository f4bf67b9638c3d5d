# harness/xensim/xensim.mk - the in-process simulated Xen (grant tables, event channels).
# Other parts compile $(XSIM_SRCS) into their own binaries (include path: -Iharness).
XSIM_SRCS       := $(sort $(wildcard harness/xensim/xsim_*.c))
XSIM_HDRS       := harness/xensim/xsim.h harness/xensim/xsim_internal.h
XSIM_BUILD      := $(BUILD)/xensim
XSIM_TEST_SRCS  := $(sort $(wildcard harness/xensim/tests/test_*.c))
XSIM_TEST_BINS  := $(patsubst harness/xensim/tests/%.c,$(XSIM_BUILD)/%,$(XSIM_TEST_SRCS))
XSIM_ASAN_BINS  := $(patsubst harness/xensim/tests/%.c,$(XSIM_BUILD)/asan/%,$(XSIM_TEST_SRCS))
XSIM_TEST_DEPS  := $(XSIM_SRCS) $(XSIM_HDRS) harness/xensim/tests/tap.h harness/xensim/xensim.mk

TESTS += test-xsim test-xsim-asan
BENCHES += bench-xsim

## test-xsim: simulator unit tests, one per Xen grant/event rule (gcc)
## test-xsim-asan: the same simulator tests under clang ASan+UBSan
## bench-xsim: ns per xsim reset+create after a small run vs after a run touching many entries
.PHONY: test-xsim test-xsim-asan bench-xsim

$(XSIM_TEST_BINS): $(XSIM_BUILD)/%: harness/xensim/tests/%.c $(XSIM_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Iharness/xensim -o $@ $< $(XSIM_SRCS)

$(XSIM_ASAN_BINS): $(XSIM_BUILD)/asan/%: harness/xensim/tests/%.c $(XSIM_TEST_DEPS)
	@mkdir -p $(@D)
	$(CLANG) $(HOST_CFLAGS) -O1 $(SAN_FLAGS) -Iharness/xensim -o $@ $< $(XSIM_SRCS)

$(XSIM_BUILD)/bench_xsim: harness/xensim/bench/bench_xsim.c $(XSIM_SRCS) $(XSIM_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Iharness/xensim -o $@ $< $(XSIM_SRCS)

# Run every binary even after a failure; fail at the end if any did.
test-xsim: $(XSIM_TEST_BINS)
	@rc=0; for t in $^; do $$t || rc=1; done; exit $$rc

test-xsim-asan: $(XSIM_ASAN_BINS)
	@rc=0; for t in $^; do $$t || rc=1; done; exit $$rc

bench-xsim: $(XSIM_BUILD)/bench_xsim
	@$<
