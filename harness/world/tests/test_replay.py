#!/usr/bin/env python3
"""Replays of findings reproduce them, and past false alarms stay fixed.

1. Every scenario in tests/regress/ runs clean on the fixed library (plain and ASan+UBSan
   builds): each one was a false alarm of the world on correct code.
2. For every mutant, pseudo-random inputs and the corpus scenarios (the races are rare at
   random) are run with a findings directory; every saved
   finding is replayed twice - the saved .scn and the replay text printed in the report - and
   must give the same invariant and frame as the report it came from.
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
MUTANTS = [int(i) for i in re.findall(r"^MUTANT\((\d+),", open(os.path.join(ROOT, "grants", "mutants.def")).read(), re.M)]
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
    for m in MUTANTS:
        binary = os.path.join(build, "m%d" % m, "gntworld")
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, GNTWORLD_FINDINGS=d)
            subprocess.run([binary, "random", INPUTS, str(m)], env=env, capture_output=True, timeout=120)
            for scn in sorted(glob.glob(os.path.join(ROOT, "corpora", "scenarios", "*.scn"))):
                run(binary, scn, env)
            reports = sorted(glob.glob(os.path.join(d, "*.txt")))[:MAX_PER_MUTANT]
            check(len(reports) > 0, "m%d: random inputs and the corpus saved findings (%d)" % (m, len(reports)))
            bad = []
            want = None
            for txt in reports:
                report = open(txt).read()
                want = verdict(report)
                scn = txt[:-4] + ".scn"
                rc, out = run(binary, scn)
                if rc != 1 or verdict(out) != want:
                    bad.append("%s: saved .scn gives %s, report says %s" % (os.path.basename(scn), verdict(out), want))
                text = replay_text(report)
                path = os.path.join(d, "replay.scn")
                with open(path, "w") as f:
                    f.write(text or "")
                rc, out = run(binary, path)
                if text is None or rc != 1 or verdict(out) != want:
                    bad.append("%s: report's replay gives %s, report says %s" % (os.path.basename(txt), verdict(out), want))
            check(not bad and want is not None,
                  "m%d: %d findings replay (saved .scn and report text) to the same invariant and frame%s"
                  % (m, len(reports), "" if not bad else ": " + "; ".join(bad[:3])))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
