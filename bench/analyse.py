#!/usr/bin/env python3
"""Helpers for bench/run.sh: sample a monitor, analyse its output, print tables.

  analyse.py sample ROOTPID OUTFILE      JSON snapshot of the monitor's process tree
  analyse.py drain ROOTPID TIMEOUT       wait until its connector sockets are read empty
  analyse.py tool DIR TOOL MODE PROG     analyse DIR/TOOL.* into DIR/TOOL.result.json
  analyse.py bare DIR TOOL               record a bare storm into DIR/TOOL.result.json
  analyse.py table DIR                   print the table of one run
  analyse.py summary DIR...              print min-max per cell over several runs

See the header of run.sh for the definitions of the columns.
"""
import collections
import glob
import json
import os
import re
import sys

TOOLS = [  # id, label (order of the table)
    ("bare", "bare storm"),
    ("prochookd", "prochookd -m --json"),
    ("forkstat", "forkstat -l"),
    ("forkstat-r", "forkstat -l -r"),
    ("extrace", "extrace -f"),
    ("deny-path", "prochookd, deny rule (exact path)"),
    ("deny-glob", "prochookd, deny rule (glob)"),
    ("fapolicyd", "fapolicyd, 1 deny_audit rule"),
    ("floor-gate", "a gate doing no work (floor)"),
    ("floor-glob", "the loop + a gate doing no work"),
    ("bare-end", "bare storm (again)"),
]
LABEL = dict(TOOLS)


def _tools(d):
    """TOOLS, and before the last bare storm the rules-mode rows of run.sh
    --rules: ids rules1, rules2, ... with their label in DIR/ID.label."""
    extra = []
    for p in sorted(glob.glob(os.path.join(d, "rules*.label")),
                    key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0)):
        t = os.path.basename(p)[:-len(".label")]
        extra.append((t, (_read(p) or b"").decode(errors="replace").strip() or t))
    return TOOLS[:-1] + extra + TOOLS[-1:]


# --------------------------------------------------------------- sampling
def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _ppid_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        st = _read("/proc/%s/stat" % d)
        if not st:
            continue
        rest = st[st.rfind(b")") + 2:].split()
        kids.setdefault(int(rest[1]), []).append(int(d))
    return kids


