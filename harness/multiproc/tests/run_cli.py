#!/usr/bin/env python3
"""test-multiproc-cli: bad input to the broker, xensim, the target and the peer gets a clear
one-line error and a non-zero exit, never a crash or a hang.

usage: run_cli.py BUILD [TARGET-BINARY]   (default: the first library's fixed build, asked of make)"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def fixed_target(build):
    """The target process of the first library's fixed build, as `make -s list-variants` names it."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    argv = ["make", "-s", "--no-print-directory", "-C", ROOT, "list-variants"]
    if os.environ.get("TARGET"):
        argv.append("TARGET=" + os.environ["TARGET"])
    out = subprocess.run(argv, env=env, capture_output=True, text=True).stdout.split("\n")
    lib = next((x.split()[0] for x in out if x.split()[1:] == ["fixed"]), "grants")
    return os.path.join(build, "multiproc", lib, "fixed", "gntfuzz-target")


def main(build, target=None):
    mp = os.path.join(build, "multiproc")
    target = target or fixed_target(build)
    peer = os.path.join(build, "peer", "gntfuzz-peer")
    tmp = tempfile.mkdtemp(prefix="test-cli-")
    bad_scn = os.path.join(tmp, "bad.scn")
    with open(bad_scn, "w") as f:
        f.write("# fine\nconfig version 1\nbackend respond-next\npeer map r9 sideways\n")
    bad_map = os.path.join(tmp, "bad-map.scn")
    with open(bad_map, "w") as f:  # a backend names a grant by request id (backend map N), not gN
        f.write("config version 1\nbackend map 0\nat 1 backend map g0\n")
    env = {k: v for k, v in os.environ.items() if k not in ("GNTFUZZ_BROKER", "XENSTORED_PATH")}
    cases = [  # (argv, expected exit code, text the one error line must contain)
        ([os.path.join(mp, "gntfuzz-broker")], 2, "need --dir"),
        ([os.path.join(mp, "gntfuzz-broker"), "--dir", tmp, "--domains", "0,x"], 2, "comma list"),
        ([os.path.join(mp, "gntfuzz-broker"), "--dir", "/nonexistent/dir"], 1, "cannot listen"),
        ([os.path.join(mp, "xensim"), "stats", "--dir", tmp], 1, "no broker"),
        ([os.path.join(mp, "xensim"), "run", "--dir", tmp, "--domain", "1"], 1, "no command"),
        ([target, "--version", "9"], 2, "bad option"),
        ([target], 1, "cannot reach the broker"),
        ([peer, "--strategy", "nonsense"], 2, "usage"),
        ([peer, "--scenario", bad_scn], 2, "scenario:4: expected: peer map rN rw|ro"),
        ([peer, "--scenario", bad_map], 2, "scenario:3: this backend step takes one request id"),
        ([peer, "--scenario", os.path.join(tmp, "missing.scn")], 2, "cannot open scenario"),
    ]
    fails = 0
    for argv, code, text in cases:
        try:
            r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=20)
            err = r.stderr.strip().splitlines()
            ok = r.returncode == code and err and text in err[0] and "Traceback" not in r.stderr
            got = f"exit {r.returncode}, {err[0] if err else 'no message'!r}"
        except subprocess.TimeoutExpired:
            ok, got = False, "hung"
        fails += not ok
        prog = os.path.relpath(argv[0], mp) if argv[0] == target else os.path.basename(argv[0])
        name = " ".join(prog if i == 0 else a.replace(tmp, "TMP") for i, a in enumerate(argv[:4]))
        print(f"{'ok' if ok else 'not ok'} - {name}: exit {code} with '{text}'" + ("" if ok else f" (got {got})"))
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build", sys.argv[2] if len(sys.argv) > 2 else None))
