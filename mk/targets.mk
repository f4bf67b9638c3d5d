# mk/targets.mk - the grant libraries under test. Each is a directory with a manifest, target.mk
# (targets/template/target.mk documents it), holding its sources, its seam adapter and the build
# switches of its mutants. Every world (gntworld, the fuzz targets, the multi-process target, the
# PVH guest) is built once per library and mutant ("variant"), through the seam only.
#
#   make ... TARGET=<dir>        only the library in <dir> (yours, out of tree)
#   make list-variants           one "LIBRARY MUTANT" line per variant: what scripts ask
TARGET      ?=
# Default: every in-tree library (a folder of targets/ with a manifest; the template is not one).
TARGET_DIRS := $(if $(TARGET),$(patsubst %/,%,$(TARGET)),\
                 $(patsubst %/target.mk,%,$(filter-out targets/template/%,$(wildcard targets/*/target.mk))))
LIBS        :=

# Read one manifest; its variables are copied to LIB_<name>_* (paths made relative to the top).
define load_target
TARGET_DIR := $(1)
TARGET_NAME :=
TARGET_SOURCES :=
TARGET_INCLUDES :=
TARGET_DEFINES :=
TARGET_MUTANTS :=
$$(if $$(wildcard $(1)/target.mk),,$$(error gntfuzz: $(1)/target.mk not found: a target directory needs a manifest (see targets/template/target.mk)))
include $(1)/target.mk
$$(if $$(TARGET_NAME),,$$(error gntfuzz: $(1)/target.mk: TARGET_NAME is not set))
$$(if $$(filter $$(TARGET_NAME),fixed $$(LIBS)),$$(error gntfuzz: $(1)/target.mk: library name '$$(TARGET_NAME)' is taken))
$$(if $$(strip $$(TARGET_SOURCES)),,$$(error gntfuzz: $(1)/target.mk: TARGET_SOURCES is empty))
$$(foreach f,$$(TARGET_SOURCES),$$(if $$(wildcard $(1)/$$(f)),,$$(error gntfuzz: $(1)/target.mk: source $$(f) not found in $(1))))
$$(if $$(filter fixed,$$(TARGET_MUTANTS)),$$(error gntfuzz: $(1)/target.mk: 'fixed' is the name of the unmutated build, not a mutant))
LIBS += $$(TARGET_NAME)
LIB_$$(TARGET_NAME)_DIR     := $(1)
LIB_$$(TARGET_NAME)_SRCS    := $$(patsubst $$(CURDIR)/%,%,$$(abspath $$(addprefix $(1)/,$$(TARGET_SOURCES))))
LIB_$$(TARGET_NAME)_CFLAGS  := $$(addprefix -I,$$(patsubst $$(CURDIR)/%,%,$$(abspath $$(addprefix $(1)/,$$(TARGET_INCLUDES))))) $$(TARGET_DEFINES)
LIB_$$(TARGET_NAME)_MUTANTS := $$(TARGET_MUTANTS)
LIB_$$(TARGET_NAME)_DEPS    := $(1)/target.mk $$(wildcard $(1)/*.h $$(addsuffix /*.h,$$(addprefix $(1)/,$$(TARGET_INCLUDES))))
$$(foreach m,$$(TARGET_MUTANTS),$$(eval LIB_$$(TARGET_NAME)_FLAGS.$$(m) := $$(TARGET_MUTANT_FLAGS.$$(m))))
$$(foreach m,$$(TARGET_MUTANTS),$$(eval LIB_$$(TARGET_NAME)_ABOUT.$$(m) := $$(TARGET_MUTANT_ABOUT.$$(m))))
endef
$(foreach d,$(TARGET_DIRS),$(eval $(call load_target,$(d))))

# Every variant as LIB/MUTANT; the unmutated build of each library is "fixed".
VARIANTS := $(foreach l,$(LIBS),$(l)/fixed $(addprefix $(l)/,$(LIB_$(l)_MUTANTS)))
variant_lib    = $(firstword $(subst /, ,$(1)))
variant_mutant = $(lastword $(subst /, ,$(1)))
# The compiler switches of a variant: the library's includes and defines, the mutant's switch, and
# its names for reports (harness/seam/seam_variant.c).
variant_cflags = $(LIB_$(call variant_lib,$(1))_CFLAGS) \
                 $(if $(filter fixed,$(call variant_mutant,$(1))),,$(LIB_$(call variant_lib,$(1))_FLAGS.$(call variant_mutant,$(1)))) \
                 -DGNTFUZZ_LIBRARY='"$(call variant_lib,$(1))"' -DGNTFUZZ_MUTANT='"$(call variant_mutant,$(1))"'

# How target code is compiled, per flavour. trace-loads/trace-stores make every load and store a
# scheduling point (harness/seam); they need an edge type beside them, or clang emits nothing.
# They emit nothing for cmpxchg, atomicrmw, fences or inline asm: gntfuzz's pass plugin
# (harness/seam/pass/, built by its pass.mk) adds __gntfuzz_rmw/fence/atomic_load/atomic_store
# there. `make SEAM_PASS=` goes without it (load/store hooks only).
SEAM_PASS               := $(BUILD)/seam/gntfuzz-pass.so
SEAM_TRACE              := -fsanitize-coverage=trace-loads,trace-stores $(if $(SEAM_PASS),-fpass-plugin=$(SEAM_PASS))
# The flavours whose target code carries the hooks (and so is built with the plugin).
SEAM_HOOKED_FLAVOURS    := plain asan libfuzzer afl cmplog cov
# Findings are grouped by the library's own frames in the stack of the detection: keep them
# (a tail call would leave only its caller's).
KEEP_FRAMES             := -fno-optimize-sibling-calls -fno-omit-frame-pointer
TARGET_CC_plain         := $(CLANG)
TARGET_CFLAGS_plain     := -O2 -g $(KEEP_FRAMES) -fsanitize-coverage=inline-8bit-counters $(SEAM_TRACE)
TARGET_CC_asan          := $(CLANG)
TARGET_CFLAGS_asan      := -O1 -g $(KEEP_FRAMES) $(SAN_FLAGS) -fsanitize-coverage=inline-8bit-counters $(SEAM_TRACE)
TARGET_CC_libfuzzer     := $(CLANG)
TARGET_CFLAGS_libfuzzer := -O2 -g $(KEEP_FRAMES) -fsanitize=fuzzer-no-link $(SAN_FLAGS) $(SEAM_TRACE)
# AFL++'s compiler drops extra coverage flags: plain clang with pc-guard edges, whose hooks
# AFL++'s runtime implements, gives AFL++ its edges and the world its load/store hooks.
TARGET_CC_afl           := $(CLANG)
TARGET_CFLAGS_afl       := -O2 -g $(KEEP_FRAMES) -fsanitize-coverage=trace-pc-guard $(SEAM_TRACE)
TARGET_CC_cmplog        := $(CLANG)
TARGET_CFLAGS_cmplog    := $(TARGET_CFLAGS_afl)
TARGET_CC_cov           := $(CLANG)
TARGET_CFLAGS_cov       := -O0 -g -fprofile-instr-generate -fcoverage-mapping -fsanitize-coverage=inline-8bit-counters $(SEAM_TRACE)
# Real concurrency (multi-process simulator) and real Xen need no hooks. The PVH guest's flags
# (freestanding, kernel code model) are its fragment's: PVH_TARGET_CFLAGS in harness/pvh/pvh.mk.
TARGET_CC_mp            := $(CC)
TARGET_CFLAGS_mp        := -O2 -g -DGNTFUZZ_NOHOOKS
TARGET_CC_pvh            = $(PVH_TARGET_CC)
TARGET_CFLAGS_pvh        = $(PVH_TARGET_CFLAGS) -DGNTFUZZ_NOHOOKS
# The libFuzzer flavour without the hooks: only `make bench-seam` uses it, to price them.
TARGET_CC_nohooks       := $(CLANG)
TARGET_CFLAGS_nohooks   := -O2 -g $(KEEP_FRAMES) -fsanitize=fuzzer-no-link $(SAN_FLAGS) -DGNTFUZZ_NOHOOKS
# ... and with the load/store hooks but without gntfuzz's pass: `make bench-seam` prices the pass.
TARGET_CC_nopass        := $(CLANG)
TARGET_CFLAGS_nopass    := -O2 -g $(KEEP_FRAMES) -fsanitize=fuzzer-no-link $(SAN_FLAGS) -fsanitize-coverage=trace-loads,trace-stores
TARGET_FLAVOURS         := plain asan libfuzzer afl cmplog cov mp pvh nohooks nopass
TARGET_OUT              := $(BUILD)/target
TARGET_BASE_CFLAGS      := -std=gnu11 $(WARN) $(XEN_IFACE) -Iharness/seam -Iharness

# build/target/<flavour>/<lib>/<mutant>/libtarget.a: one archive per variant and flavour, its
# objects numbered so that two sources with one base name do not collide. A hooked flavour's
# archive is rebuilt when the pass plugin changes.
define target_archive_rule # flavour, variant
$(TARGET_OUT)/$(1)/$(2)/libtarget.a: $(LIB_$(call variant_lib,$(2))_SRCS) $(LIB_$(call variant_lib,$(2))_DEPS) \
    harness/seam/seam.h harness/seam/seam_variant.c mk/targets.mk $(if $(filter $(1),$(SEAM_HOOKED_FLAVOURS)),$(SEAM_PASS))
	@mkdir -p $$(@D)/obj && rm -f $$(@D)/obj/*.o $$@
	@echo "  TARGET-$(1) $(2)"
	@n=0; for src in $(LIB_$(call variant_lib,$(2))_SRCS); do n=$$$$((n+1)); \
	  $$(TARGET_CC_$(1)) $$(TARGET_BASE_CFLAGS) $$(TARGET_CFLAGS_$(1)) $(call variant_cflags,$(2)) \
	    -c $$$$src -o $$(@D)/obj/$$$$n-$$$$(basename $$$$src .c).o || exit 1; done
	@$$(TARGET_CC_$(1)) $$(TARGET_BASE_CFLAGS) $$(TARGET_CFLAGS_$(1)) $(call variant_cflags,$(2)) \
	  -c harness/seam/seam_variant.c -o $$(@D)/obj/0-seam_variant.o
	@$(AR) rcs $$@ $$(@D)/obj/*.o
endef
$(foreach f,$(TARGET_FLAVOURS),$(foreach v,$(VARIANTS),$(eval $(call target_archive_rule,$(f),$(v)))))
target_archive = $(TARGET_OUT)/$(1)/$(2)/libtarget.a

## list-variants: one "LIBRARY MUTANT" line per variant of the libraries under test (TARGET=<dir>: yours)
## mutants: the mutants of every library under test, with what each re-creates
.PHONY: list-variants mutants
list-variants:
	@$(foreach v,$(VARIANTS),echo "$(call variant_lib,$(v)) $(call variant_mutant,$(v))";)
# Printed by make itself: a summary may hold any quote without a shell to escape it for.
mutants:
	$(foreach l,$(LIBS),$(foreach m,$(LIB_$(l)_MUTANTS),$(info $(shell printf '  %-8s %-16s' $(l) $(m)) $(LIB_$(l)_ABOUT.$(m)))))
	@:
