# targets/fifoq/target.mk - gntfuzz manifest of fifoq: free refs in a FIFO (the ref given back
# longest ago is handed out next), all state in one struct the owner provides, grant table v1
# only (C11 __atomic builtins on the entries), a grant given up while mapped parked on a bounded
# ring (the seam's defer_cap) and retried by fq_service on tick; with the ring full it is
# abandoned (page and ref kept forever) and counted.
TARGET_NAME     := fifoq
TARGET_SOURCES  := fifoq.c adapter.c
TARGET_INCLUDES := .
TARGET_DEFINES  :=
TARGET_MUTANTS  := early_requeue lost_ref uncounted
TARGET_MUTANT_FLAGS.early_requeue := -DFIFOQ_BUG_EARLY_REQUEUE
TARGET_MUTANT_ABOUT.early_requeue := a grant parked while mapped has its ref queued at once ("it waits behind every free ref") and again when the service reclaims it: a ref returned twice, reused while mapped
TARGET_MUTANT_FLAGS.lost_ref := -DFIFOQ_BUG_LOST_REF
TARGET_MUTANT_ABOUT.lost_ref := the service gives back the page of a reclaimed parked grant but never queues its ref again: a ref leak (CVE-2022-23040 class)
TARGET_MUTANT_FLAGS.uncounted := -DFIFOQ_BUG_UNCOUNTED
TARGET_MUTANT_ABOUT.uncounted := with the parking ring full a mapped grant is abandoned but not counted: page and ref lost unseen
