#!/usr/bin/env python3
"""coverage_report - llvm-cov source coverage of the fuzz targets (`make coverage`).

Each target's coverage build (build/fuzz/cov/<target>-<library>-fixed for the targets that run
a library, one per fixed library `make list-variants` names; build/fuzz/cov/<target> for the
others: -fprofile-instr-generate -fcoverage-mapping, replay driver) runs over its seed corpus plus
every corpus the campaigns of that target and library's fixed build grew (build/fuzz/campaigns/*).
Per build: a text summary on stdout (the library's own files and the total) and an HTML report in
build/fuzz/coverage/<target>[-<library>]/.
"""
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzzcommon as fc  # noqa: E402

PROG = "coverage"
OUT = fc.FUZZ_OUT / "coverage"


def campaign_corpora(target, lib):
    dirs = []
    for cj in sorted((fc.FUZZ_OUT / "campaigns").glob("*/campaign.json")):
        try:
            cfg = json.loads(cj.read_text())["config"]
        except (OSError, ValueError, KeyError):
            continue
        if cfg.get("target") != target:
            continue
        if lib and (cfg.get("library") != lib or cfg.get("mutant") != fc.FIXED):
            continue  # a mutant's corpus is still valid input, but keep the report about the fixed library
        d = cj.parent
        dirs += [p for p in [d / "corpus"] + sorted(d.glob("afl/*/queue")) if p.is_dir()]
    return dirs


def main(targets):
    try:
        fc.require_tool("llvm-profdata", "llvm")
        fc.require_tool("llvm-cov", "llvm")
        targets = [t for t in (targets or fc.fuzz_targets()) if t != "empty"]
        builds = [(t, lib) for t in targets for lib in (fc.libraries() if fc.runs_library(t) else [None])]
        fc.build([fc.binary("cov", t, lib) for t, lib in builds])
    except fc.FuzzError as e:
        fc.die(PROG, e)
    for t, lib in builds:
        name = f"{t}-{lib}" if lib else t
        tdir = OUT / name
        tdir.mkdir(parents=True, exist_ok=True)
        for old in tdir.glob("*.profraw"):
            old.unlink()
        inputs = [fc.CORPORA / t] + campaign_corpora(t, lib)
        binp = fc.binary("cov", t, lib)
        r = subprocess.run([str(binp), *map(str, inputs)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", env={"LLVM_PROFILE_FILE": str(tdir / "%p.profraw")})
        raws = sorted(tdir.glob("*.profraw"))
        if not raws:
            fc.die(PROG, f"{name}: the coverage build wrote no profile ({r.stdout.strip()[-200:]})")
        prof = tdir / f"{name}.profdata"
        subprocess.run(["llvm-profdata", "merge", "-sparse", "-o", str(prof), *map(str, raws)], check=True)
        ignore = r"harness/fuzz/|/usr/"
        rep = subprocess.run(["llvm-cov", "report", str(binp), f"-instr-profile={prof}",
                              f"-ignore-filename-regex={ignore}"], stdout=subprocess.PIPE, text=True, check=True)
        subprocess.run(["llvm-cov", "show", str(binp), f"-instr-profile={prof}", "-format=html",
                        f"-output-dir={tdir / 'html'}", f"-ignore-filename-regex={ignore}"],
                       stdout=subprocess.DEVNULL, check=True)
        (tdir / "summary.txt").write_text(rep.stdout)
        ran = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        print(f"== {name}{' (' + fc.vname(lib, fc.FIXED) + ')' if lib else ''}: {ran} from {len(inputs)} corpus dir(s)")
        for line in rep.stdout.splitlines():
            # the header, the total, and the library's own files (not the harness's)
            path = line.split()[0] if line.split() else ""
            if line.startswith("TOTAL") or (lib and (line.startswith("Filename") or fc.is_target_file(path))):
                print(line)
        print(f"   html: {fc.rel(tdir / 'html' / 'index.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
