#!/usr/bin/env python3
"""fuzz_campaign - a fuzzing campaign on the embedded simulator (`make fuzz`).

AFL++ main/secondary instances (one with the CmpLog twin) or libFuzzer fork mode do the fuzzing;
this driver seeds them, shows one live progress line, saves every finding as it appears (with the
world's report and its readable scenario), groups duplicates by invariant and frame-history
signature, minimizes one input per group, and writes report.md, report.json and coverage.svg into
build/fuzz/campaigns/<timestamp>/. Killed at any point, the directory keeps everything found so
far; `--resume` continues it for the rest of its budget.

Exit status: 0 when the campaign ran (findings in a mutant are expected), 1 when the real library
(mutant 0) had findings, 2 on a usage or environment error.
"""
import argparse
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
MAX_TRIAGED = 200            # findings reproduced one by one; later ones are only counted
MINIMIZE_SECONDS = 5         # per group
MINIMIZE_GROUPS = 6          # groups minimized (in order of appearance); the rest keep their input
TRIAGE_PER_POLL = 4          # replays per progress tick, so that the line stays live


class Campaign:
    def __init__(self, cdir, cfg):
        self.dir = Path(cdir)
        self.cfg = cfg               # target, engine, mutant, jobs, time, elapsed, started
        self.samples = []            # {t, execs, rate, cov, corpus, findings}
        self.findings = []           # {id, file, engine_file, group, inv, sig, headline, t}
        self.seen = set()            # engine crash files already taken in
        self.procs = []
        self.lf_stats = {}
        self.lock = threading.Lock()
        self.stopping = False
        self.window = []
        self.statsd = {}             # AFL++ instance -> (UDP socket, latest gauges)

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

    # --- engines ---
    def start_afl(self, remaining):  # noqa: ARG002 (the driver stops AFL++ when time is up)
        fc.require_tool("afl-fuzz", "afl++")
        t, m, jobs = self.cfg["target"], self.cfg["mutant"], self.cfg["jobs"]
        out = self.dir / "afl"
        out.mkdir(exist_ok=True)
        env = dict(fc.AFL_ENV, AFL_AUTORESUME="1", AFL_SKIP_CRASHES="1",
                   GNTWORLD_FINDINGS=str(self.dir / "findings" / "world"))
        dict_file = fc.CORPORA / f"{t}.dict"
        for i in range(jobs):
            name = "main" if i == 0 else f"s{i}"
            wait_unlocked(out / name)
            # No -V: a resumed AFL++ counts its earlier run time against it; the driver keeps the clock.
            cmd = ["afl-fuzz", "-M" if i == 0 else "-S", name, "-i", self.dir / "seeds", "-o", out]
            if dict_file.exists():
                cmd += ["-x", dict_file]
            if (jobs == 1 and i == 0) or i == 1:  # one instance drives the CmpLog twin
                cmd += ["-c", fc.binary("cmplog", t, m)]
            cmd += ["--", fc.binary("afl", t, m)]
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
        t, m, jobs = self.cfg["target"], self.cfg["mutant"], self.cfg["jobs"]
        corpus = self.dir / "corpus"
        crashes = self.dir / "crashes"
        corpus.mkdir(exist_ok=True)
        crashes.mkdir(exist_ok=True)
        cmd = [fc.binary("libfuzzer", t, m), f"-fork={jobs}", "-ignore_crashes=1", "-ignore_timeouts=1",
               "-ignore_ooms=1", f"-max_total_time={max(1, int(remaining))}", f"-max_len=4096",
               f"-artifact_prefix={crashes}/", "-print_final_stats=1", corpus, self.dir / "seeds"]
        dict_file = fc.CORPORA / f"{t}.dict"
        if dict_file.exists():
            cmd.insert(1, f"-dict={dict_file}")
        env = {"ASAN_OPTIONS": "detect_leaks=0", "GNTWORLD_FINDINGS": str(self.dir / "findings" / "world")}
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
        return sorted(p for p in (self.dir / "afl").glob("*/crashes/id:*"))

    def take_findings(self, elapsed, budget=TRIAGE_PER_POLL):
        """Every new crash input is copied and recorded at once; then up to `budget` are replayed
        and classified (invariant, signature), the rest on the next ticks (None: all of them)."""
        fdir = self.dir / "findings"
        for p in self.crash_files():
            key = str(p.relative_to(self.dir))
            if key in self.seen:
                continue
            self.seen.add(key)
            n = len(self.findings) + 1
            dst = fdir / f"f{n:04d}.bin"
            shutil.copyfile(p, dst)
            self.findings.append({"id": f"f{n:04d}", "file": str(dst.relative_to(self.dir)), "engine_file": key,
                                  "t": round(elapsed, 1), "inv": "untriaged", "sig": "", "headline": "",
                                  "group": "untriaged/"})
        todo = [f for f in self.findings[:MAX_TRIAGED] if f["inv"] == "untriaged"]
        for f in todo if budget is None else todo[:budget]:
            rc, out = fc.run_input(self.cfg["target"], self.cfg["mutant"], self.dir / f["file"])
            (fdir / f"{f['id']}.txt").write_text(out)
            cls = fc.classify(out)
            if cls:
                f["inv"], f["sig"], f["headline"] = cls
            else:
                f["inv"] = "flaky"  # the engine saw a crash that does not replay
            f["group"] = f"{f['inv']}/{f['sig']}"
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
            return f"{bad[-1]} (log {log.relative_to(fc.ROOT)})"
    return f"see the logs in {c.dir.relative_to(fc.ROOT)}"


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
        print(f"{PROG}: budget of {total}s already spent in {c.dir}; writing the report", flush=True)
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
            c.cfg["elapsed"] = round(elapsed, 1)
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
    """Shrink a group's representative with the campaign's own engine; keep it only if it still
    violates the same invariant (its history may get shorter, so the signature may change)."""
    src = c.dir / f["file"]
    dst = c.dir / "findings" / f"{f['id']}.min"
    t, m = c.cfg["target"], c.cfg["mutant"]
    if c.cfg["engine"] == "libfuzzer":
        cmd = [fc.binary("libfuzzer", t, m), "-minimize_crash=1", f"-max_total_time={MINIMIZE_SECONDS}",
               f"-exact_artifact_path={dst}", src]
        env = {"ASAN_OPTIONS": "detect_leaks=0"}
    else:
        cmd = ["afl-tmin", "-i", src, "-o", dst, "--", fc.binary("afl", t, m)]
        env = dict(fc.AFL_ENV)
    p = fc.spawn(cmd, env=env, stdout=open(os.devnull, "wb"), stderr=open(os.devnull, "wb"))
    try:
        p.wait(MINIMIZE_SECONDS + 20)
    except Exception:
        pass
    fc.stop(p)
    if dst.exists() and dst.stat().st_size <= src.stat().st_size:
        rc, out = fc.run_input(t, m, dst)
        cls = fc.classify(out)
        if cls and cls[0] == f["inv"]:
            (c.dir / "findings" / f"{f['id']}.min.txt").write_text(out)
            return dst
    return src


