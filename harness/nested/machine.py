"""machine.py - the nested machine: Xen and dom0 under QEMU (TCG), booted or restored from a
snapshot (snapshot.py), given this run's payload on a disk, its serial log captured with host
time stamps.

The run: QEMU starts (booting, or with -incoming from a valid snapshot); dom0's /init stops at
"snapshot-point". Booting with a store, the host saves the machine there (QMP stop + migrate to
a file) before it goes on. Then the host types "go" on the serial console; dom0 reads the
payload disk (a tar padded to a fixed size: the disk's size is part of the saved machine) and
runs the plan. A restore that fails (QEMU refuses the state) throws the snapshot away and boots.
"""
import os
import selectors
import shutil
import subprocess
import time

import qmp
import snapshot

PAYLOAD_DISK_BYTES = 1 << 30
# dom0 1024 MiB; the rest holds Xen, the Linux domU copies (192 MiB each: one playing, two in
# the pool) and the PVH guests beside them (fewer: "grant table setup" failures, guests that
# never connect)
XEN_CMD = ("console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 "
           "loglvl=all guest_loglvl=all noreboot=false")
DOM0_CMD = "console=hvc0 earlyprintk=xen rdinit=/init quiet"
IMAGES = ("xen", "vmlinuz", "dom0-base.cpio.gz")
SAVE_TIMEOUT = 300
RESTORE_GO_TIMEOUT = 180   # a restore that loads but never answers is thrown away


def qemu_cmd(paths, payload_disk, qmp_sock, xen_extra=""):
    """paths: {image name: path}. With names for paths this is also the snapshot's key."""
    return ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg,thread=multi",
            "-cpu", "qemu64,+npt", "-smp", "2", "-m", "3072",
            "-nographic", "-no-reboot", "-monitor", "none", "-serial", "stdio",
            "-qmp", f"unix:{qmp_sock},server=on,wait=off",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-drive", f"file={payload_disk},format=raw,if=none,id=payload,readonly=on",
            "-device", "virtio-blk-pci,drive=payload",
            "-kernel", paths["xen"], "-append", (XEN_CMD + " " + xen_extra).strip(),
            "-initrd", f"{paths['vmlinuz']} {DOM0_CMD},{paths['dom0-base.cpio.gz']}"]


def payload_disk(tar, path):
    """The payload disk: the tar, then zeros up to the fixed size (sparse)."""
    size = os.path.getsize(tar)
    if size > PAYLOAD_DISK_BYTES:
        raise ValueError(f"payload {tar} is {size} bytes, more than the disk's {PAYLOAD_DISK_BYTES}")
    shutil.copyfile(tar, path)
    os.truncate(path, PAYLOAD_DISK_BYTES)


