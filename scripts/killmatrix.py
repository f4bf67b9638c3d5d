#!/usr/bin/env python3
"""killmatrix - prove the fuzzers find every historical bug class (`make killmatrix`).

Every mutant of every library under test (as `make list-variants` names them: LIB/MUTANT) is
fuzzed by each engine from an empty corpus (libFuzzer: no input at all; AFL++, which needs one
seed: a single zero byte), with the target's dictionary (the byte form of each step, no scenario),
and a per-mutant budget; the time and executions to the first violation are printed. The finding
must be an oracle violation (the world's report), not just any crash. Then each fixed library is
fuzzed, per engine, for the same total budget its mutants were given (its number of mutants x
--budget; --fixed-time overrides) and must report zero violations.

A mutant is killed when its finding replays as a violation. A crash of the library itself (abort,
panic, failed assert, fatal signal inside a library call) is one: the world reports it as invariant
4 (with the signal and the library's last log line) and saves it like any other finding, so it
kills. What is replayed, in this order:
  1. the scenarios the world saved the moment it caught something ($GNTWORLD_FINDINGS, one fresh
     directory per run: inv<N>-<lib>-<mutant>-<key>.scn, the input as the target ran it, folded
     onto its steps and fitted to the library's table version), each with
     `build/world/LIB/MUTANT/gntworld run --json` (exit 1 and a violation: killed);
  2. else the engine's own crash file, through the libFuzzer build of the same target, which decodes
     it as the target did during fuzzing and, if the world catches something, saves that .scn, which
     is then replayed as in 1;
  3. else what that replay printed: a sanitizer report (a memory error in the library, invariant 4,
     which only the ASan build sees) kills; anything else (a crash the world did not report, a
     timeout) does not: the mutant is "SURVIVED" with the reason.
A finding that gntworld replays clean or vacuous does not kill either.

The frontends under test (`make list-front-variants`: our blkfront and netfront, or yours with
FRONT=<dir>) are fuzzed the same way through their device's target (blkfront or netfront: the input
is the malicious backend), each frontend mutant and each fixed frontend (--fronts: all, none, or a
comma list of FRONT/MUTANT or FRONT). --target names the target the grant libraries are fuzzed
through (world; blkfront or netfront to reach them through a frontend).

--memory sc|tso|arm runs every input under that CPU memory model (GNTWORLD_MEMORY); by default
the fuzz input chooses it, which a mutant caught under one model only needs. With --mutants none
only the fixed libraries are fuzzed: `--mutants none --fixed-time 300 --memory tso` is 10
CPU-minutes per engine of both in-tree libraries under x86-TSO.

--short (`make test-killmatrix-short`, part of `make test`): grants/msa02, grants/xsa396,
gtab/xsa396 and hiref/panic_busy (those of them make offers; TARGET=<dir>: your library's first
mutant; the other in-tree libraries are left to the full run), the frontend mutant
blkfront/error_free (FRONT=<dir>: your frontend's first mutant), and each
fixed library briefly (--fixed-time, default 9 s per engine shared among the fixed libraries).

Prints TAP lines and a table; exits 1 if a mutant survives or a fixed library is flagged.
Results: build/fuzz/killmatrix/results.json.
"""
import argparse
import json
import os
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
# hiref/panic_busy: a library that panics when the peer still maps what it ends (a crash is a kill)
SHORT = [("grants", "msa02"), ("grants", "xsa396"), ("gtab", "xsa396"), ("hiref", "panic_busy")]
# ... and one frontend mutant (MSA02's wrapper, in a driver), through the blkfront target
SHORT_FRONTS = [("blkfront", "error_free")]
SHORT_FIXED_TOTAL = 9        # seconds per engine for the fixed libraries in --short, shared
SHORT_FIXED_MIN = 3          # ... but at least this much each


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


