#!/usr/bin/env python3
"""fuzz_merge - one report of one campaign run on several hosts (`make fuzz-merge`,
`fuzz_campaign.py --merge DIR...`).

Each host ran `make fuzz` with the same --sync-dir, its own --host-id and campaign directory (AFL++
shared the inputs through the sync directory). The merge reads every host's campaign.json: its
findings, already triaged by that host (one not triaged yet is replayed here), are grouped by the
same root cause as within one campaign (invariant and the library's innermost frame), and one
input found by two hosts is one finding; a root cause any host was told is known (`--known`) is
counted as known, not reported as new. Coverage: the target's llvm-cov build runs over each
host's corpus (its own AFL++ instances' queues, its libFuzzer corpus) and over all of them
together, so the merged figure is the union, not a sum.

Writes build/fuzz/campaigns/merged-<time>/report.md and report.json. Exit status: 0, 1 when a
fixed library had findings, 2 on bad input (one line on stderr).
"""
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness" / "fuzz"))
import fuzzcommon as fc  # noqa: E402
import fuzz_campaign as fcamp  # noqa: E402

PROG = "fuzz_merge"


def load(d):
    """A campaign directory as a Campaign (its config and findings), or a one-line error."""
    d = Path(d)
    if not (d / "campaign.json").is_file():
        raise fc.FuzzError(f"{d}: not a campaign directory (no campaign.json)")
    c = fcamp.Campaign(d, {})
    try:
        c.load_state()
        for k in ("target", "engine", "jobs"):
            c.cfg[k]  # noqa: B018 (a campaign.json without them is not one)
    except (OSError, ValueError, KeyError) as e:
        raise fc.FuzzError(f"{d}/campaign.json is unreadable ({e})")
    c.cfg.setdefault("host_id", c.dir.name)
    return c


def corpus_dirs(c):
    dirs = [c.dir / "corpus"] if c.cfg["engine"] != "afl" else []
    if c.cfg["engine"] != "libfuzzer":
        dirs += [d / "queue" for d in c.afl_dirs()]
    return [d for d in dirs if d.is_dir()]


