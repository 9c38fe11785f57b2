#!/bin/bash
# bench/run.sh — exec/fork storm under prochookd, forkstat and extrace, side by side.
#
# Usage (as root, from the top of the repository):
#   bench/run.sh [-n N] [-w W] [-r R] [--fork] [--session own|shared] [--tools LIST]
#                [--rules CONF|N]...
#     -n N        storm size: processes spawned in all (default 6000)
#     -w W        storm workers (default 2)
#     -r R        repeat the whole run R times; one table per run, then the
#                 min–max spread of every cell (default 1)
#     --fork      fork storm (children _exit(0) at once, no exec): the loss test
#     --session S shared (default): the monitor runs in the storm's session, so
#                 in its scheduler autogroup; own: in a session of its own, as a
#                 service would (autogroup then gives it half the CPU against
#                 the storm: much better figures for every monitor)
#     --tools L   comma-separated subset of: bare,prochookd,forkstat,forkstat-r,extrace,
#                 deny-path,deny-glob,fapolicyd,floor-gate,floor-glob (default: all; the
#                 bare storm always runs first and last)
#     --rules C   also a row "prochookd (rules: C)": the daemon with the rules
#                 of the file C (e.g. conf/prochook.conf), or with N generated
#                 rules when C is a number (see rules_conf below); repeatable
#   Environment: PROCHOOKD (default ./prochookd), PROCHOOKD_ARGS (extra
#   arguments before "-m --json", e.g. "-c conf/prochook.conf"),
#   STORM_TIMEOUT (s, default 300), READY_TIMEOUT (s, default 15).
#
# One run = the scenarios back to back, each on the same storm:
#   bare        the storm alone (runs first, and again last as "bare (again)")
#   prochookd   $PROCHOOKD $PROCHOOKD_ARGS -m --json  (skipped if the binary is missing)
#   forkstat    forkstat -l           (line-buffered stdout)
#   forkstat-r  forkstat -l -r        (SCHED_FIFO at top priority)
#   extrace     extrace -f            (flat output)
#   deny-path   $PROCHOOKD -c CONF, CONF one deny rule on an exact path that the
#               storm never runs (the exec gate marks that file's inode only)
#   deny-glob   the same with a glob (the gate marks the file systems: every
#               exec of the storm waits for its answer)
#   fapolicyd   fapolicyd --debug-deny with one deny_audit rule that the storm
#               never matches plus "allow perm=any all : all", integrity none,
#               its configuration bind-mounted on /etc/fapolicyd for the row
#               only (skipped with the reason when not installed); see
#               bench/README.md before installing it
#   floor-gate  bench/floorgate: an exec gate that does no work (the storm's
#               file system marked, every exec allowed at once): the kernel's
#               permission round trip alone
#   floor-glob  floorgate running $PROCHOOKD -c CONF --dry-run, CONF the
#               deny-path row's: the event loop sees every exec, as under a
#               glob, beside a gate that does no work (the best deny-glob
#               can be while the loop must see every exec)
#   For these five rows exe % and cmdline % are "-" (they print no events)
#   and the notes give the CPU per exec of the storm.
# For a monitor: start it (stdout/stderr to bench/out/runK/TOOL.out/.err), wait
# until it is ready (prochookd: a stderr line containing "ready"; the others:
# a proc-connector socket open, then 1 s), sample it, run the storm, wait at
# least 1 s and until its connector socket has no unread data left (Rmem 0 in
# /proc/net/netlink; at most 10 s) plus 0.3 s, sample it again, stop it (SIGTERM prochookd, SIGINT the others; SIGKILL
# after 5 s) and analyse its output with bench/analyse.py.
#
# The storm program is a private copy of /bin/true, bench/out/true-storm,
# spawned with argv = { "<absolute path>/true-storm", "storm-<worker>-<i>" };
# bench/storm records the pid of every child, so only storm processes count.
#
# Columns:
#   rate/s        storm processes spawned per second (wall clock of the storm)
#   exe %         % of the storm's processes for which the tool printed, for
#                 that pid's exec, the full path of the storm program as the
#                 executable: prochookd's "exe" field; forkstat's and extrace's
#                 first word (they print argv[0] read from /proc/PID/cmdline, and
#                 argv[0] is the full path, so this is "they read /proc in time";
#                 an unread name shows as the parent's command, the comm or '').
#   cmdline %     % of the storm's processes for which the tool printed, for that
#                 pid's exec, the process's unique argument storm-<w>-<i>.
#                 Both are "-" in a --fork storm (no exec); see "fork seen" instead.
#   lost          events the kernel dropped for the monitor's connector socket(s)
#                 during the window (the socket's drop counter, column Drops of
#                 /proc/net/netlink, which counts every message not queued on
#                 ENOBUFS); what the tool itself said is in the notes.
#   CPU µs/event  CPU time of the monitor's process tree (all threads, from
#                 /proc/PID/task/TID/schedstat, ns resolution) between the two
#                 samples, divided by the storm's events: 3 per process in an
#                 exec storm (fork, exec, exit), 2 in a fork storm (fork, exit).
#                 The same denominator for every tool whatever it prints or
#                 filters; background events are not subtracted. The notes also
#                 give µs per output line printed in the window.
#   rate ratio    rate/s ÷ the mean rate of the two bare storms of the same run
#                 (only the undisturbed one if the other was disturbed).
# Notes under each table: exec/fork/exit seen % (any report for that pid, named
# or not), CPU ms, µs per line, peak RSS of the tree, execs of other processes
# it printed, and the tool's own account of losses; and a warning for every
# storm disturbed by something else: more than 2 % of N other forks (the
# "processes" counter of /proc/stat), or CPU time used by neither the storm
# (its getrusage) nor the monitor (schedstat), steal included (busy time of
# /proc/stat), over 100 ms and 5 points of the machine above the lower of the
# two bare storms of the run. The -r summary leaves disturbed rows out and
# says so.
#
# The monitor is started by $LAUNCH below: a new process group (shared) or a
# new session (own), SIGINT/SIGQUIT back to default (a background job of a
# non-interactive shell ignores them, and extrace has no handler).
#
# Caveats: a 2-core VM is noisy; compare ratios within one run, use -r 3 for
# the spread. Anything else spawning processes on the machine at the same time
# (a test suite...) disturbs every number.
set -u
export LC_ALL=C

