# harness/devices/tests/net.mk - the vif slice's tests: our netfront and the frame code in one
# process against a scripted hostile netback (ASan+UBSan); the netback's tx slot checks alone; the
# peer's netback against a hostile frontend's xenstore values; a small sim-attack of the vif columns (the whole matrix:
# `make sim-attack-vif`, or the vif columns of `make sim-attack`).
NET_TEST_OUT  := $(BUILD)/devices
NET_TEST_SRCS := harness/devices/tests/net_test.c harness/devices/netfront.c harness/devices/netfront_pkt.c \
                 harness/workload/frontend.c

$(NET_TEST_OUT)/net_test: $(NET_TEST_SRCS) $(wildcard harness/devices/*.h harness/workload/*.h)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -O1 $(SAN_FLAGS) -Iharness/workload -Iharness/devices $(NET_TEST_SRCS) -o $@

.PHONY: test-netfront test-peer-vif-input test-sim-attack-vif sim-attack-vif
## test-netfront: our netfront vs a scripted hostile netback (ids, statuses, rx sizes and offsets, ring lies, BUSY pages never touched, reconnect) and the ARP/ICMP frame code, ASan+UBSan
test-netfront: $(NET_TEST_OUT)/net_test
	@$<
TESTS += test-netfront

$(NET_TEST_OUT)/net_check: peer/tests/net_check.c peer/netback_check.c peer/netback.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -O1 $(SAN_FLAGS) -Ipeer -Iharness/workload -Iharness/devices peer/tests/net_check.c \
	  peer/netback_check.c -o $@

.PHONY: test-netback-check
## test-netback-check: the netback's checks on a frontend's tx slots (sizes, offsets, slot counts) alone, ASan+UBSan
test-netback-check: $(NET_TEST_OUT)/net_check
	@$<
TESTS += test-netback-check

## test-peer-vif-input: gntfuzz-peer --device vif vs a hostile frontend's xenstore values (ring refs, request-rx-copy, queues, state): one line, exit 1, device removed
test-peer-vif-input: $(PEER_BIN) multiproc $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) peer/tests/net_input.py $(BUILD)
TESTS += test-peer-vif-input

# In `make test`: every fixed build under the two strategies that keep the most maps (tx and rx,
# across a reconnect) and tx-write, and four bug classes the net path reaches; CVE-2022-23041 also
# by the black-box oracle alone (the whole matrix: sim-attack-vif).
SIM_ATTACK_VIF_TEST_ONLY ?= $(foreach l,$(TEST_LIBS_mp),$(l)/fixed) $(filter grants/msa02 gtab/cve23041 grants/ro_reading gtab/ro_flag,$(VARIANTS))
SIM_ATTACK_VIF_TEST_COLS ?= forged-done hold-closed tx-write
# every-status's own proof (every status netif.h defines and undefined ones, maps held past
# them): a fixed build holds, MSA02 is caught in that cell
SIM_ATTACK_VIF_TEST_CELLS ?= vif:every-status=grants/fixed,gtab/msa02 \
                             vif:reconnect-loop+closing-only=grants/fixed vif:hold-closed+no-connected=grants/fixed
## test-sim-attack-vif: our netfront (gntfuzz-target --device vif) vs gntfuzz-peer --device vif: fixed builds hold, msa02/cve23041/ro_reading/ro_flag caught; every-status holds on grants/fixed, catches gtab/msa02
test-sim-attack-vif: multiproc $(call mp_targets_of,$(SIM_ATTACK_VIF_TEST_ONLY) $(call sim_cells_variants,$(SIM_ATTACK_VIF_TEST_CELLS))) \
                     peer $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) scripts/sim_attack.py --build $(BUILD) --devices vif --strategies "$(strip $(SIM_ATTACK_VIF_TEST_COLS))" \
	  --only "$(strip $(SIM_ATTACK_VIF_TEST_ONLY))" --require-blackbox cve23041 --cells "$(strip $(SIM_ATTACK_VIF_TEST_CELLS))"
TESTS += test-sim-attack-vif

## sim-attack-vif: the vif columns of sim-attack alone: every vif strategy x every variant (our netfront vs the peer's netback)
sim-attack-vif: multiproc mp-targets peer $(BUILD)/xenstored/gntfuzz-xenstored
	@$(PYTHON) scripts/sim_attack.py --build $(BUILD) --devices vif
