# harness/nested/nested.mk - the advisory on real Xen: Xen 4.17 nested under QEMU, a dom0 that
# runs the peer with every strategy against the PVH targets and a Linux target, an outside oracle.
NESTED_OUT    := $(BUILD)/nested
NESTED_BIN    := $(NESTED_OUT)/bin
NESTED_IMAGES := $(NESTED_OUT)/images
NESTED_LOGS   := $(NESTED_OUT)/logs
# NESTED=0 skips the QEMU boot (and says so); NESTED_TIMEOUT bounds one whole boot (a hang fails).
NESTED         ?= 1
NESTED_TIMEOUT ?= 600
NESTED_TARGETS ?= pvh-fixed pvh-msa02 pvh-fixed-v2 pvh-cve23041 pvh-ro_reading linux wl-fixed wl-msa02
# peer/'s gntfuzz-peer plays every target: its workload strategies for the wl-* targets (the
# workload frontend in the PVH guest), its --protocol rounds strategies for pvh-* and linux.
NESTED_WL_STRATEGIES ?= hold forged-done race-end storm copy-loop flood bad-ids early-closed
NESTED_STRATEGIES ?= honest forged-done forged-ro storm
# Another peer program (path inside dom0, same arguments as gntfuzz-peer); empty = gntfuzz-peer.
NESTED_PEER    ?=
NESTED_HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) $(XEN_IFACE)
NESTED_PROGS := $(NESTED_BIN)/gntfuzz-peer $(NESTED_BIN)/outside-oracle $(NESTED_BIN)/linux-target
NESTED_PVH   := $(PVH_KERNELS)
NESTED_SCRIPTS := $(addprefix harness/nested/,build-images.sh target-cfg.sh dom0-plan.sh init-dom0 init-linux-domU)
NESTED_RUN = $(PYTHON) harness/nested/nested.py run --images $(NESTED_IMAGES) --logs $(NESTED_LOGS) \
             --timeout $(NESTED_TIMEOUT) --strategies "$(NESTED_STRATEGIES)" --targets "$(NESTED_TARGETS)" \
             --wl-strategies "$(NESTED_WL_STRATEGIES)"

$(NESTED_BIN)/outside-oracle: harness/nested/outside-oracle.c harness/workload/wl_proto.h
	@mkdir -p $(@D)
	$(CC) $(NESTED_HOST_CFLAGS) -Iharness/workload $< -o $@ -lxenctrl -lxenforeignmemory -lxenstore
$(NESTED_BIN)/linux-target: harness/nested/linux-target.c
	@mkdir -p $(@D)
	$(CC) $(NESTED_HOST_CFLAGS) $< -o $@ -lxengnttab -lxenstore

# peer/'s gntfuzz-peer (peer/peer.mk defines PEER_BIN): the one peer binary for every target.
$(NESTED_BIN)/gntfuzz-peer: $(PEER_BIN)
	@mkdir -p $(@D)
	cp $< $@
# The plan's variables live in dom0's plan.env: a change of them must rebuild the images.
NESTED_VARS := $(NESTED_TARGETS)|$(NESTED_STRATEGIES)|$(NESTED_WL_STRATEGIES)|$(NESTED_PEER)
$(NESTED_OUT)/plan.vars: nested-vars-check
	@:
nested-vars-check:
	@mkdir -p $(NESTED_OUT); echo '$(NESTED_VARS)' | cmp -s - $(NESTED_OUT)/plan.vars || echo '$(NESTED_VARS)' > $(NESTED_OUT)/plan.vars
$(NESTED_IMAGES)/dom0.cpio.gz: $(NESTED_PROGS) $(NESTED_PVH) $(NESTED_SCRIPTS) grants/mutants.def $(NESTED_OUT)/plan.vars
	GNTFUZZ_TARGETS="$(NESTED_TARGETS)" GNTFUZZ_STRATEGIES="$(NESTED_STRATEGIES)" GNTFUZZ_PEER="$(NESTED_PEER)" \
	GNTFUZZ_WL_STRATEGIES="$(NESTED_WL_STRATEGIES)" \
	  bash harness/nested/build-images.sh $(NESTED_IMAGES) $(NESTED_BIN) $(PVH_OUT)

## nested-tools: build the dom0 programs (gntfuzz-peer, outside-oracle) and linux-target into build/nested/bin
nested-tools: $(NESTED_PROGS)

## nested-images: build the Xen/dom0/Linux-domU images for the nested run into build/nested/images
nested-images: $(NESTED_IMAGES)/dom0.cpio.gz

## nested-xen: boot Xen under QEMU, run every peer strategy against fixed, MSA02-mutant and Linux targets; log in build/nested/logs (NESTED=0 skips)
nested-xen:
ifeq ($(NESTED),0)
	@echo "ok - nested-xen # SKIP NESTED=0 given: Xen under QEMU not run"
else
	@if ! qemu-system-x86_64 --version >/dev/null 2>&1; then \
	  echo "ok - nested-xen # SKIP qemu-system-x86_64 cannot run here (missing or broken: make deps)"; \
	else $(MAKE) --no-print-directory nested-images >/dev/null && $(NESTED_RUN); fi
endif

## test-nested-xen: nested-xen as a test (skips only when QEMU cannot run or NESTED=0)
test-nested-xen: nested-xen

## bench-nested: wall time from QEMU start to verdict, per target and per strategy
bench-nested:
ifeq ($(NESTED),0)
	@echo "bench-nested: skipped (NESTED=0)"
else
	@$(MAKE) --no-print-directory nested-images >/dev/null
	@$(NESTED_RUN) --bench | grep -E '^(bench-nested|not ok)' || true
endif

## real-xen: on a real Xen host (root in dom0): run the same plan with xl-created targets and judge it
real-xen: $(NESTED_IMAGES)/dom0.cpio.gz
	@mkdir -p $(NESTED_OUT)/real/cfg $(NESTED_OUT)/real/guest
	@cp $(NESTED_PVH) $(NESTED_IMAGES)/vmlinuz $(NESTED_IMAGES)/linux-domU.cpio.gz $(NESTED_OUT)/real/guest/
	@for t in $(NESTED_TARGETS); do MUTANTS_DEF=grants/mutants.def \
	  sh harness/nested/target-cfg.sh $$t $(abspath $(NESTED_OUT)/real/guest) > $(NESTED_OUT)/real/cfg/$$t.cfg || exit 1; done
	$(PYTHON) harness/nested/nested.py real-host --bin $(abspath $(NESTED_BIN)) --cfg $(abspath $(NESTED_OUT)/real/cfg) \
	  --targets "$(NESTED_TARGETS)" --strategies "$(NESTED_STRATEGIES)" --wl-strategies "$(NESTED_WL_STRATEGIES)"

## test-nested-judge: the nested-Xen judge on a kept real serial log, and on edited copies that must fail
test-nested-judge:
	@$(PYTHON) harness/nested/test_judge.py

TESTS += test-nested-judge test-nested-xen
BENCHES += bench-nested
.PHONY: nested-vars-check test-nested-judge nested-tools nested-images nested-xen test-nested-xen bench-nested real-xen
