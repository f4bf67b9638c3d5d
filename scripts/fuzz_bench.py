#!/usr/bin/env python3
"""fuzz_bench - the fuzzing figures, measured side by side in one run (`make bench-fuzz`).

1. Cheap reset: the world's per-input reset for the smallest and largest configuration against
   clearing the whole struct world (harness/fuzz/tools/reset_bench).
2. Exec rate of every fuzz target and of the empty target built with the same flags, per engine
   (libFuzzer ASan+UBSan, AFL++ persistent mode), over each target's corpus; the ratio is the
   figure to quote (goal: the grant-API world at >= 1/5 of the empty target).
3. MSA02 from an empty corpus with libFuzzer over 5 seeds: median time and executions (goal < 1 s).

The targets that run a grant library run the fixed build of --library (default: the first library
`make list-variants` prints); the MSA02 figure uses its mutant --mutant (default msa02).

Absolute rates on these shared machines are noisy; the ratios come from one run.
Results also go to build/fuzz/bench.json.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness" / "fuzz"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzzcommon as fc  # noqa: E402
import killmatrix  # noqa: E402

PROG = "fuzz_bench"


def libfuzzer_rate(target, lib, seeds, secs, tmp):
    work = tmp / f"lf-{target}"
    shutil.copytree(seeds, work)
    r = subprocess.run([str(fc.binary("libfuzzer", target, lib)), f"-max_total_time={secs}", "-print_final_stats=1",
                        f"-artifact_prefix={tmp}/", str(work)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", timeout=secs + 60, env={**os.environ, "ASAN_OPTIONS": "detect_leaks=0"})
    execs = runtime = None
    for line in r.stdout.splitlines():
        if line.startswith("stat::number_of_executed_units:"):
            execs = int(line.split(":")[-1])
        if line.startswith("Done ") and " runs in " in line:
            runtime = int(line.split(" runs in ")[1].split()[0])
    if execs is None or r.returncode != 0:
        raise fc.FuzzError(f"libFuzzer run of {target} failed: {r.stdout.strip().splitlines()[-1:]}")
    return execs / max(runtime or secs, 1)


def afl_rate(target, lib, seeds, secs, tmp):
    out = tmp / f"afl-{target}"
    r = subprocess.run(["afl-fuzz", "-i", str(seeds), "-o", str(out), "-V", str(secs), "--",
                        str(fc.binary("afl", target, lib))], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", timeout=secs + 60, env={**os.environ, **fc.AFL_ENV})
    fc.kill_orphans()
    kv = {}
    stats = out / "default" / "fuzzer_stats"
    if stats.exists():
        for line in stats.read_text().splitlines():
            k, _, v = line.partition(":")
            kv[k.strip()] = v.strip()
    if not kv:
        raise fc.FuzzError(f"afl-fuzz run of {target} failed: {r.stdout.strip().splitlines()[-1:]}")
    return int(kv["execs_done"]) / max(int(kv.get("run_time", secs)) or secs, 1)


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--secs", type=int, default=5, help="seconds per exec-rate measurement (default 5)")
    ap.add_argument("--seeds", type=int, default=5, help="libFuzzer seeds for the MSA02 median (default 5)")
    ap.add_argument("--engines", default="libfuzzer,afl")
    ap.add_argument("--library", help="library whose fixed build the targets run (default: the first make lists)")
    ap.add_argument("--mutant", help="mutant for the time-to-find figure (default msa02, else the library's first)")
    a = ap.parse_args()
    engines = [e for e in a.engines.split(",") if e]
    results = {}
    fc.become_subreaper()
    try:
        targets = fc.fuzz_targets()
        if not targets:
            raise fc.FuzzError("no fuzz target available")
        lib = a.library or fc.default_library()
        fc.check_variant(lib, fc.FIXED)
        if not a.mutant:
            ms = fc.mutants_of(lib)
            if not ms:
                raise fc.FuzzError(f"library {lib} has no mutant for the time-to-find figure")
            a.mutant = "msa02" if "msa02" in ms else ms[0]
        fc.check_variant(lib, a.mutant)
        print(f"{PROG}: library targets on {fc.vname(lib, fc.FIXED)}; time to find {fc.vname(lib, a.mutant)}",
              flush=True)
        need = [fc.FUZZ_OUT / "tools" / "reset_bench", fc.binary("libfuzzer", "world", lib, a.mutant)]
        for t in targets + ["empty"]:
            need += [fc.binary("libfuzzer", t, lib)] + ([fc.binary("afl", t, lib)] if "afl" in engines else [])
        if "afl" in engines:
            fc.require_tool("afl-fuzz", "afl++")
        fc.build(need)

        r = subprocess.run([str(fc.FUZZ_OUT / "tools" / "reset_bench")], stdout=subprocess.PIPE, text=True, check=True)
        reset = {k: float(v) for k, v in (l.split() for l in r.stdout.splitlines())}
        results["reset"] = reset
        print(f"reset per input: {reset['reset_ns_smallest'] / 1000:.2f} us (pages 1, refs 9), "
              f"{reset['reset_ns_largest'] / 1000:.2f} us (pages 64, refs 256, v2); clearing the whole "
              f"{reset['world_size_bytes'] / 1e6:.1f} MB world would cost {reset['clear_whole_world_ns'] / 1000:.1f} us "
              f"({reset['clear_whole_world_ns'] / reset['reset_ns_largest']:.1f}x the largest reset)", flush=True)

        rates = {}
        with tempfile.TemporaryDirectory(prefix="fuzz-bench-") as t:
            tmp = Path(t)
            for e in engines:
                sub = tmp / e
                sub.mkdir()
                for target in ["empty"] + targets:
                    seeds = fc.CORPORA / ("world" if target == "empty" else target)
                    fc.check_corpus(seeds)
                    rate = (libfuzzer_rate if e == "libfuzzer" else afl_rate)(target, lib, seeds, a.secs, sub)
                    rates[(e, target)] = rate
                    print(f"  {e:<10} {target:<10} {rate:>10.0f} execs/s", flush=True)
        print(f"\n{'engine':<10} {'target':<10} {'execs/s':>10} {'vs empty':>9}   (goal for world: >= 0.200x)")
        results["rates"] = []
        for e in engines:
            base = rates[(e, "empty")]
            for target in ["empty"] + targets:
                rate = rates[(e, target)]
                ratio = rate / base if base else 0
                results["rates"].append({"engine": e, "target": target, "execs_per_s": round(rate),
                                         "ratio_to_empty": round(ratio, 4)})
                print(f"{e:<10} {target:<10} {rate:>10.0f} {ratio:>8.3f}x")

        runs = []
        for seed in range(1, a.seeds + 1):
            with tempfile.TemporaryDirectory(prefix="fuzz-bench-msa02-") as t:
                res = killmatrix.run_libfuzzer("world", lib, a.mutant, 60, Path(t), seed=seed)
            if not res["found"]:
                raise fc.FuzzError(f"libFuzzer seed {seed} did not find {fc.vname(lib, a.mutant)} in 60 s")
            runs.append(res)
        secs = statistics.median(r["secs"] for r in runs)
        execs = statistics.median(r["execs"] or 0 for r in runs)
        results["library"] = lib
        results["msa02"] = {"variant": fc.vname(lib, a.mutant), "seeds": a.seeds, "median_s": secs,
                            "median_execs": execs, "runs": runs}
        print(f"\n{fc.vname(lib, a.mutant)} from an empty corpus, libFuzzer, {a.seeds} seeds: median {secs:.2f} s, "
              f"{execs:.0f} executions (each: " + ", ".join(f"{r['secs']:.2f}s/{r['execs']}" for r in runs) + ")")
    except (fc.FuzzError, subprocess.CalledProcessError) as err:
        fc.die(PROG, err)
    (fc.FUZZ_OUT / "bench.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
