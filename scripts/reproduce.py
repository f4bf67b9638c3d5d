#!/usr/bin/env python3
"""Reproduce the advisory and its relatives: run every corpus scenario on every variant (the fixed
build and every mutant of every grant library under test), print a table (variant LIB/MUTANT,
scenario, verdict, invariant, step of detection, a verdict per memory model, a note), per library
the counts of runs (ran, and of those violation / clean / vacuous / error; skipped apart) and, for
each caught mutant, the readable report of its first catch.

The variants are what `make list-variants` prints (one "LIBRARY MUTANT" line each; `fixed` is the
unmutated build) and the frontend variants `make list-front-variants` prints (our blkfront and
netfront, or yours with FRONT=<dir>, each on the reference library: they run the device scenarios,
`config ... device vbd|vif`, and skip the others); the binaries are build/world/NAME/MUTANT/gntworld.
A device scenario runs on every grant library variant too (our frontends on that library).

Verdicts, from `gntworld run --json` (its exit status: 0 clean, 1 violation, 2 bad input or a
broken adapter, 3 skipped, 4 vacuous), with their mark in the per-model column:
  V violation  the oracle flagged the run. A crash of the library inside a library call (abort,
               panic, failed assert, fatal signal) is one too: invariant 4, with the signal and the
               library's last log line (shown in the note and under the mutant's report); on a
               mutant it is a catch like any other, on a fixed build a problem like any other.
  . clean      every invariant held, and the peer could act.
  v vacuous    the peer could not act: it tried to map or copy, every try was refused and none
               aimed at a ref the library had handed out (a scenario written for another library's
               ref order, or an adapter that hands out nothing). Never clean, never a catch.
  - skipped    the library has no grant table of the scenario's version (`gntworld about`, or
               gntworld's exit 3): not run, so neither clean nor a catch, and counted apart.
  ! error      gntworld failed: bad input, a broken adapter, it died or timed out, or its JSON did
               not match its exit status.

Claims, in each scenario's comment lines:
  # catches: a b c          the exact set of mutants of the reference library `grants` it catches
  # catches LIB: a b        the exact set for library LIB
  (`none`: it catches nothing). A library without a line of its own gets no exact-set check; the
  plain `# catches:` line is required while `grants` is under test.

Every scenario also runs under each CPU memory model (`gntworld run --memory sc|tso|arm`). Claims
are about the model the scenario's own config names (sc unless `memory tso|arm`); a fixed build
must be clean under every model.

Exit 0 only if every claim holds, every mutant of every library is caught by at least one scenario,
every fixed build is clean (neither flagged nor vacuous) on every scenario it runs under every
model, and no run failed; 1 otherwise (each reason one PROBLEM line); 2 if nothing could be run.

A vacuous run on a fixed build fails, whatever the scenario claims:
  - a scenario that claims to catch something on LIB (a `# catches[ LIB]:` line not `none`) and is
    vacuous on LIB/fixed gets one line saying so and why (the peer could not act: its maps aimed at
    refs the library never handed out): its catches cannot be trusted on LIB, since the attack that
    should make them never reached the library;
  - any other scenario vacuous on a fixed build (one that claims `none`, or on a library without a
    claim line, such as yours given with TARGET=) is listed the same way and fails too. Its "clean"
    would say that the library withstood an attack that never reached it, which is the false
    assurance this check exists to remove: a clean must mean something on anyone's grant library.
    A scenario that is vacuous on a library is fixed by naming its grants by what the library
    answered (`target share p0 rw as g1` ... `peer map g1 rw`), or the library's adapter is broken;
    neither is a reason to let the run pass. (The libraries in targets/ have no vacuous run.)
A vacuous run on a mutant is no problem by itself (shown `v`, counted): it is not a catch, so a
claim naming that mutant fails, and says that the run was vacuous.
Standard library only.
"""
import argparse
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = "grants"          # the library the plain `# catches:` line is about
FIXED = "fixed"
CATCHES_RE = re.compile(r'^#\s*catches(?:\s+([A-Za-z0-9_.+-]+))?\s*:\s*(.*)$')
NAME_RE = re.compile(r'^[A-Za-z0-9_.+-]+$')
RUN_TIMEOUT = 60
FRONTS = set()                # frontend variants' names (make list-front-variants)


class Failure(Exception):
    pass


