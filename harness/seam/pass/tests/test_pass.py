#!/usr/bin/env python3
"""test_pass.py - the gntfuzz LLVM pass (harness/seam/pass/), both directions, as TAP.

1. IR: snippets.c compiled with the plugin to LLVM IR (x86-64 at -O0 and -O2, and aarch64 for
   the Arm asm, -g). Per snip_* function, every atomic-order point (cmpxchg, atomicrmw, fence,
   inline asm call, atomic load and store) must carry exactly the hooks of the table below - the
   run of __gntfuzz_* calls immediately before it (immediately after, for an atomic store) - with
   the right size, order or fence kind, the instruction's own pointer (through our casts) and its
   debug location; no other __gntfuzz_* call may appear.
2. The same per target flavour (--flavour NAME=FLAGS: mk/targets.mk's TARGET_CFLAGS_*, which hold
   -fpass-plugin): the flavour's own instrumentation (sancov, ASan, profile) may sit between our
   hook and the instruction, nothing else; and an atomic store still gets sancov's store hook,
   before it, ours after. The order around an atomic store and load is printed.
3. Run time: snippets.o (plugin, and each flavour's flags) linked with pass_runtime.c (no plugin),
   which records the hooks and checks addresses, sizes, orders and the memory at each hook.

usage: test_pass.py --plugin SO --out DIR [--flavour NAME=FLAGS]... [--cc clang]
"""
import argparse
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SNIPPETS = os.path.join(HERE, "snippets.c")
RUNTIME = os.path.join(HERE, "pass_runtime.c")

# Per function: its order points in IR order, each (kind, [hooks]); a hook is (name, size, order)
# or ("fence", kind). Hooks come before the point, after it for an atomic store.
RMW = lambda s, o: ("rmw", s, o)
FENCE = lambda k: ("fence", k)
LOAD = lambda s, o: ("atomic_load", s, o)
STORE = lambda s, o: ("atomic_store", s, o)
COMMON = {
    "snip_atomic_cas_n": [("cmpxchg", [RMW(4, 5)])],
    "snip_atomic_cas_weak_acquire": [("cmpxchg", [RMW(2, 2)])],
    "snip_sync_val_cas": [("cmpxchg", [RMW(2, 5)])],
    "snip_sync_bool_cas": [("cmpxchg", [RMW(8, 5)])],
    "snip_atomic_exchange_n": [("atomicrmw", [RMW(1, 3)])],
    "snip_atomic_fetch_or": [("atomicrmw", [RMW(2, 4)])],
    "snip_global_fetch_add": [("atomicrmw", [RMW(4, 5)])],
    "snip_fence_seq_cst": [("fence", [FENCE(0)])],
    "snip_fence_release": [("fence", [FENCE(3)])],
    "snip_fence_acquire": [("fence", [FENCE(2)])],
    "snip_fence_acq_rel": [("fence", [FENCE(3)])],
    "snip_sync_synchronize": [("fence", [FENCE(0)])],
    "snip_none_compiler_barrier": [("asm", [])],
    "snip_none_signal_fence": [("fence", [])],
    "snip_none_nop_asm": [("asm", [])],
    "snip_none_plain": [],
    "snip_none_volatile": [],
    "snip_none_relaxed": [("load", []), ("store", [])],
    "snip_store_release": [("store", [STORE(2, 3)])],
    "snip_store_seq_cst": [("store", [STORE(4, 5)])],
    "snip_load_acquire": [("load", [LOAD(2, 2)])],
    "snip_load_seq_cst": [("load", [LOAD(8, 5)])],
    "snip_end_access": [("load", [LOAD(2, 2)]), ("cmpxchg", [RMW(2, 5)])],
    "__gntfuzz_snippet_internal": [("atomicrmw", []), ("fence", [])],
    "snip_skip_disable_sanitizer": [("atomicrmw", [])],
    # nosanitize_coverage exists only when coverage is on (set below per compile)
    "snip_nocov": None,
}
X86 = {
    "snip_asm_synch_cmpxchgw": [("asm", [RMW(2, 5)])],
    "snip_asm_xchg": [("asm", [RMW(4, 5)])],
    "snip_asm_lock_xaddq": [("asm", [RMW(8, 5)])],
    "snip_asm_goto_lock_bts": [("asm", [RMW(4, 5)])],
    "snip_asm_mfence": [("asm", [FENCE(0)])],
    "snip_asm_sfence": [("asm", [FENCE(1)])],
    "snip_asm_lfence": [("asm", [FENCE(2)])],
    "snip_asm_lock_addl_rsp": [("asm", [FENCE(0)])],
}
ARM = {
    "snip_arm_dmb_ish": [("asm", [FENCE(0)])],
    "snip_arm_dmb_ishst": [("asm", [FENCE(1)])],
    "snip_arm_dmb_ishld": [("asm", [FENCE(2)])],
    "snip_arm_dsb_sy": [("asm", [FENCE(0)])],
    "snip_arm_dsb_st": [("asm", [FENCE(1)])],
    "snip_arm_dmb_bare": [("asm", [FENCE(0)])],
    "snip_arm_llsc_cmpxchg": [("asm", [RMW(4, 5)])],
    "snip_arm_lse_swpalh_dmb": [("asm", [RMW(2, 5), FENCE(0)])],
}

