#!/usr/bin/env python3
"""Run the advisory on Xen: boot Xen + dom0 under QEMU (or use this host's dom0), let dom0 run
every peer strategy against every target, and judge the outcome from the serial log.

  nested.py run    --images DIR --logs DIR [--timeout S] [--bench]   boot QEMU, judge, report
  nested.py judge  LOG [--qemu-rc N] [--bench]                        judge a saved serial log
  nested.py real-host --bin DIR --cfg DIR [--targets ...]            real Xen: run dom0-plan.sh here

Verdicts never trust an exit code alone: QEMU must exit 33 (dom0 finished its plan and wrote
0x10 to isa-debug-exit) AND the log must hold every expected line. A hang is a failure at the
timeout. Expectations: a target built from a fixed library or Linux's own code must hold under
every strategy (no peer LEAK, no oracle VIOLATION, its secrets intact); the MSA02 mutant must be
caught under every forged-done strategy (peer LEAK and oracle VIOLATION) and stay clean under
the honest one. Expectations are keyed by mutant name and hold for every library that has a
mutant of that name. Prints TAP lines and writes a readable report next to the log.

Target labels: pvh-<library>-<mutant>[-v2], wl-<library>-<mutant>[-v2], vbd-<library>-<mutant>,
vif-<library>-<mutant>, linux; --variants (make's LIB/MUTANT list) tells where a label's library
ends, else the mutant is the label's last word. The device phases (gntfuzz-peer --device vbd|vif
against Linux's xen-blkfront/xen-netfront and our frontends) are judged by nested_devices.py;
--vbd-strategies/--vif-strategies "all" asks --peer's `--list vbd-strategies|vif-strategies`.
"""
import argparse
import os
import re
import subprocess
import sys
import time

import machine
import nested_devices
import snapshot

MARK = re.compile(r"=== GNTFUZZ \[([\d.]+)\] (\S+)(?: (.*))?$")
STAMP = re.compile(r"^\[\s*([\d.]+)\] ")
GUEST = re.compile(r"\(d(\d+)\) (.*)$")
FORGED = ("forged-done", "forged-ro", "storm")  # gntfuzz-peer's forged rounds strategies
# the rounds strategies that must catch each mutant (other mutants and strategies: reported only)
# and whether the outside oracle must see it too: ro_reading's bad end clears the whole flags word,
# Xen's GTF_reading included, so the entry no longer shows the map (Xen still holds it): only
# the peer can tell.
EXPECT_CAUGHT = {"msa02": (FORGED, True), "cve23041": (FORGED, True), "ro_reading": (("forged-ro",), False)}
CAUGHT_BY_FORGED = {"msa02"}  # for peer/'s strategies on the wl-* targets


def kv(text):
    return dict(m.groups() for m in re.finditer(r"(\w+)=(\S+)", text))


class Run:
    def __init__(self):
        self.targets = {}       # label -> dict
        self.order = []
        self.plan_complete = None
        self.t_first = None     # host seconds of the first line
        self.t_plan = None
        self.anomalies = []    # damaged marker lines
        self.cur_dev = None    # the device session running: its dict
        self.dev_by_domid = {}  # domid (str) -> the device session of that PVH guest


def unglue(lines):
    """Dom0 and Xen share the serial line: a guest's "(dN) ..." text can land at the end of a
    dom0 line that had no newline yet. Split those so both halves are seen (one may be a verdict)."""
    for raw in lines:
        raw = raw.rstrip("\n")
        m = STAMP.match(raw)
        stamp, line = (raw[:m.end()], raw[m.end():]) if m else ("", raw)
        g = GUEST.search(line)
        if g and g.start() > 0:
            yield stamp + line[:g.start()]
            yield stamp + line[g.start():]
        else:
            yield raw