def make(args, target, **kw):
    cmd = ["make", "--no-print-directory", "-s"] + (["TARGET=" + target] if target else []) + args
    return subprocess.run(cmd, cwd=ROOT, text=True, **kw)


def list_variants(target):
    """[(library, mutant)] in the order `make list-variants` prints them."""
    p = make(["list-variants"], target, capture_output=True)
    if p.returncode:
        raise Failure("`make list-variants` failed:\n" + p.stderr.strip())
    out = []
    for line in p.stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or not all(NAME_RE.match(x) for x in parts):
            raise Failure("`make list-variants` printed an unexpected line: %r" % line)
        if tuple(parts) not in out:
            out.append(tuple(parts))
    if not out:
        raise Failure("`make list-variants` names no variant")
    if os.environ.get("FRONT", "").strip() and not target:  # your frontend: its variants, not every library's
        out = []
    p = make(["list-front-variants"], target, capture_output=True)
    if p.returncode:
        raise Failure("`make list-front-variants` failed:\n" + p.stderr.strip())
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) != 3 or not all(NAME_RE.match(x) for x in parts):
            raise Failure("`make list-front-variants` printed an unexpected line: %r" % line)
        FRONTS.add(parts[0])
        out.append((parts[0], parts[1]))
    if not out:
        raise Failure("`make list-variants` names no variant")
    return out


def vname(lib, mutant):
    return "%s/%s" % (lib, mutant)


def about(binary):
    """{'library', 'mutant', 'versions': set, 'end'} from `gntworld about`, or raise Failure."""
    try:
        p = subprocess.run([binary, "about"], capture_output=True, text=True, timeout=RUN_TIMEOUT,
                           errors="replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Failure("%s about: %s" % (binary, e))
    d = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition(" ")
        d[k] = v.strip()
    if p.returncode or "library" not in d or "mutant" not in d:
        raise Failure("%s about: exit %d: %s" % (binary, p.returncode, (p.stdout + p.stderr).strip()[-200:]))
    d["versions"] = {int(x) for x in d.get("versions", "").split() if x.isdigit()}
    return d


def read_scenario(path):
    """(claims {library: set}, header problems [str], grant-table version, memory model, device
    or None)."""
    claims, problems, version, memory, device = {}, [], 1, "sc", None
    with open(path, errors="replace") as f:
        for line in f:
            s = line.strip()
            m = CATCHES_RE.match(s)
            if m:
                lib = m.group(1) or REFERENCE
                names = m.group(2).split("#")[0].split()
                if lib in claims:
                    problems.append("two `# catches%s:` lines" % ("" if m.group(1) is None else " " + lib))
                    continue
                if "none" in names and names != ["none"]:
                    problems.append("`# catches%s:` names `none` beside mutants" % (
                        "" if m.group(1) is None else " " + lib))
                claims[lib] = set() if names == ["none"] else set(names)
                continue
            words = s.split("#")[0].split()
            if words and words[0] == "config":
                for k, v in zip(words[1::2], words[2::2]):
                    if k == "version" and v.isdigit():
                        version = int(v)
                    if k == "memory":
                        memory = "tso" if v == "x86-tso" else v
                    if k == "device" and v != "none":
                        device = v
    return claims, problems, version, memory, device


def run(binary, scn, json_out, memory=None):
    """(exit status or None, stdout, stderr) of one gntworld run; None: it could not run or timed out
    (the reason in stderr)."""
    # the readable report runs on after the detection, so it shows what the peer then did
    args = [binary, "run", scn] + (["--json"] if json_out else ["--keep-going"])
    args += ["--memory", memory] if memory else []
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=RUN_TIMEOUT, errors="replace")
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ds" % RUN_TIMEOUT
    except OSError as e:
        return None, "", "cannot run %s: %s" % (binary, e.strerror)
    return p.returncode, p.stdout, p.stderr


MODELS = []                     # gntworld --memory names, in config order: asked of gntworld
MODEL_MARK = {"violation": "V", "clean": ".", "vacuous": "v", "skipped": "-"}   # else "!" (error)
EXIT_VERDICT = {0: "clean", 1: "violation", 4: "vacuous"}     # gntworld run's exit status; 3: skipped
VACUOUS_WHY = "the peer could not act: its maps aimed at refs the library never handed out"


