#!/usr/bin/env python3
"""test-fuzz-campaign: `make fuzz` end to end, both directions, and resuming after any death.

1. A short campaign with `make fuzz`'s default engine (what `make bench-engines` chose) on
   grants/msa02 finds it as exactly one finding (one bug, one group, whatever the inputs), with a
   minimized input and a readable scenario that replays the violation through gntworld, and
   coverage.svg is a real plot. It ran the world in continue mode (findings from the world's
   directory, one per root cause), its live unique count never went down, and the minimized
   scenario has no no-op step: without any one of its steps, or any one `at K` prefix, the
   finding is gone.
1b. Known root causes, both directions: a campaign given the first one's report (`--known`) counts
   the bug as known and reports nothing new (exit 0, "No new findings"), and its report carries the
   known list on; given a report of another root cause it reports the bug as new. A bad --known is
   one error line. Counting without engines: triage in any order, untriaged and flaky inputs
   between, the unique count only grows (the old count, groups of all findings, went down), known
   ones are told apart, and a resumed campaign keeps it. The step minimizer on known noisy inputs
   (grants/xsa396, grants/msa02): three steps left, the `at 1` the race needs kept, an `at K` whose
   point never comes dropped, and no no-op step.
2. A campaign on a fixed library, interrupted half-way (SIGTERM), keeps its state; `--resume`
   finishes the budget and reports zero findings.
3. An AFL++ campaign on grants/msa02 whose driver is SIGKILLed at --kills random moments (default
   3) resumes with `--resume DIR` each time, with no clean-up by hand: the processes the dead
   driver left (afl-fuzz, a SIGSTOPped CmpLog target...) are ended by the resume, a process of
   another campaign is not touched, no crash input an engine saved is lost, every finding is
   triaged, and the budget is spent once.
TAP lines; exit 1 if any failed. `--kills 10 --only kill` runs the long form of part 3 alone.
"""
import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.dom.minidom
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import fuzzcommon as fc  # noqa: E402
import fuzz_campaign  # noqa: E402
from fuzz_campaign import DEFAULT_ENGINE, ENGINES  # noqa: E402

DRIVER = [sys.executable, str(fc.ROOT / "scripts" / "fuzz_campaign.py")]
failed = 0


def check(ok, name, detail=""):
    global failed
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    failed += not ok


def campaign_dir(output):
    m = re.search(r"campaign (\S*campaigns/\S+)", output)
    if not m:
        return None
    p = Path(m.group(1))
    return p if p.is_absolute() else fc.ROOT / p


def monotone(xs):
    return all(a <= b for a, b in zip(xs, xs[1:]))


def same_finding(binp, text, group):
    data = fc.encode_scenario(text)
    if data is None:
        return False
    path = fc.BUILD / "fuzz" / "campaigns" / f".test-step-{os.getpid()}.bin"
    path.write_bytes(data)
    try:
        _, out = fc.run_input(binp, path)
    finally:
        path.unlink()
    c = fc.classify(out, binp)
    return bool(c) and f"{c[0]}/{c[1]}" == group


def no_op_free(lib, mutant, g):
    """Without any one step, or any one `at K` prefix, of the minimized scenario: not the finding."""
    binp = fc.binary("libfuzzer", "world", lib, mutant)
    config, steps = fc.split_scenario(g["scenario"])
    group = f"{g['invariant']}/{g['signature']}"
    check(same_finding(binp, g["scenario"], group), f"the minimized scenario ({len(steps)} steps) is the finding")
    spare = [s for i, s in enumerate(steps) if same_finding(binp, fc.join_scenario(config, steps[:i] + steps[i + 1:]), group)]
    spare += [s for i, s in enumerate(steps) if re.match(r"at \d+ ", s) and
              same_finding(binp, fc.join_scenario(config, steps[:i] + [s.split(None, 2)[2]] + steps[i + 1:]), group)]
    check(not spare, f"it has no no-op step: each of its {len(steps)} steps and `at K` prefixes is needed", str(spare))


