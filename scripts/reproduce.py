#!/usr/bin/env python3
"""Reproduce the advisory and its relatives: run every corpus scenario on the fixed library and on
every mutant of grants/, print a table (build, scenario, verdict, invariant, step of detection) and,
for each caught mutant, the readable report of its first catch.

Exit 0 only if every mutant is caught by at least one scenario, every scenario's
`# catches: <mutant names>` header is exactly the set of mutants it catches (`none`: it catches
nothing), and the fixed library is clean on every scenario. Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MUTANT_RE = re.compile(r'^MUTANT\((\d+),\s*([a-z0-9_]+),')
CATCHES_RE = re.compile(r'^#\s*catches:\s*(.*)$')
RUN_TIMEOUT = 60


def mutants():
    """[(id, name)] from grants/mutants.def, the fixed library (0, none) first."""
    out = [(0, "none")]
    with open(os.path.join(ROOT, "grants", "mutants.def")) as f:
        for line in f:
            m = MUTANT_RE.match(line)
            if m:
                out.append((int(m.group(1)), m.group(2)))
    return out


def claimed(path):
    """The set named by the `# catches:` header, or None if the file has none."""
    with open(path, errors="replace") as f:
        for line in f:
            m = CATCHES_RE.match(line.strip())
            if m:
                names = m.group(1).split("#")[0].split()
                return set() if names == ["none"] else set(names)
    return None


def run(binary, scn, json_out):
    # the readable report runs on after the detection, so it shows what the peer then did
    args = [binary, "run", scn] + (["--json"] if json_out else ["--keep-going"])
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=RUN_TIMEOUT, errors="replace")
    except subprocess.TimeoutExpired:
        return None, "timed out after %ds" % RUN_TIMEOUT
    return p.returncode, p.stdout + p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "world"), help="gntworld build directory")
    ap.add_argument("--scenarios", default=os.path.join(ROOT, "corpora", "scenarios"))
    ap.add_argument("--json", action="store_true", help="one JSON document on stdout")
    ap.add_argument("--tap", action="store_true", help="also print TAP lines (ok / not ok) per check")
    ap.add_argument("--no-build", action="store_true", help="do not run make first")
    a = ap.parse_args()

    builds = mutants()
    bins = {mid: os.path.join(a.build, "m%d" % mid, "gntworld") for mid, _ in builds}
    if not a.no_build:
        targets = [os.path.relpath(b, ROOT) for b in bins.values()]
        p = subprocess.run(["make", "--no-print-directory", "-s", "-j2"] + targets, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode:
            sys.stderr.write(p.stderr)
            print("reproduce: building the gntworld variants failed", file=sys.stderr)
            return 2
    for mid, b in bins.items():
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

    rows, problems, first_catch = [], [], {}
    caught_by = {name: [] for _, name in builds[1:]}
    for scn in scns:
        path = os.path.join(a.scenarios, scn)
        catches = set()
        for mid, name in builds:
            rc, out = run(bins[mid], path, True)
            row = {"build": name, "mutant": mid, "scenario": scn, "verdict": "error",
                   "invariant": None, "step": None}
            if rc in (0, 1):
                try:
                    d = json.loads(out.strip().splitlines()[-1])
                    row.update(verdict=d["verdict"], invariant=d.get("invariant"),
                               step="end" if d.get("at_end") else d.get("step"),
                               message=d.get("message"))
                except (ValueError, IndexError, KeyError):
                    row["detail"] = out.strip()[-300:]
            else:
                row["detail"] = (out or "").strip()[-300:] or "exit %s" % rc
            rows.append(row)
            if row["verdict"] == "error":
                problems.append("%s on %s: gntworld failed: %s" % (scn, name, row.get("detail")))
            elif row["verdict"] == "violation":
                if mid == 0:
                    problems.append("%s: the fixed library is flagged (invariant %s)" % (scn, row["invariant"]))
                else:
                    catches.add(name)
                    caught_by[name].append(scn)
                    # the report shown is the scenario named after the mutant, if it catches it
                    if name not in first_catch or scn == name.replace("_", "-") + ".scn":
                        first_catch[name] = (mid, path)
        claim = claimed(path)
        if claim is None:
            problems.append("%s: no `# catches:` header" % scn)
        elif claim != catches:
            problems.append("%s: header claims %s, catches %s" % (
                scn, " ".join(sorted(claim)) or "none", " ".join(sorted(catches)) or "none"))
    for name, scs in caught_by.items():
        if not scs:
            problems.append("mutant %s is caught by no scenario" % name)

    reports = {}
    for name, (mid, path) in first_catch.items():
        rc, out = run(bins[mid], path, False)
        reports[name] = out

    if a.json:
        json.dump({"rows": rows, "caught_by": caught_by, "reports": reports, "problems": problems,
                   "ok": not problems}, sys.stdout, indent=1)
        print()
    else:
        print("%-16s %-36s %-10s %-9s %s" % ("build", "scenario", "verdict", "invariant", "step"))
        for r in rows:
            print("%-16s %-36s %-10s %-9s %s" % (r["build"], r["scenario"], r["verdict"],
                                                 r["invariant"] if r["invariant"] else "-",
                                                 r["step"] if r["step"] is not None else "-"))
        print()
        for name, scs in caught_by.items():
            print("mutant %-16s caught by %d scenario(s)%s" % (name, len(scs), (": " + " ".join(scs)) if scs else ""))
        print("fixed library: %s on %d scenario(s)" % (
            "clean" if not any(r["mutant"] == 0 and r["verdict"] != "clean" for r in rows) else "NOT clean", len(scns)))
        for name in caught_by:
            if name in reports:
                print("\n===== mutant %s caught by %s =====" % (name, os.path.basename(first_catch[name][1])))
                print(reports[name].rstrip())
        for p in problems:
            print("PROBLEM: " + p)
    if a.tap:
        out = sys.stderr if a.json else sys.stdout
        for name, scs in caught_by.items():
            print("%s - mutant %s is caught (%d scenario(s))" % ("ok" if scs else "not ok", name, len(scs)), file=out)
        for scn in scns:
            bad = [p for p in problems if p.startswith(scn + ":") or p.startswith(scn + " on")]
            print("%s - %s: fixed library clean, `# catches:` claim holds%s" % (
                "not ok" if bad else "ok", scn, (" (" + "; ".join(bad) + ")") if bad else ""), file=out)
    print("reproduce: %d scenario(s) x %d build(s): %s" % (
        len(scns), len(builds), "every mutant caught, every claim holds, fixed library clean"
        if not problems else "%d problem(s)" % len(problems)), file=sys.stderr if a.json else sys.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
