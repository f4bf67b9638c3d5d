#!/usr/bin/env python3
"""test_snapshot.py - the nested run's snapshot store without QEMU: a snapshot is used only when
everything that made it is the same (images by content, QEMU, its command line -- the Xen
command line included), and a stale or corrupt one is removed, never used. TAP output."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine    # noqa: E402
import snapshot   # noqa: E402

results = []


def check(ok, name):
    results.append(ok)
    print(("ok - " if ok else "not ok - ") + "snapshot: " + name)


def images(d, kernel=b"kernel"):
    paths = {}
    for n, body in (("xen", b"xen"), ("vmlinuz", kernel), ("dom0-base.cpio.gz", b"base")):
        paths[n] = os.path.join(d, n)
        with open(paths[n], "wb") as f:
            f.write(body)
    return paths


def key(paths, xen_extra="", qemu="QEMU 7.2"):
    named = machine.qemu_cmd({n: f"<{n}>" for n in machine.IMAGES}, "<payload>", "<qmp>", xen_extra)
    return snapshot.key_of(named, paths, qemu)


def make(store, k, inputs, body=b"machine state"):
    tmp = store.new_state_path()
    with open(os.path.join(tmp, "state"), "wb") as f:
        f.write(body)
    return store.commit(k, inputs, tmp)


def main():
    with tempfile.TemporaryDirectory() as d:
        paths = images(d)
        k, inputs = key(paths)
        store = snapshot.Store(os.path.join(d, "store"))
        check(store.find(k) == (None, "none yet"), "an empty store boots")
        make(store, k, inputs)
        state, why = store.find(k)
        check(state is not None and why is None, "a snapshot is restored by the build that made it")

        # another build: each input alone changes the key
        k_cmd, _ = key(paths, xen_extra="sched=credit")
        check(k_cmd != k, "another Xen command line is another key")
        check(store.find(k_cmd)[0] is None, "a snapshot is never restored for another command line")
        k_qemu, _ = key(paths, qemu="QEMU 8.0")
        check(k_qemu != k, "another QEMU version is another key")
        # a QEMU rebuilt at the same version: the binary's content tells them apart
        fakes = []
        for body in ("a", "b"):
            q = os.path.join(d, f"qemu-{body}")
            with open(q, "w") as f:
                f.write(f"#!/bin/sh\n# build {body}\necho 'QEMU emulator version 7.2.0'\n")
            os.chmod(q, 0o755)
            fakes.append(snapshot.qemu_version(q))
        check(fakes[0].startswith("QEMU emulator version 7.2.0") and fakes[0] != fakes[1],
              "a QEMU rebuilt at the same version (another binary) is another identity")
        other = os.path.join(d, "other")
        os.makedirs(other)
        k_kernel, _ = key(images(other, kernel=b"another kernel"))
        check(k_kernel != k, "another dom0 kernel (by content) is another key")
        copy = os.path.join(d, "copy")
        os.makedirs(copy)
        k_same, _ = key(images(copy))
        check(k_same == k, "the same images in another folder (another clone) are the same key")

        # a snapshot dir whose meta names another key (a 16-hex-digit prefix collision, or a
        # meta.json written by another build) is stale: removed and rebuilt
        sdir = os.path.dirname(state)
        meta_path = os.path.join(sdir, "meta.json")
        meta = json.load(open(meta_path))
        meta["key"] = k_cmd
        json.dump(meta, open(meta_path, "w"))
        st, why = store.find(k)
        check(st is None and why.startswith("stale") and not os.path.exists(sdir),
              f"a snapshot made by another build is detected and removed ({why})")

        make(store, k, inputs)
        with open(os.path.join(sdir, "state"), "r+b") as f:
            f.write(b"MACHINE")          # same size, other bytes
        st, why = store.find(k)
        check(st is None and "sha256" in why and not os.path.exists(sdir),
              f"a corrupt snapshot (same size) is removed, never used ({why})")
        make(store, k, inputs)
        with open(os.path.join(sdir, "state"), "ab") as f:
            f.write(b"x")
        st, why = store.find(k)
        check(st is None and "size" in why, f"a truncated or grown snapshot is removed ({why})")
        make(store, k, inputs)
        open(meta_path, "w").write("{not json")
        st, why = store.find(k)
        check(st is None and "meta.json" in why, f"an unreadable meta.json is removed ({why})")

        # pruning keeps the newest KEEP
        for i in range(snapshot.KEEP + 2):
            make(store, (f"{i + 1:x}" * 64)[:64], inputs)
        kept = [n for n in os.listdir(store.root) if not n.startswith(".")]
        check(len(kept) == snapshot.KEEP, f"the store keeps the newest {snapshot.KEEP} ({len(kept)} kept)")

        # the payload disk: fixed size whatever the tar's, and a tar too big is an error
        tar = os.path.join(d, "payload.tar")
        open(tar, "wb").write(b"gntfuzz-payload 1\n".ljust(1024, b"\0"))
        disk = os.path.join(d, "payload.img")
        machine.payload_disk(tar, disk)
        check(os.path.getsize(disk) == machine.PAYLOAD_DISK_BYTES and open(disk, "rb").read(15) == b"gntfuzz-payload",
              "the payload disk is the tar padded to the fixed size the snapshot saw")
        os.truncate(tar, machine.PAYLOAD_DISK_BYTES + 1)
        try:
            machine.payload_disk(tar, disk)
            check(False, "a payload larger than the disk is refused")
        except ValueError as e:
            check("more than the disk" in str(e), "a payload larger than the disk is refused")
    print(f"# {sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
