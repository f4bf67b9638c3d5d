# harness/nested/nested.mk - the advisory on real Xen: Xen 4.17 nested under QEMU, a dom0 that
# runs the peer with every strategy against the PVH targets and a Linux target, an outside oracle.
NESTED_OUT    := $(BUILD)/nested
NESTED_BIN    := $(NESTED_OUT)/bin
NESTED_IMAGES := $(NESTED_OUT)/images
NESTED_LOGS   := $(NESTED_OUT)/logs
# NESTED=0 skips the QEMU boot (and says so); NESTED_TIMEOUT bounds one whole boot (a hang fails;
# the full set takes about 10 min on 2 cores, much more when they are busy with other builds;
# make test's subset gets NESTED_TEST_TIMEOUT).
NESTED         ?= 1
# Boot once, restore many (harness/nested/snapshot.py): the booted machine (Xen, dom0, a saved
# Linux domU) is snapshotted once per base image and restored for every later run, in this and
# any other clone (keyed by content). NESTED_SNAPSHOTS=off always boots. About 0.5-1 GiB each;
# the newest 3 are kept. NESTED_XEN_EXTRA: more Xen command line (part of the key).
NESTED_SNAPSHOTS ?= $(HOME)/.cache/gntfuzz/nested-snapshots
NESTED_XEN_EXTRA ?=
NESTED_TIMEOUT ?= 1800
NESTED_TEST_TIMEOUT ?= 900
# Target labels: pvh-<library>-<mutant>[-v2] (the PVH guest built with that variant; v2: grant table
# v2 for the rounds), wl-<library>-<mutant>[-v2] (the same guest serving the workload frontend),
# vbd-<library>-<mutant>, vif-<library>-<mutant> (the same guest running our blkfront/netfront
# against gntfuzz-peer --device), linux (Linux's gntalloc in rounds, then its own xen-blkfront
# and xen-netfront against every device strategy). Default: grants/ (the reference) as before --
# fixed, msa02, fixed on v2, cve23041 and ro_reading in rounds, fixed and msa02 through the
# workload and through our blkfront and netfront -- and every other library's fixed build and
# msa02 in rounds, in the same boot; only variants make lists (TARGET=... honoured).
# (wl-<lib>-fixed wl-<lib>-msa02 work for any library: ~1 min more per pair, and the workload
# sessions' 1 s races are the part of the run a busy host can make miss.)
nested_have     = $(if $(filter $(1),$(VARIANTS_pvh)),$(2))
nested_lib_pair = $(call nested_have,$(1)/fixed,$(2)-$(1)-fixed) $(call nested_have,$(1)/msa02,$(2)-$(1)-msa02)
NESTED_TARGETS ?= $(strip $(call nested_lib_pair,grants,pvh) $(call nested_have,grants/fixed,pvh-grants-fixed-v2) \
                    $(call nested_have,grants/cve23041,pvh-grants-cve23041) \
                    $(call nested_have,grants/ro_reading,pvh-grants-ro_reading) \
                    $(foreach l,$(filter-out grants,$(LIBS_pvh)),$(call nested_lib_pair,$(l),pvh)) linux \
                    $(call nested_lib_pair,grants,wl) $(call nested_lib_pair,grants,vbd) $(call nested_lib_pair,grants,vif))
