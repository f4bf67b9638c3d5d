#!/usr/bin/env python3
"""fuzz_campaign - a fuzzing campaign on the embedded simulator (`make fuzz`).

AFL++ main/secondary instances (one with the CmpLog twin), libFuzzer fork mode, or both on one
corpus (--engine afl|libfuzzer|hybrid; the default is the winner of `make bench-engines`) fuzz one
target, and for the targets that run a grant library one variant of it (--library LIB --mutant NAME, as
`make list-variants` names them; default: the first library, mutant "fixed"). The driver seeds
them, shows one live progress line, saves every finding as it appears, groups findings by root
cause (the invariant and the library's innermost frame where the world caught it: one bug, one
finding), minimizes one input per group (bytes, then steps and `at K` prefixes), and writes
report.md, report.json and coverage.svg into build/fuzz/campaigns/<timestamp>/.

The world targets fuzz in continue mode (GNTWORLD_CONTINUE=1): a violation is saved by the world
the first time its root cause is seen in a process and the target returns, so the engines keep
their full speed past a shallow bug and reach the ones behind it; the driver takes findings from
the world's directory (and the engines' crash files: sanitizer reports, other targets, anything the
world could not save). `--known REPORT` (an earlier campaign's report.json or directory) starts
from that campaign's root causes, as syzkaller's suppressions do: seen again, they are counted as
known and not reported as new.

One campaign across hosts: each host runs with --sync-dir DIR (shared by all), --role main or
secondary and its --host-id; AFL++'s own sync shares the inputs, every host keeps its own
findings, and `--merge DIR...` (scripts/fuzz_merge.py) makes one report of all of them.

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
import hashlib
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
# Engine configurations: AFL++ main+secondaries, libFuzzer fork mode, or both on one corpus.
ENGINES = ("afl", "libfuzzer", "hybrid")
# `make fuzz`'s default: the winner of `make bench-engines` on these machines (README, "Which
# engine"): change it only with a new table.
DEFAULT_ENGINE = "hybrid"
HOST_ID = re.compile(r"^[A-Za-z0-9_]{1,32}$")   # part of AFL++ instance names, which allow no more
MINIMIZE_SECONDS = 5         # per group: the engine's byte-level minimizer
MINIMIZE_STEPS_SECONDS = 15  # per group: then dropping steps and `at K` prefixes (world targets)
MINIMIZE_GROUPS = 6          # groups minimized (in order of appearance); the rest keep their input
TRIAGE_PER_POLL = 4          # replays per progress tick, so that the line stays live
SETTLE_S = 0.5               # a crash file this fresh may still be being written: next tick


class Campaign:
    def __init__(self, cdir, cfg):
        self.dir = Path(cdir).resolve()
        self.cfg = cfg               # target, engine, library, mutant, jobs, time, elapsed, started
        self.samples = []            # {t, execs, rate, cov, corpus, findings}
        self.findings = []           # {id, file, sha1, engine_file, group, inv, sig, headline, t}
        self.seen = set()            # engine crash files and world findings already taken in
        self.hashes = {}             # sha1 of a finding's bytes -> its id: one input, one finding
        # root causes ("inv/signature") in the order first triaged: only ever added to, so the
        # live unique count never goes down ({group: {"known": bool, "t": s, "key": hex}})
        self.roots = {}
        self.procs = []
        self.afl_procs = []          # afl-fuzz instances (afl, hybrid)
        self.lf_procs = {}           # libFuzzer slot -> process (libfuzzer: one, fork mode; hybrid: restarted)
        self.lf_runs = []            # latest figures of every libFuzzer process started, in order
        self.lf_restarts = 0
        self.shared = set()          # AFL++ queue entries already copied into libFuzzer's corpus (hybrid)
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
                                   "seen": sorted(self.seen), "roots": self.roots}, indent=1))
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
        self.roots = st.get("roots") or {}
        for f in self.findings:  # a campaign.json of before the roots were kept
            self.note_root(f)
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
    def afl_out(self):
        """AFL++'s -o directory: the campaign's own, or the sync directory hosts share."""
        return Path(self.cfg["sync_dir"]) if self.cfg.get("sync_dir") else self.dir / "afl"

    def afl_names(self, n):
        """This campaign's AFL++ instance names: main, s1, s2...; on a shared sync directory
        prefixed with the host id, and a secondary host has no main (s0, s1...)."""
        host, main = self.cfg.get("host_id"), self.cfg.get("role", "main") == "main"
        names = [("main" if main else "s0") if i == 0 else f"s{i}" for i in range(n)]
        return [f"{host}-{x}" for x in names] if host else names

    def afl_dirs(self):
        n = self.cfg["jobs"] if self.cfg["engine"] == "afl" else hybrid_split(self.cfg["jobs"])[0]
        return [self.afl_out() / name for name in self.afl_names(n)]

    def start_afl(self, n, foreign=None):
        """n AFL++ instances; the first is the main one (-M) unless this host is a secondary, one
        drives the CmpLog twin; `foreign`: a corpus the main instance imports (hybrid)."""
        fc.require_tool("afl-fuzz", "afl++")
        t = self.cfg["target"]
        out = self.afl_out()
        out.mkdir(parents=True, exist_ok=True)
        env = dict(fc.AFL_ENV, AFL_AUTORESUME="1", AFL_SKIP_CRASHES="1", **self.env, **self.continue_env())
        if self.cfg.get("sync_dir") or foreign:
            # AFL++ syncs every AFL_SYNC_TIME minutes (30 by default; the main instance at half
            # that): the shortest it takes, and an import of what the others have at start.
            env.update(AFL_SYNC_TIME="1", AFL_IMPORT_FIRST="1")
        dict_file = fc.CORPORA / f"{t}.dict"
        seed = self.cfg.get("seed")
        for i, name in enumerate(self.afl_names(n)):
            wait_unlocked(out / name)
            main = i == 0 and self.cfg.get("role", "main") == "main"
            # No -V: a resumed AFL++ counts its earlier run time against it; the driver keeps the clock.
            cmd = ["afl-fuzz", "-M" if main else "-S", name, "-i", self.dir / "seeds", "-o", out]
            if seed is not None:
                cmd += ["-s", str(seed * 100 + i)]
            if dict_file.exists():
                cmd += ["-x", dict_file]
            if (n == 1 and i == 0) or i == 1:  # one instance drives the CmpLog twin
                cmd += ["-c", self.binary("cmplog")]
            if main and foreign:
                cmd += ["-F", foreign]
            cmd += ["--", self.binary("afl")]
            # Live figures: AFL++ rewrites fuzzer_stats only once a minute without a terminal, but
            # sends StatsD gauges every second; each instance gets its own UDP port.
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            sock.setblocking(False)
            self.statsd[name] = (sock, {})
            inst_env = dict(env, AFL_STATSD="1", AFL_STATSD_HOST="127.0.0.1",
                            AFL_STATSD_PORT=str(sock.getsockname()[1]), GNTWORLD_FINDINGS=str(self.world_dir(name)))
            log = open(self.dir / f"afl-{name}.log", "ab")
            p = fc.spawn(cmd, env=inst_env, stdout=log, stderr=subprocess.STDOUT)
            self.procs.append(p)
            self.afl_procs.append(p)

    def world_dir(self, who):
        """Where the world saves what one engine instance's target found: findings/world/<instance>
        (an AFL++ instance's name, or libfuzzer), so that a finding names who found it."""
        d = self.dir / "findings" / "world" / who
        d.mkdir(parents=True, exist_ok=True)
        return d

    def continue_env(self):
        """The fuzzing engines' targets: continue mode for the world targets (the replays, the
        minimizers run without it: a violation must abort there)."""
        return {fc.CONTINUE_ENV: "1" if self.cfg.get("continue") else "0"}

    def lf_env(self):
        return {"ASAN_OPTIONS": "detect_leaks=0:symbolize=0", "GNTWORLD_FINDINGS": str(self.world_dir("libfuzzer")),
                "TMPDIR": str(self.dir / "tmp"), **self.env, **self.continue_env()}

    def lf_dirs(self):
        corpus, crashes, tmp = self.dir / "corpus", self.dir / "crashes", self.dir / "tmp"
        for d in (corpus, crashes, tmp):
            d.mkdir(exist_ok=True)
        return corpus, crashes, tmp

    def start_libfuzzer(self, remaining):
        """libFuzzer's fork mode: --jobs workers, crashes and timeouts noted and fuzzing goes on."""
        corpus, crashes, tmp = self.lf_dirs()
        for old in tmp.iterdir():  # fork mode's work directory: a killed run's leftovers stay here
            shutil.rmtree(old, ignore_errors=True)
        cmd = [self.binary("libfuzzer"), f"-fork={self.cfg['jobs']}", "-ignore_crashes=1", "-ignore_timeouts=1",
               "-ignore_ooms=1", f"-max_total_time={max(1, int(remaining))}", "-max_len=4096",
               f"-artifact_prefix={crashes}/", "-print_final_stats=1", corpus, self.dir / "seeds"]
        self.lf_spawn(0, cmd)

    def start_lf_single(self, slot, remaining):
        """One plain libFuzzer process (hybrid): it stops at its first crash and is started
        again; -reload makes it read what the driver copies into the shared corpus, the only
        directory it reads (the seeds are copied in too: see share())."""
        corpus, crashes, _ = self.lf_dirs()
        seed = self.cfg.get("seed")
        cmd = [self.binary("libfuzzer"), "-reload=1", f"-max_total_time={max(1, int(remaining))}", "-max_len=4096",
               f"-artifact_prefix={crashes}/", "-print_final_stats=1", corpus]
        if seed is not None:
            cmd.insert(1, f"-seed={seed * 100 + 50 + slot + 7 * self.lf_restarts}")
        self.lf_spawn(slot, cmd)

    def lf_spawn(self, slot, cmd):
        dict_file = fc.CORPORA / f"{self.cfg['target']}.dict"
        if dict_file.exists():
            cmd.insert(1, f"-dict={dict_file}")
        if self.cfg.get("seed") is not None and not any(str(x).startswith("-seed=") for x in cmd):
            cmd.insert(1, f"-seed={self.cfg['seed']}")
        log = open(self.dir / "libfuzzer.log", "ab")
        proc = fc.spawn(cmd, env=self.lf_env(), stdout=log, stderr=subprocess.PIPE, cwd=self.dir)
        self.procs.append(proc)
        self.lf_procs[slot] = proc
        run = {}
        self.lf_runs.append(run)
        threading.Thread(target=self.read_libfuzzer, args=(proc, log, run), daemon=True).start()

    def start_hybrid(self, remaining):
        """AFL++ and libFuzzer on one corpus: AFL++'s main instance imports libFuzzer's corpus
        (-F), and the driver copies AFL++'s queue into that corpus, which libFuzzer re-reads."""
        n_afl, n_lf = hybrid_split(self.cfg["jobs"])
        corpus, _, _ = self.lf_dirs()
        self.share(sorted((self.dir / "seeds").iterdir()))
        self.start_afl(n_afl, foreign=corpus)
        for slot in range(n_lf):
            self.start_lf_single(slot, remaining)

    def tend(self, remaining):
        """Each tick of a hybrid campaign: share AFL++'s new queue entries with libFuzzer, and
        start again a libFuzzer process that stopped at a crash while time is left."""
        if self.cfg["engine"] != "hybrid":
            return
        self.share(p for q in self.afl_dirs() for p in (q / "queue").glob("id:*"))
        if remaining > 2 and not self.stopping:
            for slot, p in list(self.lf_procs.items()):
                if p.poll() is not None:
                    # a corpus input that crashes would stop it again at once (a mutant's seed):
                    # inputs are named by their SHA-1 there, as libFuzzer names its crash files
                    for crash in (self.dir / "crashes").glob("crash-*"):
                        (self.dir / "corpus" / crash.name[len("crash-"):]).unlink(missing_ok=True)
                    self.lf_restarts += 1
                    self.start_lf_single(slot, remaining)

    def share(self, paths):
        """Copy inputs into libFuzzer's corpus, named by their SHA-1 as libFuzzer names its own."""
        corpus = self.dir / "corpus"
        for p in paths:
            if str(p) in self.shared or p.name.startswith("."):
                continue
            try:
                data = p.read_bytes()
            except OSError:
                continue
            dst = corpus / hashlib.sha1(data).hexdigest()
            if not dst.exists():
                tmp = corpus / f".{dst.name}.tmp"  # libFuzzer skips dot files: never read half-written
                tmp.write_bytes(data)
                tmp.replace(dst)
            self.shared.add(str(p))

    def read_libfuzzer(self, proc, log, run):
        # "#12345: cov: 123 ft: 456 corp: 78 exec/s: 999 ..." (fork mode) or "#12345\tNEW cov: ..."
        pat = re.compile(r"^#(\d+):?\s+(?:\w+\s+)?cov: (\d+) ft: (\d+) corp: (\d+)\S*.*?exec/s:? (\d+)")
        final = re.compile(r"^stat::number_of_executed_units: (\d+)")
        for raw in proc.stderr:
            log.write(raw)
            log.flush()
            line = raw.decode(errors="replace")
            m = pat.match(line)
            if m:
                with self.lock:
                    run.update(execs=int(m.group(1)), cov=int(m.group(2)), ft=int(m.group(3)), corpus=int(m.group(4)))
            m = final.match(line)
            if m:
                with self.lock:
                    run["execs"] = max(run.get("execs", 0), int(m.group(1)))

    # --- polling ---
    def lf_totals(self):
        with self.lock:
            runs = [dict(r) for r in self.lf_runs]
        if not any(runs):
            return {}
        return {"execs": sum(r.get("execs", 0) for r in runs), "cov": max(r.get("cov", 0) for r in runs),
                "ft": max(r.get("ft", 0) for r in runs), "corpus": max(r.get("corpus", 0) for r in runs)}

    def poll_stats(self):
        if self.cfg["engine"] == "libfuzzer":
            return self.lf_totals()
        for sock, latest in self.statsd.values():
            while True:
                try:
                    msg = sock.recv(65536).decode(errors="replace")
                except OSError:
                    break
                for m in re.finditer(r"fuzzing\.(\w+):([0-9.]+)\|g", msg):
                    latest[m.group(1)] = m.group(2)
        execs = cov = corpus = 0
        for d in self.afl_dirs():  # the file wins when it is newer
            st = d / "fuzzer_stats"
            kv = parse_afl_stats(st)
            live = self.statsd.get(d.name, (None, {}))[1]
            pick = kv if to_int(kv.get("execs_done")) >= to_int(live.get("execs_done")) else live
            execs += to_int(pick.get("execs_done"))
            cov = max(cov, to_int(pick.get("edges_found")))
            corpus = max(corpus, to_int(pick.get("corpus_count")))
        if self.cfg["engine"] == "hybrid":  # AFL++'s edges stand for coverage; libFuzzer's execs count
            lf = self.lf_totals()
            execs += lf.get("execs", 0)
            corpus = max(corpus, lf.get("corpus", 0))
        return {"execs": execs, "cov": cov, "corpus": corpus} if execs else {}

    def rate(self, st, now):
        """execs/s over the last few seconds (the engines' own figures are since-start averages)."""
        self.window.append((now, st.get("execs", 0)))
        while len(self.window) > 2 and now - self.window[0][0] > 5:
            self.window.pop(0)
        (t0, e0), (t1, e1) = self.window[0], self.window[-1]
        return int((e1 - e0) / (t1 - t0)) if t1 > t0 and e1 >= e0 else 0

    def crash_files(self):
        lf = sorted((self.dir / "crashes").glob("crash-*"))
        if self.cfg["engine"] == "libfuzzer":
            return lf
        # crashes_<date>/: where AFL++ moves a crash directory when it resumes in place; on a
        # shared sync directory only this host's instances are this campaign's
        afl = sorted(p for d in self.afl_dirs() for p in d.glob("crashes*/id:*"))
        return afl + (lf if self.cfg["engine"] == "hybrid" else [])

    def key(self, p):
        """How a crash file is remembered: relative to the campaign, or absolute (a sync directory)."""
        try:
            return str(p.relative_to(self.dir))
        except ValueError:
            return str(p)

    def world_files(self):
        """The violations the world saved in continue mode: findings/world/<instance>/inv<N>-<lib>-<mutant>-<key>.scn
        (the .txt beside each is its report, written before it)."""
        if not self.cfg.get("continue"):
            return []  # without it the world saves every violating input, which the engine keeps too
        top = self.dir / "findings" / "world"
        return sorted(p for p in list(top.glob("*.scn")) + list(top.glob("*/*.scn")) if fc.WORLD_FINDING.match(p.name))

    def add_finding(self, data, h, where, elapsed, **extra):
        n = len(self.findings) + 1
        dst = self.dir / "findings" / f"f{n:04d}.bin"
        tmp = dst.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(dst)
        self.findings.append({"id": f"f{n:04d}", "file": str(dst.relative_to(self.dir)), "sha1": h,
                              "engine_file": where, "t": round(elapsed, 1), "inv": "untriaged",
                              "sig": "", "headline": "", "group": "untriaged/", **extra})
        self.hashes[h] = f"f{n:04d}"

    def collect(self, elapsed, settled=True):
        """Record every new finding at once (one finding per distinct input): the engines' crash
        files, and in continue mode the scenarios the world saved (encoded as fuzz inputs)."""
        now = time.time()
        for p in self.crash_files():
            key = self.key(p)
            if key in self.seen:
                continue
            try:
                if settled and now - p.stat().st_mtime < SETTLE_S:
                    continue  # the engine may still be writing it
                data = p.read_bytes()
            except OSError:
                continue
            h = hashlib.sha1(data).hexdigest()
            if h not in self.hashes:
                self.add_finding(data, h, key, elapsed, source="engine")
            self.seen.add(key)
        for p in self.world_files():
            key = self.key(p)
            if key in self.seen:
                continue
            try:
                age = now - p.stat().st_mtime
                if settled and age < SETTLE_S:
                    continue  # the world may still be writing it
                data = fc.encode_scenario(p.read_text(errors="replace"))
            except (OSError, fc.FuzzError):
                continue
            if data is None:  # cut short: a process of the same key rewriting it, or killed mid-write
                if settled and age < 10:
                    continue
                print(f"{PROG}: note: {fc.rel(p)} does not parse as a scenario; left out", flush=True)
                self.seen.add(key)
                continue
            h = hashlib.sha1(data).hexdigest()
            if h not in self.hashes:
                m = fc.WORLD_FINDING.match(p.name)
                self.add_finding(data, h, key, elapsed, source="world", key=m.group(3).lower())
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
            f["key"] = fc.world_key(out) or f.get("key")
        else:
            f["inv"], f["sig"] = "flaky", ""  # the engine saw a crash that does not replay
        f["group"] = f"{f['inv']}/{f['sig']}"
        self.note_root(f)

    def known_groups(self):
        return {f"{k['invariant']}/{k['signature']}" for k in self.cfg.get("known") or []}

    def note_root(self, f):
        """A triaged finding's root cause joins the campaign's (never leaves it): new or known."""
        if f["inv"] in ("untriaged", "flaky") or f["group"] in self.roots:
            return
        self.roots[f["group"]] = {"known": f["group"] in self.known_groups(), "t": f["t"], "key": f.get("key")}

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
        self.procs, self.afl_procs, self.lf_procs = [], [], {}
        fc.kill_orphans()  # targets AFL++ left behind (see fc.become_subreaper)


def hybrid_split(jobs):
    """(AFL++ instances, libFuzzer processes) of a hybrid campaign on `jobs` cores."""
    n_afl = max(1, (jobs + 1) // 2)
    return n_afl, max(1, jobs - n_afl)


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


def unique_text(c):
    """'3 unique' or '3 unique: 2 new, 1 known': root causes triaged so far, never fewer later."""
    n = len(c.roots)
    known = sum(r["known"] for r in c.roots.values())
    return f"{n} unique: {n - known} new, {known} known" if c.cfg.get("known") else f"{n} unique"


def progress_line(c, st, elapsed, total):
    return (f"[{fmt_time(elapsed)} / {fmt_time(total)}, {fmt_time(total - elapsed)} left] "
            f"{st.get('rate', 0):>7} execs/s  cov {st.get('cov', 0):>5}  corpus {st.get('corpus', 0):>5}  "
            f"findings {len(c.findings)} ({unique_text(c)})  execs {st.get('execs', 0)}")


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
    {"afl": lambda r: c.start_afl(c.cfg["jobs"]), "libfuzzer": c.start_libfuzzer,
     "hybrid": c.start_hybrid}[c.cfg["engine"]](remaining)
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
            c.tend(total - elapsed)
            if now - last_sample >= 2 and st:
                c.add_sample({"t": round(elapsed, 1), **st, "findings": len(c.findings), "unique": len(c.roots)})
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
            # a hybrid campaign's libFuzzer stops at each crash and is started again: AFL++ decides
            main = c.afl_procs if c.cfg["engine"] == "hybrid" else c.procs
            if all(p.poll() is not None for p in main):
                if not st and any(p.returncode for p in main):
                    raise fc.FuzzError(f"the fuzzer stopped at start: {engine_error(c)}")
                break
            if elapsed >= total + (15 if c.cfg["engine"] == "libfuzzer" else 0):
                break  # libFuzzer stops itself at -max_total_time; AFL++ is stopped here
    finally:
        c.stop_all()
        elapsed = elapsed0 + (time.monotonic() - start)
        c.cfg["elapsed"] = round(min(elapsed, total), 1)
        st = c.poll_stats()
        c.take_findings(elapsed, budget=None)
        if st:
            st["rate"] = int(st.get("execs", 0) / c.cfg["elapsed"]) if c.cfg["elapsed"] else 0
            c.add_sample({"t": c.cfg["elapsed"], **st, "findings": len(c.findings), "unique": len(c.roots)})
        c.save_state()
        if tty:
            sys.stderr.write("\n")
        print(progress_line(c, st or {}, c.cfg["elapsed"], total), flush=True)


def minimize(c, f):
    """Shrink a group's representative: its bytes with the campaign's own engine, then, for the
    world targets, its steps (minimize_steps). Each result is kept only if it is still the same
    finding (same invariant and root cause), else the input before it stands."""
    best = minimize_bytes(c, f)
    if c.cfg["target"] in fc.WORLD_TARGETS:
        best = minimize_steps(c, f, best) or best
    return best


def minimize_steps(c, f, path):
    """The scenario of `path` without the steps and `at K` prefixes the finding does not need
    (fc.minimize_scenario), each candidate replayed and classified as the finding was: ->
    findings/<id>.min (its fuzz input), or None if nothing could go or the scenario does not
    reproduce as text."""
    cls, out = c.classify_file(path)
    if not cls or f"{cls[0]}/{cls[1]}" != f["group"]:
        return None
    text = fc.replay_text(out)
    if not text:
        return None
    j = fc.world_json(out) or {}
    first_cut = j.get("step") if isinstance(j.get("step"), int) and not j.get("at_end") else None
    tmp = c.dir / "tmp"
    tmp.mkdir(exist_ok=True)
    cand = tmp / f"{f['id']}.cand"
    memo = {}

    def same(t):
        if t not in memo:
            data = fc.encode_scenario(t)
            ok = False
            if data is not None:
                cand.write_bytes(data)
                got, _ = c.classify_file(cand)
                ok = bool(got) and f"{got[0]}/{got[1]}" == f["group"]
            memo[t] = ok
        return memo[t]

    small = fc.minimize_scenario(text, same, deadline=time.monotonic() + MINIMIZE_STEPS_SECONDS, first_cut=first_cut)
    cand.unlink(missing_ok=True)
    if small is None or small == fc.join_scenario(*fc.split_scenario(text)):
        return None  # nothing could go
    data = fc.encode_scenario(small)
    if data is None:
        return None
    cand.write_bytes(data)
    cls, out = c.classify_file(cand)
    if not cls or f"{cls[0]}/{cls[1]}" != f["group"]:
        cand.unlink(missing_ok=True)
        return None
    dst = c.dir / "findings" / f"{f['id']}.min"
    cand.replace(dst)
    (c.dir / "findings" / f"{f['id']}.min.txt").write_text(out)
    return dst


def minimize_bytes(c, f):
    """Shrink a group's representative with the campaign's own engine; keep it only if it is still
    the same finding (same invariant and root cause), else the original input stands."""
    src = c.dir / f["file"]
    dst = c.dir / "findings" / f"{f['id']}.min"
    if c.cfg["engine"] != "afl":
        cmd = [c.binary("libfuzzer"), "-minimize_crash=1", f"-max_total_time={MINIMIZE_SECONDS}",
               f"-exact_artifact_path={dst}", src]
        env = {"ASAN_OPTIONS": "detect_leaks=0:symbolize=0", "TMPDIR": str(c.dir / "tmp"), **c.env}
    else:
        cmd = ["afl-tmin", "-i", src, "-o", dst, "--", c.binary("afl")]
        env = dict(fc.AFL_ENV, **c.env)
    env[fc.CONTINUE_ENV] = "0"  # the minimizers keep what still crashes: a violation must abort here
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
    """report.json (machine-readable: what `--known` reads), report.md, coverage.svg. Only the
    root causes that are new are reported (and minimized); the known ones seen again are counted."""
    groups = {}
    for f in c.findings:
        groups.setdefault(f["group"], []).append(f)
    known = c.known_groups()
    new = [g for g in groups if g not in known and not g.startswith(("untriaged/", "flaky/"))]
    if do_minimize and new:
        print(f"{PROG}: minimizing up to {MINIMIZE_GROUPS} new finding group(s), {MINIMIZE_SECONDS}s + "
              f"{MINIMIZE_STEPS_SECONDS}s each", flush=True)
    out_groups, n_min = [], 0
    for key, fs in sorted(groups.items(), key=lambda kv: kv[1][0]["t"]):
        rep = min(fs, key=lambda f: (c.dir / f["file"]).stat().st_size)
        is_known = key in known
        minimized = c.dir / rep["file"]
        if do_minimize and key in new and n_min < MINIMIZE_GROUPS:
            minimized = minimize(c, rep)
            n_min += 1
        _, out = c.classify_file(minimized)
        scn = fc.readable(c.cfg["target"], minimized, out)
        (c.dir / "findings" / f"{rep['id']}.scn").write_text(scn)
        out_groups.append({"invariant": rep["inv"], "signature": rep["sig"], "known": is_known,
                           "key": c.roots.get(key, {}).get("key") or rep.get("key"), "count": len(fs),
                           "first_seen_s": fs[0]["t"], "headline": rep["headline"],
                           "input": str(Path(rep["file"])), "minimized": str(minimized.relative_to(c.dir)),
                           "minimized_bytes": minimized.stat().st_size,
                           "steps": len(fc.split_scenario(scn)[1]) if c.cfg["target"] in fc.WORLD_TARGETS else None,
                           "scenario": scn, "report": f"findings/{rep['id']}.txt", "members": [f["id"] for f in fs]})
    last = c.samples[-1] if c.samples else {}
    execs = last.get("execs", 0)
    variant = variant_name(c.cfg)
    roots = [g for g in out_groups if g["invariant"] not in ("untriaged", "flaky")]
    summary = {"target": c.cfg["target"], "engine": c.cfg["engine"], "library": c.cfg.get("library"),
               "mutant": c.cfg.get("mutant"), "variant": variant, "jobs": c.cfg["jobs"],
               "continue_mode": bool(c.cfg.get("continue")),
               "budget_s": total, "elapsed_s": c.cfg.get("elapsed", 0), "execs": execs,
               "execs_per_s": int(execs / c.cfg["elapsed"]) if c.cfg.get("elapsed") else 0,
               "coverage": last.get("cov", 0), "corpus": last.get("corpus", 0),
               "findings": len(c.findings), "unique": len(roots),
               "new": sum(not g["known"] for g in roots), "known": sum(g["known"] for g in roots),
               "untriaged": sum(f["inv"] == "untriaged" for f in c.findings),
               "flaky": sum(f["inv"] == "flaky" for f in c.findings),
               "known_from": c.cfg.get("known_from") or []}
    # what a later `--known` starts from: these groups, and what this campaign already knew
    (c.dir / "report.json").write_text(json.dumps({"summary": summary, "groups": out_groups,
                                                  "known": c.cfg.get("known") or [],
                                                  "samples": c.samples}, indent=1))
    reported = [g for g in out_groups if not g["known"]]
    svgplot.write_svg(c.dir / "coverage.svg", [(s["t"], s.get("cov", 0)) for s in c.samples],
                      title=f"{c.cfg['target']} / {c.cfg['engine']} / {variant}: coverage over time",
                      ylabel="cov (libFuzzer)" if c.cfg["engine"] == "libfuzzer" else "edges (AFL++)",
                      marks=[g["first_seen_s"] for g in reported])
    md = [f"# Fuzz campaign {c.dir.name}", "",
          "| target | engine | library/mutant | jobs | time | execs | execs/s | coverage | corpus | findings | unique | new | known |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
          f"| {summary['target']} | {summary['engine']} | {variant} | "
          f"{summary['jobs']} | {summary['elapsed_s']}s of {total}s | {execs} | {summary['execs_per_s']} | "
          f"{summary['coverage']} | {summary['corpus']} | {summary['findings']} | {summary['unique']} | "
          f"{summary['new']} | {summary['known']} |",
          "", "![coverage over time](coverage.svg)", ""]
    if summary["continue_mode"]:
        md += ["The world target ran in continue mode: each root cause saved once per process, fuzzing went on "
               "past it.", ""]
    if c.cfg.get("known"):
        md += [f"Known root causes ({len(c.cfg['known'])}, from {', '.join(c.cfg.get('known_from') or ['-'])}) are "
               "counted, not reported.", ""]
    if not reported:
        md.append("No new findings." if c.cfg.get("known") else "No findings.")
    for i, g in enumerate(reported, 1):
        steps = f", {g['steps']} step(s)" if g.get("steps") is not None else ""
        md += [f"## Finding {i}: {g['invariant']} ({g['count']} input(s), first at {g['first_seen_s']}s)", "",
               f"- signature: `{g['signature']}`", f"- what: {g['headline'] or '-'}",
               f"- minimized input: `{g['minimized']}` ({g['minimized_bytes']} bytes{steps}); full report: `{g['report']}`",
               f"- replay: `{replay_cmd(c, g)}`",
               "", "```", g["scenario"].rstrip(), "```", ""]
    again = [g for g in out_groups if g["known"]]
    if again:
        md += ["## Known root causes seen again (not reported)", "", "| invariant | signature | inputs | first at |",
               "|---|---|---|---|"]
        md += [f"| {g['invariant']} | `{g['signature']}` | {g['count']} | {g['first_seen_s']}s |" for g in again]
        md.append("")
    (c.dir / "report.md").write_text("\n".join(md) + "\n")
    return summary, out_groups


def load_known(paths):
    """The root causes an earlier campaign found, as `--known` takes them: a campaign's
    report.json (or its directory, or its report.md beside it), a merged report (fuzz_merge), or
    a campaign.json; each one's own known list too, so a chain of campaigns keeps them all.
    -> ([{invariant, signature, headline, from}], [sources]); a one-line FuzzError if unreadable."""
    out, seen, sources = [], set(), []
    for p in paths:
        p = Path(p)
        cands = [p / "report.json", p / "campaign.json"] if p.is_dir() else \
            [p.with_name("report.json")] if p.suffix == ".md" else [p]
        src = next((x for x in cands if x.is_file()), None)
        if src is None:
            raise fc.FuzzError(f"--known {p}: no such report (a campaign's report.json or directory)")
        try:
            data = json.loads(src.read_text())
            entries = [(g["invariant"], g["signature"], g.get("headline", ""), None) for g in data.get("groups", [])]
            entries += [(k["invariant"], k["signature"], k.get("headline", ""), k.get("from"))
                        for k in data.get("known", [])]
            entries += [(f["inv"], f["sig"], f.get("headline", ""), None) for f in data.get("findings", [])
                        if isinstance(data.get("config"), dict)]
            what = data.get("summary", data.get("config", {}))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise fc.FuzzError(f"--known {p}: not a campaign report ({type(e).__name__}: {e})")
        if not isinstance(what, dict) or ("groups" not in data and "findings" not in data):
            raise fc.FuzzError(f"--known {p}: not a campaign report (no groups)")
        origin = f"{fc.rel(src.parent)} ({what.get('target', '?')} {what.get('variant') or variant_name(what)})"
        sources.append(origin)
        for inv, sig, headline, frm in entries:
            if inv in ("untriaged", "flaky") or (inv, sig) in seen:
                continue
            seen.add((inv, sig))
            out.append({"invariant": inv, "signature": sig, "headline": headline, "from": frm or origin})
    return out, sources


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
    if a.engine == "hybrid" and a.jobs < 2:
        raise fc.FuzzError("--engine hybrid runs AFL++ and libFuzzer side by side: --jobs 2 or more")
    all_fronts = {f: dev for f, _, dev in fc.front_variants()}
    if a.library in all_fronts and fc.DEVICE_TARGET[all_fronts[a.library]] != a.target:
        raise fc.FuzzError(f"{a.library} is a {all_fronts[a.library]} frontend: fuzz it with --target "
                           f"{fc.DEVICE_TARGET[all_fronts[a.library]]}")
    if os.environ.get("FRONT", "").strip() and not a.library and a.target in fc.DEVICE_TARGET.values():
        mine = [f for f, dev in all_fronts.items() if fc.DEVICE_TARGET[dev] == a.target]
        a.library = mine[0] if mine else None  # FRONT=<dir>: your frontend, not ours
    fronts = {f: m for f, m, dev in fc.front_variants() if fc.DEVICE_TARGET[dev] == a.target} \
        if a.target in fc.DEVICE_TARGET.values() else {}
    if fc.runs_library(a.target) and a.library in fronts:  # a frontend under test, on its device's target
        lib, mutant = a.library, a.mutant or fc.FIXED
        ms = [m for f, m, _ in fc.front_variants() if f == lib]
        if mutant not in ms:
            raise fc.FuzzError(f"unknown mutant {mutant!r} of frontend {lib} (choose from: {' '.join(ms)})")
    elif fc.runs_library(a.target):
        lib, mutant = fc.check_variant(a.library or fc.default_library(), a.mutant or fc.FIXED)
    else:
        if a.library or (a.mutant and a.mutant != fc.FIXED):
            with_lib = [t for t in targets if fc.runs_library(t)]
            raise fc.FuzzError(f"target {a.target} runs no grant library: --library/--mutant do not apply "
                               f"(targets that do: {' '.join(with_lib)})")
        lib = mutant = None
    corpus = Path(a.corpus) if a.corpus else fc.CORPORA / a.target
    fc.check_corpus(corpus)
    load_known(a.known or [])  # a bad --known: one line, before anything is made
    sync = check_sync(a, {"target": a.target, "library": lib, "mutant": mutant})
    cdir = CAMPAIGNS / time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    while cdir.exists():
        cdir = Path(str(cdir) + "x")
    cdir.mkdir(parents=True)
    (cdir / "findings").mkdir()
    known, known_from = load_known(a.known or [])
    c = Campaign(cdir, {"target": a.target, "engine": a.engine, "library": lib, "mutant": mutant,
                        "jobs": a.jobs, "time": a.time, "elapsed": 0.0, "seed": a.seed, **sync,
                        "continue": a.target in fc.WORLD_TARGETS and not a.no_continue,
                        "known": known, "known_from": known_from,
                        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    c.acquire()
    prepare_seeds(c, corpus)
    c.save_state()
    print(f"{PROG}: campaign {fc.rel(c.dir)}", flush=True)
    return c


def check_sync(a, what):
    """The options of one campaign across hosts (AFL++'s own sync): one-line errors, or {}."""
    if not a.sync_dir:
        if a.role or a.host_id:
            raise fc.FuzzError("--role and --host-id go with --sync-dir (a campaign across hosts)")
        return {}
    if a.engine != "afl":
        raise fc.FuzzError(f"--sync-dir is AFL++'s own sync between hosts: use --engine afl (not {a.engine})")
    host = a.host_id or re.sub(r"\W", "_", socket.gethostname().split(".")[0])[:32]
    if not HOST_ID.match(host):
        raise fc.FuzzError(f"--host-id {host!r}: letters, digits and _ only, at most 32 (AFL++ instance names)")
    role = a.role or "main"
    sync = Path(a.sync_dir).resolve()
    if sync.exists() and not sync.is_dir():
        raise fc.FuzzError(f"--sync-dir {a.sync_dir}: not a directory")
    try:
        sync.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise fc.FuzzError(f"--sync-dir {a.sync_dir}: {e.strerror}")
    if not os.access(sync, os.W_OK | os.X_OK):
        raise fc.FuzzError(f"--sync-dir {a.sync_dir}: not writable")
    others = [d.name for d in sync.glob("*-main") if d.is_dir() and d.name != f"{host}-main"]
    if role == "main" and others:
        raise fc.FuzzError(f"--sync-dir {a.sync_dir} already has a main instance ({others[0]}): "
                           "this host joins with --role secondary (or remove that directory: an old campaign's)")
    # every host fuzzes the same binary, or AFL++'s sync shares inputs that mean nothing there
    mark = sync / "gntfuzz-sync.json"
    try:
        known = json.loads(mark.read_text()) if mark.exists() else None
    except (OSError, ValueError):
        known = None
    if known and known != what:
        raise fc.FuzzError(f"--sync-dir {a.sync_dir} is a campaign on {known.get('target')} "
                           f"{known.get('library') or ''}/{known.get('mutant') or ''}: every host fuzzes the same "
                           "target and variant")
    if not known:
        tmp = sync / f".gntfuzz-sync.{os.getpid()}"
        tmp.write_text(json.dumps(what))
        tmp.replace(mark)
    mine = [d.name for d in sync.glob(f"{host}-*") if d.is_dir()]
    if mine and not a.resume:
        print(f"{PROG}: note: {sync} already holds instances of host {host} ({' '.join(sorted(mine))}); "
              "they continue (AFL++ resumes them)", flush=True)
    return {"sync_dir": str(sync), "role": role, "host_id": host}


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
    if a.known:  # more known root causes for the rest of it
        more, sources = load_known(a.known)
        have = c.known_groups()
        c.cfg["known"] = (c.cfg.get("known") or []) + [k for k in more if f"{k['invariant']}/{k['signature']}" not in have]
        c.cfg["known_from"] = (c.cfg.get("known_from") or []) + sources
        for g, r in c.roots.items():
            r["known"] = g in c.known_groups()
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
    ap.add_argument("--engine", choices=ENGINES,
                    help=f"afl: AFL++ main+secondaries; libfuzzer: fork mode; hybrid: both on one corpus "
                         f"(default {DEFAULT_ENGINE}, the winner of `make bench-engines`; libfuzzer with --jobs 1, "
                         f"afl with --sync-dir)")
    ap.add_argument("--time", type=int, default=180, help="budget in seconds (default 180)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel fuzzers (default: all cores)")
    ap.add_argument("--library", help="grant library (default: the first `make list-variants` prints)")
    ap.add_argument("--mutant", help="mutant of the library, as `make list-variants` names it (default fixed)")
    ap.add_argument("--corpus", help="seed directory (default corpora/fuzz/<target>)")
    ap.add_argument("--resume", nargs="?", const="latest", metavar="DIR",
                    help="continue a campaign (default: the latest) for the rest of its budget")
    ap.add_argument("--no-minimize", action="store_true", help="skip minimizing findings")
    ap.add_argument("--known", action="append", metavar="REPORT",
                    help="an earlier campaign's report.json (or its directory): its root causes are known, counted "
                         "but not reported as new (syzkaller's suppressions); may be given more than once")
    ap.add_argument("--no-continue", action="store_true",
                    help="world targets abort at each violation, as before continue mode (slower on a buggy variant)")
    ap.add_argument("--seed", type=int, help="random seed of the engines (default: theirs)")
    ap.add_argument("--sync-dir", metavar="DIR", help="one campaign across hosts: AFL++'s -o directory, shared "
                    "by every host (a network file system, or kept in step by rsync)")
    ap.add_argument("--role", choices=("main", "secondary"), help="with --sync-dir: one host is the main "
                    "(AFL++ -M), the others secondary (-S) (default main)")
    ap.add_argument("--host-id", help="with --sync-dir: this host's name in the sync directory (default: hostname)")
    ap.add_argument("--merge", nargs="+", metavar="DIR", help="merge campaigns (one per host) into one report: "
                    "findings grouped by root cause, coverage of every host's corpus together")
    a = ap.parse_args()
    if a.merge:
        import fuzz_merge  # noqa: E402 (only this mode needs it)
        return fuzz_merge.main(a.merge)
    # across hosts only AFL++ syncs (its own -M/-S protocol): that is the engine unless told
    # otherwise; hybrid needs two jobs, and on one the runner-up of `make bench-engines` runs
    if not a.engine:
        a.engine = "afl" if a.sync_dir else DEFAULT_ENGINE
        if a.engine == "hybrid" and a.jobs < 2:
            a.engine = "libfuzzer"
    try:
        c = resume_campaign(a, sys.argv[1:]) if a.resume else new_campaign(a)
        t = c.cfg["target"]
        if (fc.CORPORA / f"{t}.dict").exists():
            fc.check_dict(fc.CORPORA / f"{t}.dict")
        need = [c.binary("libfuzzer")] + ([fc.FUZZ_OUT / "tools" / "scnconv"] if t in fc.WORLD_TARGETS else [])
        if c.cfg["engine"] in ("afl", "hybrid"):
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
    sync = (f"; host {c.cfg['host_id']} ({c.cfg['role']}) on sync dir {c.cfg['sync_dir']}"
            if c.cfg.get("sync_dir") else "")
    mode = ", continue mode" if c.cfg.get("continue") else ""
    known = f", {len(c.cfg['known'])} known root cause(s)" if c.cfg.get("known") else ""
    print(f"{PROG}: {t} with {c.cfg['engine']}{variant}, {c.cfg['jobs']} job(s), {c.cfg['time']}s{mode}{known} "
          f"-> {fc.rel(c.dir)}{sync}", flush=True)
    try:
        run(c, c.cfg["time"])
    except fc.FuzzError as e:
        c.stop_all()
        fc.die(PROG, e)
    summary, groups = report(c, c.cfg["time"], do_minimize=not a.no_minimize and not c.stopping)
    for g in groups:
        if not g["known"]:
            print(f"  {g['invariant']:<28} x{g['count']:<4} first at {g['first_seen_s']}s  {g['signature']}  "
                  f"{g['minimized']}")
    again = [g for g in groups if g["known"]]
    if again:
        print(f"  known, seen again (not reported): " + "; ".join(f"{g['invariant']} {g['signature']} x{g['count']}"
                                                            for g in again))
    extra = "".join(f", {summary[k]} {k}" for k in ("untriaged", "flaky") if summary[k])
    print(f"{PROG}: {summary['findings']} finding(s), {unique_text(c)}{extra}; "
          f"report {fc.rel(c.dir / 'report.md')}", flush=True)
    if c.stopping:
        print(f"{PROG}: interrupted; continue with --resume {fc.rel(c.dir)}", flush=True)
        return 130
    # a fixed library (or a target without one: the harness itself) must have no finding that is
    # not known already
    unknown = summary["new"] + summary["untriaged"] + summary["flaky"]
    return 1 if (unknown and c.cfg.get("mutant") in (fc.FIXED, None)) else 0


if __name__ == "__main__":
    sys.exit(main())