class Boot:
    """One QEMU run. Attributes after run(): lines (stamped serial log), rc, timed_out, notes
    (what happened to the snapshot, for the log and the bench), t_go (host s from QEMU start to
    dom0's "go")."""

    def __init__(self, images, workdir, store=None, timeout=1800, xen_extra="", log=None):
        self.paths = {n: os.path.join(images, n) for n in IMAGES}
        self.tar = os.path.join(images, "payload.tar")
        self.workdir = workdir
        self.store = store
        self.timeout = timeout
        self.xen_extra = xen_extra
        self.log = log
        self.lines, self.notes = [], []
        self.rc, self.timed_out, self.t_go = None, False, None
        self.mode = "boot"

    def note(self, text):
        self.notes.append(text)
        if self.log:
            self.log.write(f"# snapshot: {text}\n")
        print(f"nested: snapshot: {text}", flush=True)

    def key(self):
        named = qemu_cmd({n: f"<{n}>" for n in IMAGES}, "<payload>", "<qmp>", self.xen_extra)
        return snapshot.key_of(named, self.paths, snapshot.qemu_version())

    def run(self):
        os.makedirs(self.workdir, exist_ok=True)
        disk = os.path.join(self.workdir, "payload.img")
        payload_disk(self.tar, disk)
        state = key = inputs = None
        if self.store:
            key, inputs = self.key()
            state, why = self.store.find(key)
            self.note(f"store {self.store.root}, key {key[:16]}: " +
                      (f"restoring {state} ({os.path.getsize(state) >> 20} MiB)" if state else f"booting ({why})"))
        if state and self._once(disk, state, key, inputs):
            return self
        if state:   # QEMU refused the state: never again
            self.store.discard(key)
            self.note("restore failed: snapshot discarded, booting")
            self.lines = []
        self._once(disk, None, key, inputs)
        return self

    def _once(self, disk, state, key, inputs):
        """One QEMU process. False only when a restore failed before dom0 said go."""
        sock = os.path.join(self.workdir, "qmp.sock")
        if os.path.exists(sock):
            os.remove(sock)
        cmd = qemu_cmd(self.paths, disk, sock, self.xen_extra)
        if state:
            cmd += ["-incoming", f"exec:cat '{state}'"]
        self.mode = "restore" if state else "boot"
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        if self.log:
            self.log.write("# " + " ".join(cmd) + "\n")
        monitor = None
        try:
            monitor = qmp.Qmp(sock)
        except qmp.QmpError as e:
            self.note(f"no QMP ({e}): cannot snapshot this run")
        want_go = state is not None   # restored: dom0 waits at snapshot-point already
        restored_running = state is None
        go_seen, last_go = False, 0.0
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        buf = b""
        while True:
            now = time.monotonic()
            if now - t0 > self.timeout:
                self.timed_out = True
                break
            if not restored_running and monitor:
                try:   # the state was saved stopped: once loaded, QEMU waits for cont
                    st = monitor.status()
                    if st in ("paused", "postmigrate", "prelaunch"):
                        monitor.cont()
                        st = monitor.status()
                    restored_running = st == "running"
                except qmp.QmpError:
                    pass
                if restored_running:
                    self.note(f"restored in {time.monotonic() - t0:.1f} s")
            if want_go and restored_running and not go_seen and now - last_go > 3:
                try:   # repeated until dom0 says it read it: a byte lost on the way costs 3 s
                    proc.stdin.write(b"go\n")
                    proc.stdin.flush()
                except OSError:
                    pass
                last_go = now
            if state and not go_seen and now - t0 > RESTORE_GO_TIMEOUT:
                self.note(f"restored machine never said go in {RESTORE_GO_TIMEOUT} s")
                os.killpg(proc.pid, 9)
                break
            if not sel.select(timeout=0.5):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk.replace(b"\r", b"")
            *done, buf = buf.split(b"\n")
            for d in done:
                line = f"[{time.monotonic() - t0:7.2f}] {d.decode('utf-8', 'replace')}"
                self.lines.append(line)
                if self.log:
                    self.log.write(line + "\n")
                if "=== GNTFUZZ" in line and line.rstrip().endswith("] go"):
                    go_seen, self.t_go = True, time.monotonic() - t0
                elif "=== GNTFUZZ" in line and line.rstrip().endswith("snapshot-point") and not want_go:
                    if self.store and monitor:
                        self._save(monitor, key, inputs)
                    want_go = True
        if self.timed_out:
            os.killpg(proc.pid, 9)
        self.rc = proc.wait()
        if buf:
            self.lines.append(f"[{time.monotonic() - t0:7.2f}] {buf.decode('utf-8', 'replace')}")
        if monitor:
            monitor.close()
        if self.log:
            self.log.write(f"# qemu exit {self.rc}{' (killed at timeout)' if self.timed_out else ''} "
                           f"after {time.monotonic() - t0:.1f}s ({self.mode})\n")
        return not (state and not go_seen and not self.timed_out)

    def _save(self, monitor, key, inputs):
        t = time.monotonic()
        tmp = self.store.new_state_path()
        try:
            monitor.save_to(os.path.join(tmp, "state"), SAVE_TIMEOUT)
            size = self.store.commit(key, inputs, tmp)
            self.note(f"made {key[:16]} in {time.monotonic() - t:.1f} s ({size >> 20} MiB)")
        except (qmp.QmpError, OSError) as e:
            shutil.rmtree(tmp, ignore_errors=True)
            self.note(f"not made: {e}")
        try:
            monitor.cont()
        except qmp.QmpError as e:
            self.note(f"cont after the save failed: {e}")