# The variants the labels name (a label's <library>-<mutant> is a variant's LIB/MUTANT with a dash),
# and their kernels: only these go into dom0's image.
nested_rest     = $(patsubst %-v2,%,$(foreach p,pvh wl vbd vif,$(patsubst $(p)-%,%,$(filter $(p)-%,$(1)))))
NESTED_VARIANTS = $(strip $(foreach v,$(VARIANTS_pvh),$(if $(filter $(subst /,-,$(v)),$(call nested_rest,$(NESTED_TARGETS))),$(v))))
# peer/'s gntfuzz-peer plays every target: its workload strategies for the wl-* targets (the
# workload frontend in the PVH guest), its --protocol rounds strategies for pvh-* and linux.
NESTED_WL_STRATEGIES ?= hold forged-done race-end storm copy-loop flood bad-ids early-closed
NESTED_STRATEGIES ?= honest forged-done forged-ro storm
# gntfuzz-peer --device strategies for the vbd-*/vif-* targets and Linux's device phases: "all"
# is every strategy `gntfuzz-peer --list vbd-strategies|vif-strategies` prints (the one table);
# empty skips the phase. NESTED_DEV_DURATION: seconds the peer serves each device.
NESTED_VBD_STRATEGIES ?= all
NESTED_VIF_STRATEGIES ?= all
# Our frontends (vbd-*/vif-* targets) boot a fresh PVH guest per strategy (~13 s each): the full
# run gives them an honest backend, one that lies about completions, one that drops the
# connection with every map held; "all" works (NESTED_OURS_VBD_STRATEGIES=all ...).
NESTED_OURS_VBD_STRATEGIES ?= honest forged-done early-closed
NESTED_OURS_VIF_STRATEGIES ?= honest forged-done early-closed
NESTED_DEV_DURATION   ?= 4
# Fresh Linux domUs the device phases may boot after a lying blkback wedged the domU's xenbus
# (harness/nested/README.md); without one, the remaining Linux disks are reported as skipped.
NESTED_LINUX_REBOOTS  ?= 8
# 1: Linux (from the pool of restored copies) plays beside the other targets, 0: after them.
NESTED_LINUX_BESIDE   ?= 1
# What `make test` boots (test-nested-xen; the full set above is `make nested-xen`), aimed at
# 180 s from QEMU start to verdict on 2 idle cores: the PVH targets run while Linux boots (~90 s),
# then Linux -- the advisory on grants/ fixed and msa02 in rounds, our blkfront on grants/ fixed
# and msa02, Linux's gntalloc, xen-blkfront and xen-netfront against an honest and a lying backend.
NESTED_TEST_TARGETS        ?= $(strip $(call nested_lib_pair,grants,pvh) $(call nested_lib_pair,grants,vbd) linux)
NESTED_TEST_STRATEGIES     ?= honest forged-done
NESTED_TEST_WL_STRATEGIES  ?= forged-done
NESTED_TEST_VBD_STRATEGIES ?= honest forged-done
NESTED_TEST_VIF_STRATEGIES ?= honest forged-done
# One fresh Linux domU for a session whose domU died: under nested TCG a Linux PVH domU now and
# then triple-faults with Xen's own RIP in its state (an emulation fault, not the frontend's).
NESTED_TEST_LINUX_REBOOTS  ?= 1
NESTED_TEST_OURS_VBD_STRATEGIES ?= honest forged-done
NESTED_TEST_OURS_VIF_STRATEGIES ?= honest forged-done
# Another peer program (path inside dom0, same arguments as gntfuzz-peer); empty = gntfuzz-peer.
NESTED_PEER    ?=
# -ffile-prefix-map: linux-target and linux-devio go into the base image, whose bytes key the
# machine snapshot: the clone's path in their debug info made every clone boot cold
NESTED_HOST_CFLAGS := -std=gnu11 -O2 -g -ffile-prefix-map=$(CURDIR)=. $(WARN) $(XEN_IFACE)
NESTED_PROGS := $(NESTED_BIN)/gntfuzz-peer $(NESTED_BIN)/outside-oracle $(NESTED_BIN)/linux-target $(NESTED_BIN)/linux-devio
NESTED_PVH    = $(foreach v,$(NESTED_VARIANTS),$(call pvh_kernel,$(v)))
NESTED_SCRIPTS := $(addprefix harness/nested/,build-images.sh target-cfg.sh dom0-plan.sh dom0-run.sh init-dom0 init-linux-domU linux-pool)
NESTED_RUN = $(PYTHON) harness/nested/nested.py run --images $(NESTED_IMAGES) --logs $(NESTED_LOGS) \
             --timeout $(NESTED_TIMEOUT) --strategies "$(NESTED_STRATEGIES)" --targets "$(NESTED_TARGETS)" \
             --wl-strategies "$(NESTED_WL_STRATEGIES)" --variants "$(VARIANTS)" \
             --vbd-strategies "$(NESTED_VBD_STRATEGIES)" --vif-strategies "$(NESTED_VIF_STRATEGIES)" \
             --ours-vbd-strategies "$(NESTED_OURS_VBD_STRATEGIES)" --ours-vif-strategies "$(NESTED_OURS_VIF_STRATEGIES)" \
             --peer $(NESTED_BIN)/gntfuzz-peer --snapshots "$(NESTED_SNAPSHOTS)" --xen-extra "$(NESTED_XEN_EXTRA)"

