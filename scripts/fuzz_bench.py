#!/usr/bin/env python3
"""fuzz_bench - the fuzzing figures, measured side by side in one run (`make bench-fuzz`).

1. Cost of one input inside the world targets, in the build libFuzzer runs (ASan+UBSan, the same
   coverage flags, the load/store hooks; harness/fuzz/tools/input_cost.c): the reset (a
   configuration and no step, smallest and largest), the mean over the committed seeds, the cost
   per step. CPU time, least of 5 batches; libFuzzer's own per-input work is not in it.
2. Exec rate of every fuzz target and of the empty target built with the same flags, per engine
   (libFuzzer ASan+UBSan, AFL++ persistent mode), over each target's seeds, the engines one after
   the other on each target; the ratio to the empty target is the figure to quote (goals: world
   >= 0.10x, workload >= 0.05x on libFuzzer), and libFuzzer / AFL++ on each target (goal:
   xenstored >= 0.5x).
3. A fixed-length libFuzzer campaign per world target from the committed seeds, as `make fuzz`
   runs it (dictionary, -max_len=4096): the average exec/s over the whole run, inputs growing as
   they do in a real campaign (goals on 2 cores: world >= 26k/s, workload >= 4.4k/s).
4. MSA02 from an empty corpus with libFuzzer over 5 seeds: median time and executions (goal < 1 s).

Every ratio is printed with the two numbers it comes from, and the machine's core count and load.
Absolute rates on shared machines are noisy; the ratios come from one run. `make bench-campaign`
runs part 3 alone for 10 minutes per target. Results also go to build/fuzz/bench.json.
`--targets xenstored,broker` runs part 2 alone on those targets (and the empty one); `--rounds N`
measures each target N times, the engines alternating, and keeps the median rate of each (for a
ratio on a busy machine: `make bench-fuzz FUZZ_ARGS="--targets xenstored,broker --rounds 3"`).

`--known` (`make bench-known`): fuzzing past known bugs, side by side in one run. (a) libFuzzer
execs/s, as `make fuzz --engine libfuzzer` runs it (fork mode, crashes ignored, the world seeds and
dictionary), on library variants that violate on many inputs (grants/msa02; bigtab/boot_reserved
or grants/ref_leak: nearly every input) and on their fixed twins, world targets aborting at each
violation vs continue mode (GNTWORLD_CONTINUE=1: one finding per root cause per process, then on);
goal: a violating variant >= 0.5x its fixed twin in continue mode. (b) A variant with a shallow bug
and another one behind it (`--deep LIB/MUTANT`; by default gtab's msa02 and flags_first in one
build) from one zero byte: which root causes each mode finds, and when. build/fuzz/bench-known.json.
"""
import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness" / "fuzz"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzzcommon as fc  # noqa: E402
import killmatrix  # noqa: E402

PROG = "fuzz_bench"
WORLD_TARGETS = ("world", "workload")  # the targets input_cost and the campaign measure
GOAL_RATIO = {"world": 0.10, "workload": 0.05}
# libFuzzer (ASan+UBSan, in process) / AFL++ (plain, persistent mode) on the same target, same run
GOAL_ENGINES = {"xenstored": 0.5}
ENGINE_RATIO_TARGETS = ("xenstored", "broker")  # printed first, with their goal if any
# What each engine's build of a target carries (harness/fuzz/fuzz.mk), printed beside the ratio: the
# two are not like for like, libFuzzer's build pays for ASan+UBSan on every input, AFL++'s for none.
ENGINE_BUILDS = {"libfuzzer": "ASan+UBSan, edges + compare tracing, in process",
                 "afl": "no sanitizer, edges only, persistent mode"}
ENGINE_BUILD_NOTES = {"xenstored": "libFuzzer build without UBSan's alignment/pointer-overflow checks",
                      "broker": "libFuzzer build without UBSan's alignment/pointer-overflow checks"}
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