def _tree(root):
    kids = _ppid_map()
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        if os.path.exists("/proc/%d" % p):
            out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _cpu_ns(pid):
    """On-CPU time of every thread of pid, in ns (schedstat; stat ticks if absent)."""
    total = 0
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return 0
    for t in tids:
        s = _read("/proc/%d/task/%s/schedstat" % (pid, t))
        if s:
            total += int(s.split()[0])
            continue
        st = _read("/proc/%d/task/%s/stat" % (pid, t))
        if st:
            rest = st[st.rfind(b")") + 2:].split()
            total += (int(rest[11]) + int(rest[12])) * (10**9 // os.sysconf("SC_CLK_TCK"))
    return total


def _connector_sockets(pids, field=8):
    inodes = set()
    for p in pids:
        try:
            fds = os.listdir("/proc/%d/fd" % p)
        except OSError:
            continue
        for fd in fds:
            try:
                l = os.readlink("/proc/%d/fd/%s" % (p, fd))
            except OSError:
                continue
            m = re.match(r"socket:\[(\d+)\]$", l)
            if m:
                inodes.add(m.group(1))
    drops = nsock = 0
    for line in (_read("/proc/net/netlink") or b"").decode().splitlines()[1:]:
        f = line.split()
        # sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode; Eth 11 = NETLINK_CONNECTOR
        if len(f) >= 10 and f[1] == "11" and f[9] in inodes:
            drops += int(f[field])
            nsock += 1
    return drops, nsock


def cmd_drain(root, timeout):
    """Wait until the monitor's connector socket(s) hold no unread data
    (Rmem 0 in /proc/net/netlink), polling every 50 ms; exit 1 on timeout."""
    import time
    end = time.monotonic() + float(timeout)
    pids = _tree(int(root))
    while time.monotonic() < end:
        rmem, n = _connector_sockets(pids, field=4)
        if n == 0 or rmem == 0:
            return 0
        time.sleep(0.05)
    return 1


def _lines(path):
    n = 0
    try:
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                n += b.count(b"\n")
    except OSError:
        pass
    return n


def cmd_sample(root, outfile):
    pids = _tree(int(root))
    drops, nsock = _connector_sockets(pids)
    hwm = 0
    for p in pids:
        s = _read("/proc/%d/status" % p) or b""
        m = re.search(rb"VmHWM:\s+(\d+)", s)
        if m:
            hwm += int(m.group(1))
    print(json.dumps({
        "pids": pids,
        "cpu_ns": sum(_cpu_ns(p) for p in pids),
        "drops": drops,
        "sockets": nsock,
        "lines": _lines(outfile),
        "hwm_kb": hwm,
    }))


# --------------------------------------------------------------- parsing
def _storm(d, tool):
    """The storm's machine-readable line, and {pid: unique-arg}."""
    st = {}
    for line in (_read(os.path.join(d, tool + ".storm")) or b"").decode().splitlines():
        if line.startswith("storm "):
            st.update(kv.split("=", 1) for kv in line.split()[1:])
        elif line.startswith("background forks="):
            st["bg_forks"] = line.split("=", 1)[1]
        elif line.startswith("busy_ms="):
            st.update(kv.split("=", 1) for kv in line.split())
    pids = []  # (pid, arg); a pid may come twice if pids wrapped during the storm
    for line in (_read(os.path.join(d, tool + ".pids")) or b"").decode().splitlines():
        f = line.split()
        if len(f) == 2:
            pids.append((int(f[0]), f[1]))
    return st, pids


def _noise(st, res, mon_cpu_ns=0):
    """CPU time used during the storm by neither the storm nor the monitor."""
    try:
        busy = float(st["busy_ms"])
        storm_cpu = float(st["cpu"]) * 1000
        window = float(st["elapsed"]) * 1000 * int(st["ncpu"])
    except (KeyError, ValueError):
        return
    res["other_cpu_ms"] = max(0.0, busy - storm_cpu - mon_cpu_ns / 1e6)
    res["other_cpu_pct"] = 100.0 * res["other_cpu_ms"] / window if window else 0.0


class Seen:
    """What a tool reported about each pid (counts, since pids can be reused)."""

    def __init__(self):
        C = collections.Counter
        self.exec_exe = C()      # pid -> execs reported with the full storm path
        self.exec_arg = set()    # (pid, word) for every argument word shown at exec
        self.exec_any = C()      # pid -> exec reports (stdout or stderr)
        self.fork = C()          # child pid -> fork reports
        self.exit = C()          # pid -> exit reports
        self.events = 0          # event lines (for µs/line)
        self.bad = 0             # unparsable lines
        self.tool_lost = None    # what the tool itself said about loss
        self.note = ""


def parse_prochookd(out, err, prog):
    s = Seen()
    lost_max, lost_events, synthetic = 0, 0, 0
    for raw in out.splitlines():
        if not raw.strip():
            continue
        try:
            e = json.loads(raw)
        except ValueError:
            s.bad += 1
            continue
        if not isinstance(e, dict):
            s.bad += 1
            continue
        s.events += 1
        ev, pid = e.get("event"), e.get("pid")
        if ev == "exec" and isinstance(pid, int):
            s.exec_any[pid] += 1
            if e.get("exe") == prog:
                s.exec_exe[pid] += 1
            s.exec_arg.update((pid, w) for w in str(e.get("cmdline", "")).split(" "))
            if e.get("synthetic") in (1, "1", True):
                synthetic += 1
        elif ev == "fork":
            c = e.get("child_pid", pid)
            if isinstance(c, int):
                s.fork[c] += 1
        elif ev == "exit" and isinstance(pid, int):
            s.exit[pid] += 1
        elif ev == "lost":
            lost_events += 1
            try:
                lost_max = max(lost_max, int(e.get("lost", 0)))
            except (TypeError, ValueError):
                pass
    s.tool_lost = lost_max
    s.note = "%d lost events (max lost=%d), %d synthetic execs, %d invalid JSON lines" % (
        lost_events, lost_max, synthetic, s.bad)
    return s


FORKSTAT_EVENTS = {"fork", "exec", "exit", "clone", "ptrce", "comm", "sid", "uid",
                   "gid", "core", "cgroup"}


def parse_forkstat(out, err, prog):
    s = Seen()
    nobufs = 0
    for line in out.splitlines():
        f = line.split()
        if len(f) < 3:
            continue
        if f[1] == "recv" and "nobufs" in line:
            nobufs += 1
            continue
        if f[1] not in FORKSTAT_EVENTS or not f[2].isdigit():
            continue  # header lines ("Time Event PID ...") and the like
        s.events += 1
        pid = int(f[2])
        if f[1] == "exec":
            s.exec_any[pid] += 1
            if len(f) > 3 and f[3] == prog:
                s.exec_exe[pid] += 1
            s.exec_arg.update((pid, w) for w in f[3:])
        elif f[1] == "fork" and len(f) > 3 and f[3] == "child":
            s.fork[pid] += 1
        elif f[1] == "exit":
            s.exit[pid] += 1
    s.tool_lost = nobufs
    s.note = "%d 'recv nobufs' lines (one per ENOBUFS, not a count)" % nobufs
    return s


def _shwords(rest):
    """Split extrace's shell-quoted words (it quotes with '...')."""
    words, cur, q, i, any_ = [], "", False, 0, False
    while i < len(rest):
        c = rest[i]
        if q:
            if c == "'":
                q = False
            else:
                cur += c
        elif c == "'":
            q, any_ = True, True
        elif c == " ":
            if cur or any_:
                words.append(cur)
            cur, any_ = "", False
        else:
            cur += c
        i += 1
    if cur or any_:
        words.append(cur)
    return words


def parse_extrace(out, err, prog):
    s = Seen()
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)\+? (.*)$", line)
        if not m:
            continue
        s.events += 1
        pid = int(m.group(1))
        w = _shwords(m.group(2))
        s.exec_any[pid] += 1
        if w and w[0] == prog:
            s.exec_exe[pid] += 1
        s.exec_arg.update((pid, x) for x in w)
    gaps = 0
    for line in err.splitlines():
        if "out of order message" in line:
            gaps += 1
            continue
        m = re.search(r"vanished.*pid (\d+)", line)
        if m:
            s.events += 1
            s.exec_any[int(m.group(1))] += 1
    s.tool_lost = gaps
    s.note = "%d 'out of order message' lines (sequence gaps, not a count)" % gaps
    return s


