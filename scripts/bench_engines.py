#!/usr/bin/env python3
"""bench_engines - which engine configuration should `make fuzz` use? (`make bench-engines`)

Each engine configuration `make fuzz` offers (--engine afl: AFL++ main + secondary, one with the
CmpLog twin; libfuzzer: libFuzzer's fork mode; hybrid: one AFL++ instance and one libFuzzer
process sharing one corpus), started exactly as `make fuzz` starts it (scripts/fuzz_campaign.py's
Campaign), on --jobs cores:

1. time to the first finding: every mutant of every library (`make list-variants`), from an empty
   corpus (one zero byte: AFL++ needs a seed) with the target's dictionary, --seeds engine seeds
   each, stopped at the first crash file or at --cap seconds (a miss). A crash counts only if it
   replays as an oracle violation on the ASan build. Runs go seed by seed, variant by variant,
   the configurations side by side, so that a change in the machine's load hits them alike.
2. executions per CPU-second (user + system time of every process of the run, reaped ones
   included) on each fixed library, --rate-time seconds per configuration, from the target's seed
   corpus as `make fuzz` starts.

The winner has the lowest PAR-2 score: the mean time to the first finding with a miss counted as
twice the cap (the rule of SAT competitions: a miss is worse than the slowest find).

Prints the table with the core count and the load; writes build/fuzz/bench-engines/results.json
and table.md (a run on part of the grid: results-last.json and table-last.md only);
`--update-readme` copies table.md into README.md between its bench-engines markers.
Not part of `make bench` (it takes longer than that may) nor of `make test`.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness" / "fuzz"))
import fuzzcommon as fc  # noqa: E402
import fuzz_campaign as fcamp  # noqa: E402

PROG = "bench-engines"
OUT = fc.FUZZ_OUT / "bench-engines"
README = fc.ROOT / "README.md"
MARK_BEGIN, MARK_END = "<!-- bench-engines:begin -->", "<!-- bench-engines:end -->"
POLL_S = 0.05
OVERHEAD_S = 0.5             # start, stop and the replay of one run (measured: 0.1 to 0.4 s), for the bound


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def campaign(rundir, config, lib, mutant, jobs, seed, budget, seeded=False):
    """A Campaign as `make fuzz` would run it, in a fresh directory: from one zero byte, or
    (seeded) from the target's seed corpus as `make fuzz` starts."""
    for sub in ("seeds", "findings/world"):
        (rundir / sub).mkdir(parents=True, exist_ok=True)
    c = fcamp.Campaign(rundir, {"target": "world", "engine": config, "library": lib, "mutant": mutant,
                                "jobs": jobs, "time": budget, "elapsed": 0.0, "seed": seed})
    if seeded:
        fcamp.prepare_seeds(c, fc.CORPORA / "world")
    else:
        (rundir / "seeds" / "zero").write_bytes(b"\0")
    return c


def start(c, budget):
    {"afl": lambda: c.start_afl(c.cfg["jobs"]), "libfuzzer": lambda: c.start_libfuzzer(budget),
     "hybrid": lambda: c.start_hybrid(budget)}[c.cfg["engine"]]()


def first_finding(rundir, config, lib, mutant, jobs, seed, cap):
    """Fuzz until the first crash file or the cap: (seconds or None, the file, why not)."""
    c = campaign(rundir, config, lib, mutant, jobs, seed, cap)
    t0 = time.time()
    first = None
    try:
        start(c, cap)
        while time.time() - t0 < cap:
            time.sleep(POLL_S)
            files = c.crash_files()
            if files:
                first = min(files, key=lambda p: p.stat().st_mtime)
                break
            c.tend(cap - (time.time() - t0))
            if all(p.poll() is not None for p in (c.afl_procs or c.procs)):
                break
    finally:
        c.stop_all()
    if not first:
        return None, None, "no crash"
    secs = max(0.0, first.stat().st_mtime - t0)
    binp = fc.binary("libfuzzer", "world", lib, mutant)
    _, out = fc.run_input(binp, first)
    cls = fc.classify(out, binp)
    if not cls or not cls[0].startswith("inv"):
        return None, str(first), f"crash is not an oracle violation ({cls[0] if cls else 'no replay'})"
    return round(min(secs, cap), 2), str(first), cls[0]


def exec_rate(rundir, config, lib, jobs, secs):
    """Executions per CPU-second and per wall-second of one configuration on a fixed library."""
    shutil.rmtree(rundir, ignore_errors=True)
    c = campaign(rundir, config, lib, fc.FIXED, jobs, 1, secs, seeded=True)
    cpu0, t0 = cpu_children(), time.monotonic()
    try:
        start(c, secs)
        while time.monotonic() - t0 < secs:
            time.sleep(0.5)
            c.poll_stats()  # keep reading AFL++'s live gauges
            c.tend(secs - (time.monotonic() - t0))
    finally:
        c.stop_all()
    wall = time.monotonic() - t0
    time.sleep(0.5)  # the last figures: fuzzer_stats written at exit, libFuzzer's final line
    execs = c.poll_stats().get("execs", 0)
    cpu = cpu_children() - cpu0
    return {"execs": execs, "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
            "per_cpu_s": int(execs / cpu) if cpu else 0, "per_wall_s": int(execs / wall) if wall else 0}


