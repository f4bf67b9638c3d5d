#!/usr/bin/env python3
"""test-dropin: check the drop-ins' ABI against Debian's, then run test_dropin in a fresh simulator."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import xensim  # noqa: E402

DEBIAN = "/usr/lib/x86_64-linux-gnu"


def defined_symbols(lib):
    """{(symbol, version)} of the functions a shared library defines, and its soname."""
    out = subprocess.run(["objdump", "-T", "-p", lib], capture_output=True, text=True, check=True).stdout
    syms, soname = set(), None
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 7 and "DF" in f and ".text" in f:
            syms.add((f[-1], f[-2]))
        if line.strip().startswith("SONAME"):
            soname = f[-1]
    return syms, soname


VCHAN = "/usr/lib/xen-4.17/bin/vchan-socket-proxy"


def vchan_exchange(out):
    """Debian's unmodified vchan-socket-proxy (libxenvchan: gntshr, gnttab, evtchn, xenstore,
    libxenctrl) as a server in dom1 and a client in dom0: both directions must arrive."""
    if not os.access(VCHAN, os.X_OK):
        print(f"not ok - {VCHAN} is missing (package xen-utils-4.17)")
        return 1
    d = tempfile.mkdtemp(prefix="test-vchan-")
    fails = 0
    try:
        xensim.start(d, "0,1", mp=out)
        if not xensim.xenstored_bin(out):
            print("not ok - vchan exchange needs build/xenstored/gntfuzz-xenstored (make xenstored)")
            return 1
        path = "/local/domain/1/data/vchan"
        server = subprocess.Popen(["sh", "-c", f"(echo from-dom1; sleep 2) | {VCHAN} -m server 0 {path} -"],
                                  env=xensim.run_env(d, 1, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        time.sleep(0.5)
        client = subprocess.run(["sh", "-c", f"(echo from-dom0; sleep 1) | {VCHAN} -m client 1 {path} -"],
                                env=xensim.run_env(d, 0, out), capture_output=True, text=True, timeout=20)
        sout, serr = server.communicate(timeout=20)
        ok = client.returncode == 0 and "from-dom1" in client.stdout and "from-dom0" in sout
        fails += not ok
        print(f"{'ok' if ok else 'not ok'} - Debian's vchan-socket-proxy: dom1 server and dom0 client exchange data")
        if not ok:
            print(f"#   client rc={client.returncode} out={client.stdout!r} err={client.stderr.strip()[-200:]!r}")
            print(f"#   server out={sout!r} err={serr.strip()[-200:]!r}")
        time.sleep(0.1)
        b = xensim.Broker(d)
        s = b.stats()
        b.close()
        ok = s["live_maps"] == 0 and s["pins"] == 0 and s["shares"] == 0 and s["ports"] == 0
        fails += not ok
        print(f"{'ok' if ok else 'not ok'} - after vchan both sides exited, the broker holds nothing "
              f"(maps={s['live_maps']} pins={s['pins']} shares={s['shares']} ports={s['ports']})")
    except subprocess.TimeoutExpired:
        print("not ok - vchan exchange timed out")
        fails += 1
    finally:
        xensim.stop(d)
        shutil.rmtree(d, ignore_errors=True)
    return fails


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def broker_sleeps_when_idle(d):
    """The broker spins a few microseconds after each request, bounded: with no client talking it
    must sleep, so one idle second costs it (almost) no CPU."""
    try:
        with open(os.path.join(d, "broker.pid")) as f:
            pid = int(f.read())
        before = cpu_ticks(pid)
        time.sleep(1.0)
        used = cpu_ticks(pid) - before
    except (OSError, ValueError) as e:
        print(f"not ok - broker CPU time unreadable: {e}")
        return 1
    hz = os.sysconf("SC_CLK_TCK")
    ok = used * 1000 // hz <= 50
    print(f"{'ok' if ok else 'not ok'} - the idle broker sleeps: {used * 1000 // hz} ms CPU in 1 s idle")
    return 0 if ok else 1


def main(out):
    fails = 0
    for ours, theirs, subset in (("libxengnttab.so.1", "libxengnttab.so.1", False),
                                 ("libxenevtchn.so.1", "libxenevtchn.so.1", False),
                                 ("libxenctrl.so.4.17", "libxenctrl.so.4.17", True)):
        s_ours, n_ours = defined_symbols(os.path.join(out, "lib", ours))
        s_deb, n_deb = defined_symbols(os.path.join(DEBIAN, theirs))
        same = (s_ours <= s_deb and bool(s_ours)) if subset else s_ours == s_deb
        ok = same and n_ours == n_deb
        fails += not ok
        what = "a subset of" if subset else "the same as"
        print(f"{'ok' if ok else 'not ok'} - {ours}: soname {n_ours}, {len(s_ours)} versioned functions, {what} Debian's")
        if not ok:
            print(f"#   missing: {sorted(s_deb - s_ours)[:8]} extra: {sorted(s_ours - s_deb)[:8]}")
    d = tempfile.mkdtemp(prefix="test-dropin-")
    try:
        xensim.start(d, "0,1,2", with_xenstored=False, mp=out)
        env = xensim.run_env(d, 0, out)
        ldd = subprocess.run(["ldd", os.path.join(out, "test_dropin")], env=env, capture_output=True,
                             text=True).stdout
        ok = all(os.path.join(out, "lib", l) in ldd for l in
                 ("libxengnttab.so.1", "libxenevtchn.so.1", "libxenctrl.so.4.17"))
        fails += not ok
        print(f"{'ok' if ok else 'not ok'} - the Debian-linked test binary loads our drop-ins under xensim run")
        try:
            rc = subprocess.call([os.path.join(out, "test_dropin")], env=env, timeout=120)
        except subprocess.TimeoutExpired:
            print("not ok - test_dropin timed out")
            rc = 1
        fails += rc != 0
        alive = subprocess.run(["pgrep", "-F", os.path.join(d, "broker.pid")], capture_output=True).returncode == 0
        fails += not alive
        print(f"{'ok' if alive else 'not ok'} - the broker survived the whole test")
        fails += broker_sleeps_when_idle(d)
    finally:
        xensim.stop(d)
        shutil.rmtree(d, ignore_errors=True)
    fails += vchan_exchange(out)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/multiproc"))
