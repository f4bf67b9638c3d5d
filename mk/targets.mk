# mk/targets.mk - the grant libraries under test. Each is a directory with a manifest, target.mk
# (targets/template/target.mk documents it), holding its sources, its seam adapter and the build
# switches of its mutants. Every world (gntworld, the fuzz targets, the multi-process target, the
# PVH guest) is built once per library and mutant ("variant"), through the seam only.
#
#   make ... TARGET=<dir>        only the library in <dir> (yours, out of tree)
#   make list-variants           one "LIBRARY MUTANT" line per variant: what scripts ask
#   make list-mutants            ... a mutant's switches; make list-sources: a variant's files
TARGET      ?=
# Default: every in-tree library (a folder of targets/ with a manifest; the template is not one).
# The reference library first: the first library listed is every tool's default.
TARGET_DIRS := $(if $(TARGET),$(patsubst %/,%,$(TARGET)),\
                 $(filter targets/grants,$(patsubst %/target.mk,%,$(wildcard targets/*/target.mk))) \
                 $(filter-out targets/grants,$(patsubst %/target.mk,%,$(filter-out targets/template/%,$(wildcard targets/*/target.mk)))))
LIBS        :=

# A manifest's paths ($(2)) are relative to its folder ($(1)) unless absolute; inside the tree they
# are kept relative to the top (build lines and dependency files stay short).
target_paths = $(patsubst $(CURDIR)/%,%,$(abspath $(foreach p,$(2),$(if $(filter /%,$(p)),$(p),$(1)/$(p)))))
# The manifest variables named after a source or a mutant. Forgotten before each manifest is read,
# or one library's TARGET_CFLAGS.adapter.c would apply to the next library's adapter.c.
TARGET_PER_NAME := TARGET_CFLAGS.% TARGET_MUTANT_FLAGS.% TARGET_MUTANT_ABOUT.% TARGET_MUTANT_SOURCES.%
# $(call target_fail,DIR,WHY): every manifest mistake is one line.
target_fail = $(error gntfuzz: $(1)/target.mk: $(2))

# Read one manifest; its variables are copied to LIB_<name>_* (paths resolved by target_paths).
define load_target
TARGET_DIR := $(1)
TARGET_NAME :=
TARGET_SOURCES :=
TARGET_INCLUDES :=
TARGET_DEFINES :=
TARGET_MUTANTS :=
TARGET_CFLAGS :=
TARGET_WARN := $(WARN)
TARGET_XEN_INTERFACE := $(XEN_IFACE_VERSION)
TARGET_XEN_HEADERS :=
TARGET_ADAPTER_SOURCES = $$(filter adapter.c %/adapter.c,$$(TARGET_SOURCES))
TARGET_RUNS_IN := world mp pvh
$$(foreach v,$$(filter $(TARGET_PER_NAME),$$(.VARIABLES)),$$(eval undefine $$(v)))
$$(if $$(wildcard $(1)/target.mk),,$$(error gntfuzz: $(1)/target.mk not found: a target directory needs a manifest (see targets/template/target.mk)))
include $(1)/target.mk
$$(if $$(TARGET_NAME),,$$(call target_fail,$(1),TARGET_NAME is not set))
$$(if $$(filter $$(TARGET_NAME),fixed $$(LIBS)),$$(call target_fail,$(1),library name '$$(TARGET_NAME)' is taken))
$$(if $$(strip $$(TARGET_SOURCES)),,$$(call target_fail,$(1),TARGET_SOURCES is empty))
$$(foreach f,$$(TARGET_SOURCES),$$(if $$(wildcard $$(call target_paths,$(1),$$(f))),,$$(call target_fail,$(1),source $$(f) not found in $(1))))
$$(if $$(filter fixed,$$(TARGET_MUTANTS)),$$(call target_fail,$(1),'fixed' is the name of the unmutated build, not a mutant))
$$(foreach f,$$(TARGET_ADAPTER_SOURCES),$$(if $$(filter $$(f),$$(TARGET_SOURCES)),,$$(call target_fail,$(1),TARGET_ADAPTER_SOURCES names $$(f), which is not in TARGET_SOURCES)))
$$(foreach d,$$(TARGET_XEN_HEADERS),$$(if $$(wildcard $$(call target_paths,$(1),$$(d))/xen/grant_table.h),,$$(call target_fail,$(1),TARGET_XEN_HEADERS: no xen/grant_table.h in $$(d))))
$$(foreach v,$$(filter TARGET_CFLAGS.%,$$(.VARIABLES)),$$(if $$(filter $$(v:TARGET_CFLAGS.%=%),$$(TARGET_SOURCES)),,$$(call target_fail,$(1),$$(v) names no entry of TARGET_SOURCES)))
$$(foreach v,$$(filter TARGET_MUTANT_SOURCES.%,$$(.VARIABLES)),$$(if $$(filter $$(v:TARGET_MUTANT_SOURCES.%=%),$$(TARGET_MUTANTS)),,$$(call target_fail,$(1),$$(v) names no mutant of TARGET_MUTANTS)))
$$(foreach m,$$(TARGET_MUTANTS),$$(foreach f,$$(TARGET_MUTANT_SOURCES.$$(m)),\
  $$(if $$(wildcard $$(call target_paths,$(1),$$(f))),,$$(call target_fail,$(1),mutant $$(m): source $$(f) not found in $(1)))\
  $$(if $$(word 2,$$(filter $$(notdir $$(f)),$$(notdir $$(TARGET_SOURCES)))),$$(call target_fail,$(1),mutant $$(m): $$(f) matches two TARGET_SOURCES entries named $$(notdir $$(f))))))