def marker(run, domids, cur, what, rest, t, up=None):
    """Apply one '=== GNTFUZZ' marker; returns the current (label, strategy) or None. up: dom0's
    uptime the marker carries: a target played in the background is printed after the fact, so
    durations come from it (the host stamp t only for the whole run)."""
    host_t, t = t, (up if up is not None else t)
    if what == "target-start":
        tg = run.targets.setdefault(rest[0], {"strategies": {}, "guest": [], "errors": [], "devices": {},
                                              "t_start": t, "result": None, "totals": {}})
        run.order.append(rest[0])
    elif what == "target-domid":
        domids[rest[1]] = rest[0]
        run.targets[rest[0]]["domid"] = rest[1]
    elif what == "target-retry":
        run.targets[rest[0]]["errors"].append("retried: " + " ".join(rest[1:]))
        if len(rest) > 2:   # a device session played once more: its report says so
            run.targets[rest[0]].setdefault("retries", {})[f"{rest[1]}/{rest[2]}"] = " ".join(rest[3:]).strip("()")
    elif what == "target-error":
        run.targets[rest[0]]["errors"].append(" ".join(rest[1:]))
    elif what == "strategy-start":
        cur = (rest[0], rest[1])
        run.targets[rest[0]]["strategies"][rest[1]] = {"t0": t, "t1": None, "rc": None,
            "leaks": [], "violations": [], "verdict": None, "oracle": None}
    elif what == "strategy-end" and cur:
        st = run.targets[cur[0]]["strategies"][cur[1]]
        st["t1"] = t
        st["rc"] = int(rest[2].split("=")[1]) if len(rest) > 2 else None
        cur = None
    elif what == "device-start":
        f = kv(" ".join(rest[3:]))
        run.cur_dev = run.targets[rest[0]]["devices"][f"{rest[1]}/{rest[2]}"] = \
            nested_devices.new_session(rest[1], rest[2], f["devid"], up)
        if "domid" in f:   # a PVH guest of ours: a fresh domain per session, its (dN) lines are the session's
            run.dev_by_domid[f["domid"]] = run.cur_dev
    elif what == "device-end":
        st = run.targets[rest[0]]["devices"][f"{rest[1]}/{rest[2]}"]
        st["t1"], st["rc"] = up, int(rest[3].split("=")[1])
        run.cur_dev = None
    elif what == "device-wedged":
        run.targets[rest[0]]["devices"][f"{rest[1]}/{rest[2]}"]["wedged"] = True
    elif what == "device-crashed":
        run.targets[rest[0]]["devices"][f"{rest[1]}/{rest[2]}"]["crashed"] = True
    elif what == "device-skipped":
        st = run.targets[rest[0]]["devices"][f"{rest[1]}/{rest[2]}"] = \
            nested_devices.new_session(rest[1], rest[2], "-", up)
        st["skipped"] = nested_devices.kv(" ".join(rest[3:])).get("wedged-by", "?")
    elif what == "guest-info":   # the user's guest (GUEST=): its type, devices, whose code
        run.targets[rest[0]]["guest_info"] = kv(" ".join(rest[1:]))
    elif what == "target-end":
        run.targets[rest[0]]["t_end"] = t
    elif what == "plan-complete":
        run.plan_complete = kv(" ".join(rest))
        run.t_plan = host_t
    return cur


