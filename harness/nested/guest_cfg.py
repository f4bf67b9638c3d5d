#!/usr/bin/env python3
"""guest_cfg.py - a user's xl config (GUEST=<cfg>) made ready for the "guest" target: parsed,
checked, its files carried along, its paths rewritten, the devices the peer attacks removed.

  guest_cfg.py payload CFG PAYLOAD [--base-root DIR] [options]  nested: files into PAYLOAD/guestfiles,
        PAYLOAD/cfg/guest.cfg + guest.env, and (HVM, or disks QEMU must serve) Debian's Xen device
        model, hvmloader and firmware under PAYLOAD/root (dom0-run.sh links them into place)
  guest_cfg.py host CFG OUTDIR [options]     a real Xen host: OUTDIR/guest.cfg + guest.env, paths absolute
  guest_cfg.py check CFG [options]           parse and print what would be attacked
options: --vbd VDEV|DEVID|none (default: the first of xvdb, xvdc, ... the cfg does not use)
         --vif DEVID|none (default: nested 0, the cfg's vifs dropped; host: the first devid the cfg
         does not use)  --timeout S (connect wait; default hvm 240, else 90)  --duration S (default 10)
         --restore 0|1 (default $GNTFUZZ_GUEST_RESTORE, else the cfg's "# gntfuzz-restore: 1", else 0)
         --ready TEXT (default $GNTFUZZ_GUEST_READY, else the cfg's "# gntfuzz-ready: TEXT")
         --settle S (default $GNTFUZZ_GUEST_SETTLE, else 10: restore mode, a guest up by its ready
         text: seconds a restored copy gets to resume before its device appears)
Errors are one line "guest: ..." and exit 1.

The peer serves a device the cfg does not list; if --vbd/--vif names one the cfg lists, that entry
is dropped (the peer creates it instead). Comments in the cfg may say the same: "# gntfuzz-vbd: xvdb"
("none": no disk attack), "# gntfuzz-vif: 0"; "# gntfuzz-variant: LIB/MUTANT" says the guest is one
of our PVH kernels, so the judge holds it to that variant's expectation.

Restore mode ("# gntfuzz-restore: 1", GUEST_RESTORE=1; dom0-guest.sh), for guests that take
hot-plugged devices: the guest is booted once without the attacked devices, saved once up, and
each strategy restores a fresh copy and hot-plugs the device into it. "Up": the guest wrote
data/gntfuzz/state=booted, or (if named) a console line contains the ready text
("# gntfuzz-ready: guest is up", GUEST_READY=...). 0 (the default): each strategy creates the
guest paused with the device attached before its first enumeration (firmware, boot-time drivers).
"""
import os
import re
import shutil
import subprocess
import sys

NAME = "gntfuzz-guest"          # the plan's domain name for the guest
GUESTFILES = "/payload/guestfiles"
CONSOLE_DIR = "/var/log/xen/console"
XEN_BOOT = "/usr/lib/xen-4.17/boot"
DM = "/usr/libexec/xen-qemu-system-i386"   # where Debian's libxl 4.17 looks for qemu-xen
SEABIOS = "/usr/share/seabios/bios-256k.bin"   # what Debian's libxl hands hvmloader
OVMF = "/usr/share/ovmf/OVMF.fd"
# what the device model opens for an HVM guest: VGA BIOSes (cirrus is libxl's default vga, stdvga
# the other), the option ROMs of direct kernel boot (kernel= on an HVM guest), and the keymap
# (libxl passes "-vnc none", and QEMU still reads en-us: "could not read keymap file")
HVM_FIRMWARE = ["/usr/share/seabios/vgabios-cirrus.bin", "/usr/share/seabios/vgabios-stdvga.bin",
                "/usr/share/qemu/linuxboot_dma.bin", "/usr/share/qemu/linuxboot.bin",
                "/usr/share/qemu/kvmvapic.bin", "/usr/share/qemu/keymaps/en-us"]
