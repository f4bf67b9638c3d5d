#!/usr/bin/env python3
"""fuzz_bench - the fuzzing figures, measured side by side in one run (`make bench-fuzz`).

1. Cost of one input inside the world targets, in the build libFuzzer runs (ASan+UBSan, the same
   coverage flags, the load/store hooks; harness/fuzz/tools/input_cost.c): the reset (a
   configuration and no step, smallest and largest), the mean over the committed seeds, the cost
   per step. CPU time, least of 5 batches; libFuzzer's own per-input work is not in it.
2. Exec rate of every fuzz target and of the empty target built with the same flags, per engine
   (libFuzzer ASan+UBSan, AFL++ persistent mode), over each target's seeds; the ratio to the empty
   target is the figure to quote (goals: world >= 0.10x, workload >= 0.05x on libFuzzer).
3. A fixed-length libFuzzer campaign per world target from the committed seeds, as `make fuzz`
   runs it (dictionary, -max_len=4096): the average exec/s over the whole run, inputs growing as
   they do in a real campaign (goals on 2 cores: world >= 26k/s, workload >= 4.4k/s).
4. MSA02 from an empty corpus with libFuzzer over 5 seeds: median time and executions (goal < 1 s).

Every ratio is printed with the two numbers it comes from, and the machine's core count and load.
Absolute rates on shared machines are noisy; the ratios come from one run. `make bench-campaign`
runs part 3 alone for 10 minutes per target. Results also go to build/fuzz/bench.json.
"""
import argparse
import json
import os
import re
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
WORLD_TARGETS = ("world", "workload")  # the targets input_cost and the campaign measure
GOAL_RATIO = {"world": 0.10, "workload": 0.05}
GOAL_CAMPAIGN = {"world": 26000, "workload": 4400}


def lf_env():
    return {**os.environ, "ASAN_OPTIONS": "detect_leaks=0:symbolize=0"}


