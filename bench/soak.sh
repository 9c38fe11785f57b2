#!/bin/bash
# bench/soak.sh — prochookd under a mixed load for a long time: does anything grow?
#
#   bench/soak.sh [-d SECONDS] [-i SECONDS] [-n EXECS] [-f FORKS]
#     -d SECONDS  how long the load runs (default 1800: 30 minutes)
#     -i SECONDS  the sampling interval, also the load's tick (default 10)
#     -n EXECS    execs of the exec storm per tick (default 1000)
#     -f FORKS    forks of the fork storm per tick (default 1000)
#   PROCHOOKD   the daemon to run (./prochookd)
#
# Every tick (10 s) runs, one after the other and each bounded: an exec storm
# and a fork storm (bench/storm, one worker each), 5 multi-threaded processes
# (16 threads each), 20 uid changes (setpriv to a user of the soak's own),
# 20 execs of a program whose rule runs a hook; every 6th tick (a minute)
# the configuration is reloaded (SIGHUP, with a rules.d file rewritten).
# Then the load is quiet for a second and the daemon is sampled: SIGUSR1
# for its counters, /proc for the RSS and descriptors of each part and for
# the live processes.  One CSV line per sample; at the end a PNG plot and
# a summary (bench/soakplot.py).
#
# The rules match only the soak's own programs (copies of /bin/true under
# its output directory) and its own user: nothing else on the machine is
# acted on.  Output: bench/out/soak-<date>/ (soak.csv, soak.png,
# summary.txt, daemon.err, load.log); bench/out/soak-last points to it.
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)

DURATION=1800 TICK=10 NEXEC=1000 NFORK=1000
while getopts d:i:n:f: o; do
	case $o in
	d) DURATION=$OPTARG ;;
	i) TICK=$OPTARG ;;
	n) NEXEC=$OPTARG ;;
	f) NFORK=$OPTARG ;;
	*) sed -n '2,10p' "$0" >&2; exit 2 ;;
	esac
done
: "${PROCHOOKD:=./prochookd}"
PROCHOOKD=$(readlink -f "$PROCHOOKD")
[ "$(id -u)" = 0 ] || { echo "soak.sh: needs root" >&2; exit 1; }
[ -x "$PROCHOOKD" ] || { echo "soak.sh: no $PROCHOOKD (run make)" >&2; exit 1; }

OUT=$TOP/bench/out/soak-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT/hooks" "$OUT/rules.d" "$OUT/pids"
chmod 755 "$OUT" "$OUT/hooks"
ln -sfn "$(basename "$OUT")" "$TOP/bench/out/soak-last"
cc -O2 -Wall -o "$TOP/bench/storm" "$TOP/bench/storm.c" || exit 1
# A copy of the daemon: a rebuild during the soak does not touch it.
install -m 0755 "$PROCHOOKD" "$OUT/prochookd"
PROCHOOKD=$OUT/prochookd
install -m 0755 /bin/true "$OUT/soak-true"
install -m 0755 /bin/true "$OUT/soak-hooked"
install -m 0755 /bin/true "$OUT/soak-uid"
SOAK_USER=prochook-soak
getent passwd prochook >/dev/null || make -s user
getent passwd "$SOAK_USER" >/dev/null ||
	useradd --user-group --no-create-home --home-dir / \
	    --shell /usr/sbin/nologin "$SOAK_USER" || exit 1

cat >"$OUT/hooks/count" <<EOF
#!/bin/sh
echo "\$PROCHOOK_PID" >>$OUT/hooks.ran
EOF
chmod 755 "$OUT/hooks/count"
: >"$OUT/hooks.ran"
chmod 666 "$OUT/hooks.ran"
cat >"$OUT/prochook.conf" <<EOF
[daemon]
hooks_dir = $OUT/hooks
rules_dir = $OUT/rules.d

; every exec of the exec storm's program, logged: the execs accounted for
[soak-exec]
event = exec
exe = $OUT/soak-true
action = log
rate = 1000000

; a hook for each exec of this one
[soak-hook]
event = exec
exe = $OUT/soak-hooked
hook = count
rate = 50

