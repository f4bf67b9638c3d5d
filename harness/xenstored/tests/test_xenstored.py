#!/usr/bin/env python3
"""test-xenstored: gntfuzz-xenstored against Debian's real xenstore clients, then hostile raw
messages against its ASan/UBSan build.

Part 1 (normal build): Debian's xenstore-write/read/ls/list/exists/chmod/rm/watch through
XENSTORED_PATH, a permission denial for an unprivileged domain, a transaction conflict from a C
client linked against Debian's libxenstore, and Debian's test-xenstore (all of its tests).
Part 2 (ASan build): truncated header, truncated payload, len 0xffffffff, garbage type, a path
without NUL, random garbage, 10000 watches, a client dying mid-transaction and a client that
never reads - each answered or dropped while a second client keeps being served, and the daemon
stops cleanly on SIGTERM without a sanitizer report.

Message types and limits are read from Debian's /usr/include/xen/io/xs_wire.h, not re-declared.
Prints TAP lines; exits 1 if any check failed.
"""
import argparse
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

XS_WIRE = "/usr/include/xen/io/xs_wire.h"
TEST_XENSTORE = "/usr/lib/xen-4.17/bin/test-xenstore"
TOOLS = ["xenstore-write", "xenstore-read", "xenstore-ls", "xenstore-list", "xenstore-exists",
         "xenstore-chmod", "xenstore-rm", "xenstore-watch"]
HDR = struct.Struct("=IIII")   # struct xsd_sockmsg: type, req_id, tx_id, len

failures = 0


def check(ok, name):
    global failures
    print(("ok - " if ok else "not ok - ") + name, flush=True)
    if not ok:
        failures += 1
    return ok


def wire_constants(path=XS_WIRE):
    """enum xsd_sockmsg_type values and XENSTORE_* defines from Debian's header."""
    text = open(path).read()
    consts = {}
    for name, val in re.findall(r"#define\s+(XENSTORE_\w+)\s+(\d+)", text):
        consts[name] = int(val)
    body = re.search(r"enum\s+xsd_sockmsg_type\s*\{(.*?)\};", text, re.S)
    if not body:
        raise ValueError(f"{path}: enum xsd_sockmsg_type not found")
    nxt = 0
    for line in body.group(1).splitlines():
        line = re.sub(r"/\*.*?\*/", "", line).strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"(\w+)\s*(?:=\s*([^,]+))?,?$", line)
        if not m:
            continue
        name, expr = m.group(1), m.group(2)
        if expr:   # only "N", "0xN" and "NAME + N" occur
            nxt = sum(consts[t] if t in consts else int(t, 0) for t in
                      (x.strip() for x in expr.split("+")))
        consts[name] = nxt
        nxt += 1
    return consts


class Raw:
    """A raw xenstore wire client on a Unix socket."""

    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.req = 0
        self.events = []   # watch event payloads that arrived while waiting for replies

    def send(self, mtype, payload=b"", tx=0, req=None, length=None):
        self.req += 1
        rid = self.req if req is None else req
        n = len(payload) if length is None else length
        self.s.sendall(HDR.pack(mtype, rid, tx, n) + payload)
        return rid

    def recv_msg(self):
        """One message (type, req_id, tx_id, payload), or None on EOF."""
        while True:
            if len(self.buf) >= HDR.size:
                t, r, tx, n = HDR.unpack(self.buf[:HDR.size])
                if len(self.buf) >= HDR.size + n:
                    body = self.buf[HDR.size:HDR.size + n]
                    self.buf = self.buf[HDR.size + n:]
                    return t, r, tx, body
            data = self.s.recv(65536)
            if not data:
                return None
            self.buf += data

    def call(self, mtype, payload=b"", tx=0):
        """Send a request and return its reply, skipping watch events."""
        rid = self.send(mtype, payload, tx)
        while True:
            m = self.recv_msg()
            if m is not None and m[0] == C["XS_WATCH_EVENT"]:
                self.events.append(m[3])
            elif m is None or m[1] == rid:
                return m

    def close(self):
        self.s.close()


def run(args, env, timeout=10, stdin=None):
    try:
        p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, input=stdin)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return -1, "", "timeout"


