#!/bin/bash
# bench/rules.sh - CPU per event of the event loop with 1 rule and with 200
# rules loaded, on the same exec storm (default 6000 processes, 2 workers).
#
# Usage (as root, from the top of the repository, after make):
#   bench/rules.sh [-n N] [-w W] [-r R]
# The rules are exec, exit and uid rules with exe, cmdline, comm, uid and
# parent keys, as an administrator would write them; none matches the storm,
# so every rule is tried on every event and nothing is logged or run.
# CPU is the event loop's user+system time (from /proc/PID/stat) over the
# storm, divided by the storm's events (3 per process: fork, exec, exit).
set -euo pipefail
cd "$(dirname "$0")/.."
N=6000 W=2 R=3
while getopts n:w:r: o; do
	case $o in n) N=$OPTARG ;; w) W=$OPTARG ;; r) R=$OPTARG ;; *) exit 2 ;; esac
done
PROCHOOKD=${PROCHOOKD:-./prochookd}
OUT=bench/out/rules
mkdir -p "$OUT"
cc -O2 -o bench/storm bench/storm.c
cp /bin/true bench/out/true-storm
TRUE=$(readlink -f bench/out/true-storm)
HZ=$(getconf CLK_TCK)

# rules N: N rules, none matching the storm.
rules() {
	local i
	printf '[daemon]\nrules_dir = %s/none.d\n\n' "$(pwd)/$OUT"
	for i in $(seq 1 "$1"); do
		case $((i % 4)) in
		0) printf '[r%d]\nevent = exec\nexe = /opt/app%d/bin/* /usr/lib/app%d/*\nuid = !0\naction = log\n\n' "$i" "$i" "$i" ;;
		1) printf '[r%d]\nevent = exec\ncmdline = "*--secret-%d*"\naction = log\n\n' "$i" "$i" ;;
		2) printf '[r%d]\nevent = exit\nexe = /usr/sbin/daemon%d\nexit_status = !0\naction = log\n\n' "$i" "$i" ;;
		3) printf '[r%d]\nevent = exec\ncomm = tool%d\nparent = /usr/bin/python*\naction = log\n\n' "$i" "$i" ;;
		esac
	done
}

# run CONF: prints "events cpu_us"
run() {
	local d lp u1 u2
	"$PROCHOOKD" -c "$1" >/dev/null 2>"$OUT/err" &
	d=$!
	for _ in $(seq 1 150); do grep -q ready "$OUT/err" && break; sleep 0.1; done
	lp=$(pgrep -P "$d" prochookd)
	u1=$(awk '{print $14 + $15}' /proc/"$lp"/stat)
	bench/storm exec "$N" "$W" "$TRUE" >/dev/null 2>"$OUT/storm"
	sleep 1
	u2=$(awk '{print $14 + $15}' /proc/"$lp"/stat)
	kill "$d"; wait "$d" || true
	echo "$((N * 3)) $(( (u2 - u1) * 1000000 / HZ ))"
}

rules 1 >"$OUT/1.conf"
rules 200 >"$OUT/200.conf"
"$PROCHOOKD" -t -c "$OUT/200.conf" >/dev/null
echo "event loop CPU per storm event, $N execs, $W workers ($(uname -r), $(nproc) CPUs)"
printf '%-6s %12s %12s %8s\n' run "1 rule µs" "200 rules µs" ratio
for r in $(seq 1 "$R"); do
	read -r e1 c1 < <(run "$OUT/1.conf")
	read -r e2 c2 < <(run "$OUT/200.conf")
	awk -v r="$r" -v e1="$e1" -v c1="$c1" -v e2="$e2" -v c2="$c2" \
	    'BEGIN { printf "%-6d %12.1f %12.1f %8.2f\n", r, c1 / e1, c2 / e2, (c2 / e2) / (c1 / e1) }'
done
