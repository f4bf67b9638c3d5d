# harness/pvh/pvh.mk - the PVH target guest kernel: one ELF per grants/ variant (0 = fixed,
# then every mutant), each running the self-grant check and the peer-driven MSA02 rounds.
PVH_OUT     := $(BUILD)/pvh
PVH_SRCS    := $(sort $(wildcard harness/pvh/*.c))
# engineer C's workload frontend, freestanding (WORKLOAD_FRONTEND_SRCS from harness/workload)
PVH_WL_SRCS := $(or $(WORKLOAD_FRONTEND_SRCS),harness/workload/frontend.c)
PVH_ASM     := harness/pvh/entry.S
PVH_DEPS    := $(wildcard harness/pvh/*.h harness/workload/*.h) harness/pvh/pvh.ld $(wildcard grants/include/*.h grants/src/*.h) grants/mutants.def
PVH_VARIANTS := 0 $(MUTANT_IDS)
# Freestanding, and safe before anything is set up: no SSE, no red zone, absolute addresses.
PVH_CFLAGS   = $(call FREE_CFLAGS,$(CC)) -Iharness/pvh -Iharness/workload -mgeneral-regs-only -mno-red-zone \
               -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -mcmodel=small
PVH_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments -T harness/pvh/pvh.ld
PVH_KERNELS := $(foreach n,$(PVH_VARIANTS),$(PVH_OUT)/gntfuzz-pvh-m$(n).elf)

define PVH_VARIANT
$(PVH_OUT)/m$(1)/pvh/%.o: harness/pvh/%.c $(PVH_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$(PVH_CFLAGS) -DGNT_MUTANT=$(1) -c $$< -o $$@
$(PVH_OUT)/m$(1)/grants/%.o: grants/src/%.c $(PVH_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$(PVH_CFLAGS) -DGNT_MUTANT=$(1) -c $$< -o $$@
$(PVH_OUT)/m$(1)/workload/%.o: harness/workload/%.c $(PVH_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$(PVH_CFLAGS) -DGNT_MUTANT=$(1) -c $$< -o $$@
$(PVH_OUT)/gntfuzz-pvh-m$(1).elf: $(PVH_OUT)/entry.o \
		$(patsubst harness/workload/%.c,$(PVH_OUT)/m$(1)/workload/%.o,$(PVH_WL_SRCS)) \
		$(patsubst harness/pvh/%.c,$(PVH_OUT)/m$(1)/pvh/%.o,$(PVH_SRCS)) \
		$(patsubst grants/src/%.c,$(PVH_OUT)/m$(1)/grants/%.o,$(GRANTS_SRCS))
	$$(LD) $$(PVH_LDFLAGS) -o $$@ $$^
endef
$(foreach n,$(PVH_VARIANTS),$(eval $(call PVH_VARIANT,$(n))))

$(PVH_OUT)/entry.o: $(PVH_ASM) $(PVH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(PVH_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

## pvh: build the PVH target guest kernels build/pvh/gntfuzz-pvh-m<N>.elf (0 = fixed library, N = mutant)
pvh: $(PVH_KERNELS)

## test-pvh: static checks of the PVH kernels (entry note, one load segment at 1 MiB, no undefined symbols)
test-pvh: $(PVH_KERNELS)
	@$(PYTHON) harness/pvh/check_elf.py $(PVH_KERNELS)

TESTS += test-pvh
.PHONY: pvh test-pvh
