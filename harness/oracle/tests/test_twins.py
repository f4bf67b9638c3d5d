#!/usr/bin/env python3
"""test-oracle, end to end: each invariant fires through gntworld on a real violation and stays
silent on its legal twin; invariant 4 (sanitizers) fires on a crafted heap overflow and is silent
on the in-bounds twin. Prints TAP lines; exits 1 if any check failed."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCN = os.path.join(ROOT, "corpora", "scenarios")
# invariant: (mutant id, scenario that violates it, its legal twin)
CASES = {1: (1, "msa02.scn", "msa02-legal.scn"),
         2: (7, "ref-double-free.scn", "ref-double-free-legal.scn"),
         3: (6, "flags-first.scn", "flags-first-legal.scn")}
failed = 0


def check(ok, name, detail=""):
    global failed
    print("%s - %s%s" % ("ok" if ok else "not ok", name, "" if ok else "  # " + detail))
    failed += not ok


def verdict(build, mid, scn):
    p = subprocess.run([os.path.join(build, "m%d" % mid, "gntworld"), "run", os.path.join(SCN, scn), "--json"],
                       capture_output=True, text=True, timeout=60)
    try:
        return p.returncode, json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return p.returncode, {}


def main():
    build = sys.argv[1]
    for inv, (mid, bad, twin) in CASES.items():
        rc, d = verdict(build, mid, bad)
        check(rc == 1 and d.get("invariant") == inv, "invariant %d fires end to end: %s on mutant %d" % (inv, bad, mid),
              "rc %d %s" % (rc, d))
        for m in (0, mid):
            rc, d = verdict(build, m, twin)
            check(rc == 0 and d.get("verdict") == "clean", "invariant %d silent on the legal twin %s (m%d)" % (inv, twin, m),
                  "rc %d %s" % (rc, d))
    # invariant 4: the sanitizer build of the oracle test catches a crafted heap overflow
    t = os.path.join(build, "test_oracle")
    p = subprocess.run([t, "oob", "16"], capture_output=True, text=True, timeout=60)
    check(p.returncode != 0 and "AddressSanitizer" in p.stderr,
          "invariant 4 fires: a heap overflow in an ASan build is reported", "rc %d" % p.returncode)
    p = subprocess.run([t, "oob", "15"], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and "Sanitizer" not in p.stderr, "invariant 4 silent: the in-bounds twin")
    # findings are saved before anything else: report + replayable .scn
    fdir = os.path.join(build, "findings-test")
    for f in os.listdir(fdir) if os.path.isdir(fdir) else []:
        os.unlink(os.path.join(fdir, f))
    subprocess.run([os.path.join(build, "m1", "gntworld"), "run", os.path.join(SCN, "msa02.scn"), "--findings", fdir],
                   capture_output=True, timeout=60)
    files = sorted(os.listdir(fdir)) if os.path.isdir(fdir) else []
    scn = [f for f in files if f.endswith(".scn")]
    ok = len(files) == 2 and len(scn) == 1
    if ok:
        p = subprocess.run([os.path.join(build, "m1", "gntworld"), "run", os.path.join(fdir, scn[0]), "--json"],
                           capture_output=True, text=True, timeout=60)
        ok = p.returncode == 1 and '"invariant": 1' in p.stdout
    check(ok, "a finding is saved as report + .scn, and the .scn replays the violation", " ".join(files))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