N=6000 W=2 R=1 MODE=exec SESSION=shared TOOLS_SEL="prochookd,forkstat,forkstat-r,extrace,deny-path,deny-glob,fapolicyd,floor-gate,floor-glob"
RULES=()
PROCHOOKD=${PROCHOOKD:-./prochookd}
PROCHOOKD_ARGS=${PROCHOOKD_ARGS:-}
STORM_TIMEOUT=${STORM_TIMEOUT:-300}
READY_TIMEOUT=${READY_TIMEOUT:-15}

usage() { sed -n '4,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
isnum() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

while [ $# -gt 0 ]; do
	case $1 in
	-n) isnum "${2:-}" || usage; N=$2; shift 2 ;;
	-w) isnum "${2:-}" || usage; W=$2; shift 2 ;;
	-r) isnum "${2:-}" || usage; R=$2; shift 2 ;;
	--fork) MODE=fork; shift ;;
	--session)
		case ${2:-} in own|shared) SESSION=$2 ;; *) usage ;; esac
		shift 2 ;;
	--tools) [ -n "${2:-}" ] || usage; TOOLS_SEL=$2; shift 2 ;;
	--rules)
		[ -n "${2:-}" ] || usage
		isnum "$2" || [ -r "$2" ] || { echo "run.sh: cannot read $2" >&2; exit 2; }
		RULES+=("$2"); shift 2 ;;
	-h|--help) usage 0 ;;
	*) echo "run.sh: unknown argument: $1" >&2; usage ;;
	esac
done
for t in ${TOOLS_SEL//,/ }; do
	case $t in bare|prochookd|forkstat|forkstat-r|extrace|deny-path|deny-glob|fapolicyd|floor-gate|floor-glob) ;;
	*) echo "run.sh: unknown tool: $t" >&2; exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (the proc connector needs it)" >&2; exit 2; }

BENCH=$(cd "$(dirname "$0")" && pwd)
OUT=$BENCH/out
RUNS=$OUT/$(date +%Y%m%d-%H%M%S)-$MODE-n$N-w$W-$SESSION
mkdir -p "$RUNS" || exit 1
ln -sfn "$(basename "$RUNS")" "$OUT/last"
PY="python3 $BENCH/analyse.py"
LAUNCH='import os, signal, sys
if sys.argv[1] == "own":
    os.setsid()
else:
    os.setpgid(0, 0)
