"""fuzzcommon - what the fuzz drivers share: paths, building binaries, corpus checks, running an
input once, and classifying a finding by invariant and frame-history signature.

Standard library only. Every error a user can cause is a FuzzError with a one-line message; the
drivers print it and exit non-zero.
"""
import ctypes
import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BUILD", "build"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
FUZZ_OUT = BUILD / "fuzz"
CORPORA = ROOT / "corpora" / "fuzz"
MAX_INPUT = 1 << 20          # bigger corpus files are refused (the replay driver's cap too)
ENGINES = ("afl", "libfuzzer")
WORLD_TARGETS = ("world", "workload")   # inputs are binary scenarios
AFL_ENV = {"AFL_SKIP_CPUFREQ": "1", "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1",
           "AFL_NO_AFFINITY": "1", "AFL_NO_UI": "1", "AFL_QUIET": "1"}


class FuzzError(Exception):
    """A one-line, user-facing error."""


def die(prog, err):
    print(f"{prog}: error: {err}", file=sys.stderr, flush=True)
    sys.exit(2)


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


def kill_orphans(keep=()):
    """SIGKILL and reap every child of ours that is not a process we still run (`keep`: pids)."""
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in keep:
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] != me:  # ppid
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


# --- building ---
def binary(engine, target, mutant=0):
    return FUZZ_OUT / engine / f"{target}-m{mutant}"


