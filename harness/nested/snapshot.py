"""snapshot.py - boot once, restore many: where the nested run's machine snapshots live, what
makes one valid, and how one is stored.

A snapshot is QEMU's whole-machine state (its migration stream) taken when dom0's /init stops
at "snapshot-point": Xen and dom0 booted, the Linux domU booted and saved, the payload disk not
yet read. It is keyed by everything that made that state: the Xen, dom0 kernel and dom0 base
images (by content), QEMU's version and binary (by content) and its machine command line (image paths and per-run
paths stand as names). Anything else -- the plan, our programs, the PVH guests -- comes on the
payload disk after the restore, so changing it never costs a boot.

Layout: <store>/<key[:16]>/state (the stream) and meta.json {key, sha256, size, made, inputs}.
A snapshot is used only if its meta names the same key and the state's size and sha256 match;
anything else is removed and rebuilt. The store keeps the newest KEEP snapshots.
"""
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time

FORMAT = 1   # bump when what a snapshot holds changes meaning (e.g. a new snapshot point)
KEEP = 3


def file_sha256(path, block=1 << 22):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(block)
            if not b:
                return h.hexdigest()
            h.update(b)


def qemu_version(qemu="qemu-system-x86_64"):
    """QEMU's version line and its binary's sha256: a QEMU rebuilt at the same version (other
    device defaults, another migration format) must not restore an old snapshot."""
    try:
        line = subprocess.run([qemu, "--version"], capture_output=True, text=True, timeout=30).stdout.split("\n")[0]
        path = shutil.which(qemu)
        return f"{line} sha256={file_sha256(path) if path else '?'}"
    except (OSError, subprocess.SubprocessError):
        return "?"


def key_of(machine_args, images, qemu_ver):
    """machine_args: QEMU's command line with the images and per-run paths as names (<xen>, ...);
    images: {name: path}. Returns (key, inputs) -- inputs say what went in, for meta.json."""
    inputs = {"format": FORMAT, "qemu": qemu_ver, "args": list(machine_args),
              "images": {name: file_sha256(path) for name, path in sorted(images.items())}}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest(), inputs


class Store:
    def __init__(self, root, keep=KEEP):
        self.root = root
        self.keep = keep

    def _dir(self, key):
        return os.path.join(self.root, key[:16])

    def _lock(self):
        os.makedirs(self.root, exist_ok=True)
        f = open(os.path.join(self.root, ".lock"), "w")
        fcntl.flock(f, fcntl.LOCK_EX)
        return f

    def find(self, key):
        """(state path, None) if a valid snapshot of key exists, else (None, why not). A stale or
        corrupt one is removed on the way, never used."""
        d = self._dir(key)
        meta_path = os.path.join(d, "meta.json")
        if not os.path.exists(meta_path):
            return None, "none yet"
        why = None
        try:
            with open(meta_path) as f:
                meta = json.load(f)
            state = os.path.join(d, "state")
            if meta.get("key") != key:
                why = "stale: made by another build (its key differs)"
            elif not os.path.exists(state) or os.path.getsize(state) != meta.get("size"):
                why = "corrupt: state file missing or of the wrong size"
            elif file_sha256(state) != meta.get("sha256"):
                why = "corrupt: state file's sha256 differs from the one recorded"
        except (OSError, ValueError, AttributeError) as e:
            why = f"corrupt: unreadable meta.json ({e})"
        if why:
            self.discard(key)
            return None, why
        os.utime(meta_path)   # the newest used is the last pruned
        return state, None

    def discard(self, key):
        with self._lock():
            shutil.rmtree(self._dir(key), ignore_errors=True)

    def new_state_path(self):
        """Where QEMU writes a snapshot being made (moved into place by commit)."""
        os.makedirs(self.root, exist_ok=True)
        return tempfile.mkdtemp(prefix=".making-", dir=self.root)

    def commit(self, key, inputs, tmpdir):
        """Record the state written into tmpdir/state as key's snapshot; returns its size."""
        state = os.path.join(tmpdir, "state")
        size = os.path.getsize(state)
        meta = {"key": key, "sha256": file_sha256(state), "size": size,
                "made": time.strftime("%Y-%m-%d %H:%M:%S"), "inputs": inputs}
        with open(os.path.join(tmpdir, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
        with self._lock():
            d = self._dir(key)
            shutil.rmtree(d, ignore_errors=True)
            os.rename(tmpdir, d)
            self._prune(keep_dir=d)
        return size

    def _prune(self, keep_dir):
        dirs = []
        for name in os.listdir(self.root):
            p = os.path.join(self.root, name)
            if name.startswith(".making-") and time.time() - os.path.getmtime(p) > 3600:
                shutil.rmtree(p, ignore_errors=True)   # left by a run that was killed
            elif not name.startswith(".") and os.path.isdir(p) and p != keep_dir:
                m = os.path.join(p, "meta.json")
                dirs.append((os.path.getmtime(m) if os.path.exists(m) else 0, p))
        for _, p in sorted(dirs, reverse=True)[self.keep - 1:]:
            shutil.rmtree(p, ignore_errors=True)