FILE_KEYS = ("kernel", "ramdisk", "device_tree", "acpi_firmware", "smbios_firmware", "bios_path_override")
FIRMWARE_WORDS = {"bios", "seabios", "rombios", "uefi", "ovmf", "pvgrub32", "pvgrub64"}
PAYLOAD_LIMIT = 512 << 20       # the payload is unpacked into dom0's 1024 MiB of RAM


class CfgError(Exception):
    pass


# ---------- xl's config syntax: KEY = VALUE (string, number, [list]); '#' comments; ';' or newline ends
TOKEN = re.compile(r"""[ \t\r]*(?:(?P<comment>\#[^\n]*)|(?P<nl>[\n;])|(?P<id>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\+?=)
                       |(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?P<num>[-+]?(?:0x[0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?))
                       |(?P<punct>[\[\],])|(?P<bad>\S))""", re.X)


def tokens(text):
    line = 1
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "comment":
            continue
        if kind == "bad":
            raise CfgError(f"line {line}: unexpected {m.group(kind)!r}")
        yield kind, m.group(kind), line
        line += m.group(0).count("\n")
    yield "nl", "", line


def unquote(s):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s[1:-1])


def parse(text):
    """[(key, value)] in order; value: str (a string), ("num", text), or a list of those."""
    try:
        return parse_tokens(list(tokens(text)))
    except IndexError:
        raise CfgError("unexpected end of file (an unterminated list?)")


def parse_tokens(toks):
    out, i = [], 0

    def value(i):
        kind, tx, line = toks[i]
        if kind == "str":
            return unquote(tx), i + 1
        if kind == "num":
            return ("num", tx), i + 1
        if tx == "[":
            items, i = [], i + 1
            while True:
                while toks[i][0] == "nl":       # lists may span lines
                    i += 1
                if toks[i][1] == "]":
                    return items, i + 1
                v, i = value(i)
                items.append(v)
                while toks[i][0] == "nl":
                    i += 1
                if toks[i][1] == ",":
                    i += 1
                elif toks[i][1] != "]":
                    raise CfgError(f"line {toks[i][2]}: expected ',' or ']' in a list")
        raise CfgError(f"line {line}: expected a value, got {tx!r}" if tx else f"line {line}: missing value")

    while i < len(toks):
        kind, tx, line = toks[i]
        if kind == "nl":
            i += 1
            continue
        if kind != "id":
            raise CfgError(f"line {line}: expected a setting name, got {tx!r}")
        if toks[i + 1][0] != "op":
            raise CfgError(f"line {line}: expected '=' after {tx}")
        if toks[i + 1][1] == "+=":
            raise CfgError(f"line {line}: '+=' is not supported here; write the whole value")
        v, i = value(i + 2)
        if toks[i][0] != "nl":
            raise CfgError(f"line {toks[i][2]}: unexpected {toks[i][1]!r} after the value of {tx}")
        out.append((tx, v))
    return out


def render(v):
    if isinstance(v, list):
        return "[ " + ", ".join(render(x) for x in v) + " ]"
    if isinstance(v, tuple):
        return v[1]
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dump(settings):
    return "".join(f"{k} = {render(v)}\n" for k, v in settings)


# ---------- disks (xl-disk-configuration(5)) and vifs (xl-network-configuration(5))
POSITIONAL = ("target", "format", "vdev", "access")
VDEV = re.compile(r"^(xvd|hd|sd)([a-z]+)(\d*)(:cdrom)?$")