$$(if $$(filter-out world mp pvh,$$(TARGET_RUNS_IN))$$(filter-out $$(TARGET_RUNS_IN),world),$$(call target_fail,$(1),TARGET_RUNS_IN must hold world and may add mp and pvh))
LIBS += $$(TARGET_NAME)
LIB_$$(TARGET_NAME)_RUNS_IN  := $$(TARGET_RUNS_IN)
LIB_$$(TARGET_NAME)_DIR      := $(1)
LIB_$$(TARGET_NAME)_SRCS     := $$(call target_paths,$(1),$$(TARGET_SOURCES))
LIB_$$(TARGET_NAME)_ADAPTERS := $$(call target_paths,$(1),$$(TARGET_ADAPTER_SOURCES))
LIB_$$(TARGET_NAME)_XEN      := $$(addprefix -I,$$(call target_paths,$(1),$$(TARGET_XEN_HEADERS))) -D__XEN_INTERFACE_VERSION__=$$(TARGET_XEN_INTERFACE)
LIB_$$(TARGET_NAME)_WARN     := $$(TARGET_WARN)
LIB_$$(TARGET_NAME)_CFLAGS   := $$(addprefix -I,$$(call target_paths,$(1),$$(TARGET_INCLUDES))) $$(TARGET_DEFINES)
LIB_$$(TARGET_NAME)_USER     := $$(TARGET_CFLAGS)
LIB_$$(TARGET_NAME)_MUTANTS  := $$(TARGET_MUTANTS)
$$(foreach s,$$(TARGET_SOURCES),$$(eval LIB_$$(TARGET_NAME)_USER.$$(call target_paths,$(1),$$(s)) := $$(TARGET_CFLAGS.$$(s))))
$$(foreach m,$$(TARGET_MUTANTS),$$(eval LIB_$$(TARGET_NAME)_FLAGS.$$(m) := $$(TARGET_MUTANT_FLAGS.$$(m))))
$$(foreach m,$$(TARGET_MUTANTS),$$(eval LIB_$$(TARGET_NAME)_ABOUT.$$(m) := $$(TARGET_MUTANT_ABOUT.$$(m))))
$$(foreach m,$$(TARGET_MUTANTS),$$(eval LIB_$$(TARGET_NAME)_MSRCS.$$(m) := $$(call target_paths,$(1),$$(TARGET_MUTANT_SOURCES.$$(m)))))
endef
$(foreach d,$(TARGET_DIRS),$(eval $(call load_target,$(d))))

