# peer/peer.mk - the malicious peer program. Built against Debian's headers and libraries only
# (plus the workload's ring protocol header), so the same binary runs in dom0 on real Xen and
# under the multi-process simulator (`xensim run`, which puts the drop-ins on LD_LIBRARY_PATH).
PEER_OUT    := $(BUILD)/peer
PEER_BIN    := $(PEER_OUT)/gntfuzz-peer
PEER_SRCS   := $(sort $(wildcard peer/*.c))
PEER_CFLAGS := -std=gnu11 -O2 -g $(WARN) $(XEN_IFACE) -Iharness/workload

## peer: build build/peer/gntfuzz-peer (links -lxengnttab -lxenevtchn -lxenstore -lxenctrl)
.PHONY: peer
peer: $(PEER_BIN)
$(PEER_BIN): $(PEER_SRCS) peer/peer.h harness/workload/wl_proto.h
	@mkdir -p $(PEER_OUT)
	$(CC) $(PEER_CFLAGS) $(PEER_SRCS) -lxengnttab -lxenevtchn -lxenstore -lxenctrl -o $@

## test-peer-rounds: gntfuzz-peer --protocol rounds: bad arguments and a missing Xen are one-line errors, exits 2 and 1
.PHONY: test-peer-rounds
test-peer-rounds: $(PEER_BIN)
	@$(PYTHON) peer/tests/rounds_cli.py $(BUILD)
TESTS += test-peer-rounds
