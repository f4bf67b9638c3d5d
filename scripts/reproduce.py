#!/usr/bin/env python3
"""Reproduce the advisory and its relatives: run every corpus scenario on every variant (the fixed
build and every mutant of every grant library under test), print a table (variant LIB/MUTANT,
scenario, verdict, invariant, step of detection) and, for each caught mutant, the readable report of
its first catch.

The variants are what `make list-variants` prints (one "LIBRARY MUTANT" line each; `fixed` is the
unmutated build); the binaries are build/world/LIBRARY/MUTANT/gntworld.

Claims, in each scenario's comment lines:
  # catches: a b c          the exact set of mutants of the reference library `grants` it catches
  # catches LIB: a b        the exact set for library LIB
  (`none`: it catches nothing). A library without a line of its own gets no exact-set check; the
  plain `# catches:` line is required while `grants` is under test.

Every scenario also runs under each CPU memory model (`gntworld run --memory sc|tso|arm`): the
table shows a verdict per model (V violation, . clean, - unsupported, ! error). Claims are about the
model the scenario's own config names (sc unless `memory tso|arm`); a fixed build must be clean
under every model.

Exit 0 only if every claim holds, every mutant of every library is caught by at least one scenario,
every fixed build is clean on every scenario under every model, and no run failed. A scenario whose grant-table
version the library does not support (`gntworld about`; gntworld exits 3) is "unsupported" there:
not run, caught by none of its mutants.
Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = "grants"          # the library the plain `# catches:` line is about
FIXED = "fixed"
CATCHES_RE = re.compile(r'^#\s*catches(?:\s+([A-Za-z0-9_.+-]+))?\s*:\s*(.*)$')
NAME_RE = re.compile(r'^[A-Za-z0-9_.+-]+$')
RUN_TIMEOUT = 60


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
    """(claims {library: set}, header problems [str], grant-table version, memory model)."""
    claims, problems, version, memory = {}, [], 1, "sc"
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
    return claims, problems, version, memory


def run(binary, scn, json_out, memory=None):
    # the readable report runs on after the detection, so it shows what the peer then did
    args = [binary, "run", scn] + (["--json"] if json_out else ["--keep-going"])
    args += ["--memory", memory] if memory else []
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=RUN_TIMEOUT, errors="replace")
    except subprocess.TimeoutExpired:
        return None, "timed out after %ds" % RUN_TIMEOUT
    return p.returncode, p.stdout + p.stderr


MODELS = []                     # gntworld --memory names, in config order: asked of gntworld
MODEL_MARK = {"violation": "V", "clean": ".", "unsupported": "-"}


def judge(binary, path, model):
    """One run's verdict under one memory model: {verdict, invariant, step, message | detail}."""
    r = {"verdict": "error", "invariant": None, "step": None}
    rc, out = run(binary, path, True, model)
    if rc == 3:   # gntworld's own word: no grant table of this version in the library
        r["verdict"] = "unsupported"
        r["detail"] = (out or "").strip()[-300:]
    elif rc in (0, 1):
        try:
            d = json.loads(out.strip().splitlines()[-1])
            r.update(verdict=d["verdict"], invariant=d.get("invariant"),
                     step="end" if d.get("at_end") else d.get("step"), message=d.get("message"))
        except (ValueError, IndexError, KeyError, AttributeError):
            r["detail"] = out.strip()[-300:]
    else:
        r["detail"] = (out or "").strip()[-300:] or "exit %s" % rc
    return r


