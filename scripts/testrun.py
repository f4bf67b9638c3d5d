#!/usr/bin/env python3
"""Run the project's test targets (make targets) and print one closing summary line.

Each argument is a make target. Its output is shown as it runs; TAP-style lines
("ok - name" / "not ok - name") each count as one test. A target that prints none
counts as one test, passed if it exited 0. A target that exits non-zero without a
"not ok" line counts one extra failure, so no failure goes uncounted.
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


def run_target(target):
    passed = failed = 0
    start = time.monotonic()
    print(f"=== {target}", flush=True)
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
        sys.stdout.write(line)
        sys.stdout.flush()
        if NOT_OK_RE.match(line):
            failed += 1
        elif OK_RE.match(line):
            passed += 1
    rc = proc.wait()
    watchdog.cancel()
    if timed_out.is_set():
        print(f"not ok - {target}: timed out after {TIMEOUT}s", flush=True)
        return passed, failed + 1
    if rc != 0 and failed == 0:
        print(f"not ok - {target}: exited {rc}", flush=True)
        failed += 1
    elif passed == 0 and failed == 0:
        passed = 1
    print(f"=== {target}: {passed} passed, {failed} failed ({time.monotonic() - start:.1f}s)", flush=True)
    return passed, failed


def main(targets):
    total_pass = total_fail = 0
    failed_targets = []
    for target in targets:
        p, f = run_target(target)
        total_pass += p
        total_fail += f
        if f:
            failed_targets.append(target)
    if failed_targets:
        print("failed targets: " + " ".join(failed_targets))
    print(f"{total_pass} passed, {total_fail} failed")
    return 1 if total_fail or not targets else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