def parse_gate(out, err, prog):
    """Rows of an exec gate (a deny rule that matches nothing): no events."""
    s = Seen()
    s.note = "prints no events: exe %, cmdline % and lost do not apply"
    return s


# Rows whose cost is per exec (an exec gate), not per printed event.
GATES = ("deny-path", "deny-glob", "fapolicyd", "floor-gate", "floor-glob")

def parse_rules(out, err, prog):
    """prochookd with rules (run.sh --rules): nothing is printed per event;
    only CPU, rate and losses count."""
    s = Seen()
    s.note = "rules mode: no event lines; %d log lines on stderr" % sum(
        1 for l in err.splitlines() if l.startswith("prochookd: rule "))
    return s


PARSERS = {"prochookd": parse_prochookd, "forkstat": parse_forkstat,
           "forkstat-r": parse_forkstat, "extrace": parse_extrace,
           "deny-path": parse_gate, "deny-glob": parse_gate, "fapolicyd": parse_gate,
           "floor-gate": parse_gate, "floor-glob": parse_gate}


def _pct(a, b):
    return None if not b else 100.0 * a / b


def cmd_tool(d, tool, mode, prog):
    st, pids = _storm(d, tool)
    res = {"tool": tool, "mode": mode, "rate": float(st["rate"]) if "rate" in st else None,
           "ok": int(st.get("ok", 0)), "failed": int(st.get("failed", 0)),
           "bg_forks": max(0, int(st.get("bg_forks", 0)))}
    err_txt = (_read(os.path.join(d, tool + ".err")) or b"").decode(errors="replace")
    out_txt = (_read(os.path.join(d, tool + ".out")) or b"").decode(errors="replace")
    try:
        before = json.loads(_read(os.path.join(d, tool + ".before.json")))
        after = json.loads(_read(os.path.join(d, tool + ".after.json")))
        mid = json.loads(_read(os.path.join(d, tool + ".mid.json")))
    except (TypeError, ValueError):
        before = after = mid = None
    if before and mid and mid.get("pids"):
        _noise(st, res, mid["cpu_ns"] - before["cpu_ns"])
    rules = tool.startswith("rules")
    s = (parse_rules if rules else PARSERS[tool])(out_txt, err_txt, prog)
    n = len(pids)
    storm = collections.Counter(p for p, _ in pids)

    def seen(c):  # storm processes with a report, pid reuse counted
        return sum(min(k, c[p]) for p, k in storm.items())

    if rules:
        res["exe_pct"] = res["cmdline_pct"] = None
        storm_events = (3 if mode == "exec" else 2) * n
    elif mode == "exec":
        res["exe_pct"] = _pct(seen(s.exec_exe), n)
        res["cmdline_pct"] = _pct(sum(1 for pa in pids if pa in s.exec_arg), n)
        res["exec_seen_pct"] = _pct(seen(s.exec_any), n)
        storm_events = 3 * n      # fork + exec + exit per process
    else:
        res["exe_pct"] = res["cmdline_pct"] = None
        if tool != "extrace":     # extrace prints execs only
            res["fork_seen_pct"] = _pct(seen(s.fork), n)
        storm_events = 2 * n      # fork + exit per process
    if tool != "extrace" and not rules:  # extrace -f prints no exits
        res["exit_seen_pct"] = _pct(seen(s.exit), n)
    res["pid_reuse"] = n - len(storm)
    res["other_execs"] = None if rules else sum(
        k for p, k in s.exec_any.items() if p not in storm)
    if before and after and after.get("pids"):  # no pids: it died before the end
        cpu = max(0, after["cpu_ns"] - before["cpu_ns"])
        lines = max(0, after["lines"] - before["lines"])
        res["lost"] = after["drops"] - before["drops"]
        res["lost_total"] = after["drops"]
        res["sockets"] = after["sockets"]
        res["cpu_ms"] = cpu / 1e6
        res["cpu_us_event"] = cpu / 1e3 / storm_events if storm_events else None
        res["cpu_us_proc"] = cpu / 1e3 / n if n else None
        res["lines_window"] = lines
        res["cpu_us_line"] = cpu / 1e3 / lines if lines else None
        res["hwm_kb"] = after.get("hwm_kb")
    if tool in GATES:
        res["exe_pct"] = res["cmdline_pct"] = None
        for k in ("exec_seen_pct", "fork_seen_pct", "exit_seen_pct", "other_execs"):
            res.pop(k, None)
        if tool == "fapolicyd":
            res["lost"] = None   # no connector socket
        if res.get("cpu_ms") is not None and mode == "exec" and n:
            res["cpu_us_exec"] = res["cpu_ms"] * 1e3 / n
            s.note = "%.1f µs of CPU per exec of the storm; %s" % (res["cpu_us_exec"], s.note)
    res["events_printed"] = s.events
    res["tool_lost"] = s.tool_lost
    res["note"] = s.note
    with open(os.path.join(d, tool + ".result.json"), "w") as f:
        json.dump(res, f, indent=1)