def parse(lines):
    lines = unglue(lines)
    run = Run()
    domids = {}
    cur = None      # (label, strategy) between strategy-start and strategy-end
    console_of = None
    dev_console = None   # the device session whose Linux console block is being read
    for raw in lines:
        raw = raw.rstrip("\n")
        m = STAMP.match(raw)
        t = float(m.group(1)) if m else None
        line = raw[m.end():] if m else raw
        if t is not None and run.t_first is None:
            run.t_first = t
        mk = MARK.search(line)
        if mk:
            try:
                cur = marker(run, domids, cur, mk.group(2), (mk.group(3) or "").split(), t, float(mk.group(1)))
            except (IndexError, KeyError, ValueError):
                run.anomalies.append(line)   # a damaged marker: reported, never a crash
            continue
        if line.startswith("----- device console gntfuzz-"):
            dev_console = run.cur_dev
            continue
        if line.startswith("----- end device console"):
            dev_console = None
            continue
        if dev_console is not None:
            dev_console["console"].append(line)
            continue
        if line.startswith("----- console of gntfuzz-"):
            console_of = line.split("gntfuzz-", 1)[1].split()[0]
            continue
        if line.startswith("----- end console"):
            console_of = None
            continue
        g = GUEST.search(line)
        if g and g.group(1) in domids:
            label = domids[g.group(1)]
            text = g.group(2)
            tg = run.targets[label]
            tg["guest"].append(text)
            if g.group(1) in run.dev_by_domid:
                nested_devices.guest_line(run.dev_by_domid[g.group(1)], text)
            if text.startswith("gntfuzz-pvh RESULT:"):
                tg["result"] = text
            elif text.startswith("gntfuzz-pvh totals:") or text.startswith("gntfuzz-pvh wl totals:"):
                tg["totals"] = kv(text)
            continue
        if console_of and console_of in run.targets:
            tg = run.targets[console_of]
            tg["guest"].append(line)
            if line.startswith("linux-target RESULT:"):
                tg["result"] = line
                tg["totals"] = kv(line)
            continue
        if run.cur_dev is not None:
            nested_devices.session_line(run.cur_dev, line)
        elif cur:
            st = run.targets[cur[0]]["strategies"][cur[1]]
            if line.startswith(("peer: LEAK", "peer: REUSED-", "peer: STALE-MAP")):
                st["leaks"].append(line)
            elif line.startswith("peer: verdict"):
                st["verdict"] = kv(line)
            elif line.startswith("oracle: VIOLATION"):
                st["violations"].append(line)
            elif line.startswith("oracle: summary"):
                st["oracle"] = kv(line)
    return run


def variant_of(label, variants=()):
    """(library, mutant) a target label names; ("linux", "linux") for the Linux target."""
    if label == "linux" or not label.startswith(("pvh-", "wl-", "vbd-", "vif-")):
        return (label, label)
    rest = label.split("-", 1)[1]
    rest = rest[:-3] if rest.endswith("-v2") else rest
    for v in variants:
        lib, _, mut = v.partition("/")
        if f"{lib}-{mut}" == rest:
            return (lib, mut)
    lib, _, mut = rest.rpartition("-")
    return (lib or "?", mut)