ORDERINGS = r"(?:unordered|monotonic|acquire|release|acq_rel|seq_cst)"


def split_top(s):
    """Split at commas outside (), [], {}, <> and quotes."""
    out, depth, cur, quote = [], 0, [], False
    for ch in s:
        if quote:
            cur.append(ch)
            if ch == '"':
                quote = False
            continue
        if ch == '"':
            quote = True
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def strip_meta(line):
    """Instruction text without its trailing metadata attachments and attribute groups."""
    m = re.search(r"(, ![\w.]+ ![\w.]+)+$", line)
    if m:
        line = line[: m.start()]
    return line


def dbg_of(line):
    m = re.search(r"!dbg (![\w.]+)", line)
    return m.group(1) if m else None


class Func:
    def __init__(self, name, lines):
        self.name = name
        self.items = []  # (kind, data, line)
        self.casts = {}
        for line in lines:
            self._parse(line.strip())

    def canon(self, v):
        """The pointer a value names, through bitcast/addrspacecast (instructions or constants)."""
        v = v.strip()
        m = re.search(r"(?:bitcast|addrspacecast) \((.*) to [^()]*\)$", v)
        if m:
            return self.canon(m.group(1))
        m = re.search(r"getelementptr (?:inbounds )?\((.*)\)$", v)
        if m:  # all-zero indices (ASan pads globals into a struct): the base's address
            ops = split_top(m.group(1))
            if len(ops) >= 2 and all(re.match(r"^i\d+ 0$", o) for o in ops[2:]):
                return self.canon(ops[1])
        if v.endswith(")"):
            return re.sub(r"\s+", " ", v)
        name = v.split()[-1]
        seen = set()
        while name in self.casts and name not in seen:
            seen.add(name)
            name = self.casts[name]
        return name

    def _ptr_operand(self, text):
        text = re.sub(r"\s+(?:syncscope\(\"[^\"]*\"\)\s+)?" + ORDERINGS + r"$", "", text.strip())
        return self.canon(text)

    def _parse(self, line):
        if not line or line.endswith(":") or re.match(r"^[\w.]+:\s", line) or "@llvm.dbg." in line:
            return
        body = strip_meta(line)
        m = re.match(r"^(%[\w.]+) = (?:bitcast|addrspacecast) (.+) to \S+$", body)
        if m:  # a pointer cast (ours, feeding a hook, among them) executes nothing: not "other"
            self.casts[m.group(1)] = self.canon(m.group(2))
            return
        m = re.search(r"call void @__gntfuzz_(rmw|fence|atomic_load|atomic_store)\((.*)\)", body)
        if m:
            args = split_top(m.group(2))
            consts = [int(a.split()[-1]) for a in args if re.match(r"^i32 \d+$", a)]
            addr = self.canon(args[0]) if m.group(1) != "fence" else None
            hook = (m.group(1),) + tuple(consts)
            self.items.append(("hook", (hook, addr, dbg_of(line)), line))
            return
        m = re.search(r"\bcmpxchg (?:weak )?(?:volatile )?(.*)$", body)
        if m:
            self.items.append(("event", ("cmpxchg", {self.canon(split_top(m.group(1))[0])}, dbg_of(line)), line))
            return
        m = re.search(r"\batomicrmw (?:volatile )?\w+ (.*)$", body)
        if m:
            self.items.append(("event", ("atomicrmw", {self.canon(split_top(m.group(1))[0])}, dbg_of(line)), line))
            return
        m = re.search(r"= load atomic (?:volatile )?(.*)$", body)
        if m:
            ops = split_top(m.group(1))
            self.items.append(("event", ("load", {self._ptr_operand(ops[1])}, dbg_of(line)), line))
            return
        m = re.match(r"^store atomic (?:volatile )?(.*)$", body)
        if m:
            ops = split_top(m.group(1))
            self.items.append(("event", ("store", {self._ptr_operand(ops[1])}, dbg_of(line)), line))
            return
        if re.match(r"^fence ", body):
            self.items.append(("event", ("fence", set(), dbg_of(line)), line))
            return
        m = re.search(r'\basm (?:sideeffect )?(?:alignstack )?(?:inteldialect )?(?:unwind )?'
                      r'"(?:[^"\\]|\\.)*", "(?:[^"\\]|\\.)*"\((.*)\)', body)
        if m:
            ptrs = set()
            for op in split_top(m.group(1)):
                ty = op.split()[0]
                if ty.endswith("*") or ty == "ptr":
                    ptrs.add(self.canon(op))
            self.items.append(("event", ("asm", ptrs, dbg_of(line)), line))
            return
        self.items.append(("other", None, line))


