# grants/grants.mk - the grant library under test: freestanding archives for the real library
# and each mutant, and its unit tests (cmocka).
GRANTS_OUT      := $(BUILD)/grants
GRANTS_VARIANTS := 0 $(MUTANT_IDS)
GRANTS_DEPS     := $(wildcard grants/include/*.h grants/src/*.h) grants/mutants.def
GRANTS_LIBS     := $(foreach n,$(GRANTS_VARIANTS),$(GRANTS_OUT)/m$(n)/libgnt.a)
# Evaluated lazily: only targets that compile pay for the compiler query in FREE_CFLAGS.
GRANTS_FREE_CFLAGS = $(call FREE_CFLAGS,$(CC))

# One archive per variant. Its objects are partially linked into one (gnt.o) so that
# `nm -u libgnt.a` lists exactly what the library needs from outside: it must be nothing.
define GRANTS_VARIANT
$(GRANTS_OUT)/m$(1)/%.o: grants/src/%.c $(GRANTS_DEPS)
	@mkdir -p $$(@D)
	$$(CC) $$(GRANTS_FREE_CFLAGS) -DGNT_MUTANT=$(1) -c $$< -o $$@
$(GRANTS_OUT)/m$(1)/libgnt.a: $(patsubst grants/src/%.c,$(GRANTS_OUT)/m$(1)/%.o,$(GRANTS_SRCS))
	$$(CC) -r -nostdlib -o $$(@D)/gnt.o $$^
	rm -f $$@ && $$(AR) rcs $$@ $$(@D)/gnt.o
endef
$(foreach n,$(GRANTS_VARIANTS),$(eval $(call GRANTS_VARIANT,$(n))))

## grants: build build/grants/m<N>/libgnt.a (freestanding) for the real library (0) and every mutant; fail if any references an outside symbol
grants: $(GRANTS_LIBS)
	@for a in $(GRANTS_LIBS); do u=$$(nm -u -A $$a); \
	  if [ -n "$$u" ]; then echo "grants: $$a references outside symbols:"; echo "$$u"; exit 1; fi; done
	@echo "grants: $(words $(GRANTS_LIBS)) archives, no outside symbols"

.PHONY: grants
