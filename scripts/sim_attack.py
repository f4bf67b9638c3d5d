#!/usr/bin/env python3
"""sim-attack: the target process against the malicious peer, for every strategy, on every
variant (each library under test as shipped, "fixed", and each of its mutants), in the
multi-process simulator. Prints a verdict table, one row per LIBRARY/MUTANT.

The variants are make's (`make -s list-variants`); each has its own target process,
build/multiproc/<library>/<mutant>/gntfuzz-target. Each cell is one fresh simulator (broker +
xenstored): the target (domain 1) and the peer (domain 0, gntfuzz-peer --strategy S) run side by
side. A cell is CAUGHT when the oracle saw a violation: the target's checks against the broker's
map counts and, at its end, that every page and ref it gave up is accounted for ("target:
VIOLATION"), or the peer's own observations of reused memory ("peer: REUSED-*", "STALE-MAP").
After every run the broker must hold no map and no pin. Exit 0 only if every library's fixed build
holds in every cell and every mutant named in MUST_CATCH is caught by some strategy, in every
library that has a mutant of that name; any other mutant is reported caught or NOT CAUGHT as it
is. TAP lines for `make test`.

Device columns (`vbd:S`, `vif:S`): the target runs our standard PV frontend
(`gntfuzz-target --device vbd|vif`) and the peer the device's backend (`gntfuzz-peer --device
vbd|vif --strategy S`), one column per name of `gntfuzz-peer --list vbd-strategies` and
`--list vif-strategies` (a device whose list is empty has no columns), plus columns on grant table
v2 (`S@v2`): `hold`, `forged-done` and the races (`race-end`, `storm`; a device's `forged-done`,
`race-end`, `spec-map`, `stale-map`). `--devices wl,vbd,vif`, `--strategies` and `--exclude`
choose columns; `--cells COLUMN=VARIANT,...` plays a column on a few variants alone besides (a
column's own proof in `make test`: the fixed build holds, the mutant is caught in that very cell).
A target that dies of a signal (a panic, a fault) is CAUGHT (invariant 4: no peer input may crash
it); its line names the signal and the target's last words (the target runs with -v, so a
library's panic message is printed before it aborts).

A device column may name how our frontend behaves, `COLUMN+MODE` (FRONT_MODES: the blkif layout it
declares, `vbd:S+x86_32-abi`, or the xenbus states it publishes, `vbd:S+closing-only`); the full
vbd run plays a few strategies in the 32-bit layout on every build, the rest are `--cells`. A
variant `LIB/MUT+FRONT/FMUT` (only in `--cells`) is that build's target process with our frontend
built as one of its mutants (frontends/<FRONT>/front.mk; `make` builds it as
build/multiproc/front/<FRONT>/<FMUT>/<LIB>/<MUT>/gntfuzz-target): it must be caught in its cell,
and `--require-blackbox FMUT` asks the peer's own oracle to see it.
A fixed build under a strategy that closes and offers the device again (RECONNECTING) must have
reconnected; in a column that names a layout the peer must have served that one; `honest` must
leave our frontend on a fixed build with every answer OKAY and its data intact (a layout misread
would not).
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "harness", "multiproc"))
import xensim  # noqa: E402



def peer_strategies(build):
    """The peer's workload strategies, asked from the peer (its table is the only list)."""
    peer = os.path.join(build, "peer", "gntfuzz-peer")
    p = subprocess.run([peer, "--list", "strategies"], stdout=subprocess.PIPE, text=True)
    if p.returncode:
        sys.exit("sim-attack: %s --list strategies failed (make peer)" % peer)
    return p.stdout.split()


def device_strategies(build, device):
    """A device's strategies, asked from the peer (`--list vbd-strategies`); [] when it has none."""
    peer = os.path.join(build, "peer", "gntfuzz-peer")
    p = subprocess.run([peer, "--list", f"{device}-strategies"], stdout=subprocess.PIPE, text=True)
    if p.returncode:
        sys.exit(f"sim-attack: {peer} --list {device}-strategies failed (make peer)")
    return p.stdout.split()


