#!/usr/bin/env python3
"""Bring your own grant library, as a user would: targets/template copied to a temporary folder
outside the tree is built with `TARGET=<dir>`, runs the corpus scenarios (its fixed build clean,
its mutant caught), is fuzzed by libFuzzer from an empty corpus until the mutant is found, and every
way an adapter or manifest can be wrong ends in one clear line and a non-zero exit. TAP output."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TEMPLATE = os.path.join(ROOT, "targets", "template")
SCNS = os.path.join(ROOT, "corpora", "scenarios")
failed = 0


def check(ok, what, detail=""):
    global failed
    print(("ok - " if ok else "not ok - ") + what + ("" if ok or not detail else ": " + detail))
    failed += not ok


def make(target_dir, *goals):
    return subprocess.run(["make", "-s", "--no-print-directory", "-j2", "TARGET=" + target_dir, *goals], cwd=ROOT,
                          capture_output=True, text=True, errors="replace")


def copy_template(tmp, name, edits=()):
    """A copy of the template named `name`, with (file, old, new) edits applied."""
    d = os.path.join(tmp, name)
    shutil.copytree(TEMPLATE, d)
    edits = [("target.mk", "TARGET_NAME     := mygnt", "TARGET_NAME     := " + name)] + list(edits)
    for fname, old, new in edits:
        p = os.path.join(d, fname)
        text = open(p).read()
        assert old in text, (fname, old)
        open(p, "w").write(text.replace(old, new))
    return d


def gntworld(name, mutant):
    return os.path.join(ROOT, "build", "world", name, mutant, "gntworld")


def run(binary, *args, timeout=120):
    return subprocess.run([binary, *args], capture_output=True, text=True, errors="replace", timeout=timeout)


def one_line_error(p, pattern):
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    return p.returncode != 0 and len(lines) == 1 and re.search(pattern, lines[0]) is not None, \
        "exit %d, stderr %r" % (p.returncode, p.stderr[-300:])


def main():
    scns = sorted(os.path.join(SCNS, f) for f in os.listdir(SCNS) if f.endswith(".scn"))
    with tempfile.TemporaryDirectory(prefix="gntfuzz-byo-") as tmp:
        d = copy_template(tmp, "byo")
        p = make(d, "list-variants")
        check(p.returncode == 0 and p.stdout.split() == ["byo", "fixed", "byo", "ignore_busy"],
              "the manifest of an out-of-tree copy gives its variants", p.stdout + p.stderr)
        p = make(d, os.path.relpath(gntworld("byo", "fixed"), ROOT), os.path.relpath(gntworld("byo", "ignore_busy"), ROOT))
        check(p.returncode == 0, "the template builds out of tree with the hooks", p.stderr[-500:])
        if p.returncode:
            return 1
        verdicts = {m: [run(gntworld("byo", m), "run", s).returncode for s in scns] for m in ("fixed", "ignore_busy")}
        check(all(v in (0, 3) for v in verdicts["fixed"]) and 0 in verdicts["fixed"],
              "its fixed build is clean on every corpus scenario it can run (v2 ones are skipped)", str(verdicts["fixed"]))
        check(3 in verdicts["fixed"], "scenarios of a table version the library lacks are skipped, not failed")
        caught = [os.path.basename(s) for s, v in zip(scns, verdicts["ignore_busy"]) if v == 1]
        check("msa02.scn" in caught, "its mutant is caught by the advisory scenario", ",".join(caught))

        fuzzer = os.path.join(ROOT, "build", "fuzz", "libfuzzer", "world-byo-ignore_busy")
        p = make(d, os.path.relpath(fuzzer, ROOT))
        check(p.returncode == 0, "its libFuzzer target builds", p.stderr[-300:])
        work = os.path.join(tmp, "fuzz")
        os.mkdir(work)
        p = subprocess.run([fuzzer, "-max_total_time=60", "-seed=1"], cwd=work, capture_output=True, text=True,
                           errors="replace", timeout=180)
        check(p.returncode != 0 and "VIOLATION free-while-mapped:" in p.stderr,
              "libFuzzer finds its mutant from an empty corpus within 60 s", p.stderr[-300:])

        cases = [
            ("no_unshare", [("adapter.c", "\t.unshare = unshare,\n", "")], "msa02.scn",
             r"adapter of no_unshare: gntfuzz_adapter has no unshare$"),
            ("own_table", [("adapter.c", "mygnt_init((grant_entry_v1_t *)t->shared,", "mygnt_init(own_table,"),
                           ("adapter.c", "static struct seam_host host;", "static struct seam_host host;\nstatic grant_entry_v1_t own_table[256];")],
             "msa02.scn", r"adapter of own_table: share answered ref 8 but stored nothing into the grant table"),
            ("no_free", [("adapter.c", "host.page_free(host.ctx, frame);", "(void)frame;")], "msa02-legal.scn",
             r"adapter of no_free: unshare answered SEAM_OK for ref 8 but the page .* never came back through host->page_free"),
        ]
        for name, edits, scn, pattern in cases:
            d2 = copy_template(tmp, name, edits)
            p = make(d2, os.path.relpath(gntworld(name, "fixed"), ROOT))
            if p.returncode:
                check(False, "adapter error %s builds" % name, p.stderr[-300:])
                continue
            ok, detail = one_line_error(run(gntworld(name, "fixed"), "run", os.path.join(SCNS, scn)), pattern)
            check(ok, "adapter error %s: one line, exit 2" % name, detail)

        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        p = make(empty, "list-variants")
        check(p.returncode != 0 and "target.mk not found" in p.stderr, "a folder without a manifest: one clear error", p.stderr)
        d3 = copy_template(tmp, "missing_src", [("target.mk", "mygnttab.c adapter.c", "mygnttab.c gnttab_typo.c adapter.c")])
        p = make(d3, "list-variants")
        check(p.returncode != 0 and "source gnttab_typo.c not found" in p.stderr, "a manifest naming a missing source: one clear error", p.stderr)
    print("%s" % ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
