#!/usr/bin/env python3
"""GUEST=<xl.cfg> without booting anything: guest_cfg.py on good cfgs (paths rewritten into the
payload, the attacked devices dropped, files carried, HVM gets its device model) and on bad ones
(one clear "guest: ..." line, exit 1); and nested.py's judge on a kept serial log of a guest run
(testdata/serial-guest.log) and on edited copies that must fail. Prints TAP lines; exits 1 on a miss."""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "guest_cfg.py")
results = []


def ok(cond, name):
    results.append(bool(cond))
    print(("ok - " if cond else "not ok - ") + "guest-cfg: " + name)


def run(args, env=None):
    # make's GUEST_RESTORE/GUEST_READY reach guest_cfg.py through the environment: only the tests' own
    clean = {k: v for k, v in os.environ.items() if k not in ("GNTFUZZ_GUEST_RESTORE", "GNTFUZZ_GUEST_READY")}
    p = subprocess.run([sys.executable, TOOL] + args, capture_output=True, text=True, timeout=60,
                       env=dict(clean, **(env or {})))
    return p.returncode, p.stdout, p.stderr


def payload(tmp, cfg_text, *opts, env=None):
    cfg = os.path.join(tmp, "g.cfg")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    out = os.path.join(tmp, "payload")
    subprocess.run(["rm", "-rf", out])
    rc, _, err = run(["payload", cfg, out] + list(opts), env)
    text = open(os.path.join(out, "cfg", "guest.cfg")).read() if rc == 0 else ""
    env = dict(re.findall(r"^(\w+)='(.*)'$", open(os.path.join(out, "cfg", "guest.env")).read(), re.M)) if rc == 0 else {}
    return rc, text, env, err, out