DEVICES = ("vbd", "vif")
# workload and device strategies that race the frontend's grant calls: the target widens its
# windows for them, they also run on grant table v2, and a mutant no column caught gets them twice more
WL_RACES = ("race-end", "storm")
DEVICE_RACES = ("race-end", "spec-map", "stale-map")
RACE_WIDEN_US = 300
# COLUMN+MODE: the target's frontend options, and the protocol the peer must report serving
FRONT_MODES = {
    "x86_32-abi": (["--protocol", "x86_32-abi"], "x86_32-abi"),
    "no-protocol": (["--protocol", "none"], "none"),
    "skip-initialised": (["--xenbus", "skip-initialised"], None),
    "no-connected": (["--xenbus", "no-connected"], None),
    "closing-only": (["--xenbus", "closing-only"], None),
}
# the full vbd run's 32-bit columns (every build): a frontend of a 32-bit guest
VBD_X86_32 = ("forged-done", "hold-closed", "every-status")
# strategies that close and offer the device again: a fixed build's cell must have reconnected
# (the peer's verdict: vbd connects >= 2, vif reconnects >= 1)
RECONNECTING = ("hold-closed", "reconnect-loop")


def columns(build, devices=("wl",) + DEVICES, strategies=None):
    """(column, strategy, grant-table version, target's widen in us: sleep at each grant-entry
    access so that the races the peer runs have a window a process scheduler can hit, device:
    "wl" for the workload frontend, else the PV device)"""
    cols = []
    if "wl" in devices:
        names = peer_strategies(build)
        cols += [(s, s, 1, RACE_WIDEN_US if s in WL_RACES else 0, "wl") for s in names] + \
                [(f"{s}@v2", s, 2, RACE_WIDEN_US if s in WL_RACES else 0, "wl")
                 for s in ("hold", "forged-done") + WL_RACES if s in names]
    for dev in DEVICES:
        if dev not in devices:
            continue
        names = device_strategies(build, dev)
        cols += [(f"{dev}:{s}", s, 1, RACE_WIDEN_US if s in DEVICE_RACES else 0, dev) for s in names]
        cols += [(f"{dev}:{s}@v2", s, 2, RACE_WIDEN_US if s in DEVICE_RACES else 0, dev)
                 for s in ("forged-done",) + DEVICE_RACES if s in names]
        if dev == "vbd":
            cols += [(f"vbd:{s}+x86_32-abi", s, 1, 0, dev) for s in VBD_X86_32 if s in names]
    if strategies:
        cols = [c for c in cols if c[0] in strategies or c[1] in strategies or c[0].split(":")[-1] in strategies]
    return cols


# Mutants (by name, in every library that has one of that name) this world must catch with some
# strategy: the bug classes its strategies and oracle are built for, all caught here before the
# seam. Others are reported as they are: ro_flag needs a read-only request that the peer maps
# writable (the target sends none); ref_leak shows in the end-of-run ref sweep when unshares end
# cleanly (not a requirement yet).
MUST_CATCH = ("msa02", "xsa396", "cve23041", "ro_reading", "v2_header", "flags_first", "ref_double_free",
              "lost_deferred")
# What the PV device columns must catch (a run requires the union over the column groups it runs).
# vbd: every mutant of grants/mutants.def is reachable through blkif (race-end: xsa396; spec-map:
# flags_first; forged-done@v2: v2_header; indirect-abuse's read-write maps of read-only grants:
# ro_flag; the end-of-run ref sweep: ref_leak).
MUST_CATCH_DEVICE = {
    "vbd": MUST_CATCH + ("ro_flag", "ref_leak"),
    "vif": ("msa02",),
}
REFERENCE_LIBRARY = "grants"  # the library a scenario's plain "# catches:" line is about