def par2(times, cap):
    return statistics.mean(t if t is not None else 2 * cap for t in times)


def fmt_cell(times):
    found = [t for t in times if t is not None]
    miss = len(times) - len(found)
    med = f"{statistics.median(found):.1f}" if found else "-"
    return f"{med}" + (f" ({miss} miss)" if miss else "")


def table(res):
    cfgs, cap = res["configs"], res["cap_s"]
    names = {"afl": "AFL++ main+secondary", "libfuzzer": "libFuzzer fork", "hybrid": "AFL++ + libFuzzer, one corpus"}
    lines = [f"Median seconds to the first finding from an empty corpus, over {res['seeds']} seeds "
             f"(cap {cap:g} s; a miss: nothing within the cap); {res['jobs']} jobs per configuration on "
             f"{res['cores']} cores; load average {res['load_before']} before, {res['load_after']} after. "
             f"Executions per CPU-second (user + system, every process) on each fixed library over "
             f"{res['rate_s']} s from the seed corpus.", "",
             "| library/mutant | " + " | ".join(names[c] for c in cfgs) + " |",
             "|---|" + "---|" * len(cfgs)]
    for v in res["variants"]:
        lines.append(f"| {v} | " + " | ".join(fmt_cell(res["ttf"][c][v]) for c in cfgs) + " |")
    allt = {c: [t for v in res["variants"] for t in res["ttf"][c][v]] for c in cfgs}
    lines.append("| **found / runs** | " + " | ".join(
        f"{sum(t is not None for t in allt[c])} / {len(allt[c])}" for c in cfgs) + " |")
    lines.append("| **median of all runs** (miss = cap) | " + " | ".join(
        f"{statistics.median([t if t is not None else cap for t in allt[c]]):.2f}" for c in cfgs) + " |")
    lines.append(f"| **PAR-2 mean** (miss = {2 * cap:g} s) | " + " | ".join(
        f"{par2(allt[c], cap):.2f}" for c in cfgs) + " |")
    for lib, per in res["rates"].items():
        lines.append(f"| execs per CPU-second, {lib}/fixed | " + " | ".join(
            f"{per[c]['per_cpu_s']}" for c in cfgs) + " |")
        lines.append(f"| execs per wall-second, {lib}/fixed | " + " | ".join(
            f"{per[c]['per_wall_s']}" for c in cfgs) + " |")
    lines += ["", f"Winner (lowest PAR-2): **{res['winner']}**. Measured {res['date']} in "
              f"{res['minutes']:.0f} min with `make bench-engines` (scripts/bench_engines.py {res['args']})."]
    return "\n".join(lines) + "\n"


