# harness/seam/pass/pass.mk - gntfuzz's LLVM pass plugin (included from harness/seam/seam.mk).
# Target code of the hooked flavours is compiled with -fpass-plugin=$(SEAM_PASS) (mk/targets.mk's
# SEAM_TRACE, which defines SEAM_PASS): __gntfuzz_rmw/fence/atomic_load/atomic_store calls before
# cmpxchg, atomicrmw, fences, locked/xchg/barrier inline asm and after ordered atomic stores,
# where -fsanitize-coverage's load/store hooks emit nothing (gntfuzz_pass.cpp says what and why).
# The plugin must come from the LLVM of the clang that loads it: llvm-config-14 for Debian's
# clang 14 (package llvm-14-dev). `make SEAM_PASS=` builds the targets without it.
LLVM_CONFIG   ?= llvm-config-14
SEAM_PASS_CXX ?= clang++
SEAM_PASS_SRC := harness/seam/pass/gntfuzz_pass.cpp

ifneq ($(SEAM_PASS),)
$(SEAM_PASS): $(SEAM_PASS_SRC) harness/seam/pass/pass.mk
	@inc=$$($(LLVM_CONFIG) --includedir 2>/dev/null); [ -n "$$inc" ] && [ -f "$$inc/llvm/Passes/PassPlugin.h" ] || \
	  { echo "gntfuzz: $@ needs LLVM's headers ($(LLVM_CONFIG) --includedir): run make deps-fuzz (apt package llvm-14-dev)" >&2; exit 1; }
	@want=$$($(CLANG) -dumpversion | cut -d. -f1); have=$$($(LLVM_CONFIG) --version | cut -d. -f1); [ "$$want" = "$$have" ] || \
	  { echo "gntfuzz: $@: $(LLVM_CONFIG) is LLVM $$have but $(CLANG) is $$want, which could not load it: set LLVM_CONFIG=llvm-config-$$want" >&2; exit 1; }
	@mkdir -p $(@D)
	@echo "  PASS    $@"
	@$(SEAM_PASS_CXX) $$($(LLVM_CONFIG) --cxxflags) -fPIC -shared -O2 -Wall -Wextra -Wno-unused-parameter \
	  $(SEAM_PASS_SRC) -o $@.tmp && mv $@.tmp $@
endif

# The load/store hooks' test compiles hooked.c with the plain flavour's flags, the plugin's among them.
$(SEAM_OUT)/hooked.o: $(SEAM_PASS)

## test-seam-pass: the LLVM pass puts __gntfuzz_rmw/fence/atomic_load/atomic_store at every cmpxchg, atomicrmw, fence, locked/xchg/barrier asm (x86 and Arm) and ordered atomic load/store, nothing at compiler barriers, plain or relaxed accesses; in IR (-O0, -O2, every hooked flavour: sancov's hooks intact) and at run time
.PHONY: test-seam-pass
test-seam-pass: $(SEAM_PASS)
	@$(if $(SEAM_PASS),,echo "test-seam-pass: SEAM_PASS is empty (built without the pass)" >&2; exit 1;)
	@$(PYTHON) harness/seam/pass/tests/test_pass.py --cc $(CLANG) --plugin $(SEAM_PASS) --out $(SEAM_OUT)/pass-test \
	  $(foreach f,$(SEAM_HOOKED_FLAVOURS),--flavour $(f)='$(TARGET_CFLAGS_$(f))')
TESTS += test-seam-pass