def judge(run, qemu_rc, strategies, targets, wl_strategies=(), variants=(), dev_strategies=None, log_path=None):
    """Returns (checks, report lines, finding lines); checks are (ok, name)."""
    checks, report = [], []
    for label in targets:
        checks.append((label in run.targets, f"{label}: target ran"))
    checks.append((not run.anomalies, f"serial-log markers intact ({len(run.anomalies)} damaged)"))
    if qemu_rc is not None:
        checks.append((qemu_rc == 33, f"QEMU exit code 33 (dom0 finished its plan), got {qemu_rc}"))
    checks.append((run.plan_complete is not None and run.plan_complete.get("failed") == "0",
                   "dom0 plan complete with every target created"))
    for label in run.order:
        if label.startswith(("vbd-", "vif-")) or label == "guest":
            continue  # device-only targets: nested_devices below
        tg = run.targets[label]
        lib, mut = variant_of(label, variants)
        code = "linux" if label == "linux" else f"{lib}/{mut}"
        must_hold = mut in ("fixed", "linux")
        res = tg["result"] or ""
        checks.append((res.split()[1:3] == ["RESULT:", "DONE"] if label == "linux" else "RESULT: DONE" in res,
                       f"{label}: target finished cleanly ({res or 'no RESULT line'})"))
        sg_bad = []
        if label != "linux":
            sg_ok = [x for x in tg["guest"] if x.startswith("pvh: ok - selfgrant")]
            sg_bad = [x for x in tg["guest"] if x.startswith("pvh: not ok - selfgrant")]
            if must_hold:
                checks.append((len(sg_ok) >= 10 and not sg_bad,
                               f"{label}: self-grant check on real Xen ({len(sg_ok)} ok, {len(sg_bad)} not ok)"))
            else:  # a mutant may fail it: that is the library caught by Xen itself (reported)
                checks.append((len(sg_ok) + len(sg_bad) >= 10,
                               f"{label}: self-grant check ran on real Xen ({len(sg_ok)} ok, {len(sg_bad)} not ok)"))
        report.append(f"target {label} (domid {tg.get('domid', '?')}, code: {code}): {res or 'no result line'}")
        for e in tg["errors"]:
            report.append(f"  note: {e}")
        for x in sg_bad[:2]:
            report.append(f"  self-grant on real Xen caught it: {x}")
        caught_any, incomplete = False, False
        wl_oracle_total = 0
        for s in (wl_strategies if label.startswith("wl-") else strategies):
            st = tg["strategies"].get(s)
            # gntfuzz-peer exits 3 when it caught the target (a peer of older logs: always 0)
            rc_ok = st is not None and st["rc"] in (0, 3)
            if st is None or st["verdict"] is None or st["oracle"] is None or not rc_ok:
                checks.append((False, f"{label}/{s}: strategy ran to its verdict (peer and oracle lines)"))
                report.append(f"  {s:12s} DID NOT RUN TO A VERDICT")
                incomplete = True
                continue
            leaks, viol = len(st["leaks"]), len(st["violations"])
            caught = leaks > 0 and viol > 0
            # (a verdict line cut by interleaved serial output has no result field: rc alone then)
            result = st["verdict"].get("result")
            if result in ("caught", "held") and (st["rc"] == 3) != (result == "caught"):
                checks.append((False, f"{label}/{s}: peer exit code agrees with its verdict line"))
            caught_any |= caught
            secs = (st["t1"] - st["t0"]) if st["t0"] is not None and st["t1"] is not None else None
            word = "CAUGHT" if caught else ("HOLDS" if leaks == 0 and viol == 0 else "DISAGREE")
            report.append(f"  {s:12s} {word:8s} peer leaks={leaks} oracle violations={viol} "
                          f"busy entries seen={st['oracle'].get('busy_entries_seen')}"
                          + (f" ({secs:.1f}s)" if secs is not None else ""))
            for x in (st["leaks"] + st["violations"])[:2]:
                report.append(f"      {x}")
            if must_hold:
                checks.append((leaks == 0 and viol == 0, f"{label}/{s}: holds (peer leaks={leaks}, oracle violations={viol})"))
            elif label.startswith("wl-") and mut not in CAUGHT_BY_FORGED:
                pass
            elif label.startswith("wl-") or mut in EXPECT_CAUGHT:
                if label.startswith("wl-"):
                    # gntfuzz-peer holds its maps only tens of ms here, so the sampling oracle is
                    # judged over all sessions below, the peer on forged-done itself
                    wl_oracle_total += viol
                    if s == "forged-done":
                        checks.append((leaks > 0 and st["rc"] == 3,
                                       f"{label}/{s}: MSA02 caught through the workload frontend "
                                       f"(peer observations: {leaks})"))
                elif s in EXPECT_CAUGHT[mut][0]:
                    seen = caught if EXPECT_CAUGHT[mut][1] else leaks > 0
                    caught_any |= seen
                    checks.append((seen, f"{label}/{s}: {mut} caught (peer read reused memory: {leaks}, "
                                         f"oracle violations: {viol})"))
                elif s == "honest":
                    checks.append((leaks == 0 and viol == 0, f"{label}/{s}: clean when the peer is honest"))
        if label.startswith("wl-") and mut in CAUGHT_BY_FORGED:
            checks.append((wl_oracle_total > 0, f"{label}: the outside oracle saw the reuse independently "
                                                f"({wl_oracle_total} violations over all sessions)"))
        if must_hold and not label.startswith("wl-"):
            corrupted = tg["totals"].get("corrupted", tg["totals"].get("secrets_corrupted"))
            checks.append((corrupted == "0", f"{label}: target secrets intact after every round (corrupted={corrupted})"))
            if mut == "fixed":
                busy = int(tg["totals"].get("busy", "0"))
                checks.append((busy > 0, f"{label}: the fix engaged (unshare answered BUSY {busy} times)"))
        report.append(f"  => {label}: " + (f"{'MSA02 REPRODUCED' if mut == 'msa02' else code} (caught)" if caught_any else
                                             "INCOMPLETE" if incomplete or "RESULT: DONE" not in res else "holds"))
    dchecks, dreport, findings = nested_devices.judge_devices(
        run, targets, dev_strategies or {}, lambda label: variant_of(label, variants), log_path)
    checks += dchecks
    if dreport:
        report += ["", "Standard PV devices: gntfuzz-peer as a malicious blkback/netback, per frontend", ""] + dreport
    return checks, report, findings