def variants():
    """[(library, mutant)] as make lists them (`make -s list-variants`; TARGET=... is honoured)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    argv = ["make", "-s", "--no-print-directory", "-C", ROOT, "list-variants", "RUNS_IN=mp"]
    if os.environ.get("TARGET"):
        argv.append("TARGET=" + os.environ["TARGET"])
    r = subprocess.run(argv, env=env, capture_output=True, text=True)
    out = [tuple(line.split()) for line in r.stdout.splitlines() if len(line.split()) == 2]
    if r.returncode or not out:
        sys.exit(f"sim-attack: `make -s list-variants` failed: {(r.stderr.strip().splitlines() or ['no variants'])[-1]}")
    return out


def name(v):
    return f"{v[0]}/{v[1]}"


def target_bin(build, v):
    mut, _, front = v[1].partition("+")  # LIB/MUT+FRONT/FMUT: our frontend built as its mutant FMUT
    if front:
        return os.path.join(build, "multiproc", "front", front, v[0], mut, "gntfuzz-target")
    return os.path.join(build, "multiproc", v[0], v[1], "gntfuzz-target")


def mutant_names(v):
    """The mutants a variant carries: the library's, and its frontend's (LIB/MUT+FRONT/FMUT)."""
    mut, _, front = v[1].partition("+")
    return {mut} | ({front.split("/")[-1]} if front else set())


def column_of(every, col):
    """A column by name; COLUMN+MODE is COLUMN with our frontend in a FRONT_MODES mode."""
    base, _, mode = col.partition("+")
    if col in every:
        return every[col]
    if base in every and mode in FRONT_MODES and every[base][4] != "wl":
        return (col,) + every[base][1:]
    return None


def front_variants():
    """{FRONT/FMUT} of our frontends (`make -s list-front-variants`)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT, "list-front-variants"], env=env,
                       capture_output=True, text=True)
    return {"/".join(line.split()[:2]) for line in r.stdout.splitlines() if len(line.split()) == 3}


