"""The device phases of a nested-Xen run (gntfuzz-peer --device vbd|vif): what nested.py's parser
collects per session, the verdicts, and the per-frontend report.

Frontends: Linux's own xen-blkfront and xen-netfront (label linux, unmodified Debian modules, kept
busy by linux-devio in the domU), and ours in the PVH guest (labels vbd-<lib>-<mutant>,
vif-<lib>-<mutant>), and a user's guest (label guest, GUEST=<xl.cfg>: black-box as Linux's, or as
ours when its cfg names one of our variants; its plan line "guest-info" says which). Verdict rules:
  - every session runs to the peer's verdict line, with an exit code that agrees (0 held, 3 caught);
  - honest sessions did I/O and, on Linux and our fixed builds, are clean (no peer observation, no
    oracle violation, no corruption seen inside); a mutant may be caught even then (an honest
    blkback keeps persistent grants mapped, by protocol);
  - Linux under a lying backend: whatever it does is reported; not holding is a FINDING (the log
    and the replay commands are printed), never a failure of the harness;
  - ours: a fixed build holds under every strategy; a mutant is caught by at least one.
"""
import re

OBS = re.compile(r"^peer: [A-Z][A-Z-]+ ")          # peer: REUSED-READ device=vbd ref=...
# not a catch, and not counted by the peer either: a page granted for a packet also holds bytes
# outside it that the backend can read (Linux's netfront grants whole pages to a trusted backend)
EXPOSED = re.compile(r"^peer: EXPOSED ")
DEVIO_BAD = ("CHANGED-AFTER-DONE",)                 # reuse seen from inside: the frontend's fault
DEVIO_NOTE = ("CORRUPT", "STUCK", "state frontend=", "kmsg ", "failed", "cannot", "appeared as", "removed")
FRONTEND = {("linux", "vbd"): "Linux xen-blkfront (Debian's module, unmodified)",
            ("linux", "vif"): "Linux xen-netfront (Debian's module, unmodified)"}


def kv(text):
    return dict(m.groups() for m in re.finditer(r"([\w-]+)=(\S+)", text))


def new_session(kind, strategy, devid, t):
    return {"kind": kind, "strategy": strategy, "devid": devid, "t0": t, "t1": None, "rc": None,
            "verdict": None, "obs": [], "violations": [], "oracle": None, "console": [], "guest": [],
            "result": None, "other": [], "wedged": False, "skipped": None, "crashed": False, "exposed": []}


def session_line(st, line):
    """A dom0 line printed while a device session runs."""
    if line.startswith("peer: verdict"):
        st["verdict"] = kv(line)
    elif EXPOSED.match(line):
        st["exposed"].append(line)
    elif OBS.match(line):
        st["obs"].append(line)
    elif line.startswith("oracle: VIOLATION"):
        st["violations"].append(line)
    elif line.startswith("oracle: summary"):
        st["oracle"] = kv(line)
    elif line.startswith(("peer:", "gntfuzz-peer:")):
        st["other"].append(line)


def guest_line(st, text):
    """A PVH guest's (dN) line during its session."""
    st["guest"].append(text)
    if "RESULT:" in text:
        st["result"] = text


def frontend_name(label, kind, variant):
    if label == "linux":
        return FRONTEND[("linux", kind)]
    return f"our {'blkfront' if kind == 'vbd' else 'netfront'} on {variant} (PVH guest, {label})"


def guest_frontend(info, kind):
    """The report's name of a user guest's frontend (GUEST=)."""
    what = "disk (blkfront)" if kind == "vbd" else "network (netfront)"
    who = f"our PVH guest on {info['variant']}" if info.get("variant", "-") != "-" else "the user's guest"
    restore = info.get("restore", "0")   # dom0-guest.sh's mode (GUEST_RESTORE)
    how = "a restored copy of the booted guest per strategy, device hot-plugged" if restore == "1" else \
        f"a fresh paused-created guest per strategy (restore mode failed: {restore[7:]})" \
        if restore.startswith("failed-") else "a fresh guest per strategy"
    return f"{who}'s {what}: GUEST {info.get('name', '?')} ({info.get('type', '?')}), {how}"