def parse_ir(text):
    funcs, cur, lines = {}, None, []
    for line in text.splitlines():
        m = re.match(r"^define .*@([\w.$]+)\(", line)
        if m:
            cur, lines = m.group(1), []
        elif cur and line.startswith("}"):
            funcs[cur] = Func(cur, lines)
            cur = None
        elif cur and lines and re.match(r"^\s+to label ", line):
            lines[-1] += " " + line.strip()  # a callbr's destinations (and metadata) continue it
        elif cur:
            lines.append(line)
    return funcs


def check_func(f, want, strict, with_dbg):
    """None if f's hooks match `want`, else why not. Not strict: other instructions may sit
    between a hook and its point (a flavour's own instrumentation)."""
    items = [it for it in f.items if strict or it[0] != "other"]
    events = [i for i, it in enumerate(items) if it[0] == "event"]
    kinds = [items[i][1][0] for i in events]
    if kinds != [k for k, _ in want]:
        return "order points %s, expected %s" % (kinds, [k for k, _ in want])
    used = set()
    for i, (kind, hooks) in zip(events, want):
        _, ptrs, dbg = items[i][1]
        got = []
        if kind == "store":
            j = i + 1
            while j < len(items) and items[j][0] == "hook" and items[j][1][0][0] == "atomic_store":
                got.append(j)
                j += 1
        else:
            j = i - 1
            while j >= 0 and items[j][0] == "hook" and j not in used and items[j][1][0][0] != "atomic_store":
                got.insert(0, j)
                j -= 1
        used.update(got)
        gothooks = [items[j][1][0] for j in got]
        if gothooks != hooks:
            where = "after" if kind == "store" else "before"
            return "%s: hooks %s it %s, expected %s" % (kind, where, gothooks or "none", hooks or "none")
        for j in got:
            hook, addr, hdbg = items[j][1]
            if addr is not None and addr not in ptrs:
                return "%s: %s's address %s is not the instruction's pointer %s" % (
                    kind, hook[0], addr, sorted(ptrs))
            if with_dbg and hdbg != dbg:
                return "%s: %s has debug location %s, the instruction %s" % (kind, hook[0], hdbg, dbg)
    stray = [it[2].strip() for i, it in enumerate(items) if it[0] == "hook" and i not in used]
    if stray:
        return "stray hook call: %s" % stray[0]
    return None


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, what, why=None):
        self.n += 1
        if ok:
            print("ok %d - %s" % (self.n, what))
        else:
            self.failed += 1
            print("not ok %d - %s%s" % (self.n, what, ": " + why if why else ""))
        sys.stdout.flush()

    def comment(self, text):
        print("# " + text)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, **kw)