def cmd_bare(d, tool):
    st, pids = _storm(d, tool)
    res = {"tool": tool, "rate": float(st["rate"]) if "rate" in st else None,
           "ok": int(st.get("ok", 0)), "failed": int(st.get("failed", 0)),
           "bg_forks": max(0, int(st.get("bg_forks", 0)))}
    _noise(st, res)
    with open(os.path.join(d, tool + ".result.json"), "w") as f:
        json.dump(res, f, indent=1)


# --------------------------------------------------------------- tables
COLS = ["tool", "rate/s", "exe %", "cmdline %", "lost", "CPU µs/event", "rate ratio"]


def _disturbed(r, base=0.0):
    """Why the row's storm was disturbed by something else ([] if it was not).
    base: the share of the machine that a storm leaves unaccounted by itself
    (kernel work after exit, RCU, ...): the lower of the run's two bare storms."""
    why = []
    if r.get("ok") and r.get("bg_forks", 0) > 0.02 * r["ok"]:
        why.append("%d other processes forked" % r["bg_forks"])
    # /proc/stat counts in ticks (10 ms per CPU): below 100 ms it is rounding
    if r.get("other_cpu_pct", 0) > base + 5 and r.get("other_cpu_ms", 0) > 100:
        why.append("%.0f ms of CPU (%.0f %% of the machine) went to other work or steal"
                   % (r["other_cpu_ms"], r["other_cpu_pct"]))
    return why


