#!/bin/bash
# bench/workload.sh - a real shell-heavy job, bare and under prochookd: wall
# time with the shipped rules and with the monitor, against the bare job.
#
# Usage (as root, from the top of the repository, after make):
#   bench/workload.sh [-r R] [-w configure|shell] [-c CONF]
#     -r R   rounds (default 5); each round runs the job bare, under the
#            rules, under the monitor, and bare again, in a rotating order
#     -w W   the job (default: configure when the files are there, else shell)
#            configure: the configure script of libltdl as the libtool
#              package installs it (/usr/share/libtool), with the auxiliary
#              files of libtool and automake: some 3000 processes of
#              sh, sed, grep, cc, rm... (apt-get install libtool automake)
#            shell: a generated script of small pipelines (sed, grep, awk,
#              sort, cut, tr, wc, cat) over generated text, 4400 processes
#              or so; needs nothing but coreutils, sed, mawk/gawk, grep
#     -c C   the rules (default conf/prochook.conf)
#   PROCHOOKD (default ./prochookd).
# Scenarios: bare; "rules": prochookd -c CONF; "monitor": prochookd -m
# --json >file.  The daemon is started and ready before the job, stopped
# after it.  Printed per round: the wall time of each scenario and the
# daemon's CPU time (its whole tree) during the job; then the median
# overhead of each scenario over the bare runs of the same round, and the
# median daemon CPU per exec of the job.
# Files under bench/out/workload/ (git-ignored).
set -u
export LC_ALL=C
cd "$(dirname "$0")/.."
R=5 WL= CONF=conf/prochook.conf
PROCHOOKD=${PROCHOOKD:-./prochookd}
usage() { sed -n '4,27p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
while getopts r:w:c:h o; do
	case $o in
	r) [[ $OPTARG =~ ^[1-9][0-9]*$ ]] || usage; R=$OPTARG ;;
	w) case $OPTARG in configure|shell) WL=$OPTARG ;; *) usage ;; esac ;;
	c) CONF=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "workload.sh: must run as root" >&2; exit 2; }
[ -x "$PROCHOOKD" ] || { echo "workload.sh: $PROCHOOKD: not built" >&2; exit 2; }
"$PROCHOOKD" -t -c "$CONF" >/dev/null || exit 2
OUT=$(pwd)/bench/out/workload
rm -rf "$OUT"
mkdir -p "$OUT" || exit 1
LT=/usr/share/libtool
AM=$(ls -d /usr/share/automake-* 2>/dev/null | tail -1)
have_configure() { [ -x "$LT/configure" ] && [ -f "$LT/build-aux/ltmain.sh" ] && [ -n "$AM" ]; }
if [ -z "$WL" ]; then
	if have_configure; then WL=configure; else WL=shell; fi
fi

# The job's tree, made once: configure in a build directory of its own.
prepare() {
	if [ "$WL" = configure ]; then
		have_configure || { echo "workload.sh: needs $LT (libtool) and automake" >&2; exit 2; }
		mkdir -p "$OUT/src/build-aux"
		cp -r "$LT" "$OUT/src/libltdl"
		cp -L "$LT"/build-aux/{compile,depcomp,install-sh,ltmain.sh,missing} "$OUT/src/build-aux/"
		cp -L "$AM"/config.guess "$AM"/config.sub "$OUT/src/build-aux/"
	else
		mkdir -p "$OUT/src"
		awk 'BEGIN { srand(42); for (i = 0; i < 4000; i++)
			printf "%d user%d /usr/lib/pkg%d/file%d.so %s\n", i, int(rand() * 50),
			    int(rand() * 200), i, (rand() < 0.5 ? "ok" : "fail") }' >"$OUT/src/data"
		cat >"$OUT/src/job.sh" <<'JOB'
#!/bin/sh
# Small pipelines over a text file, as build and admin scripts run them.
d=$1
i=0
while [ $i -lt 60 ]; do
	u=user$((i % 50))
	grep " $u " "$d" | cut -d' ' -f3 | sed 's,/file[0-9]*\.so,,' | sort -u | wc -l >/dev/null
	awk -v u="$u" '$2 == u && $4 == "fail" { n++ } END { print n + 0 }' "$d" >/dev/null
	tr 'a-z' 'A-Z' <"$d" | head -n 20 | tail -n 5 >/dev/null
	cat "$d" | grep -c ok >/dev/null
	basename "/usr/lib/pkg$i/x.so" .so >/dev/null
	i=$((i + 1))