def cfg_tests(tmp):
    for n in ("vmlinuz", "initrd.gz", "disk.img"):
        with open(os.path.join(tmp, n), "wb") as f:
            f.write(b"x" * 4096)
    # a PV guest, relative paths (to the cfg's directory), a disk it boots from, a vif, comments, ';'
    rc, text, env, err, out = payload(tmp, """# my guest
name = "mine"   # trailing comment
type = 'pv'; memory = 128
kernel = "vmlinuz"
ramdisk = "initrd.gz"
extra = "console=hvc0 root=/dev/xvda"
disk = [ 'format=raw, vdev=xvda, access=rw, target=disk.img',
         'phy:/dev/sdz,xvdc,w' ]
vif = [ 'mac=00:16:3e:00:00:01, bridge=xenbr0' ]
""", "--vbd", "xvdc")
    ok(rc == 0, f"a PV cfg with relative paths, a kept disk and a vif is accepted ({err.strip()[-120:]})")
    ok('name = "gntfuzz-guest"' in text and 'on_crash = "preserve"' in text, "the domain is renamed and preserved")
    ok(re.search(r'kernel = "/payload/guestfiles/\d+-vmlinuz"', text) and "/payload/guestfiles/" in text.split("ramdisk")[1],
       "kernel and ramdisk point into the payload")
    ok(os.path.exists(os.path.join(out, "guestfiles")) and len(os.listdir(os.path.join(out, "guestfiles"))) == 3,
       "kernel, ramdisk and disk image are carried in the payload")
    ok("xvdc" not in text and "/dev/sdz" not in text, "the disk the peer serves (GUEST_VBD=xvdc) is dropped from the cfg")
    ok(re.search(r"backendtype=qdisk.*target=/payload/guestfiles/\d+-disk.img", text), "the kept disk is served by QEMU from the payload")
    ok("vif" not in text.replace("GUEST_VIF", ""), "the cfg's vifs are dropped in the nested dom0 (no netback there)")
    ok(env.get("GUEST_TYPE") == "pv" and env.get("GUEST_VBD") == "51744" and env.get("GUEST_VIF") == "0"
       and env.get("GUEST_NAME") == "mine" and env.get("GUEST_DM") == "1",
       f"guest.env: type, devices, name, device model ({env})")
    ok("vdev=xvda" in text, "the disk it boots from stays")
    # defaults: the first free xvd; marks in comments; a PVH guest needs no device model
    rc, text, env, err, out = payload(tmp, """# gntfuzz-variant: grants/msa02
# gntfuzz-vif: none
type = "pvh"
kernel = "vmlinuz"
""")
    ok(rc == 0 and env.get("GUEST_VBD") == "51728" and env.get("GUEST_VIF") == "none"
       and env.get("GUEST_VARIANT") == "grants/msa02" and env.get("GUEST_DM") == "0"
       and env.get("GUEST_TIMEOUT") == "90" and not os.listdir(os.path.join(out, "root")),
       f"PVH: vbd xvdb by default, marks read, no device model ({env})")
    rc, text, env, err, out = payload(tmp, """# gntfuzz-vbd: none\ntype = "pvh"\nkernel = "vmlinuz"\n""", "--vbd", "xvdd")
    ok(rc == 0 and env.get("GUEST_VBD") == "51760", "GUEST_VBD wins over the cfg's mark")
    # restore mode (boot once, save, restore per strategy): off by default; a cfg comment or
    # GUEST_RESTORE (make's, through the environment) turns it on; the ready text is carried
    ok(env.get("GUEST_RESTORE") == "0" and env.get("GUEST_READY") == "", f"restore mode is off by default ({env})")
    rc, text, env, err, out = payload(tmp, """# gntfuzz-restore: 1\n# gntfuzz-ready:  my guest is up \ntype = "pvh"
kernel = "vmlinuz"\n""")
    ok(rc == 0 and env.get("GUEST_RESTORE") == "1" and env.get("GUEST_READY") == "my guest is up",
       f"# gntfuzz-restore: 1 and # gntfuzz-ready: <text> are read ({env})")
    rc, text, env, err, out = payload(tmp, """# gntfuzz-restore: 1\ntype = "pvh"\nkernel = "vmlinuz"\n""",
                                      "--restore", "0", "--ready", "login:")
    ok(rc == 0 and env.get("GUEST_RESTORE") == "0" and env.get("GUEST_READY") == "login:",
       "GUEST_RESTORE and GUEST_READY win over the cfg's comments")
    rc, text, env, err, out = payload(tmp, 'type = "pvh"\nkernel = "vmlinuz"\n', env={"GNTFUZZ_GUEST_RESTORE": "1"})
    ok(rc == 0 and env.get("GUEST_RESTORE") == "1", "make's GUEST_RESTORE reaches the payload (GNTFUZZ_GUEST_RESTORE)")
    # HVM: the device model, hvmloader and the BIOS come along, at their own paths
    if os.path.exists("/usr/libexec/xen-qemu-system-i386"):
        rc, text, env, err, out = payload(tmp, 'type = "hvm"\nkernel = "vmlinuz"\nmemory = 256\n')
        root = os.path.join(out, "root")
        ok(rc == 0 and all(os.path.exists(root + p) for p in (
            "/usr/libexec/xen-qemu-system-i386", "/usr/lib/xen-4.17/boot/hvmloader", "/usr/share/seabios/bios-256k.bin")),
           "HVM: device model, hvmloader and SeaBIOS are in the payload")
        ok("vnc = 0" in text and "serial = " in text and env.get("GUEST_TIMEOUT") == "240" and
           env.get("GUEST_SETTLE") == "10",
           "HVM: no VNC, the UART to a log, a firmware-sized timeout, the default settle")
    else:
        ok(True, "HVM payload # SKIP qemu-system-xen not installed")
    # host mode: paths made absolute, nothing copied, the cfg's own vif kept
    cfg = os.path.join(tmp, "g.cfg")
    with open(cfg, "w") as f:
        f.write('type="pv"\nkernel="vmlinuz"\nvif=["bridge=xenbr0"]\n')
    rc, _, err = run(["host", cfg, os.path.join(tmp, "host")])
    text = open(os.path.join(tmp, "host", "guest.cfg")).read() if rc == 0 else ""
    ok(rc == 0 and f'kernel = "{tmp}/vmlinuz"' in text and "devid=0" in text and "GUEST_VIF='1'" in
       open(os.path.join(tmp, "host", "guest.env")).read(), "host: absolute paths, the cfg's vif kept, the peer's is vif 1")

    bad = [
        ("a syntax error", 'type = "pv"\nkernel = \n', r"line 2"),
        ("an unterminated list", 'kernel = "vmlinuz"\ndisk = [ "a",\n', r"expected|missing"),
        ("a missing kernel file", 'type = "pv"\nkernel = "nope"\n', r"kernel 'nope': no such readable file"),
        ("a missing disk image", 'kernel = "vmlinuz"\ndisk = ["vdev=xvda,target=/nonexistent.img"]\n', r"no such readable file"),
        ("a block device in the nested run", 'kernel = "vmlinuz"\ndisk = ["phy:/dev/sda,xvda,w"]\n', r"not an image file"),
        ("nothing to boot", 'type = "pvh"\nmemory = 32\n', r"nothing to boot"),
        ("an unknown type", 'type = "vm"\nkernel = "vmlinuz"\n', r"none of pv, pvh, hvm"),
        ("a bootloader program", 'kernel = "vmlinuz"\nbootloader = "pygrub"\n', r"not available in the nested dom0"),
        ("a bad GUEST_VBD", None, r"GUEST_VBD"),
        ("'+='", 'kernel = "vmlinuz"\nextra += "x"\n', r"not supported"),
        ("a bad GUEST_RESTORE", ["--restore", "yes"], r"GUEST_RESTORE: 'yes' is neither 0 .* nor 1"),
        ("a bad # gntfuzz-restore", '# gntfuzz-restore: on\nkernel = "vmlinuz"\n', r"gntfuzz-restore: 'on' is neither 0"),
        ("an empty # gntfuzz-ready", '# gntfuzz-restore: 1\n# gntfuzz-ready:\nkernel = "vmlinuz"\n',
         r"gntfuzz-ready: empty"),
        ("a GUEST_READY with a quote", ["--ready", "it's up"], r"GUEST_READY: .*without a single quote"),
        ("a GUEST_READY of two lines", ["--ready", "up\nnow"], r"GUEST_READY: .*one line"),
        ("a bad GUEST_SETTLE", ["--settle", "5s"], r"GUEST_SETTLE: '5s' is not a number of seconds"),
    ]
    for name, text, want in bad:
        if text is None:
            rc, _, _, err, _ = payload(tmp, 'kernel = "vmlinuz"\n', "--vbd", "floppy")
        elif isinstance(text, list):
            rc, _, _, err, _ = payload(tmp, 'kernel = "vmlinuz"\n', *text)
        else:
            rc, _, _, err, _ = payload(tmp, text)
        lines = [x for x in err.splitlines() if x.strip()]
        ok(rc == 1 and len(lines) == 1 and lines[0].startswith("guest: ") and re.search(want, lines[0]),
           f"{name}: one clear line, exit 1 ({lines[-1] if lines else 'no output'})")
    rc, _, err = run(["check", os.path.join(tmp, "missing.cfg")])
    ok(rc == 1 and "cannot read" in err, "an unreadable cfg: one clear line, exit 1")


