#!/usr/bin/env python3
"""test-world-asan: every scenario of the corpus on every variant (each library's fixed build and
each of its mutants, as `make list-variants` names them), in the clang ASan+UBSan build of
gntworld (BUILD/LIBRARY/MUTANT/gntworld-asan): no sanitizer report, exit 0 (clean) or 1
(violation) only, and the same verdict as the plain build. A scenario whose grant-table version
the library does not support (`gntworld about`) is left out for it. One TAP line per variant and
check. Usage: test_world_asan.py BUILD_DIR SCENARIO... Exits 1 if any check failed."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "harness", "world", "tests"))
from variants import variants, versions, scn_version  # noqa: E402

failed = 0




def run(binary, scn):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    p = subprocess.run([binary, "run", scn], capture_output=True, text=True, timeout=120, env=env,
                       errors="replace")
    return p.returncode, p.stdout + p.stderr


def main():
    build, scns = sys.argv[1], sys.argv[2:]
    only = None
    if scns and scns[0] == "--only":  # --only "LIB/MUTANT ...": make test's subset
        only, scns = set(scns[1].split()), scns[2:]
    global failed
    if not scns:
        print("not ok - no scenarios given")
        return 1
    for lib, mut in variants():
        name = "%s/%s" % (lib, mut)
        if only is not None and name not in only:
            continue
        asan = os.path.join(build, lib, mut, "gntworld-asan")
        plain = os.path.join(build, lib, mut, "gntworld")
        if not os.access(asan, os.X_OK):
            print("not ok - %s: %s is missing (make world)" % (name, asan))
            failed += 1
            continue
        have = versions(asan)
        mine = [s for s in scns if scn_version(s) in have]
        left = len(scns) - len(mine)
        note = " (%d left out: table version not supported)" % left if left else ""
        bad, singles = [], []
        for scn in mine:
            rc, out = run(asan, scn)
            prc, _ = run(plain, scn) if os.path.exists(plain) else (rc, "")
            singles.append(rc)
            if rc not in (0, 1) or "Sanitizer" in out or "runtime error" in out or rc != prc:
                bad.append("%s (rc %d, plain rc %d): %s" % (os.path.basename(scn), rc, prc, out.strip()[-200:]))
        print("%s - %s: %d scenarios under ASan+UBSan, no sanitizer report, same verdicts as the plain build%s%s" % (
            "not ok" if bad or not mine else "ok", name, len(mine), note, ("  # " + " | ".join(bad)) if bad else ""))
        failed += bool(bad) or not mine
        if not mine:
            continue
        # all files in one process, one world reset between them (as a fuzzer runs its inputs)
        p = subprocess.run([asan, "run", "--json"] + mine, capture_output=True, text=True, timeout=300,
                           errors="replace")
        together = [1 if '"verdict": "violation"' in l else 0 for l in p.stdout.splitlines()]
        same = together == singles and "Sanitizer" not in p.stderr
        print("%s - %s: %d scenarios in one world (reset between) give the verdicts they give alone%s" % (
            "ok" if same else "not ok", name, len(mine), "" if same else "  # %s vs %s" % (together, singles)))
        failed += not same
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