# Every variant as LIB/MUTANT; the unmutated build of each library is "fixed".
VARIANTS := $(foreach l,$(LIBS),$(l)/fixed $(addprefix $(l)/,$(LIB_$(l)_MUTANTS)))
# Where each library runs (TARGET_RUNS_IN): the in-process world always; the multi-process
# simulator (mp: a Linux process) and the PVH guest (pvh: freestanding) unless its manifest says
# it cannot. LIBS_<world> and VARIANTS_<world> are what each world's rules and tests iterate.
$(foreach x,world mp pvh,$(eval LIBS_$(x) := $(foreach l,$(LIBS),$(if $(filter $(x),$(LIB_$(l)_RUNS_IN)),$(l)))))
$(foreach x,world mp pvh,$(eval VARIANTS_$(x) := $(filter $(addsuffix /%,$(LIBS_$(x))),$(VARIANTS))))
# make test's process-level suites (sim-attack, sim-scenarios: minutes per library) keep to the
# two reference libraries; the in-tree shape libraries (hiref, fifoq, bigtab) are subjects of the
# in-process world's tests, and `make sim-attack` plays them all. With TARGET=, yours.
TEST_LIBS_mp := $(if $(TARGET),$(LIBS_mp),$(filter grants gtab,$(LIBS_mp)))
variant_lib    = $(firstword $(subst /, ,$(1)))
variant_mutant = $(lastword $(subst /, ,$(1)))
# The compiler switches of a variant: the library's includes and defines, the mutant's switch, and
# its names for reports (harness/seam/seam_variant.c).
variant_cflags = $(LIB_$(call variant_lib,$(1))_CFLAGS) \
                 $(if $(filter fixed,$(call variant_mutant,$(1))),,$(LIB_$(call variant_lib,$(1))_FLAGS.$(call variant_mutant,$(1)))) \
                 -DGNTFUZZ_LIBRARY='"$(call variant_lib,$(1))"' -DGNTFUZZ_MUTANT='"$(call variant_mutant,$(1))"'
# The sources of a variant: the library's, with each of the mutant's TARGET_MUTANT_SOURCES in place
# of the entry of the same file name (or added after them).
variant_srcs = $(call swap_sources,$(LIB_$(call variant_lib,$(1))_SRCS),$(LIB_$(call variant_lib,$(1))_MSRCS.$(call variant_mutant,$(1))))
swap_sources = $(foreach s,$(1),$(or $(filter %/$(notdir $(s)) $(notdir $(s)),$(2)),$(s))) \
               $(foreach n,$(2),$(if $(filter $(notdir $(n)),$(notdir $(1))),,$(n)))
# The TARGET_SOURCES entry (resolved) that source $(2) of library $(1) is, or stands in for (a
# mutant's file): its TARGET_CFLAGS.<source> and whether it is adapter or library code follow it.
source_entry = $(or $(filter $(2),$(LIB_$(1)_SRCS)),$(firstword $(foreach s,$(LIB_$(1)_SRCS),$(if $(filter $(notdir $(2)),$(notdir $(s))),$(s)))))

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
# The in-process flavours (clang) put the target's writable globals, and the library's own code,
# in sections of their own: the world snapshots the globals after boot() and tells the library's
# frames apart by address (harness/seam/seam_sections.h).
SEAM_SECTIONS           := -include harness/seam/seam_sections.h
SEAM_SECTION_FLAVOURS   := plain asan libfuzzer afl cmplog cov nohooks nopass
TARGET_OUT              := $(BUILD)/target
# Target code with the project's defaults (seam.mk's library-shaped test code); a library's own
# code gets its manifest's interface version, Xen headers and warnings instead (target_cflags).
TARGET_BASE_CFLAGS      := -std=gnu11 $(WARN) $(XEN_IFACE) -Iharness/seam -Iharness
target_archive = $(TARGET_OUT)/$(1)/$(2)/libtarget.a

# Our flags for flavour $(1), library $(2): its Xen headers first (so seam.h and the library see
# one copy), the interface version, the seam's headers, the flavour's switches, the sections.
target_cflags = -std=gnu11 $(LIB_$(2)_XEN) -Iharness/seam -Iharness $(TARGET_CFLAGS_$(1)) \
                $(if $(filter $(1),$(SEAM_SECTION_FLAVOURS)),$(SEAM_SECTIONS))
# One source: flavour $(1), variant $(2), source $(3), object number $(4), run in the archive's
# recipe. The manifest's TARGET_CFLAGS and TARGET_CFLAGS.<source> come last, so that -w, -Wno-...
# or -O0 override ours. -MMD: the headers and #included .c files it read go to a .d file whose
# target is the archive (included below); -MP and the source's own empty rule let a file that is
# gone (a library moved, another copy of the template under the same name) just rebuild it.
target_compile = $(TARGET_CC_$(1)) $(call target_cflags,$(1),$(call variant_lib,$(2))) \
  $(LIB_$(call variant_lib,$(2))_WARN) $(call variant_cflags,$(2)) \
  $(if $(filter $(call source_entry,$(call variant_lib,$(2)),$(3)),$(LIB_$(call variant_lib,$(2))_ADAPTERS)),,-DGNTFUZZ_LIBRARY_CODE) \
  $(LIB_$(call variant_lib,$(2))_USER) $(LIB_$(call variant_lib,$(2))_USER.$(call source_entry,$(call variant_lib,$(2)),$(3))) \
  -MMD -MP -MT $@ -MF $(@D)/obj/$(4)-$(basename $(notdir $(3))).d -c $(3) -o $(@D)/obj/$(4)-$(basename $(notdir $(3))).o \
  && echo '$(3):' >>$(@D)/obj/$(4)-$(basename $(notdir $(3))).d
