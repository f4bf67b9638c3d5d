#!/usr/bin/env python3
"""fuzz_campaign - a fuzzing campaign on the embedded simulator (`make fuzz`).

AFL++ main/secondary instances (one with the CmpLog twin) or libFuzzer fork mode fuzz one target,
and for the targets that run a grant library one variant of it (--library LIB --mutant NAME, as
`make list-variants` names them; default: the first library, mutant "fixed"). The driver seeds
them, shows one live progress line, saves every finding as it appears, groups findings by root
cause (the invariant and the library's innermost frames where the world caught it: one bug, one
finding), minimizes one input per group, and writes report.md, report.json and coverage.svg into
build/fuzz/campaigns/<timestamp>/.

Killed at any point, by any signal, the directory keeps everything found so far; `--resume [DIR]`
continues it for the rest of its budget: the processes a dead driver left (afl-fuzz, its targets,
libFuzzer's workers, minimizers; they carry the campaign directory in $GNTFUZZ_CAMPAIGN) are ended
first, and nothing else is touched.

Exit status: 0 when the campaign ran (findings in a mutant are expected), 1 when a fixed library
had findings, 2 on a usage or environment error, 130 when interrupted.
"""
import argparse
import concurrent.futures
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness" / "fuzz"))
import fuzzcommon as fc  # noqa: E402
import svgplot  # noqa: E402

PROG = "fuzz_campaign"
CAMPAIGNS = fc.FUZZ_OUT / "campaigns"
MINIMIZE_SECONDS = 5         # per group
MINIMIZE_GROUPS = 6          # groups minimized (in order of appearance); the rest keep their input
TRIAGE_PER_POLL = 4          # replays per progress tick, so that the line stays live
SETTLE_S = 0.5               # a crash file this fresh may still be being written: next tick