def update_readme(md):
    text = README.read_text()
    if MARK_BEGIN not in text or MARK_END not in text:
        raise fc.FuzzError(f"README.md has no {MARK_BEGIN} ... {MARK_END} block to fill")
    head, rest = text.split(MARK_BEGIN, 1)
    _, tail = rest.split(MARK_END, 1)
    README.write_text(head + MARK_BEGIN + "\n" + md + MARK_END + tail)


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--configs", default=",".join(fcamp.ENGINES), help="comma list (default: all)")
    ap.add_argument("--seeds", type=int, default=3, help="engine seeds per mutant and configuration (default 3)")
    ap.add_argument("--cap", type=float, default=6, help="seconds per run before it counts as a miss (default 6)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="cores per configuration (default: all)")
    ap.add_argument("--mutants", default="all", help="comma list of LIB/MUTANT (default: every one)")
    ap.add_argument("--rate-time", type=int, default=45, help="seconds per configuration and fixed library (default 45)")
    ap.add_argument("--update-readme", action="store_true", help="only copy the last table.md into README.md")
    a = ap.parse_args()
    try:
        if a.update_readme:
            if not (OUT / "table.md").is_file():
                raise fc.FuzzError(f"{fc.rel(OUT / 'table.md')} not found: run make bench-engines first")
            update_readme((OUT / "table.md").read_text())
            print(f"{PROG}: README.md table replaced by {fc.rel(OUT / 'table.md')}")
            return 0
        cfgs = [c for c in a.configs.split(",") if c]
        for c in cfgs:
            if c not in fcamp.ENGINES:
                raise fc.FuzzError(f"unknown configuration {c!r} (choose from: {' '.join(fcamp.ENGINES)})")
        if a.seeds < 1 or a.cap <= 0 or a.jobs < 1 or a.rate_time < 1:
            raise fc.FuzzError("--seeds, --cap, --jobs and --rate-time must be positive")
        if "hybrid" in cfgs and a.jobs < 2:
            raise fc.FuzzError("the hybrid configuration needs --jobs 2 or more")
        every = [(l, m) for l, m in fc.variants() if m != fc.FIXED]
        if a.mutants == "all":
            todo = every
        else:
            todo = [tuple(x.split("/", 1)) for x in a.mutants.split(",") if x]
            for v in todo:
                if v not in every:
                    raise fc.FuzzError(f"unknown mutant {'/'.join(v)!r} (choose from: "
                                       f"{' '.join(fc.vname(*x) for x in every)})")
        libs = sorted({l for l, _ in todo}, key=fc.libraries().index)
        fc.require_tool("afl-fuzz", "afl++")
        bins = {fc.binary(e, "world", l, m) for l, m in todo + [(l, fc.FIXED) for l in libs]
                for e in ("libfuzzer", "afl", "cmplog")}
        print(f"{PROG}: building {len(bins)} binaries", flush=True)
        fc.build(sorted(bins))
    except (fc.FuzzError, OSError) as e:
        fc.die(PROG, e)

    runs = len(todo) * a.seeds * len(cfgs)
    bound = runs * (a.cap + OVERHEAD_S) + len(libs) * len(cfgs) * (a.rate_time + OVERHEAD_S)
    load_before = os.getloadavg()[0]
    print(f"{PROG}: {len(todo)} mutants x {a.seeds} seeds x {len(cfgs)} configurations = {runs} runs of at most "
          f"{a.cap:g} s, then {len(libs) * len(cfgs)} rate runs of {a.rate_time} s; {a.jobs} jobs each on "
          f"{os.cpu_count()} cores; at most {bound / 60:.0f} min (load average {load_before:.2f})", flush=True)
    fc.become_subreaper()
    OUT.mkdir(parents=True, exist_ok=True)
    t_start = time.monotonic()
    ttf = {c: {fc.vname(l, m): [] for l, m in todo} for c in cfgs}
    detail = []
    try:
        for seed in range(1, a.seeds + 1):
            for lib, m in todo:
                for c in cfgs:
                    rundir = OUT / "runs" / c / f"{lib}-{m}-s{seed}"
                    shutil.rmtree(rundir, ignore_errors=True)
                    t_run = time.monotonic()
                    secs, f, what = first_finding(rundir, c, lib, m, a.jobs, seed, a.cap)
                    ttf[c][fc.vname(lib, m)].append(secs)
                    detail.append({"config": c, "variant": fc.vname(lib, m), "seed": seed, "secs": secs,
                                   "file": f, "what": what, "wall_s": round(time.monotonic() - t_run, 2)})
                    print(f"  seed {seed} {fc.vname(lib, m):<24} {c:<10} "
                          f"{'%.2f s' % secs if secs is not None else 'miss':>8}  {what}", flush=True)
        rates = {}
        for lib in libs:
            rates[lib] = {}
            for c in cfgs:
                r = exec_rate(OUT / "runs" / c / f"{lib}-fixed-rate", c, lib, a.jobs, a.rate_time)
                rates[lib][c] = r
                print(f"  {fc.vname(lib, fc.FIXED):<24} {c:<10} {r['per_cpu_s']:>8} execs/CPU-s  "
                      f"{r['per_wall_s']:>8} execs/s  ({r['execs']} execs, {r['cpu_s']} CPU-s, {r['wall_s']} s)",
                      flush=True)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except fc.FuzzError as e:
        fc.die(PROG, e)
    scores = {c: par2([t for v in ttf[c].values() for t in v], a.cap) for c in cfgs}
    winner = min(cfgs, key=lambda c: scores[c])
    res = {"configs": cfgs, "variants": [fc.vname(l, m) for l, m in todo], "seeds": a.seeds, "cap_s": a.cap,
           "jobs": a.jobs, "cores": os.cpu_count(), "rate_s": a.rate_time, "load_before": f"{load_before:.2f}",
           "load_after": f"{os.getloadavg()[0]:.2f}", "ttf": ttf, "rates": rates, "par2": scores,
           "winner": winner, "minutes": (time.monotonic() - t_start) / 60,
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "args": " ".join(sys.argv[1:]) or "(defaults)", "runs": detail}
    md = table(res)
    # every run leaves results-last/table-last; only a run of every configuration on every mutant
    # is the table the README is made from
    full = a.mutants == "all" and set(cfgs) == set(fcamp.ENGINES)
    for name in ("last",) + (("",) if full else ()):
        stem = f"-{name}" if name else ""
        (OUT / f"results{stem}.json").write_text(json.dumps(res, indent=1))
        (OUT / f"table{stem}.md").write_text(md)
    print("\n" + md)
    print(f"{PROG}: `make fuzz` uses {fcamp.DEFAULT_ENGINE}; this run's winner is {winner}"
          + ("" if winner == fcamp.DEFAULT_ENGINE else " (see README: change DEFAULT_ENGINE only with a new table)"))
    stem = "" if full else "-last"
    print(f"{PROG}: results {fc.rel(OUT / f'results{stem}.json')}, table {fc.rel(OUT / f'table{stem}.md')}"
          + ("" if full else " (a partial grid: table.md, which the README is made from, is left as it was)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
