#!/bin/bash
# bench/memory.sh - memory of prochookd's parts with N live processes in its
# table (default 10000; command lines under 100 bytes).
#
# Usage (as root, from the top of the repository, after make):
#   bench/memory.sh [N]
# Two cases: the processes exist when prochookd starts (the /proc scan fills
# the table), and they are forked while it runs (events fill it).  Prints
# VmRSS and VmHWM (peak) of the event loop and of the privileged part.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
PROCHOOKD=${PROCHOOKD:-./prochookd}
mkdir -p bench/out
cc -O2 -o bench/out/park bench/park.c
ulimit -u unlimited 2>/dev/null || true
sysctl -q -w kernel.pid_max=4194304 2>/dev/null || true

cleanup() {
	[ -n "${PARK:-}" ] && kill "$PARK" 2>/dev/null || true
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT

start_park() {
	bench/out/park "$N" >bench/out/park.out &
	PARK=$!
	for _ in $(seq 1 600); do grep -q ready bench/out/park.out && return; sleep 0.1; done
	echo "park did not start" >&2; exit 1
}

start_daemon() {
	"$PROCHOOKD" -m --json >/dev/null 2>bench/out/memory.err &
	DPID=$!
	for _ in $(seq 1 300); do grep -q ready bench/out/memory.err && return; sleep 0.1; done
	echo "prochookd not ready" >&2; cat bench/out/memory.err >&2; exit 1
}

report() {
	local loop
	loop=$(pgrep -P "$DPID" prochookd || echo "$DPID")
	printf '%-34s loop: RSS %6s kB, peak %6s kB   privileged part: RSS %6s kB\n' "$1" \
	    "$(awk '/^VmRSS/ {print $2}' /proc/"$loop"/status)" \
	    "$(awk '/^VmHWM/ {print $2}' /proc/"$loop"/status)" \
	    "$(awk '/^VmRSS/ {print $2}' /proc/"$DPID"/status)"
}

echo "prochookd memory with $N processes parked ($(uname -r), $(nproc) CPUs)"
start_daemon
report "idle ($(ls /proc | grep -c '^[0-9]') processes)"
kill "$DPID"; wait "$DPID" || true

start_park
start_daemon
report "$N parked, then started (scan)"
kill "$DPID"; wait "$DPID" || true
kill "$PARK"; wait "$PARK" || true

start_daemon
start_park
sleep 2
report "started, then $N forked (events)"
