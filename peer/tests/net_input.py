#!/usr/bin/env python3
"""test-peer-vif-input: gntfuzz-peer --device vif against a hostile frontend's xenstore values, in
the multi-process simulator. The test plays the frontend (domain 1) with Debian's xenstore tools:
once the peer has created the device, it writes junk keys and says Connected. Every case must end
with one line on stderr, exit 1, no verdict, the device removed again; never a crash or a hang.
Usage: net_input.py BUILD. TAP lines; exit 1 if any check failed."""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "harness", "multiproc"))
import xensim  # noqa: E402

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
PEER = os.path.join(BUILD, "peer", "gntfuzz-peer")
MP = os.path.join(BUILD, "multiproc")
FE = "/local/domain/1/device/vif/0"
GOOD = {"tx-ring-ref": "9", "rx-ring-ref": "10", "event-channel": "5", "request-rx-copy": "1"}

# (name, keys the frontend writes over GOOD (None: delete), its state, what stderr must say)
CASES = [
    ("tx-ring-ref not a number", {"tx-ring-ref": "junk"}, "4", "tx-ring-ref is not a grant ref"),
    ("tx-ring-ref beyond 32 bits", {"tx-ring-ref": "99999999999"}, "4", "tx-ring-ref is not a grant ref"),
    ("tx-ring-ref negative", {"tx-ring-ref": "-3"}, "4", "tx-ring-ref is not a grant ref"),
    ("tx-ring-ref missing", {"tx-ring-ref": None}, "4", "tx-ring-ref is missing"),
    ("ring refs never granted", {"tx-ring-ref": "200", "rx-ring-ref": "201"}, "4", "cannot map the ring"),
    ("request-rx-copy missing", {"request-rx-copy": None}, "4", "request-rx-copy is missing"),
    ("request-rx-copy 0 (page flipping)", {"request-rx-copy": "0"}, "4", "request-rx-copy is 0"),
    ("request-rx-copy junk", {"request-rx-copy": "yes"}, "4", "request-rx-copy is not 0 or 1"),
    ("four queues asked", {"multi-queue-num-queues": "4"}, "4", "multi-queue-num-queues is not 1"),
    ("queues junk", {"multi-queue-num-queues": "1x"}, "4", "multi-queue-num-queues is not 1"),
    ("state junk", {}, "banana", "did not connect"),
    ("never connects", {}, None, "did not connect"),
]

failed = 0


def check(ok, name):
    global failed
    print(("ok - " if ok else "not ok - ") + "peer vif input: " + name)
    failed += not ok


def xs(d, *argv):
    return subprocess.run(list(argv), env=xensim.run_env(d, 1, MP), capture_output=True, text=True)


def run_case(d, keys, state, want):
    # a frontend that says Connected is judged at once: a long timeout only guards a loaded machine
    timeout = "1.5" if state in (None, "banana") else "8"
    peer = subprocess.Popen([PEER, "--device", "vif", "--target", "1", "--connect-timeout", timeout, "--duration", "1"],
                            env=xensim.run_env(d, 0, MP), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 5
    while time.monotonic() < end and xs(d, "xenstore-read", FE + "/backend").returncode:
        time.sleep(0.02)
    vals = dict(GOOD)
    vals.update(keys)
    # keys first and the state last, as a frontend publishes them
    for k, v in vals.items():
        if v is None:
            xs(d, "xenstore-rm", f"{FE}/{k}")
        else:
            xs(d, "xenstore-write", "--", f"{FE}/{k}", v)
    if state is not None:
        xs(d, "xenstore-write", FE + "/state", state)
    try:
        out, err = peer.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        peer.kill()
        peer.communicate()
        return False, "hung"
    lines = [l for l in err.splitlines() if l.strip()]
    gone = xs(d, "xenstore-read", FE + "/backend").returncode != 0
    ok = peer.returncode == 1 and len(lines) == 1 and want in lines[0] and "verdict" not in out and gone
    return ok, f"exit {peer.returncode}, stderr {lines[:2]}, device removed {gone}"


def main():
    if not os.access(PEER, os.X_OK) or not xensim.xenstored_bin(MP):
        print("not ok - peer vif input: build/peer/gntfuzz-peer or the simulator is missing (make peer multiproc xenstored)")
        return 1
    p = subprocess.run([PEER, "--list", "vif-strategies"], capture_output=True, text=True)
    names = p.stdout.split()
    check(p.returncode == 0 and "honest" in names and len(names) == len(set(names)) > 5,
          f"--list vif-strategies names {len(names)} strategies, honest among them")
    p = subprocess.run([PEER, "--device", "vif", "--target", "1", "--strategy", "no-such"], capture_output=True, text=True)
    check(p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "no-such" in p.stderr,
          "an unknown vif strategy is one line, exit 2")
    d = tempfile.mkdtemp(prefix="net-input-")
    try:
        xensim.start(d, "0,1", mp=MP)
        for name, keys, state, want in CASES:
            ok, why = run_case(d, keys, state, want)
            check(ok, f"{name} -> one line \"{want}\", exit 1, device removed ({why})")
    finally:
        xensim.stop(d)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
