#!/usr/bin/env python3
"""Static checks of PVH guest kernels, before any boot: what Xen's PVH loader needs.

For each ELF given: a XEN_ELFNOTE_PHYS32_ENTRY note whose entry lies in the loaded image, exactly
one PT_LOAD at 1 MiB, no undefined symbols, and no SSE register use in our own code (SSE is not
enabled at entry). Prints TAP lines; exits 1 if any check failed.
"""
import struct
import subprocess
import sys

XEN_ELFNOTE_PHYS32_ENTRY = 18  # xen/elfnote.h
PT_LOAD, PT_NOTE = 1, 4


def parse(path):
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError("not a 64-bit ELF")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    phdrs = [struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize) for i in range(phnum)]
    return data, phdrs


def notes(data, off, size):
    end = off + size
    while off + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from("<III", data, off)
        name = data[off + 12: off + 12 + namesz].rstrip(b"\0")
        doff = off + 12 + ((namesz + 3) & ~3)
        yield name, ntype, data[doff: doff + descsz]
        off = doff + ((descsz + 3) & ~3)


def check(path):
    results = []
    try:
        data, phdrs = parse(path)
    except (OSError, ValueError, struct.error) as e:
        return [(False, f"{path}: readable ELF ({e})")]
    loads = [p for p in phdrs if p[0] == PT_LOAD]
    results.append((len(loads) == 1 and loads[0][3] == 0x100000, f"{path}: one PT_LOAD at 1 MiB"))
    entry = None
    for p in phdrs:
        if p[0] == PT_NOTE:
            for name, ntype, desc in notes(data, p[2], p[5]):
                if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY and len(desc) >= 4:
                    entry, = struct.unpack_from("<I", desc)
    inside = entry is not None and loads and loads[0][3] <= entry < loads[0][3] + loads[0][5]
    results.append((bool(inside), f"{path}: PHYS32_ENTRY note points into the image"))
    undef = subprocess.run(["nm", "-u", path], capture_output=True, text=True).stdout.strip()
    results.append((undef == "", f"{path}: no undefined symbols"))
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path], capture_output=True, text=True).stdout
    results.append(("%xmm" not in dis and "%ymm" not in dis, f"{path}: no SSE/AVX register use"))
    return results


def main(paths):
    if not paths:
        print("check_elf: no kernels given", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        for ok, name in check(path):
            print(("ok - " if ok else "not ok - ") + name)
            failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
