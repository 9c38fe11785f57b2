#!/bin/bash
# bench/latency.sh - the latency a deny rule adds to every exec: the time
# from execve() to the program's first instruction (bench/latency running
# bench/probe N times), median, p90 and p99, in four scenarios back to back:
#   bare         no prochookd
#   deny-path    prochookd with a deny rule on one exact path (the gate
#                marks that file's inode only: the probe's exec does not wait)
#   deny-glob    prochookd with a deny rule on a glob (the gate marks the
#                file systems: the probe's exec waits for its answer)
#   bare (again) no prochookd, to show the noise of the run
# Neither rule matches the probe: its exec is allowed every time.
#
# Usage (as root, from the top of the repository, after make):
#   bench/latency.sh [-n N] [-r R]      N execs per scenario (2000), R runs (1)
# Environment: PROCHOOKD (./prochookd).
set -euo pipefail
cd "$(dirname "$0")/.."
N=2000 R=1
while getopts n:r: o; do
	case $o in n) N=$OPTARG ;; r) R=$OPTARG ;; *) exit 2 ;; esac
done
PROCHOOKD=${PROCHOOKD:-./prochookd}
[ "$(id -u)" = 0 ] || { echo "latency.sh: must run as root" >&2; exit 2; }
OUT=bench/out/latency
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
cc -O2 -Wall -o "$OUT/latency" bench/latency.c
cc -O2 -Wall -static -nostdlib -no-pie -fno-stack-protector -o "$OUT/probe" bench/probe.c
# The denied file exists (an exact path is marked by its inode) and never runs.
install -m 0755 /bin/true "$OUT/deny-target"

conf() {
	printf '[daemon]\nrules_dir = %s/none.d\n\n[never-run]\nevent = exec\nexe = %s\naction = deny\n' \
	    "$OUT" "$1"
}
conf "$OUT/deny-target" >"$OUT/path.conf"
conf "$OUT/deny-targ*" >"$OUT/glob.conf"

DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	DPID=
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# measure LABEL [CONF]: one scenario, under prochookd -c CONF if given.
measure() {
	local label=$1 line
	if [ -n "${2:-}" ]; then
		"$PROCHOOKD" -c "$2" >/dev/null 2>"$OUT/err" &
		DPID=$!
		for _ in $(seq 1 150); do
			grep -q ready "$OUT/err" && break
			kill -0 "$DPID" 2>/dev/null || break
			sleep 0.1
		done
		if ! grep -q ready "$OUT/err"; then
			printf '| %-12s | skipped: prochookd not ready: %s |\n' "$label" \
			    "$(tail -c 200 "$OUT/err" | tr '\n' ' ')"
			cleanup
			return
		fi
	fi
	line=$("$OUT/latency" "$OUT/probe" "$N") || true
	cleanup
	echo "$line" | awk -v l="$label" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "| %-12s | %9s | %7s | %7s | %7s | %6s |\n", l, v["median_us"], v["p90_us"], v["p99_us"], v["min_us"], v["failed"]
	}'
}

for r in $(seq 1 "$R"); do
	echo
	echo "Run $r/$R: execve() to first instruction, $N execs per row, µs ($(uname -r), $(nproc) CPUs)"
	echo
	echo "| scenario     |    median |     p90 |     p99 |     min | failed |"
	echo "|--------------|----------:|--------:|--------:|--------:|-------:|"
	measure bare
	measure deny-path "$OUT/path.conf"
	measure deny-glob "$OUT/glob.conf"
	measure "bare (again)"
done
