#!/usr/bin/env python3
"""Per-input cost of a library that boots expensively, booting every input against booting once
and restoring its state per input (harness/world/world_boot.c), side by side in one run.

  bench_boot.py BUILD_WORLD_DIR INPUTS LIBRARY...

For every fixed build whose adapter has a boot() (`gntworld about` says "boot yes"), runs
`gntworld random INPUTS 1` with GNTWORLD_BOOT=each and without, alternating three times, and
prints the median runs/s and microseconds per input of each, and their ratio. Standard library
only; a figure, not a test: nothing here can fail on a slow machine.
"""
import os
import re
import statistics
import subprocess
import sys


def runs_per_s(binary, inputs, each):
    env = dict(os.environ, GNTWORLD_BOOT="each" if each else "once")
    out = subprocess.run([binary, "random", str(inputs), "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=env, timeout=600).stdout
    m = re.search(r"([\d.]+) runs/s", out)
    if not m:
        sys.exit("bench_boot: %s printed no figure: %s" % (binary, out.strip()[-200:]))
    return float(m.group(1))


def main(argv):
    if len(argv) < 3 or not argv[1].isdigit():
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    top, inputs, libs = argv[0], int(argv[1]), argv[2:]
    booted = []
    for lib in libs:
        binary = os.path.join(top, lib, "fixed", "gntworld")
        about = subprocess.run([binary, "about"], stdout=subprocess.PIPE, text=True).stdout
        if "boot yes" in about:
            booted.append((lib, binary, (re.search(r"^table (.*)$", about, re.M) or [None, "any table"])[1]))
    if not booted:
        print("bench-boot: no library under test has a boot() (gntworld about: boot yes)")
        return 0
    print("%-10s %-28s %14s %14s %9s" % ("library", "table", "boot/input", "boot once", "speed-up"))
    for lib, binary, table in booted:
        each, once = [], []
        for _ in range(3):  # alternating: the machine's noise hits both alike
            each.append(runs_per_s(binary, inputs, True))
            once.append(runs_per_s(binary, inputs, False))
        e, o = statistics.median(each), statistics.median(once)
        print("%-10s %-28s %8.0f runs/s %8.0f runs/s %8.1fx" % (lib, table, e, o, o / e))
        print("%-10s %-28s %9.2f us/in %9.2f us/in" % ("", "", 1e6 / e, 1e6 / o))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
