#!/usr/bin/env python3
"""xensim - start, stop and use the multi-process simulated Xen.

  xensim start --dir DIR [--domains 0,1,2]   broker daemon (+ our xenstored when it is built)
  xensim stop  --dir DIR
  xensim run   --dir DIR --domain N -- CMD...  run CMD as a process of domain N: the drop-in
               libxengnttab/libxenevtchn/libxenctrl on LD_LIBRARY_PATH, XENSTORED_PATH to the
               xenstore socket of domain N, the broker socket in $GNTFUZZ_BROKER
  xensim stats --dir DIR                      the broker's counters, one key=value a line
  xensim pins  --dir DIR --domain D --ref R   pin counts of one grant: "rd=N wr=N"
  xensim bench --out BUILDDIR -- BENCH        start a private simulator and run a benchmark in it
"""
import argparse
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..")) if os.path.basename(HERE) == "multiproc" \
    and os.path.isdir(os.path.join(HERE, "..", "..", "harness")) else None

MP_MAGIC = 0x67667a31
OPS = {"HELLO": 1, "STATS": 20, "REF_PINS": 21, "SHUTDOWN": 22}
STATS_FIELDS = ["clients", "live_maps", "pins", "ports", "shares", "paused", "msgs", "errors",
                "maps_total", "unmaps_total", "events_sent", "released_on_close"]
STATS_FMT = "<6I6Q"
CHILDREN = {}  # dir -> processes this Python process started there (reaped by stop())


def die(msg):
    print(f"xensim: {msg}", file=sys.stderr)
    sys.exit(1)


def build_dir():
    """Where the C pieces are: beside this file when installed in build/, else build/multiproc."""
    if os.path.exists(os.path.join(HERE, "gntfuzz-broker")):
        return HERE
    base = os.environ.get("BUILD", "build")
    for root in filter(None, [ROOT, os.getcwd()]):
        cand = os.path.join(root, base, "multiproc")
        if os.path.exists(os.path.join(cand, "gntfuzz-broker")):
            return os.path.abspath(cand)
    die("the broker is not built (run `make multiproc`)")


def xenstored_bin(mp_build):
    cand = os.path.join(os.path.dirname(mp_build), "xenstored", "gntfuzz-xenstored")
    return cand if os.access(cand, os.X_OK) else None