def libfuzzer_run(binary, seeds, secs, tmp, extra=()):
    """Fuzz a copy of seeds for secs seconds -> (executions, seconds, corpus size at the end)."""
    work = tmp / "corpus"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(seeds, work)
    r = subprocess.run([str(binary), f"-max_total_time={secs}", "-print_final_stats=1", *extra,
                        f"-artifact_prefix={tmp}/", str(work)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", timeout=secs + 120, env=lf_env())
    execs = runtime = None
    for line in r.stdout.splitlines():
        if line.startswith("stat::number_of_executed_units:"):
            execs = int(line.split(":")[-1])
        if line.startswith("Done ") and " runs in " in line:
            runtime = int(line.split(" runs in ")[1].split()[0])
    if execs is None or r.returncode != 0:
        raise fc.FuzzError(f"libFuzzer run of {binary.name} failed: {r.stdout.strip().splitlines()[-1:]}")
    return execs, max(runtime or secs, 1), len(list(work.iterdir()))


def afl_rate(binary, seeds, secs, tmp):
    out = tmp / "afl"
    r = subprocess.run(["afl-fuzz", "-i", str(seeds), "-o", str(out), "-V", str(secs), "--", str(binary)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                       timeout=secs + 60, env={**os.environ, **fc.AFL_ENV})
    fc.kill_orphans()
    kv = {}
    stats = out / "default" / "fuzzer_stats"
    if stats.exists():
        for line in stats.read_text().splitlines():
            k, _, v = line.partition(":")
            kv[k.strip()] = v.strip()
    if not kv:
        raise fc.FuzzError(f"afl-fuzz run of {binary.name} failed: {r.stdout.strip().splitlines()[-1:]}")
    return int(kv["execs_done"]) / max(int(kv.get("run_time", secs)) or secs, 1)


def input_cost(tool, seeds):
    r = subprocess.run([str(tool), *sorted(str(p) for p in Path(seeds).iterdir() if p.is_file())],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                       env=lf_env(), timeout=300)
    kv = dict(l.split(None, 1) for l in r.stdout.splitlines() if re.match(r"^[a-z_]+ \S+$", l))
    if r.returncode != 0 or "step_ns" not in kv:
        raise fc.FuzzError(f"{tool.name} failed: {r.stdout.strip().splitlines()[-1:]}")
    return {k: float(v) for k, v in kv.items()}


def ratio(a, b):
    """'0.054x (63438 / 1177510)': a ratio and the two numbers it comes from."""
    return f"{a / b if b else 0:.3f}x ({a:.0f} / {b:.0f})"


def machine():
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return os.cpu_count() or 1, load


def campaign(lib, secs, tmp, results, bins):
    cores, load = machine()
    print(f"\nlibFuzzer campaign per target, {secs} s from the committed seeds (dictionary, -max_len=4096, one job), "
          f"{cores} cores, load {load:.1f}:", flush=True)
    results["campaign"] = []
    for target in WORLD_TARGETS:
        extra = ["-max_len=4096"]
        if (fc.CORPORA / f"{target}.dict").exists():
            extra.append(f"-dict={fc.CORPORA / f'{target}.dict'}")
        sub = tmp / f"campaign-{target}"
        sub.mkdir()
        execs, runtime, corpus = libfuzzer_run(bins[target], fc.CORPORA / target, secs, sub, extra)
        rate = execs / runtime
        results["campaign"].append({"target": target, "secs": runtime, "execs": execs, "execs_per_s": round(rate),
                                    "corpus_end": corpus, "goal": GOAL_CAMPAIGN[target]})
        print(f"  {target:<9} {rate:>8.0f} execs/s average ({execs} executions in {runtime} s, corpus {corpus} "
              f"inputs at the end; goal >= {GOAL_CAMPAIGN[target]}/s)", flush=True)


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--secs", type=int, default=5, help="seconds per exec-rate measurement (default 5)")
    ap.add_argument("--seeds", type=int, default=5, help="libFuzzer seeds for the MSA02 median (default 5)")
    ap.add_argument("--campaign-secs", type=int, default=60,
                    help="length of the campaign per world target (default 60; 0 leaves it out)")
    ap.add_argument("--campaign-only", action="store_true", help="only the campaign figure (make bench-campaign)")
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
        cores, load = machine()
        results.update(library=lib, cores=cores, load_at_start=load)
        print(f"{PROG}: {cores} cores, load {load:.1f}; library targets on {fc.vname(lib, fc.FIXED)}; "
              f"time to find {fc.vname(lib, a.mutant)}", flush=True)
        world_bins = {t: fc.binary("libfuzzer", t, lib) for t in WORLD_TARGETS}
        cost_tools = {t: fc.FUZZ_OUT / "tools" / f"input_cost-{t}-{lib}-{fc.FIXED}" for t in WORLD_TARGETS}
        if a.campaign_only:
            fc.build(list(world_bins.values()))
            with tempfile.TemporaryDirectory(prefix="fuzz-bench-") as t:
                campaign(lib, a.campaign_secs, Path(t), results, world_bins)
            (fc.FUZZ_OUT / "bench-campaign.json").write_text(json.dumps(results, indent=1))
            return 0
        need = list(cost_tools.values()) + [fc.binary("libfuzzer", "world", lib, a.mutant)]
        for t in targets + ["empty"]:
            need += [fc.binary("libfuzzer", t, lib)] + ([fc.binary("afl", t, lib)] if "afl" in engines else [])
        if "afl" in engines:
            fc.require_tool("afl-fuzz", "afl++")
        fc.build(need)

        print("\ncost of one input inside the target (libFuzzer build: ASan+UBSan, coverage, load/store hooks; "
              "CPU time, least of 5 batches; libFuzzer's own per-input work not included):")
        print(f"  {'target':<9} {'reset, smallest':>16} {'reset, largest':>15} {'seed mean':>10} {'steps':>6} {'per step':>9}")
        results["input_cost"] = {}
        for t in WORLD_TARGETS:
            c = input_cost(cost_tools[t], fc.CORPORA / t)
            results["input_cost"][t] = c
            print(f"  {t:<9} {c['reset_ns_smallest'] / 1000:>13.2f} us {c['reset_ns_largest'] / 1000:>12.2f} us "
                  f"{c['seed_ns_mean'] / 1000:>7.2f} us {c['steps_mean']:>6.1f} {c['step_ns']:>6.0f} ns", flush=True)
        print("  (reset: a configuration and no step: the world's reset, the end-of-run check and the library's "
              "setup; smallest = 1 page, 9 refs, deferq 1; largest = 64 pages, 256 refs, deferq 64, v2)")

        rates = {}
        with tempfile.TemporaryDirectory(prefix="fuzz-bench-") as t:
            tmp = Path(t)
            print(f"\nexec rate over each target's seeds, {a.secs} s each, one after the other:", flush=True)
            for e in engines:
                for target in ["empty"] + targets:
                    seeds = fc.CORPORA / ("world" if target == "empty" else target)
                    fc.check_corpus(seeds)
                    sub = tmp / f"{e}-{target}"
                    sub.mkdir()
                    b = fc.binary(e, target, lib)
                    if e == "libfuzzer":
                        execs, runtime, _ = libfuzzer_run(b, seeds, a.secs, sub)
                        rate = execs / runtime
                    else:
                        rate = afl_rate(b, seeds, a.secs, sub)
                    rates[(e, target)] = rate
                    print(f"  {e:<10} {target:<10} {rate:>10.0f} execs/s", flush=True)
            cores, load = machine()
            print(f"\n{'engine':<10} {'target':<10} {'execs/s':>10}   vs empty target (same engine, same run; "
                  f"{cores} cores, load {load:.1f})")
            results["rates"] = []
            for e in engines:
                base = rates[(e, "empty")]
                for target in ["empty"] + targets:
                    rate = rates[(e, target)]
                    goal = f"   goal >= {GOAL_RATIO[target]:.2f}x" if e == "libfuzzer" and target in GOAL_RATIO else ""
                    results["rates"].append({"engine": e, "target": target, "execs_per_s": round(rate),
                                             "empty_execs_per_s": round(base),
                                             "ratio_to_empty": round(rate / base if base else 0, 4)})
                    print(f"{e:<10} {target:<10} {rate:>10.0f}   {ratio(rate, base)}{goal}")

            if a.campaign_secs > 0:
                campaign(lib, a.campaign_secs, tmp, results, world_bins)

        runs = []
        for seed in range(1, a.seeds + 1):
            with tempfile.TemporaryDirectory(prefix="fuzz-bench-msa02-") as t:
                res = killmatrix.run_libfuzzer("world", lib, a.mutant, 60, Path(t), seed=seed)
            if not res["found"]:
                raise fc.FuzzError(f"libFuzzer seed {seed} did not find {fc.vname(lib, a.mutant)} in 60 s")
            runs.append(res)
        secs = statistics.median(r["secs"] for r in runs)
        execs = statistics.median(r["execs"] or 0 for r in runs)
        results["msa02"] = {"variant": fc.vname(lib, a.mutant), "seeds": a.seeds, "median_s": secs,
                            "median_execs": execs, "runs": runs}
        print(f"\n{fc.vname(lib, a.mutant)} from an empty corpus, libFuzzer, {a.seeds} seeds: median {secs:.2f} s, "
              f"{execs:.0f} executions (goal < 1 s; each: " + ", ".join(f"{r['secs']:.2f}s/{r['execs']}" for r in runs) + ")")
    except (fc.FuzzError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        fc.die(PROG, err)
    (fc.FUZZ_OUT / "bench.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
