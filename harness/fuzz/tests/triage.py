#!/usr/bin/env python3
"""test-fuzz-triage: one bug, one finding -- the campaign's grouping of findings, both directions,
on real runs of the fuzz binaries (built through make).

A finding's group is its invariant plus, in the library's terms, its innermost frame where the
world caught it (the `gntworld-json:` line's `library_frames`: only frames in the library's own
text section, never its adapter's or a shim's; symbolized: the function and the library functions
it is inlined into there), or the message with its numbers replaced when the world caught it
without a library frame on the stack. Pinned here:
- many inputs of one mutant's bug are one group: hand-written variations (noise, other pages and
  refs, grant v2, another road to the same free) and every crash a short libFuzzer run collects;
  the roads through the world and the adapter (peer done, target unshare) have one world key;
- the signature ignores adapter frames: the same violation with other adapter functions on the
  stack is the same group (an older world's JSON, without library_frames, would have split it),
  and another library frame is another group;
- the same input on two mutants that free a mapped page from different library functions
  (grants/msa02: unshare ignoring a busy end; grants/cve23041: the deferral freeing the page) is
  two groups, and the signature names functions of the library, not of its adapter or the harness;
- a crash of library code (hiref/panic_busy: a panic shim that logs, then aborts) is invariant 4
  with the library's panic message as its headline, a library function as its signature;
- a violation the world catches itself (invariant 5 at the end-of-run check) is grouped by its
  message, numbers left out, so two inputs with other refs and pages are one group;
- fixed libraries and a legal peer give no finding at all.
TAP lines; exit 1 if any failed.
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fuzzcommon as fc  # noqa: E402

CFG1 = "config version 1 pages 8 refs 16 deferq 4\n"
CFG2 = "config version 2 pages 8 refs 16 deferq 4\n"
# grants/msa02's bug, reached in several ways: all one finding
MSA02 = {
    "done": CFG1 + "target share p0 rw\npeer map r8 rw\npeer done r8\n",
    "done-noisy": CFG1 + "target share p1 rw\ntarget share p0 rw\npeer map r9 rw\npeer read r9\n"
                         "peer write r9\npeer done r9\n",
    "unshare-mapped": CFG1 + "target share p0 rw\npeer map r8 rw\ntarget unshare r8\n",
    "unshare-ro-later": CFG1 + "target share p2 ro\ntarget share p3 rw\ntarget share p0 rw\n"
                               "peer map r10 ro\npeer read r10\ntarget unshare r10\n",
    "v2": CFG2 + "target share p0 rw\npeer map r8 rw\npeer done r8\n",
}
# hiref/panic_busy: ending a grant the peer still maps panics (the library's log line, then abort)
PANIC = CFG1 + "target share p0 rw as g1\npeer map g1 rw\ntarget unshare g1\n"
# no finding on any library
LEGAL = CFG1 + "target share p0 rw\npeer map r8 rw\npeer unmap r8\npeer done r8\n"
# grants/lost_deferred: the world's end-of-run check (no library frame), twice with other numbers
LOST = {
    "lost-a": CFG1 + "target share p0 rw\npeer map r8 rw\ntarget unshare r8\ntarget tick\npeer unmap r8\n"
                     "target tick\n",
    "lost-b": CFG1 + "target share p3 rw\ntarget share p5 rw\npeer map r9 rw\ntarget unshare r9\ntarget tick\n"
                     "peer unmap r9\ntarget tick\n",
}
FUZZ_SECONDS = 8
failed = 0


def check(ok, name, detail=""):
    global failed
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""), flush=True)
    failed += not ok


def key(c):
    return f"{c[0]}/{c[1]}" if c else None


def classify(lib, mutant, path):
    binp = fc.binary("libfuzzer", "world", lib, mutant)
    _, out = fc.run_input(binp, path)
    return fc.classify(out, binp), out


def symbols(binp):
    """{function name: address} of a binary's text symbols (offsets, as the world's frames are)."""
    r = subprocess.run(["nm", "--defined-only", str(binp)], stdout=subprocess.PIPE, text=True, check=True)
    out = {}
    for line in r.stdout.splitlines():
        w = line.split()
        if len(w) == 3 and w[1] in "tT":
            out.setdefault(w[2], int(w[0], 16))
    return out


def with_json(out, j):
    """A run's output with its `gntworld-json:` line replaced by j."""
    return re.sub(r"^gntworld-json: .*$", lambda m: "gntworld-json: " + json.dumps(j), out, count=1, flags=re.M)


