# frontends/netfront/front.mk - gntfuzz manifest of our vif frontend (harness/devices/netfront*.c)
# as a frontend under test (frontends/template/front.mk explains each line).
FRONT_NAME     := netfront
FRONT_DEVICE   := vif
FRONT_SOURCES  := ../../harness/devices/netfront.c ../../harness/devices/netfront_pkt.c \
                  ../../harness/devices/netfront_run.c ../../harness/devices/xenbus_fe.c adapter.c
FRONT_INCLUDES := ../../harness/devices ../../harness/workload
FRONT_MUTANTS  := rx_error_recycle tx_free_busy teardown_rx_free
FRONT_MUTANT_FLAGS.rx_error_recycle := -DNETFRONT_BUG_RX_ERROR_RECYCLE
FRONT_MUTANT_ABOUT.rx_error_recycle := an rx response with NETIF_RSP_ERROR/DROPPED: the buffer is recycled, its page freed whatever its end answered
FRONT_MUTANT_FLAGS.tx_free_busy     := -DNETFRONT_BUG_TX_FREE_BUSY
FRONT_MUTANT_ABOUT.tx_free_busy     := an answered tx frame's page is freed even when its end answered busy
FRONT_MUTANT_FLAGS.teardown_rx_free := -DNETFRONT_BUG_TEARDOWN_RX_FREE
FRONT_MUTANT_ABOUT.teardown_rx_free := teardown frees the posted rx buffers whatever their end answered