done
JOB
		chmod 755 "$OUT/src/job.sh"
	fi
}

# run_job DIR: the job once in DIR; prints its wall time in ms
run_job() {
	local t0 t1
	rm -rf "$1"; mkdir -p "$1"
	t0=$(date +%s%N)
	if [ "$WL" = configure ]; then
		(cd "$1" && "$OUT/src/libltdl/configure" -q >"$1/log" 2>&1) || echo "workload.sh: configure failed, see $1/log" >&2
	else
		"$OUT/src/job.sh" "$OUT/src/data" >"$1/log" 2>&1 || echo "workload.sh: the job failed" >&2
	fi
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

# tree_cpu PID: CPU ns of PID and its children (the daemon's parts)
tree_cpu() {
	local s=0 p t a
	for p in "$1" $(pgrep -P "$1"); do
		for t in /proc/"$p"/task/*/schedstat; do
			read -r a _ <"$t" 2>/dev/null && s=$((s + a))
		done
	done
	echo "$s"
}

# execs: the machine's fork counter (a job's processes, and any noise)
forks() { awk '$1 == "processes" { print $2 }' /proc/stat; }

DPID=
cleanup() { [ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null; wait 2>/dev/null; DPID=; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# scenario NAME ROUND: prints "wall_ms cpu_ns forks"
scenario() {
	local s=$1 k=$2 c0=0 c1=0 w f0 f1 i
	case $s in
	rules) "$PROCHOOKD" -c "$CONF" >/dev/null 2>"$OUT/$s.$k.err" & DPID=$! ;;
	monitor) "$PROCHOOKD" -m --json >"$OUT/$s.$k.out" 2>"$OUT/$s.$k.err" & DPID=$! ;;
	esac
	if [ -n "$DPID" ]; then
		for i in $(seq 150); do grep -qs ready "$OUT/$s.$k.err" && break; sleep 0.1; done
		grep -qs ready "$OUT/$s.$k.err" || { echo "workload.sh: $s: not ready" >&2; exit 1; }
		c0=$(tree_cpu "$DPID")
	fi
	f0=$(forks)
	w=$(run_job "$OUT/run")
	f1=$(forks)
	if [ -n "$DPID" ]; then
		sleep 0.3
		c1=$(tree_cpu "$DPID")
		cleanup
	fi
	echo "$w $((c1 - c0)) $((f1 - f0))"
}

prepare
echo "workload: $WL, $R rounds, rules $CONF ($(nproc) CPUs, $(uname -r))"
run_job "$OUT/warm" >/dev/null		# caches warm
printf '%-6s %10s %10s %10s %10s %12s %12s %8s\n' round "bare ms" "rules ms" "monitor ms" \
	"bare2 ms" "rules µs/p" "monitor µs/p" procs | tee "$OUT/report.txt"
orders=("bare rules monitor bare2" "bare monitor rules bare2" "bare2 rules monitor bare" \
	"bare2 monitor rules bare")
for k in $(seq "$R"); do
	declare -A W C F
	for s in ${orders[$(( (k - 1) % 4 ))]}; do
		scenario "${s%2}" "$k" >"$OUT/result"
		read -r "W[$s]" "C[$s]" "F[$s]" <"$OUT/result"
	done
	printf '%-6d %10d %10d %10d %10d %12.1f %12.1f %8d\n' "$k" "${W[bare]}" "${W[rules]}" \
		"${W[monitor]}" "${W[bare2]}" "$(awk -v c="${C[rules]}" -v f="${F[rules]}" 'BEGIN { print c / 1000 / (f ? f : 1) }')" \
		"$(awk -v c="${C[monitor]}" -v f="${F[monitor]}" 'BEGIN { print c / 1000 / (f ? f : 1) }')" \
		"${F[bare]}" | tee -a "$OUT/report.txt"
	unset W C F
done
awk 'NR > 1 { b = ($2 + $5) / 2; r[NR] = 100 * ($3 - b) / b; m[NR] = 100 * ($4 - b) / b
		rc[NR] = $6; mc[NR] = $7; n++ }
	function med(a,   k, v, i, j, t) { k = 0; for (i in a) v[++k] = a[i]
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2 }
	END { printf "median over %d rounds: rules %+.1f %% wall time (%.1f µs CPU per process), monitor %+.1f %% (%.1f µs per process), against the mean of the round'"'"'s two bare runs\n",
		n, med(r), med(rc), med(m), med(mc) }' "$OUT/report.txt" | tee -a "$OUT/report.txt"
