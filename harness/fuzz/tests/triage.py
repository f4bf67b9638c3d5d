#!/usr/bin/env python3
"""test-fuzz-triage: one bug, one finding -- the campaign's grouping of findings, both directions,
on real runs of the fuzz binaries (built through make).

A finding's group is its invariant plus the library's two innermost frames where the world caught
it (the `gntworld-json:` line's stack, symbolized), or the message with its numbers replaced when
the world caught it without a library frame on the stack. Pinned here:
- many inputs of one mutant's bug are one group: hand-written variations (noise, other pages and
  refs, grant v2, another road to the same free) and every crash a short libFuzzer run collects;
- the same input on two mutants that free a mapped page from different library functions
  (grants/msa02: unshare ignoring a busy end; grants/cve23041: the deferral freeing the page) is
  two groups, and the signature names library functions, not the harness's;
- a violation the world catches itself (invariant 5 at the end-of-run check) is grouped by its
  message, numbers left out, so two inputs with other refs and pages are one group;
- fixed libraries and a legal peer give no finding at all.
TAP lines; exit 1 if any failed.
"""
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fuzzcommon as fc  # noqa: E402

CFG1 = "config version 1 pages 8 refs 16 deferq 4\n"
CFG2 = "config version 2 pages 8 refs 16 deferq 4\n"
# grants/msa02's bug, reached in several ways: all one finding
MSA02 = {
    "done": CFG1 + "target share p0 rw\npeer map r8 rw\npeer done r8\n",
    "done-noisy": CFG1 + "target share p1 rw\ntarget share p0 rw\npeer map r9 rw\npeer read r9\n"
                         "peer write r9\npeer done r9\n",
    "unshare-mapped": CFG1 + "target share p0 rw\npeer map r8 rw\ntarget unshare r8\n",
    "unshare-ro-later": CFG1 + "target share p2 ro\ntarget share p3 rw\ntarget share p0 rw\n"
                               "peer map r10 ro\npeer read r10\ntarget unshare r10\n",
    "v2": CFG2 + "target share p0 rw\npeer map r8 rw\npeer done r8\n",
}
# no finding on any library
LEGAL = CFG1 + "target share p0 rw\npeer map r8 rw\npeer unmap r8\npeer done r8\n"
# grants/lost_deferred: the world's end-of-run check (no library frame), twice with other numbers
LOST = {
    "lost-a": CFG1 + "target share p0 rw\npeer map r8 rw\ntarget unshare r8\ntarget tick\npeer unmap r8\n"
                     "target tick\n",
    "lost-b": CFG1 + "target share p3 rw\ntarget share p5 rw\npeer map r9 rw\ntarget unshare r9\ntarget tick\n"
                     "peer unmap r9\ntarget tick\n",
}
FUZZ_SECONDS = 8
failed = 0


def check(ok, name, detail=""):
    global failed
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    failed += not ok


def key(c):
    return f"{c[0]}/{c[1]}" if c else None


def classify(lib, mutant, path):
    binp = fc.binary("libfuzzer", "world", lib, mutant)
    _, out = fc.run_input(binp, path)
    return fc.classify(out, binp), out