def adapter_frames(out, first):
    """Both directions on one real violation (grants/msa02), its frames rewritten: other adapter
    functions under and above the library's frames -> the same signature; another library frame
    -> another signature."""
    binp = fc.binary("libfuzzer", "world", "grants", "msa02")
    j = fc.world_json(out)
    if not j or "library_frames" not in j or "key" not in j:
        check(False, "the world's JSON gives library_frames and key", str(j and sorted(j)))
        return
    syms = symbols(binp)
    adapter_src = str(fc.ROOT / "targets" / "grants" / "adapter.c")
    spare = [syms[n] for n in ("log_msg", "leaked", "tick") if n in syms]
    frames = fc.symbolize(binp, j["stack"])
    adapter_at = [i for i, fr in enumerate(frames) if fr and fr[0][1] == adapter_src]
    if len(spare) < 2 or not adapter_at or "gnt_tick" not in syms:
        check(False, "grants' adapter frames and symbols found", f"{adapter_at} {sorted(syms)[:5]}")
        return
    other = dict(j)  # every adapter frame now another adapter function (3 bytes in: inside it)
    other["stack"] = [hex(spare[i % len(spare)] + 3) if i in adapter_at else a for i, a in enumerate(j["stack"])]
    moved = fc.classify(with_json(out, other), binp)
    check(moved == first,
          f"the same library frames under other adapter functions ({', '.join(fr[0][0] for i, fr in enumerate(frames) if i in adapter_at)} "
          f"-> log_msg, leaked, tick): the same group ({key(moved)})", f"{moved} vs {first}")
    old = {k: v for k, v in j.items() if k not in ("library_frames", "key")}
    old_other = {k: v for k, v in other.items() if k not in ("library_frames", "key")}
    a, b = fc.classify(with_json(out, old), binp), fc.classify(with_json(out, old_other), binp)
    check(a and b and key(a) != key(b),
          f"without library_frames (an older world: frames filtered by source path) they were two groups "
          f"({a and a[1]} / {b and b[1]})", f"{a} / {b}")
    elsewhere = dict(j, library_frames=[hex(syms["gnt_tick"] + 3)] + j["library_frames"][1:])
    c = fc.classify(with_json(out, elsewhere), binp)
    check(c and key(c) != key(first) and c[1].split("<-")[0] == "gnt_tick",
          f"another innermost library frame (gnt_tick): another group ({c and c[1]})", str(c))


