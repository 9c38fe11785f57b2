#!/bin/bash
# bench/pair.sh - two or more builds of prochookd side by side, in turns, on
# the same exec storm: the daemon's CPU per exec it handled.
#
# Usage (as root, from the top of the repository):
#   bench/pair.sh [-r R] [-n N] -a "DAEMON ARGS" BUILD...
#     -r R   rounds (default 3); each round runs every BUILD once, in order
#     -n N   storm processes (default 3000, 2 workers)
#     -a A   the daemon's arguments (default "-c conf/prochook.conf";
#            "-m --json" for the monitor, whose lines go to a file)
# Per build and round: the CPU time of the daemon's tree between two
# SIGUSR1 counter lines (one before the storm, one after), divided by the
# execs and by all the events the daemon counted in between.  Unlike
# bench/run.sh, which divides by the storm's own events, this also counts
# what other work on the machine made the daemon handle: on a shared,
# loaded machine compare builds within a round, not with other runs.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.."
R=3 N=3000 ARGS="-c conf/prochook.conf"
usage() { sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
while getopts r:n:a:h o; do
	case $o in
	r) R=$OPTARG ;; n) N=$OPTARG ;; a) ARGS=$OPTARG ;;
	h) usage 0 ;; *) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
[ "$(id -u)" = 0 ] || { echo "pair.sh: must run as root" >&2; exit 2; }
OUT=bench/out/pair
mkdir -p "$OUT" || exit 1
cc -O2 -Wall -o bench/storm bench/storm.c || exit 1
install -m 0755 /bin/true "$OUT/true-storm" || exit 1
PROG=$(realpath "$OUT/true-storm")

DPID=
cleanup() { [ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null; wait 2>/dev/null; DPID=; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# tree_cpu PID: CPU ns of PID and its children
tree_cpu() {
	local s=0 p t a
	for p in "$1" $(pgrep -P "$1"); do
		for t in /proc/"$p"/task/*/schedstat; do
			read -r a _ <"$t" 2>/dev/null && s=$((s + a))
		done
	done
	echo "$s"
}

# counters FILE: "fork exec exit" of the last SIGUSR1 line
counters() {
	sed -n 's/.*events: fork \([0-9]*\), exec \([0-9]*\), exit \([0-9]*\),.*/\1 \2 \3/p' "$1" | tail -1
}

# one BUILD: prints "µs/exec µs/event execs events"
one() {
	local err=$OUT/err c1 c2 f1 e1 x1 f2 e2 x2 i
	# shellcheck disable=SC2086
	"$1" $ARGS >"$OUT/out" 2>"$err" &
	DPID=$!
	for i in $(seq 150); do grep -qs ready "$err" && break; sleep 0.1; done
	grep -qs ready "$err" || { echo "pair.sh: $1 not ready" >&2; exit 1; }
	sleep 0.3
	kill -USR1 "$DPID"; sleep 0.3
	read -r f1 e1 x1 < <(counters "$err")
	c1=$(tree_cpu "$DPID")
	bench/storm exec "$N" 2 "$PROG" "$OUT/pids" >/dev/null 2>&1
	sleep 0.5
	c2=$(tree_cpu "$DPID")
	kill -USR1 "$DPID"; sleep 0.3
	read -r f2 e2 x2 < <(counters "$err")
	cleanup
	awk -v c=$((c2 - c1)) -v ex=$((e2 - e1)) -v ev=$((f2 - f1 + e2 - e1 + x2 - x1)) \
	    'BEGIN { printf "%.1f %.1f %d %d\n", c / 1000 / (ex ? ex : 1), c / 1000 / (ev ? ev : 1), ex, ev }'
}

echo "pair: $N execs, daemon args \"$ARGS\" ($(nproc) CPUs, $(uname -r))"
for r in $(seq "$R"); do
	line="round $r"
	for b in "$@"; do
		read -r pe pv ex ev < <(one "$b")
		line="$line | $b: $pe µs/exec, $pv µs/event ($ex execs, $ev events)"
	done
	echo "$line"
done
