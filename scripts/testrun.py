#!/usr/bin/env python3
"""Run the project's test targets (make targets) and print one closing summary line.

Each argument is a make target. Its output is shown as it runs; TAP-style lines
("ok - name" / "not ok - name") each count as one test. A target that prints none
counts as one test, passed if it exited 0. A target that exits non-zero without a
"not ok" line counts one extra failure, so no failure goes uncounted.

--background T1,T2: these targets start first and run beside the others (their output
is shown, whole, when they end): a test that mostly waits on one core (nested Xen under
QEMU) need not hold the rest back on a 2-core machine. --prepare P1,P2: make targets built
first, before any test starts, so that a background test and the others never build the
same file at once (a failure there is a failed test).
"""
import os
import re
import subprocess
import sys
import threading
import time

OK_RE = re.compile(r"^ok\b")
NOT_OK_RE = re.compile(r"^not ok\b")
TIMEOUT = int(os.environ.get("TEST_TARGET_TIMEOUT", "1800"))


def run_target(target, out=None):
    """Run one target; its lines go to `out` (a list, shown later) or straight to stdout."""
    passed = failed = 0
    start = time.monotonic()
    say = (lambda text: out.append(text)) if out is not None else (lambda text: (sys.stdout.write(text), sys.stdout.flush()))
    say(f"=== {target}\n")
    proc = subprocess.Popen(["make", "--no-print-directory", target], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                            errors="replace", start_new_session=True)
    timed_out = threading.Event()

    def kill_on_timeout():  # a silent hang must not stall the run
        timed_out.set()
        try:
            os.killpg(proc.pid, 9)
        except ProcessLookupError:
            pass

    watchdog = threading.Timer(TIMEOUT, kill_on_timeout)
    watchdog.start()
    for line in proc.stdout:
        say(line)
        if NOT_OK_RE.match(line):
            failed += 1
        elif OK_RE.match(line):
            passed += 1
    rc = proc.wait()
    watchdog.cancel()
    if timed_out.is_set():
        say(f"not ok - {target}: timed out after {TIMEOUT}s\n")
        return passed, failed + 1
    if rc != 0 and failed == 0:
        say(f"not ok - {target}: exited {rc}\n")
        failed += 1
    elif passed == 0 and failed == 0:
        passed = 1
    say(f"=== {target}: {passed} passed, {failed} failed ({time.monotonic() - start:.1f}s)\n")
    return passed, failed


def main(argv):
    background, prepare = [], []
    while len(argv) >= 2 and argv[0] in ("--background", "--prepare"):
        (background if argv[0] == "--background" else prepare).extend(t for t in argv[1].split(",") if t)
        argv = argv[2:]
    targets = [t for t in argv if t not in background]
    background = [t for t in background if t in argv]
    totals = {"passed": 0, "failed": 0}
    failed_targets = []
    results = {}

    def count(target, passed, failed):
        totals["passed"] += passed
        totals["failed"] += failed
        if failed:
            failed_targets.append(target)

    def run_in_background(target):
        lines = []
        results[target] = (run_target(target, lines), lines)

    for target in prepare:
        count(target, *run_target(target))
    threads = [threading.Thread(target=run_in_background, args=(t,)) for t in background]
    for th in threads:
        th.start()
    for target in targets:
        count(target, *run_target(target))
    for th, target in zip(threads, background):
        th.join()
        counts, lines = results[target]
        sys.stdout.write("".join(lines))
        sys.stdout.flush()
        count(target, *counts)
    if failed_targets:
        print("failed targets: " + " ".join(failed_targets))
    print(f"{totals['passed']} passed, {totals['failed']} failed")
    return 1 if totals["failed"] or not (targets or background) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