def vdev_devid(name):
    """Xen's virtual-device number of a vdev name (xvdb = 51728, hda = 768), or a number as is."""
    if re.fullmatch(r"\d+", name):
        return int(name)
    m = VDEV.match(name)
    if not m:
        raise CfgError(f"cannot tell the device number of vdev {name!r}")
    idx = 0
    for c in m.group(2):
        idx = idx * 26 + (ord(c) - ord("a") + 1)
    idx -= 1
    part = int(m.group(3) or 0)
    if m.group(1) == "xvd":
        return (202 << 8) | (idx << 4) | part if idx < 16 and part < 16 else (1 << 28) | (idx << 8) | part
    if m.group(1) == "hd":
        return ((3, 22, 33, 34)[idx // 2] << 8) | ((idx % 2) << 6) | part if idx < 8 else None
    return (8 << 8) | (idx << 4) | part if idx < 16 else None


def disk_spec(s):
    """{field: value} of one disk string; 'target' keeps the rest of the string (it may hold commas)."""
    d, pos, parts = {}, 0, s.split(",")
    i = 0
    while i < len(parts):
        p = parts[i].strip()
        if p.startswith("target="):
            d["target"] = ",".join(parts[i:]).split("=", 1)[1].strip()
            break
        if "=" in p:
            k, v = p.split("=", 1)
            d[k.strip()] = v.strip()
        elif p in ("cdrom", "devtype", "discard", "no-discard", "direct-io-safe") or (p == "" and pos >= 4):
            d.setdefault("flags", []).append(p)
        else:
            while pos < 4 and POSITIONAL[pos] in d:
                pos += 1
            if pos >= 4:
                raise CfgError(f"disk {s!r}: too many positional parameters")
            d[POSITIONAL[pos]] = p
            pos += 1
        i += 1
    # the deprecated form [<format>:]<target>,<vdev>[:<devtype>],<access>
    if d.get("vdev") and re.fullmatch(r"rw?|ro|w", d["vdev"]) and d.get("format") and VDEV.match(d["format"]):
        d["access"], d["vdev"] = d["vdev"], d.pop("format")
    if d.get("target"):
        m = re.match(r"^(raw|qcow2?|vhd|phy|file|tap|tap2|aio|qdisk):(.*)$", d["target"])
        while m:   # prefixes: format/backend, e.g. tap:aio:/x
            d["target"] = m.group(2)
            if m.group(1) in ("raw", "qcow", "qcow2", "vhd"):
                d["format"] = m.group(1)
            m = re.match(r"^(raw|qcow2?|vhd|phy|file|tap|tap2|aio|qdisk):(.*)$", d["target"])
    return d


def disk_string(d):
    parts = [f"{k}={v}" for k, v in d.items() if k not in ("target", "flags") and v != ""]
    parts += d.get("flags", [])
    if d.get("target"):
        parts.append("target=" + d["target"])
    return ", ".join(parts)


def vif_spec(s):
    return dict((p.split("=", 1) + [""])[:2] for p in (x.strip() for x in s.split(",")) if p)


def vif_string(d):
    return ", ".join(f"{k}={v}" if v != "" else k for k, v in d.items())


# ---------- the guest: what it is, what it needs, the rewritten config
class Guest:
    def __init__(self, path, mode, vbd=None, vif=None, timeout=None, duration=None, restore=None, ready=None,
                 settle=None):
        self.path, self.mode = path, mode     # mode: payload | host | check
        try:
            with open(path) as f:
                text = f.read()
        except OSError as e:
            raise CfgError(f"cannot read {path}: {e.strerror}")
        self.dir = os.path.dirname(os.path.abspath(path))
        try:
            self.settings = parse(text)
        except CfgError as e:
            raise CfgError(f"{path}: {e}")
        marks = dict(re.findall(r"^#\s*gntfuzz-(variant|vbd|vif|restore):\s*(\S+)", text, re.M))
        ready_mark = re.findall(r"^#\s*gntfuzz-ready:[ \t]*(.*?)[ \t]*$", text, re.M)
        self.variant = marks.get("variant", "")
        vbd, vif = vbd or marks.get("vbd"), vif or marks.get("vif")   # make's GUEST_VBD/GUEST_VIF win
        # make's GUEST_RESTORE/GUEST_READY win over the cfg's comments
        self.restore = self.pick_restore(restore, marks.get("restore"))
        self.ready = self.pick_ready(ready, ready_mark[-1] if ready_mark else None)
        self.files = {}          # payload-relative destination -> host source
        self.overlay = set()     # host paths dom0 needs at the same path (device model, firmware)
        self.notes = []
        cfg = dict(self.settings)
        for k, v in cfg.items():
            if k in ("kernel", "ramdisk", "name", "type", "builder", "firmware", "bios", "bootloader") and \
                    not isinstance(v, str):
                raise CfgError(f"{path}: {k} must be a string")
        self.orig_name = cfg.get("name", "")
        t = cfg.get("type") or ("hvm" if cfg.get("builder") == "hvm" else "pv")
        if t not in ("pv", "pvh", "hvm"):
            raise CfgError(f"{path}: type {t!r} is none of pv, pvh, hvm")
        self.type = t
        if not (cfg.get("kernel") or cfg.get("firmware") or cfg.get("bootloader") or t == "hvm"):
            raise CfgError(f"{path}: nothing to boot (no kernel=, firmware= or bootloader=)")
        self.timeout = int(timeout) if timeout else (240 if t == "hvm" else 90)
        self.duration = int(duration) if duration else 10
        self.settle = int(settle) if settle else 10
        disks = cfg.get("disk", [])
        vifs = cfg.get("vif", [])
        if not isinstance(disks, list) or not isinstance(vifs, list) or \
                not all(isinstance(x, str) for x in disks + vifs):
            raise CfgError(f"{path}: disk and vif must be lists of strings")
        self.disks = [disk_spec(x) for x in disks]
        self.vifs = [vif_spec(x) for x in vifs]
        used = {vdev_devid(d["vdev"]) for d in self.disks if d.get("vdev")}
        self.vbd = self.pick_vbd(vbd, used)
        self.vif = self.pick_vif(vif)

    def pick_restore(self, given, mark):
        for what, v in (("GUEST_RESTORE", given), (f"{self.path}: # gntfuzz-restore", mark)):
            if v:
                if v not in ("0", "1"):
                    raise CfgError(f"{what}: {v!r} is neither 0 (create paused per strategy) nor 1 "
                                   f"(boot once, save, restore per strategy)")
                return v == "1"
        return False

    def pick_ready(self, given, mark):
        what, v = ("GUEST_READY", given) if given else (f"{self.path}: # gntfuzz-ready", mark)
        if v is None or v == "":
            if mark == "" and not given:
                raise CfgError(f"{what}: empty (name the text of a console line that says the guest is up)")
            return ""
        if "'" in v or "\n" in v or "\r" in v or len(v) > 200:
            raise CfgError(f"{what}: {v[:40]!r}: the ready text must be one line of at most 200 characters "
                           f"without a single quote")
        return v

    def pick_vbd(self, want, used):
        if want == "none":
            return None
        if want:
            try:
                return vdev_devid(want)
            except CfgError as e:
                raise CfgError(f"GUEST_VBD: {e}")
        for c in "bcdefghijklmnop":
            if vdev_devid("xvd" + c) not in used:
                return vdev_devid("xvd" + c)
        raise CfgError(f"{self.path}: no free xvd device for the peer's disk")

    def vif_devid(self, i, v):
        return int(v["devid"]) if v.get("devid", "").isdigit() else i

    def pick_vif(self, want):
        if want == "none":
            return None
        if want:
            if not want.isdigit():
                raise CfgError(f"GUEST_VIF: {want!r} is not a device number")
            return int(want)
        if self.mode == "payload":
            return 0          # the nested dom0 has no netback or bridge: the cfg's vifs go
        used = {self.vif_devid(i, v) for i, v in enumerate(self.vifs)}
        return min(set(range(len(used) + 1)) - used)

    def host_path(self, p, what):
        """The file a cfg path names (relative to the cfg's directory), checked."""
        full = p if os.path.isabs(p) else os.path.join(self.dir, p)
        if not os.path.isfile(full) or not os.access(full, os.R_OK):
            raise CfgError(f"{self.path}: {what} {p!r}: no such readable file ({full})")
        return full

    def carry(self, p, what):
        """A file the guest boots from: its path in the rewritten cfg (payload: a copy in the payload)."""
        full = self.host_path(p, what)
        if self.mode != "payload":
            return full
        name = f"{len(self.files)}-{os.path.basename(full)}"
        self.files[name] = full
        return f"{GUESTFILES}/{name}"

    def need(self, p, why):
        if not os.path.isfile(p):
            raise CfgError(f"{self.path}: {why} needs {p} on this host (make deps: qemu-system-xen, seabios, ovmf)")
        self.overlay.add(p)

    def rewrite(self):
        out, dm = [], self.type == "hvm"
        for k, v in self.settings:
            if k in ("name", "on_poweroff", "on_reboot", "on_crash", "disk", "vif"):
                continue
            if k in FILE_KEYS:
                v = self.carry(v, k)
            elif k == "firmware" and v not in FIRMWARE_WORDS:
                v = self.carry(v, "firmware")
            elif k == "firmware" and v in ("pvgrub32", "pvgrub64"):
                self.need(f"{XEN_BOOT}/{v}.bin", f"firmware={v}")
            elif k == "firmware_override":
                v = self.carry(v, k)
            elif k in ("device_model_override", "bootloader") and self.mode == "payload":
                raise CfgError(f"{self.path}: {k}= runs a program of yours in dom0: not available in the nested dom0 "
                               f"(use kernel=, firmware= or an HVM guest's BIOS; on a real host: make real-xen GUEST=...)")
            out.append((k, v))
        cfg = dict(self.settings)
        if (cfg.get("firmware") in ("uefi", "ovmf") or cfg.get("bios") == "ovmf") and self.mode == "payload":
            self.need(OVMF, "UEFI firmware")
        disks = []
        for d, orig in zip(self.disks, dict(self.settings).get("disk", [])):
            if d.get("vdev") and self.vbd is not None and vdev_devid(d["vdev"]) == self.vbd:
                self.notes.append(f"disk {d['vdev']} is the peer's to serve: dropped from the cfg")
                continue
            if d.get("target"):
                t = d["target"]
                # xl puts /dev/ before a relative target; a file beside the cfg is taken as meant
                if not t.startswith("/") and "script" not in d and not os.path.exists(os.path.join(self.dir, t)):
                    t = "/dev/" + t
                if self.mode == "payload":
                    if t.startswith("/dev/") or "script" in d:
                        raise CfgError(f"{self.path}: disk {d.get('vdev', t)}: {t} is not an image file "
                                       f"(the nested dom0 gets files only)")
                    d["target"] = self.carry(t, f"disk {d.get('vdev', '')}")
                    d["backendtype"] = "qdisk"   # no blkback in the nested dom0: QEMU serves it
                    dm = True
                elif not t.startswith("/dev/") and "script" not in d:
                    self.host_path(t, f"disk {d.get('vdev', '')}")   # checked; a host takes the cfg's own words
            disks.append(disk_string(d) if self.mode == "payload" else orig)
        vifs = []
        for i, v in enumerate(self.vifs):
            if self.mode == "payload":
                self.notes.append(f"vif {i} dropped: the nested dom0 has no netback or bridge")
                continue
            if self.vif is not None and self.vif_devid(i, v) == self.vif:
                self.notes.append(f"vif {i} is the peer's to serve: dropped from the cfg")
                continue
            v.setdefault("devid", str(i))       # keep the others' numbers when one goes
            vifs.append(vif_string(v))
        out = [("name", NAME)] + out
        out += [("on_poweroff", "preserve"), ("on_reboot", "preserve"), ("on_crash", "preserve")]
        if disks:
            out.append(("disk", disks))
        if vifs:
            out.append(("vif", vifs))
        if self.type == "hvm":
            if "serial" not in cfg:   # the emulated UART's output, printed with the console
                out.append(("serial", f"file:{CONSOLE_DIR}/guest-{NAME}-serial.log"))
            if self.mode == "payload":
                out = [(k, v) for k, v in out if k not in ("vnc", "sdl")] + [("vnc", ("num", "0")), ("sdl", ("num", "0"))]
        if dm and self.mode == "payload":
            self.need(DM, "a device model (HVM, or disks QEMU serves)")
            if self.type == "hvm":
                self.need(f"{XEN_BOOT}/hvmloader", "an HVM guest")
                self.need(SEABIOS, "an HVM guest's BIOS")
                for f in HVM_FIRMWARE:
                    if os.path.isfile(f):
                        self.overlay.add(f)
        self.dm = dm
        return out

    def env(self):
        return {"GUEST_TYPE": self.type, "GUEST_NAME": self.orig_name or "-",
                "GUEST_VBD": "none" if self.vbd is None else str(self.vbd),
                "GUEST_VIF": "none" if self.vif is None else str(self.vif),
                "GUEST_TIMEOUT": str(self.timeout), "GUEST_DURATION": str(self.duration),
                "GUEST_VARIANT": self.variant or "-", "GUEST_DM": "1" if self.dm else "0",
                "GUEST_RESTORE": "1" if self.restore else "0", "GUEST_READY": self.ready,
                "GUEST_SETTLE": str(self.settle)}


def libs_of(prog):
    p = subprocess.run(["ldd", prog], capture_output=True, text=True)
    return re.findall(r"(/\S+) \(0x", p.stdout)


def write_payload(g, cfg_text, payload, base_root):
    for d in ("cfg", "guestfiles", "root"):
        os.makedirs(os.path.join(payload, d), exist_ok=True)
    for name, src in g.files.items():
        shutil.copyfile(src, os.path.join(payload, "guestfiles", name))
    root = os.path.join(payload, "root")
    extra = set(g.overlay)
    if DM in g.overlay:
        for lib in libs_of(DM):   # the device model's libraries dom0's base lacks
            if not (base_root and os.path.exists(base_root + lib)):
                extra.add(lib)
    for f in sorted(extra):
        dst = root + f
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.realpath(f), dst)
    write_cfg(g, cfg_text, os.path.join(payload, "cfg"))
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(payload) for f in fs)
    if size > PAYLOAD_LIMIT:
        raise CfgError(f"{g.path}: the payload would be {size >> 20} MiB, more than {PAYLOAD_LIMIT >> 20} MiB "
                       f"(it is unpacked into dom0's RAM): use smaller images")


