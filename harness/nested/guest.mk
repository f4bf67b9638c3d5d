# harness/nested/guest.mk - GUEST=<xl.cfg>: the nested run (make nested-xen) or a real host
# (make real-xen) plays only the user's guest (target label "guest"): every vbd and vif strategy,
# each on a fresh guest (dom0-guest.sh): GUEST_RESTORE=0 (default) created paused, the device
# attached, then unpaused; GUEST_RESTORE=1 booted once, saved when up (data/gntfuzz/state=booted,
# or a console line with GUEST_READY=<text>), a restored copy per strategy that the device is
# hot-plugged into (cfg comments "# gntfuzz-restore: 1", "# gntfuzz-ready: <text>" say the same).
# GUEST_VBD (vdev or devid, "none"), GUEST_VIF (devid, "none"): the devices the peer serves
# (default: a disk the cfg does not list, xvdb, and vif 0); GUEST_TIMEOUT: seconds the peer waits
# for the frontend to connect (the guest's whole boot; default HVM 240, else 90); GUEST_DURATION:
# seconds it serves after that (default 10); GUEST_SETTLE: restore mode, a guest up by its ready
# text: seconds a restored copy gets to resume before its device appears (default 10).
# See harness/nested/guest_cfg.py.
GUEST          ?=
GUEST_VBD      ?=
GUEST_VIF      ?=
GUEST_TIMEOUT  ?=
GUEST_DURATION ?=
GUEST_RESTORE  ?=
GUEST_READY    ?=
GUEST_SETTLE   ?=
GUEST_EXAMPLE  := $(BUILD)/guest-example
GUEST_OPTS      = --vbd "$(GUEST_VBD)" --vif "$(GUEST_VIF)" --timeout "$(GUEST_TIMEOUT)" --duration "$(GUEST_DURATION)"
ifneq ($(GUEST),)
NESTED_TARGETS := guest
# a fresh guest per strategy, 36 strategies: an HVM guest's firmware boot under TCG takes minutes
ifeq ($(origin NESTED_TIMEOUT),file)
NESTED_TIMEOUT := 14400
endif
export GNTFUZZ_GUEST := $(abspath $(GUEST))
export GNTFUZZ_GUEST_VBD := $(GUEST_VBD)
export GNTFUZZ_GUEST_VIF := $(GUEST_VIF)
export GNTFUZZ_GUEST_TIMEOUT := $(GUEST_TIMEOUT)
export GNTFUZZ_GUEST_DURATION := $(GUEST_DURATION)
# (guest_cfg.py reads these three from the environment: a ready text needs no shell quoting)
export GNTFUZZ_GUEST_RESTORE := $(GUEST_RESTORE)
export GNTFUZZ_GUEST_READY := $(GUEST_READY)
export GNTFUZZ_GUEST_SETTLE := $(GUEST_SETTLE)
# the cfg names files make does not know of: the payload is rebuilt on every GUEST run; a bad cfg
# stops the build before anything else is built (one "guest: ..." line)
$(NESTED_IMAGES)/payload.tar: guest-check
endif
$(NESTED_IMAGES)/payload.tar: harness/nested/guest_cfg.py harness/nested/dom0-guest.sh
guest-check:
	@$(PYTHON) harness/nested/guest_cfg.py check "$(GUEST)" $(GUEST_OPTS) >/dev/null 2>$(BUILD)/guest-check.err \
	  || { grep '^guest:' $(BUILD)/guest-check.err >&2; exit 1; }

## guest-example-hvm: Debian's Linux 6.12 (bookworm-backports) as an HVM guest, build/guest-example/hvm.cfg, for make nested-xen GUEST=...
guest-example-hvm: $(NESTED_BIN)/linux-devio harness/nested/guest-example.sh
	bash harness/nested/guest-example.sh hvm $(GUEST_EXAMPLE) $(NESTED_BIN)/linux-devio

## guest-example-ours: our blkfront PVH guest on grants/ fixed and msa02, build/guest-example/ours-{fixed,msa02}.cfg, for GUEST=
guest-example-ours: $(call pvh_kernel,grants/fixed) $(call pvh_kernel,grants/msa02) harness/nested/guest-example.sh
	bash harness/nested/guest-example.sh ours $(GUEST_EXAMPLE) $(PVH_OUT)

## test-guest-cfg: the GUEST= cfg parser/rewriter on good and bad cfgs, and the judge on a kept guest run
test-guest-cfg:
	@$(PYTHON) harness/nested/test_guest_cfg.py

TESTS += test-guest-cfg
.PHONY: guest-check guest-example-hvm guest-example-ours test-guest-cfg
