# harness/fuzz/fuzz.mk - fuzz targets in every engine flavour, mutant builds, campaigns, kill matrix.
#
# A binary is build/fuzz/<engine>/<target>-m<N>: engine is libfuzzer (ASan+UBSan), afl
# (afl-clang-fast, persistent-mode shim), cmplog (its CmpLog twin) or cov (llvm-cov, replay
# driver); N is the grants/ mutant (0 = the real library). The Python drivers build what they need
# through these rules, so `make build/fuzz/afl/world-m1` is all a campaign asks for.

FUZZ_OUT     := $(BUILD)/fuzz
FUZZ_DIR     := harness/fuzz
AFL_CC       ?= afl-clang-fast
FUZZ_ENGINES := libfuzzer afl cmplog cov
FUZZ_ARGS    ?=
FUZZ_HEADERS  = $(wildcard grants/include/*.h harness/*/*.h harness/*/*.def harness/fuzz/targets/*.h)
# The xenstore server and the broker include their own headers by bare name.
FUZZ_INCLUDES := -Iharness/xenstored -Iharness/multiproc

# --- engine flavours: compiler, compile flags, link flags, driver object ---
FUZZ_CC_libfuzzer      := $(CLANG)
FUZZ_CFLAGS_libfuzzer  := -O2 -g -fsanitize=fuzzer-no-link $(SAN_FLAGS)
FUZZ_LDFLAGS_libfuzzer := -fsanitize=fuzzer $(SAN_FLAGS)
FUZZ_DRIVER_libfuzzer  :=
FUZZ_CC_afl            := AFL_QUIET=1 $(AFL_CC)
FUZZ_CFLAGS_afl        := -O2 -g
FUZZ_LDFLAGS_afl       :=
FUZZ_DRIVER_afl        := $(FUZZ_OUT)/obj/afl/$(FUZZ_DIR)/afl_shim.o
FUZZ_CC_cmplog         := AFL_QUIET=1 AFL_LLVM_CMPLOG=1 $(AFL_CC)
FUZZ_CFLAGS_cmplog     := -O2 -g
FUZZ_LDFLAGS_cmplog    :=
FUZZ_DRIVER_cmplog     := $(FUZZ_OUT)/obj/cmplog/$(FUZZ_DIR)/afl_shim.o
FUZZ_CC_cov            := $(CLANG)
FUZZ_CFLAGS_cov        := -O0 -g -fprofile-instr-generate -fcoverage-mapping
FUZZ_LDFLAGS_cov       := -fprofile-instr-generate
FUZZ_DRIVER_cov        := $(FUZZ_OUT)/obj/cov/$(FUZZ_DIR)/replay_main.o

# --- the code under test, shared by the targets ---
# The in-process world: everything in harness/{world,oracle,workload} except programs with a main,
# plus the simulated Xen. Empty until those parts land; a target is only offered when its files exist.
FUZZ_WORLD_MAINS := $(shell grep -l '^int main' harness/world/*.c harness/oracle/*.c harness/workload/*.c harness/xensim/*.c 2>/dev/null)
# world.mk's WORLD_SRCS and xensim.mk's XSIM_SRCS when those fragments define them.
FUZZ_WORLD_SRCS  := $(or $(strip $(WORLD_SRCS) $(XSIM_SRCS)),$(filter-out $(FUZZ_WORLD_MAINS),\
                      $(wildcard harness/world/*.c harness/oracle/*.c harness/workload/*.c harness/xensim/xsim*.c)))
FUZZ_SCN_SRCS    := $(filter-out $(FUZZ_WORLD_MAINS),$(wildcard harness/world/scenario*.c harness/world/ops*.c))

# --- the targets: entry file, hosted sources, whether it links grants/ (and so has mutants) ---
FUZZ_TARGETS :=
define fuzz_target # name, hosted sources, links grants (y/n), required file[, entry file]
ifneq ($$(wildcard $(4)),)
FUZZ_TARGETS      += $(1)
FUZZ_SRCS_$(1)    := $(or $(5),$(FUZZ_DIR)/targets/$(1)_fuzz.c) $(2)
FUZZ_GRANTS_$(1)  := $(3)
endif
endef
$(eval $(call fuzz_target,empty,,n,$(FUZZ_DIR)/targets/empty_fuzz.c))
$(eval $(call fuzz_target,world,$(FUZZ_WORLD_SRCS),y,harness/world/world*.c))
$(eval $(call fuzz_target,workload,$(FUZZ_WORLD_SRCS),y,harness/world/world*.c))
$(eval $(call fuzz_target,scenario,$(FUZZ_SCN_SRCS),n,harness/world/scenario_text.c))
# (d) the multi-process simulator's message handlers: engineer D1's xenstore server, and
# engineer D2's broker with the target D2 wrote beside it (harness/multiproc/tests/fuzz_broker.c).
# (Their fragments are read after this one, so their source lists are found here directly.)
$(eval $(call fuzz_target,xenstored,$(filter-out %_main.c,$(sort $(wildcard harness/xenstored/xs_*.c))),n,\
  harness/xenstored/xs_server.c))
$(eval $(call fuzz_target,broker,$(sort $(wildcard harness/multiproc/broker_*.c)),n,\
  harness/multiproc/tests/fuzz_broker.c,harness/multiproc/tests/fuzz_broker.c))

# Mutant ids per target: grants-linking targets get every mutant, the others only m0.
fuzz_mutants = 0 $(if $(filter y,$(FUZZ_GRANTS_$(1))),$(MUTANT_IDS))

# --- rules ---
define fuzz_engine_rules # engine
$(FUZZ_OUT)/obj/$(1)/%.o: %.c $$(FUZZ_HEADERS)
	@mkdir -p $$(@D)
	@echo "  CC-$(1) $$<"
	@$$(FUZZ_CC_$(1)) $$(HOST_CFLAGS) $$(FUZZ_INCLUDES) $$(FUZZ_CFLAGS_$(1)) -c $$< -o $$@
endef
$(foreach e,$(FUZZ_ENGINES),$(eval $(call fuzz_engine_rules,$(e))))

define fuzz_grants_rules # engine, mutant
$(FUZZ_OUT)/obj/$(1)/m$(2)/grants/%.o: grants/%.c $$(FUZZ_HEADERS) grants/mutants.def
	@mkdir -p $$(@D)
	@echo "  CC-$(1) $$< (mutant $(2))"
	@$$(FUZZ_CC_$(1)) $$(call FREE_CFLAGS,$(CLANG)) $$(FUZZ_CFLAGS_$(1)) $(if $(filter-out 0,$(2)),-DGNT_MUTANT=$(2)) -c $$< -o $$@
endef
$(foreach e,$(FUZZ_ENGINES),$(foreach m,0 $(MUTANT_IDS),$(eval $(call fuzz_grants_rules,$(e),$(m)))))

define fuzz_binary_rule # engine, target, mutant
$(FUZZ_OUT)/$(1)/$(2)-m$(3): $(patsubst %.c,$(FUZZ_OUT)/obj/$(1)/%.o,$(FUZZ_SRCS_$(2))) \
    $(if $(filter y,$(FUZZ_GRANTS_$(2))),$(patsubst %.c,$(FUZZ_OUT)/obj/$(1)/m$(3)/%.o,$(GRANTS_SRCS))) \
    $(FUZZ_DRIVER_$(1))
	@mkdir -p $$(@D)
	@echo "  LD-$(1) $$@"
	@$$(FUZZ_CC_$(1)) $$^ $$(FUZZ_LDFLAGS_$(1)) -o $$@
endef
$(foreach e,$(FUZZ_ENGINES),$(foreach t,$(FUZZ_TARGETS),$(foreach m,$(call fuzz_mutants,$(t)),\
  $(eval $(call fuzz_binary_rule,$(e),$(t),$(m))))))

FUZZ_BINS_M0 := $(foreach e,$(FUZZ_ENGINES),$(foreach t,$(FUZZ_TARGETS),$(FUZZ_OUT)/$(e)/$(t)-m0))

# --- user-facing targets ---
## fuzz: fuzzing campaign on the embedded simulator, AFL++ on all cores for 3 min by default (FUZZ_ARGS="--target world --engine afl|libfuzzer --time S --jobs N --mutant ID | --resume [DIR]")
## fuzz-build: build every fuzz target in every engine flavour (real library)
## killmatrix: fuzz every mutant from an empty corpus per engine; fails if one survives or the real library is flagged
## coverage: llvm-cov report of the fuzz targets over their corpora (build/fuzz/coverage/)
## fuzz-seeds: regenerate corpora/fuzz/<target>/ from corpora/scenarios/*.scn
.PHONY: fuzz-list-targets fuzz-manifest fuzz fuzz-build killmatrix coverage fuzz-seeds bench bench-fuzz \
        test-fuzz-smoke test-fuzz-triage test-fuzz-campaign test-killmatrix-short test-oss-fuzz-build test-fuzz-bad-corpus
fuzz-build: $(FUZZ_BINS_M0)

fuzz:
	@$(PYTHON) scripts/fuzz_campaign.py $(FUZZ_ARGS)

killmatrix:
	@$(PYTHON) scripts/killmatrix.py $(FUZZ_ARGS)

coverage: $(foreach t,$(FUZZ_TARGETS),$(FUZZ_OUT)/cov/$(t)-m0)
	@$(PYTHON) $(FUZZ_DIR)/coverage_report.py $(FUZZ_TARGETS)

fuzz-seeds:
	@$(PYTHON) $(FUZZ_DIR)/make_seeds.py

# Other parts append their bench-* targets to BENCHES; `make bench` runs them all (the recipe is
# expanded at run time, so fragments included after this one count too).
BENCHES += bench-fuzz
## bench: run every benchmark of the project (BENCHES) and print its figures
bench:
	@$(MAKE) --no-print-directory -k $(BENCHES)
## bench-fuzz: execs/s of each fuzz target vs an empty target, reset cost, MSA02 median time over 5 seeds
bench-fuzz:
	@$(PYTHON) scripts/fuzz_bench.py

# --- tests ---
## test-fuzz-smoke: every fuzz target a few thousand executions over its corpus on libFuzzer and AFL++, plus its coverage build
## test-fuzz-triage: findings grouping on real world reports: noise groups together, other stories and clean runs do not
## test-fuzz-campaign: make fuzz end to end: MSA02 found, grouped, minimized, replayable; an interrupted campaign resumes clean
## test-killmatrix-short: MSA02 and XSA-396 found from an empty corpus by both engines; the real library fuzzed clean
## test-oss-fuzz-build: oss-fuzz/build.sh run with OSS-Fuzz's variables (libFuzzer ASan, AFL++), binaries run on seeds
## test-fuzz-bad-corpus: bad seed directories and files get one clear error line from the drivers
TESTS += test-fuzz-smoke test-fuzz-triage test-fuzz-campaign test-killmatrix-short test-oss-fuzz-build test-fuzz-bad-corpus
test-fuzz-smoke:
	@$(PYTHON) $(FUZZ_DIR)/tests/smoke.py
test-killmatrix-short:
	@$(PYTHON) scripts/killmatrix.py --short
test-oss-fuzz-build:
	@bash $(FUZZ_DIR)/tests/oss_fuzz_build.sh
test-fuzz-bad-corpus:
	@$(PYTHON) $(FUZZ_DIR)/tests/bad_corpus.py
test-fuzz-campaign:
	@$(PYTHON) $(FUZZ_DIR)/tests/campaign.py
test-fuzz-triage:
	@$(PYTHON) $(FUZZ_DIR)/tests/triage.py

fuzz-list-targets:
	@echo $(FUZZ_TARGETS)
# One line per target for harness/fuzz/oss-fuzz/build.sh: name, links grants (y/n), hosted sources.
fuzz-manifest:
	@$(foreach t,$(filter-out empty,$(FUZZ_TARGETS)),echo "$(t) $(FUZZ_GRANTS_$(t)) $(FUZZ_SRCS_$(t))";)
	@echo "grants - $(GRANTS_SRCS)"

# --- tools: text <-> binary scenarios (seeds, readable findings) ---
$(FUZZ_OUT)/tools/scnconv: $(FUZZ_DIR)/tools/scnconv.c $(FUZZ_SCN_SRCS) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CC) $(HOST_CFLAGS) $(filter %.c,$^) -o $@
$(FUZZ_OUT)/tools/reset_bench: $(FUZZ_DIR)/tools/reset_bench.c $(FUZZ_WORLD_SRCS) $(GRANTS_SRCS) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CC) $(HOST_CFLAGS) $(filter %.c,$^) -o $@
$(FUZZ_OUT)/tools/xs_seeds: $(FUZZ_DIR)/tools/xs_seeds.c
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CC) $(HOST_CFLAGS) $< -o $@
