# frontends/blkfront/front.mk - gntfuzz manifest of our vbd frontend (harness/devices/blkfront.c)
# as a frontend under test, in the format a user's frontend directory uses
# (frontends/template/front.mk explains each line). Paths are relative to this directory.
FRONT_NAME     := blkfront
FRONT_DEVICE   := vbd
FRONT_SOURCES  := ../../harness/devices/blkfront.c ../../harness/devices/xenbus_fe.c adapter.c
FRONT_INCLUDES := ../../harness/devices ../../harness/workload
FRONT_MUTANTS  := error_free teardown_free ring_free
FRONT_MUTANT_FLAGS.error_free    := -DBLKFRONT_BUG_ERROR_FREE
FRONT_MUTANT_ABOUT.error_free    := a request the backend failed: its pages' grants are ended and the pages freed whatever the end answered (MSA02's wrapper, in the driver)
FRONT_MUTANT_FLAGS.teardown_free := -DBLKFRONT_BUG_TEARDOWN_FREE
FRONT_MUTANT_ABOUT.teardown_free := backend Closing/Closed: outstanding requests' pages are freed whatever their end answered (a closing backend "has let go")
FRONT_MUTANT_FLAGS.ring_free     := -DBLKFRONT_BUG_RING_FREE
FRONT_MUTANT_ABOUT.ring_free     := teardown frees the ring pages whatever their end answered (CVE-2022-23040's shape)
