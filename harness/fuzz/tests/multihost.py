#!/usr/bin/env python3
"""test-fuzz-multihost: one campaign on two "hosts" through AFL++'s own sync, then one merged report.

The two hosts are two campaign directories on this machine sharing one --sync-dir, as two machines
would share it over a network file system (or an rsync loop): host A is the main instance (-M),
host B a secondary (-S), both on grants/msa02.
  1. A fuzzes; B joins while A runs and imports A's queue as it starts (AFL++'s secondaries take
     only from a running main); then A continues (--resume) and imports B's as it starts. Synced
     both ways: B's queue holds inputs taken from A's ("sync:<A's instance>") and A's from B's.
  2. Each campaign keeps only its own instances' crashes; B made findings of its own.
  3. `fuzz_campaign.py --merge A B`: the bug is one finding group, found by both hosts, its count
     the inputs of both; the merged coverage is at least each host's.
  4. Bad use gets one error line: --role without --sync-dir, a second main on one sync directory,
     another variant on it, a bad host id, a merge of a directory that is no campaign.
  5. The AFL++ builds run in persistent mode with shared-memory input (AFL++'s own log says so).
TAP lines; exit 1 if any failed.
"""
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fuzzcommon as fc  # noqa: E402

DRIVER = [sys.executable, str(fc.ROOT / "scripts" / "fuzz_campaign.py")]
LIB, MUTANT = "grants", "msa02"
failed = 0


def check(ok, name, detail=""):
    global failed
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    failed += not ok


def drive(args, timeout=180):
    r = subprocess.run(DRIVER + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    m = re.search(r"campaign (\S*campaigns/\S+)", r.stdout)
    d = Path(m.group(1)) if m else None
    return r, (d if d is None or d.is_absolute() else fc.ROOT / d)


def host(sync, name, role, secs):
    return ["--engine", "afl", "--jobs", "1", "--time", str(secs), "--library", LIB, "--mutant", MUTANT,
            "--sync-dir", str(sync), "--role", role, "--host-id", name, "--no-minimize"]


def synced_from(sync, inst, other):
    """Queue entries of instance `inst` that AFL++ imported from instance `other`."""
    return [p.name for p in (sync / inst / "queue").glob("id:*") if f"sync:{other}," in p.name]


def one_error(args, want, name):
    r = subprocess.run(DRIVER + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 2 and len(lines) == 1 and want in lines[0], name, f"rc={r.returncode} {r.stderr[-300:]}")


def main():
    t0 = time.monotonic()
    work = fc.FUZZ_OUT / "test-multihost"
    shutil.rmtree(work, ignore_errors=True)
    sync = work / "sync"
    pa = subprocess.Popen(DRIVER + host(sync, "hostA", "main", 10), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not any((sync / "hostA-main" / "queue").glob("id:*")) and time.monotonic() < deadline \
            and pa.poll() is None:
        time.sleep(0.2)
    time.sleep(1)
    rb, b = drive(host(sync, "hostB", "secondary", 5))
    out_a = pa.communicate(timeout=180)[0]
    m = re.search(r"campaign (\S*campaigns/\S+)", out_a)
    a = (fc.ROOT / m.group(1) if not Path(m.group(1)).is_absolute() else Path(m.group(1))) if m else None
    check(pa.returncode == 0 and a and rb.returncode == 0 and b, "two hosts run on one sync directory at once",
          (out_a + rb.stdout)[-400:])
    if not (a and b):
        return 1
    rr, _ = drive(["--resume", str(a), "--time", "13"])
    check(rr.returncode == 0 and "resuming at" in rr.stdout, "host A continues (--resume) and imports what B found",
          rr.stdout[-300:])
    a_in, b_in = "hostA-main", "hostB-s0"
    check((sync / a_in).is_dir() and (sync / b_in).is_dir(), f"instances {a_in} (-M) and {b_in} (-S) in the sync dir")
    to_b, to_a = synced_from(sync, b_in, a_in), synced_from(sync, a_in, b_in)
    check(len(to_b) > 0, f"A -> B: {len(to_b)} of A's inputs in B's queue")
    check(len(to_a) > 0, f"B -> A: {len(to_a)} of B's inputs in A's queue")

    ca, cb = (json.loads((d / "campaign.json").read_text()) for d in (a, b))
    own_a = all(f"/{a_in}/" in f["engine_file"] for f in ca["findings"])
    own_b = all(f"/{b_in}/" in f["engine_file"] for f in cb["findings"])
    check(own_a and own_b, "each campaign holds only its own instances' crashes")
    check(len(cb["findings"]) > 0 and all(f["inv"].startswith("inv1") for f in cb["findings"]),
          f"host B found {MUTANT} itself ({len(cb['findings'])} input(s))")

    rm = subprocess.run(DRIVER + ["--merge", str(a), str(b)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        text=True, timeout=180)
    m = re.search(r"report (\S+)/report\.md", rm.stdout)
    check(rm.returncode == 0 and m, "--merge A B writes one report", rm.stdout[-400:])
    if m:
        md = fc.ROOT / m.group(1) if not Path(m.group(1)).is_absolute() else Path(m.group(1))
        rep = json.loads((md / "report.json").read_text())
        groups = rep["groups"]
        inputs = len({f["sha1"] for f in ca["findings"] + cb["findings"]})
        check(len(groups) == 1 and groups[0]["invariant"] == "inv1-free-while-mapped",
              f"the bug is one finding in the merged report ({[(g['invariant'], g['signature']) for g in groups]})")
        if groups:
            g = groups[0]
            check(set(g["hosts"]) == {"hostA", "hostB"} and any(x.startswith("hostB:") for x in g["members"]),
                  f"found by both hosts: {g['hosts']}")
            check(g["findings"] == inputs == rep["summary"]["findings"],
                  f"its inputs are both hosts' ({g['findings']} = {len(ca['findings'])} + {len(cb['findings'])} "
                  f"less any input both saved)")
        cov = rep["summary"]["coverage"]["lines"][0]
        per = [h["coverage"]["lines"][0] for h in rep["summary"]["hosts"]]
        check(cov > 0 and cov >= max(per), f"merged coverage {cov} lines >= each host's {per}")
        check("## Finding 1" in (md / "report.md").read_text() and "| **all hosts** |" in (md / "report.md").read_text(),
              "report.md has the hosts' table and the finding")

    logs = (a / "afl-hostA-main.log").read_text(errors="replace")
    check("Persistent mode binary detected" in logs and "SHARED MEMORY FUZZING" in logs,
          "AFL++ runs the target in persistent mode with shared-memory input")

    one_error(["--role", "main"], "go with --sync-dir", "--role without --sync-dir: one error line")
    one_error(host(sync, "hostC", "main", 5), "already has a main instance", "a second main on one sync dir: one error line")
    one_error(host(sync, "hostC", "secondary", 5)[:-3] + ["--host-id", "bad-name!"] + ["--no-minimize"],
              "letters, digits and _ only", "a bad host id: one error line")
    one_error(["--engine", "afl", "--jobs", "1", "--time", "5", "--library", LIB, "--mutant", "xsa396",
               "--sync-dir", str(sync), "--role", "secondary", "--host-id", "hostC"],
              "every host fuzzes the same target and variant", "another variant on the sync dir: one error line")
    one_error(["--merge", str(a), str(work)], "not a campaign directory", "--merge of a non-campaign: one error line")
    print(f"# {time.monotonic() - t0:.0f}s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