def _load(d):
    rows = {}
    for p in glob.glob(os.path.join(d, "*.result.json")):
        r = json.loads(_read(p))
        rows[r["tool"]] = r
    for p in glob.glob(os.path.join(d, "*.skipped")):
        t = os.path.basename(p)[:-len(".skipped")]
        rows.setdefault(t, {"tool": t, "skipped": _read(p).decode().strip()})
    base = [rows[t]["other_cpu_pct"] for t in ("bare", "bare-end")
            if rows.get(t, {}).get("other_cpu_pct") is not None]
    base = min(base) if base else 0.0
    for r in rows.values():
        r["disturbed"] = _disturbed(r, base)
    bare = [rows[t] for t in ("bare", "bare-end") if rows.get(t, {}).get("rate")]
    calm = [r for r in bare if not r["disturbed"]] or bare  # undisturbed ones if any
    ref = sum(r["rate"] for r in calm) / len(calm) if calm else None
    for r in rows.values():
        if r.get("rate") and ref:
            r["ratio"] = r["rate"] / ref
    return rows


def _cells(r):
    """Numeric cells (None = not applicable) in COLS order, minus the label."""
    return [r.get("rate"), r.get("exe_pct"), r.get("cmdline_pct"), r.get("lost"),
            r.get("cpu_us_event"), r.get("ratio")]


FMT = [lambda v: "%.0f" % v, lambda v: "%.1f" % v, lambda v: "%.1f" % v,
       lambda v: "%d" % v, lambda v: "%.1f" % v, lambda v: "%.2f" % v]


def _print_table(header, rows):
    w = [max(len(str(x[i])) for x in [header] + rows) for i in range(len(header))]
    line = lambda x: "| " + " | ".join(
        (str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i])) for i, c in enumerate(x)) + " |"
    print(line(header))
    print("|" + "|".join(("-" * (w[i] + 1) + (":" if i else "-")) if i else "-" * (w[i] + 2)
                         for i in range(len(header))) + "|")
    for x in rows:
        print(line(x))