def cpu_children():
    """CPU seconds (user + system) of the children we reaped so far (engines, their targets)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def afl_rate(binary, seeds, secs, tmp):
    """-> (execs/s, executions)"""
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
    return int(kv["execs_done"]) / max(int(kv.get("run_time", secs)) or secs, 1), int(kv["execs_done"])


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


# --- make bench-known: fuzzing past known bugs ---
# Variants that violate on many inputs, in order of preference: each is measured beside its library's
# fixed build. Every seed of the world corpus violates on bigtab/boot_reserved (Xen's reserved refs
# handed out first), 30 of 32 on grants/ref_leak, 14 of 32 on grants/msa02.
KNOWN_VIOLATING = (("grants", "msa02"), ("bigtab", "boot_reserved"), ("grants", "ref_leak"))
KNOWN_PAIRS = 2  # of those that exist, by default: msa02 and the first that violates on nearly every input
GOAL_CONTINUE = 0.5
# Two bugs in one build: MirageOS MSA02 (shallow: any forged `peer done`) and flags-first (behind it:
# the peer must map at the right point of a re-share). A mutant of that name if the library has one,
# else built from gtab's sources with both switches (an out-of-tree TARGET dir: nothing in the tree).
DEEP_DEFAULT = ("gtab", "msa02_flags_first", ("-DGTAB_BUG_MSA02", "-DGTAB_BUG_FLAGS_FIRST"))
DEEP_SECOND = ("inv3-", "flags_first: the peer maps a stale frame, invariant 3")  # how the second bug shows


def fork_run(binp, secs, cont, tmp, seeds=None, seed=None):
    """libFuzzer as `make fuzz --engine libfuzzer` runs it (fork mode, one job, crashes, timeouts
    and OOMs ignored, dictionary, max_len 4096) for `secs`, from `seeds` (or one zero byte), in
    continue mode or not. -> {execs, secs, execs_per_s, crashes, first_seen: {path: s}}: when each
    crash file and each finding the world saved first appeared (a poll every 50 ms: the world
    rewrites a root cause's file in each new fork job)."""
    corpus, art, found = tmp / "corpus", tmp / "crashes", tmp / "world"
    for d in (corpus, art, found):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    if seeds:
        for f in fc.check_corpus(seeds):
            shutil.copyfile(f, corpus / f.name)
    else:
        (corpus / "zero").write_bytes(b"\0")
    cmd = [str(binp), "-fork=1", "-ignore_crashes=1", "-ignore_timeouts=1", "-ignore_ooms=1",
           f"-max_total_time={secs}", "-max_len=4096", f"-artifact_prefix={art}/", str(corpus)]
    if (fc.CORPORA / "world.dict").exists():
        cmd.insert(1, f"-dict={fc.CORPORA / 'world.dict'}")
    if seed is not None:
        cmd.insert(1, f"-seed={seed}")
    env = dict(lf_env(), GNTWORLD_FINDINGS=str(found), GNTWORLD_CONTINUE="1" if cont else "0", TMPDIR=str(tmp))
    first, done = {}, threading.Event()
    t0 = time.monotonic()

    def watch():
        while not done.is_set():
            now = round(time.monotonic() - t0, 2)
            for d, pat in ((art, "crash-*"), (found, "*.scn")):
                for f in d.glob(pat):
                    first.setdefault(f, now)
            time.sleep(0.05)
    th = threading.Thread(target=watch, daemon=True)
    th.start()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                       timeout=secs + 180, env=env)
    done.set()
    th.join()
    # fork mode's status line: "#N: cov: .. exec/s X oom/timeout/crash: a/b/c time: Ts job: J ..."
    status = re.findall(r"^#(\d+): .*?oom/timeout/crash: \d+/\d+/(\d+) time: (\d+)s", r.stdout, re.M)
    if not status:
        raise fc.FuzzError(f"libFuzzer fork run of {binp.name} printed no status: {r.stdout.strip().splitlines()[-1:]}")
    execs, crashes, t = (int(x) for x in status[-1])
    return {"execs": execs, "secs": max(t, 1), "execs_per_s": round(execs / max(t, 1)), "crashes": crashes,
            "first_seen": first}