def devio_stats(st):
    """linux-devio's last counters for this session's device (its lines name vbd-N / vif-N)."""
    name = f"{st['kind']}-{st['devid']}"
    stats, lines = {}, []
    for x in st["console"]:
        if not x.startswith("devio: "):
            continue
        body = x[len("devio: "):]
        if body.startswith(name + " ") and re.search(r" (io|net|END) ", body):
            stats = kv(body)
        if body.startswith(name + " ") or body.startswith("kmsg "):
            lines.append(body)
    return stats, lines


def assess(label, st, must_hold, is_honest, bb=None):
    """(state word, caught?, evidence lines, problems) for one session. problems are reasons
    the harness itself failed (not findings). bb: a frontend we did not write (Linux's, a user
    guest's): judged black-box, not holding is a finding."""
    bb = label == "linux" if bb is None else bb
    problems, evidence = [], []
    v = st["verdict"]
    if v is None or st["rc"] not in (0, 3):
        problems.append(f"ran to the peer's verdict (rc={st['rc']}, verdict line {'present' if v else 'missing'})")
        return "NO-VERDICT", False, evidence, problems
    result = v.get("result")
    if result in ("held", "caught") and (st["rc"] == 3) != (result == "caught"):
        problems.append(f"peer exit code {st['rc']} disagrees with its verdict result={result}")
    if st["oracle"] is None:
        problems.append("the outside oracle reported (no oracle summary)")
    inside_bad = []
    if bb:
        stats, lines = devio_stats(st)
        for body in lines:
            if any(w in body for w in DEVIO_BAD):
                inside_bad.append("domU: " + body)
            elif any(w in body for w in DEVIO_NOTE):
                evidence.append("domU: " + body)
        corrupt = int(stats.get("corrupt", "0"))
        # a user's guest need not run linux-devio: then the frontend's connection is what shows
        if is_honest and (label == "linux" or lines):
            did = int(stats.get("verified", stats.get("replies", "0")))
            if did == 0:
                problems.append(f"honest service: linux-devio saw no completed I/O on {st['kind']}-{st['devid']} "
                                f"({' '.join(f'{k}={x}' for k, x in stats.items()) or 'no counters'})")
            if corrupt:
                problems.append(f"honest service: linux-devio saw {corrupt} corrupt transfers")
        if stats:
            evidence.insert(0, "domU counters: " + " ".join(f"{k}={x}" for k, x in stats.items()))
    else:
        inside_bad = [("guest: " + x) for x in st["guest"] if "VIOLATION" in x]
        evidence += [("guest: " + st["result"])] if st["result"] else ["guest: no RESULT line"]
        evidence += [("guest: " + x) for x in st["guest"] if x.startswith("pvh: device ")]
        if is_honest and must_hold and "RESULT: DONE" not in (st["result"] or ""):
            problems.append(f"honest service: our frontend did not finish cleanly ({st['result'] or 'no RESULT line'})")
        elif "RESULT: DONE" not in (st["result"] or ""):
            # a mutant's guest may die of the bug itself: an honest backend writes read data into
            # persistent grants the library already freed and reused (its allocator's own links)
            evidence.append("guest did not finish: on a mutant, memory it reused while still mapped may be why")
    caught = result == "caught" or bool(st["obs"]) or bool(st["violations"]) or bool(inside_bad)
    exposure = [f"exposure (not a catch): {len(st['exposed'])} granted page(s) held bytes outside the request, "
                f"e.g. {st['exposed'][0][len('peer: '):]}"] if st["exposed"] else []
    evidence = st["obs"][:3] + st["violations"][:3] + inside_bad[:3] + exposure + evidence
    if is_honest:
        # a mutant may be caught even by an honest backend: it holds persistent grants mapped by
        # protocol, and a frontend that ignores a failed end reuses them
        if caught and (must_hold or bb):
            problems.append("honest service must be clean (peer observations "
                            f"{len(st['obs'])}, oracle violations {len(st['violations'])}, inside {len(inside_bad)})")
        if label == "guest" and bb and not devio_stats(st)[1]:
            if st["kind"] == "vbd" and int(v.get("connects", "0")) == 0:
                problems.append("honest service: the guest's frontend never connected (connects=0)")
        elif int(v.get("requests", "0")) == 0:
            problems.append(f"honest service: the frontend sent no requests (requests={v.get('requests')})")
    if must_hold and caught:
        problems.append("a fixed build must hold")
    word = ("FINDING" if bb else "CAUGHT") if caught else "HOLDS"
    return word, caught, evidence, problems


