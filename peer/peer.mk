# peer/peer.mk - the malicious peer program. Built against Debian's headers and libraries only
# (plus the workload's ring protocol header), so the same binary runs in dom0 on real Xen and
# under the multi-process simulator (`xensim run`, which puts the drop-ins on LD_LIBRARY_PATH).
PEER_OUT    := $(BUILD)/peer
PEER_BIN    := $(PEER_OUT)/gntfuzz-peer
# plus the packet code the vif backend shares with our netfront (hosted and freestanding alike)
PEER_SRCS   := $(sort $(wildcard peer/*.c)) $(wildcard harness/devices/netfront_pkt.c)
PEER_CFLAGS := -std=gnu11 -O2 -g $(WARN) $(XEN_IFACE) -Iharness/workload -Iharness/devices

## peer: build build/peer/gntfuzz-peer (links -lxengnttab -lxenevtchn -lxenstore -lxenctrl)
.PHONY: peer
peer: $(PEER_BIN)
$(PEER_BIN): $(PEER_SRCS) $(wildcard peer/*.h) harness/workload/wl_proto.h harness/devices/netfront_pkt.h \
             harness/devices/blkif_abi.h
	@mkdir -p $(PEER_OUT)
	$(CC) $(PEER_CFLAGS) $(PEER_SRCS) -lxengnttab -lxenevtchn -lxenstore -lxenctrl -o $@

## test-peer-rounds: gntfuzz-peer --protocol rounds: bad arguments and a missing Xen are one-line errors, exits 2 and 1
.PHONY: test-peer-rounds
test-peer-rounds: $(PEER_BIN)
	@$(PYTHON) peer/tests/rounds_cli.py $(BUILD)
TESTS += test-peer-rounds

# The black-box oracle alone (pure C): markers, snapshots, the grace, the exclusion of pages named
# again; and the stale-map check on a fake grant table.
$(PEER_OUT)/test_dev_watch: peer/tests/test_dev_watch.c peer/tests/tap.h peer/dev_watch.c peer/dev_watch.h
	@mkdir -p $(PEER_OUT)
	$(CC) $(PEER_CFLAGS) -Ipeer peer/tests/test_dev_watch.c peer/dev_watch.c -o $@
$(PEER_OUT)/test_dev_stale: peer/tests/test_dev_stale.c peer/tests/tap.h peer/dev_stale.c peer/dev_stale.h peer/dev_watch.c peer/dev_watch.h
	@mkdir -p $(PEER_OUT)
	$(CC) $(PEER_CFLAGS) -Ipeer peer/tests/test_dev_stale.c peer/dev_stale.c peer/dev_watch.c -o $@

## test-peer-dev-watch: the black-box oracle's unit tests: reuse reported with its evidence, persistent-grant reuse and requests in flight never; the stale-map check: a grant left live after its end reported, ended, deferred and re-granted ones never
.PHONY: test-peer-dev-watch test-peer-vbd-hostile
test-peer-dev-watch: $(PEER_OUT)/test_dev_watch $(PEER_OUT)/test_dev_stale
	@$(PEER_OUT)/test_dev_watch
	@$(PEER_OUT)/test_dev_stale
TESTS += test-peer-dev-watch

## test-peer-vbd-hostile: gntfuzz-peer --device vbd vs a hostile frontend (bad ring-ref, ring-page-order, event channel, protocol) and bad arguments: one line, exit 1 or 2
test-peer-vbd-hostile: $(PEER_BIN) multiproc $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) peer/tests/vbd_hostile.py $(BUILD)
TESTS += test-peer-vbd-hostile