# 1 2 ... N for a list of N words: objects are numbered, as two sources may share a base name.
target_count = $(if $(1),$(call target_count,$(wordlist 2,$(words $(1)),$(1))) $(words $(1)))

# build/target/<flavour>/<lib>/<mutant>/libtarget.a: one archive per variant and flavour, with
# seam_variant.c (our code: our warnings, the library's Xen view). A hooked flavour's archive is
# rebuilt when the pass plugin changes; headers come from the .d files.
define target_archive_rule # flavour, variant
$(call target_archive,$(1),$(2)): $(call variant_srcs,$(2)) $(LIB_$(call variant_lib,$(2))_DIR)/target.mk \
    harness/seam/seam_variant.c mk/targets.mk $(if $(filter $(1),$(SEAM_HOOKED_FLAVOURS)),$(SEAM_PASS)) \
    $(if $(filter $(1),$(SEAM_SECTION_FLAVOURS)),harness/seam/seam_sections.h)
	@mkdir -p $$(@D)/obj && rm -f $$(@D)/obj/*.o $$(@D)/obj/*.d $$@
	@echo "  TARGET-$(1) $(2)"
	@$$(foreach i,$$(call target_count,$$(call variant_srcs,$(2))),\
	  $$(call target_compile,$(1),$(2),$$(word $$(i),$$(call variant_srcs,$(2))),$$(i)) || exit 1;)
	@$$(TARGET_CC_$(1)) $$(call target_cflags,$(1),$(call variant_lib,$(2))) $$(WARN) $$(call variant_cflags,$(2)) \
	  -c harness/seam/seam_variant.c -o $$(@D)/obj/0-seam_variant.o
	@$(AR) rcs $$@ $$(@D)/obj/*.o
endef
$(foreach f,$(TARGET_FLAVOURS),$(foreach v,$(VARIANTS),$(eval $(call target_archive_rule,$(f),$(v)))))
# What each archive's sources read, from their last build: editing a header (any folder, absolute
# paths too) or an #included .c rebuilds exactly the archives that use it.
-include $(wildcard $(TARGET_OUT)/*/*/*/obj/*.d)

## list-variants: one "LIBRARY MUTANT" line per variant of the libraries under test (TARGET=<dir>: yours; RUNS_IN=mp|pvh: those that run there)
## list-mutants: one "LIBRARY MUTANT SWITCH..." line per mutant: its TARGET_MUTANT_FLAGS (TARGET=<dir>: yours)
## list-sources: one "LIBRARY MUTANT FILE..." line per variant: the sources its archive compiles
## mutants: the mutants of every library under test, with what each re-creates
.PHONY: list-variants list-mutants list-sources mutants
list-variants:
	@$(foreach v,$(if $(RUNS_IN),$(VARIANTS_$(RUNS_IN)),$(VARIANTS)),echo "$(call variant_lib,$(v)) $(call variant_mutant,$(v))";)
# Printed by make itself (as `mutants` below): switches may hold quotes.
list-mutants:
	$(foreach l,$(LIBS),$(foreach m,$(LIB_$(l)_MUTANTS),$(info $(l) $(m) $(strip $(LIB_$(l)_FLAGS.$(m))))))
	@:
list-sources:
	$(foreach v,$(VARIANTS),$(info $(call variant_lib,$(v)) $(call variant_mutant,$(v)) $(strip $(call variant_srcs,$(v)))))
	@:
# Printed by make itself: a summary may hold any quote without a shell to escape it for.
mutants:
	$(foreach l,$(LIBS),$(foreach m,$(LIB_$(l)_MUTANTS),$(info $(shell printf '  %-8s %-16s' $(l) $(m)) $(LIB_$(l)_ABOUT.$(m)))))
	@:
