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


# the kept rounds/workload run predates the device phases: it is judged without them
NO_DEVICES = ["--vbd-strategies", "", "--vif-strategies", ""]


def judge(lines, rc=33, extra=NO_DEVICES):
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.writelines(lines)
    try:
        args = [sys.executable, os.path.join(HERE, "nested.py"), "judge", f.name] + extra
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


# ---- the device phases (gntfuzz-peer --device): a kept real run with Linux's xen-blkfront and
# xen-netfront and our blkfront on grants/ fixed and msa02, judged with the lists it ran ----
DEV = open(os.path.join(HERE, "testdata", "serial-devices.log")).read().splitlines(keepends=True)
DEV_ARGS = ["--targets", "pvh-grants-fixed pvh-grants-msa02 linux wl-grants-msa02 vbd-grants-fixed vbd-grants-msa02",
            "--strategies", "honest forged-done", "--wl-strategies", "forged-done",
            "--vbd-strategies", "honest forged-done", "--vif-strategies", "honest forged-done",
            "--variants", "grants/fixed grants/msa02"]


def in_session(label, kind, strategy, edit):
    """Apply edit(line) -> list of lines to the lines of one device session (its markers included)."""
    out, inside = [], False
    start = f"device-start {label} {kind} {strategy} "
    for x in DEV:
        if start in x:
            inside = True
        if inside:
            out += edit(x)
        else:
            out.append(x)
        if inside and f"device-end {label} {kind} {strategy} " in x:
            inside = False
    return out


def dev_inject(label, kind, strategy, text, after="peer: verdict"):
    done = []

    def edit(x):
        if after in x and not done:
            done.append(1)
            return [x, x[:x.index("]") + 2] + text + "\n"]
        return [x]
    return in_session(label, kind, strategy, edit)


def dev_drop(label, kind, strategy, pattern):
    return in_session(label, kind, strategy, lambda x: [] if re.search(pattern, x) else [x])


def dev_sub(label, kind, strategy, old, new):
    return in_session(label, kind, strategy, lambda x: [x.replace(old, new)])


def uncaught_msa02():
    """Our msa02 blkfront's sessions with every catch taken out (observations, violations, and
    the verdicts and exit codes that said caught)."""
    global DEV
    kept = DEV
    for s in ("honest", "forged-done"):
        DEV = in_session("vbd-grants-msa02", "vbd", s, lambda x: [] if re.search(
            r"peer: [A-Z][A-Z-]+ |VIOLATION", x) else [x.replace("result=caught", "result=held").replace(
                f"device-end vbd-grants-msa02 vbd {s} rc=3", f"device-end vbd-grants-msa02 vbd {s} rc=0")])
    out, DEV = DEV, kept
    return out


def caught_linux_vbd():
    """The kept forged-done session on Linux's blkfront as if the peer had caught it: an
    observation, result=caught, exit 3."""
    global DEV
    kept, DEV = DEV, dev_inject("linux", "vbd", "forged-done", OBS)
    out = in_session("linux", "vbd", "forged-done", lambda x: [x.replace("result=held", "result=caught").replace(
        "device-end linux vbd forged-done rc=0", "device-end linux vbd forged-done rc=3")])
    DEV = kept
    return out