def judge(lines, *extra):
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.writelines(lines)
    try:
        p = subprocess.run([sys.executable, os.path.join(HERE, "nested.py"), "judge", f.name, "--qemu-rc", "33",
                            "--targets", "guest"] + list(extra), capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr
    finally:
        os.unlink(f.name)


def judge_tests():
    path = os.path.join(HERE, "testdata", "serial-guest.log")
    if not os.path.exists(path):
        ok(True, "judge on a kept guest run # SKIP no testdata/serial-guest.log")
        return
    good = open(path, errors="replace").readlines()
    strat = re.search(r"^# strategies: (.*)$", "".join(good), re.M)
    opts = strat.group(1).split("|") if strat else []
    args = ["--vbd-strategies", opts[0], "--vif-strategies", opts[1]] if len(opts) == 2 else []
    rc, out = judge(good, *args)
    ok(rc == 0, "the kept guest run passes" + ("" if rc == 0 else ":\n" + "\n".join(
        x for x in out.splitlines() if x.startswith("not ok"))))
    cases = [
        ("without its guest-info line it fails", [x for x in good if "guest-info" not in x]),
        ("a session cut before the peer's verdict fails",
         [x for x in good if not re.search(r"peer: verdict device=vbd strategy=honest", x)]),
        ("a plan that did not complete fails", [x for x in good if "plan-complete" not in x]),
    ]
    def inject_after(pattern, text):
        out = []
        for x in good:
            out.append(x)
            if re.search(pattern, x):
                out.append(x[:x.index("]") + 2] + text + "\n")
        return out
    cases += [
        ("reuse seen under the honest backend fails (an honest session must be clean)",
         inject_after(r"device-start guest vbd honest",
                      "peer: REUSED-READ device=vbd ref=9 held-since-ms=5 expected=x saw=y (test injection)")),
        ("an honest session without completed I/O in the guest fails",
         [x for x in good if not re.search(r"devio: vbd-\d+ xvdb (io|END) ", x)]),
        ("QEMU exit 3 fails", None),
    ]
    for name, lines in cases:
        rc, _ = judge(lines, *args) if lines is not None else judge(good, *args, "--qemu-rc", "3")
        ok(rc != 0, name)


def crash_tests():
    """A guest that dies before its device connects: noticed at once, played once more, CRASHED."""
    path = os.path.join(HERE, "testdata", "serial-guest-crash.log")
    lines = open(path, errors="replace").readlines()
    args = ["--vbd-strategies", "honest forged-done", "--vif-strategies", ""]
    rc, out = judge(lines, *args)
    ok(rc != 0 and "not ok - nested-xen: guest/vbd/honest: the domU died during the session" in out,
       "crash: a guest that died under the honest backend fails the run")
    ok("ok - nested-xen: guest/vbd/forged-done: ran (crashed)" in out,
       "crash: a guest that died under a lying backend is a note, not a failure")
    ok(out.count("played twice: the first domain") == 2 and "NO VERDICT: the guest died under every strategy" in out,
       "crash: the report says each strategy was played twice and that nothing held or failed")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cfg_tests(tmp)
    judge_tests()
    crash_tests()
    print(f"# guest-cfg: {sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
