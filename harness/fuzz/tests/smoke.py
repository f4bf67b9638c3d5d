#!/usr/bin/env python3
"""test-fuzz-smoke: every fuzz target runs a few thousand executions over its corpus, on libFuzzer
(ASan+UBSan) and on AFL++ (persistent shim, CmpLog twin), without a single crash or violation;
the targets that run a grant library do so on the fixed build of every library `make
list-variants` names (the device targets, blkfront and netfront, on the reference library: our
frontends are what they add, and every library runs the device scenarios in test-reproduce). The corpus is copied first: the engines add inputs to the directory they
fuzz. Also checks the coverage build and the standalone replay driver on the same seeds.
TAP lines; exit 1 if any failed.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fuzzcommon as fc  # noqa: E402

RUNS = 3000
failed = 0


def check(ok, name, detail=""):
    global failed
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    failed += not ok


def tail(text, n=3):
    lines = [l for l in text.splitlines() if l.strip()]
    return " | ".join(lines[-n:])


def label(target, lib):
    return f"{target} on {fc.vname(lib, fc.FIXED)}" if lib else target


def libfuzzer(target, lib, seeds, tmp):
    work = tmp / f"lf-{target}-{lib}"
    shutil.copytree(seeds, work)
    r = subprocess.run([str(fc.binary("libfuzzer", target, lib)), f"-runs={RUNS}", "-print_final_stats=1",
                        f"-artifact_prefix={tmp}/", str(work)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", timeout=300, env={"ASAN_OPTIONS": "detect_leaks=0"})
    done = "stat::number_of_executed_units" in r.stdout
    check(r.returncode == 0 and done, f"libfuzzer {label(target, lib)}: {RUNS} runs over {len(list(seeds.iterdir()))} seeds",
          tail(r.stdout))


def afl(target, lib, seeds, tmp):
    out = tmp / f"afl-{target}-{lib}"
    cmd = ["afl-fuzz", "-i", str(seeds), "-o", str(out), "-E", str(RUNS), "-V", "60",
           "-c", str(fc.binary("cmplog", target, lib))]
    if (fc.CORPORA / f"{target}.dict").exists():
        cmd += ["-x", str(fc.CORPORA / f"{target}.dict")]
    cmd += ["--", str(fc.binary("afl", target, lib))]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                       timeout=120, env={**os.environ, **fc.AFL_ENV})
    fc.kill_orphans()  # a SIGSTOPped CmpLog target outlives afl-fuzz otherwise
    stats = out / "default" / "fuzzer_stats"
    kv = {}
    if stats.exists():
        for line in stats.read_text().splitlines():
            k, _, v = line.partition(":")
            kv[k.strip()] = v.strip()
    execs = int(kv.get("execs_done", 0) or 0)
    crashes = list((out / "default" / "crashes").glob("id:*"))
    check(r.returncode == 0 and execs >= RUNS and not crashes,
          f"afl {label(target, lib)}: {execs} execs, {len(crashes)} crashes",
          tail(r.stdout) if not crashes else f"crash {crashes[0]}")


def replay_and_cov(target, lib, seeds, tmp):
    prof = tmp / f"{target}-{lib}.profraw"
    r = subprocess.run([str(fc.binary("cov", target, lib)), str(seeds)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120, env={"LLVM_PROFILE_FILE": str(prof)})
    n = len([p for p in seeds.iterdir() if p.is_file()])
    check(r.returncode == 0 and f"replay: {n} input(s) run" in r.stdout and prof.exists(),
          f"coverage build {label(target, lib)}: replays {n} seeds and writes a profile", tail(r.stdout))


def main():
    targets = fc.fuzz_targets()
    if not targets:
        print("not ok - no fuzz target is available")
        return 1
    try:
        device = set(fc.DEVICE_TARGET.values())
        runs = [(t, lib) for t in targets for lib in (([fc.default_library()] if t in device else fc.libraries())
                                                     if fc.runs_library(t) else [None])]
        need = [fc.binary(e, t, lib) for t, lib in runs for e in ("libfuzzer", "afl", "cmplog", "cov")]
        fc.require_tool("afl-fuzz", "afl++")
        fc.build(need)
    except fc.FuzzError as e:
        print(f"not ok - build: {e}")
        return 1
    fc.become_subreaper()
    with tempfile.TemporaryDirectory(prefix="fuzz-smoke-") as t:
        tmp = Path(t)
        for target, lib in runs:
            seeds = fc.CORPORA / target
            try:
                fc.check_corpus(seeds)
            except fc.FuzzError as e:
                check(False, f"{target}: corpus", str(e))
                continue
            libfuzzer(target, lib, seeds, tmp)
            afl(target, lib, seeds, tmp)
            replay_and_cov(target, lib, seeds, tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