OBS = "peer: REUSED-READ device=vbd ref=9 req=3 page=0 offset=0 held-since-ms=40.0 expected=00 saw=67 mode=marker"
DEVICE_CASES = [
    # (name, lines, expected to pass, text the output must hold)
    ("the kept device run passes, with its Linux findings reported", DEV, True,
     "FINDING: Linux xen-netfront (Debian's module, unmodified) did not hold"),
    ("a Linux disk that wedged the domU's xenbus is reported as a finding", DEV, True,
     "wedged its domain's xenbus under gntfuzz-peer --device vbd --strategy forged-done"),
    ("Linux blkfront: an observation under the honest backend fails (honest must be clean)",
     dev_inject("linux", "vbd", "honest", OBS), False, "honest service must be clean"),
    ("Linux blkfront: honest service without verified I/O inside the domU fails",
     dev_drop("linux", "vbd", "honest", r"devio: vbd-\d+ \S+ (io|END) "), False, "saw no completed I/O"),
    ("Linux netfront: honest service without echo replies fails",
     dev_drop("linux", "vif", "honest", r"devio: vif-\d+ \S+ (net|END) "), False, "saw no completed I/O"),
    ("Linux blkfront not holding under a lying backend is a FINDING, not a harness failure",
     caught_linux_vbd(), True, "did not hold under gntfuzz-peer --device vbd --strategy forged-done"),
    ("Linux blkfront: a read buffer changed after completion (seen inside the domU) is a FINDING",
     dev_inject("linux", "vbd", "forged-done",
                "devio: vbd-51729 xvdb1 CHANGED-AFTER-DONE block=0 offset=0: (test injection)",
                after="----- device console"), True,
     "did not hold under gntfuzz-peer --device vbd --strategy forged-done"),
    ("a Linux domU that died under a lying backend (no fresh one left) is noted, not a failure",
     dev_inject("linux", "vif", "forged-done", "=== GNTFUZZ [139.00] device-crashed linux vif forged-done",
                after="----- end device console"), True, "CRASHED: the domU died during the session"),
    ("a Linux domU that died under the honest backend fails",
     dev_inject("linux", "vif", "honest", "=== GNTFUZZ [124.00] device-crashed linux vif honest",
                after="----- end device console"), False, "the domU died during the session"),
    ("a device session missing from the run fails",
     dev_drop("linux", "vif", "forged-done", r"device-start"), False, "device session ran"),
    ("a device session without the peer's verdict line fails",
     dev_drop("linux", "vbd", "honest", r"peer: verdict"), False, "ran to the peer's verdict"),
    ("the peer's exit code disagreeing with its verdict fails",
     dev_sub("linux", "vbd", "honest", "device-end linux vbd honest rc=0", "device-end linux vbd honest rc=3"),
     False, "disagrees with its verdict"),
    ("a setup failure (exit 1) fails",
     dev_sub("linux", "vif", "honest", "device-end linux vif honest rc=0", "device-end linux vif honest rc=1"),
     False, "ran to the peer's verdict"),
    ("our fixed blkfront: an outside-oracle violation fails (a fixed build must hold)",
     dev_inject("vbd-grants-fixed", "vbd", "forged-done",
                "oracle: VIOLATION free-while-mapped: d3 ref=9 frame=0x401 (test injection)"), False,
     "a fixed build must hold"),
    ("our msa02 blkfront not caught by any strategy fails", uncaught_msa02(), False, "caught under: none"),
    ("our fixed blkfront whose guest did not finish under the honest backend fails",
     dev_drop("vbd-grants-fixed", "vbd", "honest", r"gntfuzz-pvh RESULT"), False, "did not finish cleanly"),
    ("our msa02 blkfront whose guest died under the honest backend passes (the bug may kill it)",
     dev_drop("vbd-grants-msa02", "vbd", "honest", r"gntfuzz-pvh RESULT"), True, "guest did not finish"),
]


def device_cases():
    failed = 0
    for name, lines, want_pass, must in DEVICE_CASES:
        if lines == DEV and not want_pass:
            print("not ok - nested judge: " + name + " (the edit matched nothing in the kept log)")
            failed += 1
            continue
        code, out = judge(lines, 33, DEV_ARGS)
        ok = (code == 0) == want_pass and must in out and "Traceback" not in out
        print(("ok - " if ok else "not ok - ") + "nested judge: devices: " + name)
        if not ok:
            failed += 1
            sys.stdout.write("".join("#   " + x + "\n" for x in out.splitlines()
                                     if x.startswith("not ok") or "FINDING" in x)[:2000])
    return failed


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
    failed += device_cases()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