def bench(run, name=""):
    out = []
    what = f" ({name})" if name else ""
    if run.t_plan is not None:   # the serial log's stamps count from QEMU's start
        out.append(f"bench-nested: QEMU start to verdict{what} {run.t_plan:.1f} s")
    for label in run.order:
        tg = run.targets[label]
        if tg.get("t_start") is not None and tg.get("t_end") is not None:
            out.append(f"bench-nested: target {label}: {tg['t_end'] - tg['t_start']:.1f} s (create to destroy)")
        for s, st in tg["strategies"].items():
            if st["t0"] is not None and st["t1"] is not None:
                out.append(f"bench-nested: {label}/{s}: {st['t1'] - st['t0']:.2f} s")
    return out + nested_devices.bench(run)


def finish(lines, qemu_rc, strategies, targets, report_path, want_bench, wl_strategies=(), variants=(),
           dev_strategies=None, log_path=None, bench_name=""):
    run = parse(lines)
    checks, report, findings = judge(run, qemu_rc, strategies, targets, wl_strategies, variants, dev_strategies,
                                     log_path)
    failed = 0
    for ok, name in checks:
        print(("ok - " if ok else "not ok - ") + "nested-xen: " + name)
        failed += not ok
    if findings:
        findings = ["", "=" * 78, "FINDINGS in frontends we did not write (not harness failures; "
                    "kept with the log):", ""] + findings + ["=" * 78]
    text = "\n".join(["gntfuzz on Xen: MSA02 (forged done, reuse while mapped)", ""] + report + findings) + "\n"
    if report_path:
        with open(report_path, "w") as f:
            f.write(text)
    sys.stdout.write(text)
    if want_bench:
        print("\n".join(bench(run, bench_name)))
    return 1 if failed else 0


def peer_list(a, kind):
    """gntfuzz-peer --list <kind>-strategies: the one table. None (and a one-line error) if it cannot."""
    peer = a.peer or next((p for p in ("build/nested/bin/gntfuzz-peer", "build/peer/gntfuzz-peer")
                           if os.path.exists(p)), "gntfuzz-peer")
    try:
        p = subprocess.run([peer, "--list", f"{kind}-strategies"], capture_output=True, text=True, timeout=30)
    except OSError as e:
        print(f"nested: cannot ask {peer} for its {kind} strategies: {e.strerror}", file=sys.stderr)
        return None
    if p.returncode != 0:
        print(f"nested: cannot ask {peer} for its {kind} strategies: {p.stderr.strip() or 'exit %d' % p.returncode}",
              file=sys.stderr)
        return None
    return p.stdout.split()


def dev_strategies(a):
    """{"vbd", "vif" (Linux's frontends), "ours-vbd", "ours-vif" (ours): [...]} from the
    --*-strategies options; "all" asks the peer binary. None when it cannot."""
    out = {}
    for key in ("vbd", "vif", "ours-vbd", "ours-vif"):
        kind = key.split("-")[-1]
        arg = getattr(a, key.replace("-", "_") + "_strategies")
        want = (arg if arg is not None else getattr(a, kind + "_strategies")).split()
        if want == ["all"]:
            want = peer_list(a, kind)
            if want is None:
                return None
        out[key] = want
    return out