class Campaign:
    def __init__(self, cdir, cfg):
        self.dir = Path(cdir).resolve()
        self.cfg = cfg               # target, engine, library, mutant, jobs, time, elapsed, started
        self.samples = []            # {t, execs, rate, cov, corpus, findings}
        self.findings = []           # {id, file, sha1, engine_file, group, inv, sig, headline, t}
        self.seen = set()            # engine crash files already taken in (paths in the campaign)
        self.hashes = {}             # sha1 of a finding's bytes -> its id: one input, one finding
        self.procs = []
        self.lf_stats = {}
        self.lock = threading.Lock()
        self.stopping = False
        self.window = []
        self.statsd = {}             # AFL++ instance -> (UDP socket, latest gauges)
        self.lock_fd = None
        # every process of this campaign carries it: a resume finds what a dead driver left
        self.env = {fc.CAMPAIGN_ENV: str(self.dir)}

    # --- ownership: one live driver per campaign; what a dead one left is ended ---
    def acquire(self):
        """Take the campaign: its lock (flock, held by this process only, released by the kernel
        whatever kills us), then end the processes a dead driver left, then our pid file."""
        fd = os.open(self.dir / "driver.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            who = (self.dir / "driver.pid").read_text().split()[:1] if (self.dir / "driver.pid").exists() else []
            raise fc.FuzzError(f"campaign {fc.rel(self.dir)} is being run by another driver"
                               f"{' (pid ' + who[0] + ')' if who else ''}: stop it first")
        self.lock_fd = fd
        ended = fc.end_campaign_processes(self.dir)
        tmp = self.dir / "driver.pid.tmp"
        tmp.write_text(f"{os.getpid()} {fc.proc_start_time(os.getpid())}\n")
        tmp.replace(self.dir / "driver.pid")
        return ended

    # --- persistent state: everything lands on disk the moment it is known ---
    def save_state(self):
        tmp = self.dir / "campaign.json.tmp"
        tmp.write_text(json.dumps({"config": self.cfg, "findings": self.findings,
                                   "seen": sorted(self.seen)}, indent=1))
        tmp.replace(self.dir / "campaign.json")

    def load_state(self):
        st = json.loads((self.dir / "campaign.json").read_text())
        self.cfg.update({k: v for k, v in st["config"].items() if k not in self.cfg or k == "elapsed"})
        self.findings = st.get("findings", [])
        self.seen = set(st.get("seen", []))
        for f in self.findings:
            if not f.get("sha1") and (self.dir / f["file"]).exists():
                f["sha1"] = fc.file_hash(self.dir / f["file"])
            self.hashes.setdefault(f.get("sha1"), f["id"])
        sp = self.dir / "samples.jsonl"
        if sp.exists():
            for line in sp.read_text().splitlines():
                try:
                    self.samples.append(json.loads(line))
                except ValueError:
                    pass  # a sample cut short by a kill

    def add_sample(self, s):
        self.samples.append(s)
        with open(self.dir / "samples.jsonl", "a") as f:
            f.write(json.dumps(s) + "\n")

    # --- the variant's binaries ---
    def binary(self, engine):
        return fc.binary(engine, self.cfg["target"], self.cfg.get("library"), self.cfg.get("mutant") or fc.FIXED)

    # --- engines ---
    def start_afl(self, remaining):  # noqa: ARG002 (the driver stops AFL++ when time is up)
        fc.require_tool("afl-fuzz", "afl++")
        t, jobs = self.cfg["target"], self.cfg["jobs"]
        out = self.dir / "afl"
        out.mkdir(exist_ok=True)
        env = dict(fc.AFL_ENV, AFL_AUTORESUME="1", AFL_SKIP_CRASHES="1",
                   GNTWORLD_FINDINGS=str(self.dir / "findings" / "world"), **self.env)
        dict_file = fc.CORPORA / f"{t}.dict"
        for i in range(jobs):
            name = "main" if i == 0 else f"s{i}"
            wait_unlocked(out / name)
            # No -V: a resumed AFL++ counts its earlier run time against it; the driver keeps the clock.
            cmd = ["afl-fuzz", "-M" if i == 0 else "-S", name, "-i", self.dir / "seeds", "-o", out]
            if dict_file.exists():
                cmd += ["-x", dict_file]
            if (jobs == 1 and i == 0) or i == 1:  # one instance drives the CmpLog twin
                cmd += ["-c", self.binary("cmplog")]
            cmd += ["--", self.binary("afl")]
            # Live figures: AFL++ rewrites fuzzer_stats only once a minute without a terminal, but
            # sends StatsD gauges every second; each instance gets its own UDP port.
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            sock.setblocking(False)
            self.statsd[name] = (sock, {})
            inst_env = dict(env, AFL_STATSD="1", AFL_STATSD_HOST="127.0.0.1",
                            AFL_STATSD_PORT=str(sock.getsockname()[1]))
            log = open(self.dir / f"afl-{name}.log", "ab")
            self.procs.append(fc.spawn(cmd, env=inst_env, stdout=log, stderr=subprocess.STDOUT))

    def start_libfuzzer(self, remaining):
        t, jobs = self.cfg["target"], self.cfg["jobs"]
        corpus = self.dir / "corpus"
        crashes = self.dir / "crashes"
        tmp = self.dir / "tmp"  # fork mode's work directory: a killed run's leftovers stay here
        for d in (corpus, crashes, tmp):
            d.mkdir(exist_ok=True)
        for old in tmp.iterdir():
            shutil.rmtree(old, ignore_errors=True)
        cmd = [self.binary("libfuzzer"), f"-fork={jobs}", "-ignore_crashes=1", "-ignore_timeouts=1",
               "-ignore_ooms=1", f"-max_total_time={max(1, int(remaining))}", "-max_len=4096",
               f"-artifact_prefix={crashes}/", "-print_final_stats=1", corpus, self.dir / "seeds"]
        dict_file = fc.CORPORA / f"{t}.dict"
        if dict_file.exists():
            cmd.insert(1, f"-dict={dict_file}")
        env = {"ASAN_OPTIONS": "detect_leaks=0:symbolize=0", "GNTWORLD_FINDINGS": str(self.dir / "findings" / "world"),
               "TMPDIR": str(tmp), **self.env}
        log = open(self.dir / "libfuzzer.log", "ab")
        proc = fc.spawn(cmd, env=env, stdout=log, stderr=subprocess.PIPE, cwd=self.dir)
        self.procs.append(proc)
        threading.Thread(target=self.read_libfuzzer, args=(proc, log), daemon=True).start()

    def read_libfuzzer(self, proc, log):
        # fork mode: "#12345: cov: 123 ft: 456 corp: 78 exec/s: 999 oom/timeout/crash: 0/0/1 time: 5s"
        pat = re.compile(r"^#(\d+):?\s+(?:\w+\s+)?cov: (\d+) ft: (\d+) corp: (\d+)\S*.*?exec/s:? (\d+)")
        for raw in proc.stderr:
            log.write(raw)
            log.flush()
            m = pat.match(raw.decode(errors="replace"))
            if m:
                with self.lock:
                    self.lf_stats = {"execs": int(m.group(1)), "cov": int(m.group(2)),
                                     "ft": int(m.group(3)), "corpus": int(m.group(4))}

    # --- polling ---
    def poll_stats(self):
        if self.cfg["engine"] == "libfuzzer":
            with self.lock:
                return dict(self.lf_stats)
        for sock, latest in self.statsd.values():
            while True:
                try:
                    msg = sock.recv(65536).decode(errors="replace")
                except OSError:
                    break
                for m in re.finditer(r"fuzzing\.(\w+):([0-9.]+)\|g", msg):
                    latest[m.group(1)] = m.group(2)
        execs = cov = corpus = 0
        for st in (self.dir / "afl").glob("*/fuzzer_stats"):  # the file wins when it is newer
            kv = parse_afl_stats(st)
            live = self.statsd.get(st.parent.name, (None, {}))[1]
            pick = kv if to_int(kv.get("execs_done")) >= to_int(live.get("execs_done")) else live
            execs += to_int(pick.get("execs_done"))
            cov = max(cov, to_int(pick.get("edges_found")))
            corpus = max(corpus, to_int(pick.get("corpus_count")))
        return {"execs": execs, "cov": cov, "corpus": corpus} if execs else {}

    def rate(self, st, now):
        """execs/s over the last few seconds (the engines' own figures are since-start averages)."""
        self.window.append((now, st.get("execs", 0)))
        while len(self.window) > 2 and now - self.window[0][0] > 5:
            self.window.pop(0)
        (t0, e0), (t1, e1) = self.window[0], self.window[-1]
        return int((e1 - e0) / (t1 - t0)) if t1 > t0 and e1 >= e0 else 0

    def crash_files(self):
        if self.cfg["engine"] == "libfuzzer":
            return sorted((self.dir / "crashes").glob("crash-*"))
        # crashes_<date>/: where AFL++ moves a crash directory when it resumes in place
        return sorted(p for p in (self.dir / "afl").glob("*/crashes*/id:*"))

    def collect(self, elapsed, settled=True):
        """Copy and record every new crash input at once (one finding per distinct input)."""
        fdir = self.dir / "findings"
        now = time.time()
        for p in self.crash_files():
            key = str(p.relative_to(self.dir))
            if key in self.seen:
                continue
            try:
                if settled and now - p.stat().st_mtime < SETTLE_S:
                    continue  # the engine may still be writing it
                h = fc.file_hash(p)
            except OSError:
                continue
            if h not in self.hashes:
                n = len(self.findings) + 1
                dst = fdir / f"f{n:04d}.bin"
                shutil.copyfile(p, dst)
                self.findings.append({"id": f"f{n:04d}", "file": str(dst.relative_to(self.dir)), "sha1": h,
                                      "engine_file": key, "t": round(elapsed, 1), "inv": "untriaged",
                                      "sig": "", "headline": "", "group": "untriaged/"})
                self.hashes[h] = f"f{n:04d}"
            self.seen.add(key)

    def classify_file(self, path):
        """Replay one input on the ASan build: (classification or None, output)."""
        binp = self.binary("libfuzzer")
        _, out = fc.run_input(binp, path, env=self.env)
        return fc.classify(out, binp, env=self.env), out

    def triage(self, f, cls, out):
        (self.dir / "findings" / f"{f['id']}.txt").write_text(out)
        if cls:
            f["inv"], f["sig"], f["headline"] = cls
        else:
            f["inv"], f["sig"] = "flaky", ""  # the engine saw a crash that does not replay
        f["group"] = f"{f['inv']}/{f['sig']}"

    def take_findings(self, elapsed, budget=TRIAGE_PER_POLL):
        """Record new crash inputs, then replay and classify up to `budget` of the untriaged ones
        (None: all of them, several at a time)."""
        self.collect(elapsed, settled=budget is not None)
        todo = [f for f in self.findings if f["inv"] == "untriaged"]
        if budget is not None:
            for f in todo[:budget]:
                self.triage(f, *self.classify_file(self.dir / f["file"]))
        elif todo:
            workers = max(2, min(8, os.cpu_count() or 2))
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                for f, (cls, out) in zip(todo, pool.map(lambda f: self.classify_file(self.dir / f["file"]), todo)):
                    self.triage(f, cls, out)
        self.save_state()

    def stop_all(self):
        for p in self.procs:
            fc.stop(p)
        self.procs = []
        fc.kill_orphans()  # targets AFL++ left behind (see fc.become_subreaper)


def wait_unlocked(inst_dir, timeout=15.0):
    """AFL++ flock()s each instance directory, and a target it forked may hold the lock for a
    moment after afl-fuzz itself has gone (a resume right after a stop): wait for it."""
    if not inst_dir.is_dir():
        return
    fd = os.open(inst_dir, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise fc.FuzzError(f"{inst_dir} is in use by another afl-fuzz (or its target)")
                time.sleep(0.2)
    finally:
        os.close(fd)


def engine_error(c):
    """The engine's own complaint, from its log, on one line."""
    logs = sorted(c.dir.glob("afl-*.log")) + sorted(c.dir.glob("libfuzzer.log"))
    for log in logs:
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", l).strip() for l in log.read_text(errors="replace").splitlines()]
        bad = [l for l in lines if "PROGRAM ABORT" in l or l.startswith(("[-]", "ERROR", "INFO: fuzz"))
               or "rror" in l]
        if bad:
            return f"{bad[-1]} (log {fc.rel(log)})"
    return f"see the logs in {fc.rel(c.dir)}"


def to_int(v):
    try:
        return int(float(v))
    except (TypeError, ValueError, OverflowError):
        return 0


def parse_afl_stats(path):
    kv = {}
    try:
        for line in Path(path).read_text().splitlines():
            k, _, v = line.partition(":")
            kv[k.strip()] = v.strip().rstrip("%")
    except OSError:
        pass
    return kv


def fmt_time(s):
    s = int(max(0, s))
    return f"{s // 60:d}:{s % 60:02d}"


def progress_line(c, st, elapsed, total):
    groups = len({f["group"] for f in c.findings})
    return (f"[{fmt_time(elapsed)} / {fmt_time(total)}, {fmt_time(total - elapsed)} left] "
            f"{st.get('rate', 0):>7} execs/s  cov {st.get('cov', 0):>5}  corpus {st.get('corpus', 0):>5}  "
            f"findings {len(c.findings)} ({groups} unique)  execs {st.get('execs', 0)}")


def prepare_seeds(c, corpus_dir):
    seeds = c.dir / "seeds"
    seeds.mkdir(exist_ok=True)
    for f in fc.check_corpus(corpus_dir):
        shutil.copyfile(f, seeds / f.name)
    # AFL++ refuses to start when every seed crashes (a mutant may crash on the advisory itself):
    # a one-byte seed always runs clean.
    (seeds / "zz-minimal").write_bytes(b"\0")


def run(c, total):
    elapsed0 = c.cfg.get("elapsed", 0.0)
    remaining = total - elapsed0
    if remaining <= 0:
        print(f"{PROG}: budget of {total}s already spent in {fc.rel(c.dir)}; writing the report", flush=True)
        c.take_findings(elapsed0, budget=None)  # what a killed driver had not triaged yet
        return
    (c.dir / "findings" / "world").mkdir(parents=True, exist_ok=True)
    if c.cfg["engine"] == "afl":
        c.start_afl(remaining)
    else:
        c.start_libfuzzer(remaining)
    tty = sys.stderr.isatty()
    start = time.monotonic()
    last_print = last_sample = 0.0
    try:
        while not c.stopping:
            time.sleep(0.5)
            now = time.monotonic()
            elapsed = elapsed0 + (now - start)
            st = c.poll_stats()
            if st:
                st["rate"] = c.rate(st, now)
            c.take_findings(elapsed)
            if now - last_sample >= 2 and st:
                c.add_sample({"t": round(elapsed, 1), **st, "findings": len(c.findings)})
                last_sample = now
            c.cfg["elapsed"] = round(min(elapsed, total), 1)
            c.save_state()
            line = progress_line(c, st, elapsed, total)
            if tty:
                sys.stderr.write("\r" + line + "\x1b[K")
                sys.stderr.flush()
            elif now - last_print >= 10:
                print(line, flush=True)
                last_print = now
            if all(p.poll() is not None for p in c.procs):
                if not st and any(p.returncode for p in c.procs):
                    raise fc.FuzzError(f"the fuzzer stopped at start: {engine_error(c)}")
                break
            if elapsed >= total + (0 if c.cfg["engine"] == "afl" else 15):
                break  # libFuzzer stops itself at -max_total_time; AFL++ is stopped here
    finally:
        c.stop_all()
        elapsed = elapsed0 + (time.monotonic() - start)
        c.cfg["elapsed"] = round(min(elapsed, total), 1)
        st = c.poll_stats()
        c.take_findings(elapsed, budget=None)
        if st:
            st["rate"] = int(st.get("execs", 0) / c.cfg["elapsed"]) if c.cfg["elapsed"] else 0
            c.add_sample({"t": c.cfg["elapsed"], **st, "findings": len(c.findings)})
        c.save_state()
        if tty:
            sys.stderr.write("\n")
        print(progress_line(c, st or {}, c.cfg["elapsed"], total), flush=True)


def minimize(c, f):
    """Shrink a group's representative with the campaign's own engine; keep it only if it is still
    the same finding (same invariant and root cause), else the original input stands."""
    src = c.dir / f["file"]
    dst = c.dir / "findings" / f"{f['id']}.min"
    if c.cfg["engine"] == "libfuzzer":
        cmd = [c.binary("libfuzzer"), "-minimize_crash=1", f"-max_total_time={MINIMIZE_SECONDS}",
               f"-exact_artifact_path={dst}", src]
        env = {"ASAN_OPTIONS": "detect_leaks=0:symbolize=0", "TMPDIR": str(c.dir / "tmp"), **c.env}
    else:
        cmd = ["afl-tmin", "-i", src, "-o", dst, "--", c.binary("afl")]
        env = dict(fc.AFL_ENV, **c.env)
    p = fc.spawn(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(MINIMIZE_SECONDS + 20)
    except subprocess.TimeoutExpired:
        pass
    fc.stop(p)
    if dst.exists() and dst.stat().st_size <= src.stat().st_size:
        cls, out = c.classify_file(dst)
        if cls and f"{cls[0]}/{cls[1]}" == f["group"]:
            (c.dir / "findings" / f"{f['id']}.min.txt").write_text(out)
            return dst
    return src


def report(c, total, do_minimize=True):
    groups = {}
    for f in c.findings:
        groups.setdefault(f["group"], []).append(f)
    if do_minimize and groups:
        print(f"{PROG}: minimizing up to {MINIMIZE_GROUPS} finding group(s), {MINIMIZE_SECONDS}s each", flush=True)
    out_groups = []
    for i, (key, fs) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][0]["t"])):
        rep = min(fs, key=lambda f: (c.dir / f["file"]).stat().st_size)
        minimized = minimize(c, rep) if do_minimize and i < MINIMIZE_GROUPS and \
            rep["inv"] not in ("untriaged", "flaky") else c.dir / rep["file"]
        _, out = c.classify_file(minimized)
        scn = fc.readable(c.cfg["target"], minimized, out)
        (c.dir / "findings" / f"{rep['id']}.scn").write_text(scn)
        out_groups.append({"invariant": rep["inv"], "signature": rep["sig"], "count": len(fs),
                           "first_seen_s": fs[0]["t"], "headline": rep["headline"],
                           "input": str(Path(rep["file"])), "minimized": str(minimized.relative_to(c.dir)),
                           "minimized_bytes": minimized.stat().st_size, "scenario": scn,
                           "report": f"findings/{rep['id']}.txt", "members": [f["id"] for f in fs]})
    last = c.samples[-1] if c.samples else {}
    execs = last.get("execs", 0)
    variant = variant_name(c.cfg)
    summary = {"target": c.cfg["target"], "engine": c.cfg["engine"], "library": c.cfg.get("library"),
               "mutant": c.cfg.get("mutant"), "variant": variant, "jobs": c.cfg["jobs"],
               "budget_s": total, "elapsed_s": c.cfg.get("elapsed", 0), "execs": execs,
               "execs_per_s": int(execs / c.cfg["elapsed"]) if c.cfg.get("elapsed") else 0,
               "coverage": last.get("cov", 0), "corpus": last.get("corpus", 0),
               "findings": len(c.findings), "unique": len(out_groups),
               "untriaged": sum(f["inv"] == "untriaged" for f in c.findings),
               "flaky": sum(f["inv"] == "flaky" for f in c.findings)}
    (c.dir / "report.json").write_text(json.dumps({"summary": summary, "groups": out_groups,
                                                  "samples": c.samples}, indent=1))
    svgplot.write_svg(c.dir / "coverage.svg", [(s["t"], s.get("cov", 0)) for s in c.samples],
                      title=f"{c.cfg['target']} / {c.cfg['engine']} / {variant}: coverage over time",
                      ylabel="edges" if c.cfg["engine"] == "afl" else "cov (libFuzzer)",
                      marks=[f["first_seen_s"] for f in out_groups])
    md = [f"# Fuzz campaign {c.dir.name}", "",
          "| target | engine | library/mutant | jobs | time | execs | execs/s | coverage | corpus | findings | unique |",
          "|---|---|---|---|---|---|---|---|---|---|---|",
          f"| {summary['target']} | {summary['engine']} | {variant} | "
          f"{summary['jobs']} | {summary['elapsed_s']}s of {total}s | {execs} | {summary['execs_per_s']} | "
          f"{summary['coverage']} | {summary['corpus']} | {summary['findings']} | {summary['unique']} |",
          "", "![coverage over time](coverage.svg)", ""]
    if not out_groups:
        md.append("No findings.")
    for i, g in enumerate(out_groups, 1):
        md += [f"## Finding {i}: {g['invariant']} ({g['count']} input(s), first at {g['first_seen_s']}s)", "",
               f"- signature: `{g['signature']}`", f"- what: {g['headline'] or '-'}",
               f"- minimized input: `{g['minimized']}` ({g['minimized_bytes']} bytes); full report: `{g['report']}`",
               f"- replay: `{replay_cmd(c, g)}`",
               "", "```", g["scenario"].rstrip(), "```", ""]
    (c.dir / "report.md").write_text("\n".join(md) + "\n")
    return summary, out_groups