def last_json(text):
    """The last JSON object line of gntworld's stdout, or None."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                d = json.loads(line)
            except ValueError:
                return None
            return d if isinstance(d, dict) else None
    return None


def tail(text, n=300):
    return " ".join(text.split())[-n:]


def signame(rc):
    try:
        return signal.Signals(-rc).name
    except ValueError:
        return "signal %d" % -rc


JUDGED = {}   # (binary, path, model) -> verdict, filled two at a time before the table is made


def judge_all(keys, workers=2):
    """Run every (binary, path, model) once, `workers` at a time (each run is its own process)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for key, r in zip(keys, pool.map(lambda k: judge_one(*k), keys)):
            JUDGED[key] = r


def judge(binary, path, model):
    """One run's verdict (already judged by judge_all, or now)."""
    return JUDGED.get((binary, path, model)) or judge_one(binary, path, model)


def judge_one(binary, path, model):
    """One run's verdict under one memory model: {verdict, invariant, step, message, crash, key,
    library_frames | detail}; verdict violation, clean, vacuous, skipped or error."""
    r = {"verdict": "error", "invariant": None, "step": None}
    rc, out, err = run(binary, path, True, model)
    if rc == 3:   # gntworld's own word: no grant table of this version in the library
        r["verdict"] = "skipped"
        r["detail"] = tail(err + out) or "the library has no grant table of this version"
    elif rc in EXIT_VERDICT:
        d = last_json(out)
        if d is None or d.get("verdict") != EXIT_VERDICT[rc]:
            r["detail"] = "exit %d (%s) but its JSON says %s: %s" % (
                rc, EXIT_VERDICT[rc], "nothing" if d is None else d.get("verdict"), tail(out + err))
        else:
            r.update(verdict=d["verdict"], invariant=d.get("invariant"),
                     step="end" if d.get("at_end") else d.get("step"), message=d.get("message"))
            for k in ("crash", "key", "library_frames"):
                if d.get(k) is not None:
                    r[k] = d[k]
            if rc == 1 and not r["invariant"]:
                r.update(verdict="error", detail="exit 1 without an invariant: " + tail(out))
    elif rc is None:
        r["detail"] = err
    elif rc < 0:  # the world reports a crash in library code itself (invariant 4): this one escaped it
        r["detail"] = "gntworld died of %s, unreported by the world: %s" % (signame(rc), tail(err + out) or "no output")
    elif rc == 2:
        r["detail"] = "bad input or a broken adapter: " + (tail(err + out) or "exit 2")
    else:
        r["detail"] = "exit %d: %s" % (rc, tail(err + out) or "no output")
    return r


def crash_note(r):
    """'crash SIGABRT: <the library's last log line>' for a crash, else ''."""
    c = r.get("crash")
    if not isinstance(c, dict):
        return ""
    log = (c.get("last_log") or "").strip()
    return "crash %s%s" % (c.get("signal") or "?", (": " + log) if log else " (the library logged nothing)")


def words(names):
    return " ".join(sorted(names)) or "none"