def judge_devices(run, targets, strategies, variant_of, log_path):
    """strategies: {"vbd", "vif" (Linux), "ours-vbd", "ours-vif": [...]}. Returns (checks, report lines,
    finding lines)."""
    checks, report, findings = [], [], []
    for label in targets:
        tg = run.targets.get(label)
        kinds = ["vbd", "vif"] if label == "linux" else [label.split("-", 1)[0]] \
            if label.startswith(("vbd-", "vif-")) else []
        if tg is None:
            continue
        lib, mut = variant_of(label)
        variant = "Linux" if label == "linux" else f"{lib}/{mut}"
        bb = label == "linux"
        if label == "guest":   # a user's guest (GUEST=): what the plan attacked, and whose it is
            info = tg.get("guest_info")
            checks.append((info is not None, "guest: the plan said what it attacks (guest-info line)"))
            info = info or {}
            kinds = [k for k in ("vbd", "vif") if info.get(k, "none") != "none"]
            variant = info.get("variant", "-")
            bb = variant == "-"
            lib, _, mut = ("guest/guest" if bb else variant).partition("/")
        for kind in kinds:
            want = strategies.get(kind if bb or label == "guest" else "ours-" + kind, strategies.get(kind, []))
            if not want:
                continue
            name = frontend_name(label, kind, variant) if label != "guest" else \
                guest_frontend(tg.get("guest_info", {}), kind)
            domid = tg.get("domid", "?")
            report.append(f"== {name}" + (f", domain {domid}" if label == "linux" else "")
                          + f": gntfuzz-peer --device {kind}")
            caught_in, wedged_in, died_in, bad = [], [], [], False
            for s in want:
                st = tg["devices"].get(f"{kind}/{s}")
                tag = f"{label}/{kind}/{s}"
                if st is None:
                    checks.append((False, f"{tag}: device session ran"))
                    report.append(f"  {s:16s} DID NOT RUN")
                    bad = True
                    continue
                honest = s == "honest"
                if st["skipped"]:
                    # not run: an earlier lying blkback wedged the Linux domU's xenbus (its finding)
                    report.append(f"  {s:16s} SKIPPED    not played: the domU's xenbus was wedged by {st['skipped']} "
                                  f"(fresh domUs: NESTED_LINUX_REBOOTS)")
                    checks.append((bb and not honest,
                                   f"{tag}: skipped, the domU's xenbus wedged by {st['skipped']}"))
                    continue
                word, caught, evidence, problems = assess(label, st, mut == "fixed", honest, bb)
                if st["crashed"]:
                    # the guest died under the session and no fresh one was left to retry it. Linux
                    # PVH domUs triple-fault under nested TCG even while booting, so this is not
                    # taken as a finding: a note for a lying backend, a failure for an honest one
                    problems = [p for p in problems if not p.startswith("ran to the peer's verdict")]
                    problems += [] if bb and not honest else ["the domU died during the session"]
                    evidence.insert(0, "CRASHED: the domU died during the session (Xen's log: 'Triple fault'; "
                                       "also seen at boot under nested TCG, so not counted as a finding)")
                    word = "CRASHED"
                    died_in.append(s)
                if st["wedged"] and not st["crashed"]:
                    evidence.insert(0, "WEDGED: after this session the domU took no further hot-plugged device "
                                       "(the frontend never closed, or the next device was never probed): a "
                                       "denial of service by the backend")
                    if bb and not caught:
                        word = "WEDGED"
                v = st["verdict"] or {}
                secs = f" ({st['t1'] - st['t0']:.1f}s)" if st["t0"] is not None and st["t1"] is not None else ""
                if st["wedged"] and honest:
                    problems.append("honest service: the domU wedged or crashed")
                o = st["oracle"] or {}
                report.append(f"  {s:16s} {word:10s} requests={v.get('requests', '?')} responses={v.get('responses', '?')} "
                              f"held={v.get('held', '?')} observations={v.get('observations', '?')} "
                              f"frontend={v.get('frontend', '?')} | oracle busy refs={o.get('distinct_busy_refs', '?')} "
                              f"violations={len(st['violations'])}{secs}")
                why = tg.get("retries", {}).get(f"{kind}/{s}")
                if why:
                    report.append(f"      played twice: the first {why}")
                for x in evidence[:8]:
                    report.append(f"      {x}")
                for x in st["other"][:3]:
                    report.append(f"      {x}")
                if caught:
                    caught_in.append(s)
                if st["wedged"]:
                    wedged_in.append(s)
                ok = not problems
                bad |= not ok
                what = f"{tag}: " + ("; ".join(problems) if problems else
                                     ("ran; FINDING: the frontend did not hold (see the report)" if bb and caught
                                      else f"ran ({word.lower()})"))
                checks.append((ok, what))
                replay = (f"make nested-xen GUEST=<cfg> NESTED_{kind.upper()}_STRATEGIES={s} "
                          f"NESTED_{'VIF' if kind == 'vbd' else 'VBD'}_STRATEGIES=") if label == "guest" else \
                    (f"make nested-xen NESTED_TARGETS=linux NESTED_STRATEGIES= NESTED_{kind.upper()}_STRATEGIES={s} "
                     f"NESTED_{'VIF' if kind == 'vbd' else 'VBD'}_STRATEGIES=")
                if bb and (caught or st["wedged"]) and not st["crashed"]:
                    findings += [f"FINDING: {name} " + ("did not hold" if caught else "wedged its domain's xenbus")
                                 + f" under gntfuzz-peer --device {kind} --strategy {s}",
                                 *(f"  {x}" for x in evidence[:6]),
                                 f"  log: {log_path or '(the judged log)'}",
                                 f"  replay nested: {replay}",
                                 f"  replay on a Xen host (dom0, root): gntfuzz-peer --device {kind} --target DOMID "
                                 f"--strategy {s}" + (" --image FILE" if kind == "vbd" else ""), ""]
            if not bb and mut != "fixed":
                checks.append((bool(caught_in), f"{label}: {variant} caught through our "
                                                f"{'blkfront' if kind == 'vbd' else 'netfront'} "
                                                f"(caught under: {', '.join(caught_in) or 'none'})"))
            if bb:
                verdict = (f"FINDING under {', '.join(caught_in)}" if caught_in else "holds under every strategy") + \
                    (f"; its xenbus wedged under {', '.join(wedged_in)}" if wedged_in else "")
            elif mut == "fixed":
                verdict = "CAUGHT (a fixed build must hold)" if caught_in else "holds under every strategy"
            else:
                verdict = f"caught under {', '.join(caught_in)}" if caught_in else "NOT CAUGHT"
            if died_in and len(died_in) == len(want):
                verdict = "NO VERDICT: the guest died under every strategy"
            elif died_in:   # "holds" speaks only of the sessions that ran to a verdict
                verdict = verdict.replace("holds under every strategy", "holds under every strategy played") + \
                    f"; the guest died, no verdict, under {', '.join(died_in)}"
            report.append(f"  => {name}: {verdict}" + (" (incomplete)" if bad else ""))
            report.append("")
    return checks, report, findings


def bench(run):
    out = []
    for label in run.order:
        for key, st in run.targets[label].get("devices", {}).items():
            if st["t0"] is not None and st["t1"] is not None:
                out.append(f"bench-nested: {label}/{key}: {st['t1'] - st['t0']:.2f} s")
    return out
