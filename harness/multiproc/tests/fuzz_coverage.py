#!/usr/bin/env python3
"""fuzz_coverage - how far libFuzzer gets into a message handler in a given time (`make fuzz-coverage-msg`).

    fuzz_coverage.py [--seconds S] [--keep DIR] TARGET...      (TARGET: broker, xenstored, ...)

For each target: build build/fuzz/libfuzzer/TARGET, copy its committed seeds (corpora/fuzz/TARGET/)
to a scratch corpus, run libFuzzer for S seconds (with corpora/fuzz/TARGET.dict when there is one)
and print the edges covered ("cov:" of its last status line) out of the instrumented edges
("INFO: Loaded 1 modules (N inline 8-bit counters)"), and the crashes.

The libFuzzer build is ASan+UBSan with -fno-sanitize-recover: every UBSan check gets its own abort
block, and SanitizerCoverage counts those blocks as edges, though no input reaches one without a bug.
So the figure is also given against the reachable edges: the script compiles each of the target's
sources to LLVM IR with the very command make uses (`make -n -B`) and counts the counters that sit in
UBSan handler blocks ("handler.*" blocks).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BUILD = Path(os.environ.get("BUILD", "build"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
CORPORA = ROOT / "corpora" / "fuzz"


def die(msg):
    print(f"fuzz_coverage: {msg}", file=sys.stderr)
    sys.exit(1)


def make(args, capture=True):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT)


def compile_commands(binary):
    """The compile commands make would run for the binary's objects (-c SRC -o OBJ)."""
    r = make(["-n", "-B", os.path.relpath(binary, ROOT)])
    cmds = []
    for line in r.stdout.splitlines():
        words = line.split()
        if "-c" in words and "-o" in words and any(w.endswith(".c") for w in words):
            cmds.append(words)
    return cmds


def ubsan_handler_counters(binary):
    """Coverage counters placed in UBSan handler blocks, summed over the binary's sources."""
    total = 0
    for words in compile_commands(binary):
        src = words[words.index("-c") + 1]
        cmd = [w for w in words if "=" not in w or not w.startswith("AFL_")]
        i = cmd.index("-o")
        cmd = cmd[:i] + ["-o", "-"] + cmd[i + 2:]
        cmd[cmd.index("-c")] = "-S"
        cmd.insert(cmd.index("-S") + 1, "-emit-llvm")
        r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"cannot compile {src} to IR")
        in_handler = False
        for line in r.stdout.splitlines():
            m = re.match(r"^([\w.$-]+):", line)
            if m:
                in_handler = m.group(1).startswith("handler.")
            elif in_handler and "__sancov_gen_" in line and line.lstrip().startswith("store i8"):
                total += 1
    return total


def run(target, seconds, keep):
    binary = BUILD / "fuzz" / "libfuzzer" / target
    r = make([os.path.relpath(binary, ROOT)])
    if r.returncode != 0:
        die(f"cannot build {binary}:\n{r.stdout[-2000:]}")
    seeds = CORPORA / target
    work = Path(keep) / target if keep else Path(tempfile.mkdtemp(prefix=f"cov-{target}-"))
    if work.exists():
        shutil.rmtree(work)
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    nseeds = 0
    for f in sorted(seeds.glob("*")) if seeds.is_dir() else []:
        if f.is_file():
            shutil.copy(f, corpus / f.name)
            nseeds += 1
    cmd = [str(binary), f"-max_total_time={seconds}", "-print_final_stats=1",
           f"-artifact_prefix={work}/", str(corpus)]
    d = CORPORA / f"{target}.dict"
    if d.exists():
        cmd.insert(1, f"-dict={d}")
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace")
    took = time.monotonic() - t0
    total = cov = None
    for line in p.stdout.splitlines():
        m = re.search(r"INFO: Loaded \d+ modules?\s+\((\d+) inline 8-bit counters\)", line)
        if m:
            total = int(m.group(1))
        m = re.search(r"\bcov: (\d+)", line)
        if m:
            cov = int(m.group(1))
    crashes = [f.name for f in work.iterdir() if f.name.startswith(("crash-", "leak-", "timeout-", "oom-"))]
    if total is None or cov is None:
        die(f"{target}: no coverage figures in libFuzzer's output:\n{p.stdout[-1500:]}")
    try:
        handlers = ubsan_handler_counters(binary)
    except (RuntimeError, ValueError) as e:
        handlers = None
        print(f"fuzz_coverage: {target}: reachable edges not counted: {e}", file=sys.stderr)
    line = (f"{target}: cov {cov} of {total} instrumented edges ({100.0 * cov / total:.1f}%) after "
            f"{took:.0f} s of libFuzzer from {nseeds} committed seeds, {len(crashes)} crashes")
    if handlers is not None and total > handlers:
        line += (f"; {handlers} of the {total} are UBSan abort handlers (unreachable without a bug): "
                 f"{cov} of {total - handlers} reachable ({100.0 * cov / (total - handlers):.1f}%)")
    print(line, flush=True)
    if crashes:
        print(f"#   artifacts in {work}: {' '.join(sorted(crashes)[:5])}")
    elif not keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if crashes or p.returncode not in (0,) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--keep", help="keep each run's corpus and artifacts under this directory")
    ap.add_argument("targets", nargs="+")
    a = ap.parse_args()
    if a.seconds <= 0:
        die("--seconds must be positive")
    fails = 0
    for t in a.targets:
        fails += run(t, a.seconds, a.keep)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
