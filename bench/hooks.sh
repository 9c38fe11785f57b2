#!/bin/bash
# bench/hooks.sh - hooks per second the privileged part sustains with
# max_hooks = 32 and a trivial hook (a shell script that exits 0).
#
# Usage (as root, from the top of the repository, after make):
#   bench/hooks.sh [-n MATCHES]
# A storm of N forks (cheap: the queue fills at once) that a rule matches
# queues N hook runs
# (queue_size is raised so that none is dropped).  Two rates, from
# prochookd's own counters (SIGUSR1): overall, N over the time from the
# first exec until every hook has ended; and sustained, the hooks started
# after the storm ended over the time they took (the queue still full, and
# no storm competing for the CPUs).
set -euo pipefail
cd "$(dirname "$0")/.."
N=3000
while getopts n: o; do
	case $o in n) N=$OPTARG ;; *) exit 2 ;; esac
done
PROCHOOKD=${PROCHOOKD:-./prochookd}
DIR=$(mktemp -d /run/prochook-hooks.XXXXXX)
chmod 755 "$DIR"
mkdir -p "$DIR/hooks"
printf '#!/bin/sh\nexit 0\n' >"$DIR/hooks/trivial"
chmod 755 "$DIR/hooks/trivial"
cc -O2 -o bench/storm bench/storm.c
cp bench/storm "$DIR/match-me"
cat >"$DIR/p.conf" <<CONF
[daemon]
hooks_dir = $DIR/hooks
rules_dir = $DIR/none.d
max_hooks = 32
queue_size = $((N + 100))

[every-fork]
event = fork
exe = $DIR/match-me
hook = trivial
CONF
cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT
"$PROCHOOKD" -c "$DIR/p.conf" >/dev/null 2>"$DIR/err" &
DPID=$!
for _ in $(seq 1 150); do grep -q ready "$DIR/err" && break; sleep 0.1; done

# counters: prints "started running" from the latest SIGUSR1 report.
counters() {
	local n line
	n=$(grep -c "hooks: " "$DIR/err" || true)
	kill -USR1 "$DPID"
	for _ in $(seq 1 50); do
		[ "$(grep -c "hooks: " "$DIR/err" || true)" -gt "$n" ] && break
		sleep 0.01
	done
	line=$(grep "hooks: " "$DIR/err" | tail -1)
	echo "$(echo "$line" | grep -oE "[0-9]+ started" | grep -oE "[0-9]+")" \
	    "$(echo "$line" | grep -oE "[0-9]+ running" | grep -oE "[0-9]+")"
}

t0=$(date +%s%N)
"$DIR/match-me" fork "$N" 2 >/dev/null 2>&1
while :; do
	read -r s run < <(counters)
	[ "$s" -ge "$N" ] && [ "$run" = 0 ] && break
	sleep 0.05
done
t2=$(date +%s%N)
line=$(grep "hooks: " "$DIR/err" | tail -1)
failed=$(echo "$line" | grep -oE "[0-9]+ failed" | grep -oE "[0-9]+")
dropped=$(echo "$line" | grep -oE "[0-9]+ dropped" | grep -oE "[0-9]+")
awk -v n="$s" -v f="$failed" -v d="$dropped" -v all=$((t2 - t0)) 'BEGIN {
	printf "%d hooks run (%d failed, %d dropped), max_hooks = 32: %.0f hooks/s (%.2f s)\n",
	    n, f, d, n / (all / 1e9), all / 1e9 }'