$(NESTED_BIN)/outside-oracle: harness/nested/outside-oracle.c harness/workload/wl_proto.h
	@mkdir -p $(@D)
	$(CC) $(NESTED_HOST_CFLAGS) -Iharness/workload $< -o $@ -lxenctrl -lxenforeignmemory -lxenstore
$(NESTED_BIN)/linux-target: harness/nested/linux-target.c harness/nested/linux-start.h
	@mkdir -p $(@D)
	$(CC) $(NESTED_HOST_CFLAGS) $< -o $@ -lxengnttab -lxenstore
$(NESTED_BIN)/linux-devio: harness/nested/linux-devio.c harness/nested/linux-start.h
	@mkdir -p $(@D)
	$(CC) $(NESTED_HOST_CFLAGS) $< -o $@ -lxenstore

# peer/'s gntfuzz-peer (peer/peer.mk defines PEER_BIN): the one peer binary for every target.
$(NESTED_BIN)/gntfuzz-peer: $(PEER_BIN)
	@mkdir -p $(@D)
	cp $< $@
# The plan's variables live in dom0's plan.env: a change of them must rebuild the images.
NESTED_VARS := $(NESTED_TARGETS)|$(NESTED_STRATEGIES)|$(NESTED_WL_STRATEGIES)|$(NESTED_PEER)|$(NESTED_VARIANTS)|$(NESTED_VBD_STRATEGIES)|$(NESTED_VIF_STRATEGIES)|$(NESTED_DEV_DURATION)|$(NESTED_LINUX_REBOOTS)|$(NESTED_OURS_VBD_STRATEGIES)|$(NESTED_OURS_VIF_STRATEGIES)|$(NESTED_LINUX_BESIDE)
$(NESTED_OUT)/plan.vars: nested-vars-check
	@:
nested-vars-check:
	@mkdir -p $(NESTED_OUT); echo '$(NESTED_VARS)' | cmp -s - $(NESTED_OUT)/plan.vars || echo '$(NESTED_VARS)' > $(NESTED_OUT)/plan.vars
$(NESTED_IMAGES)/payload.tar: $(NESTED_PROGS) $(NESTED_PVH) $(NESTED_SCRIPTS) $(NESTED_OUT)/plan.vars
	GNTFUZZ_TARGETS="$(NESTED_TARGETS)" GNTFUZZ_STRATEGIES="$(NESTED_STRATEGIES)" GNTFUZZ_PEER="$(NESTED_PEER)" \
	GNTFUZZ_WL_STRATEGIES="$(NESTED_WL_STRATEGIES)" GNTFUZZ_VARIANTS="$(NESTED_VARIANTS)" \
	GNTFUZZ_VBD_STRATEGIES="$(NESTED_VBD_STRATEGIES)" GNTFUZZ_VIF_STRATEGIES="$(NESTED_VIF_STRATEGIES)" \
	GNTFUZZ_DEV_DURATION="$(NESTED_DEV_DURATION)" GNTFUZZ_LINUX_REBOOTS="$(NESTED_LINUX_REBOOTS)" GNTFUZZ_LINUX_BESIDE="$(NESTED_LINUX_BESIDE)" \
	GNTFUZZ_OURS_VBD_STRATEGIES="$(NESTED_OURS_VBD_STRATEGIES)" GNTFUZZ_OURS_VIF_STRATEGIES="$(NESTED_OURS_VIF_STRATEGIES)" \
	  bash harness/nested/build-images.sh $(NESTED_IMAGES) $(NESTED_BIN) $(PVH_OUT)

