# gntfuzz - fuzzing and adversarial-peer test harness for Xen grant sharing.
# Each part has its own fragment (*/*.mk); this file only ties them together.
# `make help` lists the targets.
.DEFAULT_GOAL := help
include mk/config.mk

empty :=
space := $(empty) $(empty)
comma := ,
TESTS :=        # test targets run by `make test`, appended to by the fragments
TESTS_BACKGROUND := # ... of them, those that run beside the others (scripts/testrun.py --background)
TESTS_PREPARE :=    # built first, so that no two makes build the same file at once

include mk/targets.mk
include mk/fronts.mk
include grants/grants.mk
# A library's own fragment (its unit tests), beside its manifest.
include $(filter-out %/target.mk,$(wildcard targets/*/*.mk))
include harness/xensim/xensim.mk
include harness/world/world.mk
include harness/devworld/devworld.mk
include harness/workload/workload.mk
include harness/fuzz/fuzz.mk
include harness/fuzz/engines.mk
include harness/seam/seam.mk
include harness/multiproc/multiproc.mk
include harness/xenstored/xenstored.mk
include peer/peer.mk
include harness/pvh/pvh.mk
include harness/nested/nested.mk
include harness/multiproc/tests/conformance.mk
include harness/devices/tests/net.mk

## help: list the targets (every "## target: what it does" line of the Makefile and its fragments)
## deps: install the Debian packages the project needs (apt-get, as root or with sudo): scripts/ensure_deps.sh all
## deps-fuzz: install only what the fuzzing jobs need (compilers, LLVM, AFL++, Xen headers): scripts/ensure_deps.sh fuzz
## test: install what is needed, build, and run every test; closes with "N passed, N failed"
## clean: remove build/

# The user-facing jobs install what they need first, as `make test` does; the fuzzing jobs only
# their group (no Xen, QEMU or kernel packages).
fuzz killmatrix coverage reproduce: deps-fuzz
sim-attack sim-attack-vbd sim-attack-vif nested-xen real-xen bench: deps

.PHONY: help deps deps-fuzz test list-tests clean
help:
	@grep -h '^## [a-z-]*:' $(MAKEFILE_LIST) | sed 's/^## \([^:]*\): */\1\t/' | awk -F'\t' '{printf "  make %-18s %s\n", $$1, $$2}'

deps: $(BUILD)/.deps-all-ok
deps-fuzz: $(BUILD)/.deps-fuzz-ok
$(BUILD)/.deps-%-ok: scripts/ensure_deps.sh
	@bash scripts/ensure_deps.sh $*
	@mkdir -p $(BUILD) && touch $@

test: deps
	@$(PYTHON) scripts/testrun.py $(if $(strip $(TESTS_BACKGROUND)),--prepare $(subst $(space),$(comma),$(strip $(TESTS_PREPARE))) \
	  --background $(subst $(space),$(comma),$(strip $(TESTS_BACKGROUND)))) $(TESTS)

list-tests:
	@printf '%s\n' $(TESTS)

clean:
	rm -rf $(BUILD)
