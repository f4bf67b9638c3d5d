#!/usr/bin/env python3
"""test-scenario: the scenario parser and codec through gntworld (plain and ASan builds).

- a table of malformed inputs: each must give exactly one line "scenario:LINE: ..." (or a
  one-line gntworld error) and exit 2, with no sanitizer report;
- every corpus file: text -> binary -> text gives the canonical text exactly, and again;
- random byte strings decode to scenarios that parse as text and re-encode to the same bytes.
Prints TAP lines; exits 1 if any check failed.
"""
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
failed = 0


def check(ok, name, detail=""):
    global failed
    print("%s - %s%s" % ("ok" if ok else "not ok", name, ("  # " + detail) if (detail and not ok) else ""))
    failed += not ok


def run(args, timeout=30):
    p = subprocess.run(args, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


CFG = b"config version 1 pages 8 refs 16 deferq 4\n"
BAD = [  # (name, bytes, line the error must name, words the message must contain)
    ("unknown verb", CFG + b"target share p0 rw\npeer frobnicate r8\n", 3, "unknown verb"),
    ("unknown actor", b"dom0 map r8 rw\n", 1, "unknown actor"),
    ("bad ref", CFG + b"peer map x8 rw\n", 2, "bad grant"),
    ("grant name out of range", CFG + b"peer map g8 rw\n", 2, "expected g0..g7"),
    ("share names no grant after 'as'", CFG + b"target share p0 rw as r8\n", 2, "after 'as'"),
    ("share with a stray word", CFG + b"target share p0 rw g1\n", 2, "only 'as gN'"),
    ("ref out of range", CFG + b"peer map r16 rw\n", 2, "out of range"),
    ("page out of range", CFG + b"target share p8 rw\n", 2, "out of range"),
    ("bad mode", b"target share p0 rx\n", 1, "bad mode"),
    ("missing argument", b"target share p0\n", 1, "missing argument"),
    ("too many arguments", b"target tick now\n", 1, "too many"),
    ("duplicate config", CFG + CFG, 2, "duplicate config"),
    ("config after steps", b"target tick\n" + CFG, 2, "config after steps"),
    ("config value out of range", b"config pages 65\n", 1, "pages"),
    ("unknown config key", b"config colour blue\n", 1, "unknown config key"),
    ("unknown memory model", b"config memory pso\n", 1, "config memory must be sc, tso (x86-tso) or arm"),
    ("memory model given twice", b"config memory tso memory arm\n", 1, "given twice"),
    ("cpu drain without its number", b"config memory tso\ncpu drain\n", 2, "missing argument"),
    ("at without step", b"at 3\n", 1, "needs a step"),
    ("at point out of range", b"at 128 peer map r8 rw\n", 1, "at"),
    ("overlong line", b"# " + b"x" * 300 + b"\n", 1, "longer than"),
    ("binary garbage", bytes(range(128, 256)), 1, "invalid character"),
    ("NUL bytes", b"target tick\n\0\0\0\n", 2, "NUL"),
    ("empty file", b"", 1, "empty"),
    ("only comments", b"# nothing here\n\n", 1, "empty"),
    ("huge number", b"config refs 99999999999999999999\n", 1, "refs"),
]


def corpus_dir():
    return os.path.join(ROOT, "corpora", "scenarios")


def main():
    plain, asan = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="test-scenario.")
    env_ok = True
    # 1. bad inputs, both builds
    for name, data, line, word in BAD:
        path = os.path.join(tmp, "bad.scn")
        with open(path, "wb") as f:
            f.write(data)
        for label, binary in (("", plain), (" (asan)", asan)):
            rc, out, err = run([binary, "run", path])
            lines = err.decode(errors="replace").strip().splitlines()
            good = (rc == 2 and len(lines) == 1 and lines[0].startswith("scenario:%d: " % line)
                    and word.lower() in lines[0].lower() and not out)
            check(good, "bad input: %s%s -> one-line error, exit 2" % (name, label),
                  "rc %d, stderr %r" % (rc, err[:300]))
    # a missing file is bad input too
    rc, out, err = run([plain, "run", os.path.join(tmp, "no-such.scn")])
    check(rc == 2 and len(err.splitlines()) == 1, "missing file -> one-line error, exit 2")
    # an unknown memory model, on the command line or in the environment
    xsa = os.path.join(ROOT, "corpora", "scenarios", "xsa396.scn")
    rc, out, err = run([plain, "run", xsa, "--memory", "pso"])
    check(rc == 2 and len(err.splitlines()) == 1 and b"--memory must be" in err and not out,
          "gntworld run --memory pso -> one-line error, exit 2", "rc %d, stderr %r" % (rc, err[:200]))
    p = subprocess.run([plain, "run", xsa], capture_output=True, env=dict(os.environ, GNTWORLD_MEMORY="pso"))
    check(p.returncode == 2 and len(p.stderr.splitlines()) == 1 and b"GNTWORLD_MEMORY" in p.stderr,
          "GNTWORLD_MEMORY=pso -> one-line error, exit 2", "rc %d, stderr %r" % (p.returncode, p.stderr[:200]))
    # the model a run used is in its report, so a finding replays under it
    rc, out, err = run([plain, "run", os.path.join(corpus_dir(), "v2-store-buffer-legal.scn"), "--memory", "tso",
                        "--json"])
    check(b'"memory": "tso"' in out, "--memory tso: the JSON report says memory tso", out[:200])
    # 2. corpus round trip
    corpus = os.path.join(ROOT, "corpora", "scenarios")
    files = sorted(f for f in os.listdir(corpus) if f.endswith(".scn"))
    check(len(files) >= 14, "corpus has the advisory, its relatives and their twins (%d files)" % len(files))
    for f in files:
        src = os.path.join(corpus, f)
        b1, b2 = os.path.join(tmp, "1.bin"), os.path.join(tmp, "2.bin")
        t1 = os.path.join(tmp, "1.scn")
        ok = run([plain, "encode", src, b1])[0] == 0
        rc, text1, _ = run([plain, "decode", b1])
        ok = ok and rc == 0
        with open(t1, "wb") as fh:
            fh.write(text1)
        ok = ok and run([plain, "encode", t1, b2])[0] == 0
        rc, text2, _ = run([plain, "decode", b2])
        same_bin = ok and open(b1, "rb").read() == open(b2, "rb").read()
        # the canonical text carries every step of the source: count non-comment lines
        steps = [l for l in (re.sub(r"#.*", "", x).strip() for x in open(src, errors="replace")) if l]
        ncanon = len(text1.decode().splitlines())
        expect = len(steps) + (0 if steps and steps[0].startswith("config") else 1)
        check(same_bin and text1 == text2 and ncanon == expect,
              "round trip text->binary->text: %s" % f, "canonical %d lines, expected %d" % (ncanon, expect))
    # 3. random bytes: decode -> text parses -> encode -> same bytes as decode(encode)
    rnd = random.Random(2)
    stable = True
    for i in range(60):
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 200)))
        b0, b1 = os.path.join(tmp, "r0.bin"), os.path.join(tmp, "r1.bin")
        t0 = os.path.join(tmp, "r0.scn")
        with open(b0, "wb") as fh:
            fh.write(data)
        rc, text, err = run([plain if i % 2 else asan, "decode", b0])
        if rc != 0:
            stable = False
            print("# decode failed on input %d: %r" % (i, err[:200]))
            break
        with open(t0, "wb") as fh:
            fh.write(text)
        rc1 = run([plain, "encode", t0, b1])[0]
        rc2, text2, _ = run([plain, "decode", b1])
        if rc1 or rc2 or text2 != text:
            stable = False
            print("# not stable on input %d: %s" % (i, data.hex()))
            break
        rcr, _, err = run([plain if i % 2 else asan, "run", t0])
        if rcr not in (0, 1, 4):  # 4: vacuous (the peer could not act) is a verdict too
            stable = False
            print("# random scenario %d did not run: rc %d %r" % (i, rcr, err[:300]))
            break
    check(stable, "60 random byte strings decode to valid scenarios that run and re-encode stably")
    # 4. scripts/scenario.py (the Python converter) agrees with the C codec byte for byte
    py = [sys.executable, os.path.join(ROOT, "scripts", "scenario.py")]
    agree = True
    for f in files:
        src = os.path.join(corpus, f)
        bc, bp = os.path.join(tmp, "c.bin"), os.path.join(tmp, "p.bin")
        if run([plain, "encode", src, bc])[0] or run(py + ["encode", src, bp])[0] or \
                open(bc, "rb").read() != open(bp, "rb").read() or \
                run(py + ["decode", bc])[1] != run([plain, "decode", bc])[1]:
            agree = False
            print("# scenario.py and gntworld disagree on %s" % f)
    for i in range(20):
        b0 = os.path.join(tmp, "x.bin")
        with open(b0, "wb") as fh:
            fh.write(bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 120))))
        if run(py + ["decode", b0])[1] != run([plain, "decode", b0])[1]:
            agree = False
            print("# scenario.py and gntworld decode random input %d differently" % i)
    check(agree, "scripts/scenario.py and the C codec agree (corpus encode/decode, 20 random decodes)")
    rc, _, err = run(py + ["encode", os.path.join(tmp, "bad.scn"), os.path.join(tmp, "y.bin")])
    check(rc == 2 and len(err.splitlines()) == 1 and err.startswith(b"scenario:"),
          "scripts/scenario.py: bad input -> one-line error, exit 2")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
