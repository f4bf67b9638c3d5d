#!/usr/bin/env python3
"""test-fuzz-bad-corpus: bad seed directories get one clear error line and a non-zero exit from
the campaign driver (before any fuzzer starts), never a traceback or a hang; the replay driver
and the seed converter do the same for bad files. TAP lines; exit 1 if any failed.
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fuzzcommon as fc  # noqa: E402

failed = 0


def check(ok, name, detail=""):
    global failed
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    failed += not ok


def one_line_error(cmd, expect, name):
    """The command must fail fast with a single stderr line containing `expect`."""
    try:
        r = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace", timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        check(False, name, "hung")
        return
    err = [l for l in r.stderr.splitlines() if l.strip()]
    ok = r.returncode != 0 and len(err) == 1 and expect in err[0] and "Traceback" not in r.stderr
    check(ok, name, f"rc={r.returncode} stderr={r.stderr.strip()[:300]!r}")


def main():
    campaign = [sys.executable, fc.ROOT / "scripts" / "fuzz_campaign.py", "--target", "scenario",
                "--time", "5", "--jobs", "1", "--corpus"]
    try:
        fc.build([fc.binary("cov", "scenario"), fc.FUZZ_OUT / "tools" / "scnconv"])
    except fc.FuzzError as e:
        print(f"not ok - build: {e}")
        return 1
    with tempfile.TemporaryDirectory(prefix="fuzz-bad-") as t:
        tmp = Path(t)
        one_line_error(campaign + [tmp / "missing"], "no such directory", "missing corpus directory")
        (tmp / "afile").write_text("target tick\n")
        one_line_error(campaign + [tmp / "afile"], "not a directory", "corpus path is a file")
        (tmp / "empty").mkdir()
        one_line_error(campaign + [tmp / "empty"], "empty", "empty corpus directory")
        sub = tmp / "withdir"
        (sub / "nested").mkdir(parents=True)
        (sub / "ok.scn").write_text("target tick\n")
        one_line_error(campaign + [sub], "nested is a directory", "directory where a seed file is expected")
        big = tmp / "big"
        big.mkdir()
        with open(big / "huge.bin", "wb") as f:
            f.truncate(fc.MAX_INPUT + 1)
        one_line_error(campaign + [big], "larger than", "seed file too large")
        dangling = tmp / "dangling"
        dangling.mkdir()
        os.symlink(tmp / "nowhere", dangling / "gone.scn")
        one_line_error(campaign + [dangling], "gone.scn", "unreadable seed (dangling link)")
        fifo = tmp / "fifo"
        fifo.mkdir()
        os.mkfifo(fifo / "pipe.scn")
        one_line_error(campaign + [fifo], "not a regular file", "seed that is a FIFO (would block a reader)")
        one_line_error([sys.executable, fc.ROOT / "scripts" / "fuzz_campaign.py", "--target", "nosuch"],
                       "unknown target", "unknown target")
        drv = [sys.executable, fc.ROOT / "scripts" / "fuzz_campaign.py"]
        lib = fc.default_library()
        one_line_error(drv + ["--mutant", "nosuch"], f"unknown mutant 'nosuch' of library {lib} (choose from: fixed ",
                       "unknown mutant: one line naming the library's mutants")
        one_line_error(drv + ["--library", "nosuch"], "unknown library 'nosuch' (choose from: " +
                       " ".join(fc.libraries()) + ")", "unknown library: one line naming the libraries")
        one_line_error(drv + ["--target", "scenario", "--mutant", "msa02"], "runs no grant library",
                       "--mutant on a target without a library")
        one_line_error([sys.executable, fc.ROOT / "scripts" / "killmatrix.py", "--mutants", "nosuch"],
                       "unknown mutant 'nosuch' (choose from: ", "killmatrix: unknown mutant")
        one_line_error([sys.executable, fc.ROOT / "scripts" / "killmatrix.py", "--library", "nosuch"],
                       "unknown library 'nosuch'", "killmatrix: unknown library")
        one_line_error([sys.executable, fc.ROOT / "scripts" / "fuzz_campaign.py", "--resume", tmp / "empty"],
                       "not a campaign directory", "resume of a non-campaign directory")
        one_line_error([fc.binary("cov", "scenario"), tmp / "missing"], "No such file",
                       "replay driver: missing input")
        one_line_error([fc.binary("cov", "scenario"), big / "huge.bin"], "larger than 1 MiB",
                       "replay driver: input too large")
        (tmp / "bad.scn").write_text("config version 1\ntarget frobnicate p0\n")
        one_line_error([fc.FUZZ_OUT / "tools" / "scnconv", "encode", tmp / "bad.scn"], "scenario:2:",
                       "seed converter: malformed scenario")
        (tmp / "badgrant.scn").write_text("config version 1\ntarget share p0 rw as g0\npeer map g8 rw\n")
        one_line_error([fc.FUZZ_OUT / "tools" / "scnconv", "encode", tmp / "badgrant.scn"],
                       "scenario:3: bad grant 'g8' (expected g0..g7)", "seed converter: a grant name out of range")
        (tmp / "badlabel.scn").write_text("config version 1\ntarget share p0 rw as r8\n")
        one_line_error([fc.FUZZ_OUT / "tools" / "scnconv", "encode", tmp / "badlabel.scn"],
                       "scenario:2: bad grant name 'r8' after 'as'", "seed converter: a share named by a raw ref")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
