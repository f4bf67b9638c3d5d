"""fuzzcommon - what the fuzz drivers share: paths, the variants make offers, building binaries,
corpus checks, running an input once, classifying a finding by its root cause, and finding the
processes a campaign left behind.

Standard library only. Every error a user can cause is a FuzzError with a one-line message; the
drivers print it and exit non-zero. Everything about the libraries under test is asked from make
(`make -s list-variants`, `make -s mutants`, `make -s fuzz-manifest`), whose own command-line
variables (TARGET=<dir>) reach these calls through MAKEFLAGS and the environment.
"""
import ctypes
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BUILD", "build"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
FUZZ_OUT = BUILD / "fuzz"
CORPORA = ROOT / "corpora" / "fuzz"
MAX_INPUT = 1 << 20          # bigger corpus files are refused (the replay driver's cap too)
ENGINES = ("afl", "libfuzzer")
WORLD_TARGETS = ("world", "workload", "blkfront", "netfront")   # inputs are binary scenarios
FIXED = "fixed"                         # the unmutated build of a library
AFL_ENV = {"AFL_SKIP_CPUFREQ": "1", "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1",
           "AFL_NO_AFFINITY": "1", "AFL_NO_UI": "1", "AFL_QUIET": "1"}
# Every process a campaign starts carries its directory in this variable (inherited by afl-fuzz's
# targets, libFuzzer's fork workers, afl-tmin...): after the driver died, a resume recognises them
# by it (/proc/<pid>/environ) and ends them, and touches nothing else. Builds carry the other one:
# they are left to finish, a half-written object file would outlive them.
CAMPAIGN_ENV = "GNTFUZZ_CAMPAIGN"
CAMPAIGN_BUILD_ENV = "GNTFUZZ_CAMPAIGN_BUILD"
# The world fuzz targets' continue mode (harness/fuzz/targets/world_fuzz_run.h): with "1" a violation
# is saved into $GNTWORLD_FINDINGS only the first time its root-cause key is seen in the process, one
# `gntworld-finding: KEY inv N FILE` line goes to stderr, and the target returns normally, so the
# engine fuzzes on at full speed past a shallow bug. Campaigns fuzz with it; every replay here runs
# without it (the target prints its report and aborts: what triage reads).
CONTINUE_ENV = "GNTWORLD_CONTINUE"
# What the world saves: inv<N>-<lib>-<mutant>-<key or input hash>.{txt,scn}
WORLD_FINDING = re.compile(r"^inv(\d+)-(.+)-([0-9a-fA-F]+)\.scn$")


class FuzzError(Exception):
    """A one-line, user-facing error."""


def die(prog, err):
    print(f"{prog}: error: {err}", file=sys.stderr, flush=True)
    sys.exit(2)


def rel(path):
    """A path for messages: relative to the top when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# --- children die with us: a killed driver must not leave fuzzers running ---
_libc = None


def _die_with_parent():
    global _libc
    try:
        _libc = _libc or ctypes.CDLL(None, use_errno=True)
        _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    os.setsid()  # own process group, so that stopping it stops AFL's or libFuzzer's children too


def spawn(cmd, env=None, stdout=None, stderr=None, cwd=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.Popen([str(c) for c in cmd], env=full_env, stdout=stdout, stderr=stderr,
                            stdin=subprocess.DEVNULL, cwd=cwd, preexec_fn=_die_with_parent)


def become_subreaper():
    """Orphans of our children become ours, not init's. AFL++ puts each target in its own
    session, and a CmpLog target left SIGSTOPped by a dying afl-fuzz would otherwise live on
    (holding the instance's lock); as our children we can find and end them (kill_orphans)."""
    global _libc
    try:
        _libc = _libc or ctypes.CDLL(None, use_errno=True)
        _libc.prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _stat_fields(pid):
    """/proc/<pid>/stat after the command name: [state, ppid, ...], or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def proc_start_time(pid):
    """The process's start time in clock ticks since boot (with the pid, it names one process:
    a pid reused later has another start time), or None if there is no such process."""
    f = _stat_fields(pid)
    return int(f[19]) if f else None


def kill_orphans(keep=()):
    """SIGKILL and reap every child of ours that is not a process we still run (`keep`: pids)."""
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in keep:
            continue
        fields = _stat_fields(entry)
        if not fields or fields[1] != me:  # ppid
            continue
        try:
            os.kill(int(entry), signal.SIGKILL)
            os.waitpid(int(entry), 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def stop(proc, grace=3.0):
    """Stop a child started by spawn() and its process group (engines fork workers)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    else:  # the leader exited; its group may still hold workers
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _ancestors():
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        f = _stat_fields(pid)
        if not f:
            break
        pid = int(f[1])
    return pids


