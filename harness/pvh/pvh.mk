# harness/pvh/pvh.mk - the PVH target guest kernel: one ELF per variant (LIB/MUTANT of
# mk/targets.mk), build/pvh/<library>/<mutant>/gntfuzz-pvh.elf, each running the self-grant check
# and the peer-driven rounds or workload sessions. The guest's own code is built once; a kernel is
# that code linked with the variant's target archive (library + adapter + names, flavour pvh).
PVH_OUT     := $(BUILD)/pvh
PVH_SRCS    := $(sort $(wildcard harness/pvh/*.c))
# the workload frontend, freestanding (WORKLOAD_FRONTEND_SRCS from harness/workload), and
# the seam's completeness check
PVH_WL_SRCS := $(or $(WORKLOAD_FRONTEND_SRCS),harness/workload/frontend.c)
# and our PV device frontends (device=vbd|vif), freestanding as well
PVH_DEV_SRCS := $(filter-out harness/devices/front_%,$(sort $(wildcard harness/devices/*.c)))
PVH_HOST_SRCS := $(PVH_SRCS) $(PVH_WL_SRCS) $(PVH_DEV_SRCS) harness/seam/seam_check.c
PVH_ASM     := harness/pvh/entry.S
PVH_DEPS    := $(wildcard harness/pvh/*.h harness/workload/*.h harness/devices/*.h) harness/seam/seam.h harness/pvh/pvh.ld
# Freestanding, and safe before anything is set up: no SSE, no red zone, absolute addresses.
PVH_KERNEL_FLAGS := -mgeneral-regs-only -mno-red-zone -fno-pic -fno-pie -fno-stack-protector \
                    -fno-asynchronous-unwind-tables -mcmodel=small
PVH_CFLAGS   = $(call FREE_CFLAGS,$(CC)) -Iharness -Iharness/pvh -Iharness/workload -Iharness/devices $(PVH_KERNEL_FLAGS)
# The library's code in the guest (mk/targets.mk adds -std=gnu11, warnings, Xen's interface version,
# -Iharness/seam -Iharness and the variant's own includes and switches).
PVH_TARGET_CC      = $(CC)
PVH_TARGET_CFLAGS  = -O2 -g -ffreestanding -fno-builtin -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
                     -idirafter /usr/include $(PVH_KERNEL_FLAGS)
PVH_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments -T harness/pvh/pvh.ld
pvh_kernel   = $(PVH_OUT)/$(1)/gntfuzz-pvh.elf
PVH_KERNELS := $(foreach v,$(VARIANTS_pvh),$(call pvh_kernel,$(v)))
PVH_OBJS    := $(PVH_OUT)/obj/entry.o $(patsubst %.c,$(PVH_OUT)/obj/%.o,$(notdir $(PVH_HOST_SRCS)))

define PVH_OBJ_RULE
$(PVH_OUT)/obj/$(notdir $(1:.c=.o)): $(1) $(PVH_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$(PVH_CFLAGS) -c $$< -o $$@
endef
$(foreach src,$(PVH_HOST_SRCS),$(eval $(call PVH_OBJ_RULE,$(src))))

$(PVH_OUT)/obj/entry.o: $(PVH_ASM) $(PVH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(PVH_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

define PVH_KERNEL_RULE
$(call pvh_kernel,$(1)): $(PVH_OBJS) $(call target_archive,pvh,$(1))
	@mkdir -p $$(@D)
	$$(LD) $$(PVH_LDFLAGS) -o $$@ $(PVH_OBJS) $(call target_archive,pvh,$(1))
endef
$(foreach v,$(VARIANTS_pvh),$(eval $(call PVH_KERNEL_RULE,$(v))))

## pvh: build the PVH target guest kernels build/pvh/<library>/<mutant>/gntfuzz-pvh.elf, one per variant (make list-variants)
pvh: $(PVH_KERNELS)

## test-pvh: static checks of the PVH kernels (entry note, one load segment at 1 MiB, no undefined symbols)
test-pvh: $(PVH_KERNELS)
	@$(PYTHON) harness/pvh/check_elf.py $(PVH_KERNELS)

TESTS += test-pvh
.PHONY: pvh test-pvh
