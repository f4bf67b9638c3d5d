# targets/template/target.mk - the manifest of a grant library under test. Copy this folder next
# to your code, point the lines below at it, write adapter.c, then from gntfuzz's top folder:
#     make reproduce TARGET=/path/to/this/folder
#     make fuzz      TARGET=/path/to/this/folder FUZZ_ARGS="--mutant fixed --time 300"
# Paths are relative to this folder. Make syntax: `:=` assignments, `\` continues a line.

# A short name: reports, build folders and findings carry it. Letters, digits, '_' only.
TARGET_NAME     := mygnt

# Your grant-table code and the adapter. Everything listed here is compiled with clang and
# -fsanitize-coverage=trace-loads,trace-stores, so every load and store it makes to the grant
# table becomes a scheduling point for the malicious peer. List only what the grant code needs.
TARGET_SOURCES  := mygnttab.c adapter.c

# Include folders and -D switches your code needs to build outside its own tree.
TARGET_INCLUDES := .
TARGET_DEFINES  :=

# Mutants: build switches of your code that re-create a bug, to prove the harness catches it
# (leave empty if you have none). Each is built and fuzzed as <name>; `fixed` is the code as is.
TARGET_MUTANTS  := ignore_busy
TARGET_MUTANT_FLAGS.ignore_busy := -DMYGNT_BUG_IGNORE_BUSY
TARGET_MUTANT_ABOUT.ignore_busy := end_access_and_free frees the page although the peer still maps it (MSA02 class)