def report(c, total, do_minimize=True):
    if do_minimize and c.findings:
        print(f"{PROG}: minimizing up to {MINIMIZE_GROUPS} finding group(s), {MINIMIZE_SECONDS}s each", flush=True)
    groups = {}
    for f in c.findings:
        groups.setdefault(f["group"], []).append(f)
    out_groups = []
    for i, (key, fs) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][0]["t"])):
        rep = min(fs, key=lambda f: (c.dir / f["file"]).stat().st_size)
        minimized = minimize(c, rep) if do_minimize and i < MINIMIZE_GROUPS and \
            rep["inv"] not in ("untriaged", "flaky") else c.dir / rep["file"]
        _, out = fc.run_input(c.cfg["target"], c.cfg["mutant"], minimized)
        scn = fc.readable(c.cfg["target"], minimized, out)
        (c.dir / "findings" / f"{rep['id']}.scn").write_text(scn)
        out_groups.append({"invariant": rep["inv"], "signature": rep["sig"], "count": len(fs),
                           "first_seen_s": fs[0]["t"], "headline": rep["headline"],
                           "input": str(Path(rep["file"])), "minimized": str(minimized.relative_to(c.dir)),
                           "minimized_bytes": minimized.stat().st_size, "scenario": scn,
                           "report": f"findings/{rep['id']}.txt", "members": [f["id"] for f in fs]})
    last = c.samples[-1] if c.samples else {}
    execs = last.get("execs", 0)
    summary = {"target": c.cfg["target"], "engine": c.cfg["engine"], "mutant": c.cfg["mutant"],
               "mutant_name": c.cfg.get("mutant_name", "none"), "jobs": c.cfg["jobs"],
               "budget_s": total, "elapsed_s": c.cfg.get("elapsed", 0), "execs": execs,
               "execs_per_s": int(execs / c.cfg["elapsed"]) if c.cfg.get("elapsed") else 0,
               "coverage": last.get("cov", 0), "corpus": last.get("corpus", 0),
               "findings": len(c.findings), "unique": len(out_groups)}
    (c.dir / "report.json").write_text(json.dumps({"summary": summary, "groups": out_groups,
                                                  "samples": c.samples}, indent=1))
    svgplot.write_svg(c.dir / "coverage.svg", [(s["t"], s.get("cov", 0)) for s in c.samples],
                      title=f"{c.cfg['target']} / {c.cfg['engine']} / mutant {c.cfg['mutant']}: coverage over time",
                      ylabel="edges" if c.cfg["engine"] == "afl" else "cov (libFuzzer)",
                      marks=[f["first_seen_s"] for f in out_groups])
    md = [f"# Fuzz campaign {c.dir.name}", "",
          "| target | engine | mutant | jobs | time | execs | execs/s | coverage | corpus | findings | unique |",
          "|---|---|---|---|---|---|---|---|---|---|---|",
          f"| {summary['target']} | {summary['engine']} | {summary['mutant']} ({summary['mutant_name']}) | "
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


def replay_cmd(c, g):
    """How a person replays a group: the readable scenario through gntworld for the world targets
    (build/world/m<N>/gntworld, from harness/world.mk), else the input through the fuzz binary."""
    rel = c.dir.relative_to(fc.ROOT)
    if c.cfg["target"] in fc.WORLD_TARGETS:
        scn = Path(g["report"]).with_suffix(".scn")
        return f"make world && build/world/m{c.cfg['mutant']}/gntworld run {rel}/{scn}"
    return f"{fc.binary('libfuzzer', c.cfg['target'], c.cfg['mutant']).relative_to(fc.ROOT)} {rel}/{g['minimized']}"


def latest_campaign():
    runs = sorted(p for p in CAMPAIGNS.glob("*") if (p / "campaign.json").exists()) if CAMPAIGNS.exists() else []
    if not runs:
        raise fc.FuzzError(f"--resume: no campaign under {CAMPAIGNS}")
    return runs[-1]


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default="world", help="fuzz target (default world)")
    ap.add_argument("--engine", choices=fc.ENGINES, default="afl")
    ap.add_argument("--time", type=int, default=180, help="budget in seconds (default 180)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel fuzzers (default: all cores)")
    ap.add_argument("--mutant", default="0", help="grants/ mutant id or name (default 0, the real library)")
    ap.add_argument("--corpus", help="seed directory (default corpora/fuzz/<target>)")
    ap.add_argument("--resume", nargs="?", const="latest", metavar="DIR",
                    help="continue a campaign (default: the latest) for the rest of its budget")
    ap.add_argument("--no-minimize", action="store_true", help="skip minimizing findings")
    a = ap.parse_args()
    argv = sys.argv[1:]
    try:
        if a.resume:
            cdir = latest_campaign() if a.resume == "latest" else Path(a.resume).resolve()
            if not (cdir / "campaign.json").exists():
                raise fc.FuzzError(f"--resume: {cdir} is not a campaign directory")
            c = Campaign(cdir, {})
            c.load_state()
            if "--time" in argv or any(x.startswith("--time=") for x in argv):
                c.cfg["time"] = a.time
            if "--jobs" in argv or any(x.startswith("--jobs=") for x in argv):
                c.cfg["jobs"] = a.jobs
            print(f"{PROG}: resuming {cdir} at {c.cfg.get('elapsed', 0)}s of {c.cfg['time']}s", flush=True)
        else:
            targets = fc.fuzz_targets()
            if a.target not in targets:
                raise fc.FuzzError(f"unknown target {a.target!r} (available: {' '.join(targets) or 'none yet'})")
            if a.time <= 0 or a.jobs <= 0:
                raise fc.FuzzError("--time and --jobs must be positive")
            mid = fc.mutant_id(a.mutant)
            if mid and a.target not in fc.WORLD_TARGETS:
                raise fc.FuzzError(f"target {a.target} does not link grants/: mutants do not apply")
            corpus = Path(a.corpus) if a.corpus else fc.CORPORA / a.target
            fc.check_corpus(corpus)
            cdir = CAMPAIGNS / time.strftime("%Y%m%d-%H%M%S", time.gmtime())
            while cdir.exists():
                cdir = Path(str(cdir) + "x")
            cdir.mkdir(parents=True)
            (cdir / "findings").mkdir()
            names = {i: n for i, n, _ in fc.mutants()}
            c = Campaign(cdir, {"target": a.target, "engine": a.engine, "mutant": mid,
                                "mutant_name": names.get(mid, "none"), "jobs": a.jobs, "time": a.time,
                                "elapsed": 0.0, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            prepare_seeds(c, corpus)
            c.save_state()
        t, m = c.cfg["target"], c.cfg["mutant"]
        if (fc.CORPORA / f"{t}.dict").exists():
            fc.check_dict(fc.CORPORA / f"{t}.dict")
        need = [fc.binary("libfuzzer", t, m)]
        if c.cfg["engine"] == "afl":
            fc.require_tool("afl-fuzz", "afl++")
            need += [fc.binary("afl", t, m), fc.binary("cmplog", t, m)]
        fc.build(need)
    except fc.FuzzError as e:
        fc.die(PROG, e)

    fc.become_subreaper()

    def on_signal(signum, frame):
        c.stopping = True
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    print(f"{PROG}: {c.cfg['target']} with {c.cfg['engine']}, mutant {c.cfg['mutant']}, "
          f"{c.cfg['jobs']} job(s), {c.cfg['time']}s -> {c.dir.relative_to(fc.ROOT)}", flush=True)
    try:
        run(c, c.cfg["time"])
    except fc.FuzzError as e:
        c.stop_all()
        fc.die(PROG, e)
    summary, groups = report(c, c.cfg["time"], do_minimize=not a.no_minimize and not c.stopping)
    for g in groups:
        print(f"  {g['invariant']:<28} x{g['count']:<4} first at {g['first_seen_s']}s  {g['minimized']}")
    print(f"{PROG}: {summary['findings']} finding(s), {summary['unique']} unique; "
          f"report {(c.dir / 'report.md').relative_to(fc.ROOT)}", flush=True)
    if c.stopping:
        print(f"{PROG}: interrupted; continue with --resume {c.dir.relative_to(fc.ROOT)}", flush=True)
        return 130
    return 1 if (summary["findings"] and c.cfg["mutant"] == 0) else 0


if __name__ == "__main__":
    sys.exit(main())