def root_causes(binp, first_seen, tmp, cap=400):
    """{root cause: seconds to its first input} of the crash files and world findings of a run
    (each replayed and classified as a campaign does; at most `cap`, in order of appearance)."""
    out = {}
    for f, t in sorted(first_seen.items(), key=lambda kv: kv[1])[:cap]:
        src = f
        if f.suffix == ".scn":
            data = fc.encode_scenario(f.read_text(errors="replace"))
            if data is None:
                continue
            src = tmp / "replay.bin"
            src.write_bytes(data)
        _, text = fc.run_input(binp, src)
        cls = fc.classify(text, binp)
        key = f"{cls[0]} {cls[1]}" if cls else "(does not replay)"
        out[key] = min(out.get(key, t), t)
    return out


def deep_variant(spec, tmp):
    """(name, libFuzzer binary) of the two-bug variant: `spec` LIB/MUTANT as make lists it, the
    default mutant if the library has it, else gtab's sources built with both switches through an
    out-of-tree TARGET dir (library name gtabtwo)."""
    if spec:
        lib, _, mutant = spec.partition("/")
        fc.check_variant(lib, mutant)
        b = fc.binary("libfuzzer", "world", lib, mutant)
        fc.build([b])
        return fc.vname(lib, mutant), b
    lib, mutant, flags = DEEP_DEFAULT
    if (lib, mutant) in fc.variants():
        b = fc.binary("libfuzzer", "world", lib, mutant)
        fc.build([b])
        return fc.vname(lib, mutant), b
    src = fc.ROOT / "targets" / lib
    tdir = tmp / "twobug"
    tdir.mkdir()
    srcs = " ".join(str(src / f) for f in ("gtab_init.c", "gtab_refs.c", "gtab_entry.c", "gtab_defer.c", "adapter.c"))
    (tdir / "target.mk").write_text(
        "# fuzz_bench --known: gtab with two of its bugs at once (a shallow one and one behind it)\n"
        f"TARGET_NAME := {lib}two\nTARGET_SOURCES := {srcs}\nTARGET_INCLUDES := {src}\n"
        f"TARGET_MUTANTS := {mutant}\nTARGET_MUTANT_FLAGS.{mutant} := {' '.join(flags)}\n"
        f"TARGET_MUTANT_ABOUT.{mutant} := {lib}'s msa02 and flags_first in one build\n")
    b = fc.FUZZ_OUT / "libfuzzer" / f"world-{lib}two-{mutant}"
    fc.build([b], env={"TARGET": str(tdir)})
    return f"{lib}two/{mutant} ({lib} built with {' '.join(flags)}, out of tree)", b