; changes to the soak user's uid (setpriv, before it runs soak-uid)
[soak-uid]
event = uid
uid = $SOAK_USER
action = log
rate = 1000000
EOF
rules_file() {
	cat >"$OUT/rules.d/reload.conf" <<EOF
; rewritten at each reload ($1)
[soak-reload]
event = exit
exe = $OUT/soak-never-run
action = log
EOF
}
rules_file 0
"$PROCHOOKD" -t -c "$OUT/prochook.conf" >"$OUT/check.txt" 2>&1 || {
	cat "$OUT/check.txt" >&2; exit 1; }

DPID=
LOAD=()
cleanup() {
	local p
	for p in "${LOAD[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID"
		for _ in $(seq 1 50); do
			kill -0 "$DPID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$DPID" 2>/dev/null
	fi
	wait 2>/dev/null
}
trap cleanup EXIT
trap 'echo "soak.sh: interrupted" >&2; exit 130' INT TERM HUP

"$PROCHOOKD" -c "$OUT/prochook.conf" >/dev/null 2>"$OUT/daemon.err" &
DPID=$!
for _ in $(seq 1 300); do
	grep -q 'ready: privileges' "$OUT/daemon.err" && break
	kill -0 "$DPID" 2>/dev/null || { cat "$OUT/daemon.err" >&2; exit 1; }
	sleep 0.1
done
grep -q 'ready: privileges' "$OUT/daemon.err" || { echo "soak.sh: not ready" >&2; exit 1; }

# The parts: the daemon (privileged part), the event loop (its child running
# as prochook), and its other children (hook supervisors, and any other
# part); summed per kind.
part_cols() {
	local loop kids p rss fds orss=0 ofds=0 on=0
	loop=$(pgrep -P "$DPID" -u prochook | head -1)
	kids=$(pgrep -P "$DPID")
	printf '%s,%s,%s,%s,' \
	    "$(awk '/^VmRSS/ {print $2}' /proc/"$DPID"/status 2>/dev/null)" \
	    "$(ls /proc/"$DPID"/fd 2>/dev/null | wc -l)" \
	    "$(awk '/^VmRSS/ {print $2}' /proc/"$loop"/status 2>/dev/null)" \
	    "$(ls /proc/"$loop"/fd 2>/dev/null | wc -l)"
	for p in $kids; do
		[ "$p" = "$loop" ] && continue
		rss=$(awk '/^VmRSS/ {print $2}' /proc/"$p"/status 2>/dev/null) || continue
		[ -n "$rss" ] || continue
		fds=$(ls /proc/"$p"/fd 2>/dev/null | wc -l)
		on=$((on + 1)) orss=$((orss + rss)) ofds=$((ofds + fds))
	done
	printf '%s,%s,%s,' "$on" "$orss" "$ofds"
}

live() { ls -d /proc/[0-9]* 2>/dev/null | wc -l; }

# The last value of a counter in the daemon's log: last_num REGEX FIELD
last_num() {
	grep -oE "$1" "$OUT/daemon.err" | tail -1 | awk -v f="$2" '{print $f}' | tr -d ,
}

EXECS=0 FORKS=0 UIDS=0 HOOKED=0 RELOADS=0 THREADS=0
sample() {
	local t=$1 n0 h0 before after m
	n0=$(grep -c 'process table:' "$OUT/daemon.err")
	h0=$(grep -c 'hooks: .* running' "$OUT/daemon.err")
	before=$(live)
	kill -USR1 "$DPID"
	for _ in $(seq 1 100); do
		[ "$(grep -c 'process table:' "$OUT/daemon.err")" -gt "$n0" ] &&
			[ "$(grep -c 'hooks: .* running' "$OUT/daemon.err")" -gt "$h0" ] && break
		sleep 0.05
	done
	after=$(live)
	m=$(grep -c 'rule soak-exec (log): ' "$OUT/daemon.err")
	{
		printf '%s,' "$t"
		part_cols
		printf '%s,%s,%s,' "$(last_num 'process table: [0-9]+' 3)" "$before" "$after"
		printf '%s,%s,' "$(last_num 'lost: [0-9]+ events dropped by the kernel in [0-9]+' 2)" \
		    "$(last_num 'lost: [0-9]+ events dropped by the kernel in [0-9]+' 9)"
		printf '%s,%s,' "$(last_num '[0-9]+ synthetic execs' 1)" \
		    "$(last_num '[0-9]+ synthetic uid/gid' 1)"
		printf '%s,%s,' "$(last_num 'exec [0-9]+, exit' 2)" \
		    "$(last_num '[0-9]+ executables and' 1)"
		printf '%s,%s,%s,' "$(last_num 'hooks: [0-9]+ started' 2)" \
		    "$(last_num '[0-9]+ failed, [0-9]+ timed out' 1)" \
		    "$(last_num '[0-9]+ dropped \(queue full\)' 1)"
		printf '%s,%s,%s,%s,%s,%s,%s,%s\n' "$EXECS" "$m" "$FORKS" "$THREADS" \
		    "$UIDS" "$HOOKED" "$(wc -l <"$OUT/hooks.ran" 2>/dev/null || echo 0)" "$RELOADS"
	} >>"$OUT/soak.csv"
}