def cmd_table(d):
    rows = _load(d)
    out, notes = [], []
    for t, label in _tools(d):
        if t not in rows:
            continue
        r = rows[t]
        if r.get("skipped"):
            out.append([label] + ["skipped"] + [""] * 5)
            notes.append("%s: skipped: %s" % (label, r["skipped"]))
            continue
        out.append([label] + [("-" if v is None else FMT[i](v)) for i, v in enumerate(_cells(r))])
        if t.startswith("bare"):
            if r.get("other_cpu_ms") is not None:
                notes.append("%s: other CPU during the storm %.0f ms (%.1f %%)"
                             % (label, r["other_cpu_ms"], r["other_cpu_pct"]))
            if r.get("failed"):
                notes.append("%s: %d spawns failed" % (label, r["failed"]))
            continue
        det = []
        for k, name in (("exec_seen_pct", "exec seen"), ("fork_seen_pct", "fork seen"),
                        ("exit_seen_pct", "exit seen")):
            if r.get(k) is not None:
                det.append("%s %.1f %%" % (name, r[k]))
        if r.get("cpu_ms") is not None:
            det.append("CPU %.0f ms" % r["cpu_ms"])
            if r.get("cpu_us_proc") is not None:
                det.append("%.1f µs per storm process" % r["cpu_us_proc"])
            if r.get("cpu_us_line"):
                det.append("%.1f µs/line over %d lines" % (r["cpu_us_line"], r["lines_window"]))
            det.append("peak RSS %.1f MiB" % (r["hwm_kb"] / 1024.0))
            det.append("%d connector socket(s)" % r["sockets"])
        if r.get("failed"):
            det.append("%d spawns failed" % r["failed"])
        if r.get("other_cpu_ms") is not None:
            det.append("other CPU during the storm %.0f ms (%.1f %%)"
                       % (r["other_cpu_ms"], r["other_cpu_pct"]))
        if r.get("other_execs") is not None:
            det.append("%d execs of other processes (background noise)" % r["other_execs"])
        if r.get("pid_reuse"):
            det.append("%d pids reused within the storm" % r["pid_reuse"])
        det.append(r.get("note", ""))
        notes.append("%s: %s" % (label, "; ".join(x for x in det if x)))
    for t, label in _tools(d):
        r = rows.get(t, {})
        if t in ("bare", "bare-end") and r.get("disturbed") and any(
                not rows.get(b, {}).get("disturbed", True) for b in ("bare", "bare-end") if b != t):
            notes.append("%s: disturbed, so the rate ratios use the other bare storm only" % label)
        why = r.get("disturbed")
        if why:
            notes.append("WARNING: %s: during the storm %s: this row is disturbed"
                         % (label, " and ".join(why)))
    _print_table(COLS, out)
    if notes:
        print()
        for n in notes:
            print("  " + n)


def cmd_summary(dirs):
    runs = [_load(d) for d in dirs]
    out, foot = [], []
    for t, label in _tools(dirs[0]):
        vals = [r[t] for r in runs if t in r and not r[t].get("skipped")]
        if not vals:
            if any(t in r for r in runs):
                out.append([label, "skipped"] + [""] * 5)
            continue
        calm = [v for v in vals if not v.get("disturbed")]
        if calm and len(calm) < len(vals):
            foot.append("%s: %d of %d rows disturbed by other activity, left out"
                        % (label, len(vals) - len(calm), len(vals)))
            vals = calm
        elif not calm:
            foot.append("%s: every row disturbed by other activity" % label)
        row = [label]
        for i in range(6):
            xs = [_cells(v)[i] for v in vals if _cells(v)[i] is not None]
            if not xs:
                row.append("-")
            elif len(xs) < len(vals):
                row.append(FMT[i](min(xs)) + "–" + FMT[i](max(xs)) + " (%d/%d)" % (len(xs), len(vals)))
            elif FMT[i](min(xs)) == FMT[i](max(xs)):
                row.append(FMT[i](min(xs)))
            else:
                row.append(FMT[i](min(xs)) + "–" + FMT[i](max(xs)))
        out.append(row)
    _print_table(COLS, out)
    if foot:
        print()
        for f in foot:
            print("  " + f)


def main(a):
    if len(a) == 3 and a[0] == "sample":
        cmd_sample(a[1], a[2])
    elif len(a) == 3 and a[0] == "drain":
        sys.exit(cmd_drain(a[1], a[2]))
    elif len(a) == 5 and a[0] == "tool":
        cmd_tool(a[1], a[2], a[3], a[4])
    elif len(a) == 3 and a[0] == "bare":
        cmd_bare(a[1], a[2])
    elif len(a) == 2 and a[0] == "table":
        cmd_table(a[1])
    elif len(a) >= 2 and a[0] == "summary":
        cmd_summary(a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
