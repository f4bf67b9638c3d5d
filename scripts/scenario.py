#!/usr/bin/env python3
"""Convert scenarios between text and the binary form, without building anything.

  scenario.py encode IN.scn OUT.bin     text -> binary
  scenario.py decode IN.bin             binary -> canonical text (stdout)
  scenario.py fmt IN.scn                text -> canonical text (stdout)

The step table is asked from the C codec (`scnconv list-ops`, built through make when missing),
so it is the very table the parser is built from; the layout is the one described in
harness/world/scenario_bin.c.
Errors are one line, "scenario:LINE: message", exit 2. Standard library only.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCNCONV = os.path.join(ROOT, "build", "fuzz", "tools", "scnconv")
RANGES = {"version": (1, 2), "pages": (1, 64), "refs": (9, 256), "deferq": (1, 64)}
DEFAULTS = {"version": 1, "pages": 16, "refs": 32, "deferq": 8, "memory": 0, "device": 0}
MAX_STEPS, MAX_LINE, MAX_AT = 512, 256, 127
LABELS, LABEL = 8, 0x10000  # grants named gN (harness/world/scenario.h): R args carry LABEL | N


class Bad(Exception):
    pass


def scnconv(what):
    """The lines scnconv prints for `list-WHAT` (built through make when missing)."""
    if not os.access(SCNCONV, os.X_OK):
        p = subprocess.run(["make", "-s", "--no-print-directory", os.path.relpath(SCNCONV, ROOT)], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode:
            sys.exit("scenario.py: cannot build scnconv (make %s): %s" %
                     (os.path.relpath(SCNCONV, ROOT), (p.stderr.strip().splitlines() or ["?"])[-1]))
    return subprocess.run([SCNCONV, "list-" + what], stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines()


def ops():
    """[(actor, verb, args)] in row order, from the C codec's own table."""
    rows = []
    for line in scnconv("ops"):
        _, actor, verb, args = line.split()
        rows.append((actor, verb, "" if args == "-" else args.lstrip("*")))
    return rows


OPS = ops()
MEMORY = [line.split()[1] for line in scnconv("memory")]  # sc, tso, arm: config and binary order
DEVICES = [line.split()[1] for line in scnconv("devices")]  # none, vbd, vif: config and binary order


def num(tok, hi):
    if not tok.isdigit() or int(tok) > hi:
        raise ValueError
    return int(tok)


def parse(text):
    cfg, steps, have_cfg, nonempty = dict(DEFAULTS), [], False, False
    if not text:
        raise Bad("scenario:1: empty scenario")
    for lineno, raw in enumerate(text.split(b"\n"), 1):
        if b"\0" in raw:
            raise Bad("scenario:%d: NUL byte in text" % lineno)
        bad = [c for c in raw if (c < 0x20 and c not in (9, 13)) or c >= 0x7f]
        if bad:
            raise Bad("scenario:%d: invalid character 0x%02x" % (lineno, bad[0]))
        if len(raw) > MAX_LINE:
            raise Bad("scenario:%d: line longer than %d characters" % (lineno, MAX_LINE))
        tok = raw.decode().split("#")[0].split()
        if not tok:
            continue
        nonempty = True
        err = lambda msg: Bad("scenario:%d: %s" % (lineno, msg))
        if tok[0] == "config":
            if have_cfg:
                raise err("duplicate config line")
            if steps:
                raise err("config after steps")
            have_cfg, seen = True, set()
            for i in range(1, len(tok), 2):
                k = tok[i]
                if k == "memory" and k not in seen and i + 1 < len(tok):
                    seen.add(k)
                    name = "tso" if tok[i + 1] == "x86-tso" else tok[i + 1]
                    if name not in MEMORY:
                        raise err("config memory must be %s" % ", ".join(MEMORY))
                    cfg[k] = MEMORY.index(name)
                    continue
                if k == "device" and k not in seen and i + 1 < len(tok):
                    seen.add(k)
                    if tok[i + 1] not in DEVICES:
                        raise err("config device must be %s" % ", ".join(DEVICES))
                    cfg[k] = DEVICES.index(tok[i + 1])
                    continue
                if k not in RANGES or k in seen or i + 1 >= len(tok):
                    raise err("bad config key '%s'" % k)
                seen.add(k)
                lo, hi = RANGES[k]
                try:
                    v = num(tok[i + 1], hi)
                    assert v >= lo
                except (ValueError, AssertionError):
                    raise err("config %s must be %d..%d" % (k, lo, hi))
                cfg[k] = v
            continue
        at = None
        if tok[0] == "at":
            try:
                at = num(tok[1], MAX_AT)
            except (ValueError, IndexError):
                raise err("'at' needs a point 0..%d" % MAX_AT)
            tok = tok[2:]
        if len(tok) < 2:
            raise err("a step needs an actor and a verb")
        match = [i for i, (a, v, _) in enumerate(OPS) if a == tok[0] and v == tok[1]]
        if not match:
            raise err("unknown step '%s %s'" % (tok[0], tok[1]))
        op = match[0]
        kinds = OPS[op][2]
        if kinds.endswith("L"):  # optional trailing `as gN`
            if len(tok) - 2 == len(kinds) + 1 and tok[-2] == "as":
                tok = tok[:-2] + tok[-1:]
            elif len(tok) - 2 == len(kinds) - 1:
                tok = tok + ["-"]
        if len(tok) - 2 != len(kinds):
            raise err("%s %s takes %d argument(s)" % (tok[0], tok[1], len(kinds)))
        args = []
        for k, t in zip(kinds, tok[2:]):
            try:
                if k == "R" and t[:1] == "g":
                    v = LABEL | num(t[1:], LABELS - 1)
                elif k == "L":
                    v = 0 if t == "-" else 1 + num(t[1:], LABELS - 1) if t[:1] == "g" else num("x", 0)
                elif k in "PR":
                    if t[0] != k.lower():
                        raise ValueError
                    v = num(t[1:], 0xffff)
                    if v >= cfg["pages" if k == "P" else "refs"]:
                        raise ValueError
                elif k == "M":
                    v = ["rw", "ro"].index(t)
                elif k == "D":
                    v = ["to", "from"].index(t)
                elif k == "S":  # signed 16-bit, kept as its two's complement
                    v = -num(t[1:], 32768) & 0xffff if t[:1] == "-" else num(t, 32767)
                else:
                    v = num(t, 65535)
            except (ValueError, IndexError):
                raise err("bad argument '%s'" % t)
            args.append(v)
        if len(steps) >= MAX_STEPS:
            raise err("too many steps")
        steps.append((op, at, args))
    if not nonempty:
        raise Bad("scenario:1: empty scenario")
    return cfg, steps


