# harness/fuzz/engines.mk - choosing the engine, and fuzzing past one machine.
#
# `make bench-engines` measures every engine configuration `make fuzz` offers (time to the first
# finding on every mutant, executions per CPU-second on every fixed library) and names the winner,
# which is `make fuzz`'s default (scripts/fuzz_campaign.py DEFAULT_ENGINE; the table is in README.md).
# It takes up to 24 minutes, so it is neither part of `make bench` nor of `make test`.
# One campaign across hosts is `make fuzz FUZZ_ARGS="--engine afl --sync-dir DIR --role main|secondary
# --host-id NAME"` on each host, then `make fuzz-merge CAMPAIGNS="DIR..."`.

CAMPAIGNS ?=

## bench-engines: time to the first finding (every mutant, 3 seeds) and execs per CPU-second (fixed libraries) of AFL++, libFuzzer fork mode and both on one corpus; names make fuzz's default (up to 24 min; FUZZ_ARGS="--cap S --seeds N --configs ...")
## fuzz-merge: one report of a campaign run on several hosts: findings of every host grouped by root cause, coverage of all their corpora together (CAMPAIGNS="DIR...")
## test-fuzz-engine-choice: make fuzz's default engine is the winner of the bench-engines table in README.md (lowest PAR-2), and the scoring picks the fastest, a miss counted twice the cap
## test-fuzz-multihost: two "hosts" (two campaign directories on one machine, one AFL++ sync directory) find grants/msa02; inputs synced both ways; the merged report has it once
.PHONY: bench-engines fuzz-merge test-fuzz-multihost test-fuzz-engine-choice
bench-engines fuzz-merge: deps-fuzz
bench-engines:
	@$(PYTHON) scripts/bench_engines.py $(FUZZ_ARGS)
fuzz-merge:
	@$(if $(strip $(CAMPAIGNS)),,echo 'make fuzz-merge: give the campaign directories: CAMPAIGNS="DIR DIR..."' >&2; exit 2)
	@$(PYTHON) scripts/fuzz_campaign.py --merge $(CAMPAIGNS)

TESTS += test-fuzz-engine-choice test-fuzz-multihost
test-fuzz-engine-choice:
	@$(PYTHON) $(FUZZ_DIR)/tests/engine_choice.py
test-fuzz-multihost:
	@$(PYTHON) $(FUZZ_DIR)/tests/multihost.py
