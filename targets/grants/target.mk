# targets/grants/target.mk - gntfuzz manifest of grants/, the project's reference library.
# Paths are relative to this directory. The format is the one a user's adapter directory uses
# (targets/template/target.mk explains each line).
TARGET_NAME     := grants
TARGET_SOURCES  := ../../grants/src/gnt_entry_v1.c ../../grants/src/gnt_entry_v2.c \
                   ../../grants/src/gnt_grant.c ../../grants/src/gnt_mutant.c \
                   ../../grants/src/gnt_reclaim.c ../../grants/src/gnt_refs.c adapter.c
TARGET_INCLUDES := ../../grants/include
TARGET_DEFINES  :=
# grants/mutants.def is the library's own table of mutants (its C sources read it as an X-macro);
# the build switch of mutant NAME is -DGNT_MUTANT=GNT_M_NAME.
TARGET_MUTANTS  := $(shell sed -n 's/^MUTANT.[0-9]*, *\([a-z0-9_]*\),.*/\1/p' $(TARGET_DIR)/../../grants/mutants.def)
$(foreach m,$(TARGET_MUTANTS),$(eval TARGET_MUTANT_FLAGS.$(m) := -DGNT_MUTANT=GNT_M_$(m)))
$(foreach m,$(TARGET_MUTANTS),$(eval TARGET_MUTANT_ABOUT.$(m) := \
  $(shell sed -n 's/^MUTANT.[0-9]*, *$(m), *"\(.*\)".*/\1/p' $(TARGET_DIR)/../../grants/mutants.def)))
