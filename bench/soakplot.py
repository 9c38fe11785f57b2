#!/usr/bin/env python3
"""soakplot.py DIR: the plot (DIR/soak.png) and summary of bench/soak.sh's DIR/soak.csv.

The summary gives, after a warm-up (the first 5 minutes, or the first third
of a shorter run): the growth of each part's RSS and descriptors (the mean
of the last three samples against the mean of the first three after the
warm-up), how far the process table is from the live processes in /proc
(the mean of the counts just before and just after the table's was logged),
and the exec storm's execs accounted for (logged by the rule, or lost).
"""
import csv
import os
import sys


def num(v):
    try:
        return float(v)
    except ValueError:
        return float("nan")


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "soak.csv"), encoding="utf-8") as f:
        rows = [{k: num(v) for k, v in r.items()} for r in csv.DictReader(f)]
    if len(rows) < 2:
        print("soak: too few samples")
        return 1
    t = [r["t"] for r in rows]
    dur = t[-1]
    warm = 300 if dur >= 900 else dur / 3
    after = [r for r in rows if r["t"] >= warm]
    if len(after) < 6:
        after = rows[len(rows) // 2:]

    def med(v):
        v = sorted(v)
        return v[len(v) // 2]

    def growth(key):
        k = min(5, len(after) // 2)
        a = med([r[key] for r in after[:k]])
        b = med([r[key] for r in after[-k:]])
        return a, b, (b - a) / a * 100 if a else float("nan")

    lines = [f"soak: {len(rows)} samples over {dur:.0f} s; warm-up {warm:.0f} s"]
    for key, what in (("privd_rss_kb", "privileged part RSS kB"),
                      ("privd_fds", "privileged part descriptors"),
                      ("loop_rss_kb", "event loop RSS kB"),
                      ("loop_fds", "event loop descriptors")):
        a, b, g = growth(key)
        top = max(r[key] for r in after)
        lines.append(f"  {what:32s} {a:9.0f} -> {b:9.0f}  ({g:+.1f} %), "
                     f"max {top:.0f}")
    lines.append("  other children of the daemon (supervisors, ...): at most "
                 f"{max(r['other_parts'] for r in rows):.0f} at a sample, "
                 f"{max(r['other_fds'] for r in rows):.0f} descriptors")
    devs, inside = [], 0
    for r in rows:
        live = (r["proc_before"] + r["proc_after"]) / 2
        devs.append(abs(r["table"] - live) / live * 100)
        lo = min(r["proc_before"], r["proc_after"]) * 0.99
        hi = max(r["proc_before"], r["proc_after"]) * 1.01
        inside += lo <= r["table"] <= hi
    devs_s = sorted(devs)
    lines.append(f"  table vs /proc: median {devs_s[len(devs_s) // 2]:.2f} %, "
                 f"max {devs_s[-1]:.2f} %, within 1 % in "
                 f"{sum(d <= 1 for d in devs)} of {len(devs)} samples; within "
                 f"1 % of the /proc counts around it in {inside}")
    last = rows[-1]
    lines.append(f"  exec storm: {last['soak_execs']:.0f} execs, "
                 f"{last['soak_execs_logged']:.0f} logged by the rule, "
                 f"{last['lost_events']:.0f} events lost in "
                 f"{last['lost_gaps']:.0f} gaps; "
                 f"{last['synthetic_execs']:.0f} synthetic execs"
                 + (f"; executables unknown (all the host's execs): "
                    f"{last['exe_unknown']:.0f}" if "exe_unknown" in last else ""))
    lines.append(f"  exec events in all: {last['exec_events']:.0f}; forks of the "
                 f"fork storm {last['soak_forks']:.0f}; threaded processes "
                 f"{last['threaded_procs']:.0f}; uid changes "
                 f"{last['uid_changes']:.0f}; reloads {last['reloads']:.0f}")
    lines.append(f"  hooks: {last['hooked_execs']:.0f} triggering execs, "
                 f"{last['hooks_started']:.0f} started, {last['hooks_ran']:.0f} ran, "
                 f"{last['hooks_failed']:.0f} failed, "
                 f"{last['hooks_dropped']:.0f} dropped")
    print("\n".join(lines))

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (no matplotlib: no plot; apt-get install python3-matplotlib)")
        return 0
    m = [x / 60 for x in t]
    fig, ax = plt.subplots(4, 1, figsize=(9, 11), sharex=True)
    ax[0].plot(m, [r["privd_rss_kb"] / 1024 for r in rows], label="privileged part")
    ax[0].plot(m, [r["loop_rss_kb"] / 1024 for r in rows], label="event loop")
    ax[0].set_ylabel("RSS (MiB)")
    ax[0].set_ylim(bottom=0)
    ax[1].plot(m, [r["privd_fds"] for r in rows], label="privileged part")
    ax[1].plot(m, [r["loop_fds"] for r in rows], label="event loop")
    ax[1].plot(m, [r["other_fds"] for r in rows], label="other children")
    ax[1].set_ylabel("descriptors")
    ax[1].set_ylim(bottom=0)
    ax[2].plot(m, [r["table"] for r in rows], label="process table")
    ax[2].plot(m, [(r["proc_before"] + r["proc_after"]) / 2 for r in rows],
               "--", label="live in /proc")
    ax[2].set_ylabel("processes")
    ax[3].plot(m, [r["soak_execs"] - r["soak_execs_logged"] for r in rows],
               label="storm execs not logged")
    ax[3].plot(m, [r["lost_events"] for r in rows], label="events lost")
    ax[3].plot(m, [r["synthetic_execs"] for r in rows], label="synthetic execs")
    ax[3].plot(m, [r["hooks_dropped"] for r in rows], label="hooks dropped")
    ax[3].plot(m, [r["hooks_failed"] for r in rows], label="hooks failed")
    ax[3].set_ylabel("count (cumulative)")
    ax[3].set_xlabel("minutes")
    for a in ax:
        a.axvline(warm / 60, color="grey", lw=0.5)
        a.legend(loc="best", fontsize=8)
        a.grid(alpha=0.3)
    fig.suptitle("prochookd soak (bench/soak.sh)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "soak.png"), dpi=80)
    print(f"  plot: {os.path.join(out, 'soak.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