def variant_name(cfg):
    return fc.vname(cfg["library"], cfg["mutant"]) if cfg.get("library") else "-"


def replay_cmd(c, g):
    """How a person replays a group: the readable scenario through gntworld for the world targets
    (build/world/<library>/<mutant>/gntworld, harness/world/world.mk), else the input through the fuzz binary."""
    where = fc.rel(c.dir)
    if c.cfg["target"] in fc.WORLD_TARGETS:
        scn = Path(g["report"]).with_suffix(".scn")
        gw = f"{fc.rel(fc.BUILD)}/world/{c.cfg['library']}/{c.cfg['mutant']}/gntworld"
        return f"make {gw} && {gw} run {where}/{scn}"
    return f"{fc.rel(c.binary('libfuzzer'))} {where}/{g['minimized']}"


def latest_campaign():
    runs = sorted(p for p in CAMPAIGNS.glob("*") if (p / "campaign.json").exists()) if CAMPAIGNS.exists() else []
    if not runs:
        raise fc.FuzzError(f"--resume: no campaign under {fc.rel(CAMPAIGNS)}")
    return runs[-1]


def new_campaign(a):
    """Check the arguments (one-line errors naming the valid choices), make the directory."""
    targets = fc.fuzz_targets()
    if a.target not in targets:
        raise fc.FuzzError(f"unknown target {a.target!r} (choose from: {' '.join(targets) or 'none yet'})")
    if a.time <= 0 or a.jobs <= 0:
        raise fc.FuzzError("--time and --jobs must be positive")
    if fc.runs_library(a.target):
        lib, mutant = fc.check_variant(a.library or fc.default_library(), a.mutant or fc.FIXED)
    else:
        if a.library or (a.mutant and a.mutant != fc.FIXED):
            with_lib = [t for t in targets if fc.runs_library(t)]
            raise fc.FuzzError(f"target {a.target} runs no grant library: --library/--mutant do not apply "
                               f"(targets that do: {' '.join(with_lib)})")
        lib = mutant = None
    corpus = Path(a.corpus) if a.corpus else fc.CORPORA / a.target
    fc.check_corpus(corpus)
    cdir = CAMPAIGNS / time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    while cdir.exists():
        cdir = Path(str(cdir) + "x")
    cdir.mkdir(parents=True)
    (cdir / "findings").mkdir()
    c = Campaign(cdir, {"target": a.target, "engine": a.engine, "library": lib, "mutant": mutant,
                        "jobs": a.jobs, "time": a.time, "elapsed": 0.0,
                        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    c.acquire()
    prepare_seeds(c, corpus)
    c.save_state()
    print(f"{PROG}: campaign {fc.rel(c.dir)}", flush=True)
    return c


def resume_campaign(a, argv):
    cdir = latest_campaign() if a.resume == "latest" else Path(a.resume).resolve()
    if not (cdir / "campaign.json").exists():
        raise fc.FuzzError(f"--resume: {cdir} is not a campaign directory")
    c = Campaign(cdir, {})
    ended = c.acquire()
    try:
        c.load_state()
    except (OSError, ValueError, KeyError) as e:
        raise fc.FuzzError(f"--resume: {fc.rel(cdir)}/campaign.json is unreadable ({e})")
    if "--time" in argv or any(x.startswith("--time=") for x in argv):
        c.cfg["time"] = a.time
    if "--jobs" in argv or any(x.startswith("--jobs=") for x in argv):
        c.cfg["jobs"] = a.jobs
    if "mutant_name" in c.cfg and "library" not in c.cfg:
        raise fc.FuzzError(f"--resume: {fc.rel(cdir)} is a campaign of the old numbered mutants; start a new one")
    counts = {}
    for name in ended:
        counts[name] = counts.get(name, 0) + 1
    left = ", ".join(f"{n} x{k}" for n, k in sorted(counts.items()))
    print(f"{PROG}: campaign {fc.rel(cdir)}", flush=True)
    print(f"{PROG}: resuming at {c.cfg.get('elapsed', 0)}s of {c.cfg['time']}s"
          + (f"; ended {len(ended)} process(es) a dead driver left: {left}" if ended else ""), flush=True)
    return c


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default="world", help="fuzz target (default world)")
    ap.add_argument("--engine", choices=fc.ENGINES, default="afl")
    ap.add_argument("--time", type=int, default=180, help="budget in seconds (default 180)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel fuzzers (default: all cores)")
    ap.add_argument("--library", help="grant library (default: the first `make list-variants` prints)")
    ap.add_argument("--mutant", help="mutant of the library, as `make list-variants` names it (default fixed)")
    ap.add_argument("--corpus", help="seed directory (default corpora/fuzz/<target>)")
    ap.add_argument("--resume", nargs="?", const="latest", metavar="DIR",
                    help="continue a campaign (default: the latest) for the rest of its budget")
    ap.add_argument("--no-minimize", action="store_true", help="skip minimizing findings")
    a = ap.parse_args()
    try:
        c = resume_campaign(a, sys.argv[1:]) if a.resume else new_campaign(a)
        t = c.cfg["target"]
        if (fc.CORPORA / f"{t}.dict").exists():
            fc.check_dict(fc.CORPORA / f"{t}.dict")
        need = [c.binary("libfuzzer")]
        if c.cfg["engine"] == "afl":
            fc.require_tool("afl-fuzz", "afl++")
            need += [c.binary("afl"), c.binary("cmplog")]
        # builds carry their own mark: a resume lets an orphaned make finish instead of killing it
        fc.build(need, env={fc.CAMPAIGN_BUILD_ENV: str(c.dir)})
    except fc.FuzzError as e:
        fc.die(PROG, e)

    fc.become_subreaper()

    def on_signal(signum, frame):
        c.stopping = True
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    variant = f", {variant_name(c.cfg)}" if c.cfg.get("library") else ""
    print(f"{PROG}: {t} with {c.cfg['engine']}{variant}, {c.cfg['jobs']} job(s), {c.cfg['time']}s "
          f"-> {fc.rel(c.dir)}", flush=True)
    try:
        run(c, c.cfg["time"])
    except fc.FuzzError as e:
        c.stop_all()
        fc.die(PROG, e)
    summary, groups = report(c, c.cfg["time"], do_minimize=not a.no_minimize and not c.stopping)
    for g in groups:
        print(f"  {g['invariant']:<28} x{g['count']:<4} first at {g['first_seen_s']}s  {g['signature']}  "
              f"{g['minimized']}")
    extra = "".join(f", {summary[k]} {k}" for k in ("untriaged", "flaky") if summary[k])
    print(f"{PROG}: {summary['findings']} finding(s), {summary['unique']} unique{extra}; "
          f"report {fc.rel(c.dir / 'report.md')}", flush=True)
    if c.stopping:
        print(f"{PROG}: interrupted; continue with --resume {fc.rel(c.dir)}", flush=True)
        return 130
    # a fixed library (or a target without one: the harness itself) must have no finding
    return 1 if (summary["findings"] and c.cfg.get("mutant") in (fc.FIXED, None)) else 0


if __name__ == "__main__":
    sys.exit(main())