def claim_line(lib):
    return "`# catches%s:`" % ("" if lib == REFERENCE else " " + lib)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split(":")[0] + ".", epilog=__doc__.split("\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "world"), help="gntworld build directory")
    ap.add_argument("--scenarios", default=os.path.join(ROOT, "corpora", "scenarios"))
    ap.add_argument("--target", help="only the library in this directory (make's TARGET=)")
    ap.add_argument("--json", action="store_true", help="one JSON document on stdout")
    ap.add_argument("--tap", action="store_true", help="also print TAP lines (ok / not ok) per check")
    ap.add_argument("--no-build", action="store_true", help="do not run make to build the binaries first")
    a = ap.parse_args()
    say = sys.stderr if a.json else sys.stdout

    try:
        variants = list_variants(a.target)
    except Failure as e:
        print("reproduce: %s" % e, file=sys.stderr)
        return 2
    build = os.path.abspath(a.build)
    bins = {v: os.path.join(build, v[0], v[1], "gntworld") for v in variants}
    if not a.no_build:
        targets = [os.path.relpath(b, ROOT) for b in bins.values()]
        p = make(["-j2"] + targets, a.target, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode:
            sys.stderr.write(p.stderr)
            print("reproduce: building the gntworld variants failed", file=sys.stderr)
            return 2
    for v, b in bins.items():
        if not os.access(b, os.X_OK):
            print("reproduce: missing %s (run `make world`)" % b, file=sys.stderr)
            return 2
    try:
        scns = sorted(f for f in os.listdir(a.scenarios) if f.endswith(".scn"))
    except OSError as e:
        print("reproduce: %s: %s" % (a.scenarios, e.strerror), file=sys.stderr)
        return 2
    if not scns:
        print("reproduce: no scenarios in %s" % a.scenarios, file=sys.stderr)
        return 2

    libs = []                                   # in list-variants order
    mutants = {}                                # library -> [mutant names], fixed excluded
    for lib, mut in variants:
        if lib not in libs:
            libs.append(lib)
            mutants[lib] = []
        if mut != FIXED:
            mutants[lib].append(mut)
    problems = []
    for lib in libs:
        if (lib, FIXED) not in variants:
            problems.append("library %s has no fixed build" % lib)

    # What each binary is: it must be the variant its path says, and tells the table versions.
    info = {}
    for v, b in bins.items():
        try:
            d = about(b)
        except Failure as e:
            problems.append("%s: %s" % (vname(*v), e))
            d = {"library": v[0], "mutant": v[1], "versions": {1, 2}}
        if (d["library"], d["mutant"]) != v:
            problems.append("%s: %s says it is library %s, mutant %s" % (vname(*v), b, d["library"], d["mutant"]))
        info[v] = d

    p = subprocess.run([next(iter(bins.values())), "list", "memory"], capture_output=True, text=True)
    MODELS[:] = [line.split()[1] for line in p.stdout.splitlines() if len(line.split()) == 2]
    if p.returncode or not MODELS:
        print("reproduce: `gntworld list memory` failed: %s" % p.stderr.strip(), file=sys.stderr)
        return 2
    keys = []   # every run the table below makes, judged two at a time first
    for scn in scns:
        path = os.path.join(a.scenarios, scn)
        _, _, version, _, device = read_scenario(path)
        keys += [(bins[v], path, m) for v in variants for m in MODELS
                 if version in info[v]["versions"] and not (v[0] in FRONTS and not device)]
    judge_all(keys)
    rows, first_catch = [], {}
    caught_by = {vname(lib, m): [] for lib in libs for m in mutants[lib]}
    catches_of, claims_of, vacuous_fixed = {}, {}, []
    for scn in scns:
        path = os.path.join(a.scenarios, scn)
        claims, header_problems, version, own_model, device = read_scenario(path)
        problems.extend("%s: %s" % (scn, p) for p in header_problems)
        catches = {lib: set() for lib in libs}
        vacuous_on = {lib: set() for lib in libs}       # mutants this scenario is vacuous on (own model)
        for v in variants:
            lib, mut = v
            name = vname(lib, mut)
            row = {"library": lib, "mutant": mut, "variant": name, "scenario": scn, "verdict": "error",
                   "invariant": None, "step": None, "memory": own_model}
            if version not in info[v]["versions"] or (lib in FRONTS and not device):
                row["verdict"] = "skipped"
                row["detail"] = ("library %s has no grant table version %d" % (lib, version) if lib not in FRONTS
                                 else "frontend %s runs device scenarios only" % lib)
                row["models"] = {m: "skipped" for m in MODELS}
                rows.append(row)
                continue
            vacuous_models, errors = [], {}
            for model in MODELS:
                r = judge(bins[v], path, model)
                row.setdefault("models", {})[model] = r["verdict"]
                if r["verdict"] == "vacuous" and mut == FIXED:
                    vacuous_models.append(model)
                if model == own_model:
                    row.update(r)
                elif mut == FIXED and r["verdict"] == "violation":
                    problems.append("%s: the fixed build of %s is flagged under memory %s (invariant %s)%s" % (
                        scn, lib, model, r["invariant"], (": " + crash_note(r)) if r.get("crash") else ""))
                if r["verdict"] == "error":
                    errors.setdefault(r.get("detail"), []).append(model)
            rows.append(row)
            for detail, ms in errors.items():   # one line per way it failed, with the models it failed under
                problems.append("%s on %s: gntworld failed under memory %s: %s" % (scn, name, ", ".join(ms), detail))
            if vacuous_models:
                vacuous_fixed.append((scn, lib, vacuous_models))
                if claims.get(lib):
                    problems.append("%s: claims to catch %s on %s, but is vacuous on %s (memory %s): %s" % (
                        scn, words(claims[lib]), lib, name, ", ".join(vacuous_models), VACUOUS_WHY))
                else:
                    problems.append("%s: vacuous on %s (memory %s), so its clean means nothing: %s" % (
                        scn, name, ", ".join(vacuous_models), VACUOUS_WHY))
            if row["verdict"] == "violation":
                if mut == FIXED:
                    problems.append("%s: the fixed build of %s is flagged (invariant %s)%s" % (
                        scn, lib, row["invariant"], (": " + crash_note(row)) if row.get("crash") else ""))
                else:
                    catches[lib].add(mut)
                    caught_by[name].append(scn)
                    # the report shown is the scenario named after the mutant, if it catches it
                    if name not in first_catch or scn == mut.replace("_", "-") + ".scn":
                        first_catch[name] = (v, path, row)
            elif row["verdict"] == "vacuous" and mut != FIXED:
                vacuous_on[lib].add(mut)
        for lib in libs:
            if lib in claims:
                if claims[lib] != catches[lib]:
                    missed = sorted(claims[lib] & vacuous_on[lib])
                    problems.append("%s: %s claims %s, it catches %s on %s%s" % (
                        scn, claim_line(lib), words(claims[lib]), words(catches[lib]), lib,
                        "; vacuous on %s: %s" % (" ".join(missed), VACUOUS_WHY) if missed else ""))
            elif lib == REFERENCE:
                problems.append("%s: no `# catches:` header (the mutants of %s it catches: %s)" % (
                    scn, REFERENCE, words(catches[lib])))
        catches_of[scn] = {lib: sorted(catches[lib]) for lib in libs}
        claims_of[scn] = {lib: sorted(c) for lib, c in claims.items()}
    for name, scs in caught_by.items():
        if not scs:
            problems.append("mutant %s is caught by no scenario" % name)

    reports = {}
    for name, (v, path, _) in first_catch.items():
        rc, out, err = run(bins[v], path, False)
        reports[name] = out + err

    # Per library, fixed build and mutants apart: runs under each scenario's own model.
    counts = {}
    for lib in libs:
        for part in (FIXED, "mutants"):
            rs = [r for r in rows if r["library"] == lib and (r["mutant"] == FIXED) == (part == FIXED)]
            c = {k: sum(r["verdict"] == k for r in rs) for k in ("violation", "clean", "vacuous", "error", "skipped")}
            c["ran"] = len(rs) - c["skipped"]
            c["crashes"] = sum(r["verdict"] == "violation" and bool(r.get("crash")) for r in rs)
            counts.setdefault(lib, {})[part] = c
    # clean on every scenario it runs, under every model; skipped ones are not counted as clean
    fixed_clean = {lib: not any(r["library"] == lib and r["mutant"] == FIXED and
                                any(x not in ("clean", "skipped") for x in r["models"].values())
                                for r in rows) for lib in libs}
    if a.json:
        json.dump({"variants": [vname(*v) for v in variants], "libraries": {lib: mutants[lib] for lib in libs},
                   "rows": rows, "caught_by": caught_by, "catches": catches_of, "claims": claims_of,
                   "counts": counts, "vacuous_on_fixed": [{"scenario": s, "library": l, "memory": m}
                                                          for s, l, m in vacuous_fixed],
                   "fixed_clean": fixed_clean, "reports": reports, "problems": problems, "ok": not problems},
                  sys.stdout, indent=1)
        print()
    else:
        w = max([len("variant")] + [len(vname(*v)) for v in variants])
        s = max([len("scenario")] + [len(x) for x in scns])
        mw = max(len("/".join(MODELS)), len(MODELS))
        fmt = "%%-%ds %%-%ds %%-9s %%-9s %%-5s %%-%ds %%s" % (w, s, mw)
        print(fmt % ("variant", "scenario", "verdict", "invariant", "step", "/".join(MODELS), "note"))
        for r in rows:
            per_model = "".join(MODEL_MARK.get(r["models"].get(m), "!") for m in MODELS)
            note = crash_note(r) or ("the peer could not act" if r["verdict"] == "vacuous" else "")
            print((fmt % (r["variant"], r["scenario"], r["verdict"], r["invariant"] if r["invariant"] else "-",
                          r["step"] if r["step"] is not None else "-", per_model, note[:100])).rstrip())
        print("(per model: V violation, . clean, v vacuous: the peer could not act, - skipped: no table of that "
              "version, ! error)")
        print()
        print("what each scenario catches, per library (claims: `# catches[ LIB]:`)")
        for scn in scns:
            parts = []
            for lib in libs:
                got = words(catches_of[scn][lib])
                claim = claims_of[scn].get(lib)
                mark = "" if claim is None else (" (claim holds)" if set(claim) == set(catches_of[scn][lib])
                                                 else " (CLAIM: %s)" % words(claim))
                parts.append("%s: %s%s" % (lib, got, mark))
            print("%-*s %s" % (s, scn, " | ".join(parts)))
        print()
        for name, scs in caught_by.items():
            print("mutant %-*s caught by %d scenario(s)%s" % (w, name, len(scs), (": " + " ".join(scs)) if scs else ""))
        print()
        print("runs per library, each scenario under its own memory model (skipped: no table of that version, "
              "or for a frontend not a scenario of its device; never counted as clean)")
        for lib in libs:
            for part in (FIXED, "mutants"):
                c = counts[lib][part]
                label = vname(lib, FIXED) if part == FIXED else "%s/* (%d mutants)" % (lib, len(mutants[lib]))
                print("  %-*s ran %4d: %4d violation%s, %4d clean, %3d vacuous, %3d error; %4d skipped" % (
                    w + 14, label, c["ran"], c["violation"],
                    " (%d crash%s)" % (c["crashes"], "es" if c["crashes"] != 1 else "") if c["crashes"] else "",
                    c["clean"], c["vacuous"], c["error"], c["skipped"]))
        for lib in libs:
            c = counts[lib][FIXED]
            bad = sum(r["library"] == lib and r["mutant"] == FIXED and
                      any(x not in ("clean", "skipped") for x in r["models"].values()) for r in rows)
            print("%s: %s under memory %s%s" % (
                vname(lib, FIXED), "clean on all %d scenario(s) it runs" % c["ran"] if fixed_clean[lib] else
                "NOT clean: %d of %d scenario(s) flagged, vacuous or failed" % (bad, c["ran"]), ", ".join(MODELS),
                "; %d skipped (%s), not counted as clean" % (c["skipped"], "not a scenario of its device" if lib in FRONTS
                                                              else "no table of that version") if c["skipped"] else ""))
        if vacuous_fixed:
            print("vacuous on a fixed build (%s):" % VACUOUS_WHY)
            for scn, lib, ms in vacuous_fixed:
                print("  %s on %s (memory %s)" % (scn, vname(lib, FIXED), ", ".join(ms)))
        for name in caught_by:
            if name in reports:
                v, path, row = first_catch[name]
                print("\n===== mutant %s caught by %s =====" % (name, os.path.basename(path)))
                if row.get("crash"):
                    c = row["crash"]
                    print("the library crashed (%s); its last message: %s" % (
                        c.get("signal") or "?", (c.get("last_log") or "").strip() or "(none)"))
                print(reports[name].rstrip())
        for p in problems:
            print("PROBLEM: " + p)
    if a.tap:
        for p in [p for p in problems if not any(p.startswith(x + ":") or p.startswith(x + " on ") for x in scns)
                  and not p.startswith("mutant ")]:
            print("not ok - %s" % p, file=say)
        for name, scs in caught_by.items():
            print("%s - mutant %s is caught (%d scenario(s))" % ("ok" if scs else "not ok", name, len(scs)), file=say)
        for lib in libs:
            c = counts[lib][FIXED]
            print("%s - %s is clean on every scenario it runs (%d run, %d vacuous, %d skipped)" % (
                "ok" if fixed_clean[lib] else "not ok", vname(lib, FIXED), c["ran"], c["vacuous"], c["skipped"]),
                file=say)
        for scn in scns:
            bad = [p for p in problems if p.startswith(scn + ":") or p.startswith(scn + " on ")]
            checked = [lib for lib in libs if lib in claims_of[scn]]
            print("%s - %s: fixed builds clean and not vacuous, claims hold (%s)%s" % (
                "not ok" if bad else "ok", scn, ", ".join(checked) or "none checked",
                (" (" + "; ".join(bad) + ")") if bad else ""), file=say)
    nvac = len(vacuous_fixed)
    print("reproduce: %d scenario(s) x %d variant(s) of %d librar%s (%s): %s" % (
        len(scns), len(variants), len(libs), "y" if len(libs) == 1 else "ies", ", ".join(libs),
        "every mutant caught, every claim holds, every fixed build clean, none vacuous"
        if not problems else "%d problem(s)%s" % (len(problems), ", %d vacuous on a fixed build" % nvac if nvac else "")),
        file=say)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
