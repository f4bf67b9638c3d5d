# targets/bigtab/target.mk - gntfuzz manifest of bigtab: a compile-time table of 2048 entries (4
# frames of v1 entries; the adapter declares .table = { .max_refs = 2048, .fixed = 1 }), v1 and
# v2, refs on a LIFO free list linked through each ref's own bookkeeping slot, built by an init
# that walks all 2048 slots (the adapter's boot: once per table shape, the world restores bigtab's
# globals per input); grants given up while mapped wait on a deferred chain through the same
# links, up to the seam's defer_cap, and are written off past it. Barriers from an arch shim.
TARGET_NAME     := bigtab
TARGET_SOURCES  := bigtab.c bt_arch.c adapter.c
TARGET_ADAPTER_SOURCES := bt_arch.c adapter.c
TARGET_INCLUDES := .
# The in-process world only: the multi-process simulator hands a library 128 refs and the PVH
# guest one grant frame (512 v1 / 256 v2 entries), and bigtab knows no table but its 2048 entries.
TARGET_RUNS_IN  := world
TARGET_DEFINES  :=
TARGET_MUTANTS  := boot_reserved msa02 tail_stale
TARGET_MUTANT_FLAGS.boot_reserved := -DBIGTAB_BUG_BOOT_RESERVED
TARGET_MUTANT_ABOUT.boot_reserved := boot takes "reserved" for the console and xenstore entries only: refs 2..7, Xen's, go on the free list and are handed out first
TARGET_MUTANT_FLAGS.msa02 := -DBIGTAB_BUG_MSA02
TARGET_MUTANT_ABOUT.msa02 := ungrant takes revoke's "still in use" as a warning and frees ref and page under the peer's map (MirageOS MSA02)
TARGET_MUTANT_FLAGS.tail_stale := -DBIGTAB_BUG_TAIL_STALE
TARGET_MUTANT_ABOUT.tail_stale := reclaiming the deferred chain's last grant leaves the tail naming it; the next deferral is linked through its slot, now on the free list: a still-mapped ref is handed out again
