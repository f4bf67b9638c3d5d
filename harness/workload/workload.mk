# harness/workload/workload.mk - the PV-style frontend workload and its tests.
# Other parts compile these in (include path: -Iharness):
#   WORKLOAD_SRCS           everything the in-process world links (frontend + step handlers + xenstore)
#   WORKLOAD_FRONTEND_SRCS  the freestanding frontend alone (multi-process target, PVH guest)
WORKLOAD_FRONTEND_SRCS := harness/workload/frontend.c
WORKLOAD_SRCS          := $(WORKLOAD_FRONTEND_SRCS) harness/workload/wl_steps.c harness/workload/wl_xenstore.c
WORKLOAD_HDRS          := $(wildcard harness/workload/*.h) harness/workload/ops.def
WL_BUILD               := $(BUILD)/workload
WL_SCENARIOS            = $(sort $(wildcard corpora/scenarios/wl-*.scn))
# The test program is linked like gntworld (harness/world/world.mk, WORLD_VARIANT), once per variant
# (library/mutant, mk/targets.mk): the world's objects shared by every variant (its main()
# left out: test_workload.c has its own), compiled once per flavour, and the variant's target
# archive. test_workload.c itself is compiled once per flavour.
WL_WORLD_SRCS          := $(filter-out harness/world/gntworld.c,$(WORLD_COMMON))
WL_TEST_HDRS            = $(WORLD_HDRS) $(WORKLOAD_HDRS) harness/workload/workload.mk
# Every fixed build runs the behaviour checks (they end with random hostile workloads: none may
# be flagged); every variant runs the wl-*.scn against its claims (`# catches[ LIB]:`).
WL_FIXED                = $(foreach l,$(LIBS),$(l)/fixed)
# Mutants the random hostile workloads must find (so "0 flagged" on a fixed build means something):
# MSA02 of every library that has it.
WL_RANDOM_MUTANTS       = $(filter %/msa02,$(VARIANTS))
WL_ASAN_VARIANTS        = $(WL_FIXED) $(WL_RANDOM_MUTANTS)

TESTS += test-workload test-workload-asan

## test-workload: the frontend under a hostile backend (ids, floods, Closed teardown, handshake) and every wl-*.scn on every variant (make list-variants)
## test-workload-asan: the frontend checks and wl-*.scn under clang ASan+UBSan (every fixed build and every msa02 mutant)
.PHONY: test-workload test-workload-asan

$(WL_BUILD)/plain/test_workload.o: harness/workload/tests/test_workload.c $(WL_TEST_HDRS)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(HOST_CFLAGS) -c $< -o $@
$(WL_BUILD)/asan/test_workload.o: harness/workload/tests/test_workload.c $(WL_TEST_HDRS)
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	@$(CLANG) $(HOST_CFLAGS) $(SAN_FLAGS) -c $< -o $@

define WL_VARIANT
$(WL_BUILD)/$(1)/test_workload: $(WL_BUILD)/plain/test_workload.o \
    $(patsubst %.c,$(WORLD_OUT)/plain/%.o,$(WL_WORLD_SRCS)) $(call target_archive,plain,$(1))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$$(CC) -o $$@ $$^
$(WL_BUILD)/$(1)/test_workload-asan: $(WL_BUILD)/asan/test_workload.o \
    $(patsubst %.c,$(WORLD_OUT)/asan/%.o,$(WL_WORLD_SRCS)) $(call target_archive,asan,$(1))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$$(CLANG) $$(SAN_FLAGS) -o $$@ $$^
endef
$(foreach v,$(VARIANTS),$(eval $(call WL_VARIANT,$(v))))

# The frontend must stay freestanding: compiled as the PVH guest compiles it, it needs nothing
# from outside at all -- the grant library and everything else come through struct fe_ops.
$(WL_BUILD)/frontend-free.o: $(WORKLOAD_FRONTEND_SRCS) $(WORKLOAD_HDRS) harness/seam/seam.h
	@mkdir -p $(@D)
	$(CC) $(call FREE_CFLAGS,$(CC)) -Iharness -c -o $@ $<

test-workload: $(WL_BUILD)/frontend-free.o $(foreach v,$(VARIANTS),$(WL_BUILD)/$(v)/test_workload)
	@u=$$(nm -u $(WL_BUILD)/frontend-free.o | awk '{print $$NF}' | tr '\n' ' '); \
	  if [ -z "$$u" ]; then echo "ok - frontend.c built freestanding needs no outside symbol (the library comes through fe_ops)"; \
	  else echo "not ok - frontend.c built freestanding needs: $$u"; fi; \
	  rc=0; [ -z "$$u" ] || rc=1; \
	  for v in $(WL_FIXED); do $(WL_BUILD)/$$v/test_workload || rc=1; done; \
	  for v in $(VARIANTS); do $(WL_BUILD)/$$v/test_workload --scenarios $(WL_SCENARIOS) || rc=1; done; \
	  for v in $(WL_RANDOM_MUTANTS); do $(WL_BUILD)/$$v/test_workload --random || rc=1; done; \
	  exit $$rc

test-workload-asan: $(foreach v,$(WL_ASAN_VARIANTS),$(WL_BUILD)/$(v)/test_workload-asan)
	@rc=0; \
	  for v in $(WL_FIXED); do $(WL_BUILD)/$$v/test_workload-asan || rc=1; done; \
	  for v in $(WL_ASAN_VARIANTS); do $(WL_BUILD)/$$v/test_workload-asan --scenarios $(WL_SCENARIOS) || rc=1; done; \
	  for v in $(WL_RANDOM_MUTANTS); do $(WL_BUILD)/$$v/test_workload-asan --random || rc=1; done; \
	  exit $$rc
