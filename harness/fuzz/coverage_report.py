#!/usr/bin/env python3
"""coverage_report - llvm-cov source coverage of the fuzz targets (`make coverage`).

Each target's coverage build (build/fuzz/cov/<target>-m0: -fprofile-instr-generate
-fcoverage-mapping, replay driver) runs over its seed corpus plus every corpus the campaigns of
that target grew (build/fuzz/campaigns/*). Per target: a text summary on stdout and an HTML
report in build/fuzz/coverage/<target>/.
"""
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzzcommon as fc  # noqa: E402

PROG = "coverage"
OUT = fc.FUZZ_OUT / "coverage"


def campaign_corpora(target):
    dirs = []
    for cj in sorted((fc.FUZZ_OUT / "campaigns").glob("*/campaign.json")):
        try:
            cfg = json.loads(cj.read_text())["config"]
        except (OSError, ValueError, KeyError):
            continue
        if cfg.get("target") != target or cfg.get("mutant", 0) != 0:
            continue  # a mutant's corpus is still valid input, but keep the report about the real library
        d = cj.parent
        dirs += [p for p in [d / "corpus"] + sorted(d.glob("afl/*/queue")) if p.is_dir()]
    return dirs


def main(targets):
    try:
        fc.require_tool("llvm-profdata", "llvm")
        fc.require_tool("llvm-cov", "llvm")
        targets = targets or fc.fuzz_targets()
        fc.build([fc.binary("cov", t) for t in targets])
    except fc.FuzzError as e:
        fc.die(PROG, e)
    for t in targets:
        if t == "empty":
            continue
        tdir = OUT / t
        tdir.mkdir(parents=True, exist_ok=True)
        for old in tdir.glob("*.profraw"):
            old.unlink()
        inputs = [fc.CORPORA / t] + campaign_corpora(t)
        binp = fc.binary("cov", t)
        r = subprocess.run([str(binp), *map(str, inputs)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", env={"LLVM_PROFILE_FILE": str(tdir / "%p.profraw")})
        raws = sorted(tdir.glob("*.profraw"))
        if not raws:
            fc.die(PROG, f"{t}: the coverage build wrote no profile ({r.stdout.strip()[-200:]})")
        prof = tdir / f"{t}.profdata"
        subprocess.run(["llvm-profdata", "merge", "-sparse", "-o", str(prof), *map(str, raws)], check=True)
        ignore = r"harness/fuzz/|/usr/"
        rep = subprocess.run(["llvm-cov", "report", str(binp), f"-instr-profile={prof}",
                              f"-ignore-filename-regex={ignore}"], stdout=subprocess.PIPE, text=True, check=True)
        subprocess.run(["llvm-cov", "show", str(binp), f"-instr-profile={prof}", "-format=html",
                        f"-output-dir={tdir / 'html'}", f"-ignore-filename-regex={ignore}"],
                       stdout=subprocess.DEVNULL, check=True)
        (tdir / "summary.txt").write_text(rep.stdout)
        ran = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        print(f"== {t}: {ran} from {len(inputs)} corpus dir(s)")
        for line in rep.stdout.splitlines():
            if line.startswith(("Filename", "TOTAL", "grants/")) or "/grants/" in line:
                print(line)
        print(f"   html: {(tdir / 'html' / 'index.html').relative_to(fc.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