def processes_with_env(var, value):
    """Live processes (not zombies) whose environment has var=value: [(pid, start_time, argv0)].
    Only our own user's processes are readable; the caller and its ancestors are left out."""
    want = f"{var}={value}".encode()
    mine = _ancestors()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in mine:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        fields = _stat_fields(entry)
        if want in env and fields and fields[0] != "Z":
            found.append((int(entry), int(fields[19]), os.path.basename(argv0)))
    return found


def _alive(pid, start):
    """The process pid started at `start` still runs (a zombie holds nothing: it does not)."""
    f = _stat_fields(pid)
    return bool(f) and int(f[19]) == start and f[0] != "Z"


def end_campaign_processes(cdir, build_wait=300.0):
    """End what a dead driver of campaign `cdir` left running: its builds are waited for (make
    removes nothing it half wrote when killed), its engines, targets, minimizers and replays are
    SIGKILLed (stopped ones too) and waited for. -> names of the processes ended."""
    cdir = str(Path(cdir).resolve())
    deadline = time.monotonic() + build_wait
    while processes_with_env(CAMPAIGN_BUILD_ENV, cdir) and time.monotonic() < deadline:
        time.sleep(0.5)
    ended = []
    for _ in range(20):  # a fork server may fork once more while its siblings die: repeat
        procs = processes_with_env(CAMPAIGN_ENV, cdir)
        if not procs:
            break
        for pid, start, name in procs:
            if _alive(pid, start):  # still that process, not a reused pid
                try:
                    os.kill(pid, signal.SIGKILL)
                    ended.append(name)
                except (ProcessLookupError, PermissionError):
                    pass
        t0 = time.monotonic()
        while time.monotonic() - t0 < 5 and any(_alive(p, s) for p, s, _ in procs):
            time.sleep(0.05)
    return ended


# --- what make offers: libraries, variants, fuzz targets ---
_make_cache = {}


def make_lines(goal):
    """The lines `make -s <goal>` prints (cached). The environment is passed on untouched, so
    TARGET=<dir> given to the calling make applies here too."""
    if goal not in _make_cache:
        r = subprocess.run(["make", "-s", "--no-print-directory", goal], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, errors="replace")
        if r.returncode != 0:
            err = [l.strip() for l in r.stderr.splitlines() if l.strip()] or ["(no output)"]
            raise FuzzError(f"`make {goal}` failed: {err[-1]}")
        _make_cache[goal] = [l for l in r.stdout.splitlines() if l.strip()]
    return _make_cache[goal]


def make_query(goal):
    """Words of `make -s <goal>`, or [] if it fails."""
    try:
        return " ".join(make_lines(goal)).split()
    except FuzzError:
        return []


def variants():
    """[(library, mutant)] in the order `make list-variants` prints them ("fixed" included)."""
    out = []
    for line in make_lines("list-variants"):
        words = line.split()
        if len(words) != 2:
            raise FuzzError(f"`make list-variants` printed an unexpected line: {line!r}")
        out.append((words[0], words[1]))
    if not out:
        raise FuzzError("`make list-variants` names no library (TARGET=<dir> with a manifest?)")
    return out


# The fuzz target of each device world (harness/fuzz/targets/<target>_fuzz.c).
DEVICE_TARGET = {"vbd": "blkfront", "vif": "netfront"}