def check_ir(tap, label, text, table, strict, coverage, with_dbg=True):
    funcs = parse_ir(text)
    table = dict(table)
    table["snip_nocov"] = [("atomicrmw", [] if coverage else [RMW(4, 5)])]
    bad = []
    for name, want in sorted(table.items()):
        if name not in funcs:
            bad.append("%s: not in the IR" % name)
            continue
        why = check_func(funcs[name], want, strict, with_dbg)
        if why:
            bad.append("%s: %s" % (name, why))
    hooked = sum(1 for w in table.values() for _, h in w if h)
    bare = sum(1 for w in table.values() for _, h in w if not h)
    tap.result(not bad, "%s: %d functions, %d order points hooked as expected, %d left bare" % (
        label, len(table), hooked, bare), "; ".join(bad[:3]) + (" (+%d more)" % (len(bad) - 3) if len(bad) > 3 else ""))
    return funcs


def calls_around(f, kind):
    """Callees of the calls nearest the first `kind` order point: (before it, nearest first; after)."""
    seq = [it for it in f.items if it[0] != "other" or re.search(r"call \S+ @", it[2])]
    idx = next(i for i, it in enumerate(seq) if it[0] == "event" and it[1][0] == kind)
    callee = lambda it: re.search(r"call \S+ @([\w.]+)\(", it[2]).group(1)
    before = [callee(it) for it in reversed(seq[max(0, idx - 3):idx]) if it[0] != "event"]
    after = [callee(it) for it in seq[idx + 1:idx + 3] if it[0] != "event"]
    return before, after


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cc", default="clang")
    ap.add_argument("--flavour", action="append", default=[], help="NAME=FLAGS")
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    os.makedirs(a.out, exist_ok=True)
    tap = Tap()
    plugin = os.path.abspath(a.plugin)
    if not os.path.isfile(plugin):
        tap.result(False, "the plugin %s exists" % plugin)
        print("1..%d" % tap.n)
        return 1

    def compile_ir(label, flags, target=None):
        out = os.path.join(a.out, label + ".ll")
        cmd = [a.cc] + flags + (["--target=" + target, "-ffreestanding"] if target else []) + \
              ["-S", "-emit-llvm", SNIPPETS, "-o", out]
        p = run(cmd)
        if p.returncode != 0:
            tap.result(False, "%s: compiles" % label, (p.stderr.strip().splitlines() or ["?"])[-1])
            return None
        with open(out) as fh:
            return fh.read()

    # 1. the plugin alone: strict adjacency
    pflags = ["-g", "-fpass-plugin=" + plugin]
    for opt in ("-O0", "-O2"):
        text = compile_ir("x86_64" + opt, [opt] + pflags)
        if text is not None:
            check_ir(tap, "x86-64 %s, plugin only: each hook immediately at its instruction" % opt,
                     text, {**COMMON, **X86}, strict=True, coverage=False)
        text = compile_ir("aarch64" + opt, [opt] + pflags, target="aarch64-linux-gnu")
        if text is not None:
            check_ir(tap, "aarch64 %s, plugin only: Arm barriers and exclusives, each hook at its instruction" % opt,
                     text, {**COMMON, **ARM}, strict=True, coverage=False)

    # 2. the target flavours' flags
    flavours = []
    for fl in a.flavour:
        name, _, flags = fl.partition("=")
        flavours.append((name, shlex.split(flags)))
    for name, flags in flavours:
        if not any(f.startswith("-fpass-plugin=") for f in flags):
            tap.result(False, "flavour %s: its flags load the plugin" % name, "no -fpass-plugin= in them")
            continue
        coverage = any(f.startswith("-fsanitize-coverage=") or f.startswith("-fsanitize=fuzzer") for f in flags)
        text = compile_ir("flavour-" + name, flags)
        if text is None:
            continue
        tap.comment("flavour %s: %s" % (name, " ".join(flags)))
        funcs = check_ir(tap, "flavour %s: the same hooks, only the flavour's instrumentation between a hook and its instruction" % name,
                         text, {**COMMON, **X86}, strict=False, coverage=coverage)
        if "-fsanitize-coverage=trace-loads,trace-stores" in " ".join(flags) or any(
                "trace-stores" in f for f in flags):
            for fn, kind, ours in (("snip_store_release", "store", "__gntfuzz_atomic_store"),
                                   ("snip_load_acquire", "load", "__gntfuzz_atomic_load")):
                f = funcs.get(fn)
                if not f:
                    continue
                before, after = calls_around(f, kind)
                cov = "__sanitizer_cov_%s2" % kind
                if kind == "store":
                    ok = before[:1] == [cov] or (before and before[0].startswith("__asan") and cov in before)
                    ok = ok and after[:1] == [ours]
                    order = "%s < store atomic < %s" % (cov, ours)
                else:
                    ok = cov in before and ours in before and before.index(cov) < before.index(ours)
                    order = "%s < %s < load atomic" % (ours, cov)
                tap.result(ok, "flavour %s: IR order around an atomic %s: %s" % (name, kind, order),
                           "calls before %s, after %s" % (before, after))

    # 3. run time
    configs = [("plugin-O0", ["-O0", "-g", "-fpass-plugin=" + plugin], False),
               ("plugin-O2", ["-O2", "-g", "-fpass-plugin=" + plugin], False)]
    configs += [("flavour-" + n, f, True) for n, f in flavours]
    for label, flags, sancov in configs:
        obj = os.path.join(a.out, label + "-snippets.o")
        main_o = os.path.join(a.out, label + "-runtime.o")
        exe = os.path.join(a.out, label + "-runtime")
        steps = [[a.cc] + flags + ["-c", SNIPPETS, "-o", obj],
                 [a.cc, "-O1", "-g"] + (["-DEXPECT_SANCOV"] if sancov else []) + ["-c", RUNTIME, "-o", main_o],
                 [a.cc] + [f for f in flags if not f.startswith("-fpass-plugin=")] + [obj, main_o, "-o", exe]]
        failed = None
        for cmd in steps:
            p = run(cmd)
            if p.returncode != 0:
                failed = "%s: %s" % (" ".join(cmd[:3]), (p.stderr.strip().splitlines() or ["?"])[-1])
                break
        if failed:
            tap.result(False, "run time, %s: builds" % label, failed)
            continue
        p = run([exe], cwd=a.out, env=dict(os.environ, LLVM_PROFILE_FILE=os.path.join(a.out, label + ".profraw")))
        lines = p.stdout.splitlines()
        bad = [l for l in lines if l.startswith("not ok")]
        oks = sum(1 for l in lines if l.startswith("ok "))
        tap.result(p.returncode == 0 and not bad and oks > 0,
                   "run time, %s: %d checks of recorded hooks (address, size, order, memory at the hook)" % (label, oks),
                   "; ".join(bad[:3]) or (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1])

    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