## nested-tools: build the dom0 programs (gntfuzz-peer, outside-oracle) and linux-target, linux-devio into build/nested/bin
nested-tools: $(NESTED_PROGS)

## nested-images: build the Xen/dom0/Linux-domU images for the nested run into build/nested/images
nested-images: $(NESTED_IMAGES)/payload.tar

## nested-xen: boot Xen under QEMU, run every peer strategy against each library's fixed and MSA02-mutant guests, our blkfront/netfront and Linux's gntalloc, xen-blkfront, xen-netfront; log and report in build/nested/logs (NESTED=0 skips)
nested-xen:
ifeq ($(NESTED),0)
	@echo "ok - nested-xen # SKIP NESTED=0 given: Xen under QEMU not run"
else
	@if ! qemu-system-x86_64 --version >/dev/null 2>&1; then \
	  echo "ok - nested-xen # SKIP qemu-system-x86_64 cannot run here (missing or broken: make deps)"; \
	else $(MAKE) --no-print-directory nested-images >/dev/null && $(NESTED_RUN); fi
endif

# the test subset as make variables for a nested make
NESTED_TEST_VARS = NESTED_TARGETS="$(NESTED_TEST_TARGETS)" NESTED_STRATEGIES="$(NESTED_TEST_STRATEGIES)" \
	NESTED_WL_STRATEGIES="$(NESTED_TEST_WL_STRATEGIES)" NESTED_VBD_STRATEGIES="$(NESTED_TEST_VBD_STRATEGIES)" \
	NESTED_VIF_STRATEGIES="$(NESTED_TEST_VIF_STRATEGIES)" NESTED_LINUX_REBOOTS="$(NESTED_TEST_LINUX_REBOOTS)" \
	NESTED_OURS_VBD_STRATEGIES="$(NESTED_TEST_OURS_VBD_STRATEGIES)" NESTED_OURS_VIF_STRATEGIES="$(NESTED_TEST_OURS_VIF_STRATEGIES)" \
	NESTED_TIMEOUT="$(NESTED_TEST_TIMEOUT)"

## test-nested-xen: one nested-Xen boot with the NESTED_TEST_* subset, as a test (skips only when QEMU cannot run or NESTED=0)
test-nested-xen:
	@$(MAKE) --no-print-directory nested-xen $(NESTED_TEST_VARS)
# What test-nested-xen boots, built before `make test` runs it beside the other tests (two makes
# must never build the same file at once).
nested-test-images:
ifneq ($(NESTED),0)
	@$(MAKE) --no-print-directory nested-images $(NESTED_TEST_VARS) >/dev/null
endif
TESTS_BACKGROUND += test-nested-xen
TESTS_PREPARE += nested-test-images

## bench-nested: QEMU start to verdict, cold (no snapshot: boot, then make one) and warm (restored), for test-nested-xen's subset and for the full nested-xen set; per target and per strategy
# Its own snapshot store, emptied before each cold run: the user's cache is never touched.
NESTED_BENCH_SNAPSHOTS ?= $(NESTED_OUT)/bench-snapshots
bench-nested:
ifeq ($(NESTED),0)
	@echo "bench-nested: skipped (NESTED=0)"