def run_libfuzzer(target, lib, mutant, budget, rundir, seed=None):
    """Fuzz from nothing until the first crash or the budget. -> dict(found, secs, execs, file)."""
    corpus, art = rundir / "corpus", rundir / "artifacts"
    for d in (corpus, art, rundir / "world"):   # the world's findings of an earlier run are not this run's
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    cmd = [fc.binary("libfuzzer", target, lib, mutant), f"-max_total_time={budget}", "-print_final_stats=1",
           f"-artifact_prefix={art}/", "-max_len=4096", str(corpus)]
    if seed is not None:
        cmd.insert(1, f"-seed={seed}")
    if (fc.CORPORA / f"{target}.dict").exists():  # a dictionary is not a corpus: every step's bytes
        cmd.insert(1, f"-dict={fc.CORPORA / f'{target}.dict'}")
    env = {"ASAN_OPTIONS": "detect_leaks=0:symbolize=0", "GNTWORLD_FINDINGS": str(rundir / "world"),
           "GNTWORLD_CONTINUE": "0"}  # the first violation is a crash: what is timed here
    secs = run_logged(cmd, env, budget, rundir / "libfuzzer.log")
    text = (rundir / "libfuzzer.log").read_text(errors="replace")
    m = re.search(r"stat::number_of_executed_units: (\d+)", text)
    crashes = sorted(art.glob("crash-*")) + sorted(art.glob("timeout-*")) + sorted(art.glob("oom-*"))
    saved = world_findings(rundir)
    return {"found": bool(crashes or saved), "secs": round(secs, 2), "execs": int(m.group(1)) if m else None,
            "file": str(crashes[0]) if crashes else None, "saved": [str(p) for p in saved],
            "log": str(rundir / "libfuzzer.log")}


def run_afl(target, lib, mutant, budget, rundir):
    fc.require_tool("afl-fuzz", "afl++")
    seeds, out = rundir / "seeds", rundir / "afl"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(rundir / "world", ignore_errors=True)   # the world's findings of an earlier run
    seeds.mkdir(parents=True, exist_ok=True)
    (seeds / "zero").write_bytes(b"\0")
    cmd = ["afl-fuzz", "-i", seeds, "-o", out, "-V", str(budget), "-c", fc.binary("cmplog", target, lib, mutant)]
    if (fc.CORPORA / f"{target}.dict").exists():
        cmd += ["-x", fc.CORPORA / f"{target}.dict"]
    cmd += ["--", fc.binary("afl", target, lib, mutant)]
    env = dict(fc.AFL_ENV, AFL_BENCH_UNTIL_CRASH="1", GNTWORLD_FINDINGS=str(rundir / "world"), GNTWORLD_CONTINUE="0")
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
    saved = world_findings(rundir)
    res = {"found": bool(crashes or saved), "secs": round(wall, 2),
           "execs": int(stats.get("execs_done", 0) or 0) or None,
           "file": str(crashes[0]) if crashes else None, "saved": [str(p) for p in saved], "log": str(rundir / "afl.log")}
    if crashes:  # AFL++ names the crash with its own clock and exec count: more exact than ours
        m = re.search(r"time:(\d+),execs:(\d+)", crashes[0].name)
        if m:
            res["secs_in_afl"] = int(m.group(1)) / 1000
            res["execs"] = int(m.group(2))
    if not crashes and not saved and not stats:
        tail = [l for l in (rundir / "afl.log").read_text(errors="replace").splitlines() if "PROGRAM ABORT" in l
                or "[-]" in l]
        why = re.sub(r"\x1b\[[0-9;]*m", "", tail[0]).strip() if tail else f"see {rundir / 'afl.log'}"
        raise fc.FuzzError(f"afl-fuzz did not start for {target} on {fc.vname(lib, mutant)}: {why}")
    return res