def front_variants():
    """[(frontend, mutant, device)] in the order `make list-front-variants` prints them."""
    out = []
    for line in make_lines("list-front-variants"):
        words = line.split()
        if len(words) != 3 or words[2] not in DEVICE_TARGET:
            raise FuzzError(f"`make list-front-variants` printed an unexpected line: {line!r}")
        out.append((words[0], words[1], words[2]))
    return out


def front_target(front):
    """The device fuzz target a frontend runs in (blkfront for a vbd frontend, netfront for vif)."""
    for f, _, dev in front_variants():
        if f == front:
            return DEVICE_TARGET[dev]
    raise FuzzError(f"unknown frontend {front!r} (choose from: {' '.join(sorted({f for f, _, _ in front_variants()}))})")


def libraries():
    libs = []
    for lib, _ in variants():
        if lib not in libs:
            libs.append(lib)
    return libs


def default_library():
    return libraries()[0]


def mutants_of(lib):
    """The mutants of a library, "fixed" left out, in make's order."""
    return [m for l, m in variants() if l == lib and m != FIXED]


def check_variant(lib, mutant):
    """A one-line error naming the valid choices unless lib/mutant is a variant make offers."""
    libs = libraries()
    if lib not in libs:
        raise FuzzError(f"unknown library {lib!r} (choose from: {' '.join(libs)})")
    ms = [m for l, m in variants() if l == lib]
    if mutant not in ms:
        raise FuzzError(f"unknown mutant {mutant!r} of library {lib} (choose from: {' '.join(ms)})")
    return lib, mutant


def summaries():
    """{(library, mutant): what it re-creates}, from `make mutants` and `make front-mutants`
    ("  NAME MUTANT summary")."""
    known = set(variants()) | {(f, m) for f, m, _ in front_variants()}
    out = {}
    for line in make_lines("mutants") + make_lines("front-mutants"):
        words = line.split(None, 2)
        if len(words) >= 2 and (words[0], words[1]) in known:
            out[(words[0], words[1])] = words[2].strip() if len(words) > 2 else ""
    return out


def vname(lib, mutant):
    return f"{lib}/{mutant}"


def fuzz_manifest():
    """{target: runs a library (bool)} from `make fuzz-manifest` (the empty target is not in it)."""
    out = {}
    for line in make_lines("fuzz-manifest"):
        words = line.split()
        if len(words) >= 2:
            out[words[0]] = words[1] == "y"
    return out


def fuzz_targets():
    """The fuzz targets make offers, without the empty one."""
    return [t for t in make_query("fuzz-list-targets") if t != "empty"]


def runs_library(target):
    return fuzz_manifest().get(target, False)


# --- building ---
def binary(engine, target, library=None, mutant=FIXED):
    """build/fuzz/<engine>/<target>-<library>-<mutant> for a target that runs a library (library
    default: the first make lists), build/fuzz/<engine>/<target> for the others."""
    if runs_library(target):
        return FUZZ_OUT / engine / f"{target}-{library or default_library()}-{mutant}"
    return FUZZ_OUT / engine / target


