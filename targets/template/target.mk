# targets/template/target.mk - the manifest of a grant library under test. Copy this folder next
# to your code, point the lines below at it, write adapter.c, then from gntfuzz's top folder:
#     make reproduce TARGET=/path/to/this/folder
#     make fuzz      TARGET=/path/to/this/folder FUZZ_ARGS="--mutant fixed --time 300"
# Make syntax: `:=` assignments, `\` continues a line. A path is relative to this folder unless it
# is absolute. The commented lines are optional, shown with an example value. A mistake in this
# file stops every job with one line (`gntfuzz: <dir>/target.mk: ...`); `make list-sources
# TARGET=<dir>` shows what each build compiles.

# A short name: reports, build folders and findings carry it. Letters, digits, '_' only.
TARGET_NAME     := mygnt

# Your grant-table code and the adapter. Everything listed here is compiled with clang and
# -fsanitize-coverage=trace-loads,trace-stores (and gntfuzz's pass), so every load and store it
# makes to the grant table becomes a scheduling point for the malicious peer. List only what the
# grant code needs. A header or #included .c it reads is tracked by itself: edit one and exactly
# the builds that use it are redone.
TARGET_SOURCES  := mygnttab.c adapter.c

# Which of TARGET_SOURCES are the adapter and your shims (stubs for the kernel around the grant
# code), not the library: findings are told by the library's own frames, and only library code is
# compiled with -DGNTFUZZ_LIBRARY_CODE. Default: the entries whose file name is adapter.c.
#TARGET_ADAPTER_SOURCES := adapter.c shim.c

# Where the library can run: the in-process world (fuzzers, scenarios: always), and by default
# also the multi-process simulator (mp: built as a Linux process) and the PVH guest (pvh: built
# freestanding, under real Xen). Code that needs libc, or that cannot build freestanding, says
# `world` or `world mp` here, and the mp/pvh tests and `make sim-attack` leave it out.
#TARGET_RUNS_IN := world mp pvh

# Include folders (-I, in this order) and -D switches your code needs to build outside its tree.
TARGET_INCLUDES := .
TARGET_DEFINES  :=

# Compiler switches after gntfuzz's own, so they win: TARGET_CFLAGS for every source above,
# TARGET_CFLAGS.<source> (named as in TARGET_SOURCES) for one, e.g. -w or -Wno-... for code you
# do not maintain. TARGET_WARN replaces gntfuzz's warning switches (default: -Wall -Wextra
# -Werror=implicit-function-declaration -Wno-unused-parameter) for all of them.
#TARGET_CFLAGS   := -fno-strict-aliasing
#TARGET_CFLAGS.mygnttab.c := -Wno-sign-compare
#TARGET_WARN     := -Wall

# Xen's public headers. TARGET_XEN_INTERFACE is __XEN_INTERFACE_VERSION__ for your code and the
# adapter (default 0x00040e00; 0x00030209 brings back the legacy grant_entry_t). If your code
# ships its own copy of the headers (<dir>/xen/grant_table.h ...), name <dir> in
# TARGET_XEN_HEADERS: it comes before every other include folder, so that your code and seam.h see
# that one copy. Do not list it in TARGET_INCLUDES.
#TARGET_XEN_INTERFACE := 0x00030209
#TARGET_XEN_HEADERS   := include/public

# Mutants: versions of your code that re-create a bug, to prove the harness catches it (leave
# TARGET_MUTANTS empty if you have none). Each is built and fuzzed as <name>; `fixed` is the code
# as is. A mutant is a build switch (TARGET_MUTANT_FLAGS.<name>), other files
# (TARGET_MUTANT_SOURCES.<name>: each replaces the TARGET_SOURCES entry of the same file name and
# takes its TARGET_CFLAGS.<source>, or is added if none has it; e.g. the previous release of your
# gnttab.c), or both. TARGET_MUTANT_ABOUT.<name> says in one line what it re-creates (`make mutants`).
TARGET_MUTANTS  := ignore_busy
TARGET_MUTANT_FLAGS.ignore_busy := -DMYGNT_BUG_IGNORE_BUSY
TARGET_MUTANT_ABOUT.ignore_busy := end_access_and_free frees the page although the peer still maps it (MSA02 class)
#TARGET_MUTANTS += old_release
#TARGET_MUTANT_SOURCES.old_release := releases/1.2/mygnttab.c
#TARGET_MUTANT_ABOUT.old_release := the 1.2 release, before the busy check was fixed
