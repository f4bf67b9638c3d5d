# harness/multiproc/multiproc.mk - the multi-process simulated Xen (broker daemon, drop-in Xen
# libraries, xensim CLI, the target process), its tests and benchmark. The peer is built by
# peer/peer.mk.
MP_DIR   := harness/multiproc
MP_OUT   := $(BUILD)/multiproc
MP_LIBD  := $(MP_OUT)/lib
MP_CFLAGS := $(HOST_CFLAGS) -I$(MP_DIR)

MP_BROKER_SRCS := $(MP_DIR)/broker_core.c $(MP_DIR)/broker_gnttab.c $(MP_DIR)/broker_evtchn.c
MP_BROKER_HDRS := $(MP_DIR)/broker.h $(MP_DIR)/proto.h
MP_BROKER_LIB  := $(MP_OUT)/libmpbroker.a
MP_BROKERD     := $(MP_OUT)/gntfuzz-broker
MP_DROPINS     := $(MP_LIBD)/libxengnttab.so.1 $(MP_LIBD)/libxenevtchn.so.1 $(MP_LIBD)/libxenctrl.so.4.17
MP_XENSIM      := $(MP_OUT)/xensim
MP_LIB_DEPS    := $(MP_DIR)/lib/client.c $(MP_DIR)/lib/client.h $(MP_DIR)/proto.h $(MP_DIR)/spin.h

## multiproc: build the broker daemon, the drop-in libxengnttab/libxenevtchn/libxenctrl and the xensim CLI
.PHONY: multiproc test-dropin bench-sim
multiproc: $(MP_BROKERD) $(MP_DROPINS) $(MP_XENSIM) $(MP_BROKER_LIB)

# The pure handler as an archive, for fuzz targets: mp_broker_init(..., live=0) + mp_handle.
$(MP_BROKER_LIB): $(MP_BROKER_SRCS) $(MP_BROKER_HDRS)
	@mkdir -p $(MP_OUT)/obj
	$(CC) $(MP_CFLAGS) -c $(MP_DIR)/broker_core.c -o $(MP_OUT)/obj/broker_core.o
	$(CC) $(MP_CFLAGS) -c $(MP_DIR)/broker_gnttab.c -o $(MP_OUT)/obj/broker_gnttab.o
	$(CC) $(MP_CFLAGS) -c $(MP_DIR)/broker_evtchn.c -o $(MP_OUT)/obj/broker_evtchn.o
	ar rcs $@ $(MP_OUT)/obj/broker_core.o $(MP_OUT)/obj/broker_gnttab.o $(MP_OUT)/obj/broker_evtchn.o

$(MP_BROKERD): $(MP_DIR)/brokerd.c $(MP_DIR)/spin.h $(MP_BROKER_LIB)
	$(CC) $(MP_CFLAGS) $< $(MP_BROKER_LIB) -o $@

# Drop-ins: Debian's sonames and symbol versions (version scripts), built against Debian's headers.
$(MP_LIBD)/libxengnttab.so.1: $(MP_DIR)/lib/gnttab.c $(MP_DIR)/lib/libxengnttab.map $(MP_LIB_DEPS)
	@mkdir -p $(MP_LIBD)
	$(CC) $(MP_CFLAGS) -fPIC -shared -Wl,-soname,libxengnttab.so.1 \
	  -Wl,--version-script=$(MP_DIR)/lib/libxengnttab.map $< $(MP_DIR)/lib/client.c -lpthread -o $@
$(MP_LIBD)/libxenevtchn.so.1: $(MP_DIR)/lib/evtchn.c $(MP_DIR)/lib/libxenevtchn.map $(MP_LIB_DEPS)
	@mkdir -p $(MP_LIBD)
	$(CC) $(MP_CFLAGS) -fPIC -shared -Wl,-soname,libxenevtchn.so.1 \
	  -Wl,--version-script=$(MP_DIR)/lib/libxenevtchn.map $< $(MP_DIR)/lib/client.c -lpthread -o $@
