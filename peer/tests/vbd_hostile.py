#!/usr/bin/env python3
"""test-peer-vbd-hostile: gntfuzz-peer --device vbd against a hostile (or absent) frontend and bad
arguments. A fake frontend in domain 1 (Debian's xenstore-write under the simulator) answers the
peer's InitWait with bad values: every case must end with one line on stderr and exit 1 (setup),
or 2 (usage), within its timeout, never a crash or a hang; the device is removed afterwards.

usage: vbd_hostile.py BUILD"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "harness", "multiproc"))
import xensim  # noqa: E402

FE = "/local/domain/1/device/vbd/51712"
BE = "/local/domain/0/backend/vbd/1/51712"

# (name, frontend keys written once the backend is in InitWait, text the one error line must contain)
HOSTILE = [
    ("ring-ref is junk", {"ring-ref": "x9", "event-channel": "x"}, "event-channel is not a port"),
    ("event channel that does not exist", {"ring-ref": "8", "event-channel": "999"}, "cannot bind its event channel 999"),
    ("ring-page-order 30", {"ring-page-order": "30", "ring-ref0": "8", "event-channel": "1"}, "ring-page-order is not 0..4"),
    ("ring-page-order not a number", {"ring-page-order": "two", "event-channel": "1"}, "ring-page-order is not 0..4"),
    ("foreign protocol", {"ring-ref": "8", "event-channel": "1", "protocol": "arm-abi"},
     "protocol 'arm-abi' is not one we serve (x86_32-abi, x86_64-abi, or none: native)"),
    ("protocol too long", {"ring-ref": "8", "event-channel": "1", "protocol": "x86_32-abi" * 8},
     "protocol '(too long)' is not one we serve"),
    ("two queues", {"ring-ref": "8", "event-channel": "1", "multi-queue-num-queues": "2"},
     "multi-queue-num-queues is not 1"),
]
# the backend keys a toolstack writes (libxl_disk.c) and blkback's features, once it is in InitWait
BACKEND_NODES = {"dev": "xvda", "type": "phy", "mode": "w", "device-type": "disk", "removable": "0",
                 "bootable": "1", "discard-enable": "0", "frontend-id": "1", "online": "1",
                 "feature-flush-cache": "1", "feature-discard": "0", "feature-persistent": "1",
                 "feature-max-indirect-segments": "32", "max-ring-page-order": "4", "multi-queue-max-queues": "1"}
# ... and the disk's, once Connected
CONNECTED_NODES = {"sectors": "32768", "sector-size": "512", "physical-sector-size": "512", "info": "0"}


def run(argv, env, timeout=15):
    t = time.time()
    try:
        p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.time() - t
    except subprocess.TimeoutExpired:
        return None, "", "timeout", time.time() - t


def finish(proc, timeout=15):
    """Wait for a started process; kill it if it hangs. (rc or None on a hang, stdout, stderr)"""
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return None, out, err


def main(build):
    mp = os.path.join(build, "multiproc")
    peer = os.path.join(build, "peer", "gntfuzz-peer")
    fails, n = 0, 0

    def ok(cond, what):
        nonlocal fails, n
        n += 1
        fails += not cond
        print(f"{'ok' if cond else 'not ok'} {n} - {what}")

    # usage errors: no simulator needed
    env = dict(os.environ)
    for argv, text in ([["--device", "disk", "--target", "1"], "--device: 'disk' is not vbd or vif"],
                       [["--device", "vbd", "--target", "1", "--strategy", "nonesuch"], "unknown strategy"],
                       [["--devid", "5", "--strategy", "hold"], "need --device"],
                       [["--device", "vbd", "--devid", "x"], "--devid: 'x' is not a device number"],
                       [["--device", "vbd", "--attach", "sideways"], "--attach: 'sideways' is not new or existing"],
                       [["--list", "nbd-strategies"], "unknown table"]):
        rc, out, err, _ = run([peer] + argv, env)
        ok(rc == 2 and text in err and len(err.strip().splitlines()) == 1,
           f"gntfuzz-peer {' '.join(argv)}: exit 2, says '{text}' (rc={rc})")

    d = tempfile.mkdtemp(prefix="vbd-hostile-")
    try:
        xensim.start(d, "0,1,2", mp=mp)
        e0, e1 = xensim.run_env(d, 0, mp), xensim.run_env(d, 1, mp)
        for name, keys, text in HOSTILE:
            pp = subprocess.Popen([peer, "--device", "vbd", "--target", "1", "--connect-timeout", "4"], env=e0,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # wait for the backend's InitWait, then answer as the frontend
            for _ in range(200):
                r = subprocess.run(["xenstore-read", BE + "/state"], env=e0, capture_output=True, text=True)
                if r.stdout.strip() == "2":
                    break
                time.sleep(0.02)
            if name == HOSTILE[0][0]:
                got = {k: subprocess.run(["xenstore-read", f"{BE}/{k}"], env=e0, capture_output=True,
                                         text=True).stdout.strip() for k in BACKEND_NODES}
                params = subprocess.run(["xenstore-read", f"{BE}/params"], env=e0, capture_output=True, text=True)
                ok(got == BACKEND_NODES and params.stdout.strip(),
                   "the backend directory has the keys libxl and blkback write "
                   f"({ {k: v for k, v in got.items() if v != BACKEND_NODES[k]} or 'all as expected'})")
            for k, v in keys.items():
                subprocess.run(["xenstore-write", f"{FE}/{k}", v], env=e1, capture_output=True)
            subprocess.run(["xenstore-write", f"{FE}/state", "3"], env=e1, capture_output=True)
            rc, out, err = finish(pp)
            lines = err.strip().splitlines()
            ok(rc == 1 and len(lines) == 1 and text in lines[0],
               f"hostile frontend, {name}: one line ('{text}'), exit 1 (rc={rc}, stderr={lines[:2]})")
            gone = subprocess.run(["xenstore-read", BE + "/state"], env=e0, capture_output=True).returncode != 0
            ok(gone, f"hostile frontend, {name}: the device is removed")
        # nobody answers: the connect timeout is a setup failure
        rc, out, err, took = run([peer, "--device", "vbd", "--target", "2", "--connect-timeout", "1"], e0)
        ok(rc == 1 and "did not become Initialised or Connected within 1.0s" in err and len(err.strip().splitlines()) == 1
           and took < 5,
           f"no frontend: one line, exit 1 after the timeout ({took:.1f}s, rc={rc})")
        rc, out, err, _ = run([peer, "--device", "vbd", "--target", "1", "--attach", "existing"], e0)
        ok(rc == 1 and "--attach existing: no backend directory" in err and len(err.strip().splitlines()) == 1,
           f"--attach existing without xl's backend dir: one line, exit 1 (rc={rc})")
        rc, out, err, _ = run([peer, "--device", "vbd", "--target", "1", "--image", "/nonexistent/disk.img"], e0)
        ok(rc == 1 and "/nonexistent/disk.img" in err and len(err.strip().splitlines()) == 1,
           f"--image that does not exist: one line, exit 1 (rc={rc})")
        # a device the guest already has (another backend serves it) is never taken over
        subprocess.run(["xenstore-write", FE + "/backend", "/local/domain/0/backend/vbd/1/other"], env=e0,
                       capture_output=True)
        rc, out, err, _ = run([peer, "--device", "vbd", "--target", "1", "--connect-timeout", "1"], e0)
        kept = subprocess.run(["xenstore-read", FE + "/backend"], env=e0, capture_output=True, text=True).stdout.strip()
        ok(rc == 1 and "exists with another backend" in err and len(err.strip().splitlines()) == 1 and kept.endswith("/other"),
           f"a devid another backend serves: one line, exit 1, left alone (rc={rc})")
        subprocess.run(["xenstore-rm", FE], env=e0, capture_output=True)
        # our blkfront against a hostile backend: absurd features, then a disk it cannot use
        target = os.path.join(build, "multiproc", "grants", "fixed", "gntfuzz-target")
        tp = subprocess.Popen([target, "--device", "vbd", "--duration", "4", "--requests", "4"], env=e1,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        w0 = lambda k, v: subprocess.run(["xenstore-write", k, v], env=e0, capture_output=True)  # noqa: E731
        for k, v in (("frontend", FE), ("frontend-id", "1"), ("state", "2"),
                     ("max-ring-page-order", "99999999999999999999"), ("feature-persistent", "7"),
                     ("feature-max-indirect-segments", "4294967296"), ("feature-flush-cache", "x")):
            w0(f"{BE}/{k}", v)
        for k, v in (("backend-id", "0"), ("backend", BE), ("state", "1")):
            w0(f"{FE}/{k}", v)
        # as xl gives them: the frontend's dir is the target's, the backend's readable by it
        subprocess.run(["xenstore-chmod", "-r", FE, "n1", "r0"], env=e0, capture_output=True)
        subprocess.run(["xenstore-chmod", "-r", BE, "n0", "r1"], env=e0, capture_output=True)
        for _ in range(200):
            r = subprocess.run(["xenstore-read", FE + "/state"], env=e0, capture_output=True, text=True)
            if r.stdout.strip() == "3":
                break
            time.sleep(0.02)
        order = subprocess.run(["xenstore-read", FE + "/ring-page-order"], env=e0, capture_output=True, text=True)
        ok(r.stdout.strip() == "3" and order.returncode != 0,
           "blkfront under absurd backend features: Initialised with a one-page ring (no ring-page-order)")
        w0(f"{BE}/sectors", "lots")
        w0(f"{BE}/state", "4")
        _, out, err = finish(tp)
        res = next((line for line in out.splitlines() if line.startswith("target: result")), "")
        ok(tp.returncode == 0 and "bad_backend=1" in res and "violations=0" in res and "connects=1" in res,
           f"blkfront: a backend disk it cannot use is refused and torn down cleanly (rc={tp.returncode}, {res[:120]}...)")
        fe_state = subprocess.run(["xenstore-read", FE + "/state"], env=e0, capture_output=True, text=True).stdout.strip()
        ok(fe_state == "6", f"blkfront: Closed after refusing the disk (state {fe_state})")
        for k in (FE, BE):
            subprocess.run(["xenstore-rm", k], env=e0, capture_output=True)
        # the target: bad device arguments, and no device that ever appears
        for argv, code, text in ((["--device", "disk"], 2, "usage"), (["--devid", "5"], 2, "need --device"),
                                 (["--device", "vbd", "--ring-order", "9"], 2, "usage"),
                                 (["--device", "vbd", "--protocol", "arm-abi"], 2, "usage"),
                                 (["--device", "vbd", "--xenbus", "sometimes"], 2, "usage"),
                                 (["--protocol", "none"], 2, "need --device"),
                                 (["--device", "vif", "--protocol", "x86_32-abi"], 2, "netif has one layout"),
                                 (["--device", "vbd", "--duration", "0.5"], 1, "no device directory")):
            rc, out, err, took = run([target] + argv, e1)
            ok(rc == code and text in err and took < 5,
               f"gntfuzz-target {' '.join(argv)}: exit {code}, says '{text}' (rc={rc}, {err.strip()[:80]})")
        # the disk's keys once the peer is Connected with our blkfront (honest, the 32-bit layout; the
        # frontend kept busy until the peer ends after 1 s)
        pp = subprocess.Popen([peer, "--device", "vbd", "--target", "1", "--duration", "1", "--connect-timeout", "4"],
                              env=e0, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        tp = subprocess.Popen([target, "--device", "vbd", "--duration", "4", "--requests", "400", "--protocol",
                               "x86_32-abi"], env=e1, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        got = {}
        for _ in range(300):
            if subprocess.run(["xenstore-read", BE + "/state"], env=e0, capture_output=True, text=True).stdout.strip() == "4":
                got = {k: subprocess.run(["xenstore-read", f"{BE}/{k}"], env=e0, capture_output=True,
                                         text=True).stdout.strip() for k in CONNECTED_NODES}
                break
            time.sleep(0.01)
        pout = pp.communicate(timeout=20)[0]
        tout = tp.communicate(timeout=20)[0]
        ok(got == CONNECTED_NODES, f"Connected: sectors, sector-size, physical-sector-size, info as blkback writes them ({got})")
        verdict = next((line for line in pout.splitlines() if line.startswith("peer: verdict")), "")
        res = next((line for line in tout.splitlines() if line.startswith("target: result")), "")
        ok("protocol=x86_32-abi" in verdict and "result=held" in verdict and int(dict(re.findall(r"(\w+)=(\S+)", res)).get("completed", 0)) > 8
           and "bad_rsp=0" in res and "rsp_errors=0" in res
           and "data_mismatch=0" in res, f"blkfront in the 32-bit layout: every request served intact ({res[:90]}...)")
        # the target is destroyed while the peer waits for its frontend (a toolstack removes its
        # directory): the peer says so and stops at once, not after its connect timeout
        subprocess.run(["xenstore-write", "/local/domain/2/name", "doomed"], env=e0, capture_output=True)
        pp = subprocess.Popen([peer, "--device", "vbd", "--target", "2", "--connect-timeout", "30"], env=e0,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(300):
            if subprocess.run(["xenstore-read", "/local/domain/0/backend/vbd/2/51712/state"], env=e0,
                              capture_output=True, text=True).stdout.strip() == "2":
                break
            time.sleep(0.01)
        time.sleep(1.2)   # the peer looks once a second: it has seen the domain there
        t = time.time()
        subprocess.run(["xenstore-rm", "/local/domain/2"], env=e0, capture_output=True)
        rc, _, err = finish(pp)
        took = time.time() - t
        lines = err.strip().splitlines()
        ok(rc == 1 and len(lines) == 1 and "the target domain 2 is gone" in lines[0] and took < 5,
           f"a target destroyed while the peer waits: one line, exit 1 in {took:.1f}s, not after 30 s (rc={rc}, {lines[:2]})")
    finally:
        xensim.stop(d)
        shutil.rmtree(d, ignore_errors=True)
    print(f"1..{n}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")))
