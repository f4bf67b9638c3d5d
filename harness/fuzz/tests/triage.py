#!/usr/bin/env python3
"""test-fuzz-triage: the campaign's grouping of findings, both directions, on real world reports.

Real reports come from running mutant builds on short scenarios. Inputs that differ only in
noise (extra peer reads, another page) must land in one group; findings with a different story
(forged done vs. the XSA-396 race) or a different invariant must not; a clean run is no finding.
TAP lines; exit 1 if any failed.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fuzzcommon as fc  # noqa: E402

SCENARIOS = {
    "done": "config version 1 pages 8 refs 16 deferq 4\ntarget share p0 rw\npeer map r8 rw\npeer done r8\n",
    "done-noisy": "config version 1 pages 8 refs 16 deferq 4\ntarget share p1 rw\ntarget share p0 rw\n"
                  "peer map r9 rw\npeer read r9\npeer write r9\npeer done r9\n",
    "race": "config version 1 pages 8 refs 16 deferq 4\ntarget share p0 rw\nat 1 peer map r8 rw\n"
            "target unshare r8\n",
    "legal": "config version 1 pages 8 refs 16 deferq 4\ntarget share p0 rw\npeer map r8 rw\n"
             "peer unmap r8\npeer done r8\n",
}
failed = 0


def check(ok, name, detail=""):
    global failed
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    failed += not ok


def main():
    conv = fc.FUZZ_OUT / "tools" / "scnconv"
    try:
        fc.build([conv, fc.binary("libfuzzer", "world", 1), fc.binary("libfuzzer", "world", 0)])
    except fc.FuzzError as e:
        print(f"not ok - build: {e}")
        return 1
    cls = {}
    with tempfile.TemporaryDirectory(prefix="fuzz-triage-") as t:
        for name, text in SCENARIOS.items():
            scn, binf = Path(t) / f"{name}.scn", Path(t) / f"{name}.bin"
            scn.write_text(text)
            binf.write_bytes(subprocess.run([str(conv), "encode", str(scn)], stdout=subprocess.PIPE,
                                            check=True).stdout)
            for m in (0, 1):
                rc, out = fc.run_input("world", m, binf)
                cls[(name, m)] = (fc.classify(out), fc.readable("world", binf, out))
    key = lambda c: f"{c[0]}/{c[1]}" if c else None  # noqa: E731
    done, noisy, race = (cls[(n, 1)][0] for n in ("done", "done-noisy", "race"))
    check(done and done[0] == "inv1-free-while-mapped", "forged done on msa02 is invariant 1", str(done))
    check(key(done) == key(noisy), "extra peer reads/writes and another page: same group", f"{done} vs {noisy}")
    check(race and key(race) != key(done), "the XSA-396-shaped race is a different group", f"{race} vs {done}")
    check(all(cls[(n, 0)][0] is None for n in SCENARIOS), "the real library: no finding on any of them")
    check(cls[("legal", 1)][0] is None, "msa02 with a peer that unmapped first: no finding")
    check("peer done r9" in cls[("done-noisy", 1)][1], "the readable scenario is the whole input as it ran")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
