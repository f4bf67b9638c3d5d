# harness/devworld/tests/badfront/front.mk - a small vbd frontend whose mutants misbehave the ways a
# driver can under a hostile backend without freeing anything: it crashes, it never waits, it never
# returns. test-devworld checks each is a finding and the fixed build is not.
FRONT_NAME     := badfront
FRONT_DEVICE   := vbd
FRONT_SOURCES  := badfront.c
FRONT_MUTANTS  := crash_on_id spin_on_closing stuck_at_close
FRONT_MUTANT_FLAGS.crash_on_id     := -DBADFRONT_CRASH_ON_ID
FRONT_MUTANT_ABOUT.crash_on_id     := trusts a response's id as an index into its table of requests
FRONT_MUTANT_FLAGS.spin_on_closing := -DBADFRONT_SPIN_ON_CLOSING
FRONT_MUTANT_ABOUT.spin_on_closing := busy-polls xenstore while the backend says Closing
FRONT_MUTANT_FLAGS.stuck_at_close  := -DBADFRONT_STUCK_AT_CLOSE
FRONT_MUTANT_ABOUT.stuck_at_close  := after closing, waits for its backend to come back (InitWait), forever