def fuzz_crashes(lib, mutant, tmp):
    """Every distinct crash input a short libFuzzer fork run on the world corpus collects."""
    corpus, art = tmp / f"corpus-{mutant}", tmp / f"crashes-{mutant}"
    shutil.copytree(fc.CORPORA / "world", corpus)
    art.mkdir()
    subprocess.run([str(fc.binary("libfuzzer", "world", lib, mutant)), "-fork=1", "-ignore_crashes=1",
                    f"-max_total_time={FUZZ_SECONDS}", f"-artifact_prefix={art}/", str(corpus)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=FUZZ_SECONDS + 60,
                   env=dict(fc.os.environ, ASAN_OPTIONS="detect_leaks=0:symbolize=0", TMPDIR=str(tmp)))
    return sorted(art.glob("crash-*"))


def main():
    conv = fc.FUZZ_OUT / "tools" / "scnconv"
    libs = fc.libraries()
    if "grants" not in libs or not {"msa02", "cve23041", "lost_deferred"} <= set(fc.mutants_of("grants")):
        print("not ok - the reference library grants/ with mutants msa02, cve23041, lost_deferred is needed "
              f"(make list-variants names: {' '.join(libs)})")
        return 1
    variants = [("grants", m) for m in ("msa02", "cve23041", "lost_deferred")] + [(l, fc.FIXED) for l in libs]
    panic = "hiref" in libs and "panic_busy" in fc.mutants_of("hiref")  # a library with a panic shim
    if panic:
        variants.append(("hiref", "panic_busy"))
    gtab_pair = "gtab" in libs and {"msa02", "cve23041"} <= set(fc.mutants_of("gtab"))
    if gtab_pair:
        variants += [("gtab", "msa02"), ("gtab", "cve23041")]
    try:
        fc.build([conv] + [fc.binary("libfuzzer", "world", l, m) for l, m in variants])
    except fc.FuzzError as e:
        print(f"not ok - build: {e}")
        return 1
    with tempfile.TemporaryDirectory(prefix="fuzz-triage-") as t:
        tmp = Path(t)
        inputs = {}
        for name, text in {**MSA02, **LOST, "legal": LEGAL, "panic": PANIC}.items():
            scn, binf = tmp / f"{name}.scn", tmp / f"{name}.bin"
            scn.write_text(text)
            binf.write_bytes(subprocess.run([str(conv), "encode", str(scn)], stdout=subprocess.PIPE,
                                            check=True).stdout)
            inputs[name] = binf

        # one bug, many inputs: one group
        msa = {n: classify("grants", "msa02", inputs[n]) for n in MSA02}
        first = msa["done"][0]
        check(first and first[0] == "inv1-free-while-mapped" and not first[1].startswith("msg:"),
              f"grants/msa02 forged done: invariant 1 at library frames ({key(first)})", str(first))
        same = {n: key(c) for n, (c, _) in msa.items()}
        check(len(set(same.values())) == 1 and None not in same.values(),
              f"grants/msa02 reached {len(MSA02)} ways (noise, other pages and refs, v2, a plain unshare): one group",
              str(same))
        check("peer done r9" in fc.readable("world", inputs["done-noisy"], msa["done-noisy"][1]),
              "the readable scenario is the whole input as it ran")
        keys = {n: fc.world_key(out) for n, (_, out) in msa.items()}
        check(len(set(keys.values())) == 1 and None not in keys.values(),
              "and the world gives them one root-cause key (peer done and target unshare: other roads through "
              "the world and the adapter, one library frame)", str(keys))
        if first:
            adapter_frames(msa["done"][1], first)
        crashes = fuzz_crashes("grants", "msa02", tmp)
        groups = {}
        for p in crashes:
            c, _ = classify("grants", "msa02", p)
            groups.setdefault(key(c), []).append(p.name)
        check(len(crashes) >= 3 and list(groups) == [key(first)],
              f"a {FUZZ_SECONDS}s libFuzzer run on grants/msa02: {len(crashes)} distinct crash inputs, one group",
              f"groups {dict((k, len(v)) for k, v in groups.items())}")

        # two mutants, two functions: two groups
        cve, _ = classify("grants", "cve23041", inputs["done"])
        check(cve and cve[0] == "inv1-free-while-mapped" and key(cve) != key(first),
              f"same input, grants/cve23041 vs grants/msa02: different groups ({cve and cve[1]} vs {first and first[1]})",
              f"{cve} vs {first}")
        lib_fns = set()
        for src in fc.ROOT.glob("grants/src/*.c"):
            lib_fns |= set(re.findall(r"^\w[\w\s\*]*?\b(\w+)\(", src.read_text(), re.M))
        adapter_fns = set(re.findall(r"^\w[\w\s\*]*?\b(\w+)\(", (fc.ROOT / "targets/grants/adapter.c").read_text(), re.M))
        names = [n for c in (first, cve) if c for n in c[1].split("<-")]
        check(names and all(n in lib_fns and n not in adapter_fns for n in names),
              f"their signatures name functions of grants/ only, not of its adapter ({' '.join(names)})",
              f"{names}; adapter: {sorted(adapter_fns)}")
        if gtab_pair:
            gm, _ = classify("gtab", "msa02", inputs["done"])
            gc, _ = classify("gtab", "cve23041", inputs["done"])
            check(gm and gc and key(gm) != key(gc), "gtab/msa02 vs gtab/cve23041 (a library with its own idiom): "
                  "different groups", f"{gm and gm[1]} / {gc and gc[1]}")

        # a crash of library code: invariant 4, the library's panic message as headline
        if panic:
            pc, pout = classify("hiref", "panic_busy", inputs["panic"])
            j = fc.world_json(pout) or {}
            hiref_fns = set(re.findall(r"^\w[\w\s\*]*?\b(\w+)\(", (fc.ROOT / "targets/hiref/hiref.c").read_text(), re.M))
            check(pc and pc[0].startswith("inv4-") and "panic" in pc[2] and isinstance(j.get("crash"), dict)
                  and pc[2].startswith(j["crash"].get("last_log", "?")),
                  f"hiref/panic_busy: a panic is invariant 4 with the library's panic message as headline ({pc and pc[2]})",
                  str(pc))
            check(pc and all(n in hiref_fns for n in pc[1].split("<-")),
                  f"its signature is a function of hiref, where it panicked ({pc and pc[1]})", str(pc))
            check(classify("hiref", fc.FIXED, inputs["panic"])[0] is None, "hiref/fixed on that input: no finding")

        # caught by the world itself: grouped by message, numbers left out
        la, _ = classify("grants", "lost_deferred", inputs["lost-a"])
        lb, _ = classify("grants", "lost_deferred", inputs["lost-b"])
        check(la and la[0] == "inv5-lost" and la[1].startswith("msg:") and not re.search(r"\d", la[1])
              and key(la) == key(lb),
              f"grants/lost_deferred at the end-of-run check: message signature, one group ({la and la[1]})",
              f"{la} vs {lb}")

        # no finding where there is no bug
        clean = [(l, n) for l in libs for n in list(MSA02) + list(LOST) + ["legal"]
                 if classify(l, fc.FIXED, inputs[n])[0] is not None]
        check(not clean, f"fixed libraries ({' '.join(libs)}): no finding on any input", str(clean))
        check(classify("grants", "msa02", inputs["legal"])[0] is None, "grants/msa02 with a peer that unmapped first: no finding")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
