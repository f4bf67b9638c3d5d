#!/usr/bin/env python3
"""test-fuzz-campaign: `make fuzz` end to end, both directions.

1. A short libFuzzer campaign on the MSA02 mutant finds it: report.json groups the findings by
   invariant and signature, each group has a minimized input and a readable scenario that
   replays the violation through gntworld, and coverage.svg is a real plot.
2. A campaign on the real library, interrupted half-way (SIGTERM), keeps its state; `--resume`
   finishes the budget and reports zero findings.
TAP lines; exit 1 if any failed.
"""
import json
import os
import signal
import subprocess
import sys
import time
import xml.dom.minidom
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fuzzcommon as fc  # noqa: E402

DRIVER = [sys.executable, str(fc.ROOT / "scripts" / "fuzz_campaign.py")]
failed = 0


def check(ok, name, detail=""):
    global failed
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    failed += not ok


def campaign_dir(output):
    for line in output.splitlines():
        if "-> build/fuzz/campaigns/" in line:
            return fc.ROOT / line.split("-> ")[-1].strip()
    return None


def main():
    r = subprocess.run(DRIVER + ["--target", "world", "--engine", "libfuzzer", "--time", "8", "--jobs", "1",
                                 "--mutant", "msa02"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300)
    d = campaign_dir(r.stdout)
    check(r.returncode == 0 and d is not None, "campaign on mutant msa02 runs", r.stdout[-300:])
    if d:
        rep = json.loads((d / "report.json").read_text())
        groups = rep["groups"]
        check(groups and all(g["invariant"].startswith("inv1-") for g in groups),
              f"msa02 found and grouped by invariant ({len(groups)} group(s) of {rep['summary']['findings']})",
              str([g["invariant"] for g in groups]))
        g = groups[0] if groups else {}
        scn = d / Path(g.get("report", "x")).with_suffix(".scn")
        check(bool(g) and (d / g["minimized"]).exists() and "target share" in g["scenario"] and scn.exists(),
              "first group: minimized input and readable scenario saved")
        if scn.exists():
            fc.build([fc.BUILD / "world" / "m1" / "gntworld"])  # engineer B2's world CLI
            rr = subprocess.run([str(fc.BUILD / "world" / "m1" / "gntworld"), "run", str(scn)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            check(rr.returncode == 1 and "VIOLATION of invariant 1" in rr.stdout,
                  "the saved scenario replays the violation with gntworld", rr.stdout[-200:])
        try:
            svg = xml.dom.minidom.parse(str(d / "coverage.svg"))
            check(len(svg.getElementsByTagName("path")) == 1, "coverage.svg is a plot with a coverage line")
        except Exception as e:  # a broken file is a failed check, not a crash of the test
            check(False, "coverage.svg is a plot with a coverage line", str(e))
        check("## Finding 1" in (d / "report.md").read_text(), "report.md lists the findings")

    p = subprocess.Popen(DRIVER + ["--target", "world", "--engine", "afl", "--time", "10", "--jobs", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
              f"--resume finishes the budget on the real library with zero findings "
              f"({rep['summary']['elapsed_s']}s, {rep['summary']['execs']} execs)", f"rc={r.returncode} " + r.stdout[-600:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