def world_findings(rundir):
    """The scenarios the world saved in this run's $GNTWORLD_FINDINGS, oldest first."""
    d = rundir / "world"
    try:
        return sorted(d.glob("*.scn"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    except OSError:
        return []


def world_binary(lib, mutant):
    return fc.BUILD / "world" / lib / mutant / "gntworld"


def replay_scn(lib, mutant, scn):
    """Replay a saved scenario with gntworld (the memory model: the scenario's own, or --memory's
    GNTWORLD_MEMORY, as the fuzzing ran it). -> (exit status, its JSON report or None, output)."""
    binp = world_binary(lib, mutant)
    try:
        r = subprocess.run([str(binp), "run", "--json", str(scn)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired:
        return None, None, "timed out"
    except OSError as e:
        return None, None, f"cannot run {fc.rel(binp)}: {e.strerror}"
    j = None
    for line in reversed(r.stdout.splitlines()):
        if line.startswith("{"):
            try:
                j = json.loads(line)
            except ValueError:
                pass
            break
    return r.returncode, j, r.stdout + r.stderr


def describe(lib, mutant, j):
    """(invariant, signature) of a gntworld JSON violation: inv<N>-<name>, and the library's two
    innermost frames where the world caught it (library_frames, else the whole stack), else the
    message; a crash says its signal and the library's last log line; the root-cause key last."""
    inv = int(j["invariant"])
    name = j.get("name") or fc.inv_names().get(inv, "unknown")
    binp = world_binary(lib, mutant)
    if hasattr(fc, "world_signature"):  # the campaigns' own grouping, in the library's terms
        where = fc.world_signature(j, binp)
    else:
        frames = fc.target_frames(binp, j.get("library_frames") or j.get("stack") or [])
        where = "<-".join(frames[:2]) if frames else \
            "msg: " + fc.normalize_message(j.get("message") or j.get("sentence") or "")
    crash = j.get("crash") if isinstance(j.get("crash"), dict) else None
    if crash:
        log = (crash.get("last_log") or "").strip()
        where = f"crash {crash.get('signal') or '?'} in {where}" + (f': "{log}"' if log else "")
    if j.get("key"):
        where += f"; key {j['key']}"
    return f"inv{inv}-{name}", where


def verdict(target, lib, mutant, res, rundir):
    """What the finding was: (invariant, signature, how it replayed), the invariant None if there
    was none, "no-replay" if it does not replay as a violation (the signature says why)."""
    if not res["found"]:
        return None, None, None
    why = []

    def try_scns(scns, origin):
        for scn in scns[:8]:
            rc, j, out = replay_scn(lib, mutant, scn)
            if rc == 1 and j and j.get("verdict") == "violation" and j.get("invariant"):
                inv, sig = describe(lib, mutant, j)
                res.update(scn=str(scn), key=j.get("key"), crash=j.get("crash"))
                return inv, sig, f"gntworld run {fc.rel(scn)}"
            seen = j.get("verdict") if j else f"exit {rc}: {' '.join(out.split())[-160:]}"
            why.append(f"{origin} {scn.name} replays {seen} in gntworld")
        return None

    got = try_scns([Path(p) for p in res.get("saved") or []], "the world's")
    if got:
        return got
    if not res["file"]:
        return "no-replay", "; ".join(why) or "no crash file", None
    # The engine's crash file, through the target that found it (its decoding, folding and version
    # fit): the world saves what it catches as a .scn, which gntworld then replays.
    binp = fc.binary("libfuzzer", target, lib, mutant)
    again = rundir / "replay"
    shutil.rmtree(again, ignore_errors=True)
    again.mkdir(parents=True)  # the world makes the findings directory, not its parents
    _, out = fc.run_input(binp, res["file"], findings_dir=again)
    scns = sorted(again.glob("*.scn"))
    text = fc.replay_text(out)
    if not scns and text:  # the input as the target printed it, when the world saved nothing
        (again / "printed.scn").write_text(text)
        scns = [again / "printed.scn"]
    got = try_scns(scns, "the crash file's")
    if got:
        return got
    cls = fc.classify(out, binp)
    if cls and cls[0].startswith("inv4-") and not fc.world_json(out):  # a memory error only ASan sees
        return cls[0], cls[1], f"{fc.rel(binp)} {fc.rel(res['file'])}"
    why.append(f"the crash file gives {cls[0]} ({cls[1]})" if cls else "the crash file does not crash")
    return "no-replay", "; ".join(why), None


def plan_fronts(a):
    """[(frontend, mutant)] to fuzz, and the fixed frontends (--fronts)."""
    fronts = fc.front_variants()
    if a.fronts == "none":
        return [], []
    names = []
    for f, _, _ in fronts:
        if f not in names:
            names.append(f)
    if a.short and a.fronts == "all":  # the short list's, or (FRONT=<dir>) your frontend's first mutant
        todo = [(f, m) for f, m in SHORT_FRONTS if (f, m, "vbd") in fronts or (f, m, "vif") in fronts]
        for f in names:
            ms = [m for g, m, _ in fronts if g == f and m != fc.FIXED]
            if not any(g == f for g, _ in todo) and ms and os.environ.get("FRONT", "").strip():
                todo.append((f, ms[0]))
        return todo, [f for f in names if any(g == f for g, _ in todo)]
    if a.fronts == "all":
        return [(f, m) for f, m, _ in fronts if m != fc.FIXED], names
    todo, fixed = [], []
    for spec in (x for x in a.fronts.split(",") if x):
        f, _, m = spec.partition("/")
        if f not in names:
            raise fc.FuzzError(f"unknown frontend {f!r} (choose from: {' '.join(names)})")
        ms = [x for g, x, _ in fronts if g == f and x != fc.FIXED]
        if m and m not in ms:
            raise fc.FuzzError(f"unknown mutant {m!r} of frontend {f} (choose from: {' '.join(ms)})")
        todo += [(f, x) for x in ([m] if m else ms) if (f, x) not in todo]
        if f not in fixed:
            fixed.append(f)
    return todo, fixed


def plan(a):
    """[(library, mutant)] to fuzz, and the fixed libraries."""
    libs = fc.libraries()
    if a.library == "none":  # frontends only (--fronts)
        return [], []
    if a.library != "all":
        want = [x for x in a.library.split(",") if x]
        for lib in want:
            if lib not in libs:
                raise fc.FuzzError(f"unknown library {lib!r} (choose from: {' '.join(libs)})")
        libs = [lib for lib in libs if lib in want]
    if a.short:
        todo = [(l, m) for l, m in SHORT if l in libs and m in fc.mutants_of(l)]
        if not os.environ.get("TARGET", "").strip():  # in tree: the short list's libraries only
            libs = [lib for lib in libs if any(l == lib for l, _ in todo)]
        for lib in libs:  # a library none of the short list names (yours, TARGET=<dir>): its first mutant
            if not any(l == lib for l, _ in todo) and fc.mutants_of(lib):
                todo.append((lib, fc.mutants_of(lib)[0]))
        return todo, libs
    if a.mutants == "all":
        return [(l, m) for l in libs for m in fc.mutants_of(l)], libs
    if a.mutants == "none":
        return [], libs
    todo = []
    for spec in (x for x in a.mutants.split(",") if x):
        lib, _, m = spec.rpartition("/")
        hits = [(l, m) for l in ([lib] if lib else libs) if m in fc.mutants_of(l)]
        if lib:
            fc.check_variant(lib, m)
        if not hits:
            choices = " ".join(fc.vname(l, x) for l in libs for x in fc.mutants_of(l))
            raise fc.FuzzError(f"unknown mutant {spec!r} (choose from: {choices})")
        todo += [h for h in hits if h not in todo]
    return todo, sorted({l for l, _ in todo}, key=libs.index)


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="libfuzzer,afl", help="comma list (default libfuzzer,afl)")
    ap.add_argument("--library", default="all", help="comma list of libraries (default: every one make lists; "
                    "none: only the frontends of --fronts)")
    ap.add_argument("--mutants", default="all", help="comma list of LIB/MUTANT or MUTANT (every library "
                    "that has it), or none (only the fixed libraries); default all")
    ap.add_argument("--memory", help="every input under this CPU memory model: sc, tso or arm "
                    "(default: the input chooses)")
    ap.add_argument("--budget", type=int, default=60, help="seconds per mutant per engine (default 60)")
    ap.add_argument("--fixed-time", type=int, help="seconds per fixed library per engine "
                    "(default: its number of mutants x --budget)")
    ap.add_argument("--target", default="world")
    ap.add_argument("--fronts", default="all", help="frontend variants: all (the default; none with --short), none, "
                    "or a comma list of FRONT/MUTANT or FRONT")
    ap.add_argument("--short", action="store_true",
                    help="CI: grants/msa02, grants/xsa396, gtab/xsa396, 60 s budget; fixed libraries briefly")
    a = ap.parse_args()
    global OUT
    if a.memory and a.memory not in fc.memory_models():
        fc.die(PROG, f"unknown memory model {a.memory!r} (choose from: {' '.join(fc.memory_models())})")
    if a.memory:  # engines and replays inherit it; runs under different models keep apart
        os.environ["GNTWORLD_MEMORY"] = a.memory
        OUT = OUT / ("memory-" + a.memory)
    try:
        engines = [e for e in a.engines.split(",") if e]
        for e in engines:
            if e not in fc.ENGINES:
                raise fc.FuzzError(f"unknown engine {e!r} (choose from: {' '.join(fc.ENGINES)})")
        if a.target not in fc.fuzz_targets() or not fc.runs_library(a.target):
            lib_targets = [t for t in fc.fuzz_targets() if fc.runs_library(t)]
            raise fc.FuzzError(f"target {a.target!r} does not run a grant library (choose from: {' '.join(lib_targets)})")
        todo, fixed_libs = plan(a)
        front_todo, fixed_fronts = plan_fronts(a)
        target_of = {lib: a.target for lib in fixed_libs + [l for l, _ in todo]}
        target_of.update({f: fc.front_target(f) for f in fixed_fronts + [f for f, _ in front_todo]})
        todo += front_todo
        fixed_libs += fixed_fronts
        if a.short:
            a.budget = 60
        fixed_time = {}
        for lib in fixed_libs:
            if a.fixed_time:
                fixed_time[lib] = a.fixed_time
            elif a.short:
                fixed_time[lib] = max(SHORT_FIXED_MIN, SHORT_FIXED_TOTAL // max(1, len(fixed_libs)))
            else:
                n = len(fc.mutants_of(lib)) if lib not in fixed_fronts else sum(f == lib for f, _ in front_todo)
                fixed_time[lib] = a.budget * max(1, n)
        summ = fc.summaries()
        bins = set()
        for lib, m in todo + [(l, fc.FIXED) for l in fixed_libs]:
            bins.add(fc.binary("libfuzzer", target_of[lib], lib, m))
            bins.add(world_binary(lib, m))  # replays the findings the world saved
            if "afl" in engines:
                bins |= {fc.binary("afl", target_of[lib], lib, m), fc.binary("cmplog", target_of[lib], lib, m)}
        print(f"{PROG}: {len(todo)} mutant(s) of {' '.join(fixed_libs)}, engines {' '.join(engines)}; "
              f"building {len(bins)} binaries", flush=True)
        fc.build(sorted(bins))
    except fc.FuzzError as e:
        fc.die(PROG, e)

    results, failed = [], 0
    fc.become_subreaper()
    try:
        for e in engines:
            for lib, m in todo:
                rundir = OUT / e / lib / m
                rundir.mkdir(parents=True, exist_ok=True)
                res = run_libfuzzer(target_of[lib], lib, m, a.budget, rundir) if e == "libfuzzer" \
                    else run_afl(target_of[lib], lib, m, a.budget, rundir)
                inv, sig, how = verdict(target_of[lib], lib, m, res, rundir)
                killed = bool(inv and inv.startswith("inv"))
                res.update(engine=e, library=lib, mutant=m, variant=fc.vname(lib, m), about=summ.get((lib, m), ""),
                           invariant=inv, signature=sig, replay=how, killed=killed, budget=a.budget)
                results.append(res)
                secs = res.get("secs_in_afl", res["secs"])
                if killed:
                    print(f"ok - {e} finds {fc.vname(lib, m)} in {secs:.2f}s, {res['execs']} execs: {inv} ({sig})",
                          flush=True)
                else:
                    failed += 1
                    why = f"its finding does not replay as a violation ({sig})" if res["found"] else "survived"
                    print(f"not ok - {e} finds {fc.vname(lib, m)}: {why} after {res['secs']:.1f}s", flush=True)
            for lib in fixed_libs:
                budget = fixed_time[lib]
                rundir = OUT / e / lib / fc.FIXED
                rundir.mkdir(parents=True, exist_ok=True)
                res = run_libfuzzer(target_of[lib], lib, fc.FIXED, budget, rundir) if e == "libfuzzer" \
                    else run_afl(target_of[lib], lib, fc.FIXED, budget, rundir)
                inv, sig, how = verdict(target_of[lib], lib, fc.FIXED, res, rundir)
                res.update(engine=e, library=lib, mutant=fc.FIXED, variant=fc.vname(lib, fc.FIXED), about="",
                           invariant=inv, signature=sig, replay=how, killed=False, budget=budget)
                results.append(res)
                if res["found"]:
                    failed += 1
                    print(f"not ok - {e}: fixed library {lib} flagged ({inv} {sig or ''}) after {res['secs']:.1f}s: "
                          f"{res.get('scn') or res['file'] or (res.get('saved') or ['?'])[0]}", flush=True)
                else:
                    print(f"ok - {e}: {fc.vname(lib, fc.FIXED)} clean for {budget}s ({res['execs']} execs)", flush=True)
    except fc.FuzzError as err:
        fc.die(PROG, err)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130

    width = max([len(r["variant"]) for r in results] + [16])
    print(f"\n{'engine':<10} {'library/mutant':<{width}} {'result':<8} {'time s':>8} {'execs':>10}  invariant (signature)")
    for r in results:
        if r["mutant"] == fc.FIXED:
            state = "FLAGGED" if r["found"] else "clean"
        else:
            state = "killed" if r["killed"] else "SURVIVED"
        secs = r.get("secs_in_afl", r["secs"])
        what = f"{r['invariant']} ({r['signature']})" if r["invariant"] else "-"
        print(f"{r['engine']:<10} {r['variant']:<{width}} {state:<8} {secs:>8.2f} {r['execs'] or 0:>10}  {what}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    print(f"{PROG}: {sum(r['killed'] for r in results)} killed, {failed} failure(s); "
          f"results {fc.rel(OUT / 'results.json')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
