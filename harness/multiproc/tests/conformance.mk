# harness/multiproc/tests/conformance.mk - conformance of the drop-in Xen libraries with Debian's
# libxenevtchn/libxengnttab on Linux, call by call; the broker's fuzz seeds; fuzzing coverage.
# Included by the top Makefile after harness/multiproc/multiproc.mk and harness/fuzz/fuzz.mk.
CONF_DIR := harness/multiproc/tests
CONF_OUT := $(or $(BUILD),build)/multiproc

# The conformance program: Debian's headers, linked with Debian's sonames, run on the drop-ins.
$(CONF_OUT)/test_conformance: $(CONF_DIR)/test_conformance.c harness/multiproc/proto.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Iharness/multiproc $< -lxengnttab -lxenevtchn -lpthread -o $@

## test-conformance: the drop-in libxenevtchn/libxengnttab against Debian's behaviour on Linux, call by call (blocking pending woken by a peer, poll on the fd, errno values, unmap notify, grant copy, NO_CLOEXEC + fdopen across exec)
.PHONY: test-conformance
test-conformance: multiproc $(CONF_OUT)/test_conformance
	@$(PYTHON) $(CONF_DIR)/run_conformance.py $(CONF_OUT)
TESTS += test-conformance

# The broker's fuzz records (fuzz_broker.h) are shared by the target and the seed generator.
$(CONF_OUT)/fuzz_broker_smoke $(CONF_OUT)/fuzz_broker: $(CONF_DIR)/fuzz_broker.h
$(foreach e,libfuzzer afl cmplog cov,$(or $(BUILD),build)/fuzz/obj/$(e)/$(CONF_DIR)/fuzz_broker.o): $(CONF_DIR)/fuzz_broker.h

# Deterministic seeds and dictionary of the broker target (make_seeds.py runs it: `make fuzz-seeds`).
$(or $(BUILD),build)/fuzz/tools/broker_seeds: $(CONF_DIR)/broker_seeds.c $(CONF_DIR)/fuzz_broker.h harness/multiproc/proto.h
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CC) $(HOST_CFLAGS) -Iharness/multiproc $< -o $@

## fuzz-coverage-msg: libFuzzer on the broker and xenstored targets from their committed seeds, FUZZ_SECONDS (default 600) each: edges covered / instrumented (and / reachable)
.PHONY: fuzz-coverage-msg
fuzz-coverage-msg:
	@$(PYTHON) $(CONF_DIR)/fuzz_coverage.py --seconds $(or $(FUZZ_SECONDS),600) broker xenstored
