#!/bin/bash
# bench/enforce.sh - the enforcement window: of R runs of a program whose
# first act is to create a file, how many create it before prochookd's
# kill (or hold) stops it.  Idle, then with both cores busy.
#
# Usage (as root, from the top of the repository, after make):
#   bench/enforce.sh [-r RUNS] [-a kill|hold]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=50 ACTION=kill
while getopts r:a: o; do
	case $o in r) RUNS=$OPTARG ;; a) ACTION=$OPTARG ;; *) exit 2 ;; esac
done
PROCHOOKD=${PROCHOOKD:-./prochookd}
# Hooks and the victim must live where only root can write.
DIR=$(mktemp -d /run/prochook-enforce.XXXXXX)
chmod 755 "$DIR"
mkdir -p "$DIR/hooks" "$DIR/files"
chmod 777 "$DIR/files"
cc -O2 -o "$DIR/victim" bench/victim.c
printf '#!/bin/sh\nexit 1\n' >"$DIR/hooks/refuse"
chmod 755 "$DIR/hooks/refuse"
cat >"$DIR/p.conf" <<CONF
[daemon]
hooks_dir = $DIR/hooks
rules_dir = $DIR/none.d

[stop-victim]
event = exec
exe = $DIR/victim
action = $ACTION
hook = refuse
CONF

BURN=()
cleanup() {
	[ ${#BURN[@]} -gt 0 ] && kill "${BURN[@]}" 2>/dev/null || true
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

"$PROCHOOKD" -c "$DIR/p.conf" >/dev/null 2>"$DIR/err" &
DPID=$!
for _ in $(seq 1 150); do grep -q ready "$DIR/err" && break; sleep 0.1; done
grep -q ready "$DIR/err" || { cat "$DIR/err"; exit 1; }

# trial LABEL: RUNS runs as nobody; prints how many created their file.
trial() {
	local i through=0 stopped=0 st
	rm -f "$DIR"/files/*
	for i in $(seq 1 "$RUNS"); do
		st=0
		{ setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$DIR/victim" "$DIR/files/$i"; } 2>/dev/null || st=$?
		[ -e "$DIR/files/$i" ] && through=$((through + 1))
		[ "$st" = 137 ] && stopped=$((stopped + 1))
		sleep 0.05
	done
	printf '%-22s %3d of %d created the file first; %d of %d killed\n' \
	    "$1" "$through" "$RUNS" "$stopped" "$RUNS"
}

echo "enforcement window, action = $ACTION ($(uname -r), $(nproc) CPUs)"
trial "idle:"
for _ in $(seq 1 "$(nproc)"); do
	sh -c 'while :; do :; done' &
	BURN+=($!)
done
trial "all cores busy:"