def replay(binp, files, profdir):
    """Run files through the coverage build, each profile to its own file. An input that
    violates an invariant aborts the run before its profile is written (a mutant's queue keeps
    the crashing seeds AFL++ skipped): such a run is split in halves until the crashing inputs
    stand alone; they count as not run. -> the number of inputs that ran."""
    if not files:
        return 0
    r = subprocess.run([str(binp), *map(str, files)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={"LLVM_PROFILE_FILE": f"{profdir}/%p.profraw"})
    if r.returncode == 0:
        return len(files)
    if len(files) == 1:
        return 0
    half = len(files) // 2
    return replay(binp, files[:half], profdir) + replay(binp, files[half:], profdir)


def coverage(binp, dirs):
    """Lines covered by replaying every input of `dirs` on the llvm-cov build: (all files but
    the fuzz harness's, the library's own) as (covered, count)."""
    files = sorted(p for d in dirs for p in d.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        return {"lines": [0, 0], "library_lines": [0, 0], "inputs": 0, "ran": 0}
    with tempfile.TemporaryDirectory(prefix="gntfuzz-merge-") as tmp:
        ran = replay(binp, files, tmp)
        raws = sorted(Path(tmp).glob("*.profraw"))
        if not raws:
            raise fc.FuzzError(f"{fc.rel(binp)} wrote no profile for {len(files)} inputs")
        prof = Path(tmp) / "all.profdata"
        subprocess.run(["llvm-profdata", "merge", "-sparse", "-o", str(prof), *map(str, raws)], check=True)
        ex = subprocess.run(["llvm-cov", "export", str(binp), f"-instr-profile={prof}", "-summary-only",
                             r"-ignore-filename-regex=harness/fuzz/|/usr/"], stdout=subprocess.PIPE, text=True,
                            check=True)
    data = json.loads(ex.stdout)["data"][0]
    tot = data["totals"]["lines"]
    lib = [f["summary"]["lines"] for f in data["files"] if fc.is_target_file(f["filename"])]
    return {"lines": [tot["covered"], tot["count"]],
            "library_lines": [sum(x["covered"] for x in lib), sum(x["count"] for x in lib)],
            "inputs": len(files), "ran": ran}


def pct(pair):
    return f"{pair[0]}/{pair[1]} ({100 * pair[0] / pair[1]:.1f}%)" if pair[1] else "-"


def main(dirs):
    try:
        fc.require_tool("llvm-profdata", "llvm")
        fc.require_tool("llvm-cov", "llvm")
        cs = [load(d) for d in dirs]
        if len({c.dir for c in cs}) != len(cs):
            raise fc.FuzzError("a campaign directory is named twice")
        what = {(c.cfg["target"], c.cfg.get("library"), c.cfg.get("mutant")) for c in cs}
        if len(what) != 1:
            raise fc.FuzzError("the campaigns fuzzed different targets or variants: "
                               + ", ".join(f"{fc.rel(c.dir)}: {c.cfg['target']} {fcamp.variant_name(c.cfg)}" for c in cs))
        hosts = [c.cfg["host_id"] for c in cs]
        if len(set(hosts)) != len(hosts):
            raise fc.FuzzError(f"two campaigns have one host id ({' '.join(hosts)}): each host needs its own")
        ref = cs[0]
        cov_bin = ref.binary("cov")
        fc.build([ref.binary("libfuzzer"), cov_bin])
    except fc.FuzzError as e:
        fc.die(PROG, e)

    # Findings: one input is one finding, whichever hosts saved it; one root cause is one group.
    by_hash, groups = {}, {}
    for c in cs:
        host = c.cfg["host_id"]
        for f in c.findings:
            path = c.dir / f["file"]
            if f["inv"] == "untriaged" and path.exists():  # the host's driver died before replaying it
                c.triage(f, *c.classify_file(path))
            entry = by_hash.setdefault(f.get("sha1") or fc.file_hash(path), {"hosts": [], "ids": [], "f": f, "c": c})
            entry["hosts"].append(host)
            entry["ids"].append(f"{host}:{f['id']}")  # each host's own copy of the input is a member
    for h, e in by_hash.items():
        f, c = e["f"], e["c"]
        g = groups.setdefault(f["group"], {"invariant": f["inv"], "signature": f["sig"], "headline": f["headline"],
                                           "findings": 0, "hosts": {}, "first_seen_s": {}, "members": [], "rep": None})
        g["findings"] += 1
        for host in e["hosts"]:
            g["hosts"][host] = g["hosts"].get(host, 0) + 1
        g["first_seen_s"][c.cfg["host_id"]] = min(g["first_seen_s"].get(c.cfg["host_id"], f["t"]), f["t"])
        g["members"] += e["ids"]
        size = (c.dir / f["file"]).stat().st_size
        if g["rep"] is None or size < g["rep"][0]:
            g["rep"] = (size, c, f)
    known = set().union(*(c.known_groups() for c in cs))
    out_groups = []
    for key, g in sorted(groups.items(), key=lambda kv: min(kv[1]["first_seen_s"].values())):
        _, c, f = g.pop("rep")
        g["known"] = key in known
        scn = c.dir / "findings" / f"{f['id']}.scn"
        g["scenario"] = scn.read_text() if scn.exists() else fc.readable(c.cfg["target"], c.dir / f["file"])
        g["input"] = str(c.dir / f["file"])
        out_groups.append(g)

    # Coverage: each host's corpus, then all of them at once.
    try:
        per_host = {c.cfg["host_id"]: coverage(cov_bin, corpus_dirs(c)) for c in cs}
        merged = coverage(cov_bin, [d for c in cs for d in corpus_dirs(c)])
    except (fc.FuzzError, subprocess.CalledProcessError, ValueError, KeyError) as e:
        fc.die(PROG, f"coverage: {e}")

    odir = fcamp.CAMPAIGNS / time.strftime("merged-%Y%m%d-%H%M%S", time.gmtime())
    while odir.exists():
        odir = Path(str(odir) + "x")
    odir.mkdir(parents=True)
    rows = []
    for c in cs:
        rep = {}
        if (c.dir / "report.json").exists():
            try:
                rep = json.loads((c.dir / "report.json").read_text())["summary"]
            except (OSError, ValueError, KeyError):
                rep = {}
        rows.append({"host": c.cfg["host_id"], "role": c.cfg.get("role", "-"), "engine": c.cfg["engine"],
                     "campaign": str(c.dir), "sync_dir": c.cfg.get("sync_dir"), "elapsed_s": c.cfg.get("elapsed", 0),
                     "execs": rep.get("execs", 0), "findings": len(c.findings),
                     "unique": len(c.roots), "coverage": per_host[c.cfg["host_id"]]})
    roots = [g for g in out_groups if g["invariant"] not in ("untriaged", "flaky")]
    summary = {"target": ref.cfg["target"], "variant": fcamp.variant_name(ref.cfg), "hosts": rows,
               "findings": len(by_hash), "unique": len(roots), "new": sum(not g["known"] for g in roots),
               "known": sum(g["known"] for g in roots), "coverage": merged}
    known_list = {f"{k['invariant']}/{k['signature']}": k for c in cs for k in c.cfg.get("known") or []}
    (odir / "report.json").write_text(json.dumps({"summary": summary, "groups": out_groups,
                                                  "known": list(known_list.values())}, indent=1))
    md = [f"# Merged campaign: {ref.cfg['target']} on {summary['variant']}, {len(cs)} hosts", "",
          "| host | role | engine | time | execs | findings | unique | lines covered | library lines covered |",
          "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['host']} | {r['role']} | {r['engine']} | {r['elapsed_s']}s | {r['execs']} | {r['findings']} | "
                  f"{r['unique']} | {pct(r['coverage']['lines'])} | {pct(r['coverage']['library_lines'])} |")
    md.append(f"| **all hosts** | | | | {sum(r['execs'] for r in rows)} | {len(by_hash)} | {len(out_groups)} | "
              f"{pct(merged['lines'])} | {pct(merged['library_lines'])} |")
    md += ["", f"Coverage: the llvm-cov build over every host's corpus ({merged['inputs']} inputs together, "
           f"{merged['inputs'] - merged['ran']} of them left out because they crash); a finding is counted once "
           "however many hosts saved the same input.", ""]
    reported = [g for g in out_groups if not g["known"]]
    if not reported:
        md.append("No new findings." if known else "No findings.")
    for i, g in enumerate(reported, 1):
        found_by = ", ".join(f"{h} x{n} (first at {g['first_seen_s'].get(h, '-')}s)" for h, n in g["hosts"].items())
        md += [f"## Finding {i}: {g['invariant']} ({g['findings']} input(s))", "",
               f"- signature: `{g['signature']}`", f"- what: {g['headline'] or '-'}", f"- found by: {found_by}",
               f"- input: `{g['input']}`", "", "```", g["scenario"].rstrip(), "```", ""]
    again = [g for g in out_groups if g["known"]]
    if again:
        md += ["## Known root causes seen again (not reported)", "", "| invariant | signature | inputs | hosts |",
               "|---|---|---|---|"]
        md += [f"| {g['invariant']} | `{g['signature']}` | {g['findings']} | {' '.join(sorted(g['hosts']))} |"
               for g in again]
    (odir / "report.md").write_text("\n".join(md) + "\n")
    for g in out_groups:
        print(f"  {g['invariant']:<28} x{g['findings']:<4} {g['signature']}  hosts: {' '.join(sorted(g['hosts']))}"
              + ("  (known)" if g["known"] else ""))
    kn = f": {summary['new']} new, {summary['known']} known" if known else ""
    print(f"{PROG}: {len(cs)} hosts, {len(by_hash)} finding(s), {summary['unique']} unique{kn}; lines covered "
          f"{pct(merged['lines'])} together ({', '.join(h + ' ' + pct(v['lines']) for h, v in per_host.items())}); "
          f"report {fc.rel(odir / 'report.md')}", flush=True)
    unknown = summary["new"] + sum(g["invariant"] in ("untriaged", "flaky") for g in out_groups)
    return 1 if (unknown and ref.cfg.get("mutant") in (fc.FIXED, None)) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
