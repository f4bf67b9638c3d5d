#!/usr/bin/env python3
"""test-world-asan: every scenario of the corpus on the fixed library and on every mutant, in the
clang ASan+UBSan build of gntworld: no sanitizer report, exit 0 (clean) or 1 (violation) only, and
the same verdict as the plain build. One TAP line per build. Exits 1 if any check failed."""
import os
import subprocess
import sys

failed = 0


def run(binary, scn):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    p = subprocess.run([binary, "run", scn], capture_output=True, text=True, timeout=120, env=env,
                       errors="replace")
    return p.returncode, p.stdout + p.stderr


def main():
    build, scns = sys.argv[1], sys.argv[2:]
    global failed
    if not scns:
        print("not ok - no scenarios given")
        return 1
    variants = sorted(int(d[1:]) for d in os.listdir(build) if d.startswith("m") and d[1:].isdigit()
                      and os.path.exists(os.path.join(build, d, "gntworld-asan")))
    for m in variants:
        bad, singles = [], []
        for scn in scns:
            rc, out = run(os.path.join(build, "m%d" % m, "gntworld-asan"), scn)
            prc, _ = run(os.path.join(build, "m%d" % m, "gntworld"), scn) if os.path.exists(
                os.path.join(build, "m%d" % m, "gntworld")) else (rc, "")
            singles.append(rc)
            if rc not in (0, 1) or "Sanitizer" in out or "runtime error" in out or rc != prc:
                bad.append("%s (rc %d, plain rc %d): %s" % (os.path.basename(scn), rc, prc, out.strip()[-200:]))
        print("%s - m%d: %d scenarios under ASan+UBSan, no sanitizer report, same verdicts as gcc%s" % (
            "not ok" if bad else "ok", m, len(scns), ("  # " + " | ".join(bad)) if bad else ""))
        failed += bool(bad)
        # all files in one process, one world reset between them (as a fuzzer runs its inputs)
        p = subprocess.run([os.path.join(build, "m%d" % m, "gntworld-asan"), "run", "--json"] + scns,
                           capture_output=True, text=True, timeout=300, errors="replace")
        together = [1 if '"verdict": "violation"' in l else 0 for l in p.stdout.splitlines()]
        same = together == singles and "Sanitizer" not in p.stderr
        print("%s - m%d: %d scenarios in one world (reset between) give the verdicts they give alone%s" % (
            "ok" if same else "not ok", m, len(scns), "" if same else "  # %s vs %s" % (together, singles)))
        failed += not same
    return 1 if failed or not variants else 0


if __name__ == "__main__":
    sys.exit(main())
