# mk/fronts.mk - the PV device frontends under test, brought through the frontend seam
# (harness/devices/front_seam.h) the way mk/targets.mk brings grant libraries. Each is a directory
# with a manifest, front.mk (frontends/template/front.mk documents it): its sources, its adapter
# and the build switches of its mutants. A frontend runs in the in-process device world on the
# unmutated build of a grant library (FRONT_LIBRARY, default the reference library); its variants
# are FRONT/MUTANT ("fixed" the unmutated one), built as gntworld and as the device's fuzz target.
#
#   make ... FRONT=<dir>           only the frontend in <dir> (yours, out of tree)
#   make list-front-variants       one "FRONT MUTANT DEVICE" line per variant: what scripts ask
#   make front-mutants             each frontend mutant with what it re-creates
FRONT      ?=
FRONT_DIRS := $(if $(FRONT),$(patsubst %/,%,$(FRONT)),$(patsubst %/front.mk,%,$(filter-out frontends/template/%,$(wildcard frontends/*/front.mk))))
FRONTS     :=
front_fail = $(error gntfuzz: $(1)/front.mk: $(2))
# What a manifest may set (FRONT_MUTANT_FLAGS.<m> and FRONT_MUTANT_ABOUT.<m> besides).
FRONT_KNOWN := FRONT_NAME FRONT_DEVICE FRONT_SOURCES FRONT_ADAPTER_SOURCES FRONT_INCLUDES FRONT_DEFINES \
               FRONT_CFLAGS FRONT_MUTANTS FRONT_LIBRARY

define load_front
FRONT_DIR := $(1)
FRONT_NAME :=
FRONT_DEVICE :=
FRONT_SOURCES :=
FRONT_INCLUDES :=
FRONT_DEFINES :=
FRONT_CFLAGS :=
FRONT_MUTANTS :=
FRONT_LIBRARY := $(firstword $(LIBS))
FRONT_ADAPTER_SOURCES = $$(filter adapter.c %/adapter.c,$$(FRONT_SOURCES))
$$(foreach v,$$(filter FRONT_MUTANT_FLAGS.% FRONT_MUTANT_ABOUT.%,$$(.VARIABLES)),$$(eval undefine $$(v)))
$$(if $$(wildcard $(1)/front.mk),,$$(error gntfuzz: $(1)/front.mk not found: a frontend directory needs a manifest (see frontends/template/front.mk)))
FRONT_BEFORE := $$(.VARIABLES)
include $(1)/front.mk
$$(foreach v,$$(filter-out $$(FRONT_BEFORE) FRONT_BEFORE $$(FRONT_KNOWN) FRONT_MUTANT_FLAGS.% FRONT_MUTANT_ABOUT.%,$$(.VARIABLES)),\
  $$(call front_fail,$(1),unknown variable $$(v) (a manifest sets $$(FRONT_KNOWN)$$(comma) FRONT_MUTANT_FLAGS.<m> and FRONT_MUTANT_ABOUT.<m>)))
$$(if $$(shell echo '$$(FRONT_NAME)' | grep -qx '[A-Za-z0-9_]*' && echo ok),,$$(call front_fail,$(1),FRONT_NAME '$$(FRONT_NAME)' may hold letters$$(comma) digits and '_' only))
$$(foreach m,$$(FRONT_MUTANTS),$$(if $$(FRONT_MUTANT_FLAGS.$$(m)),,$$(call front_fail,$(1),mutant $$(m) has no FRONT_MUTANT_FLAGS.$$(m): it would build as the fixed frontend)))
$$(if $$(FRONT_NAME),,$$(call front_fail,$(1),FRONT_NAME is not set))
$$(if $$(filter $$(FRONT_NAME),fixed $$(FRONTS) $$(LIBS)),$$(call front_fail,$(1),frontend name '$$(FRONT_NAME)' is taken))
$$(if $$(filter vbd vif,$$(FRONT_DEVICE)),,$$(call front_fail,$(1),FRONT_DEVICE must be vbd or vif$$(comma) not '$$(FRONT_DEVICE)'))
$$(if $$(strip $$(FRONT_SOURCES)),,$$(call front_fail,$(1),FRONT_SOURCES is empty))
$$(foreach f,$$(FRONT_SOURCES),$$(if $$(wildcard $$(call target_paths,$(1),$$(f))),,$$(call front_fail,$(1),source $$(f) not found in $(1))))
$$(if $$(filter fixed,$$(FRONT_MUTANTS)),$$(call front_fail,$(1),'fixed' is the name of the unmutated build$$(comma) not a mutant))
$$(if $$(filter $$(FRONT_LIBRARY),$$(LIBS)),,$$(call front_fail,$(1),FRONT_LIBRARY '$$(FRONT_LIBRARY)' is not a library under test ($$(LIBS))))
FRONTS += $$(FRONT_NAME)
FRONT_$$(FRONT_NAME)_DIR     := $(1)
FRONT_$$(FRONT_NAME)_DEVICE  := $$(FRONT_DEVICE)
FRONT_$$(FRONT_NAME)_SRCS    := $$(call target_paths,$(1),$$(FRONT_SOURCES))
FRONT_$$(FRONT_NAME)_ADAPTERS := $$(call target_paths,$(1),$$(FRONT_ADAPTER_SOURCES))
FRONT_$$(FRONT_NAME)_CFLAGS  := $$(addprefix -I,$$(call target_paths,$(1),$$(FRONT_INCLUDES))) $$(FRONT_DEFINES) $$(FRONT_CFLAGS)
FRONT_$$(FRONT_NAME)_LIBRARY := $$(FRONT_LIBRARY)
FRONT_$$(FRONT_NAME)_MUTANTS := $$(FRONT_MUTANTS)
$$(foreach m,$$(FRONT_MUTANTS),$$(eval FRONT_$$(FRONT_NAME)_FLAGS.$$(m) := $$(FRONT_MUTANT_FLAGS.$$(m))))
$$(foreach m,$$(FRONT_MUTANTS),$$(eval FRONT_$$(FRONT_NAME)_ABOUT.$$(m) := $$(FRONT_MUTANT_ABOUT.$$(m))))
endef
$(foreach d,$(FRONT_DIRS),$(eval $(call load_front,$(d))))

FRONT_VARIANTS := $(foreach f,$(FRONTS),$(f)/fixed $(addprefix $(f)/,$(FRONT_$(f)_MUTANTS)))
# The frontends of each device's fuzz target.
FRONT_VARIANTS_vbd := $(foreach f,$(FRONTS),$(if $(filter vbd,$(FRONT_$(f)_DEVICE)),$(filter $(f)/%,$(FRONT_VARIANTS))))
FRONT_VARIANTS_vif := $(foreach f,$(FRONTS),$(if $(filter vif,$(FRONT_$(f)_DEVICE)),$(filter $(f)/%,$(FRONT_VARIANTS))))
# The grant library archive a frontend variant links: its FRONT_LIBRARY, unmutated.
front_library = $(FRONT_$(call variant_lib,$(1))_LIBRARY)/fixed

# How frontend code is compiled, per flavour: as the world's own code is (it is code under test,
# so the fuzz flavours keep their coverage on it).
# Clang in every flavour: the driver's code (not its adapter's: FRONT_ADAPTER_SOURCES, default the
# adapter.c entries) goes to a section of its own (front_sections.h), by which the world tells the
# frontend's frames in a finding.
FRONT_SECTIONS      := -include harness/devices/front_sections.h
FRONT_CC_plain      = $(CLANG)
FRONT_CFLAGS_plain  = $(HOST_CFLAGS)
FRONT_CC_asan       = $(CLANG)
FRONT_CFLAGS_asan   = $(HOST_CFLAGS) $(SAN_FLAGS)
$(foreach e,libfuzzer afl cmplog cov,$(eval FRONT_CC_$(e) = $$(FUZZ_CC_$(e))) \
  $(eval FRONT_CFLAGS_$(e) = $$(HOST_CFLAGS) $$(FUZZ_INCLUDES) $$(FUZZ_CFLAGS_$(e))))
FRONT_FLAVOURS := plain asan libfuzzer afl cmplog cov
FRONT_OUT      := $(BUILD)/front
# One relocatable object per frontend variant and flavour (ld -r): linked whole, so the adapter's
# definitions are in whatever the world references them (weakly) from.
front_object = $(FRONT_OUT)/$(1)/$(2)/front.o
front_cflags = $(FRONT_$(call variant_lib,$(1))_CFLAGS) \
  $(if $(filter fixed,$(call variant_mutant,$(1))),,$(FRONT_$(call variant_lib,$(1))_FLAGS.$(call variant_mutant,$(1))))

define front_object_rule # flavour, variant
$(call front_object,$(1),$(2)): $(FRONT_$(call variant_lib,$(2))_SRCS) $(FRONT_$(call variant_lib,$(2))_DIR)/front.mk \
    harness/devices/front_variant.c harness/devices/front_sections.h mk/fronts.mk
	@mkdir -p $$(@D)/obj && rm -f $$(@D)/obj/*.o $$(@D)/obj/*.d
	@echo "  FRONT-$(1) $(2)"
	@$$(foreach i,$$(call target_count,$$(FRONT_$(call variant_lib,$(2))_SRCS)),\
	  $$(FRONT_CC_$(1)) $$(FRONT_CFLAGS_$(1)) $$(call front_cflags,$(2)) \
	    $$(if $$(filter $$(word $$(i),$$(FRONT_$(call variant_lib,$(2))_SRCS)),$$(FRONT_$(call variant_lib,$(2))_ADAPTERS)),,$$(FRONT_SECTIONS)) \
	    -MMD -MP -MT $$@ -MF $$(@D)/obj/$$(i).d -c $$(word $$(i),$$(FRONT_$(call variant_lib,$(2))_SRCS)) -o $$(@D)/obj/$$(i).o || exit 1;)
	@$$(FRONT_CC_$(1)) $$(FRONT_CFLAGS_$(1)) -DGNTFUZZ_FRONT='"$(call variant_lib,$(2))"' \
	  -DGNTFUZZ_FRONT_MUTANT='"$(call variant_mutant,$(2))"' -DGNTFUZZ_FRONT_DEVICE='"$(FRONT_$(call variant_lib,$(2))_DEVICE)"' \
	  -c harness/devices/front_variant.c -o $$(@D)/obj/0.o
	@$(LD) -r -o $$@ $$(@D)/obj/*.o
endef
$(foreach f,$(FRONT_FLAVOURS),$(foreach v,$(FRONT_VARIANTS),$(eval $(call front_object_rule,$(f),$(v)))))
-include $(wildcard $(FRONT_OUT)/*/*/*/obj/*.d)

## list-front-variants: one "FRONT MUTANT DEVICE" line per variant of the frontends under test (FRONT=<dir>: yours)
## front-mutants: the mutants of every frontend under test, with what each re-creates
.PHONY: list-front-variants front-mutants
list-front-variants:
	@$(foreach v,$(FRONT_VARIANTS),echo "$(call variant_lib,$(v)) $(call variant_mutant,$(v)) $(FRONT_$(call variant_lib,$(v))_DEVICE)";)
front-mutants:
	$(foreach f,$(FRONTS),$(foreach m,$(FRONT_$(f)_MUTANTS),$(info $(shell printf '  %-8s %-16s' $(f) $(m)) $(FRONT_$(f)_ABOUT.$(m)))))
	@:
