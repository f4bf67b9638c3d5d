#!/usr/bin/env python3
"""What the seam costs and what it buys, measured side by side in one run (libFuzzer, ASan+UBSan,
the same flags for every binary):
  1. execs/s of the world target per library with the load/store hooks and gntfuzz's pass (RMW,
     fence and order points), with the load/store hooks only (no pass), built without hooks (no
     race reachable: it only prices them), and of the empty target; the ratios with the two
     numbers they come from;
  2. the same world under each CPU memory model (GNTWORLD_MEMORY=sc|tso|arm), and tso/sc, arm/sc;
  3. time to the first finding of every mutant of every library, from an empty corpus with the
     world's dictionary (the byte form of each step), as the kill matrix fuzzes.
Figures, never a pass/fail on speed. Standard library only."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ = os.path.join(ROOT, "build", "fuzz", "libfuzzer")
RUNS = 200000
FIND_BUDGET = 60


def make(*goals):
    p = subprocess.run(["make", "-s", "--no-print-directory", "-j2", *goals], cwd=ROOT, capture_output=True, text=True)
    if p.returncode:
        sys.exit("bench-seam: building failed: " + (p.stderr.strip().splitlines() or ["?"])[-1])
    return p.stdout


def execs_per_s(binary, corpus, memory=None):
    """Executions per second over a fixed number of runs, seeded from the world's corpus."""
    env = dict(os.environ, **({"GNTWORLD_MEMORY": memory} if memory else {}))
    with tempfile.TemporaryDirectory() as work:
        shutil.copytree(corpus, os.path.join(work, "c"))
        t0 = time.monotonic()
        p = subprocess.run([binary, "-runs=%d" % RUNS, "-seed=1", "-max_len=512", os.path.join(work, "c")],
                           cwd=work, capture_output=True, text=True, errors="replace", env=env)
        secs = time.monotonic() - t0
    m = re.search(r"stat::number_of_executed_units: (\d+)", p.stderr)
    if p.returncode or not m:
        m2 = re.search(r"Done (\d+) runs", p.stderr)
        if p.returncode:
            return None
        return int(m2.group(1)) / secs if m2 else None
    return int(m.group(1)) / secs


def time_to_find(binary):
    with tempfile.TemporaryDirectory() as work:
        t0 = time.monotonic()
        p = subprocess.run([binary, "-max_total_time=%d" % FIND_BUDGET, "-seed=1", "-print_final_stats=1",
                            "-max_len=4096", "-dict=" + os.path.join(ROOT, "corpora", "fuzz", "world.dict")],
                           cwd=work, capture_output=True, text=True, errors="replace")
        secs = time.monotonic() - t0
    m = re.search(r"stat::number_of_executed_units: (\d+)", p.stderr)
    return (secs if "VIOLATION" in p.stderr else None), (int(m.group(1)) if m else None)


def main():
    variants = [tuple(l.split()) for l in make("list-variants").splitlines() if l.strip()]
    libs = sorted({lib for lib, _ in variants}, key=[lib for lib, _ in variants].index)
    bins = {"empty": os.path.join(FUZZ, "empty")}
    for lib in libs:
        bins["world " + lib] = os.path.join(FUZZ, "world-%s-fixed" % lib)
        bins["world %s, no pass" % lib] = os.path.join(FUZZ, "world-%s-fixed-nopass" % lib)
        bins["world %s, no hooks" % lib] = os.path.join(FUZZ, "world-%s-fixed-nohooks" % lib)
    finders = {(lib, m): os.path.join(FUZZ, "world-%s-%s" % (lib, m)) for lib, m in variants if m != "fixed"}
    make(*[os.path.relpath(b, ROOT) for b in list(bins.values()) + list(finders.values())])

    cores = os.cpu_count()
    corpus = os.path.join(ROOT, "corpora", "fuzz", "world")
    print("bench-seam: libFuzzer + ASan/UBSan, %d runs each over corpora/fuzz/world, %d cores, memory sc" % (RUNS, cores))
    # under sc: without the pass the library's fences are unseen, so a tso/arm input would flag it
    rate = {name: execs_per_s(b, corpus, "sc") for name, b in bins.items()}
    for name, r in rate.items():
        print("  %-28s %10s execs/s" % (name, "failed" if r is None else "%.0f" % r))
    for lib in libs:
        w, n, e = rate["world " + lib], rate["world %s, no hooks" % lib], rate["empty"]
        np_ = rate["world %s, no pass" % lib]
        if w and n and e:
            print("  %-8s with hooks / without: %.2fx (%.0f / %.0f); world vs empty %.3fx (%.0f / %.0f)"
                  % (lib, w / n, w, n, w / e, w, e))
        if w and np_:
            print("  %-8s with the pass / load-store hooks only: %.2fx (%.0f / %.0f)" % (lib, w / np_, w, np_))
    conv = os.path.join(ROOT, "build", "fuzz", "tools", "scnconv")
    make(os.path.relpath(conv, ROOT))  # the codec's one table of memory models
    models = [l.split()[1] for l in subprocess.run([conv, "list-memory"], capture_output=True, text=True,
                                                   check=True).stdout.splitlines()]
    print("world execs/s under each CPU memory model (GNTWORLD_MEMORY; same binary, same seeds):")
    for lib in libs:
        r = {m: execs_per_s(bins["world " + lib], corpus, m) for m in models}
        line = "  %-8s " % lib + "  ".join("%s %s" % (m, "failed" if r[m] is None else "%.0f" % r[m]) for m in models)
        base = models[0]  # sc: the others are priced against it
        line += "".join("  %s/%s %.2fx" % (m, base, r[m] / r[base]) for m in models[1:] if r[m] and r[base])
        print(line)
    print("time to the first finding from an empty corpus (libFuzzer, world.dict, seed 1, %d s budget):" % FIND_BUDGET)
    print("  %-8s %-16s %10s %12s" % ("library", "mutant", "seconds", "executions"))
    missed = 0
    for (lib, m), b in finders.items():
        secs, execs = time_to_find(b)
        missed += secs is None
        print("  %-8s %-16s %10s %12s" % (lib, m, "not found" if secs is None else "%.1f" % secs,
                                          "?" if execs is None else execs))
    print("bench-seam: %d of %d mutants found within %d s each" % (len(finders) - missed, len(finders), FIND_BUDGET))
    return 0


if __name__ == "__main__":
    sys.exit(main())
