#!/usr/bin/env python3
"""test-oracle, end to end: each invariant fires through gntworld on a real violation and stays
silent on its legal twin; invariant 4 (sanitizers) fires on a crafted heap overflow and is silent
on the in-bounds twin. The violations are mutants of the reference library grants/; every legal
twin must also be silent on the fixed build of every library under test. The variants are what
`make list-variants` prints; binaries are BUILD/LIBRARY/MUTANT/gntworld.
Usage: test_twins.py BUILD_DIR (build/world). Prints TAP lines; exits 1 if any check failed."""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "harness", "world", "tests"))
from variants import variants  # noqa: E402

SCN = os.path.join(ROOT, "corpora", "scenarios")
REFERENCE = "grants"
# (invariant, mutant of grants/ that violates it, scenario that shows it, its legal twin)
CASES = [(1, "msa02", "msa02.scn", "msa02-legal.scn"),
         (2, "ref_double_free", "ref-double-free.scn", "ref-double-free-legal.scn"),
         (3, "flags_first", "flags-first.scn", "flags-first-legal.scn"),
         (3, "ro_flag", "ro-flag.scn", "ro-flag-legal.scn"),          # access mode
         (5, "ref_leak", "ref-leak.scn", "ref-leak-legal.scn")]
failed = 0


def check(ok, name, detail=""):
    global failed
    print("%s - %s%s" % ("ok" if ok else "not ok", name, "" if ok else "  # " + detail))
    failed += not ok


def gntworld(build, lib, mutant):
    return os.path.join(build, lib, mutant, "gntworld")


def verdict(binary, scn):
    p = subprocess.run([binary, "run", os.path.join(SCN, scn), "--json"],
                       capture_output=True, text=True, timeout=60)
    try:
        return p.returncode, json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return p.returncode, {"stderr": p.stderr.strip()[-200:]}


def main():
    build = sys.argv[1]
    vs = variants()
    fixed = [lib for lib, m in vs if m == "fixed"]
    for inv, mutant, bad, twin in CASES:
        if (REFERENCE, mutant) not in vs:
            print("ok - invariant %d: %s/%s is not under test  # SKIP" % (inv, REFERENCE, mutant))
            continue
        rc, d = verdict(gntworld(build, REFERENCE, mutant), bad)
        check(rc == 1 and d.get("invariant") == inv and d.get("library") == REFERENCE and d.get("mutant") == mutant,
              "invariant %d fires end to end: %s on %s/%s" % (inv, bad, REFERENCE, mutant), "rc %d %s" % (rc, d))
        for lib, m in [(l, "fixed") for l in fixed] + [(REFERENCE, mutant)]:
            rc, d = verdict(gntworld(build, lib, m), twin)
            if rc == 3:  # the library has no grant table of the twin's version
                print("ok - invariant %d: legal twin %s not run on %s/%s: %s  # SKIP" % (
                    inv, twin, lib, m, d.get("stderr", "table version not supported")))
                continue
            check(rc == 0 and d.get("verdict") == "clean",
                  "invariant %d silent on the legal twin %s (%s/%s)" % (inv, twin, lib, m), "rc %d %s" % (rc, d))
    # invariant 4: the sanitizer build of the oracle test catches a crafted heap overflow
    t = os.path.join(build, "test_oracle")
    p = subprocess.run([t, "oob", "16"], capture_output=True, text=True, timeout=60)
    check(p.returncode != 0 and "AddressSanitizer" in p.stderr,
          "invariant 4 fires: a heap overflow in an ASan build is reported", "rc %d" % p.returncode)
    p = subprocess.run([t, "oob", "15"], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and "Sanitizer" not in p.stderr, "invariant 4 silent: the in-bounds twin")
    # findings are saved before anything else: report + replayable .scn, named
    # inv<N>-<library>-<mutant>-<hash>
    if (REFERENCE, "msa02") not in vs:
        print("ok - findings: %s/msa02 is not under test  # SKIP" % REFERENCE)
        return 1 if failed else 0
    binary = gntworld(build, REFERENCE, "msa02")
    with tempfile.TemporaryDirectory() as fdir:
        subprocess.run([binary, "run", os.path.join(SCN, "msa02.scn"), "--findings", fdir],
                       capture_output=True, timeout=60)
        files = sorted(os.listdir(fdir))
        scn = [f for f in files if f.endswith(".scn")]
        named = all(re.match(r"^inv1-%s-msa02-[0-9a-f]+\.(txt|scn)$" % REFERENCE, f) for f in files)
        ok = len(files) == 2 and len(scn) == 1 and named and scn[0][:-4] + ".txt" in files
        if ok:
            p = subprocess.run([binary, "run", os.path.join(fdir, scn[0]), "--json"],
                               capture_output=True, text=True, timeout=60)
            ok = p.returncode == 1 and '"invariant": 1' in p.stdout
        check(ok, "a finding is saved as inv1-%s-msa02-<hash>.txt + .scn, and the .scn replays the violation"
              % REFERENCE, " ".join(files))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