def words(names):
    return " ".join(sorted(names)) or "none"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
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
    rows, first_catch = [], {}
    caught_by = {vname(lib, m): [] for lib in libs for m in mutants[lib]}
    catches_of, claims_of = {}, {}
    for scn in scns:
        path = os.path.join(a.scenarios, scn)
        claims, header_problems, version, own_model = read_scenario(path)
        problems.extend("%s: %s" % (scn, p) for p in header_problems)
        catches = {lib: set() for lib in libs}
        for v in variants:
            lib, mut = v
            name = vname(lib, mut)
            row = {"library": lib, "mutant": mut, "variant": name, "scenario": scn, "verdict": "error",
                   "invariant": None, "step": None}
            if version not in info[v]["versions"]:
                row["verdict"] = "unsupported"
                row["detail"] = "library %s has no grant table version %d" % (lib, version)
                rows.append(row)
                continue
            for model in MODELS:
                r = judge(bins[v], path, model)
                row.setdefault("models", {})[model] = r["verdict"]
                if model == own_model:
                    row.update(r)
                elif mut == FIXED and r["verdict"] == "violation":
                    problems.append("%s: the fixed build of %s is flagged under memory %s (invariant %s)" % (
                        scn, lib, model, r["invariant"]))
                elif r["verdict"] not in ("clean", "violation", "unsupported"):
                    problems.append("%s on %s: gntworld failed under memory %s: %s" % (scn, name, model, r.get("detail")))
            rows.append(row)
            if row["verdict"] == "violation":
                if mut == FIXED:
                    problems.append("%s: the fixed build of %s is flagged (invariant %s)" % (scn, lib, row["invariant"]))
                else:
                    catches[lib].add(mut)
                    caught_by[name].append(scn)
                    # the report shown is the scenario named after the mutant, if it catches it
                    if name not in first_catch or scn == mut.replace("_", "-") + ".scn":
                        first_catch[name] = (v, path)
            elif row["verdict"] not in ("clean", "unsupported"):
                problems.append("%s on %s: gntworld failed: %s" % (scn, name, row.get("detail")))
        for lib in libs:
            if lib in claims:
                if claims[lib] != catches[lib]:
                    problems.append("%s: `# catches%s:` claims %s, it catches %s on %s" % (
                        scn, "" if lib == REFERENCE else " " + lib, words(claims[lib]), words(catches[lib]), lib))
            elif lib == REFERENCE:
                problems.append("%s: no `# catches:` header (the mutants of %s it catches: %s)" % (
                    scn, REFERENCE, words(catches[lib])))
        catches_of[scn] = {lib: sorted(catches[lib]) for lib in libs}
        claims_of[scn] = {lib: sorted(c) for lib, c in claims.items()}
    for name, scs in caught_by.items():
        if not scs:
            problems.append("mutant %s is caught by no scenario" % name)

    reports = {}
    for name, (v, path) in first_catch.items():
        rc, out = run(bins[v], path, False)
        reports[name] = out

    fixed_clean = {lib: not any(r["library"] == lib and r["mutant"] == FIXED and
                                any(x not in ("clean", "unsupported") for x in r.get("models", {"?": r["verdict"]}).values())
                                for r in rows) for lib in libs}
    if a.json:
        json.dump({"variants": [vname(*v) for v in variants], "libraries": {lib: mutants[lib] for lib in libs},
                   "rows": rows, "caught_by": caught_by, "catches": catches_of, "claims": claims_of,
                   "fixed_clean": fixed_clean, "reports": reports, "problems": problems, "ok": not problems},
                  sys.stdout, indent=1)
        print()
    else:
        w = max([len("variant")] + [len(vname(*v)) for v in variants])
        s = max([len("scenario")] + [len(x) for x in scns])
        fmt = "%%-%ds %%-%ds %%-11s %%-9s %%-5s %%s" % (w, s)
        print(fmt % ("variant", "scenario", "verdict", "invariant", "step", "/".join(MODELS)))
        for r in rows:
            per_model = "".join(MODEL_MARK.get(r.get("models", {}).get(m), "!") for m in MODELS)
            print(fmt % (r["variant"], r["scenario"], r["verdict"], r["invariant"] if r["invariant"] else "-",
                         r["step"] if r["step"] is not None else "-", per_model))
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
        for lib in libs:
            print("%s: %s on %d scenario(s) under memory %s" % (vname(lib, FIXED), "clean" if fixed_clean[lib] else "NOT clean",
                                                               len(scns), ", ".join(MODELS)))
        for name in caught_by:
            if name in reports:
                print("\n===== mutant %s caught by %s =====" % (name, os.path.basename(first_catch[name][1])))
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
            print("%s - %s is clean on every scenario" % ("ok" if fixed_clean[lib] else "not ok", vname(lib, FIXED)),
                  file=say)
        for scn in scns:
            bad = [p for p in problems if p.startswith(scn + ":") or p.startswith(scn + " on ")]
            checked = [lib for lib in libs if lib in claims_of[scn]]
            print("%s - %s: fixed builds clean, claims hold (%s)%s" % (
                "not ok" if bad else "ok", scn, ", ".join(checked) or "none checked",
                (" (" + "; ".join(bad) + ")") if bad else ""), file=say)
    print("reproduce: %d scenario(s) x %d variant(s) of %d librar%s (%s): %s" % (
        len(scns), len(variants), len(libs), "y" if len(libs) == 1 else "ies", ", ".join(libs),
        "every mutant caught, every claim holds, every fixed build clean"
        if not problems else "%d problem(s)" % len(problems)), file=say)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