for s in (signal.SIGINT, signal.SIGQUIT):
    signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[2], sys.argv[2:])'

# rules_conf N: N rules as an administrator writes them, each naming the
# programs it is about (exe), on exec, exit and uid events, with uid,
# cmdline, comm, parent and exit keys and log or kill actions.  None
# matches the storm, whose program none of them names.
rules_conf() {
	local i
	printf '[daemon]\nrules_dir = %s/none.d\n\n' "$RUNS"
	for i in $(seq 1 "$1"); do
		case $((i % 5)) in
		0) printf '[r%d]\nevent = exec\nexe = /opt/app%d/bin/* /usr/local/app%d/*\nuid = !0\naction = log\n\n' "$i" "$i" "$i" ;;
		1) printf '[r%d]\nevent = exec\nexe = /usr/bin/tool%d\ncmdline = "*--secret-%d*"\naction = kill\n\n' "$i" "$i" "$i" ;;
		2) printf '[r%d]\nevent = exit\nexe = /usr/sbin/daemon%d\nexit_status = !0\naction = log\n\n' "$i" "$i" ;;
		3) printf '[r%d]\nevent = exec\nexe = /usr/bin/runner%d\ncomm = tool%d\nparent = /usr/bin/python*\naction = log\n\n' "$i" "$i" "$i" ;;
		4) printf '[r%d]\nevent = uid\nexe = /usr/local/bin/helper%d\neuid = 0\naction = log\n\n' "$i" "$i" ;;
		esac
	done
}

# The rules-mode rows: rules1, rules2, ... (their config and label in RUNS).
RULE_TOOLS=
for i in "${!RULES[@]}"; do
	t=rules$((i + 1))
	if isnum "${RULES[$i]}"; then
		rules_conf "${RULES[$i]}" >"$RUNS/$t.conf"
		echo "prochookd (rules: ${RULES[$i]} generated)" >"$RUNS/$t.label"
	else
		cp "${RULES[$i]}" "$RUNS/$t.conf"
		echo "prochookd (rules: ${RULES[$i]})" >"$RUNS/$t.label"
	fi
	RULE_TOOLS+=,$t
done

# ---- build the storm and its private program
cc -O2 -Wall -o "$BENCH/storm" "$BENCH/storm.c" || { echo "run.sh: cannot build bench/storm" >&2; exit 1; }
cc -O2 -Wall -o "$BENCH/floorgate" "$BENCH/floorgate.c" || { echo "run.sh: cannot build bench/floorgate" >&2; exit 1; }
install -m 0755 /bin/true "$OUT/true-storm" || exit 1
PROG=$(realpath "$OUT/true-storm")