echo "t,privd_rss_kb,privd_fds,loop_rss_kb,loop_fds,other_parts,other_rss_kb,other_fds,table,proc_before,proc_after,lost_events,lost_gaps,synthetic_execs,synthetic_ids,exec_events,exe_unknown,hooks_started,hooks_failed,hooks_dropped,soak_execs,soak_execs_logged,soak_forks,threaded_procs,uid_changes,hooked_execs,hooks_ran,reloads" >"$OUT/soak.csv"
{
	echo "soak: $DURATION s, tick $TICK s, per tick: exec storm $NEXEC, fork storm $NFORK,"
	echo "      5 processes of 16 threads, 20 uid changes, 20 hook-triggering execs; reload every 6 ticks"
	echo "      $(uname -r), $(nproc) CPUs, started $(date -u +%FT%TZ)"
} | tee "$OUT/load.log"

THREADPROG='import threading,time
ts=[threading.Thread(target=time.sleep,args=(0.2,)) for _ in range(16)]
[t.start() for t in ts]; [t.join() for t in ts]'
t0=$(date +%s)
sample 0
tick=0
while :; do
	now=$(date +%s)
	[ $((now - t0)) -ge "$DURATION" ] && break
	tick=$((tick + 1))
	kill -0 "$DPID" 2>/dev/null || { echo "soak.sh: prochookd died" | tee -a "$OUT/load.log" >&2; exit 1; }
	# The storms, each bounded.
	r=$(timeout 60 "$TOP/bench/storm" exec "$NEXEC" 1 "$OUT/soak-true" "$OUT/pids/exec.$tick" 2>/dev/null)
	echo "tick $tick: $r" >>"$OUT/load.log"
	EXECS=$((EXECS + $(echo "$r" | sed -n 's/.* ok=\([0-9]*\).*/\1/p' | head -1)))
	r=$(timeout 60 "$TOP/bench/storm" fork "$NFORK" 1 2>/dev/null)
	echo "tick $tick: $r" >>"$OUT/load.log"
	FORKS=$((FORKS + $(echo "$r" | sed -n 's/.* ok=\([0-9]*\).*/\1/p' | head -1)))
	tp=()
	for _ in 1 2 3 4 5; do timeout 10 python3 -c "$THREADPROG" & tp+=($!); done
	wait "${tp[@]}"
	THREADS=$((THREADS + 5))
	for _ in $(seq 1 20); do
		setpriv --reuid="$SOAK_USER" --regid="$SOAK_USER" --clear-groups "$OUT/soak-uid"
	done
	UIDS=$((UIDS + 20))
	for _ in $(seq 1 20); do "$OUT/soak-hooked"; done
	HOOKED=$((HOOKED + 20))
	if [ $((tick % 6)) = 0 ]; then
		rules_file "$tick"
		kill -HUP "$DPID"
		RELOADS=$((RELOADS + 1))
	fi
	# Quiet until the tick's end, then sample.
	now=$(date +%s)
	left=$((t0 + tick * TICK - now))
	[ "$left" -gt 0 ] && sleep "$left"
	sleep 1
	sample $(($(date +%s) - t0))
done
echo "load done $(date -u +%FT%TZ)" | tee -a "$OUT/load.log"
kill -USR1 "$DPID"
sleep 1
cleanup
DPID=
# The plot needs matplotlib: the system's python3 has it from python3-matplotlib.
PY=python3
python3 -c 'import matplotlib' 2>/dev/null || { [ -x /usr/bin/python3 ] && PY=/usr/bin/python3; }
"$PY" "$TOP/bench/soakplot.py" "$OUT" | tee "$OUT/summary.txt"