def start_daemon(binary, sock_dir, extra_env=None, log=None):
    pid_file = os.path.join(sock_dir, "pid")
    env = dict(os.environ, **(extra_env or {}))
    proc = subprocess.Popen([binary, "--dir", sock_dir, "--domains", "0,1,2", "--pid-file", pid_file],
                            stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not os.path.exists(pid_file):
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    if os.path.exists(pid_file):
        return proc
    proc.kill()
    proc.wait()
    return None


def stop_daemon(proc):
    """SIGTERM; the exit status (or None if it had to be killed)."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


def env_for(sock_dir, domid):
    return dict(os.environ, XENSTORED_PATH=os.path.join(sock_dir, f"dom{domid}.sock"))


def part_debian_tools(daemon, txn_client, sock_dir):
    proc = start_daemon(daemon, sock_dir)
    if not check(proc is not None, "daemon starts and listens on dom0/dom1/dom2 sockets"):
        return
    try:
        e0, e1, e2 = (env_for(sock_dir, d) for d in (0, 1, 2))
        check(run(["xenstore-write", "/rt/a", "va", "/rt/b", "vb"], e0)[0] == 0, "xenstore-write two nodes")
        rc, out, _ = run(["xenstore-read", "/rt/a"], e0)
        check(rc == 0 and out == "va\n", "xenstore-read returns the written value")
        rc, out, _ = run(["xenstore-ls", "/rt"], e0)
        check(rc == 0 and 'a = "va"' in out and 'b = "vb"' in out, "xenstore-ls shows both nodes")
        rc, out, _ = run(["xenstore-list", "/rt"], e0)
        check(rc == 0 and out.split() == ["a", "b"], "xenstore-list lists the children in order")
        check(run(["xenstore-exists", "/rt/a"], e0)[0] == 0, "xenstore-exists: present node")
        check(run(["xenstore-exists", "/rt/zz"], e0)[0] != 0, "xenstore-exists: missing node")
        check(run(["xenstore-chmod", "/rt/a", "n0", "r1"], e0)[0] == 0, "xenstore-chmod n0 r1")
        rc, out, _ = run(["xenstore-ls", "-p", "/rt"], e0)
        check(rc == 0 and "(n0,r1)" in out, "xenstore-ls -p shows the new permissions")
        rc, out, _ = run(["xenstore-read", "/rt/a"], e1)
        check(rc == 0 and out == "va\n", "dom1 reads what it was granted")
        rc, _, err = run(["xenstore-read", "/rt/a"], e2)
        check(rc != 0, "dom2 read denied (permission)")
        rc, _, err = run(["xenstore-write", "/rt/a", "evil"], e1)
        check(rc != 0 and run(["xenstore-read", "/rt/a"], e0)[1] == "va\n",
              "dom1 write to a read-only node denied, value unchanged")
        check(run(["xenstore-write", "data/x", "from1"], e1)[0] == 0 and
              run(["xenstore-read", "/local/domain/1/data/x"], e0)[1] == "from1\n",
              "dom1 relative write lands in /local/domain/1")
        rc, _, _ = run(["xenstore-rm", "/rt/a"], e0)
        check(rc == 0 and run(["xenstore-exists", "/rt/a"], e0)[0] != 0, "xenstore-rm removes the node")

        # A directory too big for one reply: libxenstore falls back to XS_DIRECTORY_PART.
        kids = [f"child-with-a-long-name-{i:04d}" for i in range(300)]
        args = ["xenstore-write"] + [x for k in kids for x in (f"/big/{k}", "")]
        rc, out, _ = run(args, e0, timeout=30)
        rc2, out, _ = run(["xenstore-list", "/big"], e0)
        check(rc == 0 and rc2 == 0 and out.split() == kids,
              f"xenstore-list of a {sum(len(k) + 1 for k in kids)}-byte directory (DIRECTORY_PART)")

        # xenstore-watch: one event at registration, one for the write.
        w = subprocess.Popen(["xenstore-watch", "-n", "2", "/wt"], env=e0, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        ready, _, _ = select.select([w.stdout], [], [], 5)
        first = w.stdout.readline() if ready else ""
        run(["xenstore-write", "/wt/k", "v"], e0)
        try:
            rest, _ = w.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            w.kill()
            rest, _ = w.communicate()
        check(first == "/wt\n" and rest == "/wt/k\n" and w.returncode == 0,
              "xenstore-watch fires at registration and on a write")

        rc, out, err = run([txn_client], e0, timeout=20)
        sys.stdout.write(out)
        if rc != 0 and "not ok" not in out:
            check(False, f"libxenstore transaction client exited {rc}: {err.strip()}")

        rc, out, _ = run([TEST_XENSTORE, "--list-tests"], e0)
        names = [l.split(":")[0].strip() for l in out.splitlines() if ":" in l]
        check(rc == 0 and len(names) > 0, f"test-xenstore lists {len(names)} tests: {', '.join(names)}")
        rc, out, err = run([TEST_XENSTORE], e0, timeout=120)
        reported = {}
        for line in out.splitlines():
            if ":" in line:
                name, rest = line.split(":", 1)
                reported[name.strip()] = rest.strip()
        for name in names:
            res = reported.get(name, "not run")
            check(res != "not run" and not res.startswith("failed"), f"test-xenstore '{name}': {res}")
        check(rc == 0, f"test-xenstore exit status {rc}")
        rc, out, _ = run(["xenstore-ls", "/local/domain/0"], e0)
        check("xenstore-test" not in out, "test-xenstore cleaned up after itself")
    finally:
        status = stop_daemon(proc)
        check(status == 0, f"SIGTERM stops the daemon cleanly (exit {status})")
        check(not any(f.endswith(".sock") for f in os.listdir(sock_dir)), "sockets removed on exit")


def observer_ok(sock_dir):
    """A second client (dom0) still gets correct answers."""
    try:
        o = Raw(os.path.join(sock_dir, "dom0.sock"))
        w = o.call(C["XS_WRITE"], b"/obs/k\0" + b"alive")
        r = o.call(C["XS_READ"], b"/obs/k\0")
        o.close()
        return w is not None and w[3] == b"OK\0" and r is not None and r[3] == b"alive"
    except OSError:
        return False


def stats(sock_dir):
    o = Raw(os.path.join(sock_dir, "dom0.sock"))
    m = o.call(C["XS_CONTROL"], b"stats\0")
    o.close()
    return dict(zip(*[iter(m[3].rstrip(b"\0\n").decode().split())] * 2)) if m else {}


def settled_stats(sock_dir, want, timeout=10.0):
    """Stats once they match `want` (the daemon may not have seen a close yet), or the last ones."""
    deadline = time.monotonic() + timeout
    while True:
        st = stats(sock_dir)
        if all(st.get(k) == v for k, v in want.items()) or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def part_hostile(asan_daemon, sock_dir):
    os.makedirs(sock_dir, exist_ok=True)
    log_path = os.path.join(sock_dir, "asan.log")
    log = open(log_path, "w")
    proc = start_daemon(asan_daemon, sock_dir, {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
                                                "UBSAN_OPTIONS": "print_stacktrace=1"}, log)
    if not check(proc is not None, "ASan daemon starts"):
        return
    d0 = os.path.join(sock_dir, "dom0.sock")
    d1 = os.path.join(sock_dir, "dom1.sock")
    ERR = C["XS_ERROR"]
    try:
        base = stats(sock_dir)

        c = Raw(d1)
        c.s.sendall(HDR.pack(C["XS_READ"], 1, 0, 8)[:7])
        c.close()
        check(observer_ok(sock_dir), "truncated header, client gone: others served")

        c = Raw(d1)
        c.s.sendall(HDR.pack(C["XS_WRITE"], 1, 0, 100) + b"/x\0abc")
        c.close()
        check(observer_ok(sock_dir), "truncated payload, client gone: others served")

        c = Raw(d1)
        c.send(C["XS_READ"], b"", length=0xffffffff)
        m = c.recv_msg()
        eof = c.recv_msg()
        c.close()
        check(m is not None and m[0] == ERR and m[3] == b"E2BIG\0" and eof is None,
              "len 0xffffffff: XS_ERROR E2BIG, then the connection is closed")
        check(observer_ok(sock_dir), "len 0xffffffff: others served")

        c = Raw(d1)
        m = c.call(0xdeadbeef, b"/x\0")
        m2 = c.call(C["XS_GET_DOMAIN_PATH"], b"1\0")
        c.close()
        check(m is not None and m[0] == ERR and m[3] == b"EINVAL\0", "garbage type: XS_ERROR EINVAL")
        check(m2 is not None and m2[3] == b"/local/domain/1\0", "garbage type: same connection still served")

        c = Raw(d1)
        m = c.call(C["XS_READ"], b"/local/domain/1")
        m2 = c.call(C["XS_WRITE"], b"nonul")
        m3 = c.call(C["XS_WATCH"], b"only-path\0")
        c.close()
        check(all(x is not None and x[0] == ERR and x[3] == b"EINVAL\0" for x in (m, m2, m3)),
              "no NUL in path / missing token: XS_ERROR EINVAL")

        c = Raw(d1)
        m = c.call(C["XS_READ"], b"/local/domain/0/../x\0")
        m2 = c.call(C["XS_WRITE"], b"/a" * 2000 + b"\0v")
        c.close()
        check(m[3] == b"EINVAL\0" and m2[3] == b"EINVAL\0", "bad path characters / over-long path: EINVAL")

        # Random garbage: any mix of replies and a close, never a crash.
        rng = random.Random(4)
        for i in range(20):
            c = Raw(d1, timeout=2)
            junk = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 3000)))
            try:
                c.s.sendall(junk)
                c.s.shutdown(socket.SHUT_WR)
                while c.recv_msg() is not None:
                    pass
            except OSError:
                pass
            c.close()
        check(proc.poll() is None and observer_ok(sock_dir), "20 random garbage streams: others served")

        # 10000 watches from dom1: a sender thread, replies read as they come.
        c = Raw(d1, timeout=10)
        counts = {"ok": 0, "e2big": 0, "events": 0, "other": 0}

        def sender():
            for i in range(10000):
                c.send(C["XS_WATCH"], f"w{i}\0tok\0".encode())

        t = threading.Thread(target=sender)
        t.start()
        got = 0
        while got < 10000:
            m = c.recv_msg()
            if m is None:
                break
            if m[0] == C["XS_WATCH_EVENT"]:
                counts["events"] += 1
                continue
            got += 1
            key = "ok" if m[3] == b"OK\0" else "e2big" if m[3] == b"E2BIG\0" else "other"
            counts[key] += 1
        t.join()
        check(counts["ok"] == 128 and counts["e2big"] == 9872 and counts["events"] == 128,
              f"10000 watches: {counts['ok']} accepted, {counts['e2big']} E2BIG, {counts['events']} initial events")
        check(observer_ok(sock_dir), "10000 watches: others served")
        s_mid = stats(sock_dir)
        c.close()

        # XS_INTRODUCE from dom0 opens a socket for the new domain, XS_RELEASE closes it.
        o = Raw(d0)
        o.call(C["XS_WATCH"], b"@introduceDomain\0intro\0")
        o.call(C["XS_WATCH"], b"@releaseDomain\0rel\0")
        m = o.call(C["XS_INTRODUCE"], b"5\0" + b"1234\0" + b"3\0")
        d5 = os.path.join(sock_dir, "dom5.sock")
        check(m is not None and m[3] == b"OK\0" and os.path.exists(d5), "XS_INTRODUCE 5 opens dom5.sock")
        c5 = Raw(d5)
        denied = c5.call(C["XS_WRITE"], b"data/x\0v")
        o.call(C["XS_MKDIR"], b"/local/domain/5\0")
        o.call(C["XS_SET_PERMS"], b"/local/domain/5\0n5\0")
        allowed = c5.call(C["XS_WRITE"], b"data/x\0v")
        check(denied[3] == b"EACCES\0" and allowed[3] == b"OK\0",
              "dom5 may write only once the toolstack (dom0) gave it /local/domain/5")
        m = c5.call(C["XS_RELEASE"], b"5\0")
        check(m[3] == b"EACCES\0", "XS_RELEASE from dom5 itself: EACCES")
        m = o.call(C["XS_RELEASE"], b"5\0")
        closed = c5.recv_msg() is None
        c5.close()
        o.s.settimeout(2)
        evs = o.events
        try:
            while len(evs) < 4:
                e = o.recv_msg()
                if e is None:
                    break
                if e[0] == C["XS_WATCH_EVENT"]:
                    evs.append(e[3])
        except socket.timeout:
            pass
        o.close()
        check(m[3] == b"OK\0" and closed and not os.path.exists(d5),
              "XS_RELEASE 5 closes dom5's connection and socket")
        # One event each at registration, one each for the introduce and the release.
        check(evs.count(b"@introduceDomain\0intro\0") == 2, "@introduceDomain fired on introduce")
        check(evs.count(b"@releaseDomain\0rel\0") == 2, "@releaseDomain fired on release")

        # A client dying mid-transaction loses its transaction and watches, nothing else.
        c = Raw(d1)
        m = c.call(C["XS_TRANSACTION_START"], b"\0")
        tx = int(m[3].rstrip(b"\0"))
        c.call(C["XS_WRITE"], b"data/txn\0pending", tx=tx)
        c.call(C["XS_WATCH"], b"data\0t\0")
        c.send(C["XS_WRITE"], b"data/half\0", tx=tx, length=500)   # and dies mid-message
        during = stats(sock_dir)
        c.s.close()
        after = settled_stats(sock_dir, {k: base.get(k) for k in ("conns", "watches", "transactions")})
        o = Raw(d0)
        r = o.call(C["XS_READ"], b"/local/domain/1/data/txn\0")
        o.close()
        check(int(during.get("transactions", -1)) == int(base.get("transactions", 0)) + 1 and
              after.get("transactions") == base.get("transactions") and
              after.get("watches") == base.get("watches") and after.get("conns") == base.get("conns"),
              f"client killed mid-transaction: its transaction and watch are gone ({during} -> {after})")
        check(r is not None and r[0] == ERR and r[3] == b"ENOENT\0",
              "its uncommitted write never reached the store")
        check(int(s_mid.get("watches", 0)) >= 128, "watch count was visible while held")

        # A client that pipelines 2000 big reads and reads its replies slowly is not dropped.
        c = Raw(d0, timeout=10)
        c.call(C["XS_WRITE"], b"/big/v\0" + b"x" * 4000)
        req = HDR.pack(C["XS_READ"], 1, 0, 7) + b"/big/v\0"
        t = threading.Thread(target=lambda: c.s.sendall(req * 2000))
        t.start()
        got = 0
        try:
            while got < 2000:
                m = c.recv_msg()
                if m is None or m[3] != b"x" * 4000:
                    break
                got += 1
                if got % 100 == 0:
                    time.sleep(0.02)
        except OSError:
            pass
        t.join()
        c.close()
        check(got == 2000, f"slow-reading pipelining client got {got}/2000 replies of 4000 bytes")

        # A client that floods requests and never reads: back-pressure, others served.
        c = Raw(d1)
        c.s.setblocking(False)
        req = HDR.pack(C["XS_GET_DOMAIN_PATH"], 1, 0, 2) + b"1\0"
        sent = 0
        try:
            for _ in range(200000):
                sent += c.s.send(req * 64)
        except BlockingIOError:
            pass
        check(observer_ok(sock_dir), f"client flooding without reading ({sent} bytes queued): others served")
        c.close()
        check(settled_stats(sock_dir, {"conns": base.get("conns")}).get("conns") == base.get("conns"),
              "flooding client's connection released")
    finally:
        alive = proc.poll() is None
        check(alive, "ASan daemon survived every hostile client")
        status = stop_daemon(proc) if alive else proc.returncode
        log.close()
        report = open(log_path).read()
        bad = [l for l in report.splitlines() if "Sanitizer" in l or "runtime error" in l]
        check(status == 0 and not bad, f"ASan daemon exits 0 on SIGTERM, no sanitizer report "
              f"(exit {status}{'; ' + bad[0] if bad else ''})")


def main():
    global C
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--asan-daemon", required=True)
    ap.add_argument("--txn-client", required=True)
    a = ap.parse_args()
    missing = [t for t in TOOLS if not shutil.which(t)]
    missing += [p for p in (TEST_XENSTORE, XS_WIRE) if not os.path.exists(p)]
    missing += [p for p in (a.daemon, a.asan_daemon, a.txn_client) if not os.access(p, os.X_OK)]
    if missing:
        print(f"not ok - prerequisites missing: {' '.join(missing)} "
              f"(run `make deps`: packages xen-utils-4.17, libxen-dev)")
        return 1
    try:
        C = wire_constants()
    except (OSError, ValueError, KeyError, SyntaxError) as e:
        print(f"not ok - cannot read message types from {XS_WIRE}: {e}")
        return 1
    with tempfile.TemporaryDirectory(prefix="gntfuzz-xsd-") as d:
        part_debian_tools(a.daemon, a.txn_client, os.path.join(d, "normal"))
        part_hostile(a.asan_daemon, os.path.join(d, "asan"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
