# harness/world/world.mk - the in-process world (scenarios, scheduler, seam host), the oracle, gntworld
# for every variant (library/mutant, mk/targets.mk) in a plain and an ASan+UBSan build, and tests.
WORLD_OUT      := $(BUILD)/world
# Our device frontends (harness/devices) with their adapters to the frontend seam (frontends/*/):
# the device world's frontends in every grant library's build.
WORLD_FRONT_SRCS := harness/devices/blkfront.c harness/devices/netfront.c harness/devices/netfront_pkt.c \
                  harness/devices/netfront_run.c harness/devices/xenbus_fe.c \
                  frontends/blkfront/adapter.c frontends/netfront/adapter.c
# Code of the world (fuzzers link these too, with $(XSIM_SRCS) and one target archive).
WORLD_SRCS     := $(filter-out harness/world/gntworld.c,$(sort $(wildcard harness/world/*.c))) \
                  $(sort $(wildcard harness/oracle/*.c)) $(sort $(wildcard harness/workload/*.c)) \
                  $(sort $(wildcard harness/devworld/*.c)) $(WORLD_FRONT_SRCS) \
                  harness/seam/seam_hooks.c harness/seam/seam_check.c
WORLD_HDRS     := $(wildcard harness/world/*.h harness/world/*.def harness/oracle/*.h harness/seam/*.h \
                  harness/workload/*.h harness/workload/*.def harness/xensim/*.h harness/devworld/*.h \
                  harness/devworld/*.def harness/devices/*.h)
WORLD_COMMON   := $(WORLD_SRCS) $(XSIM_SRCS) harness/world/gntworld.c harness/seam/seam_cov_stubs.c
WORLD_BINS     := $(foreach v,$(VARIANTS),$(WORLD_OUT)/$(v)/gntworld)
WORLD_ASAN_BINS:= $(foreach v,$(VARIANTS),$(WORLD_OUT)/$(v)/gntworld-asan)
WORLD_SCNS      = $(sort $(wildcard corpora/scenarios/*.scn))

# Objects shared by all variants, one tree per compiler flavour.
$(WORLD_OUT)/plain/%.o: %.c $(WORLD_HDRS)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(HOST_CFLAGS) -c $< -o $@
$(WORLD_OUT)/asan/%.o: %.c $(WORLD_HDRS)
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	@$(CLANG) $(HOST_CFLAGS) $(SAN_FLAGS) -c $< -o $@

# Per variant: the shared objects and the variant's target archive (mk/targets.mk).
define WORLD_VARIANT
$(WORLD_OUT)/$(1)/gntworld: $(patsubst %.c,$(WORLD_OUT)/plain/%.o,$(WORLD_COMMON)) $(call target_archive,plain,$(1))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$$(CC) -o $$@ $$^
$(WORLD_OUT)/$(1)/gntworld-asan: $(patsubst %.c,$(WORLD_OUT)/asan/%.o,$(WORLD_COMMON)) $(call target_archive,asan,$(1))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$$(CLANG) $$(SAN_FLAGS) -o $$@ $$^
endef
$(foreach v,$(VARIANTS),$(eval $(call WORLD_VARIANT,$(v))))

# Per frontend variant (mk/fronts.mk): the world without our frontends, its frontend's object, and
# the unmutated archive of the grant library it runs on.
WORLD_NOFRONT  := $(filter-out $(WORLD_FRONT_SRCS),$(WORLD_COMMON))
define WORLD_FRONT_VARIANT
$(WORLD_OUT)/$(1)/gntworld: $(patsubst %.c,$(WORLD_OUT)/plain/%.o,$(WORLD_NOFRONT)) $(call front_object,plain,$(1)) \
    $(call target_archive,plain,$(call front_library,$(1)))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$$(CC) -o $$@ $$^
$(WORLD_OUT)/$(1)/gntworld-asan: $(patsubst %.c,$(WORLD_OUT)/asan/%.o,$(WORLD_NOFRONT)) $(call front_object,asan,$(1)) \
    $(call target_archive,asan,$(call front_library,$(1)))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$$(CLANG) $$(SAN_FLAGS) -o $$@ $$^
endef
$(foreach v,$(FRONT_VARIANTS),$(eval $(call WORLD_FRONT_VARIANT,$(v))))
WORLD_FRONT_BINS := $(foreach v,$(FRONT_VARIANTS),$(WORLD_OUT)/$(v)/gntworld)

$(WORLD_OUT)/test_oracle: harness/oracle/tests/test_oracle.c harness/oracle/oracle.c $(WORLD_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ harness/oracle/tests/test_oracle.c harness/oracle/oracle.c

TESTS += test-scenario test-oracle test-world-asan test-world-random test-world-replay test-reproduce
BENCHES += bench-world

FIXED_VARIANTS := $(foreach l,$(LIBS),$(l)/fixed)

## world: build build/world/<library>/<mutant>/gntworld (plain) and gntworld-asan (ASan+UBSan) for every variant (make list-variants)
## test-scenario: scenario parser bad-input table (plain and ASan), text->binary->text round trip of the corpus, random bytes decode and re-encode stably
## test-oracle: one test per oracle invariant: fires on a crafted violation, silent on the legal twin
## test-world-asan: every corpus scenario under ASan+UBSan on every fixed build and the reference libraries' mutants (WORLD_ASAN_ONLY): no sanitizer report
## test-world-random: no fixed library is ever flagged on 100000 pseudo-random inputs (plain) and 10000 (ASan+UBSan); no fixed frontend by 30000 random backends (5000 under ASan+UBSan)
## test-world-replay: past false alarms (harness/world/tests/regress) stay clean; saved findings of every mutant replay (.scn and report text) to the same invariant and frame
## bench-boot: per-input cost of each library with a boot(): boot every input vs boot once and restore (side by side)
## bench-world: world runs/s on pseudo-random inputs for every variant, and how many inputs each flags
## reproduce: run every corpus scenario on every variant; table, reports of first catches (--json: REPRODUCE_ARGS=--json)
## test-reproduce: `make reproduce` must show every mutant caught, every `# catches:` claim true, every fixed library clean
.PHONY: bench-boot
bench-boot: $(filter %/fixed/gntworld,$(WORLD_BINS))
	@$(PYTHON) harness/world/bench_boot.py $(WORLD_OUT) $(or $(BENCH_BOOT_INPUTS),30000) $(LIBS)
.PHONY: world test-scenario test-oracle test-world-asan test-world-random test-world-replay bench-world reproduce test-reproduce
world: $(WORLD_BINS) $(WORLD_ASAN_BINS) $(WORLD_FRONT_BINS)

test-scenario: $(WORLD_OUT)/grants/fixed/gntworld $(WORLD_OUT)/grants/fixed/gntworld-asan build/fuzz/tools/scnconv
	@$(PYTHON) harness/world/tests/test_scenario.py $(WORLD_OUT)/grants/fixed/gntworld $(WORLD_OUT)/grants/fixed/gntworld-asan

test-oracle: $(WORLD_OUT)/test_oracle $(WORLD_BINS)
	@$(WORLD_OUT)/test_oracle
	@$(PYTHON) harness/oracle/tests/test_twins.py $(WORLD_OUT)

# In `make test`: every fixed build and every mutant of the two reference libraries (with TARGET=,
# every variant of yours); `make test-world-asan WORLD_ASAN_ONLY=` runs every variant.
WORLD_ASAN_ONLY ?= $(if $(TARGET),$(VARIANTS),$(FIXED_VARIANTS) $(filter $(addsuffix /%,grants gtab),$(VARIANTS)))
test-world-asan: $(if $(strip $(WORLD_ASAN_ONLY)),$(foreach v,$(WORLD_ASAN_ONLY),$(WORLD_OUT)/$(v)/gntworld-asan $(WORLD_OUT)/$(v)/gntworld),$(WORLD_ASAN_BINS) $(WORLD_BINS))
	@$(PYTHON) harness/world/tests/test_world_asan.py $(WORLD_OUT) $(if $(strip $(WORLD_ASAN_ONLY)),--only "$(strip $(WORLD_ASAN_ONLY))") $(WORLD_SCNS)

# A fixed library must never be flagged: a false alarm here is a bug in the world or oracle. Nor a
# fixed frontend by a random backend (device runs, under ASan+UBSan too: a report is a finding).
FIXED_FRONTS := $(filter %/fixed,$(FRONT_VARIANTS))
test-world-random: $(foreach v,$(FIXED_VARIANTS) $(FIXED_FRONTS),$(WORLD_OUT)/$(v)/gntworld $(WORLD_OUT)/$(v)/gntworld-asan)
	@for v in $(FIXED_VARIANTS); do for b in "gntworld 100000" "gntworld-asan 10000"; do set -- $$b; \
	  out=$$($(WORLD_OUT)/$$v/$$1 random $$2 7 2>&1 | tail -1); \
	  if echo "$$out" | grep -q " 0 with a violation"; then echo "ok - $$v $$1: $$out"; \
	  else echo "not ok - $$v $$1: false alarm on a fixed library: $$out"; exit 1; fi; done; done
	@$(foreach v,$(FIXED_FRONTS),for b in "gntworld 30000" "gntworld-asan 5000"; do set -- $$b; \
	  out=$$($(WORLD_OUT)/$(v)/$$1 random $$2 7 --device $(FRONT_$(call variant_lib,$(v))_DEVICE) 2>&1); \
	  if echo "$$out" | tail -1 | grep -q " 0 with a violation" && ! echo "$$out" | grep -q "Sanitizer\|runtime error"; \
	  then echo "ok - $(v) $$1: $$(echo "$$out" | tail -1)"; \
	  else echo "not ok - $(v) $$1: a random backend flagged a fixed frontend: $$(echo "$$out" | tail -3)"; exit 1; fi; done;)

test-world-replay: $(WORLD_BINS) $(foreach v,$(FIXED_VARIANTS),$(WORLD_OUT)/$(v)/gntworld-asan)
	@$(PYTHON) harness/world/tests/test_replay.py $(WORLD_OUT)

bench-world: $(WORLD_BINS)
	@for v in $(VARIANTS); do $(WORLD_OUT)/$$v/gntworld random 100000 1 | tail -1; done

reproduce: $(WORLD_BINS) $(WORLD_FRONT_BINS)
	@$(PYTHON) scripts/reproduce.py --build $(WORLD_OUT) $(REPRODUCE_ARGS)

test-reproduce: $(WORLD_BINS) $(WORLD_FRONT_BINS)
	@$(PYTHON) scripts/reproduce.py --no-build --build $(WORLD_OUT) --tap
	@t=$$(mktemp -d); sed 's/^# catches: .*/# catches: msa02/' corpora/scenarios/msa02.scn > $$t/msa02.scn; \
	  if $(PYTHON) scripts/reproduce.py --no-build --build $(WORLD_OUT) --scenarios $$t >/dev/null 2>&1; \
	  then echo "not ok - reproduce accepts a wrong # catches: claim and uncaught mutants"; rm -rf $$t; exit 1; \
	  else echo "ok - reproduce fails on a wrong # catches: claim and on uncaught mutants"; fi; rm -rf $$t