else
	@$(MAKE) --no-print-directory nested-images $(NESTED_TEST_VARS) >/dev/null
	@rm -rf $(NESTED_BENCH_SNAPSHOTS)
	@$(MAKE) --no-print-directory nested-bench-run $(NESTED_TEST_VARS) NESTED_BENCH_NAME="test-nested-xen subset"
	@$(MAKE) --no-print-directory nested-bench-run $(NESTED_TEST_VARS) NESTED_BENCH_NAME="test-nested-xen subset"
	@$(MAKE) --no-print-directory nested-images >/dev/null
	@rm -rf $(NESTED_BENCH_SNAPSHOTS)
	@$(MAKE) --no-print-directory nested-bench-run NESTED_BENCH_NAME="nested-xen full"
	@$(MAKE) --no-print-directory nested-bench-run NESTED_BENCH_NAME="nested-xen full"
	@du -sh $(NESTED_BENCH_SNAPSHOTS) | sed 's/^/bench-nested: snapshot store size /'
endif
## nested-bench-run: one nested run printing only its bench-nested figures (bench-nested runs it four times)
nested-bench-run:
	@$(NESTED_RUN) --bench --bench-name "$(NESTED_BENCH_NAME)" --snapshots "$(NESTED_BENCH_SNAPSHOTS)" | grep -E '^(bench-nested|not ok)' || true

## real-xen: on a real Xen host (root in dom0): run the same plan with xl-created targets and judge it
real-xen: $(NESTED_IMAGES)/payload.tar
	@mkdir -p $(NESTED_OUT)/real/cfg $(NESTED_OUT)/real/guest
	@cp $(NESTED_IMAGES)/vmlinuz $(NESTED_IMAGES)/linux-domU.cpio.gz $(NESTED_OUT)/real/guest/
	@for v in $(NESTED_VARIANTS); do cp $(PVH_OUT)/$$v/gntfuzz-pvh.elf \
	  $(NESTED_OUT)/real/guest/gntfuzz-pvh-$$(echo $$v | tr / -).elf || exit 1; done
	@for t in $(NESTED_TARGETS); do \
	  if [ $$t = guest ]; then $(PYTHON) harness/nested/guest_cfg.py host "$(GUEST)" $(NESTED_OUT)/real/cfg $(GUEST_OPTS) || exit 1; continue; fi; \
	  sh harness/nested/target-cfg.sh $$t $(abspath $(NESTED_OUT)/real/guest) > $(NESTED_OUT)/real/cfg/$$t.cfg || exit 1; done
	$(PYTHON) harness/nested/nested.py real-host --bin $(abspath $(NESTED_BIN)) --cfg $(abspath $(NESTED_OUT)/real/cfg) \
	  --targets "$(NESTED_TARGETS)" --strategies "$(NESTED_STRATEGIES)" --wl-strategies "$(NESTED_WL_STRATEGIES)" \
	  --variants "$(VARIANTS)" --vbd-strategies "$(NESTED_VBD_STRATEGIES)" --vif-strategies "$(NESTED_VIF_STRATEGIES)" \
	  --ours-vbd-strategies "$(NESTED_OURS_VBD_STRATEGIES)" --ours-vif-strategies "$(NESTED_OURS_VIF_STRATEGIES)" \
	  --dev-duration $(NESTED_DEV_DURATION)

## test-nested-judge: the nested-Xen judge on a kept real serial log, and on edited copies that must fail
test-nested-judge:
	@$(PYTHON) harness/nested/test_judge.py

## test-nested-snapshot: the snapshot store without QEMU: a snapshot of another build (Xen command line, QEMU, images) or a corrupt one is never restored
test-nested-snapshot:
	@$(PYTHON) harness/nested/test_snapshot.py

TESTS += test-nested-judge test-nested-snapshot test-nested-xen
# bench-nested is not in BENCHES: two QEMU boots (~20 min) would break `make bench`'s 5 minutes.
.PHONY: test-nested-snapshot nested-test-images nested-bench-run nested-vars-check test-nested-judge nested-tools nested-images nested-xen test-nested-xen bench-nested real-xen
# GUEST=<xl.cfg>: a user's guest instead of ours (harness/nested/guest.mk)
include harness/nested/guest.mk