def build(paths, env=None):
    """Build binaries through harness/fuzz/fuzz.mk; one-line error on failure."""
    rel_paths = [os.path.relpath(p, ROOT) for p in paths]
    full_env = dict(os.environ)
    full_env.update(env or {})
    r = subprocess.run(["make", "-s", "--no-print-directory", "-j2", *rel_paths], cwd=ROOT, env=full_env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    if r.returncode != 0:
        lines = [l for l in r.stdout.splitlines() if l.strip()]
        errs = [l for l in lines if "error" in l.lower()] or lines or ["(no output)"]
        shown = " ".join(rel_paths[:3]) + (f" (+{len(rel_paths) - 3} more)" if len(rel_paths) > 3 else "")
        raise FuzzError(f"building {shown} failed: {errs[0].strip()}")


def require_tool(name, package):
    if not shutil.which(name):
        raise FuzzError(f"{name} not found: install package {package} (make deps-fuzz)")


# --- corpora ---
def check_corpus(path, allow_empty=False):
    """Validate a seed directory; returns its files. Any bad entry is a one-line FuzzError."""
    path = Path(path)
    if not path.exists():
        raise FuzzError(f"corpus {path}: no such directory")
    if not path.is_dir():
        raise FuzzError(f"corpus {path}: not a directory")
    if not os.access(path, os.R_OK | os.X_OK):
        raise FuzzError(f"corpus {path}: directory not readable")
    files = []
    for entry in sorted(path.iterdir()):
        if entry.name.startswith("."):
            continue
        try:
            st = entry.stat()
        except OSError as e:
            raise FuzzError(f"corpus {path}: {entry.name}: {e.strerror}")
        if stat.S_ISDIR(st.st_mode):
            raise FuzzError(f"corpus {path}: {entry.name} is a directory, expected a seed file")
        if not stat.S_ISREG(st.st_mode):
            raise FuzzError(f"corpus {path}: {entry.name} is not a regular file")
        if st.st_size > MAX_INPUT:
            raise FuzzError(f"corpus {path}: {entry.name} is {st.st_size} bytes, "
                            f"larger than the {MAX_INPUT}-byte limit")
        try:
            with open(entry, "rb") as f:
                f.read(1)
        except OSError as e:
            raise FuzzError(f"corpus {path}: {entry.name}: {e.strerror}")
        files.append(entry)
    if not files and not allow_empty:
        raise FuzzError(f"corpus {path}: empty (no seed files)")
    return files


def check_dict(path):
    """A dictionary in AFL/libFuzzer format: name="value" lines, # comments."""
    path = Path(path)
    try:
        text = path.read_text(errors="strict")
    except (OSError, UnicodeDecodeError) as e:
        raise FuzzError(f"dictionary {path}: {getattr(e, 'strerror', None) or e}")
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if any(not ch.isprintable() for ch in s):
            raise FuzzError(f"dictionary {path}:{n}: raw control character (write it as \\xNN)")
        if s and not s.startswith("#") and not re.match(r'^([A-Za-z0-9_]+=)?"([^"\\]|\\.)*"$', s):
            raise FuzzError(f"dictionary {path}:{n}: not a name=\"value\" line")


# --- one input, once, on the ASan+UBSan libFuzzer build: what went wrong and where ---
def run_input(binp, path, timeout=20, findings_dir=None, env=None):
    """Run one input through a libFuzzer binary: (exit status, output). -1 on a timeout.

    A world violation needs no symbolizer (triage reads the JSON line's stack, symbolized once per
    address by symbolize()); the sanitizer's own symbolizer, which costs most of a replay, is only
    asked for when there is a crash without that line (a sanitizer report, a signal)."""
    rc, out = _run_once(binp, path, timeout, findings_dir, env, symbolize=False)
    if re.search(r"ERROR: \w+Sanitizer|runtime error|deadly signal", out) and not world_json(out):
        rc, out = _run_once(binp, path, timeout, findings_dir, env, symbolize=True)
    return rc, out


def _run_once(binp, path, timeout, findings_dir, env, symbolize):
    full = dict(os.environ, ASAN_OPTIONS=f"detect_leaks=0:symbolize={int(symbolize)}",
                UBSAN_OPTIONS=f"print_stacktrace=1:symbolize={int(symbolize)}")
    full.update(env or {})
    full[CONTINUE_ENV] = "0"  # a replay reports and aborts, whatever the caller's environment says
    if findings_dir:
        full["GNTWORLD_FINDINGS"] = str(findings_dir)
    for attempt in range(120):
        try:
            r = subprocess.run([str(binp), "-runs=1", str(path)], env=full, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors="replace",
                               timeout=timeout)
            return r.returncode, r.stdout
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            return -1, out + "\n(timeout)\n"
        except OSError as e:  # a make elsewhere is relinking the binary (EACCES, ETXTBSY, ENOENT)
            if attempt == 119:
                raise FuzzError(f"cannot run {rel(binp)}: {e.strerror}")
            time.sleep(0.5)


# The one spelling of each invariant (harness/oracle/oracle.c, oracle_inv_name).
_INV_NAMES = {}


def inv_names():
    """{number: name} of the oracle's invariants, asked from the world (`gntworld list invariants`,
    any variant's binary), never written down here."""
    if not _INV_NAMES:
        for w in sorted((BUILD / "world").glob("*/*/gntworld")):
            r = subprocess.run([str(w), "list", "invariants"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
            if r.returncode == 0:
                for line in r.stdout.splitlines():
                    num, name, _ = line.split(" ", 2)
                    _INV_NAMES[int(num)] = name
                break
    return _INV_NAMES


# --- symbolizing the world's stack: which frames are the library's ---
_sym_cache = {}   # (binary, mtime, address) -> [(function, file)], innermost inlined frame first


def _symbolizer():
    # llvm-addr2line takes addr2line's options and reads clang's DWARF 5 inline records, which
    # GNU addr2line 2.40 does not (it names the outer function of an inlined frame).
    return shutil.which("llvm-addr2line") or shutil.which("addr2line")


def symbolize(binp, addrs, env=None):
    """[[(function, file), ...] per address] with `addr2line -f -i -e binp`: one call for all the
    addresses not seen before in this binary. The addresses are return addresses (offsets into
    the binary): the call is one byte before, which is what gets looked up (the right line, and
    the right inlined function when the call is the last instruction of one)."""
    binp = str(binp)
    try:
        mtime = os.stat(binp).st_mtime_ns
    except OSError:
        return [[] for _ in addrs]
    todo = [a for a in dict.fromkeys(addrs) if (binp, mtime, a) not in _sym_cache]
    tool = _symbolizer()
    if todo and tool:
        full = dict(os.environ)
        full.update(env or {})
        lookups = [hex(max(int(a, 16) - 1, 0)) for a in todo]
        try:
            r = subprocess.run([tool, "-a", "-f", "-i", "-e", binp, *lookups], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, errors="replace", timeout=120, env=full)
            out = r.stdout.splitlines()
        except (OSError, subprocess.TimeoutExpired):
            out = []
        groups, cur = {}, None
        i = 0
        while i < len(out):
            line = out[i].strip()
            if re.fullmatch(r"0x[0-9a-fA-F]+", line):
                cur = groups.setdefault(int(line, 16), [])
                i += 1
                continue
            if cur is not None and i + 1 < len(out):
                loc = out[i + 1].strip()
                cur.append((line, loc.rsplit(":", 1)[0] if ":" in loc else loc))
            i += 2
        for a, look in zip(todo, lookups):
            _sym_cache[(binp, mtime, a)] = groups.get(int(look, 16), [])
    return [_sym_cache.get((binp, mtime, a), []) for a in addrs]


def _target_dirs():
    """Where library code lives: the repository, and TARGET=<dir> (out of tree) when given."""
    dirs = [ROOT]
    t = os.environ.get("TARGET", "").strip()
    if t:
        dirs.append(Path(os.path.normpath(t if os.path.isabs(t) else ROOT / t)))
    return dirs


def is_target_file(path):
    """A source file of the library under test (or its adapter): inside the repository or the
    TARGET dir, not under harness/ (the world, oracle, seam hooks, fuzz targets), and existing
    (a libc or engine path that means nothing here is not one)."""
    if not path or path.startswith("?"):
        return False
    p = Path(os.path.normpath(path if os.path.isabs(path) else ROOT / path))
    if not p.is_file():
        return False
    harness = ROOT / "harness"
    if p == harness or harness in p.parents:
        return False
    return any(d == p or d in p.parents for d in _target_dirs())


def target_frames(binp, stack, env=None):
    """The library's function names in a world stack (hex offsets, innermost first), innermost
    first, inlined frames included. Where the world gives no `library_frames` (an older world):
    a frame is the library's or its adapter's when its source file is (is_target_file)."""
    names = []
    for frames in symbolize(binp, stack, env=env):
        names += [fn for fn, file in frames if is_target_file(file) and fn and fn != "??"]
    return names


def _foreign_inline(file):
    """An inlined frame that is not the library's own code although the library's text holds it: a
    system header's inline function (memset, byte swaps), or a harness header's."""
    if not file or file.startswith("?"):
        return True
    p = os.path.normpath(file if os.path.isabs(file) else ROOT / file)
    harness = str(ROOT / "harness")
    return p.startswith(("/usr/", harness + os.sep))


def library_frame_names(binp, library_frames, env=None):
    """[[function, ...] per library frame], each the library functions at that return address,
    innermost inlined first. The world placed the library's own code (not its adapter, not a
    shim) in a text section of its own and lists only the frames in it (`library_frames`), so no
    source path decides what is the library's. Inlined frames from system or harness headers are
    left out; an address nothing symbolizes gives []."""
    out = []
    for frames in symbolize(binp, library_frames, env=env):
        names = [fn for fn, file in frames if fn and fn != "??" and not _foreign_inline(file)]
        if not names and frames and frames[-1][0] not in ("", "??"):
            names = [frames[-1][0]]  # the function the address is in, whatever it inlined
        out.append(list(dict.fromkeys(names)))
    return out


def library_signature(binp, library_frames, env=None):
    """The root cause in the library's terms: its innermost frame where the world caught the
    violation, symbolized: the library function the address is in and, when it was inlined, the
    library functions it was inlined into there (`reclaim<-gnt_unshare`: the inlined helper and
    the call site). None when no frame symbolizes. The adapter's and the harness's frames are
    not library frames, so the road into the library (peer done, target unshare, tick) is not
    part of it."""
    for names in library_frame_names(binp, library_frames, env=env):
        if names:
            return "<-".join(names[:3])
    return None


def world_json(output):
    """The `gntworld-json:` line of a world target's output, parsed, or None."""
    m = re.search(r"^gntworld-json: (\{.*\})[ \t]*$", output, re.M)
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except ValueError:
        return None


def normalize_message(msg):
    """A message with its numbers (decimal, hex, refs, frames) replaced by N."""
    return re.sub(r"\s+", " ", re.sub(r"0x[0-9a-fA-F]+|\d+", "N", msg)).strip()


def _asan_frames(output):
    """[(function, file)] of a sanitizer report's first stack."""
    frames, started = [], False
    for m in re.finditer(r"^\s*#(\d+) 0x[0-9a-f]+(?: in (.*))?$", output, re.M):
        if m.group(1) == "0" and started:
            break  # the next stack: where the memory was allocated or freed
        started = True
        rest = (m.group(2) or "").strip()
        if not rest or rest.endswith(")") and " (" in rest:  # "fn(args) (module+0x...)": no source
            frames.append((rest.split(" (")[0].split("(")[0], ""))
            continue
        fn, _, loc = rest.partition(" ")
        frames.append((fn, re.sub(r"(:\d+)+$", "", loc)))
    return frames


def _runtime_frame(fn):
    """libc, the sanitizers' and libFuzzer's own frames."""
    return fn.startswith(("_", "fuzzer")) or fn in ("main", "abort", "raise")


def crash_headline(j):
    """The headline of a world violation: for a crash of library code (invariant 4 with a
    `crash` object) the library's own last log line (its panic message) and the signal; else
    the world's message."""
    crash = j.get("crash") if isinstance(j.get("crash"), dict) else None
    msg = (j.get("message") or j.get("sentence") or "").strip()
    if not crash:
        return msg
    last = str(crash.get("last_log") or "").strip()
    sig = crash.get("signal")
    sig = (f"signal {sig}" if isinstance(sig, int) else str(sig or "")).strip()
    return f"{last} ({sig})" if last and sig else last or (f"{msg} ({sig})" if msg and sig else msg or sig)


def world_signature(j, binp=None, env=None):
    """The signature of a world violation (its `gntworld-json:` object): see classify."""
    lib = j.get("library_frames")
    if isinstance(lib, list):  # the world told the library's own frames apart
        sig = library_signature(binp, lib, env=env) if binp and lib else None
        if sig:
            return sig
        if lib and j.get("key"):  # frames but no symbolizer: the world's own key
            return f"key: {j['key']}"
    elif binp:  # an older world: the stack, filtered by source path
        frames = target_frames(binp, j.get("stack") or [], env=env)
        if frames:
            return "<-".join(frames[:2])
    crash = j.get("crash") if isinstance(j.get("crash"), dict) else None
    if crash:  # a crash with no library frame: the library's message class, else the signal
        what = normalize_message(str(crash.get("last_log") or "")) or f"signal {crash.get('signal')}"
        return "crash: " + what
    return "msg: " + normalize_message(j.get("message") or j.get("sentence") or "")


def world_key(output):
    """The world's root-cause key of a violation (hex), or None (no JSON line, an older world)."""
    j = world_json(output)
    return str(j["key"]) if j and j.get("key") else None


def classify(output, binp=None, env=None):
    """(invariant, signature, headline) of a crashing run's output, or None if it did not crash.

    One bug, one finding, in the library's terms. A world violation is read from the
    `gntworld-json:` line: the signature is the library's innermost frame where the world caught
    it (`library_frames`, symbolized in the binary that ran it, `binp`: the library function and
    the library functions it is inlined into there), whatever the input, the adapter or the shim
    around it; an older world without `library_frames`: the two innermost frames whose source is
    the library's or its adapter's. If no library frame was on the stack (the world caught it
    itself: at a peer's map, at the end-of-run check) the signature is the message with its
    numbers replaced by N. A crash of library code (invariant 4 with `crash`) has the library's
    last log line, its panic message, as headline. A sanitizer crash (invariant 4) is grouped by
    kind and the library's top frames; a non-world target's own check by its message.
    """
    j = world_json(output)
    if j and j.get("verdict") == "violation" and j.get("invariant"):
        inv = int(j["invariant"])
        name = j.get("name") or inv_names().get(inv, "unknown")
        return f"inv{inv}-{name}", world_signature(j, binp, env=env), crash_headline(j)
    m = re.search(r"^VIOLATION ([a-z-]+): (.*?)(?: frame=\S+)?(?: ref=\d+)?\ninvariant (\d+):", output, re.M)
    if m:  # a world report without its JSON line: the message only
        inv = int(m.group(3))
        headline = m.group(2).strip()
        return f"inv{inv}-{m.group(1)}", "msg: " + normalize_message(headline), headline
    m = re.search(r"ERROR: (AddressSanitizer|LeakSanitizer): ([\w-]+)", output) \
        or re.search(r"(runtime error): ([^\n]{0,80})", output)
    if m:
        kind = re.sub(r"\W+", "-", m.group(2).split(" ")[0]).strip("-") if m.group(1) == "runtime error" \
            else m.group(2)
        frames = _asan_frames(output)
        lib = [fn for fn, file in frames if is_target_file(file)][:3]
        top = lib or [fn for fn, _ in frames if not _runtime_frame(fn)][:3]
        return f"inv4-sanitizer-{kind}", ",".join(top) or "-", m.group(0)
    m = re.search(r"^([a-z_]*fuzz[a-z_]*): ([^\n]*)$", output, re.M)
    if m:  # a target's own check (round trip, resources held after the clients left)
        return f"check-{m.group(1)}", "msg: " + normalize_message(m.group(2)), m.group(0)
    m = re.search(r"deadly signal|SEGV|(?<!-)timeout|Aborted", output)
    if m:
        frames = [fn for fn, _ in _asan_frames(output) if not _runtime_frame(fn)][:3]
        return "crash", ",".join(frames) or "-", m.group(0)
    return None


def replay_text(output):
    """The scenario a world target ran, as its found() printed it; else the report's replay."""
    m = re.search(r"^fuzz input as a scenario:\n(.*?)^end of scenario$", output, re.M | re.S)
    if m:
        return m.group(1)
    m = re.search(r"^replay \(gntworld run FILE\.scn\):\n(.*?)(?:\n(?:==|MS:|SUMMARY|INFO:|gntworld-json:|\s*#\d)|\Z)",
                  output, re.M | re.S)
    return m.group(1).rstrip() + "\n" if m else None


# --- scenarios: text <-> binary, and the smallest scenario that is still the same finding ---
def scnconv():
    """build/fuzz/tools/scnconv, built when missing."""
    conv = FUZZ_OUT / "tools" / "scnconv"
    if not conv.exists():
        build([conv])
    return conv


def encode_scenario(text):
    """The binary fuzz input of a scenario text (the world's own codec), or None if it does not parse."""
    conv = scnconv()
    fd, tmp = tempfile.mkstemp(prefix="gntfuzz-", suffix=".scn")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        r = subprocess.run([str(conv), "encode", tmp], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return r.stdout if r.returncode == 0 else None
    finally:
        os.unlink(tmp)


_STEP_AT = re.compile(r"^at \d+\s+(\S.*)$")


def split_scenario(text):
    """(config line or None, [step lines]) of a scenario text: comments and blank lines dropped."""
    config, steps = None, []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("config") and config is None and not steps:
            config = line
        else:
            steps.append(line)
    return config, steps


def join_scenario(config, steps):
    return "".join(f"{l}\n" for l in ([config] if config else []) + list(steps))


def minimize_scenario(text, same, deadline=None, first_cut=None, max_tries=600):
    """The smallest scenario (text) found that is still the same finding, or None when the text
    itself is not. `same(text)` replays a candidate: True when the finding's signature still
    reproduces. Tried, each kept only when `same` says so: cutting everything after the step that
    detected it (`first_cut`: that step's number), dropping runs of steps (halves, then smaller,
    from the end), and dropping `at K` prefixes (a queued move becomes a plain step; its point
    may never have come, then the prefix did nothing); again until nothing more goes or the
    deadline (time.monotonic()) or max_tries replays are reached. No-op steps do not survive: a
    step whose removal keeps the finding is removed."""
    config, steps = split_scenario(text)
    tries = [0]

    def ok(cand):
        if not cand or (deadline is not None and time.monotonic() > deadline) or tries[0] >= max_tries:
            return False
        tries[0] += 1
        return bool(same(join_scenario(config, cand)))

    if not ok(steps):
        return None
    if first_cut and 0 < first_cut < len(steps) and ok(steps[:first_cut]):
        steps = steps[:first_cut]
    changed = True
    while changed:
        changed = False
        size = max(1, len(steps) // 2)
        while size >= 1:
            i = len(steps) - size
            while i >= 0:
                cand = steps[:i] + steps[i + size:]
                if ok(cand):
                    steps, changed = cand, True
                i = min(i, len(steps)) - size
            size //= 2
        for i in range(len(steps)):
            m = _STEP_AT.match(steps[i])
            if m:
                cand = steps[:i] + [m.group(1)] + steps[i + 1:]
                if ok(cand):
                    steps, changed = cand, True
        if (deadline is not None and time.monotonic() > deadline) or tries[0] >= max_tries:
            break
    return join_scenario(config, steps)


def short_hash(s):
    return hashlib.sha1(s.encode() if isinstance(s, str) else s).hexdigest()[:8]


def file_hash(path):
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def memory_models():
    """The CPU memory models (sc, tso, arm) in config and binary order, asked from the codec's one
    table (`scnconv list-memory`, built when missing)."""
    conv = FUZZ_OUT / "tools" / "scnconv"
    if not conv.exists():
        build([conv])
    out = subprocess.run([str(conv), "list-memory"], stdout=subprocess.PIPE, text=True, check=True).stdout
    return [line.split()[1] for line in out.splitlines() if len(line.split()) == 2]


def readable(target, path, output=None):
    """The input as text a person can read: for the world targets the scenario the world ran (from
    its report when there is one: the workload target folds steps), else the decoded bytes."""
    data = Path(path).read_bytes()
    if target in WORLD_TARGETS:
        text = replay_text(output) if output else None
        if text:
            return text
        conv = FUZZ_OUT / "tools" / "scnconv"
        if not conv.exists():
            try:
                build([conv])
            except FuzzError:
                pass
        if conv.exists():
            r = subprocess.run([str(conv), "decode", str(path), "--target", target], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors="replace")
            if r.returncode == 0:
                return r.stdout
        return f"(no decoder; {len(data)} bytes, hex) {data[:64].hex()}"
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("unicode_escape").decode()