def cmd_run(a):
    devs = dev_strategies(a)
    if devs is None:
        return 2
    for f in machine.IMAGES + ("payload.tar", "payload.id"):
        if not os.path.exists(os.path.join(a.images, f)):
            print(f"nested: missing {a.images}/{f} (build the images first: make nested-images)", file=sys.stderr)
            return 2
    os.makedirs(a.logs, exist_ok=True)
    log_path = os.path.join(a.logs, time.strftime("nested-%Y%m%d-%H%M%S.log"))
    store = snapshot.Store(a.snapshots) if a.snapshots and a.snapshots != "off" else None
    t0 = time.monotonic()
    with open(log_path, "w", buffering=1) as log:
        try:
            m = machine.Boot(a.images, os.path.join(a.logs, "run"), store, a.timeout, a.xen_extra, log).run()
        except (OSError, ValueError) as e:
            print(f"nested: cannot start the machine: {e}", file=sys.stderr)
            return 2
    latest = os.path.join(a.logs, "latest.log")
    try:
        os.remove(latest)
    except FileNotFoundError:
        pass
    os.symlink(os.path.basename(log_path), latest)
    print(f"nested: serial log {log_path} (QEMU exit {m.rc}{', TIMEOUT' if m.timed_out else ''}, "
          f"{time.monotonic() - t0:.1f}s, {'restored' if m.mode == 'restore' else 'booted'})")
    if m.timed_out:
        print(f"not ok - nested-xen: finished within {a.timeout}s (hung: killed)")
    with open(os.path.join(a.images, "payload.id")) as f:
        want_id = f.read().strip()
    ran_id = next((ln.split("payload id=")[1].strip() for ln in m.lines if "=== GNTFUZZ" in ln and "payload id=" in ln), None)
    ok_id = ran_id == want_id
    print(("ok - " if ok_id else "not ok - ") + f"nested-xen: dom0 ran this run's payload (id {want_id}, dom0 read {ran_id})")
    name = f"{a.bench_name}, {'warm: restored' if m.mode == 'restore' else 'cold: booted'}" if a.bench_name else ""
    rc_judge = finish(m.lines, None if m.timed_out else m.rc, a.strategies.split(), a.targets.split(),
                      os.path.join(a.logs, "report.txt"), a.bench, a.wl_strategies.split(), a.variants.split(),
                      devs, log_path, name)
    if a.bench:
        for n in m.notes:
            print(f"bench-nested: snapshot ({a.bench_name}): {n}")
        if m.t_go is not None:
            print(f"bench-nested: QEMU start to dom0 go ({name}) {m.t_go:.1f} s")
    return 1 if m.timed_out or not ok_id else rc_judge


def cmd_judge(a):
    try:
        with open(a.log, errors="replace") as f:
            lines = f.readlines()
    except OSError as e:
        print(f"nested: cannot read {a.log}: {e.strerror}", file=sys.stderr)
        return 2
    devs = dev_strategies(a)
    if devs is None:
        return 2
    return finish(lines, a.qemu_rc, a.strategies.split(), a.targets.split(), None, a.bench, a.wl_strategies.split(),
                  a.variants.split(), devs, a.log, a.bench_name)


