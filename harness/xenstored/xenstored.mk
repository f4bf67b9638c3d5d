# harness/xenstored/xenstored.mk - the xenstore wire-protocol server.
# Library: build/xenstored/libxsserver.a (API: harness/xenstored/xs_server.h, for embedding and fuzzing).
XSD_DIR    := harness/xenstored
XSD_OUT    := $(BUILD)/xenstored
XSD_SRCS   := $(XSD_DIR)/xs_path.c $(XSD_DIR)/xs_perms.c $(XSD_DIR)/xs_store.c \
              $(XSD_DIR)/xs_view.c $(XSD_DIR)/xs_watch.c $(XSD_DIR)/xs_ops.c $(XSD_DIR)/xs_server.c
XSD_HDRS   := $(wildcard $(XSD_DIR)/*.h)
XSD_CFLAGS  = $(HOST_CFLAGS) -I$(XSD_DIR)
XSD_LIB    := $(XSD_OUT)/libxsserver.a
XSD_DAEMON := $(XSD_OUT)/gntfuzz-xenstored
XSD_ASAN   := $(XSD_OUT)/gntfuzz-xenstored-asan
XSD_UNIT   := $(XSD_OUT)/test_xs_server
XSD_TXCLI  := $(XSD_OUT)/xs_txn_conflict
XSD_OBJS   := $(patsubst $(XSD_DIR)/%.c,$(XSD_OUT)/%.o,$(XSD_SRCS))

## xenstored: build the xenstore server daemon build/xenstored/gntfuzz-xenstored (and its ASan twin)
## test-xenstored: xenstore server against Debian's libxenstore, xenstore-* tools and test-xenstore, plus hostile raw messages on the ASan build
.PHONY: xenstored test-xenstored test-xenstored-unit
xenstored: $(XSD_DAEMON) $(XSD_ASAN) $(XSD_LIB)

TESTS += test-xenstored-unit test-xenstored

$(XSD_OUT)/%.o: $(XSD_DIR)/%.c $(XSD_HDRS) mk/config.mk
	@mkdir -p $(@D)
	$(CC) $(XSD_CFLAGS) -c -o $@ $<

$(XSD_LIB): $(XSD_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(XSD_DAEMON): $(XSD_DIR)/xenstored_main.c $(XSD_LIB)
	$(CC) $(XSD_CFLAGS) -o $@ $< $(XSD_LIB)

# The same sources with ASan/UBSan: the hostile-message test runs this one.
$(XSD_ASAN): $(XSD_DIR)/xenstored_main.c $(XSD_SRCS) $(XSD_HDRS)
	@mkdir -p $(@D)
	$(CC) $(XSD_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $(XSD_DIR)/xenstored_main.c $(XSD_SRCS)

$(XSD_UNIT): $(XSD_DIR)/tests/test_xs_server.c $(XSD_SRCS) $(XSD_HDRS)
	@mkdir -p $(@D)
	$(CC) $(XSD_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $< $(XSD_SRCS)

# A libxenstore client (Debian's library) that provokes a transaction conflict.
$(XSD_TXCLI): $(XSD_DIR)/tests/xs_txn_conflict.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $< -lxenstore

## test-xenstored-unit: the server library driven directly (framing, permissions, transactions, watches, limits) under ASan/UBSan
test-xenstored-unit: $(XSD_UNIT)
	@$(XSD_UNIT)

test-xenstored: $(XSD_DAEMON) $(XSD_ASAN) $(XSD_TXCLI)
	@$(PYTHON) $(XSD_DIR)/tests/test_xenstored.py --daemon $(XSD_DAEMON) --asan-daemon $(XSD_ASAN) \
		--txn-client $(XSD_TXCLI)

# The multi-process simulator (xensim start, make sim-attack) runs this daemon beside the broker.
sim-attack: $(XSD_DAEMON)