$(MP_LIBD)/libxenctrl.so.4.17: $(MP_DIR)/lib/xenctrl.c $(MP_DIR)/lib/libxenctrl.map $(MP_LIB_DEPS)
	@mkdir -p $(MP_LIBD)
	$(CC) $(MP_CFLAGS) -fPIC -shared -Wl,-soname,libxenctrl.so.4.17 \
	  -Wl,--version-script=$(MP_DIR)/lib/libxenctrl.map $< $(MP_DIR)/lib/client.c -lpthread -o $@

$(MP_XENSIM): $(MP_DIR)/xensim.py
	@mkdir -p $(MP_OUT)
	cp $< $@ && chmod +x $@

# Tests of the drop-ins: linked against Debian's libraries, run with ours through xensim run.
MP_TEST_DROPIN := $(MP_OUT)/test_dropin
$(MP_TEST_DROPIN): $(MP_DIR)/tests/test_dropin.c $(MP_DIR)/proto.h
	@mkdir -p $(MP_OUT)
	$(CC) $(MP_CFLAGS) $< -lxengnttab -lxenevtchn -lxenctrl -o $@

## test-dropin: drop-ins vs Debian's ABI and a live broker: map/unmap/notify, r/o SIGSEGV, hostile messages, kills, pause, Debian's vchan-socket-proxy
test-dropin: multiproc $(MP_TEST_DROPIN) $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) $(MP_DIR)/tests/run_dropin.py $(MP_OUT)
TESTS += test-dropin

MP_BENCH := $(MP_OUT)/bench_sim
$(MP_BENCH): $(MP_DIR)/bench_sim.c $(MP_DIR)/proto.h
	@mkdir -p $(MP_OUT)
	$(CC) $(MP_CFLAGS) $< -lxengnttab -lxenevtchn -o $@

BENCHES += bench-sim
## bench-sim: grant map+unmap/s through the drop-in vs raw memfd mmap+munmap (ratio), event notify round trips/s
bench-sim: multiproc $(MP_BENCH)
	@$(PYTHON) $(MP_DIR)/xensim.py bench --out $(MP_OUT) -- $(MP_BENCH)