class Broker:
    """A dom0 connection speaking the broker's wire protocol (harness/multiproc/proto.h)."""

    def __init__(self, d, domid=0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(5)
        try:
            self.s.connect(os.path.join(d, "broker.sock"))
        except OSError as e:
            die(f"no broker at {d}: {e.strerror}")
        st, _ = self.call(OPS["HELLO"], struct.pack("<IHH", MP_MAGIC, domid, 4))
        if st < 0:
            die(f"broker refused hello: errno {-st}")

    def call(self, op, payload=b""):
        self.s.send(struct.pack("<HHI", op, 0, len(payload)) + payload)
        data = self.s.recv(16384)
        if len(data) < 16:
            die("short reply from the broker")
        _op, _nfds, status, n, _pad = struct.unpack("<HHiII", data[:16])
        return status, data[16:16 + n]

    def stats(self):
        st, p = self.call(OPS["STATS"])
        if st < 0 or len(p) != struct.calcsize(STATS_FMT):
            die("bad stats reply")
        return dict(zip(STATS_FIELDS, struct.unpack(STATS_FMT, p)))

    def pins(self, dom, ref):
        st, p = self.call(OPS["REF_PINS"], struct.pack("<II", dom, ref))
        if st < 0:
            die(f"no such grant: domain {dom} ref {ref}")
        return struct.unpack("<II", p[:8])

    def close(self):
        self.s.close()


def wait_for(path, proc, what, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            return
        if proc.poll() is not None:
            die(f"{what} exited with {proc.returncode} (see its log in {os.path.dirname(path)})")
        time.sleep(0.02)
    die(f"{what} did not create {path} within {timeout:.0f}s")


def start(d, domains, with_xenstored=True, mp=None):
    mp = mp or build_dir()
    os.makedirs(d, exist_ok=True)
    if os.path.exists(os.path.join(d, "broker.pid")):
        try:
            os.kill(int(open(os.path.join(d, "broker.pid")).read()), 0)
            die(f"a broker already runs in {d}")
        except (ProcessLookupError, ValueError):
            pass
    log = open(os.path.join(d, "broker.log"), "ab")
    p = subprocess.Popen([os.path.join(mp, "gntfuzz-broker"), "--dir", d, "--domains", domains],
                         stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    CHILDREN.setdefault(d, []).append(p)
    wait_for(os.path.join(d, "broker.sock"), p, "the broker")
    xs = xenstored_bin(mp) if with_xenstored else None
    if with_xenstored and not xs:
        print("xensim: note: build/xenstored/gntfuzz-xenstored is not built (make xenstored); "
              "no xenstore in this simulator", file=sys.stderr)
    if xs:
        log = open(os.path.join(d, "xenstored.log"), "ab")
        q = subprocess.Popen([xs, "--dir", d, "--domains", domains], stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        CHILDREN[d].append(q)
        with open(os.path.join(d, "xenstored.pid.xensim"), "w") as f:
            f.write(f"{q.pid}\n")
        for dom in domains.split(","):
            wait_for(os.path.join(d, f"dom{dom}.sock"), q, "xenstored")
        announce_domains(d, domains, mp)
    return p


def announce_domains(d, domains, mp):
    """What a toolstack writes for every domain: /local/domain/N/{domid,name}, readable by N."""
    env = run_env(d, 0, mp)
    for dom in domains.split(","):
        base = f"/local/domain/{dom}"
        for cmd in (["xenstore-write", f"{base}/domid", dom, f"{base}/name", f"sim-dom{dom}"],
                    ["xenstore-chmod", f"{base}/domid", "n0", f"r{dom}"],
                    ["xenstore-chmod", f"{base}/name", "n0", f"r{dom}"]):
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                die(f"cannot announce domain {dom} in xenstore ({' '.join(cmd[:2])}): {r.stderr.strip()}")


def stop(d):
    sock = os.path.join(d, "broker.sock")
    pidf = os.path.join(d, "broker.pid")
    pid = int(open(pidf).read()) if os.path.exists(pidf) else None
    if os.path.exists(sock):
        try:
            b = Broker(d)
            b.call(OPS["SHUTDOWN"])
            b.close()
        except SystemExit:
            pass
    xpf = os.path.join(d, "xenstored.pid.xensim")
    if os.path.exists(xpf):
        try:
            os.kill(int(open(xpf).read()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
        os.unlink(xpf)
    for child in CHILDREN.pop(d, []):  # our own children: reap them
        try:
            child.wait(timeout=2)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.pid == pid:
            pid = None
    if pid:  # started by another xensim: wait for it to go; insist if it does not
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.01)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def run_env(d, domain, mp=None):
    mp = mp or build_dir()
    env = dict(os.environ)
    lib = os.path.join(mp, "lib")
    env["LD_LIBRARY_PATH"] = lib + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    env["GNTFUZZ_BROKER"] = os.path.abspath(os.path.join(d, "broker.sock"))
    env["GNTFUZZ_DOMID"] = str(domain)
    env["XENSTORED_PATH"] = os.path.abspath(os.path.join(d, f"dom{domain}.sock"))
    return env


def main(argv):
    ap = argparse.ArgumentParser(prog="xensim", description="multi-process simulated Xen")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("start", "stop", "run", "stats", "pins"):
        sp = sub.add_parser(name)
        sp.add_argument("--dir", required=True)
        if name == "start":
            sp.add_argument("--domains", default="0,1,2")
            sp.add_argument("--no-xenstored", action="store_true")
        if name in ("run", "pins"):
            sp.add_argument("--domain", type=int, required=True)
        if name == "pins":
            sp.add_argument("--ref", type=int, required=True)
        if name == "run":
            sp.add_argument("command", nargs=argparse.REMAINDER)
    bp = sub.add_parser("bench")
    bp.add_argument("--out", required=True)
    bp.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)

    if a.cmd == "start":
        start(a.dir, a.domains, not a.no_xenstored)
    elif a.cmd == "stop":
        stop(a.dir)
    elif a.cmd == "stats":
        b = Broker(a.dir)
        for k, v in b.stats().items():
            print(f"{k}={v}")
    elif a.cmd == "pins":
        rd, wr = Broker(a.dir).pins(a.domain, a.ref)
        print(f"rd={rd} wr={wr}")
    elif a.cmd == "run":
        cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
        if not cmd:
            die("run: no command given (xensim run --dir DIR --domain N -- CMD...)")
        env = run_env(a.dir, a.domain)
        try:
            os.execvpe(cmd[0], cmd, env)
        except OSError as e:
            die(f"cannot run {cmd[0]}: {e.strerror}")
    elif a.cmd == "bench":
        cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
        if not cmd:
            die("bench: no command given")
        d = tempfile.mkdtemp(prefix="xensim-bench-")
        try:
            start(d, "0,1", with_xenstored=False, mp=os.path.abspath(a.out))
            rc = subprocess.call(cmd, env=run_env(d, 0))
        finally:
            stop(d)
            shutil.rmtree(d, ignore_errors=True)
        return rc
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