def fmt(cfg, steps):
    out = ["config version %(version)d pages %(pages)d refs %(refs)d deferq %(deferq)d" % cfg +
           (" memory " + MEMORY[cfg["memory"]] if cfg["memory"] else "") +
           (" device " + DEVICES[cfg["device"]] if cfg["device"] else "")]
    for op, at, args in steps:
        actor, verb, kinds = OPS[op]
        words = ([] if at is None else ["at", str(at)]) + [actor, verb]
        for k, v in zip(kinds, args):
            if k == "L":
                words += ["as", "g%d" % (v - 1)] if v else []
                continue
            words.append({"P": "p%d" % v, "R": ("g%d" if v & LABEL else "r%d") % (v & ~LABEL),
                          "M": ("rw", "ro")[v & 1], "D": ("to", "from")[v & 1],
                          "S": str(v - 0x10000 if v & 0x8000 else v)}.get(k, str(v)))
        out.append(" ".join(words))
    return "\n".join(out) + "\n"


def encode(cfg, steps):
    b = bytearray([(cfg["version"] - 1) | cfg["memory"] << 1 | cfg["device"] << 3, cfg["pages"] - 1, cfg["refs"] - 9, cfg["deferq"] - 1])
    for op, at, args in steps:
        b += bytes([op, 0 if at is None else 0x80 | at])
        for k, v in zip(OPS[op][2], args):
            b += bytes([v & 0xff, v >> 8]) if k in "NS" else bytes([v & 0xff, 0x80 if v & LABEL else 0]) \
                if k == "R" else bytes([v])
    return bytes(b)


def decode(data):
    it = iter(data)
    nxt = lambda: next(it, 0)
    b0 = nxt()
    cfg = {"version": 1 + b0 % 2, "memory": (b0 >> 1 & 3) % len(MEMORY), "device": (b0 >> 3) % len(DEVICES),
           "pages": 1 + nxt() % 64, "refs": 9 + nxt() % 248, "deferq": 1 + nxt() % 64}
    steps, pos = [], 4
    while pos < len(data) and len(steps) < MAX_STEPS:
        it = iter(data[pos:])
        op = nxt() % len(OPS)
        a = nxt()
        args, used = [], 2
        for k in OPS[op][2]:
            if k in "NS":
                args.append(nxt() | nxt() << 8)
                used += 2
            elif k == "R":
                lo, hi = nxt(), nxt()
                used += 2
                args.append(LABEL | lo % LABELS if hi & 0x80 else lo % cfg["refs"])
            elif k == "L":
                args.append(nxt() % (LABELS + 1))
                used += 1
            else:
                v = nxt()
                used += 1
                args.append(v % cfg["pages"] if k == "P" else v % cfg["refs"] if k == "R" else v & 1)
        steps.append((op, (a & 0x7f) if a & 0x80 else None, args))
        pos += used
    return cfg, steps


def main(argv):
    try:
        if len(argv) == 3 and argv[0] == "encode":
            data = encode(*parse(open(argv[1], "rb").read()))
            open(argv[2], "wb").write(data)
        elif len(argv) == 2 and argv[0] == "decode":
            sys.stdout.write(fmt(*decode(open(argv[1], "rb").read())))
        elif len(argv) == 2 and argv[0] == "fmt":
            sys.stdout.write(fmt(*parse(open(argv[1], "rb").read())))
        else:
            print(__doc__.split("\n\n")[1], file=sys.stderr)
            return 2
    except Bad as e:
        print(e, file=sys.stderr)
        return 2
    except OSError as e:
        print("scenario.py: %s: %s" % (e.filename, e.strerror), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