def fuzz_crashes(lib, mutant, tmp):
    """Every distinct crash input a short libFuzzer fork run on the world corpus collects."""
    corpus, art = tmp / f"corpus-{mutant}", tmp / f"crashes-{mutant}"
    shutil.copytree(fc.CORPORA / "world", corpus)
    art.mkdir()
    subprocess.run([str(fc.binary("libfuzzer", "world", lib, mutant)), "-fork=1", "-ignore_crashes=1",
                    f"-max_total_time={FUZZ_SECONDS}", f"-artifact_prefix={art}/", str(corpus)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=FUZZ_SECONDS + 60,
                   env=dict(fc.os.environ, ASAN_OPTIONS="detect_leaks=0:symbolize=0", TMPDIR=str(tmp)))
    return sorted(art.glob("crash-*"))


def main():
    conv = fc.FUZZ_OUT / "tools" / "scnconv"
    libs = fc.libraries()
    if "grants" not in libs or not {"msa02", "cve23041", "lost_deferred"} <= set(fc.mutants_of("grants")):
        print("not ok - the reference library grants/ with mutants msa02, cve23041, lost_deferred is needed "
              f"(make list-variants names: {' '.join(libs)})")
        return 1
    variants = [("grants", m) for m in ("msa02", "cve23041", "lost_deferred")] + [(l, fc.FIXED) for l in libs]
    gtab_pair = "gtab" in libs and {"msa02", "cve23041"} <= set(fc.mutants_of("gtab"))
    if gtab_pair:
        variants += [("gtab", "msa02"), ("gtab", "cve23041")]
    try:
        fc.build([conv] + [fc.binary("libfuzzer", "world", l, m) for l, m in variants])
    except fc.FuzzError as e:
        print(f"not ok - build: {e}")
        return 1
    with tempfile.TemporaryDirectory(prefix="fuzz-triage-") as t:
        tmp = Path(t)
        inputs = {}
        for name, text in {**MSA02, **LOST, "legal": LEGAL}.items():
            scn, binf = tmp / f"{name}.scn", tmp / f"{name}.bin"
            scn.write_text(text)
            binf.write_bytes(subprocess.run([str(conv), "encode", str(scn)], stdout=subprocess.PIPE,
                                            check=True).stdout)
            inputs[name] = binf

        # one bug, many inputs: one group
        msa = {n: classify("grants", "msa02", inputs[n]) for n in MSA02}
        first = msa["done"][0]
        check(first and first[0] == "inv1-free-while-mapped" and not first[1].startswith("msg:"),
              f"grants/msa02 forged done: invariant 1 at library frames ({key(first)})", str(first))
        same = {n: key(c) for n, (c, _) in msa.items()}
        check(len(set(same.values())) == 1 and None not in same.values(),
              f"grants/msa02 reached {len(MSA02)} ways (noise, other pages and refs, v2, a plain unshare): one group",
              str(same))
        check("peer done r9" in fc.readable("world", inputs["done-noisy"], msa["done-noisy"][1]),
              "the readable scenario is the whole input as it ran")
        crashes = fuzz_crashes("grants", "msa02", tmp)
        groups = {}
        for p in crashes:
            c, _ = classify("grants", "msa02", p)
            groups.setdefault(key(c), []).append(p.name)
        check(len(crashes) >= 3 and list(groups) == [key(first)],
              f"a {FUZZ_SECONDS}s libFuzzer run on grants/msa02: {len(crashes)} distinct crash inputs, one group",
              f"groups {dict((k, len(v)) for k, v in groups.items())}")

        # two mutants, two functions: two groups
        cve, _ = classify("grants", "cve23041", inputs["done"])
        check(cve and cve[0] == "inv1-free-while-mapped" and key(cve) != key(first),
              f"same input, grants/cve23041 vs grants/msa02: different groups ({cve and cve[1]} vs {first and first[1]})",
              f"{cve} vs {first}")
        lib_fns = set()
        for src in fc.ROOT.glob("grants/src/*.c"):
            lib_fns |= set(re.findall(r"^\w[\w\s\*]*?\b(\w+)\(", src.read_text(), re.M))
        lib_fns |= set(re.findall(r"^\w[\w\s\*]*?\b(\w+)\(", (fc.ROOT / "targets/grants/adapter.c").read_text(), re.M))
        names = [n for c in (first, cve) if c for n in c[1].split("<-")]
        check(names and all(n in lib_fns for n in names),
              "their signatures name functions of grants/ and its adapter only", str(names))
        if gtab_pair:
            gm, _ = classify("gtab", "msa02", inputs["done"])
            gc, _ = classify("gtab", "cve23041", inputs["done"])
            check(gm and gc and key(gm) != key(gc), "gtab/msa02 vs gtab/cve23041 (a library with its own idiom): "
                  "different groups", f"{gm and gm[1]} / {gc and gc[1]}")

        # caught by the world itself: grouped by message, numbers left out
        la, _ = classify("grants", "lost_deferred", inputs["lost-a"])
        lb, _ = classify("grants", "lost_deferred", inputs["lost-b"])
        check(la and la[0] == "inv5-lost" and la[1].startswith("msg:") and not re.search(r"\d", la[1])
              and key(la) == key(lb),
              f"grants/lost_deferred at the end-of-run check: message signature, one group ({la and la[1]})",
              f"{la} vs {lb}")

        # no finding where there is no bug
        clean = [(l, n) for l in libs for n in list(MSA02) + list(LOST) + ["legal"]
                 if classify(l, fc.FIXED, inputs[n])[0] is not None]
        check(not clean, f"fixed libraries ({' '.join(libs)}): no finding on any input", str(clean))
        check(classify("grants", "msa02", inputs["legal"])[0] is None, "grants/msa02 with a peer that unmapped first: no finding")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
