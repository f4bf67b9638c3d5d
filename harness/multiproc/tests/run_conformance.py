#!/usr/bin/env python3
"""test-conformance: run test_conformance (Debian-linked) on the drop-ins in a fresh simulator.

    run_conformance.py [BUILD/multiproc]

The program prints TAP; this driver checks that it really ran on our drop-ins, that it finished in
time, and that the broker survived it and holds nothing afterwards.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import xensim  # noqa: E402


def main(out):
    prog = os.path.join(out, "test_conformance")
    if not os.access(prog, os.X_OK):
        print(f"not ok - {prog} is not built")
        return 1
    d = tempfile.mkdtemp(prefix="test-conformance-")
    fails = 0
    try:
        xensim.start(d, "0,1,2", with_xenstored=False, mp=out)
        env = xensim.run_env(d, 0, out)
        ldd = subprocess.run(["ldd", prog], env=env, capture_output=True, text=True).stdout
        ok = all(os.path.join(out, "lib", lib) in ldd for lib in ("libxengnttab.so.1", "libxenevtchn.so.1"))
        fails += not ok
        print(f"{'ok' if ok else 'not ok'} - the Debian-linked conformance program loads our drop-ins")
        t0 = time.monotonic()
        try:
            p = subprocess.run([prog], env=env, timeout=180, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace")
            sys.stdout.write(p.stdout)
            rc = p.returncode
            lines = p.stdout.splitlines()
            passed = sum(l.startswith("ok ") for l in lines)
            failed = sum(l.startswith("not ok ") for l in lines)
        except subprocess.TimeoutExpired as e:
            sys.stdout.write(e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""))
            print("not ok - test_conformance timed out (a call blocked that should not have)")
            rc, passed, failed = 1, 0, 1
        fails += rc != 0
        print(f"# test_conformance: {passed} passed, {failed} failed in {time.monotonic() - t0:.1f} s")
        alive = subprocess.run(["pgrep", "-F", os.path.join(d, "broker.pid")], capture_output=True).returncode == 0
        fails += not alive
        print(f"{'ok' if alive else 'not ok'} - the broker survived the conformance run")
        if alive:
            time.sleep(0.2)
            b = xensim.Broker(d)
            s = b.stats()
            b.close()
            held = s["live_maps"] or s["pins"] or s["shares"] or s["ports"]
            fails += bool(held)
            print(f"{'not ok' if held else 'ok'} - afterwards the broker holds nothing (maps={s['live_maps']} "
                  f"pins={s['pins']} shares={s['shares']} ports={s['ports']})")
    finally:
        xensim.stop(d)
        shutil.rmtree(d, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/multiproc"))