# The target process, one per variant (LIB/MUTANT of mk/targets.mk): the frontend and the host
# side of the seam (the memfd pages, the oracle), built once, linked with the variant's target
# archive (library + adapter + names, flavour mp); Debian's -lxenevtchn -lxenstore at link time.
# build/multiproc/<library>/<mutant>/gntfuzz-target ("fixed": the library as shipped).
# harness/devices: our PV device frontends (blkfront, netfront; --device vbd|vif), freestanding
# (not the frontend seam's files: front_*.c belong to the in-process device world).
DEVICES_FRONT_SRCS := $(filter-out harness/devices/front_%,$(sort $(wildcard harness/devices/*.c)))
MP_TARGET_SRCS := $(MP_DIR)/target/target_main.c $(MP_DIR)/target/target_platform.c $(MP_DIR)/lib/client.c \
                  harness/seam/seam_check.c $(WORKLOAD_FRONTEND_SRCS) $(DEVICES_FRONT_SRCS)
MP_TARGET_HDRS := $(MP_DIR)/target/target.h $(MP_DIR)/proto.h $(MP_DIR)/spin.h $(MP_DIR)/lib/client.h \
                  harness/seam/seam.h $(wildcard harness/workload/*.h) $(wildcard harness/devices/*.h)
MP_TARGET_OBJD := $(MP_OUT)/target-obj
MP_TARGET_OBJS := $(addprefix $(MP_TARGET_OBJD)/,$(notdir $(MP_TARGET_SRCS:.c=.o)))
mp_target       = $(MP_OUT)/$(1)/gntfuzz-target
MP_TARGETS     := $(foreach v,$(VARIANTS_mp),$(call mp_target,$(v)))

define MP_TARGET_OBJ_RULE
$(MP_TARGET_OBJD)/$(notdir $(1:.c=.o)): $(1) $(MP_TARGET_HDRS)
	@mkdir -p $$(@D)
	$(CC) $(MP_CFLAGS) -Iharness/workload -Iharness/devices -c $$< -o $$@
endef
$(foreach src,$(MP_TARGET_SRCS),$(eval $(call MP_TARGET_OBJ_RULE,$(src))))

define MP_TARGET_RULE
$(call mp_target,$(1)): $(MP_TARGET_OBJS) $(call target_archive,mp,$(1))
	@mkdir -p $$(@D)
	$(CC) $(MP_TARGET_OBJS) $(call target_archive,mp,$(1)) -lxenevtchn -lxenstore -lpthread -o $$@
endef
$(foreach v,$(VARIANTS_mp),$(eval $(call MP_TARGET_RULE,$(v))))

# A target process whose frontend (ours: blkfront, netfront) is built as one of its mutants (the
# FRONT_MUTANT_FLAGS of frontends/<front>/front.mk), for sim_attack.py's LIB/MUT+FRONT/FMUT cells:
# build/multiproc/front/<front>/<fmut>/<lib>/<mut>/gntfuzz-target. Only the driver's object differs.
MP_FRONT_SRC.blkfront := harness/devices/blkfront.c
MP_FRONT_SRC.netfront := harness/devices/netfront.c
MP_FRONT_VARIANTS := $(foreach f,$(filter $(FRONTS),blkfront netfront),$(addprefix $(f)/,$(FRONT_$(f)_MUTANTS)))
mp_front_target = $(MP_OUT)/front/$(1)/$(2)/gntfuzz-target
define MP_FRONT_RULE # FRONT/FMUT
$(MP_OUT)/front/$(1)/obj.o: $(MP_FRONT_SRC.$(call variant_lib,$(1))) $(MP_TARGET_HDRS) $(FRONT_$(call variant_lib,$(1))_DIR)/front.mk
	@mkdir -p $$(@D)
	$(CC) $(MP_CFLAGS) -Iharness/workload -Iharness/devices $(FRONT_$(call variant_lib,$(1))_FLAGS.$(call variant_mutant,$(1))) -c $$< -o $$@
$(foreach v,$(VARIANTS_mp),$(eval $(call MP_FRONT_TARGET_RULE,$(1),$(v))))
endef
define MP_FRONT_TARGET_RULE # FRONT/FMUT, LIB/MUT
$(call mp_front_target,$(1),$(2)): $(filter-out $(MP_TARGET_OBJD)/$(call variant_lib,$(1)).o,$(MP_TARGET_OBJS)) \
    $(MP_OUT)/front/$(1)/obj.o $(call target_archive,mp,$(2))
	@mkdir -p $$(@D)
	$(CC) $$^ -lxenevtchn -lxenstore -lpthread -o $$@
endef
$(foreach f,$(MP_FRONT_VARIANTS),$(eval $(call MP_FRONT_RULE,$(f))))

## mp-targets: build the target process build/multiproc/<library>/<mutant>/gntfuzz-target for every variant (make list-variants)
.PHONY: mp-targets
mp-targets: $(MP_TARGETS)
# The target processes of a list of variants: a test builds only those it plays (LIB/MUT+FRONT/FMUT:
# with that frontend mutant).
mp_targets_of = $(foreach v,$(1),$(if $(findstring +,$(v)),$(call mp_front_target,$(word 2,$(subst +, ,$(v))),$(word 1,$(subst +, ,$(v)))),$(call mp_target,$(v))))

## sim-attack: target process vs malicious peer, every strategy x every variant (each library fixed and its mutants), the workload and the PV devices (vbd, vif); verdict table
.PHONY: sim-attack test-sim-attack
sim-attack: multiproc mp-targets peer $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) scripts/sim_attack.py --build $(BUILD)
# In `make test`: every fixed build, and the mutants of the reference library that sim-attack must
# catch (MUST_CATCH in scripts/sim_attack.py) plus the second library's MSA02 and plain-store
# XSA-396. The full matrix, with the memory-order mutants real CPUs rarely show in a short run,
# is `make sim-attack`, nightly.
SIM_ATTACK_TEST_ONLY ?= $(foreach l,$(TEST_LIBS_mp),$(l)/fixed) \
                        $(filter $(addprefix grants/,msa02 xsa396 cve23041 ro_reading v2_header flags_first ref_double_free lost_deferred),$(VARIANTS)) \
                        $(filter gtab/msa02 gtab/xsa396,$(VARIANTS))
# Single cells beside that matrix (sim_attack.py --cells COLUMN=VARIANT,...): a column's own proof
# in `make test`, one fixed build that holds and one mutant caught in that very cell, for columns
# the full runs play on every build (here race-end@v2, a race on grant table v2: XSA-396's
# query-then-clear of the header).
SIM_ATTACK_TEST_CELLS ?= race-end@v2=gtab/fixed,grants/xsa396
# the full run's other new columns, in `make test` only as the cells above
SIM_ATTACK_TEST_EXCLUDE ?= race-end@v2 storm@v2
sim_comma := ,
sim_cells_variants = $(foreach v,$(foreach c,$(1),$(subst $(sim_comma), ,$(word 2,$(subst =, ,$(c))))),\
  $(if $(filter $(VARIANTS_mp),$(word 1,$(subst +, ,$(v)))),$(v)))
## test-sim-attack: sim-attack on every fixed build and a chosen set of mutants (SIM_ATTACK_TEST_ONLY), plus single cells (SIM_ATTACK_TEST_CELLS)
test-sim-attack: multiproc $(call mp_targets_of,$(SIM_ATTACK_TEST_ONLY) $(call sim_cells_variants,$(SIM_ATTACK_TEST_CELLS))) \
                 peer $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) scripts/sim_attack.py --build $(BUILD) --devices wl --only "$(strip $(SIM_ATTACK_TEST_ONLY))" \
	  --exclude "$(strip $(SIM_ATTACK_TEST_EXCLUDE))" --cells "$(strip $(SIM_ATTACK_TEST_CELLS))"
TESTS += test-sim-attack

# The vbd columns in `make test`: our blkfront on every fixed build (must hold) and each library's
# MSA02 (must be caught), under a few strategies (the whole vbd matrix: `make sim-attack`).
SIM_ATTACK_VBD_TEST_ONLY ?= $(foreach l,$(TEST_LIBS_mp),$(l)/fixed) $(filter $(addsuffix /msa02,$(TEST_LIBS_mp)),$(VARIANTS_mp))
SIM_ATTACK_VBD_TEST_STRATEGIES ?= honest forged-done persistent-abuse
# stale-map's own proof: a fixed build holds, and an end that ignores its swap's result is caught
# (the map raced into the swap, the page freed and the ref granted again under the held maps)
# The rings the peer keeps after the frontend let go are watched: hold-closed holds on a fixed build,
# and blkfront's ring_free mutant (its ring pages freed whatever their end answered, CVE-2022-23040's
# shape) is caught, by the black-box oracle too. The 32-bit ring layout (a fixed build holds, msa02
# caught), no protocol key, and frontends that skip Initialised, never write Connected, or stop at
# Closing: every cell must play (and the reconnecting strategies come back).
SIM_ATTACK_VBD_TEST_CELLS ?= vbd:stale-map=gtab/fixed,grants/swap_ignored \
                             vbd:hold-closed=grants/fixed,grants/fixed+blkfront/ring_free \
                             vbd:forged-done+x86_32-abi=gtab/fixed,gtab/msa02 vbd:honest+no-protocol=grants/fixed \
                             vbd:hold-closed+skip-initialised=grants/fixed vbd:reconnect-loop+closing-only=gtab/fixed \
                             vbd:hold-closed+no-connected=grants/fixed
## test-sim-attack-vbd: blkfront (gntfuzz-target --device vbd) vs gntfuzz-peer --device vbd: fixed builds hold, msa02 caught, also by the black-box oracle alone; stale-map holds on gtab/fixed, catches grants/swap_ignored; old rings watched (blkfront ring_free REUSED); the 32-bit layout; frontends that skip or stop at states
.PHONY: test-sim-attack-vbd
test-sim-attack-vbd: multiproc $(call mp_targets_of,$(SIM_ATTACK_VBD_TEST_ONLY) $(call sim_cells_variants,$(SIM_ATTACK_VBD_TEST_CELLS))) \
                     peer $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) scripts/sim_attack.py --build $(BUILD) --devices vbd --strategies "$(strip $(SIM_ATTACK_VBD_TEST_STRATEGIES))" \
	  --only "$(strip $(SIM_ATTACK_VBD_TEST_ONLY))" --require-blackbox "msa02 ring_free" --cells "$(strip $(SIM_ATTACK_VBD_TEST_CELLS))"
TESTS += test-sim-attack-vbd

## sim-attack-vbd: the vbd columns of sim-attack alone: every vbd strategy x every variant (our blkfront vs the peer's blkback)
.PHONY: sim-attack-vbd
sim-attack-vbd: multiproc mp-targets peer $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) scripts/sim_attack.py --build $(BUILD) --devices vbd

# The broker's pure handler under fuzzing: a seeded random smoke run (gcc, ASan+UBSan) in `make
# test`, and a libFuzzer build (clang) for campaigns.
MP_FUZZ_SRCS := $(MP_DIR)/tests/fuzz_broker.c $(MP_BROKER_SRCS)
$(MP_OUT)/fuzz_broker_smoke: $(MP_FUZZ_SRCS) $(MP_BROKER_HDRS)
	@mkdir -p $(MP_OUT)
	$(CC) $(MP_CFLAGS) -O1 $(SAN_FLAGS) -DFUZZ_STANDALONE $(MP_FUZZ_SRCS) -o $@
$(MP_OUT)/fuzz_broker: $(MP_FUZZ_SRCS) $(MP_BROKER_HDRS)
	@mkdir -p $(MP_OUT)
	$(CLANG) $(MP_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(MP_FUZZ_SRCS) -o $@

## test-mp-spin: the adaptive spin window of a broker round trip (bounded, falls back to blocking)
.PHONY: test-mp-spin
$(MP_OUT)/test_spin: $(MP_DIR)/tests/test_spin.c $(MP_DIR)/spin.h $(MP_DIR)/proto.h
	@mkdir -p $(MP_OUT)
	$(CC) $(MP_CFLAGS) $< -o $@
test-mp-spin: $(MP_OUT)/test_spin
	@$<
	@taskset -c 0 $< >/dev/null && echo "ok - pinned to one CPU: init gives no window" || { echo "not ok - pinned to one CPU"; exit 1; }
TESTS += test-mp-spin

## test-broker-fuzz: 5000 random hostile inputs through the broker's handler under ASan+UBSan (nothing held after)
.PHONY: test-broker-fuzz fuzz-broker
test-broker-fuzz: $(MP_OUT)/fuzz_broker_smoke
	@$< 5000
TESTS += test-broker-fuzz

## fuzz-broker: libFuzzer on the broker's wire formats for FUZZ_SECONDS (default 60)
fuzz-broker: $(MP_OUT)/fuzz_broker
	@mkdir -p $(MP_OUT)/fuzz-corpus
	$< -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=4096 $(MP_OUT)/fuzz-corpus

## sim-scenarios: replay corpora/scenarios/wl-*.scn with the peer process: the fixed library holds, named mutants caught
.PHONY: sim-scenarios test-sim-scenarios
sim-scenarios: multiproc mp-targets peer $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) scripts/sim_attack.py --build $(BUILD) --scenarios
# In `make test`: every fixed build, and MSA02 and XSA-396 of each library (all: `make sim-scenarios`).
SIM_SCENARIOS_TEST_ONLY ?= $(foreach l,$(TEST_LIBS_mp),$(l)/fixed) $(filter $(foreach l,$(TEST_LIBS_mp),$(l)/msa02 $(l)/xsa396),$(VARIANTS_mp))
## test-sim-scenarios: sim-scenarios on every fixed build and each library's msa02 and xsa396 (SIM_SCENARIOS_TEST_ONLY)
test-sim-scenarios: multiproc $(call mp_targets_of,$(SIM_SCENARIOS_TEST_ONLY)) peer $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) scripts/sim_attack.py --build $(BUILD) --scenarios --only "$(strip $(SIM_SCENARIOS_TEST_ONLY))"
TESTS += test-sim-scenarios

## test-multiproc-cli: bad arguments and files to broker, xensim, target and peer: one-line errors, non-zero exits
.PHONY: test-multiproc-cli
test-multiproc-cli: multiproc $(call mp_target,$(firstword $(filter %/fixed,$(VARIANTS_mp)))) peer
	@$(PYTHON) $(MP_DIR)/tests/run_cli.py $(BUILD) $(call mp_target,$(firstword $(filter %/fixed,$(VARIANTS_mp))))
TESTS += test-multiproc-cli
