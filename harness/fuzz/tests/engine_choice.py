#!/usr/bin/env python3
"""test-fuzz-engine-choice: `make fuzz`'s default engine is the winner of the `make bench-engines`
table in README.md, and that table's winner is the configuration with the lowest PAR-2 row.

Both directions of the scoring: bench_engines' own scoring, on made-up times, picks the
configuration that finds fastest, counts a miss as twice the cap (a configuration that is
fast when it finds but misses loses), and the README check fails on a table whose winner is not
the default. TAP lines; exit 1 if any failed. No fuzzing: under a second.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "harness" / "fuzz"))
sys.path.insert(0, str(ROOT / "scripts"))
import bench_engines as be  # noqa: E402
from fuzz_campaign import DEFAULT_ENGINE, ENGINES  # noqa: E402

failed = 0


def check(ok, name, detail=""):
    global failed
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    failed += not ok


def readme_verdict(text):
    """(winner named, configuration of the lowest PAR-2 column) of the README's table, or Nones."""
    if be.MARK_BEGIN not in text or be.MARK_END not in text:
        return None, None
    block = text.split(be.MARK_BEGIN, 1)[1].split(be.MARK_END, 1)[0]
    win = re.search(r"Winner \(lowest PAR-2\): \*\*(\w+)\*\*", block)
    head = re.search(r"^\| library/mutant \| (.*) \|$", block, re.M)
    par2 = re.search(r"^\| \*\*PAR-2 mean\*\*[^|]*\| (.*) \|$", block, re.M)
    if not (win and head and par2):
        return (win.group(1) if win else None), None
    names = {"AFL++ main+secondary": "afl", "libFuzzer fork": "libfuzzer", "AFL++ + libFuzzer, one corpus": "hybrid"}
    cols = [names.get(c.strip(), c.strip()) for c in head.group(1).split("|")]
    scores = [float(x) for x in par2.group(1).split("|")]
    return win.group(1), cols[scores.index(min(scores))]


def scored(ttf, cap=6.0):
    cfgs = list(ttf)
    scores = {c: be.par2([t for v in ttf[c].values() for t in v], cap) for c in cfgs}
    return min(cfgs, key=lambda c: scores[c])


def main():
    text = (ROOT / "README.md").read_text()
    win, lowest = readme_verdict(text)
    check(win is not None and lowest is not None, "README.md holds the bench-engines table with its winner")
    check(win == lowest, f"the table's winner ({win}) has the lowest PAR-2 ({lowest})")
    check(win == DEFAULT_ENGINE and DEFAULT_ENGINE in ENGINES,
          f"make fuzz's default ({DEFAULT_ENGINE}) is the table's winner ({win})")
    other = next(c for c in ENGINES if c != DEFAULT_ENGINE)
    forged = text.replace(f"Winner (lowest PAR-2): **{win}**", f"Winner (lowest PAR-2): **{other}**")
    fw, fl = readme_verdict(forged)
    check(fw != fl or fw != DEFAULT_ENGINE, f"a table naming {other} the winner is caught (winner {fw}, lowest {fl})")

    fast = {"a": {"m1": [1.0, 1.2, 0.9], "m2": [2.0, 2.1, 1.9]}, "b": {"m1": [0.5, 0.4, 0.6], "m2": [1.0, 0.9, 1.1]}}
    check(scored(fast) == "b", "scoring: the configuration that finds faster wins")
    missy = {"a": {"m1": [1.0, 1.2, 0.9], "m2": [2.0, 2.1, 1.9]}, "b": {"m1": [0.1, 0.1, 0.1], "m2": [None, 0.2, None]}}
    check(scored(missy) == "a", "scoring: misses count twice the cap (fast but missing loses)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