def found_once(lib, mutant):
    # no --engine: the default; two jobs, which every configuration can use (hybrid needs them)
    r = subprocess.run(DRIVER + ["--target", "world", "--time", "8", "--jobs", "2",
                                 "--library", lib, "--mutant", mutant], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    d = campaign_dir(r.stdout)
    check(r.returncode == 0 and d is not None and f"with {DEFAULT_ENGINE}," in r.stdout,
          f"campaign on {lib}/{mutant} runs with the default engine ({DEFAULT_ENGINE})", r.stdout[-300:])
    if not d:
        return None
    rep = json.loads((d / "report.json").read_text())
    groups = rep["groups"]
    check(len(groups) == 1 and groups[0]["invariant"] == "inv1-free-while-mapped" and rep["summary"]["untriaged"] == 0,
          f"{lib}/{mutant}: {rep['summary']['findings']} finding(s), exactly one unique "
          f"({groups[0]['signature'] if groups else '-'})", str([(g["invariant"], g["signature"]) for g in groups]))
    g = groups[0] if groups else {}
    scn = d / Path(g.get("report", "x")).with_suffix(".scn")
    check(bool(g) and (d / g["minimized"]).exists() and "target share" in g["scenario"] and scn.exists(),
          "the group: minimized input and readable scenario saved")
    if scn.exists():
        gw = fc.BUILD / "world" / lib / mutant / "gntworld"
        fc.build([gw])
        rr = subprocess.run([str(gw), "run", str(scn)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(rr.returncode == 1 and "VIOLATION free-while-mapped:" in rr.stdout,
              f"the saved scenario replays the violation with {fc.rel(gw)}", rr.stdout[-200:])
        check(f"{fc.rel(gw)} run" in (d / "report.md").read_text(), "report.md gives that replay command")
    try:
        svg = xml.dom.minidom.parse(str(d / "coverage.svg"))
        check(len(svg.getElementsByTagName("path")) == 1, "coverage.svg is a plot with a coverage line")
    except Exception as e:  # a broken file is a failed check, not a crash of the test
        check(False, "coverage.svg is a plot with a coverage line", str(e))
    check("## Finding 1" in (d / "report.md").read_text(), "report.md lists the findings")
    st = json.loads((d / "campaign.json").read_text())
    check(rep["summary"].get("continue_mode") and "continue mode" in r.stdout
          and any(f.get("source") == "world" for f in st["findings"]),
          "the world target ran in continue mode: findings taken from the world's directory "
          f"({sum(f.get('source') == 'world' for f in st['findings'])} of {len(st['findings'])})",
          str([(f.get("source"), f.get("engine_file")) for f in st["findings"]][:5]))
    live = [int(m.group(1)) for m in re.finditer(r"findings \d+ \((\d+) unique", r.stdout)]
    sampled = [s.get("unique", 0) for s in rep["samples"]]
    check(live and monotone(live) and monotone(sampled) and live[-1] == rep["summary"]["unique"],
          f"the live unique count never goes down (printed {live}, sampled {sampled[:3]}...{sampled[-3:]}) "
          f"and ends at the report's", f"{live} / {sampled}")
    if g:
        no_op_free(lib, mutant, g)
    return d


def counting():
    """The unique count, known or new, on a campaign object with made-up triage results."""
    with tempfile.TemporaryDirectory(prefix="fuzz-count-") as t:
        cdir = Path(t)
        (cdir / "findings").mkdir()
        a, b, k = ("inv1-free-while-mapped", "reclaim", "x"), ("inv3-wrong-frame", "gtab_grant_access", "y"), \
            ("inv5-lost", "msg: lost N", "z")
        c = fuzz_campaign.Campaign(cdir, {"target": "world", "engine": "libfuzzer", "jobs": 1, "time": 1,
                                          "known": [{"invariant": k[0], "signature": k[1]}]})
        order = [None, a, None, "flaky", a, b, None, k, a, b]  # None: an input not triaged yet
        new, old = [], []
        for i, what in enumerate(order):
            c.add_finding(bytes([i]), f"h{i}", f"crashes/c{i}", i)
        for f, what in list(zip(c.findings, order)) + [(f, a) for f, w in zip(c.findings, order) if w is None]:
            if what is not None:  # the second round: the inputs left untriaged turn out to be bug a
                c.triage(f, None if what == "flaky" else what, "")
            new.append(len(c.roots))
            old.append(len({x["group"] for x in c.findings}))
        check(monotone(new) and new[-1] == 3 and not monotone(old),
              f"triaged in any order: the unique count only grows ({new}); the old one went down ({old})")
        line = fuzz_campaign.progress_line(c, {}, 1, 2)
        check("3 unique: 2 new, 1 known" in line, "the progress line tells new from known", line)
        c.save_state()
        again = fuzz_campaign.Campaign(cdir, {})
        again.load_state()
        check(again.roots == c.roots, "a resumed campaign keeps its root causes and their count")


# grants/xsa396 with noise around it: a share and a write it does not need, a queued read whose
# point never comes (`at 40`: the unshare has a few points), and steps after the detection
NOISY_XSA396 = """config version 1 pages 8 refs 16 deferq 4
target share p0 rw
target share p1 rw
at 40 peer read r9
target write p1
at 1 peer map r8 rw
target unshare r8
target alloc
peer read r8
peer write r8
"""

# grants/msa02 whose map is queued for a tick whose point 50 never comes (so it runs after the tick):
# the prefix is a no-op, and once it is gone the tick is one too
QUEUED_MSA02 = """config version 1 pages 8 refs 16 deferq 4
target share p0 rw
at 50 peer map r8 rw
target tick
peer done r8
"""


def minimizer():
    """The step minimizer on known inputs, both directions: the noise goes (steps, and an `at K`
    whose point never comes), the `at 1` the race needs stays, and the result is still the finding."""
    for lib, mutant, text, kept, gone in (("grants", "xsa396", NOISY_XSA396, "at 1 peer map", "at 40"),
                                          ("grants", "msa02", QUEUED_MSA02, "peer map", "at ")):
        if (lib, mutant) not in fc.variants():
            print(f"ok - # SKIP the step minimizer: no {lib}/{mutant} here")
            continue
        minimize_one(lib, mutant, text, kept, gone)


def minimize_one(lib, mutant, noisy, kept, gone):
    with tempfile.TemporaryDirectory(prefix="fuzz-min-") as t:
        cdir = Path(t)
        (cdir / "findings").mkdir()
        c = fuzz_campaign.Campaign(cdir, {"target": "world", "engine": "libfuzzer", "library": lib, "mutant": mutant,
                                          "jobs": 1, "time": 1})
        fc.build([c.binary("libfuzzer")])
        data = fc.encode_scenario(noisy)
        c.add_finding(data, "x", "noisy", 0)
        f = c.findings[0]
        c.triage(f, *c.classify_file(cdir / f["file"]))
        t0 = time.monotonic()
        small = fuzz_campaign.minimize_steps(c, f, cdir / f["file"])
        cls, out = c.classify_file(small) if small else (None, "")
        text = fc.replay_text(out) or ""
        _, steps = fc.split_scenario(text)
        check(small and cls and f"{cls[0]}/{cls[1]}" == f["group"] and len(steps) == 3
              and any(s.startswith(kept) for s in steps) and not any(s.startswith(gone) for s in steps),
              f"{lib}/{mutant}, {len(fc.split_scenario(noisy)[1])} steps: minimized to {len(steps)} in "
              f"{time.monotonic() - t0:.1f}s ({'; '.join(steps)}): `{kept}` kept, no `{gone.strip()}` left",
              f"{f['group']} -> {cls}: {steps}")
        if small:
            no_op_free(lib, mutant, {"scenario": text, "invariant": cls[0], "signature": cls[1]})


def known(lib, mutant, first):
    """--known both ways, on the first campaign's report (a 3 s campaign each, no minimizing)."""
    rep1 = json.loads((first / "report.json").read_text())
    roots = {(g["invariant"], g["signature"]) for g in rep1["groups"]}

    def run(*extra):
        r = subprocess.run(DRIVER + ["--target", "world", "--time", "3", "--jobs", "2", "--no-minimize",
                                     "--library", lib, "--mutant", mutant, *extra], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=300)
        d = campaign_dir(r.stdout)
        return r, d, json.loads((d / "report.json").read_text()) if d and (d / "report.json").exists() else None

    r, d, rep = run("--known", str(first))
    s = rep["summary"] if rep else {}
    check(rep and r.returncode == 0 and s["new"] == 0 and s["known"] >= 1 and s["unique"] == s["known"]
          and all(g["known"] for g in rep["groups"] if g["invariant"] not in ("untriaged", "flaky")),
          f"--known <its first campaign>: {lib}/{mutant} again, {s.get('findings')} finding(s), "
          f"{s.get('known')} known, {s.get('new')} new", r.stdout[-500:])
    if rep:
        md = (d / "report.md").read_text()
        check("No new findings." in md and "## Finding" not in md and "seen again" in md
              and re.search(r"\d+ unique: 0 new, \d+ known", r.stdout),
              "report.md and the summary line report nothing new, and count the known root cause", md[:600])
        carried, _ = fuzz_campaign.load_known([d])
        check(roots <= {(k["invariant"], k["signature"]) for k in carried},
              "its report.json carries the known root causes on (a later --known starts from them too)")
    other = Path(tempfile.mkdtemp(prefix="fuzz-known-")) / "report.json"
    other.write_text(json.dumps({"summary": {"target": "world", "variant": f"{lib}/other"},
                                 "groups": [{"invariant": "inv1-free-while-mapped", "signature": "some_other_fn"}]}))
    r, d, rep = run("--known", str(other))
    s = rep["summary"] if rep else {}
    check(rep and r.returncode == 0 and s["new"] == s["unique"] >= 1 and s["known"] == 0
          and "## Finding 1" in (d / "report.md").read_text(),
          f"--known <a report of another root cause>: the bug is reported new ({s.get('new')} new, "
          f"{s.get('known')} known)", r.stdout[-500:])
    other.unlink()
    other.parent.rmdir()
    r = subprocess.run(DRIVER + ["--target", "world", "--time", "5", "--known", "/nonexistent/report.json"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 2 and len(lines) == 1 and "--known" in lines[0] and campaign_dir(r.stdout) is None,
          "a bad --known: one error line, no campaign made", r.stderr[-300:])


def interrupted_and_resumed(lib):
    p = subprocess.Popen(DRIVER + ["--target", "world", "--engine", "afl", "--time", "10", "--jobs", "1",
                                   "--library", lib], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(5)
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=120)
    d = campaign_dir(out)
    st = json.loads((d / "campaign.json").read_text()) if d and (d / "campaign.json").exists() else {}
    elapsed = st.get("config", {}).get("elapsed", 0)
    check(p.returncode == 130 and 0 < elapsed < 10, f"interrupted campaign keeps its state ({elapsed}s of 10s)",
          out[-300:])
    if d:
        r = subprocess.run(DRIVER + ["--resume", str(d)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=300)
        rep = json.loads((d / "report.json").read_text())
        check(r.returncode == 0 and rep["summary"]["elapsed_s"] >= 9.5 and rep["summary"]["findings"] == 0,
              f"--resume finishes the budget on {lib}/fixed with zero findings "
              f"({rep['summary']['elapsed_s']}s, {rep['summary']['execs']} execs)", f"rc={r.returncode} " + r.stdout[-600:])


class Driver:
    """A campaign driver whose output is read as it comes (the campaign directory is printed first)."""

    def __init__(self, args):
        self.lines = []
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(DRIVER + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line)

    def text(self):
        return "".join(self.lines)

    def kill_after(self, secs):
        """SIGKILL at t0 + secs (unless it ended by itself before): -> True if it was killed."""
        while time.monotonic() - self.t0 < secs and self.p.poll() is None:
            time.sleep(0.05)
        if self.p.poll() is not None:
            return False
        self.p.kill()
        self.p.wait()
        time.sleep(0.2)  # what PDEATHSIG does next is the dead driver's business, not ours
        return True


def killed_and_resumed(lib, mutant, kills, engine, seed):
    rng = random.Random(seed)
    budget = max(20, 3 * kills)
    print(f"# SIGKILL test: {engine} on {lib}/{mutant}, {budget}s budget, {kills} kill(s), seed {seed}", flush=True)
    drv = Driver(["--target", "world", "--engine", engine, "--time", str(budget), "--jobs", "2",
                  "--library", lib, "--mutant", mutant])
    deadline = time.monotonic() + 120
    while campaign_dir(drv.text()) is None and drv.p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    d = campaign_dir(drv.text())
    if d is None:
        drv.p.kill()
        check(False, "the campaign names its directory at once", drv.text()[-300:])
        return
    # a process of another campaign, which no resume of this one may touch
    other = fc.ROOT / "build" / "fuzz" / "campaigns" / (d.name + "-other")
    decoy = subprocess.Popen(["sleep", "600"], env=dict(os.environ, **{fc.CAMPAIGN_ENV: str(other)}))
    moments, ended, self_exits = [], [], []
    first = drv
    for k in range(kills):
        cur = drv if k == 0 else Driver(["--resume", str(d)])
        at = (time.monotonic() - cur.t0 if k == 0 else 0) + rng.uniform(0.3 if k == 0 else 0.5, 7.0)
        killed = cur.kill_after(at)
        if killed:
            moments.append(round(at, 1))
        else:
            self_exits.append((k, cur.p.returncode, cur.text()[-200:]))
        m = re.search(r"ended (\d+) process\(es\) a dead driver left: (.*)", cur.text())
        if m:
            ended.append(m.group(2).strip())
        left = fc.processes_with_env(fc.CAMPAIGN_ENV, str(d.resolve()))
        print(f"# kill {k + 1} at {round(at, 1) if killed else '- (it had ended)'}s: "
              f"{len(left)} process(es) of the campaign left running ({', '.join(n for _, _, n in left) or 'none'})",
              flush=True)
    last = Driver(["--resume", str(d)])
    try:
        last.p.wait(600)
    except subprocess.TimeoutExpired:
        last.p.kill()
    time.sleep(0.2)
    m = re.search(r"ended (\d+) process\(es\) a dead driver left: (.*)", last.text())
    if m:
        ended.append(m.group(2).strip())
    print(f"# the resumes ended what the dead drivers left: {'; '.join(ended) or 'nothing'}", flush=True)
    check(not self_exits, f"{kills} SIGKILLs at {moments} s after each (re)start", f"ended on their own: {self_exits}")
    check(last.p.returncode == 0 and "resuming at" in last.text(),
          "the last --resume runs to the end with no clean-up by hand", last.text()[-500:])
    leftovers = fc.processes_with_env(fc.CAMPAIGN_ENV, str(d.resolve()))
    check(not leftovers, "no process of the campaign is left afterwards", str(leftovers))
    check(decoy.poll() is None, "a process of another campaign was not touched")
    decoy.kill()
    decoy.wait()
    try:
        st = json.loads((d / "campaign.json").read_text())
        rep = json.loads((d / "report.json").read_text())
    except (OSError, ValueError) as e:
        check(False, "campaign.json and report.json are readable", str(e))
        return
    findings = st["findings"]
    engine_files = sorted(d.glob("afl/*/crashes*/id:*")) + sorted(d.glob("crashes/crash-*"))
    # continue mode: what the world saved, one file per root cause and engine instance (rewritten
    # by each new process of that instance: taken in once, by its path)
    world_files = sorted(d.glob("findings/world/*/inv*.scn"))
    have = {f.get("sha1") for f in findings}
    lost = [fc.rel(p) for p in engine_files if fc.file_hash(p) not in have]
    lost += [fc.rel(p) for p in world_files if str(p.relative_to(d)) not in st["seen"]]
    broken = [f["id"] for f in findings if not (d / f["file"]).exists() or fc.file_hash(d / f["file"]) != f["sha1"]]
    check((engine_files or world_files) and not lost and not broken,
          f"no finding lost: the {len(engine_files)} crash file(s) the engine saved and the {len(world_files)} "
          f"violation(s) the world saved are {len(findings)} finding(s)", f"lost {lost[:5]} broken {broken[:5]}")
    s = rep["summary"]
    check(s["untriaged"] == 0 and s["unique"] == 1,
          f"every finding triaged, one unique ({s['findings']} findings, {s['flaky']} flaky)",
          str([(g["invariant"], g["signature"], g["count"]) for g in rep["groups"]]))
    check(budget - 1 <= s["elapsed_s"] <= budget, f"the budget is spent once ({s['elapsed_s']}s of {budget}s, "
          f"{s['execs']} execs)")
    print(f"# campaign {fc.rel(d)}: {len(moments)} kills, {s['findings']} findings, {s['unique']} unique, "
          f"{time.monotonic() - first.t0:.0f}s in all", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=3, help="SIGKILLs of the driver in part 3 (default 3)")
    ap.add_argument("--seed", type=int, help="random seed of the kill moments (default: the time)")
    ap.add_argument("--kill-engine", choices=ENGINES, default="afl")
    ap.add_argument("--only", choices=("found", "known", "resume", "kill"), help="run one part only")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int(time.time())
    try:
        lib = fc.default_library()
        mutant = "msa02" if "msa02" in fc.mutants_of(lib) else (fc.mutants_of(lib) or [None])[0]
        if not mutant:
            raise fc.FuzzError(f"library {lib} has no mutant to find")
    except fc.FuzzError as e:
        print(f"not ok - {e}")
        return 1
    if a.only in (None, "found", "known"):
        first = found_once(lib, mutant)
        if a.only in (None, "known"):
            counting()
            minimizer()
            if first:
                known(lib, mutant, first)
    if a.only in (None, "resume"):
        interrupted_and_resumed(lib)
    if a.only in (None, "kill"):
        killed_and_resumed(lib, mutant, a.kills, a.kill_engine, seed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
