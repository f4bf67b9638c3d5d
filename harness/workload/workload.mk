# harness/workload/workload.mk - the PV-style frontend workload (engineer C) and its tests.
# Other parts compile these in (include path: -Iharness):
#   WORKLOAD_SRCS           everything the in-process world links (frontend + step handlers + xenstore)
#   WORKLOAD_FRONTEND_SRCS  the freestanding frontend alone (multi-process target, PVH guest)
WORKLOAD_FRONTEND_SRCS := harness/workload/frontend.c
WORKLOAD_SRCS          := $(WORKLOAD_FRONTEND_SRCS) harness/workload/wl_steps.c harness/workload/wl_xenstore.c
WORKLOAD_HDRS          := $(wildcard harness/workload/*.h) harness/workload/ops.def
WL_BUILD               := $(BUILD)/workload
WL_SCENARIOS            = $(sort $(wildcard corpora/scenarios/wl-*.scn))
# The rest of the world, compiled here per library variant (mutant, sanitizers). Files that
# define main() are programs, not parts. Lazy: the shell runs only when a test is built.
WL_WORLD_SRCS           = $(GRANTS_SRCS) $(XSIM_SRCS) \
                          $(shell grep -L '^int main' $(sort $(wildcard harness/world/*.c harness/oracle/*.c)) /dev/null | grep -v /dev/null)
WL_DEPS                 = $(WORKLOAD_SRCS) $(WORKLOAD_HDRS) $(WL_WORLD_SRCS) harness/workload/tests/test_workload.c \
                          $(wildcard grants/include/*.h grants/src/*.h harness/world/*.h harness/world/*.def \
                                     harness/oracle/*.h harness/xensim/*.h) grants/mutants.def harness/workload/workload.mk
WL_VARIANTS            := 0 $(MUTANT_IDS)

TESTS += test-workload test-workload-asan

## test-workload: the frontend under a hostile backend (ids, floods, Closed teardown, handshake) and every wl-*.scn on the fixed library and each mutant
## test-workload-asan: the frontend checks and wl-*.scn under clang ASan+UBSan (fixed library and msa02)
.PHONY: test-workload test-workload-asan

define WL_VARIANT
$(WL_BUILD)/m$(1)/test_workload: $$(WL_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$(HOST_CFLAGS) -DGNT_MUTANT=$(1) -o $$@ harness/workload/tests/test_workload.c $$(WORKLOAD_SRCS) $$(WL_WORLD_SRCS)
$(WL_BUILD)/asan-m$(1)/test_workload: $$(WL_DEPS)
	@mkdir -p $$(@D)
	$$(CLANG) $$(HOST_CFLAGS) -O1 $$(SAN_FLAGS) -DGNT_MUTANT=$(1) -o $$@ harness/workload/tests/test_workload.c $$(WORKLOAD_SRCS) $$(WL_WORLD_SRCS)
endef
$(foreach n,$(WL_VARIANTS),$(eval $(call WL_VARIANT,$(n))))

# The frontend must stay freestanding: compiled as the PVH guest compiles it, it may only need the
# grant library from outside.
$(WL_BUILD)/frontend-free.o: $(WORKLOAD_FRONTEND_SRCS) $(WORKLOAD_HDRS)
	@mkdir -p $(@D)
	$(CC) $(call FREE_CFLAGS,$(CC)) -c -o $@ $<

test-workload: $(WL_BUILD)/frontend-free.o $(foreach n,$(WL_VARIANTS),$(WL_BUILD)/m$(n)/test_workload)
	@u=$$(nm -u $(WL_BUILD)/frontend-free.o | awk '{print $$2}' | grep -v -x -e gnt_share -e gnt_unshare -e gnt_tick); \
	  if [ -z "$$u" ]; then echo "ok - frontend.c built freestanding needs only gnt_share, gnt_unshare, gnt_tick"; \
	  else echo "not ok - frontend.c built freestanding needs: $$u"; fi; \
	  rc=0; [ -z "$$u" ] || rc=1; \
	  $(WL_BUILD)/m0/test_workload || rc=1; \
	  for n in $(WL_VARIANTS); do $(WL_BUILD)/m$$n/test_workload --scenarios $(WL_SCENARIOS) || rc=1; done; \
	  $(WL_BUILD)/m1/test_workload --random || rc=1; \
	  exit $$rc

test-workload-asan: $(WL_BUILD)/asan-m0/test_workload $(WL_BUILD)/asan-m1/test_workload
	@rc=0; $(WL_BUILD)/asan-m0/test_workload || rc=1; \
	  for n in 0 1; do $(WL_BUILD)/asan-m$$n/test_workload --scenarios $(WL_SCENARIOS) || rc=1; done; \
	  $(WL_BUILD)/asan-m1/test_workload --random || rc=1; \
	  exit $$rc