def write_cfg(g, cfg_text, outdir):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "guest.cfg"), "w") as f:
        f.write(f"# made by harness/nested/guest_cfg.py from {g.path}\n" + cfg_text)
    with open(os.path.join(outdir, "guest.env"), "w") as f:
        f.writelines(f"{k}='{v}'\n" for k, v in g.env().items())


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("payload", "host", "check"))
    ap.add_argument("cfg")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--base-root")
    ap.add_argument("--vbd")
    ap.add_argument("--vif")
    ap.add_argument("--timeout")
    ap.add_argument("--duration")
    ap.add_argument("--restore", default=os.environ.get("GNTFUZZ_GUEST_RESTORE", ""))
    ap.add_argument("--ready", default=os.environ.get("GNTFUZZ_GUEST_READY", ""))
    ap.add_argument("--settle", default=os.environ.get("GNTFUZZ_GUEST_SETTLE", ""))
    a = ap.parse_args(argv)
    if a.mode != "check" and not a.out:
        ap.error(f"{a.mode} needs an output directory")
    try:
        for opt in ("timeout", "duration", "settle"):
            v = getattr(a, opt)
            if v and not v.isdigit():
                raise CfgError(f"GUEST_{opt.upper()}: {v!r} is not a number of seconds")
        g = Guest(a.cfg, a.mode, a.vbd, a.vif, a.timeout, a.duration, a.restore, a.ready, a.settle)
        text = dump(g.rewrite())
        if a.mode == "payload":
            write_payload(g, text, a.out, a.base_root)
        elif a.mode == "host":
            write_cfg(g, text, a.out)
        else:
            sys.stdout.write(text)
    except CfgError as e:
        print(f"guest: {e}", file=sys.stderr)
        return 1
    for n in g.notes:
        print(f"guest: note: {n}", file=sys.stderr)
    print("guest: " + " ".join(f"{k}={v}" for k, v in g.env().items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
