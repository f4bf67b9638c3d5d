# grants/grants.mk - the grant library under test: freestanding archives for the real library
# and each mutant, and its unit tests (cmocka).
GRANTS_OUT      := $(BUILD)/grants
# The fixed library and every mutant, by name (targets/grants/target.mk reads grants/mutants.def).
GRANTS_MUTANTS  := $(LIB_grants_MUTANTS)
GRANTS_VARIANTS := fixed $(GRANTS_MUTANTS)
grants_switch    = $(if $(filter fixed,$(1)),,-DGNT_MUTANT=GNT_M_$(1))
GRANTS_DEPS     := $(wildcard grants/include/*.h grants/src/*.h) grants/mutants.def
GRANTS_LIBS     := $(foreach n,$(GRANTS_VARIANTS),$(GRANTS_OUT)/$(n)/libgnt.a)
# Evaluated lazily: only targets that compile pay for the compiler query in FREE_CFLAGS.
GRANTS_FREE_CFLAGS = $(call FREE_CFLAGS,$(CC))

# One archive per variant. Its objects are partially linked into one (gnt.o) so that
# `nm -u libgnt.a` lists exactly what the library needs from outside: it must be nothing.
define GRANTS_VARIANT
$(GRANTS_OUT)/$(1)/%.o: grants/src/%.c $(GRANTS_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$(GRANTS_FREE_CFLAGS) $(call grants_switch,$(1)) -c $$< -o $$@
$(GRANTS_OUT)/$(1)/libgnt.a: $(patsubst grants/src/%.c,$(GRANTS_OUT)/$(1)/%.o,$(GRANTS_SRCS))
	$$(CC) -r -nostdlib -o $$(@D)/gnt.o $$^
	rm -f $$@ && $$(AR) rcs $$@ $$(@D)/gnt.o
endef
$(foreach n,$(GRANTS_VARIANTS),$(eval $(call GRANTS_VARIANT,$(n))))

## grants: build build/grants/<mutant>/libgnt.a (freestanding) for the fixed library and every mutant; fail if any references an outside symbol
grants: $(GRANTS_LIBS)
	@for a in $(GRANTS_LIBS); do u=$$(nm -u -A $$a); \
	  if [ -n "$$u" ]; then echo "grants: $$a references outside symbols:"; echo "$$u"; exit 1; fi; done
	@echo "grants: $(words $(GRANTS_LIBS)) archives, no outside symbols"

.PHONY: grants

# --- unit tests (cmocka, a plain-memory fake Xen) ---
GRANTS_TEST_SRCS := $(sort $(wildcard grants/tests/*.c))
# The tests also run the library on the host's real entry accesses (targets/grants/entry_ops.h,
# where the cas_expected mutant lives): -Itargets/grants.
GRANTS_TEST_DEPS := $(GRANTS_SRCS) $(GRANTS_TEST_SRCS) $(wildcard grants/tests/*.h) $(GRANTS_DEPS) \
                    targets/grants/entry_ops.h
GRANTS_TEST_INC  := -Igrants/tests -Itargets/grants
GRANTS_TOUT      := $(GRANTS_OUT)/tests

# unit-<mutant>: gcc build against that variant; unit-asan: clang with ASan+UBSan, fixed library.
$(GRANTS_TOUT)/unit-%: $(GRANTS_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(GRANTS_TEST_INC) $(call grants_switch,$*) -o $@ $(GRANTS_SRCS) $(GRANTS_TEST_SRCS) -lcmocka
$(GRANTS_TOUT)/unit-asan: $(GRANTS_TEST_DEPS)
	@mkdir -p $(@D)
	$(CLANG) $(HOST_CFLAGS) $(SAN_FLAGS) $(GRANTS_TEST_INC) -o $@ $(GRANTS_SRCS) $(GRANTS_TEST_SRCS) -lcmocka

# clang-m<N>/libgnt.a: the same freestanding archives built by clang (the PVH guest may use it).
GRANTS_CLANG_FREE_CFLAGS = $(call FREE_CFLAGS,$(CLANG))
define GRANTS_CLANG_VARIANT
$(GRANTS_OUT)/clang-$(1)/libgnt.a: $(GRANTS_SRCS) $(GRANTS_DEPS)
	@mkdir -p $$(@D)
	cd $$(@D) && $$(CLANG) $$(patsubst -I%,-I$$(CURDIR)/%,$$(GRANTS_CLANG_FREE_CFLAGS)) $(call grants_switch,$(1)) -c $$(addprefix $$(CURDIR)/,$$(GRANTS_SRCS))
	$$(CLANG) -r -nostdlib -o $$(@D)/gnt.o $$(patsubst grants/src/%.c,$$(@D)/%.o,$$(GRANTS_SRCS))
	rm -f $$@ && $$(AR) rcs $$@ $$(@D)/gnt.o
endef
$(foreach n,$(GRANTS_VARIANTS),$(eval $(call GRANTS_CLANG_VARIANT,$(n))))
GRANTS_CLANG_LIBS := $(foreach n,$(GRANTS_VARIANTS),$(GRANTS_OUT)/clang-$(n)/libgnt.a)

## test-grants-unit: unit tests of grants/ (cmocka, gcc, fixed library)
test-grants-unit: $(GRANTS_TOUT)/unit-fixed
	@$<

## test-grants-asan: unit tests of grants/ under clang ASan+UBSan
test-grants-asan: $(GRANTS_TOUT)/unit-asan
	@$<

$(GRANTS_TOUT)/probe/libprobe.a: grants/tests/probe/uses_libc.c
	@mkdir -p $(@D)
	$(CC) $(GRANTS_FREE_CFLAGS) -c $< -o $(@D)/uses_libc.o
	rm -f $@ && $(AR) rcs $@ $(@D)/uses_libc.o

## test-grants-freestanding: every grants/ archive (gcc and clang, all mutants) references no outside symbol and has no writable globals
test-grants-freestanding: $(GRANTS_TOUT)/probe/libprobe.a $(GRANTS_LIBS) $(GRANTS_CLANG_LIBS)
	@sh grants/tests/check_freestanding.sh --expect-fail $(GRANTS_TOUT)/probe/libprobe.a; p=$$?; \
	 sh grants/tests/check_freestanding.sh $(GRANTS_LIBS) $(GRANTS_CLANG_LIBS) && exit $$p

## test-grants-mutants-killed: the unit tests pass on the real library and fail on every mutant
test-grants-mutants-killed: $(foreach n,$(GRANTS_VARIANTS),$(GRANTS_TOUT)/unit-$(n))
	@sh grants/tests/mutants_killed.sh $(GRANTS_TOUT) $(GRANTS_MUTANTS)

TESTS += test-grants-unit test-grants-asan test-grants-freestanding test-grants-mutants-killed
.PHONY: test-grants-unit test-grants-asan test-grants-freestanding test-grants-mutants-killed