def kv(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


def scenario_header(path):
    """(grant-table version, {library: mutant names its '# catches[ LIB]:' line lists}); the plain
    '# catches:' line is the reference library's, '# catches LIB:' library LIB's."""
    version, catches = 1, {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*#\s*catches(?:[ \t]+([A-Za-z0-9_.-]+))?\s*:([^#\n]*)", line)
            if m:
                lib = m.group(1) or REFERENCE_LIBRARY
                catches.setdefault(lib, [c for c in m.group(2).replace(",", " ").split() if c != "none"])
            m = re.match(r"config\b.*\bversion\s+(\d)", line)
            if m:
                version = int(m.group(1))
    return version, catches


def run_cell(build, v, col, strategy, version, widen, duration, device="wl"):
    d = tempfile.mkdtemp(prefix="sim-attack-")
    res = {"caught": False, "held_after": None, "progress": False, "error": None, "tv": 0, "po": 0}
    try:
        xensim.start(d, "0,1,2", mp=os.path.join(build, "multiproc"))
        target = [target_bin(build, v), "--version", str(version),
                  "--duration", str(duration + 1.5), "--requests", "16", "--widen", str(widen), "-v"]
        mode = FRONT_MODES.get(col.partition("+")[2])
        if device != "wl":  # our PV frontend against the device backend
            target += ["--device", device] + (mode[0] if mode else [])
            peer = [os.path.join(build, "peer", "gntfuzz-peer"), "--device", device, "--target", "1",
                    "--strategy", strategy, "--duration", str(duration), "--connect-timeout", "5"]
        elif strategy.endswith(".scn"):  # one request at a time, as a scenario's steps expect
            target[target.index("--requests") + 1] = "4"
            target += ["--inflight", "1"]
            peer = [os.path.join(build, "peer", "gntfuzz-peer"), "--scenario", strategy, "--connect-timeout", "5"]
        else:
            peer = [os.path.join(build, "peer", "gntfuzz-peer"), "--strategy", strategy, "--duration",
                    str(duration), "--connect-timeout", "5"]
        mp = os.path.join(build, "multiproc")
        tp = subprocess.Popen(target, env=xensim.run_env(d, 1, mp), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        pp = subprocess.Popen(peer, env=xensim.run_env(d, 0, mp), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        early = None  # the target's output when it ended at once
        if version == 2:  # a library without grant table v2 (its adapter says so): not applicable
            try:
                if tp.wait(timeout=0.3) == 1:
                    early = tp.communicate()[0]
                    if "not supported" in early:
                        pp.kill()
                        pp.communicate()
                        res.update(na=True, held_after=(0, 0))
                        return v, col, res
            except subprocess.TimeoutExpired:
                pass
        try:
            pout, _ = pp.communicate(timeout=duration + 20)
            tout = early if early is not None else tp.communicate(timeout=duration + 20)[0]
        except subprocess.TimeoutExpired:
            pp.kill()
            tp.kill()
            pout, tout = pp.communicate()[0], tp.communicate()[0]
            res["error"] = "timeout"
        tres = [kv(l) for l in tout.splitlines() if l.startswith("target: result")]
        pres = [kv(l) for l in pout.splitlines() if l.startswith("peer: verdict")]
        res["tv"] = sum(1 for l in tout.splitlines() if l.startswith("target: VIOLATION"))
        res["po"] = sum(1 for l in pout.splitlines() if re.match(r"peer: (REUSED-|STALE-MAP)", l))
        res["first"] = next((l for l in (tout + pout).splitlines() if "VIOLATION" in l or "REUSED-" in l
                             or "STALE-MAP" in l), "")
        crashed = tp.returncode is not None and tp.returncode < 0 and not res["error"]
        if crashed and not tres:  # invariant 4: no peer input may crash the target
            lines = [l.strip() for l in tout.strip().splitlines() if l.strip()]
            # its last words: a panic or assertion the library logged (-v) before it aborted
            last = next((l for l in reversed(lines) if re.search(r"panic|assert|abort|BUG", l, re.I)),
                        lines[-1] if lines else "")
            res["crash"] = f"target died of {signal.Signals(-tp.returncode).name}" + (f": {last}" if last else "")
            res["first"] = res["crash"]
            res["progress"] = True
        elif not tres or not pres:
            res["error"] = res["error"] or "no result line: " + (tout + pout).strip().splitlines()[-1:][0] \
                if (tout + pout).strip() else "no output"
        else:
            res["progress"] = int(pres[0].get("maps", 0)) + int(pres[0].get("copies", 0)) + \
                int(pres[0].get("requests", 0)) > 0
            # invariant 5: once the peer let go, every deferred page came back
            res["deferred_left"] = int(tres[0].get("deferred_now", 0))
            if device != "wl":
                p, t = pres[0], tres[0]
                if strategy in RECONNECTING:  # judged on fixed builds: did the device come back?
                    res["reconnected"] = int(p.get("connects", 0)) >= 2 or int(p.get("reconnects", 0)) >= 1
                if mode and mode[1] and p.get("protocol") != mode[1]:
                    res["error"] = f"the peer served protocol {p.get('protocol')}, not {mode[1]}"
                bad = {k: t.get(k) for k in ("rsp_errors", "bad_rsp", "unknown_ids", "data_mismatch")
                       if int(t.get(k, 0))}
                # on a fixed build (a mutant library may fail maps, answered as errors)
                if strategy == "honest" and device == "vbd" and v[1] == "fixed" and \
                        (bad or not int(t.get("completed", 0))):
                    res["error"] = f"honest service garbled: {bad or 'nothing completed'}"
        res["caught"] = res["tv"] > 0 or res["po"] > 0 or bool(res.get("crash"))
        time.sleep(0.05)
        b = xensim.Broker(d)
        s = b.stats()
        b.close()
        res["held_after"] = (s["live_maps"], s["pins"])
    except SystemExit as e:
        res["error"] = f"simulator: {e}"
    except OSError as e:  # a binary being rebuilt under us, a full disk: this cell, not the run
        res["error"] = f"cannot run: {e}"
    finally:
        xensim.stop(d)
        shutil.rmtree(d, ignore_errors=True)
    return v, col, res


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, os.environ.get("BUILD", "build")))
    ap.add_argument("--duration", type=float, default=1.5, help="seconds the peer plays per cell")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", help="comma- or space-separated variants (LIB/MUTANT) or mutant names to run (default: all)")
    ap.add_argument("--devices", default="wl,vbd,vif",
                    help="comma list of column groups: wl (the workload frontend), vbd, vif (PV devices)")
    ap.add_argument("--strategies", help="comma list of columns or strategy names to run (default: all)")
    ap.add_argument("--exclude", default="", help="comma list of column names not to run (after --strategies)")
    ap.add_argument("--require-blackbox", default="",
                    help="comma list of mutant names that the peer's own observations (peer: REUSED-*) must "
                         "catch in some device column: the black-box oracle alone, without the target's")
    ap.add_argument("--cells", default="",
                    help="extra cells besides --only x --strategies, space-separated COLUMN=VARIANT[,VARIANT...]: "
                         "the column played on those variants alone (any column of any group); a fixed build must "
                         "hold there, a mutant must be caught in that very cell")
    ap.add_argument("--scenarios", action="store_true",
                    help="replay corpora/scenarios/wl-*.scn with the peer instead of the strategies")
    a = ap.parse_args(argv)
    if not xensim.xenstored_bin(os.path.join(a.build, "multiproc")):
        print("sim-attack: build/xenstored/gntfuzz-xenstored is missing (make xenstored)", file=sys.stderr)
        return 1
    all_vs = variants()
    vs = all_vs
    if a.only:
        keep = set(a.only.replace(",", " ").split())
        vs = [v for v in vs if name(v) in keep or v[1] in keep]
    extra = []  # (column, variant): --cells
    if a.cells and not a.scenarios:
        every = {c[0]: c for c in columns(a.build)}
        fronts = front_variants() if any("+" in spec.partition("=")[2] for spec in a.cells.split()) else set()
        for spec in a.cells.split():
            col, _, names = spec.partition("=")
            column = column_of(every, col)
            if not column or not names:
                print(f"sim-attack: --cells: {spec}: no column {col!r} (COLUMN[+MODE]=VARIANT,...; modes: "
                      f"{' '.join(FRONT_MODES)}; columns: {' '.join(every)})", file=sys.stderr)
                return 2
            for n in names.split(","):
                base, _, front = n.partition("+")
                v = next((v for v in all_vs if name(v) == base), None)
                if front and front not in fronts:
                    print(f"sim-attack: --cells: {n}: no frontend variant {front!r} (make list-front-variants)",
                          file=sys.stderr)
                    return 2
                if v:
                    extra.append((column, (v[0], v[1] + ("+" + front if front else ""))))
                else:  # another set of libraries (TARGET=...): not this run's
                    print(f"# --cells: {col} on {n}: skipped, no such variant here (make list-variants)")
    for v in vs + [v for _, v in extra]:
        if not os.access(target_bin(a.build, v), os.X_OK):
            print(f"sim-attack: {target_bin(a.build, v)} is missing (make mp-targets)", file=sys.stderr)
            return 1
    if a.scenarios:
        return replay_scenarios(a, vs)
    devices = [x for x in a.devices.replace(",", " ").split()]
    bad = [x for x in devices if x not in ("wl",) + DEVICES]
    if bad:
        print(f"sim-attack: --devices: unknown {bad[0]} (wl, {', '.join(DEVICES)})", file=sys.stderr)
        return 2
    cols = columns(a.build, devices, set(a.strategies.replace(",", " ").split()) if a.strategies else None)
    cols = [c for c in cols if c[0] not in set(a.exclude.replace(",", " ").split())]
    if not cols:
        print("sim-attack: no column to run (--devices/--strategies)", file=sys.stderr)
        return 2
    jobs = [(v, col, s, ver, w, dev) for v in vs for col, s, ver, w, dev in cols]
    jobs += [(v, *c) for c, v in extra if (v, c[0]) not in {(j[0], j[1]) for j in jobs}]
    # what the table shows: the --only variants, then those of --cells; the columns likewise
    vs = vs + list(dict.fromkeys(x for _, x in extra if x not in vs))
    main_cols, cols = cols, cols + [c for c in dict.fromkeys(c for c, _ in extra) if c not in cols]
    results = {}
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for v, col, res in ex.map(lambda j: run_cell(a.build, *j[:5], a.duration, j[5]), jobs):
            results[(v, col)] = res

    # Races are won by chance on a loaded machine: a mutant no cell caught gets its racing
    # strategies twice more before the verdict (a fixed build gets no retries).
    racing = [c for c in cols if (c[1] in WL_RACES and c[4] == "wl") or
              (c[1] in DEVICE_RACES and c[4] != "wl")]
    for attempt in range(2):
        missed = [v for v in vs if v[1] != "fixed" and not any(results[(v, c[0])]["caught"] for c in cols
                                                                 if (v, c[0]) in results)]
        missed += [v for c, v in extra if v[1] != "fixed" and not results[(v, c[0])]["caught"] and v not in missed]
        for v in missed:
            for col, s_, ver, w, dev in [c for c in racing if (v, c[0]) in results]:
                _, _, res = run_cell(a.build, v, col, s_, ver, w, a.duration, dev)
                if res["caught"]:
                    res["retried"] = attempt + 1
                    results[(v, col)] = res

    width = max(len(c[0]) for c in cols)
    first = max([len("variant")] + [len(name(v)) for v in vs]) + 2
    print(f"{'variant':<{first}}" + "".join(f"{c[0]:>{width + 1}}" for c in cols))
    for v in vs:
        cells = []
        for col, *_ in cols:
            r = results.get((v, col))
            cells.append("-" if r is None else "n/a" if r.get("na") else "ERROR" if r["error"] else
                         ("CAUGHT*" if r.get("retried") else "CAUGHT") if r["caught"]
                         else "held" if r["progress"] else "idle")
        print(f"{name(v):<{first}}" + "".join(f"{c:>{width + 1}}" for c in cells))
    print("(CAUGHT: target VIOLATION from the broker's map counts or a page or ref unaccounted at its end, or"
          " the peer read/wrote reused memory, or the target died of a signal (a panic: invariant 4);"
          " *: on a retry of a race; n/a: the library has no grant table v2; -: not played)")

    groups = {c[4] for c in main_cols}  # a --cells column adds no must-catch set
    must_catch = set(MUST_CATCH if "wl" in groups else ())
    for g in groups - {"wl"}:
        must_catch |= set(MUST_CATCH_DEVICE.get(g, ()))
    fails = 0
    for v in vs:
        rs = {col: results[(v, col)] for col, *_ in cols if (v, col) in results and not results[(v, col)].get("na")}
        errs = [f"{c}: {r['error']}" for c, r in rs.items() if r["error"]]
        caught = [c for c, r in rs.items() if r["caught"]]
        if v[1] == "fixed":
            idle = [c for c, r in rs.items() if not r["progress"]]
            lost = [c for c, r in rs.items() if r.get("deferred_left")]
            stuck = [c for c, r in rs.items() if r.get("reconnected") is False]
            ok = not errs and not caught and not idle and not lost and not stuck
            why = f"caught by {caught}: {[rs[c]['first'] for c in caught][:2]}" if caught else \
                f"errors {errs}" if errs else f"no traffic in {idle}" if idle else \
                f"deferred pages never reclaimed in {lost}" if lost else \
                f"the device never came back after a close in {stuck}" if stuck else \
                "holds under all strategies, every deferred page reclaimed"
        elif v[1] in must_catch:
            ok = bool(caught) and not errs
            why = f"caught by {', '.join(caught)}" if caught else "caught by no strategy"
            if errs:
                why += f"; errors {errs}"
        else:
            ok = not errs
            why = f"caught by {', '.join(caught)}" if caught else \
                "NOT CAUGHT by any strategy (not required of this world: see MUST_CATCH)"
            if errs:
                why += f"; errors {errs}"
        crashes = [c for c in caught if rs[c].get("crash")]
        if v[1] != "fixed" and crashes:  # invariant 4: which cell, which signal, its last words
            why += f"; {crashes[0]}: {rs[crashes[0]]['crash']}" + \
                (f" (and {len(crashes) - 1} more crashed)" if len(crashes) > 1 else "")
        fails += not ok
        print(f"{'ok' if ok else 'not ok'} - {name(v)}: {why}")
    for c, v in extra:  # a column's own proof: it catches this mutant by itself
        r = results[(v, c[0])]
        if v[1] == "fixed" or r.get("na"):
            continue
        fails += not r["caught"]
        print(f"{'ok' if r['caught'] else 'not ok'} - {name(v)}: {c[0]} catches it in its own cell" +
              (f": {r['first']}" if r["caught"] else f": {r['error']}" if r["error"] else ""))
    for mut in [m for m in a.require_blackbox.replace(",", " ").split()]:
        for v in [v for v in vs if mut in mutant_names(v)]:
            seen = [c[0] for c in cols if c[4] != "wl" and (v, c[0]) in results and results[(v, c[0])]["po"] > 0]
            fails += not seen
            print(f"{'ok' if seen else 'not ok'} - {name(v)}: the black-box oracle alone (peer: REUSED-*) "
                  + (f"caught it in {', '.join(seen)}" if seen else "caught it in no device column"))
    held = [(name(k[0]), k[1], r["held_after"]) for k, r in results.items() if r["held_after"] not in ((0, 0), None)]
    fails += bool(held)
    print(f"{'not ok' if held else 'ok'} - the broker holds no map or pin after any run" +
          (f": {held[:3]}" if held else ""))
    return 1 if fails else 0


def replay_scenarios(a, vs):
    """Each wl-*.scn against every library's fixed build (must hold) and the mutants its claim for
    that library names (must be caught): '# catches LIB:', or the plain line for the reference."""
    import glob
    have = set(vs)
    libs = list(dict.fromkeys(v[0] for v in vs))
    jobs, skipped = [], []
    for path in sorted(glob.glob(os.path.join(ROOT, "corpora", "scenarios", "wl-*.scn"))):
        version, catches = scenario_header(path)
        text = open(path).read()
        # `at K` steps need the in-process scheduler's points, `send-ro` a frontend step the
        # target process does not take: such a scenario can still show a fixed library holds.
        process_level = not re.search(r"^\s*at\s+\d+", text, re.M) and "send-ro" not in text
        for lib in libs:
            for mut in ["fixed"] + catches.get(lib, []):
                if (lib, mut) not in have:
                    continue
                if mut != "fixed" and not process_level:
                    skipped.append(f"# skipped: {os.path.basename(path)} on {lib}/{mut} (needs in-process "
                                   "scheduling points or read-only sends)")
                    continue
                jobs.append(((lib, mut), os.path.basename(path), path, version, 0))
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        results = list(ex.map(lambda j: run_cell(a.build, *j, 2.0), jobs))
    fails = 0
    for v, col, r in results:
        if r["error"]:
            ok, what = False, f"error: {r['error']}"
        elif v[1] == "fixed":
            ok, what = not r["caught"], "caught: " + r["first"] if r["caught"] else "held"
        else:
            ok, what = r["caught"], "caught" if r["caught"] else "not caught"
        fails += not ok
        print(f"{'ok' if ok else 'not ok'} - {col} on {name(v)}: {what}")
    for line in skipped:
        print(line)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
