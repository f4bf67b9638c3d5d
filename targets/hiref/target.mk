# targets/hiref/target.mk - gntfuzz manifest of hiref: refs from a bitmap, the HIGHEST free ref
# first; refs 0..8 reserved (Xen's 0..7 and its own 8: the adapter declares first_ref 9); v1 and
# v2; a grant retired while mapped stays pending (per-ref bitmap, never written off) and is
# retried by hiref_reap on tick; a panic shim (host->log, then abort) for states it cannot go on
# from.
TARGET_NAME     := hiref
TARGET_SOURCES  := hiref.c adapter.c
TARGET_INCLUDES := .
TARGET_DEFINES  :=
TARGET_MUTANTS  := panic_busy xsa396 cve23041 v2_no_mb
TARGET_MUTANT_FLAGS.panic_busy := -DHIREF_BUG_PANIC_BUSY
TARGET_MUTANT_ABOUT.panic_busy := ending a grant asserts that the peer no longer maps it: a peer that keeps its map panics the guest (host->log, abort)
TARGET_MUTANT_FLAGS.xsa396 := -DHIREF_BUG_XSA396
TARGET_MUTANT_ABOUT.xsa396 := end tests the map bits, then clears the flags (v1) / header (v2) with a separate plain store (XSA-396)
TARGET_MUTANT_FLAGS.cve23041 := -DHIREF_BUG_CVE23041
TARGET_MUTANT_ABOUT.cve23041 := a grant retired while mapped leaves its ref pending but releases the page at once (CVE-2022-23041)
TARGET_MUTANT_FLAGS.v2_no_mb := -DHIREF_BUG_V2_NO_MB
TARGET_MUTANT_ABOUT.v2_no_mb := v2 end reads the status frame with no full barrier after the header clear, which may still sit in a store buffer (x86-TSO, Arm)