def cmd_real_host(a):
    if os.geteuid() != 0 or not os.path.exists("/proc/xen/capabilities"):
        print("nested: real-host mode needs root in a Xen dom0 (/proc/xen/capabilities)", file=sys.stderr)
        return 2
    a.peer = a.peer or os.path.join(a.bin, "gntfuzz-peer")
    devs = dev_strategies(a)
    if devs is None:
        return 2
    env = dict(os.environ, GNTFUZZ_BIN=a.bin, GNTFUZZ_CFG=a.cfg, GNTFUZZ_DMESG="1",
               GNTFUZZ_TARGETS=a.targets, GNTFUZZ_STRATEGIES=a.strategies, GNTFUZZ_WL_STRATEGIES=a.wl_strategies,
               GNTFUZZ_VBD_STRATEGIES=" ".join(devs["vbd"]), GNTFUZZ_VIF_STRATEGIES=" ".join(devs["vif"]),
               GNTFUZZ_OURS_VBD_STRATEGIES=" ".join(devs["ours-vbd"]), GNTFUZZ_OURS_VIF_STRATEGIES=" ".join(devs["ours-vif"]),
               GNTFUZZ_DEV_DURATION=str(a.dev_duration))
    t0 = time.monotonic()
    proc = subprocess.Popen(["sh", os.path.join(os.path.dirname(os.path.abspath(__file__)), "dom0-plan.sh")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    lines = []
    for line in proc.stdout:
        line = f"[{time.monotonic() - t0:7.2f}] {line.rstrip()}"
        print(line, flush=True)
        lines.append(line)
    proc.wait()
    return finish(lines, None, a.strategies.split(), a.targets.split(), None, a.bench, a.wl_strategies.split(),
                  a.variants.split(), devs, None, a.bench_name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    strategies = "honest forged-done forged-ro storm"
    targets = "pvh-grants-fixed pvh-grants-msa02 pvh-grants-fixed-v2 linux wl-grants-fixed wl-grants-msa02"
    wl = "hold forged-done race-end storm copy-loop flood bad-ids early-closed"
    r = sub.add_parser("run")
    r.add_argument("--targets", default=targets)
    r.add_argument("--images", required=True)
    r.add_argument("--logs", required=True)
    r.add_argument("--timeout", type=int, default=600)
    r.add_argument("--strategies", default=strategies)
    r.add_argument("--wl-strategies", default=wl)
    r.add_argument("--bench", action="store_true")
    r.add_argument("--variants", default="", help="make's LIB/MUTANT list (where a label's library ends)")
    r.add_argument("--snapshots", default="", help="where machine snapshots live (empty or off: always boot)")
    r.add_argument("--xen-extra", default="", help="more Xen command line (part of the snapshot key)")
    j = sub.add_parser("judge")
    j.add_argument("log")
    j.add_argument("--qemu-rc", type=int)
    j.add_argument("--targets", default=targets)
    j.add_argument("--strategies", default=strategies)
    j.add_argument("--wl-strategies", default=wl)
    j.add_argument("--bench", action="store_true")
    j.add_argument("--variants", default="", help="make's LIB/MUTANT list (where a label's library ends)")
    h = sub.add_parser("real-host")
    h.add_argument("--bin", required=True)
    h.add_argument("--cfg", required=True)
    h.add_argument("--targets", default=targets)
    h.add_argument("--strategies", default=strategies)
    h.add_argument("--wl-strategies", default=wl)
    h.add_argument("--bench", action="store_true")
    h.add_argument("--variants", default="", help="make's LIB/MUTANT list (where a label's library ends)")
    for p in (r, j, h):
        p.add_argument("--vbd-strategies", default="all", help='gntfuzz-peer --device vbd strategies ("all": its list)')
        p.add_argument("--vif-strategies", default="all", help='gntfuzz-peer --device vif strategies ("all": its list)')
        p.add_argument("--ours-vbd-strategies", default=None, help="the same for our frontends (default: --vbd-strategies)")
        p.add_argument("--ours-vif-strategies", default=None, help="the same for our frontends (default: --vif-strategies)")
        p.add_argument("--peer", default=None, help="the gntfuzz-peer binary asked for its lists (default: build/)")
        p.add_argument("--bench-name", default="", help="what the bench figures are of")
    h.add_argument("--dev-duration", type=int, default=4)
    a = ap.parse_args()
    return {"run": cmd_run, "judge": cmd_judge, "real-host": cmd_real_host}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
