#!/usr/bin/env python3
"""test-peer-rounds: gntfuzz-peer --protocol rounds refuses bad arguments with one line on stderr
and exit 2, before touching Xen; and where no Xen (or broker) answers it fails with one line and
exit 1, never a hang. Prints TAP lines; exits 1 if any check failed."""
import os
import subprocess
import sys

peer = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "peer", "gntfuzz-peer")
R = ["--protocol", "rounds"]
CASES = [
    (R + ["--strategy", "honest", "--round", "1"], 2, "--target DOMID is required"),
    (R + ["--target", "3"], 2, "--strategy NAME or --quit is required"),
    (R + ["--target", "3", "--strategy", "hold", "--round", "1"], 2, "unknown rounds strategy: hold"),
    (R + ["--target", "3", "--strategy", "honest"], 2, "--round K (K >= 1) is required"),
    (R + ["--target", "3", "--quit", "--round", "2"], 2, "--quit takes no --strategy or --round"),
    (R + ["--target", "3", "--scenario", "x.scn"], 2, "--scenario is for the workload protocol"),
    (["--strategy", "hold", "--round", "1"], 2, "need --protocol rounds"),
    (["--strategy", "hold", "--label", "pvh"], 2, "need --protocol rounds"),
    (["--protocol", "bogus", "--strategy", "hold"], 2, "usage"),
    (R + ["--target", "3", "--strategy", "honest", "--round", "x"], 2, "usage"),
]
failed = 0


def check(ok, name):
    global failed
    print(("ok - " if ok else "not ok - ") + "peer rounds: " + name)
    failed += not ok


for args, want_rc, want_text in CASES:
    p = subprocess.run([peer] + args, capture_output=True, text=True, timeout=20)
    one_line = len(p.stderr.strip().splitlines()) == 1 or want_text == "usage"
    check(p.returncode == want_rc and want_text in p.stderr and one_line and not p.stdout,
          f"{' '.join(args)} -> exit {want_rc}, \"{want_text}\" (got {p.returncode}: {p.stderr.strip()[:80]!r})")

# No Xen and no broker here (the simulator's drop-ins are not on the library path): the real
# libraries cannot open their devices, so the run must end at once with one line, exit 1.
on_xen = os.path.exists("/dev/xen/gntdev") or os.path.exists("/dev/xen/privcmd")
env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "GNTFUZZ_BROKER")}
for args in (R + ["--target", "3", "--strategy", "forged-done", "--round", "1", "--label", "pvh"],
             R + ["--target", "3", "--quit"]):
    if on_xen:
        print(f"ok - peer rounds: {' '.join(args)} without Xen # SKIP this host runs Xen")
        continue
    try:
        p = subprocess.run([peer] + args, capture_output=True, text=True, timeout=20, env=env)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 1 and len(lines) == 1 and lines[0].startswith("peer: cannot open"),
              f"{' '.join(args)} without Xen -> one-line error, exit 1 (got {p.returncode}: {lines[:2]})")
    except subprocess.TimeoutExpired:
        check(False, f"{' '.join(args)} without Xen hung")
sys.exit(1 if failed else 0)
