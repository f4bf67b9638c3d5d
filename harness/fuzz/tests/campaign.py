#!/usr/bin/env python3
"""test-fuzz-campaign: `make fuzz` end to end, both directions, and resuming after any death.

1. A short campaign with `make fuzz`'s default engine (what `make bench-engines` chose) on
   grants/msa02 finds it as exactly one finding (one bug, one group, whatever the inputs), with a
   minimized input and a readable scenario that replays the violation through gntworld, and
   coverage.svg is a real plot.
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
import threading
import time
import xml.dom.minidom
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import fuzzcommon as fc  # noqa: E402
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


def found_once(lib, mutant):
    # no --engine: the default; two jobs, which every configuration can use (hybrid needs them)
    r = subprocess.run(DRIVER + ["--target", "world", "--time", "8", "--jobs", "2",
                                 "--library", lib, "--mutant", mutant], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    d = campaign_dir(r.stdout)
    check(r.returncode == 0 and d is not None and f"with {DEFAULT_ENGINE}," in r.stdout,
          f"campaign on {lib}/{mutant} runs with the default engine ({DEFAULT_ENGINE})", r.stdout[-300:])
    if not d:
        return
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
    have = {f.get("sha1") for f in findings}
    lost = [fc.rel(p) for p in engine_files if fc.file_hash(p) not in have]
    broken = [f["id"] for f in findings if not (d / f["file"]).exists() or fc.file_hash(d / f["file"]) != f["sha1"]]
    check(engine_files and not lost and not broken,
          f"no finding lost: the {len(engine_files)} crash file(s) the engine saved are {len(findings)} finding(s)",
          f"lost {lost[:5]} broken {broken[:5]}")
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
    ap.add_argument("--only", choices=("found", "resume", "kill"), help="run one part only")
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
    if a.only in (None, "found"):
        found_once(lib, mutant)
    if a.only in (None, "resume"):
        interrupted_and_resumed(lib)
    if a.only in (None, "kill"):
        killed_and_resumed(lib, mutant, a.kills, a.kill_engine, seed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
