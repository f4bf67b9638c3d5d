# harness/fuzz/fuzz.mk - fuzz targets in every engine flavour, mutant builds, campaigns, kill matrix.
#
# A binary is build/fuzz/<engine>/<target>, and for the targets that run a grant library
# build/fuzz/<engine>/<target>-<library>-<mutant> (a variant of mk/targets.mk; mutant `fixed` is the
# library as shipped): engine is libfuzzer (ASan+UBSan), afl (afl-clang-fast, persistent-mode
# shim), cmplog (its CmpLog twin) or cov (llvm-cov, replay driver). The library itself is compiled
# with the flavour of the same name (mk/targets.mk: load/store hooks included). The Python drivers
# build what they need through these rules: `make build/fuzz/afl/world-grants-msa02`.

FUZZ_OUT     := $(BUILD)/fuzz
FUZZ_DIR     := harness/fuzz
AFL_CC       ?= afl-clang-fast
FUZZ_ENGINES := libfuzzer afl cmplog cov
FUZZ_ARGS    ?=
FUZZ_HEADERS  = $(wildcard harness/*/*.h harness/*/*.def harness/fuzz/targets/*.h)
# The xenstore server and the broker include their own headers by bare name.
FUZZ_INCLUDES := -Iharness/xenstored -Iharness/multiproc

# --- engine flavours: compiler, compile flags, link flags, driver object ---
FUZZ_CC_libfuzzer      := $(CLANG)
FUZZ_CFLAGS_libfuzzer  := -O2 -g -fsanitize=fuzzer-no-link $(SAN_FLAGS)
# The world around the library (simulator, oracle, workload, scheduler) is harness, not code under
# test: compiled with ASan+UBSan but no coverage (FUZZ_HARNESS_SRCS). Its compares traced for
# libFuzzer's compare table cost more than the rest of a run, and its edges only add per-input work
# to libFuzzer's feature collection; the library's own edges and compares are what guide the fuzzer
# to its bugs. The input decoding and the entry files keep their edges but trace no compares
# (FUZZ_DECODE_SRCS: every byte string decodes, by modulo, so there is no magic value to learn).
# The library keeps the engine's full coverage (mk/targets.mk), the other targets' code too.
FUZZ_HARNESS_CFLAGS_libfuzzer ?= -fno-sanitize-coverage=trace-cmp,indirect-calls,stack-depth,inline-8bit-counters,pc-table
FUZZ_DECODE_CFLAGS_libfuzzer  ?= -fno-sanitize-coverage=trace-cmp,stack-depth
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
FUZZ_DRIVER_cov        := $(FUZZ_OUT)/obj/cov/$(FUZZ_DIR)/replay_main.o $(FUZZ_OUT)/obj/cov/harness/seam/seam_cov_stubs.o

# --- the code under test, shared by the targets ---
# The in-process world: world.mk's WORLD_SRCS (world, oracle, workload, seam hooks) and xensim.mk's
# XSIM_SRCS; the scenario codec alone for the parser target.
FUZZ_WORLD_SRCS  := $(WORLD_SRCS) $(XSIM_SRCS)
FUZZ_SCN_SRCS    := harness/world/scenario_bin.c harness/world/scenario_text.c
# The harness part of the world and the decoding of the world targets' inputs: compiled with
# FUZZ_HARNESS_CFLAGS_<engine> / FUZZ_DECODE_CFLAGS_<engine> on top (see there).
# Our frontends are code under test (the device targets): they keep the engines' coverage.
FUZZ_HARNESS_SRCS := $(filter-out $(FUZZ_SCN_SRCS) $(WORLD_FRONT_SRCS),$(FUZZ_WORLD_SRCS))
FUZZ_DECODE_SRCS  := harness/world/scenario_bin.c $(FUZZ_DIR)/targets/world_fuzz.c $(FUZZ_DIR)/targets/workload_fuzz.c \
                     $(FUZZ_DIR)/targets/blkfront_fuzz.c $(FUZZ_DIR)/targets/netfront_fuzz.c

# --- the targets: entry file, hosted sources, whether it runs a grant library (and so has variants) ---
FUZZ_TARGETS :=
define fuzz_target # name, hosted sources, runs a library (y/n)[, entry file]
FUZZ_TARGETS      += $(1)
FUZZ_SRCS_$(1)    := $(or $(4),$(FUZZ_DIR)/targets/$(1)_fuzz.c) $(2)
FUZZ_LIB_$(1)     := $(3)
endef
$(eval $(call fuzz_target,empty,,n))
$(eval $(call fuzz_target,world,$(FUZZ_WORLD_SRCS),y))
$(eval $(call fuzz_target,workload,$(FUZZ_WORLD_SRCS),y))
# The device worlds: our blkfront / netfront on each library variant, and each frontend variant of
# the device (mk/fronts.mk) on its library.
$(eval $(call fuzz_target,blkfront,$(FUZZ_WORLD_SRCS),y))
$(eval $(call fuzz_target,netfront,$(FUZZ_WORLD_SRCS),y))
FUZZ_DEVICE_blkfront := vbd
FUZZ_DEVICE_netfront := vif
$(eval $(call fuzz_target,scenario,$(FUZZ_SCN_SRCS),n))
# The multi-process simulator's message handlers: the xenstore server, and the broker with the
# target beside it (harness/multiproc/tests/fuzz_broker.c). Their fragments are read after this
# one, so their source lists are found here directly.
$(eval $(call fuzz_target,xenstored,$(filter-out %_main.c,$(sort $(wildcard harness/xenstored/xs_*.c))),n))
$(eval $(call fuzz_target,broker,$(sort $(wildcard harness/multiproc/broker_*.c)),n,harness/multiproc/tests/fuzz_broker.c))
# Their entry files decode the input (every byte string decodes, by modulo) and check the results:
# edges but no compare tracing, as FUZZ_DECODE_SRCS (its hooks were a fifth of a libFuzzer run of
# xenstored); the server and the broker, the code under test, keep the engine's full coverage.
$(FUZZ_OUT)/obj/libfuzzer/$(FUZZ_DIR)/targets/xenstored_fuzz.o $(FUZZ_OUT)/obj/libfuzzer/harness/multiproc/tests/fuzz_broker.o: \
  FUZZ_CFLAGS_libfuzzer += $(FUZZ_DECODE_CFLAGS_libfuzzer)
# UBSan's alignment and pointer-overflow checks are integer compares on the address of nearly every
# load, store and pointer step; SanitizerCoverage, which runs after them, traced each one as a
# compare (__sanitizer_cov_trace_const_cmp8 on a pointer's low bits: nothing for libFuzzer to
# learn) and gave each its own edge counter: in xenstored they were 770 of the 1185 compare hooks
# and 590 of the 1830 edges, their hooks about a fifth of a libFuzzer run. Both checks stay in the
# unit tests and the ASan daemon built from the same sources (test-xenstored-unit,
# test-xenstored); x86 does misaligned accesses, a wrapped pointer that is used is ASan's. The
# null check, the bounds, integer and the other UBSan checks stay here (a null compare is a
# pointer compare, which is not traced).
FUZZ_MP_UBSAN_TRIM := -fno-sanitize=alignment,pointer-overflow
$(patsubst %.c,$(FUZZ_OUT)/obj/libfuzzer/%.o,$(FUZZ_SRCS_xenstored) $(FUZZ_SRCS_broker)): \
  FUZZ_CFLAGS_libfuzzer += $(FUZZ_MP_UBSAN_TRIM)

# The binary of a target (and variant, for the targets that run a library).
fuzz_binary = $(FUZZ_OUT)/$(1)/$(2)$(if $(3),-$(subst /,-,$(3)))

# --- rules ---
define fuzz_engine_rules # engine
$(FUZZ_OUT)/obj/$(1)/%.o: %.c $$(FUZZ_HEADERS)
	@mkdir -p $$(@D)
	@echo "  CC-$(1) $$<"
	@$$(FUZZ_CC_$(1)) $$(HOST_CFLAGS) $$(FUZZ_INCLUDES) $$(FUZZ_CFLAGS_$(1)) \
	  $$(if $$(filter $$<,$$(FUZZ_HARNESS_SRCS)),$$(FUZZ_HARNESS_CFLAGS_$(1))) \
	  $$(if $$(filter $$<,$$(FUZZ_DECODE_SRCS)),$$(FUZZ_DECODE_CFLAGS_$(1))) -c $$< -o $$@
endef
$(foreach e,$(FUZZ_ENGINES),$(eval $(call fuzz_engine_rules,$(e))))

define fuzz_binary_rule # engine, target, variant (empty for a target without a library)
$(call fuzz_binary,$(1),$(2),$(3)): $(patsubst %.c,$(FUZZ_OUT)/obj/$(1)/%.o,$(FUZZ_SRCS_$(2))) \
    $(if $(3),$(call target_archive,$(1),$(3))) $(FUZZ_DRIVER_$(1))
	@mkdir -p $$(@D)
	@echo "  LD-$(1) $$@"
	@$$(FUZZ_CC_$(1)) $$^ $$(FUZZ_LDFLAGS_$(1)) -o $$@
endef
$(foreach e,$(FUZZ_ENGINES),$(foreach t,$(FUZZ_TARGETS),\
  $(if $(filter y,$(FUZZ_LIB_$(t))),$(foreach v,$(VARIANTS),$(eval $(call fuzz_binary_rule,$(e),$(t),$(v)))),\
    $(eval $(call fuzz_binary_rule,$(e),$(t),)))))

# A device target on a frontend variant: the world without our frontends, the variant's object, its
# library's unmutated archive.
define fuzz_front_rule # engine, target, frontend variant
$(call fuzz_binary,$(1),$(2),$(3)): $(patsubst %.c,$(FUZZ_OUT)/obj/$(1)/%.o,$(filter-out $(WORLD_FRONT_SRCS),$(FUZZ_SRCS_$(2)))) \
    $(call front_object,$(1),$(3)) $(call target_archive,$(1),$(call front_library,$(3))) $(FUZZ_DRIVER_$(1))
	@mkdir -p $$(@D)
	@echo "  LD-$(1) $$@"
	@$$(FUZZ_CC_$(1)) $$^ $$(FUZZ_LDFLAGS_$(1)) -o $$@
endef
$(foreach e,$(FUZZ_ENGINES),$(foreach t,blkfront netfront,\
  $(foreach v,$(FRONT_VARIANTS_$(FUZZ_DEVICE_$(t))),$(eval $(call fuzz_front_rule,$(e),$(t),$(v))))))

# Every target's build on each fixed library (or alone), per engine.
fuzz_fixed_bins = $(foreach t,$(FUZZ_TARGETS),$(if $(filter y,$(FUZZ_LIB_$(t))),\
  $(foreach l,$(LIBS),$(call fuzz_binary,$(1),$(t),$(l)/fixed)),$(call fuzz_binary,$(1),$(t),)))
FUZZ_BINS_FIXED := $(foreach e,$(FUZZ_ENGINES),$(call fuzz_fixed_bins,$(e)))

# --- user-facing targets ---
## fuzz: fuzzing campaign on the embedded simulator, all cores for 3 min, engine chosen by make bench-engines; world targets in continue mode, only new root causes reported (FUZZ_ARGS="--target world|workload|blkfront|netfront --engine hybrid|afl|libfuzzer --time S --jobs N --library L --mutant NAME --known REPORT | --resume [DIR] | --sync-dir DIR --role main|secondary --host-id NAME: one campaign across hosts"; TARGET=<dir> for your library; FRONT=<dir> and --target blkfront|netfront --library <front> for your frontend)
## fuzz-build: build every fuzz target in every engine flavour (fixed libraries)
## killmatrix: fuzz every mutant of every library and frontend from an empty corpus per engine; fails if one survives or a fixed build is flagged (FUZZ_ARGS="--library L|none --mutants LIB/M,... --fronts all|none|F/M,... --budget S")
## coverage: llvm-cov report of the fuzz targets on each fixed library over their corpora (build/fuzz/coverage/)
## fuzz-seeds: regenerate corpora/fuzz/<target>/ from corpora/scenarios/*.scn
.PHONY: fuzz-list-targets fuzz-manifest fuzz fuzz-build killmatrix coverage fuzz-seeds bench bench-fuzz \
        test-fuzz-smoke test-fuzz-triage test-fuzz-campaign test-killmatrix-short test-oss-fuzz-build test-fuzz-bad-corpus
fuzz-build: $(FUZZ_BINS_FIXED)

fuzz:
	@$(PYTHON) scripts/fuzz_campaign.py $(FUZZ_ARGS)

killmatrix:
	@$(PYTHON) scripts/killmatrix.py $(FUZZ_ARGS)

coverage: $(call fuzz_fixed_bins,cov)
	@$(PYTHON) $(FUZZ_DIR)/coverage_report.py $(FUZZ_TARGETS)

fuzz-seeds:
	@$(PYTHON) $(FUZZ_DIR)/make_seeds.py

## test-fuzz-seeds: the committed seeds and dictionaries are what `make fuzz-seeds` makes of today's scenarios (git stays clean)
.PHONY: test-fuzz-seeds
TESTS += test-fuzz-seeds
test-fuzz-seeds:
	@$(PYTHON) $(FUZZ_DIR)/make_seeds.py >/dev/null
	@d=$$(git status --porcelain -- corpora/fuzz); if [ -z "$$d" ]; then echo "ok - regenerated seeds and dictionaries equal the committed ones"; \
	  else echo "not ok - corpora/fuzz is stale (run make fuzz-seeds and commit):"; echo "$$d" | head -5; exit 1; fi

# Other parts append their bench-* targets to BENCHES; `make bench` runs them all (the recipe is
# expanded at run time, so fragments included after this one count too).
BENCHES += bench-fuzz
## bench: run every benchmark of the project (BENCHES) and print its figures
bench:
	@$(MAKE) --no-print-directory -k $(BENCHES)
## bench-fuzz: per-input and per-step cost of the world targets in their libFuzzer build; execs/s of each fuzz target vs the empty target (same run, both numbers, core count); a 60 s libFuzzer campaign per world target from the seeds (average execs/s); grants/msa02 median time to find over 5 seeds. About 3.5 minutes
bench-fuzz:
	@$(PYTHON) scripts/fuzz_bench.py $(FUZZ_ARGS)
## bench-campaign: the campaign figure of bench-fuzz over 10 minutes per world target (average execs/s from the committed seeds)
.PHONY: bench-campaign
bench-campaign:
	@$(PYTHON) scripts/fuzz_bench.py --campaign-only --campaign-secs 600
## bench-known: fuzzing past known bugs, side by side: libFuzzer execs/s on variants that violate on many inputs vs their fixed twins, aborting at each violation vs continue mode (goal: >= 0.5x the twin in continue mode); a second bug behind a shallow one, found or not in each mode (3 seeds each). About 7 minutes
.PHONY: bench-known
bench-known:
	@$(PYTHON) scripts/fuzz_bench.py --known $(FUZZ_ARGS)

# --- tests ---
## test-fuzz-instrumentation: libFuzzer build: the world's harness objects carry no coverage (ASan only), the decoding and entry files edges but no compare tracing, the library edges, compares and load/store hooks
.PHONY: test-fuzz-instrumentation
TESTS += test-fuzz-instrumentation
FUZZ_LF_OBJ = $(patsubst %.c,$(FUZZ_OUT)/obj/libfuzzer/%.o,$(1))
test-fuzz-instrumentation: $(foreach t,world workload blkfront netfront,$(call fuzz_binary,libfuzzer,$(t),$(firstword $(LIBS))/fixed))
	@rc=0; for o in $(call FUZZ_LF_OBJ,$(FUZZ_HARNESS_SRCS)); do \
	  if nm -u $$o | grep -q __sanitizer_cov_ || objdump -h $$o | grep -q sancov; then echo "not ok - $$o carries coverage instrumentation"; rc=1; fi; \
	  nm -u $$o | grep -q __asan_ || { echo "not ok - $$o lost ASan"; rc=1; }; done; \
	  [ $$rc = 0 ] && echo "ok - $(words $(FUZZ_HARNESS_SRCS)) harness objects: ASan, no coverage"; \
	  for o in $(call FUZZ_LF_OBJ,$(FUZZ_DECODE_SRCS)); do \
	  if nm -u $$o | grep -q __sanitizer_cov_trace_; then echo "not ok - $$o traces compares"; rc=1; fi; \
	  objdump -h $$o | grep -q sancov_cntrs || { echo "not ok - $$o has no edge counters"; rc=1; }; done; \
	  [ $$rc = 0 ] && echo "ok - decoding and entry files: edge counters, no compare tracing"; \
	  a=$(call target_archive,libfuzzer,$(firstword $(LIBS))/fixed); \
	  for sym in __sanitizer_cov_trace_const_cmp __sanitizer_cov_load __sanitizer_cov_store; do \
	  nm -u $$a | grep -q $$sym || { echo "not ok - the library archive $$a lacks $$sym"; rc=1; }; done; \
	  objdump -h $$a | grep -q sancov_cntrs || { echo "not ok - the library archive has no edge counters"; rc=1; }; \
	  [ $$rc = 0 ] && echo "ok - the library keeps edges, compare tracing and the load/store hooks"; exit $$rc
## test-fuzz-smoke: every fuzz target (on every fixed library) a few thousand executions over its corpus on libFuzzer and AFL++, plus its coverage build
## test-fuzz-triage: one bug, one finding on real runs: many inputs of grants/msa02 one group, msa02 vs cve23041 two, end-of-run checks by message, fixed libraries nothing
## test-fuzz-campaign: make fuzz end to end (default engine): grants/msa02 found as one finding, minimized, replayable; a SIGTERMed campaign resumes clean; a driver SIGKILLed 3 times resumes with nothing lost
## test-killmatrix-short: grants/msa02, grants/xsa396, gtab/xsa396 found from an empty corpus by both engines; each fixed library fuzzed clean briefly
## test-oss-fuzz-build: the ClusterFuzzLite layout and workflows; .clusterfuzzlite/build.sh run as ClusterFuzzLite's compile runs it (base-builder variables, libFuzzer ASan) and through OSS-Fuzz's entry with AFL++: <target>-<lib> binaries run on seeds, load/store hooks in the library only
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
# One line per target: name, runs a library (y/n). The drivers and oss-fuzz/build.sh ask this.
fuzz-manifest:
	@$(foreach t,$(filter-out empty,$(FUZZ_TARGETS)),echo "$(t) $(FUZZ_LIB_$(t))";)

# --- tools: text <-> binary scenarios (seeds, readable findings) ---
$(FUZZ_OUT)/tools/scnconv: $(FUZZ_DIR)/tools/scnconv.c $(FUZZ_SCN_SRCS) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CC) $(HOST_CFLAGS) $(filter %.c,$^) -o $@
# What one input costs inside a world target, in its libFuzzer build (ASan+UBSan, the same coverage
# flags, the load/store hooks, libFuzzer's callbacks from its no-main runtime): bench-fuzz's
# reset, per-seed and per-step figures. build/fuzz/tools/input_cost-<target>-<library>-<mutant>.
FUZZ_NO_MAIN_RT = $(shell $(CLANG) -print-file-name=libclang_rt.fuzzer_no_main-x86_64.a)
define input_cost_rule # target, variant
$(FUZZ_OUT)/tools/input_cost-$(1)-$(subst /,-,$(2)): $(FUZZ_OUT)/obj/libfuzzer/$(FUZZ_DIR)/tools/input_cost.o \
    $(patsubst %.c,$(FUZZ_OUT)/obj/libfuzzer/%.o,$(FUZZ_SRCS_$(1))) $(call target_archive,libfuzzer,$(2))
	@mkdir -p $$(@D)
	@echo "  LD $$@"
	@$$(FUZZ_CC_libfuzzer) $$^ $$(FUZZ_NO_MAIN_RT) $(SAN_FLAGS) -lstdc++ -lm -o $$@
endef
$(foreach t,world workload,$(foreach v,$(VARIANTS),$(eval $(call input_cost_rule,$(t),$(v)))))
$(FUZZ_OUT)/tools/xs_seeds: $(FUZZ_DIR)/tools/xs_seeds.c
	@mkdir -p $(@D)
	@echo "  LD $@"
	@$(CC) $(HOST_CFLAGS) $< -o $@