# ---- monitors are tracked so that nothing outlives the script
MON_PID=
STORM_PID=
# Both run in a process group of their own (timeout makes one; the monitor is
# started by $LAUNCH), so cleanup reaches their children too.
cleanup() {
	[ -n "$STORM_PID" ] && kill -KILL -- -"$STORM_PID" 2>/dev/null
	if [ -n "$MON_PID" ]; then
		kill -TERM "$MON_PID" 2>/dev/null
		sleep 0.5
		kill -KILL -- -"$MON_PID" 2>/dev/null
	fi
	MON_PID='' STORM_PID=''
	gate_row_stop
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP

# run_storm DIR TOOL: the storm, with a timeout; its output in DIR/TOOL.storm
run_storm() {
	local d=$1 t=$2 rc f0 f1 b0 b1
	read -r f0 b0 < <(stat_counters)
	if [ "$MODE" = exec ]; then
		timeout -k 5 "$STORM_TIMEOUT" "$BENCH/storm" exec "$N" "$W" "$PROG" "$d/$t.pids" \
			>"$d/$t.storm" 2>"$d/$t.storm.err" &
	else
		timeout -k 5 "$STORM_TIMEOUT" "$BENCH/storm" fork "$N" "$W" "$d/$t.pids" \
			>"$d/$t.storm" 2>"$d/$t.storm.err" &
	fi
	STORM_PID=$!
	wait "$STORM_PID"; rc=$?
	STORM_PID=
	read -r f1 b1 < <(stat_counters)
	# forks by anything else during the storm (storm, workers, timeout, awk: W+3)
	echo "background forks=$((f1 - f0 - N - W - 3))" >>"$d/$t.storm"
	echo "busy_ms=$(( (b1 - b0) * 1000 / $(getconf CLK_TCK) )) ncpu=$(nproc)" >>"$d/$t.storm"
	[ "$rc" = 124 ] && echo "run.sh: $t: storm timed out after ${STORM_TIMEOUT}s" >&2
	sed 's/^/    /' "$d/$t.storm.err" >&2
	return 0
}

# stat_counters: forks since boot, and busy CPU time in ticks (user nice system
# irq softirq steal: steal is the hypervisor taking the CPU away)
stat_counters() {
	awk '$1 == "processes" { p = $2 } $1 == "cpu" { b = $2 + $3 + $4 + $7 + $8 + $9 }
		END { print p, b }' /proc/stat
}

# has_connector_socket PID: the process holds a NETLINK_CONNECTOR socket
has_connector_socket() {
	local ino
	ino=$(find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n' | tr '\n' ' ')
	[ -n "$ino" ] || return 1
	awk -v l="$ino" 'BEGIN { n = split(l, a, " "); for (i = 1; i <= n; i++) s[a[i]] = 1 }
		NR > 1 && $2 == 11 && ($10 in s) { f = 1 } END { exit !f }' /proc/net/netlink
}

# wait_drained: at least 1 s, then until the monitor has read everything queued
# on its connector socket(s) (max 10 s), then 0.3 s for it to print the rest
wait_drained() {
	sleep 1
	$PY drain "$MON_PID" 10 ||
		echo "run.sh: $1: still a backlog on its socket 10 s after the storm; sampling anyway" >&2
	sleep 0.3
}

# ---- rows for the exec gate (issue 11): prochookd with a deny rule that
# matches nothing in the storm, and fapolicyd for comparison
GATE_MOUNTED=

gate_row() {
	case $1 in deny-path|deny-glob|fapolicyd|floor-gate|floor-glob) return 0 ;; esac
	return 1
}

# gate_row_cmd DIR TOOL: write the row's configuration and set cmd (the
# caller's); 1, with DIR/TOOL.skipped, when the row cannot run.
gate_row_cmd() {
	local d=$1 t=$2 exe etc uid pids
	# The denied file exists (an exact path is marked by its inode), never runs.
	install -m 0755 /bin/true "$OUT/deny-target" || return 1
	case $t in
	deny-path|deny-glob|floor-glob)
		if [ ! -x "$PROCHOOKD" ]; then
			echo "$PROCHOOKD not found or not executable (build it with make, or set PROCHOOKD)" >"$d/$t.skipped"
			return 1
		fi
		exe=$(realpath "$OUT/deny-target")
		[ "$t" = deny-glob ] && exe="${exe%-target}-targ*"
		printf '[daemon]\nrules_dir = %s/none.d\n\n[never-in-storm]\nevent = exec\nexe = %s\naction = deny\n' \
		    "$d" "$exe" >"$d/$t.conf"
		cmd=("$PROCHOOKD" -c "$d/$t.conf")
		# --dry-run: the loop sees every exec (no exec is left to the
		# gate), the gate marks one file; floorgate marks the storm's.
		if [ "$t" = floor-glob ]; then
			cmd=("$BENCH/floorgate" -m "$OUT" -- "${cmd[@]}" --dry-run)
		fi ;;
	floor-gate)
		cmd=("$BENCH/floorgate" -m "$OUT") ;;
	fapolicyd)
		if ! command -v fapolicyd >/dev/null; then
			echo "fapolicyd is not installed (apt-get install -y fapolicyd; read bench/README.md first)" >"$d/$t.skipped"
			return 1
		fi
		if pids=$(pgrep -x fapolicyd); then
			echo "a fapolicyd already runs (pid $(echo $pids)): not started a second time" >"$d/$t.skipped"
			return 1
		fi
		if mountpoint -q /etc/fapolicyd; then
			echo "something is already mounted on /etc/fapolicyd" >"$d/$t.skipped"
			return 1
		fi
		# Its own configuration: one rule that denies a file the storm
		# never runs, to a user that is not the storm's, then allow all.
		# It runs as root (uid/gid): where the capability bounding set
		# lacks what it keeps, it cannot change to its own user.  Only
		# ext4 is watched: the storm's file system, and no tmpfs of other
		# programs.  trust = file with an empty list: no package database
		# is read (integrity = none, and no rule asks for trust).
		etc=$d/fapolicyd-etc
		uid=$(id -u nobody)
		mkdir -p "$etc/rules.d" "$etc/trust.d"
		cat >"$etc/fapolicyd.conf" <<-EOF
		permissive = 0
		nice_val = 14
		q_size = 640
		uid = root
		gid = root
		do_stat_report = 0
		detailed_report = 0
		db_max_size = 50
		subj_cache_size = 1549
		obj_cache_size = 8191
		watch_fs = ext4
		trust = file
		integrity = none
		syslog_format = rule,dec,perm,auid,pid,exe,:,path,ftype,trust
		rpm_sha256_only = 0
		allow_filesystem_mark = 0
		EOF
		printf 'deny_audit perm=execute uid=%s : path=%s\nallow perm=any all : all\n' \
		    "$uid" "$(realpath "$OUT/deny-target")" >"$etc/compiled.rules"
		: >"$etc/fapolicyd.trust"
		chmod 644 "$etc"/*.conf "$etc"/*.rules "$etc"/*.trust
		if ! mount --bind "$etc" /etc/fapolicyd; then
			echo "cannot bind-mount its configuration on /etc/fapolicyd" >"$d/$t.skipped"
			return 1
		fi
		GATE_MOUNTED=1
		if ! cmp -s "$etc/compiled.rules" /etc/fapolicyd/compiled.rules; then
			echo "its configuration is not in place on /etc/fapolicyd" >"$d/$t.skipped"
			gate_row_stop
			return 1
		fi
		# In the foreground; timeout ends it even if this script is killed.
		cmd=(timeout -s TERM $((STORM_TIMEOUT + READY_TIMEOUT + 60)) fapolicyd --debug-deny) ;;
	esac
}

# gate_row_ready DIR TOOL: ready; for a deny row, a warning if the gate
# did not say it marked what the row is meant to measure (prochookd logs
# its marks before "ready").
gate_row_ready() {
	local d=$1 t=$2 want=
	case $t in
	fapolicyd) grep -q "Starting to listen for events" "$d/$t.err"; return ;;
	deny-path) want="files marked" ;;
	deny-glob) want="file systems marked" ;;
	floor-gate) grep -q "every exec allowed" "$d/$t.err"; return ;;
	floor-glob) want="files marked" ;;
	esac
	grep -q ready "$d/$t.err" || return 1
	grep -q "$want" "$d/$t.err" ||
		echo "$t: prochookd did not log \"$want\" before ready: the row may not measure the gate (see $t.err)" >>"$d/warnings"
	return 0
}

# Undo the bind mount of fapolicyd's configuration (once it has stopped).
gate_row_stop() {
	[ -n "$GATE_MOUNTED" ] || return 0
	umount /etc/fapolicyd 2>/dev/null || umount -l /etc/fapolicyd
	GATE_MOUNTED=
}

# rules_path TOOL: the configuration of a rules row: a given file where it
# is (its relative hooks_dir and rules_dir), a generated one in RUNS
rules_path() {
	local i=${1#rules}
	if isnum "${RULES[$((i - 1))]}"; then
		echo "$RUNS/$1.conf"
	else
		realpath "${RULES[$((i - 1))]}"
	fi
}

# run_monitor DIR TOOL: one monitored storm
run_monitor() {
	local d=$1 t=$2 sig=INT ready=
	local -a cmd
	case $t in
	prochookd)
		if [ ! -x "$PROCHOOKD" ]; then
			echo "$PROCHOOKD not found or not executable (build it with make, or set PROCHOOKD)" >"$d/$t.skipped"
			echo "  $t: skipped: $(cat "$d/$t.skipped")" >&2
			return
		fi
		# shellcheck disable=SC2206
		cmd=("$PROCHOOKD" $PROCHOOKD_ARGS -m --json); sig=TERM ;;
	rules*)
		if [ ! -x "$PROCHOOKD" ]; then
			echo "$PROCHOOKD not found or not executable" >"$d/$t.skipped"
			echo "  $t: skipped: $(cat "$d/$t.skipped")" >&2
			return
		fi
		# The rules given: relative paths in the file from where it was.
		cp "$RUNS/$t.label" "$d/$t.label"
		# shellcheck disable=SC2206
		cmd=("$PROCHOOKD" $PROCHOOKD_ARGS -c "$(rules_path "$t")"); sig=TERM ;;
	forkstat)   cmd=(forkstat -l) ;;
	forkstat-r) cmd=(forkstat -l -r) ;;
	extrace)    cmd=(extrace -f) ;;
	deny-path|deny-glob|fapolicyd|floor-gate|floor-glob)
		gate_row_cmd "$d" "$t" || { echo "  $t: skipped: $(cat "$d/$t.skipped")" >&2; return; }
		sig=TERM ;;
	esac
	if ! command -v "${cmd[0]}" >/dev/null; then
		echo "${cmd[0]} is not installed (apt-get install -y forkstat extrace)" >"$d/$t.skipped"
		echo "  $t: skipped: $(cat "$d/$t.skipped")" >&2
		return
	fi
	echo "  $t: ${cmd[*]}" >&2
	python3 -c "$LAUNCH" "$SESSION" "${cmd[@]}" >"$d/$t.out" 2>"$d/$t.err" </dev/null &
	MON_PID=$!
	for _ in $(seq $((READY_TIMEOUT * 10))); do
		if ! kill -0 "$MON_PID" 2>/dev/null; then break; fi
		if [ "$t" = prochookd ] || [[ $t == rules* ]]; then
			grep -q ready "$d/$t.err" && { ready=1; break; }
		elif gate_row "$t"; then
			gate_row_ready "$d" "$t" && { ready=1; break; }
		elif has_connector_socket "$MON_PID"; then
			sleep 1; ready=1; break
		fi
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		if kill -0 "$MON_PID" 2>/dev/null; then
			echo "not ready after ${READY_TIMEOUT}s; stderr: $(tail -c 300 "$d/$t.err" | tr '\n' ' ')" >"$d/$t.skipped"
		else
			wait "$MON_PID"
			echo "exited with status $? before ready; stderr: $(tail -c 300 "$d/$t.err" | tr '\n' ' ')" >"$d/$t.skipped"
		fi
		echo "  $t: skipped: $(cat "$d/$t.skipped")" >&2
		cleanup
		return
	fi
	$PY sample "$MON_PID" "$d/$t.out" >"$d/$t.before.json"
	run_storm "$d" "$t"
	$PY sample "$MON_PID" "$d/$t.out" >"$d/$t.mid.json"
	wait_drained "$t"
	$PY sample "$MON_PID" "$d/$t.out" >"$d/$t.after.json"
	if ! kill -0 "$MON_PID" 2>/dev/null; then
		echo "  $t: WARNING: the monitor died during the storm" >&2
		echo "$t died during the storm" >>"$d/warnings"
	fi
	kill -"$sig" "$MON_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$MON_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$MON_PID" 2>/dev/null; then
		echo "  $t: did not stop on SIG$sig within 5 s; killing it" >&2
		kill -KILL -- -"$MON_PID" 2>/dev/null
	fi
	wait "$MON_PID" 2>/dev/null
	kill -KILL -- -"$MON_PID" 2>/dev/null	# anything it left behind
	MON_PID=
	gate_row_stop
	$PY tool "$d" "$t" "$MODE" "$PROG"
}

one_run() {
	local k=$1 d=$RUNS/run$1 t
	mkdir -p "$d"
	echo "== run $k/$R: $MODE storm, $N processes, $W workers, $SESSION session ($(date '+%F %T'))" >&2
	echo "  bare" >&2
	run_storm "$d" bare; $PY bare "$d" bare
	for t in ${TOOLS_SEL//,/ } ${RULE_TOOLS//,/ }; do
		[ "$t" = bare ] && continue
		run_monitor "$d" "$t"
	done
	echo "  bare (again)" >&2
	run_storm "$d" bare-end; $PY bare "$d" bare-end
	echo
	echo "Run $k/$R: $MODE storm of $N processes, $W workers, monitor in $SESSION session, $(nproc) CPUs, kernel $(uname -r)"
	echo
	$PY table "$d"
	[ -f "$d/warnings" ] && sed 's/^/  WARNING: /' "$d/warnings"
	echo
}

# the tables also go to report.txt
exec > >(tee "$RUNS/report.txt")
dirs=()
for k in $(seq "$R"); do
	one_run "$k"
	dirs+=("$RUNS/run$k")
done
if [ "$R" -gt 1 ]; then
	echo "Summary over $R runs (min–max per cell): $MODE storm of $N processes, $W workers, monitor in $SESSION session"
	echo
	$PY summary "${dirs[@]}"
	echo
fi
echo "(files: ${RUNS#"$PWD"/}/, also bench/out/last/; this report: report.txt there)"
