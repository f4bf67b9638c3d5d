#!/usr/bin/env python3
"""Replays of findings reproduce them, and past false alarms stay fixed.

1. Every scenario in tests/regress/ runs clean on the fixed library (plain and ASan+UBSan
   builds): each one was a false alarm of the world on correct code.
Usage: test_replay.py BUILD_DIR (build/world)
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
MUTANTS = (1, 2, 3, 4, 5, 6, 7)
INPUTS = "3000"
MAX_PER_MUTANT = 25

failed = 0


def check(ok, name):
    global failed
    print(("ok - " if ok else "not ok - ") + name)
    failed += not ok


def verdict(text):
    """(invariant, frame) of the first violation in a report, None if clean."""
    m = re.search(r"^VIOLATION of invariant (\d+):.*?^frame (\S+)", text, re.S | re.M)
    return (int(m.group(1)), m.group(2)) if m else None


def run(binary, path, env=None):
    p = subprocess.run([binary, "run", path], capture_output=True, text=True, timeout=60, env=env)
    return p.returncode, p.stdout + p.stderr


def replay_text(report):
    """The scenario after the report's 'replay (gntworld run FILE.scn):' line."""
    lines = report.split("replay (gntworld run FILE.scn):\n", 1)
    return lines[1] if len(lines) == 2 else None


def main():
    build = sys.argv[1]
    for scn in sorted(glob.glob(os.path.join(HERE, "regress", "*.scn"))):
        for b in ("gntworld", "gntworld-asan"):
            rc, out = run(os.path.join(build, "m0", b), scn)
            check(rc == 0, "%s: %s clean on the fixed library%s" % (b, os.path.basename(scn),
                                                                     "" if rc == 0 else ": " + out.strip()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