def build(paths):
    """Build binaries through harness/fuzz/fuzz.mk; one-line error on failure."""
    rel = [os.path.relpath(p, ROOT) for p in paths]
    r = subprocess.run(["make", "-s", "--no-print-directory", "-j2", *rel], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    if r.returncode != 0:
        lines = [l for l in r.stdout.splitlines() if l.strip()]
        errs = [l for l in lines if "error" in l.lower()] or lines or ["(no output)"]
        raise FuzzError(f"building {' '.join(rel)} failed: {errs[0].strip()}")


def make_query(var_target):
    r = subprocess.run(["make", "-s", "--no-print-directory", var_target], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.stdout.split() if r.returncode == 0 else []


def fuzz_targets():
    """The targets whose code has landed (fuzz.mk offers only those), without the empty one."""
    return [t for t in make_query("fuzz-list-targets") if t != "empty"]


def mutants():
    """[(id, name, summary)] from grants/mutants.def."""
    out = []
    for line in (ROOT / "grants" / "mutants.def").read_text().splitlines():
        m = re.match(r'MUTANT\((\d+),\s*([a-z0-9_]+),\s*"(.*)"\)', line)
        if m:
            out.append((int(m.group(1)), m.group(2), m.group(3)))
    return out


def mutant_id(spec):
    """A mutant given by id or name; 0/none/fixed is the real library."""
    if str(spec).lower() in ("0", "none", "fixed"):
        return 0
    for mid, name, _ in mutants():
        if str(spec) in (str(mid), name):
            return mid
    raise FuzzError(f"unknown mutant {spec!r} (see `make mutants`)")


def require_tool(name, package):
    if not shutil.which(name):
        raise FuzzError(f"{name} not found: install package {package} (make deps)")


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
def run_input(target, mutant, path, timeout=20, findings_dir=None):
    binp = binary("libfuzzer", target, mutant)
    env = {"ASAN_OPTIONS": "detect_leaks=0:symbolize=1", "UBSAN_OPTIONS": "print_stacktrace=1"}
    if findings_dir:
        env["GNTWORLD_FINDINGS"] = str(findings_dir)
    try:
        r = subprocess.run([str(binp), "-runs=1", str(path)], env={**os.environ, **env},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           text=True, errors="replace", timeout=timeout)
        return r.returncode, r.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return -1, out + "\n(timeout)\n"


INV_NAMES = {1: "free-while-mapped", 2: "regrant-while-mapped", 3: "wrong-frame",
             4: "sanitizer", 5: "lost"}


def classify(output):
    """(invariant, signature, headline) of a crashing run's output, or None if it did not crash.

    The world's report names the invariant and the frame's history; the signature is the sequence
    of event kinds in that history, repeats collapsed (not frame or ref numbers, which differ
    between duplicates). Crashes outside the oracle are grouped by sanitizer kind and top frames.
    """
    m = re.search(r"^VIOLATION of invariant (\d+): ?(.*)$", output, re.M)
    if m:
        inv = int(m.group(1))
        hist = history_kinds(output)
        what = re.search(r"^what happened: (.*)$", output, re.M)
        headline = what.group(1) if what else m.group(2)
        sig = short_hash(" ".join(hist)) + (":" + ",".join(hist) if hist else "")
        return f"inv{inv}-{INV_NAMES.get(inv, 'unknown')}", sig, headline.strip()
    m = re.search(r"ERROR: (AddressSanitizer|LeakSanitizer): ([\w-]+)", output) \
        or re.search(r"(runtime error): ([^\n]{0,80})", output)
    if m:
        frames = re.findall(r"#\d+ 0x[0-9a-f]+ in (\w+)", output)
        frames = [f for f in frames if not f.startswith(("__", "fuzzer"))][:3]
        kind = m.group(2).split()[0] if m.group(1) == "runtime error" else m.group(2)
        return f"inv4-sanitizer-{kind}", short_hash(" ".join(frames)) + ":" + ",".join(frames), m.group(0)
    m = re.search(r"^([a-z_]*fuzz[a-z_]*): ([^\n]*)$", output, re.M)
    if m:  # a target's own check (round trip, resources held after the clients left)
        what = re.sub(r"\d+", "N", m.group(2))
        return f"check-{m.group(1)}", short_hash(what), m.group(0)
    m = re.search(r"deadly signal|SEGV|(?<!-)timeout|Aborted", output)
    if m:
        frames = [f for f in re.findall(r"#\d+ 0x[0-9a-f]+ in (\w+)", output)
                  if not f.startswith(("__", "fuzzer"))][:3]
        return "crash", short_hash(" ".join(frames)) + ":" + ",".join(frames), m.group(0)
    return None


# History events that do not change who owns the page or the grant: left out of signatures, so
# that inputs differing only in peer reads, copies or entry stores group together.
NOISE_KINDS = {"entry store", "peer read", "peer write", "peer copy", "write"}


def history_kinds(output):
    """The shape of the violating frame's story in a world report: event kinds from its last grant
    on ('  step 3    peer map     r9 rw' -> 'peer map'), noise left out, each kind once."""
    kinds = []
    in_hist = False
    for line in output.splitlines():
        if line.startswith("history of frame"):
            in_hist = True
            continue
        if in_hist:
            m = re.match(r"^\s+step\s+\d+\s+(\S+(?: \S+)*)", line)
            if not m:
                break
            kinds.append(m.group(1))
    if "grant" in kinds:
        kinds = kinds[len(kinds) - 1 - kinds[::-1].index("grant"):]
    shape = []
    for k in kinds:
        if k not in NOISE_KINDS and k not in shape:
            shape.append(k)
    return shape


def replay_text(output):
    """The scenario a world target ran, as its found() printed it; else the report's replay."""
    m = re.search(r"^fuzz input as a scenario:\n(.*?)^end of scenario$", output, re.M | re.S)
    if m:
        return m.group(1)
    m = re.search(r"^replay \(gntworld run FILE\.scn\):\n(.*?)(?:\n(?:==|MS:|SUMMARY|INFO:|\s*#\d)|\Z)",
                  output, re.M | re.S)
    return m.group(1).rstrip() + "\n" if m else None


def short_hash(s):
    return hashlib.sha1(s.encode()).hexdigest()[:8]


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
            r = subprocess.run([str(conv), "decode", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors="replace")
            if r.returncode == 0:
                return r.stdout
        return f"(no decoder; {len(data)} bytes, hex) {data[:64].hex()}"
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("unicode_escape").decode()