def bench_known(a):
    cores, load = machine()
    results = {"cores": cores, "load_at_start": load, "secs": a.secs_known, "rates": [], "deep": {}}
    have = set(fc.variants())
    picked = [v for v in KNOWN_VIOLATING if v in have][:KNOWN_PAIRS]
    if a.variants:
        picked = [fc.check_variant(*v.split("/", 1)) for v in a.variants.split(",") if v]
    if not picked:
        raise fc.FuzzError(f"none of {', '.join(fc.vname(*v) for v in KNOWN_VIOLATING)} is a variant here: --variants LIB/MUTANT")
    bins = {v: fc.binary("libfuzzer", "world", *v) for p in picked for v in (p, (p[0], fc.FIXED))}
    fc.build(list(bins.values()) + [fc.FUZZ_OUT / "tools" / "scnconv"])
    print(f"{PROG} --known: {cores} cores, load {load:.1f}; libFuzzer fork mode (one job, crashes ignored: "
          f"`make fuzz --engine libfuzzer`), {a.secs_known} s per run from the world seeds, the runs of one pair "
          "interleaved", flush=True)
    with tempfile.TemporaryDirectory(prefix="fuzz-bench-known-") as t:
        tmp = Path(t)
        for v in picked:
            twin = (v[0], fc.FIXED)
            got = {}
            for cont in (False, True):
                for w in (v, twin):
                    sub = tmp / f"{w[0]}-{w[1]}-{int(cont)}"
                    got[(w, cont)] = fork_run(bins[w], a.secs_known, cont, sub, seeds=fc.CORPORA / "world")
                    shutil.rmtree(sub, ignore_errors=True)
            row = {"variant": fc.vname(*v), "twin": fc.vname(*twin)}
            print(f"\n  {'':<22} {'aborting at each violation':>32}   {'continue mode':>32}")
            for w in (v, twin):
                ab, co = got[(w, False)], got[(w, True)]
                print(f"  {fc.vname(*w):<22} {ab['execs_per_s']:>14} execs/s ({ab['crashes']:>4} crashes) "
                      f"  {co['execs_per_s']:>14} execs/s ({co['crashes']:>4} crashes)")
                row[fc.vname(*w)] = {"abort": {k: ab[k] for k in ("execs", "secs", "execs_per_s", "crashes")},
                                     "continue": {k: co[k] for k in ("execs", "secs", "execs_per_s", "crashes")}}
            ra = got[(v, False)]["execs_per_s"] / max(got[(twin, False)]["execs_per_s"], 1)
            rc = got[(v, True)]["execs_per_s"] / max(got[(twin, True)]["execs_per_s"], 1)
            row.update(ratio_abort=round(ra, 3), ratio_continue=round(rc, 3), goal=GOAL_CONTINUE)
            print(f"  {'violating / fixed':<22} {ratio(got[(v, False)]['execs_per_s'], got[(twin, False)]['execs_per_s']):>32}"
                  f"   {ratio(got[(v, True)]['execs_per_s'], got[(twin, True)]['execs_per_s']):>32}"
                  f"   goal >= {GOAL_CONTINUE}x in continue mode: {'met' if rc >= GOAL_CONTINUE else 'NOT met'}",
                  flush=True)
            results["rates"].append(row)

        name, binp = deep_variant(a.deep, tmp)
        secs, seeds = a.secs_deep, a.deep_seeds
        print(f"\na second bug behind a shallow one: {name}; {seeds} libFuzzer seed(s) x {secs} s per mode from one "
              "zero byte (fork mode as above; root causes: every input replayed and classified as a campaign does)",
              flush=True)
        deep = {"variant": name, "secs": secs, "seeds": seeds}
        for cont in (True, False):
            mode = "continue" if cont else "abort"
            runs = []
            for seed in range(1, seeds + 1):
                sub = tmp / f"deep-{mode}-{seed}"
                run = fork_run(binp, secs, cont, sub, seed=seed)
                runs.append({"execs_per_s": run["execs_per_s"], "files": len(run["first_seen"]),
                             "root_causes": root_causes(binp, run["first_seen"], tmp)})
                shutil.rmtree(sub, ignore_errors=True)
            causes = {}
            for r in runs:
                for k, t in r["root_causes"].items():
                    causes.setdefault(k, []).append(t)
            rate = statistics.median(r["execs_per_s"] for r in runs)
            files = sum(r["files"] for r in runs)
            print(f"  {'continue mode' if cont else 'aborting at each violation'}: median {rate:.0f} execs/s, "
                  f"{files} saved input(s) in all, {len(causes)} root cause(s) (found in how many runs, median "
                  "seconds to the first input):", flush=True)
            for k, ts in sorted(causes.items(), key=lambda kv: (-len(kv[1]), statistics.median(kv[1]))):
                print(f"    {len(ts)}/{seeds}  {statistics.median(ts):>6.1f} s  {k}")
            deep[mode] = {"median_execs_per_s": rate, "runs": runs}
            if not a.deep:
                got = [min((t for k, t in r["root_causes"].items() if k.startswith(DEEP_SECOND[0])), default=None)
                       for r in runs]
                hit = [t for t in got if t is not None]
                print(f"    -> the bug behind the shallow one ({DEEP_SECOND[1]}): found in {len(hit)}/{seeds} runs"
                      + (f", median {statistics.median(hit):.1f} s" if hit else ""), flush=True)
                deep[mode]["second_found"] = got
        results["deep"] = deep
    (fc.FUZZ_OUT / "bench-known.json").write_text(json.dumps(results, indent=1))
    return 0


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--secs", type=int, default=5, help="seconds per exec-rate measurement (default 5)")
    ap.add_argument("--seeds", type=int, default=5, help="libFuzzer seeds for the MSA02 median (default 5)")
    ap.add_argument("--campaign-secs", type=int, default=60,
                    help="length of the campaign per world target (default 60; 0 leaves it out)")
    ap.add_argument("--campaign-only", action="store_true", help="only the campaign figure (make bench-campaign)")
    ap.add_argument("--engines", default="libfuzzer,afl")
    ap.add_argument("--targets", help="only the exec-rate part, on these targets (comma-separated) and the empty one")
    ap.add_argument("--rounds", type=int, default=1,
                    help="exec-rate measurements per target and engine, alternating; the median is kept (default 1)")
    ap.add_argument("--library", help="library whose fixed build the targets run (default: the first make lists)")
    ap.add_argument("--mutant", help="mutant for the time-to-find figure (default msa02, else the library's first)")
    ap.add_argument("--known", action="store_true", help="only the fuzzing-past-known-bugs figures (make bench-known)")
    ap.add_argument("--variants", help="--known: violating variants LIB/MUTANT,... measured beside their fixed twins "
                    "(default: " + ", ".join(fc.vname(*v) for v in KNOWN_VIOLATING) + ", those that exist)")
    ap.add_argument("--secs-known", type=int, default=15, help="--known: seconds per exec-rate run (default 15)")
    ap.add_argument("--deep", metavar="LIB/MUTANT", help="--known: a variant with a shallow bug and one behind it "
                    "(default: gtab/msa02_flags_first, built out of tree when gtab has no such mutant)")
    ap.add_argument("--secs-deep", type=int, default=20, help="--known: seconds per run on the two-bug variant (default 20)")
    ap.add_argument("--deep-seeds", type=int, default=3, help="--known: libFuzzer seeds per mode on the two-bug variant (default 3)")
    a = ap.parse_args()
    if a.known:
        fc.become_subreaper()
        try:
            return bench_known(a)
        except (fc.FuzzError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
            fc.die(PROG, err)
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
        rates_only = bool(a.targets)
        if rates_only:
            unknown = [t for t in a.targets.split(",") if t and t not in targets]
            if unknown:
                raise fc.FuzzError(f"no fuzz target {', '.join(unknown)} (make fuzz-list-targets)")
            targets = [t for t in a.targets.split(",") if t]
        need = [] if rates_only else list(cost_tools.values()) + [fc.binary("libfuzzer", "world", lib, a.mutant)]
        for t in targets + ["empty"]:
            need += [fc.binary("libfuzzer", t, lib)] + ([fc.binary("afl", t, lib)] if "afl" in engines else [])
        if "afl" in engines:
            fc.require_tool("afl-fuzz", "afl++")
        fc.build(need)

        if not rates_only:
            input_costs(results, cost_tools)
        rates = {}
        with tempfile.TemporaryDirectory(prefix="fuzz-bench-") as t:
            tmp = Path(t)
            exec_rates(a, engines, targets, lib, tmp, rates, results)
            if a.campaign_secs > 0 and not rates_only:
                campaign(lib, a.campaign_secs, tmp, results, world_bins)
        if not rates_only:
            time_to_find(a, lib, results)
    except (fc.FuzzError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        fc.die(PROG, err)
    (fc.FUZZ_OUT / ("bench-rates.json" if a.targets else "bench.json")).write_text(json.dumps(results, indent=1))
    return 0


def input_costs(results, cost_tools):
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


def exec_rates(a, engines, targets, lib, tmp, rates, results):
    rounds = max(a.rounds, 1)
    print(f"\nexec rate over each target's seeds, {a.secs} s each, one after the other"
          + (f", {rounds} rounds (median kept)" if rounds > 1 else "") + ":", flush=True)
    for target in ["empty"] + targets:  # both engines on a target back to back: their ratio
        got = {e: [] for e in engines}  # is measured side by side
        per_cpu = {e: [] for e in engines}
        for rnd in range(rounds):
            for e in engines:
                seeds = fc.CORPORA / ("world" if target == "empty" else target)
                fc.check_corpus(seeds)
                sub = tmp / f"{e}-{target}-{rnd}"
                sub.mkdir()
                b = fc.binary(e, target, lib)
                cpu0 = cpu_children()
                if e == "libfuzzer":
                    execs, runtime, _ = libfuzzer_run(b, seeds, a.secs, sub)
                    rate = execs / runtime
                else:
                    rate, execs = afl_rate(b, seeds, a.secs, sub)
                cpu = cpu_children() - cpu0
                shutil.rmtree(sub, ignore_errors=True)
                got[e].append(rate)
                per_cpu[e].append(execs / cpu if cpu > 0 else 0)
                print(f"  {e:<10} {target:<10} {rate:>10.0f} execs/s {per_cpu[e][-1]:>10.0f} execs/CPU-s", flush=True)
        for e in engines:
            rates[(e, target)] = statistics.median(got[e])
            rates[(e, target, "cpu")] = statistics.median(per_cpu[e])
            if rounds > 1:
                print(f"  {e:<10} {target:<10} {rates[(e, target)]:>10.0f} execs/s {rates[(e, target, 'cpu')]:>10.0f} "
                      "execs/CPU-s: medians of " + ", ".join(f"{r:.0f}" for r in got[e]) + " / "
                      + ", ".join(f"{r:.0f}" for r in per_cpu[e]), flush=True)
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
    if "libfuzzer" in engines and "afl" in engines:
        print("\nlibFuzzer / AFL++ execs/s on the same target (same run, one engine right after the other; "
              "then per CPU-second of the engine and the target processes it reaped, less sensitive to other load). "
              "Not like for like: "
              "libFuzzer's build " + ENGINE_BUILDS["libfuzzer"] + "; AFL++'s " + ENGINE_BUILDS["afl"] + ":")
        results["engine_ratio"] = []
        order = [t for t in ENGINE_RATIO_TARGETS if t in targets] + \
            [t for t in ["empty"] + targets if t not in ENGINE_RATIO_TARGETS]
        for target in order:
            lf, afl = rates[("libfuzzer", target)], rates[("afl", target)]
            goal = f"   goal >= {GOAL_ENGINES[target]:.2f}x" if target in GOAL_ENGINES else ""
            if target in GOAL_ENGINES:
                goal += ": " + ("met" if afl and lf / afl >= GOAL_ENGINES[target] else "NOT met")
            note = f"   ({ENGINE_BUILD_NOTES[target]})" if target in ENGINE_BUILD_NOTES else ""
            lfc, aflc = rates[("libfuzzer", target, "cpu")], rates[("afl", target, "cpu")]
            results["engine_ratio"].append({"target": target, "libfuzzer_execs_per_s": round(lf),
                                            "afl_execs_per_s": round(afl),
                                            "ratio": round(lf / afl if afl else 0, 4),
                                            "libfuzzer_execs_per_cpu_s": round(lfc), "afl_execs_per_cpu_s": round(aflc),
                                            "ratio_cpu": round(lfc / aflc if aflc else 0, 4)})
            print(f"  {target:<10} {ratio(lf, afl)}   per CPU-s {ratio(lfc, aflc)}{goal}{note}")


def time_to_find(a, lib, results):
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

if __name__ == "__main__":
    sys.exit(main())
