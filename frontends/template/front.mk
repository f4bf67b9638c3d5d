# frontends/template/front.mk - the manifest of a PV device frontend under test. Copy this folder
# next to your driver, point the lines below at it, write adapter.c, then from gntfuzz's top folder:
#     make reproduce FRONT=/path/to/this/folder
#     make fuzz      FRONT=/path/to/this/folder FUZZ_ARGS="--target blkfront --library myfront --time 300"
#     make killmatrix FRONT=/path/to/this/folder FUZZ_ARGS="--mutants none --fronts myfront"
# Make syntax: `:=` assignments, `\` continues a line. A path is relative to this folder unless it
# is absolute. A mistake in this file stops every job with one line (`gntfuzz: <dir>/front.mk: ...`).

# A short name: reports, build folders and findings carry it (it must differ from every grant
# library's). Letters, digits, '_' only.
FRONT_NAME     := myfront

# The protocol your frontend speaks: vbd (xen/io/blkif.h) or vif (xen/io/netif.h). The device
# world plays a malicious backend of that protocol against it (`device ...` steps).
FRONT_DEVICE   := vbd

# Your driver and the adapter (adapter.c defines gntfuzz_front_vbd or gntfuzz_front_vif, see
# harness/devices/front_seam.h). Compiled like gntfuzz's own code (the fuzz builds keep their
# coverage on it), as a hosted program: no kernel around it, only what the adapter gives.
FRONT_SOURCES  := myfront.c adapter.c

# Include folders (-I, in order) and -D switches your driver needs outside its tree; extra
# compiler switches (after gntfuzz's, so they win).
FRONT_INCLUDES := .
FRONT_DEFINES  :=
#FRONT_CFLAGS   := -Wno-sign-compare

# The grant library your frontend runs on in the device world (its unmutated build): by default the
# reference library, grants/. Name another library under test (TARGET=) to pair yours with it.
#FRONT_LIBRARY  := grants

# Mutants: versions of your driver that re-create a bug (a build switch each), to prove the
# harness catches them. `make front-mutants` lists them with FRONT_MUTANT_ABOUT.<name>.
FRONT_MUTANTS  := reuse_busy
FRONT_MUTANT_FLAGS.reuse_busy := -DMYFRONT_BUG_REUSE_BUSY
FRONT_MUTANT_ABOUT.reuse_busy := after a response the data page is reused although its end answered busy (MSA02 in a driver)
