#!/usr/bin/env python3
"""Both directions for nested.py's judge, without booting anything: a serial log kept from a real
nested-Xen run (testdata/serial-pass.log) must pass, and each way a run can go wrong, made by
editing that log, must fail. Prints TAP lines; exits 1 if any expectation is not met."""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD = open(os.path.join(HERE, "testdata", "serial-pass.log")).read().splitlines(keepends=True)


def judge(lines, rc=33):
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.writelines(lines)
    try:
        args = [sys.executable, os.path.join(HERE, "nested.py"), "judge", f.name]
        if rc is not None:
            args += ["--qemu-rc", str(rc)]
        p = subprocess.run(args, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr
    finally:
        os.unlink(f.name)


def drop(pattern):
    return [x for x in GOOD if not re.search(pattern, x)]


def inject_after(pattern, text):
    out, done = [], False
    for x in GOOD:
        out.append(x)
        if not done and re.search(pattern, x):
            out.append(x[:x.index("]") + 2] + text + "\n")
            done = True
    assert done, pattern
    return out


def upto(pattern):
    out = []
    for x in GOOD:
        if re.search(pattern, x):
            break
        out.append(x)
    return out


CASES = [
    # (name, lines, qemu rc, expected to pass)
    ("the kept real run passes (self-grant failures of mutants are catches, not failures)", GOOD, 33, True),
    ("QEMU exit 0 (crash or poweroff) fails even with a complete log", GOOD, 0, False),
    ("QEMU killed at the timeout (no exit code) with a log cut short fails",
     upto(r"strategy-start linux"), None, False),
    ("MSA02 mutant not caught (no peer LEAK lines) fails", drop(r"peer: LEAK"), 33, False),
    ("MSA02 mutant seen only by the peer, not by the oracle, fails", drop(r"oracle: VIOLATION"), 33, False),
    ("the second library's MSA02 mutant not caught fails (expectations hold for every library)",
     drop(r"peer: LEAK pvh-gtab-msa02"), 33, False),
    ("a violation on the fixed target fails",
     inject_after(r"strategy-start pvh-grants-fixed forged-done",
                  "oracle: VIOLATION free-while-mapped: d2 ref=8 frame=0x400 (test injection)"), 33, False),
    ("a peer leak on the Linux target fails",
     inject_after(r"strategy-start linux storm", "peer: LEAK linux ref=9: (test injection)"), 33, False),
    ("a strategy without its peer verdict fails", drop(r"peer: verdict pvh-grants-fixed strategy=storm"), 33, False),
    ("a missing target RESULT line fails", drop(r"\(d\d+\) gntfuzz-pvh RESULT"), 33, False),
    ("a target that could not finish its run (RESULT: FAIL) fails",
     [x.replace("RESULT: DONE mutant=gtab/msa02", "RESULT: FAIL mutant=gtab/msa02") for x in GOOD], 33, False),
    ("a failed self-grant check on a fixed library fails",
     [x.replace("pvh: ok - selfgrant v2 unshare answers BUSY while mapped",
                "pvh: not ok - selfgrant v2 unshare answers BUSY while mapped") for x in GOOD], 33, False),
    ("a plan that did not complete fails", drop(r"plan-complete"), 33, False),
    ("a plan that ran no targets fails (nothing judged is not a pass)",
     [x for x in GOOD if "plan-complete" in x], 33, False),
    ("a target missing from the run fails", drop(r"pvh-grants-msa02|\(d3\)"), 33, False),
    ("a damaged marker line fails cleanly",
     inject_after(r"target-end pvh-grants-fixed$", "=== GNTFUZZ [1.0] strategy-start"), 33, False),
    ("the workload MSA02 mutant not caught by peer/'s gntfuzz-peer fails",
     drop(r"peer: (REUSED|STALE)"), 33, False),
    ("gntfuzz-peer's exit code disagreeing with its verdict line fails",
     [x.replace("strategy-end wl-grants-msa02 forged-done rc=3", "strategy-end wl-grants-msa02 forged-done rc=0")
      for x in GOOD], 33, False),
    ("gntfuzz-peer --protocol rounds: exit code disagreeing with its verdict line fails",
     [x.replace("strategy-end pvh-grants-msa02 forged-done rc=3", "strategy-end pvh-grants-msa02 forged-done rc=0")
      for x in GOOD], 33, False),
    ("gntfuzz-peer --protocol rounds: a failed round (exit 1) fails",
     [x.replace("strategy-end linux storm rc=0", "strategy-end linux storm rc=1") for x in GOOD], 33, False),
    ("a peer that exited non-zero fails",
     [x.replace("strategy-end pvh-grants-fixed forged-ro rc=0", "strategy-end pvh-grants-fixed forged-ro rc=1")
      for x in GOOD], 33, False),
]


def changed(case_lines):
    return case_lines != GOOD


def main():
    failed = 0
    for name, lines, rc, want_pass in CASES:
        if not want_pass and rc == 33 and not changed(lines):
            print("not ok - nested judge: " + name + " (the edit matched nothing in the kept log)")
            failed += 1
            continue
        code, out = judge(lines, rc)
        ok = (code == 0) == want_pass
        print(("ok - " if ok else "not ok - ") + "nested judge: " + name)
        if not ok:
            failed += 1
            sys.stdout.write("".join("#   " + x + "\n" for x in out.splitlines() if x.startswith("not ok"))[:2000])
    code, out = judge(["garbage\n", "\x00\x01 not a log\n"], 33)
    ok = code != 0 and "Traceback" not in out
    print(("ok - " if ok else "not ok - ") + "nested judge: a garbage log fails cleanly (no traceback)")
    failed += not ok
    p = subprocess.run([sys.executable, os.path.join(HERE, "nested.py"), "judge", "/nonexistent/log"],
                       capture_output=True, text=True)
    ok = p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    print(("ok - " if ok else "not ok - ") + "nested judge: a missing log is a one-line error, exit 2")
    failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
