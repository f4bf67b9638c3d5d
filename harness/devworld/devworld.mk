# harness/devworld/devworld.mk - the device world's own test (its code is part of the world: world.mk).
TESTS += test-devworld
## test-devworld: frontends never seen before: a crash, a wedge and a hang under a hostile backend are findings, the fixed one clean; the template caught under every CPU model; front.mk mistakes give one line
.PHONY: test-devworld
test-devworld:
	@$(PYTHON) harness/devworld/tests/test_devworld.py
