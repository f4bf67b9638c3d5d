#!/usr/bin/env python3
"""killmatrix - prove the fuzzers find every historical bug class (`make killmatrix`).

Each grants/ mutant is fuzzed from an empty corpus (libFuzzer: no input at all; AFL++, which needs
one seed: a single zero byte), with the target's dictionary (the byte form of each step, no
scenario), and a per-mutant budget; the time and executions to the first
violation are printed per engine. The finding must be an oracle violation (the world's report),
not just any crash. Then the real library is fuzzed, per engine, for the same total budget the
mutants were given (number of mutants x --budget; --fixed-time overrides) and must report zero
violations.

Prints TAP lines and a table; exits 1 if a mutant survives or the real library is flagged.
Results: build/fuzz/killmatrix/results.json.
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness" / "fuzz"))
import fuzzcommon as fc  # noqa: E402

PROG = "killmatrix"
OUT = fc.FUZZ_OUT / "killmatrix"


def run_logged(cmd, env, budget, logfile):
    """Run one engine with its output in logfile; given 30 s past its budget to finish on its own,
    then stopped either way. -> wall seconds."""
    t0 = time.monotonic()
    with open(logfile, "wb") as log:
        p = fc.spawn(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            p.wait(budget + 30)
        except subprocess.TimeoutExpired:
            pass
        fc.stop(p)
    return time.monotonic() - t0


def run_libfuzzer(target, mutant, budget, rundir, seed=None):
    """Fuzz from nothing until the first crash or the budget. -> dict(found, secs, execs, file)."""
    corpus, art = rundir / "corpus", rundir / "artifacts"
    for d in (corpus, art):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    cmd = [fc.binary("libfuzzer", target, mutant), f"-max_total_time={budget}", "-print_final_stats=1",
           f"-artifact_prefix={art}/", "-max_len=4096", str(corpus)]
    if seed is not None:
        cmd.insert(1, f"-seed={seed}")
    if (fc.CORPORA / f"{target}.dict").exists():  # a dictionary is not a corpus: every step's bytes
        cmd.insert(1, f"-dict={fc.CORPORA / f'{target}.dict'}")
    env = {"ASAN_OPTIONS": "detect_leaks=0", "GNTWORLD_FINDINGS": str(rundir / "world")}
    secs = run_logged(cmd, env, budget, rundir / "libfuzzer.log")
    text = (rundir / "libfuzzer.log").read_text(errors="replace")
    m = re.search(r"stat::number_of_executed_units: (\d+)", text)
    crashes = sorted(art.glob("crash-*")) + sorted(art.glob("timeout-*")) + sorted(art.glob("oom-*"))
    return {"found": bool(crashes), "secs": round(secs, 2), "execs": int(m.group(1)) if m else None,
            "file": str(crashes[0]) if crashes else None, "log": str(rundir / "libfuzzer.log")}


def run_afl(target, mutant, budget, rundir):
    fc.require_tool("afl-fuzz", "afl++")
    seeds, out = rundir / "seeds", rundir / "afl"
    shutil.rmtree(out, ignore_errors=True)
    seeds.mkdir(parents=True, exist_ok=True)
    (seeds / "zero").write_bytes(b"\0")
    cmd = ["afl-fuzz", "-i", seeds, "-o", out, "-V", str(budget), "-c", fc.binary("cmplog", target, mutant)]
    if (fc.CORPORA / f"{target}.dict").exists():
        cmd += ["-x", fc.CORPORA / f"{target}.dict"]
    cmd += ["--", fc.binary("afl", target, mutant)]
    env = dict(fc.AFL_ENV, AFL_BENCH_UNTIL_CRASH="1", GNTWORLD_FINDINGS=str(rundir / "world"))
    wall = run_logged(cmd, env, budget, rundir / "afl.log")
    fc.kill_orphans()  # a SIGSTOPped CmpLog target outlives afl-fuzz otherwise
    crashes = sorted((out / "default" / "crashes").glob("id:*"))
    stats = {}
    try:
        for line in (out / "default" / "fuzzer_stats").read_text().splitlines():
            k, _, v = line.partition(":")
            stats[k.strip()] = v.strip()
    except OSError:
        pass
    res = {"found": bool(crashes), "secs": round(wall, 2), "execs": int(stats.get("execs_done", 0) or 0) or None,
           "file": str(crashes[0]) if crashes else None, "log": str(rundir / "afl.log")}
    if crashes:  # AFL++ names the crash with its own clock and exec count: more exact than ours
        m = re.search(r"time:(\d+),execs:(\d+)", crashes[0].name)
        if m:
            res["secs_in_afl"] = int(m.group(1)) / 1000
            res["execs"] = int(m.group(2))
    if not crashes and not stats:
        tail = [l for l in (rundir / "afl.log").read_text(errors="replace").splitlines() if "PROGRAM ABORT" in l
                or "[-]" in l]
        why = re.sub(r"\x1b\[[0-9;]*m", "", tail[0]).strip() if tail else f"see {rundir / 'afl.log'}"
        raise fc.FuzzError(f"afl-fuzz did not start for {target}-m{mutant}: {why}")
    return res


def verdict(target, mutant, res):
    """What the crash was: the world's invariant, or why it does not count."""
    if not res["found"]:
        return None
    rc, out = fc.run_input(target, mutant, res["file"])
    cls = fc.classify(out)
    return cls[0] if cls else "no-replay"


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="libfuzzer,afl", help="comma list (default libfuzzer,afl)")
    ap.add_argument("--mutants", default="all", help="comma list of ids or names (default all)")
    ap.add_argument("--budget", type=int, default=60, help="seconds per mutant per engine (default 60)")
    ap.add_argument("--fixed-time", type=int, help="seconds for the real library per engine "
                    "(default: number of mutants x --budget)")
    ap.add_argument("--target", default="world")
    ap.add_argument("--short", action="store_true",
                    help="CI: msa02 and xsa396 only, 60 s budget, real library 15 s per engine")
    a = ap.parse_args()
    try:
        engines = [e for e in a.engines.split(",") if e]
        for e in engines:
            if e not in fc.ENGINES:
                raise fc.FuzzError(f"unknown engine {e!r} (afl or libfuzzer)")
        if a.short:
            a.mutants, a.budget, a.fixed_time = "msa02,xsa396", 60, a.fixed_time or 15
        if a.target not in fc.fuzz_targets():
            raise fc.FuzzError(f"target {a.target!r} is not available yet")
        ids = [m[0] for m in fc.mutants()] if a.mutants == "all" else [fc.mutant_id(x) for x in a.mutants.split(",")]
        names = {i: n for i, n, _ in fc.mutants()}
        bins = []
        for e in engines:
            for m in [0] + ids:
                bins += [fc.binary("libfuzzer", a.target, m)] + (
                    [fc.binary("afl", a.target, m), fc.binary("cmplog", a.target, m)] if e == "afl" else [])
        print(f"{PROG}: building {len(set(bins))} binaries", flush=True)
        fc.build(sorted(set(bins)))
    except fc.FuzzError as e:
        fc.die(PROG, e)

    results, failed = [], 0
    fc.become_subreaper()
    try:
        for e in engines:
            spent = 0.0
            for m in ids:
                rundir = OUT / e / f"m{m}"
                rundir.mkdir(parents=True, exist_ok=True)
                res = run_libfuzzer(a.target, m, a.budget, rundir) if e == "libfuzzer" \
                    else run_afl(a.target, m, a.budget, rundir)
                spent += res["secs"]
                inv = verdict(a.target, m, res)
                killed = bool(inv and inv.startswith("inv"))
                res.update(engine=e, mutant=m, name=names[m], invariant=inv, killed=killed)
                results.append(res)
                secs = res.get("secs_in_afl", res["secs"])
                if killed:
                    print(f"ok - {e} finds {names[m]} (mutant {m}) in {secs:.2f}s, {res['execs']} execs: {inv}", flush=True)
                else:
                    failed += 1
                    why = f"crash does not replay as a violation ({inv})" if res["found"] else "survived"
                    print(f"not ok - {e} finds {names[m]} (mutant {m}): {why} after {res['secs']:.1f}s", flush=True)
            fixed_budget = a.fixed_time or a.budget * len(ids)
            rundir = OUT / e / "m0"
            rundir.mkdir(parents=True, exist_ok=True)
            res = run_libfuzzer(a.target, 0, fixed_budget, rundir) if e == "libfuzzer" \
                else run_afl(a.target, 0, fixed_budget, rundir)
            inv = verdict(a.target, 0, res)
            res.update(engine=e, mutant=0, name="none", invariant=inv, killed=False, budget=fixed_budget)
            results.append(res)
            if res["found"]:
                failed += 1
                print(f"not ok - {e}: real library flagged ({inv}) after {res['secs']:.1f}s: {res['file']}", flush=True)
            else:
                print(f"ok - {e}: real library clean for {fixed_budget}s ({res['execs']} execs)", flush=True)
    except fc.FuzzError as err:
        fc.die(PROG, err)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130

    print(f"\n{'engine':<10} {'mutant':<20} {'result':<8} {'time s':>8} {'execs':>10}  invariant")
    for r in results:
        label = f"{r['mutant']} {r['name']}"
        if r["mutant"] == 0:
            state = "FLAGGED" if r["found"] else "clean"
        else:
            state = "killed" if r["killed"] else "SURVIVED"
        secs = r.get("secs_in_afl", r["secs"])
        print(f"{r['engine']:<10} {label:<20} {state:<8} {secs:>8.2f} {r['execs'] or 0:>10}  {r['invariant'] or '-'}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    print(f"{PROG}: {sum(r['killed'] for r in results)} killed, {failed} failure(s); "
          f"results {(OUT / 'results.json').relative_to(fc.ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
