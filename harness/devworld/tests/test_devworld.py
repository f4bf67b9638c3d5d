#!/usr/bin/env python3
"""test-devworld: the device world judges frontends it has never seen, in both directions.

- badfront (tests/badfront, FRONT=): its fixed build is clean on a hostile backend; each mutant is an
  invariant-4 finding with the right message: a crash in the frontend's own code (not in a grant
  call), a frontend that never waits (wedged), one that never returns once its backend is gone.
- the template frontend (frontends/template, a Mini-OS-shaped driver with few pages): its
  reuse_busy mutant is caught by the device scenarios under every CPU memory model (its grant
  stores must reach the backend through xenstore and event channels as on a real CPU), its fixed
  build clean under every model.
- frontend manifest mistakes stop with one line naming the mistake.
TAP lines; exit 1 if any check failed. Standard library only.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HERE = os.path.join(ROOT, "harness", "devworld", "tests")
failed = 0


def check(ok, name, detail=""):
    global failed
    print(("ok - " if ok else "not ok - ") + name + ("" if ok or not detail else ": " + detail), flush=True)
    failed += not ok


def make(front, *goals):
    return subprocess.run(["make", "-s", "--no-print-directory", "-j2", "FRONT=" + front, *goals], cwd=ROOT,
                          capture_output=True, text=True)


def verdict(front, mutant, scn, memory=None):
    cmd = [os.path.join(ROOT, "build", "world", front, mutant, "gntworld"), "run", "--json", scn]
    if memory:
        cmd += ["--memory", memory]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return {"verdict": "timeout"}
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    return json.loads(lines[-1]) if lines else {"verdict": "error", "message": (p.stdout + p.stderr)[-200:]}


def main():
    bad = os.path.join(HERE, "badfront")
    muts = {"fixed": None, "crash_on_id": "the frontend crashed", "spin_on_closing": "never waited",
            "stuck_at_close": "did not return"}
    p = make(bad, *[f"build/world/badfront/{m}/gntworld" for m in muts])
    check(p.returncode == 0, "badfront builds through FRONT=", (p.stdout + p.stderr)[-300:])
    scn = os.path.join(bad, "hostile.scn")
    for m, want in muts.items():
        d = verdict("badfront", m, scn)
        if want is None:
            check(d.get("verdict") == "clean", f"badfront/fixed: clean under a hostile backend", str(d)[:200])
        else:
            check(d.get("verdict") == "violation" and d.get("invariant") == 4 and want in d.get("message", ""),
                  f"badfront/{m}: invariant 4, '{want}'", str(d)[:200])

    tpl = os.path.join(ROOT, "frontends", "template")
    p = make(tpl, "build/world/myfront/fixed/gntworld", "build/world/myfront/reuse_busy/gntworld")
    check(p.returncode == 0, "the template frontend builds", (p.stdout + p.stderr)[-300:])
    scns = [os.path.join(ROOT, "corpora", "scenarios", s) for s in ("dev-error-free.scn", "dev-stale-map.scn")]
    for memory in ("sc", "tso", "arm"):
        caught = [verdict("myfront", "reuse_busy", s, memory).get("verdict") for s in scns]
        clean = [verdict("myfront", "fixed", s, memory).get("verdict") for s in scns]
        check(caught == ["violation"] * len(scns), f"template reuse_busy caught under {memory}", str(caught))
        check(clean == ["clean"] * len(scns), f"template fixed clean under {memory}", str(clean))

    # manifest mistakes: one line each
    with tempfile.TemporaryDirectory(prefix="devworld-") as t:
        cases = {
            "FRONT_DEVICE := net": "FRONT_DEVICE must be vbd or vif, not 'net'",
            "FRONT_MUTANT_FLAG.reuse_busy := -DX": "unknown variable FRONT_MUTANT_FLAG.reuse_busy",
            "FRONT_MUTANTS += other": "mutant other has no FRONT_MUTANT_FLAGS.other",
            "FRONT_NAME := my-front": "FRONT_NAME 'my-front'",
        }
        for line, want in cases.items():
            d = os.path.join(t, "f%d" % len(os.listdir(t)))
            shutil.copytree(tpl, d)
            with open(os.path.join(d, "front.mk"), "a") as f:
                f.write(line + "\n")
            p = make(d, "list-front-variants")
            out = (p.stdout + p.stderr).strip().splitlines()
            check(p.returncode != 0 and any(want in l for l in out), f"front.mk with `{line}`: one line", " | ".join(out[-2:]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
