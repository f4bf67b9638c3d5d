#!/usr/bin/env python3
"""Replays of findings reproduce them, and past false alarms stay fixed.

1. Every scenario in tests/regress/ runs clean on the fixed build of every library (plain and
   ASan+UBSan builds): each one was a false alarm of the world on correct code.
2. For every mutant of every library, pseudo-random inputs and the corpus scenarios (the races
   are rare at random) are run with a findings directory; every saved finding
   (inv<N>-<library>-<mutant>-<hash>.txt and .scn) is replayed twice - the saved .scn and the
   replay text printed in the report - and must give the same invariant and frame as the report
   it came from.
The variants are what `make list-variants` prints; binaries are BUILD/LIBRARY/MUTANT/gntworld. A
scenario whose grant-table version the library does not support (`gntworld about`) is left out.
Usage: test_replay.py BUILD_DIR (build/world)
"""
import glob
import os
import re
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "harness", "world", "tests"))
from variants import variants, versions, scn_version  # noqa: E402

INPUTS = "3000"
MAX_PER_MUTANT = 25

failed = 0


def check(ok, name):
    global failed
    print(("ok - " if ok else "not ok - ") + name)
    failed += not ok


def verdict(text):
    """(invariant, frame) of the first violation in a report, None if clean."""
    m = re.search(r"^VIOLATION \S+:.*?^invariant (\d+):.*?^frame (\S+)", text, re.S | re.M)
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
    vs = variants()
    for lib in [l for l, m in vs if m == "fixed"]:
        for scn in sorted(glob.glob(os.path.join(HERE, "regress", "*.scn"))):
            for b in ("gntworld", "gntworld-asan"):
                binary = os.path.join(build, lib, "fixed", b)
                if scn_version(scn) not in versions(binary):
                    print("ok - %s: %s on %s/fixed: table version not supported  # SKIP" % (
                        b, os.path.basename(scn), lib))
                    continue
                rc, out = run(binary, scn)
                check(rc == 0, "%s: %s clean on %s/fixed%s" % (b, os.path.basename(scn), lib,
                                                               "" if rc == 0 else ": " + out.strip()))
    for lib, mut in [v for v in vs if v[1] != "fixed"]:
        name = "%s/%s" % (lib, mut)
        binary = os.path.join(build, lib, mut, "gntworld")
        have = versions(binary)
        seed = str(zlib.crc32(name.encode()) or 1)   # a fixed seed per variant, whatever the list order
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, GNTWORLD_FINDINGS=d)
            subprocess.run([binary, "random", INPUTS, seed], env=env, capture_output=True, timeout=120)
            for scn in sorted(glob.glob(os.path.join(ROOT, "corpora", "scenarios", "*.scn"))):
                if scn_version(scn) in have:
                    run(binary, scn, env)
            saved = sorted(glob.glob(os.path.join(d, "*.txt")))
            reports = saved[:MAX_PER_MUTANT]
            check(len(reports) > 0, "%s: random inputs and the corpus saved findings (%d)" % (name, len(reports)))
            misnamed = [os.path.basename(f) for f in saved
                        if not re.match(r"^inv\d+-%s-%s-[0-9a-f]+\.txt$" % (re.escape(lib), re.escape(mut)),
                                        os.path.basename(f)) or not os.path.exists(f[:-4] + ".scn")]
            check(not misnamed, "%s: findings are named inv<N>-%s-%s-<hash>.txt/.scn%s" % (
                name, lib, mut, "" if not misnamed else ": " + " ".join(misnamed[:3])))
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
                  "%s: %d findings replay (saved .scn and report text) to the same invariant and frame%s"
                  % (name, len(reports), "" if not bad else ": " + "; ".join(bad[:3])))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
