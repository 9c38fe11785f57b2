#!/bin/bash
# bench/enforce.sh - the enforcement window: of R runs of a program whose
# first act is to create a file, how many create it before prochookd
# stops it.  With kill or hold the program has started and is stopped
# after; with deny or ask (the gate) its exec should fail before it runs.
# Idle, with both cores busy, during a fork storm and during a
# PR_SET_NAME storm (comm events, no fork), one load at a time.
#
# Usage (as root, from the top of the repository, after make):
#   bench/enforce.sh [-r RUNS] [-a kill|hold|deny|ask]
# ask's hook refuses (exits 1), so every exec asked about is refused.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=50 ACTION=kill
while getopts r:a: o; do
	case $o in r) RUNS=$OPTARG ;; a) ACTION=$OPTARG ;; *) exit 2 ;; esac
done
case $ACTION in kill | hold | deny | ask) ;; *) echo "enforce.sh: -a kill|hold|deny|ask" >&2; exit 2 ;; esac
PROCHOOKD=${PROCHOOKD:-./prochookd}
# Hooks and the victim must live where only root can write.
DIR=$(mktemp -d /run/prochook-enforce.XXXXXX)
chmod 755 "$DIR"
mkdir -p "$DIR/hooks" "$DIR/files"
chmod 777 "$DIR/files"
cc -O2 -o "$DIR/victim" bench/victim.c
cc -O2 -o "$DIR/noise" bench/noise.c
printf '#!/bin/sh\nexit 1\n' >"$DIR/hooks/refuse"
chmod 755 "$DIR/hooks/refuse"
# A deny rule needs no hook (its hooks would only be told after).
HOOK="hook = refuse"
[ "$ACTION" = deny ] && HOOK=
cat >"$DIR/p.conf" <<CONF
[daemon]
hooks_dir = $DIR/hooks
rules_dir = $DIR/none.d

[stop-victim]
event = exec
exe = $DIR/victim
action = $ACTION
$HOOK
CONF

LOAD=()
stop_load() {
	[ ${#LOAD[@]} -gt 0 ] && kill "${LOAD[@]}" 2>/dev/null || true
	[ ${#LOAD[@]} -gt 0 ] && wait "${LOAD[@]}" 2>/dev/null || true
	LOAD=()
}
cleanup() {
	stop_load
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

"$PROCHOOKD" -c "$DIR/p.conf" >/dev/null 2>"$DIR/err" &
DPID=$!
for _ in $(seq 1 150); do grep -q ready "$DIR/err" && break; sleep 0.1; done
grep -q ready "$DIR/err" || { cat "$DIR/err"; exit 1; }

# trial LABEL: RUNS runs as nobody; prints how many created their file,
# and how many were stopped: killed (status 137, kill and hold) or refused
# (setpriv could not execute the victim: status 126, deny and ask).
trial() {
	local i through=0 stopped=0 st how=killed want=137
	case $ACTION in deny | ask) how=refused want=126 ;; esac
	rm -f "$DIR"/files/*
	for i in $(seq 1 "$RUNS"); do
		st=0
		{ setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$DIR/victim" "$DIR/files/$i"; } 2>/dev/null || st=$?
		[ -e "$DIR/files/$i" ] && through=$((through + 1))
		[ "$st" = "$want" ] && stopped=$((stopped + 1))
		sleep 0.05
	done
	kill -0 "$DPID" 2>/dev/null || { echo "enforce.sh: prochookd died" >&2; cat "$DIR/err" >&2; exit 1; }
	printf '%-22s %3d of %d created the file first; %d of %d %s\n' \
	    "$1" "$through" "$RUNS" "$stopped" "$RUNS" "$how"
}

# load WHAT: one process per CPU running WHAT in a loop.
load() {
	local _i
	for _i in $(seq 1 "$(nproc)"); do
		case $1 in
		busy) sh -c 'while :; do :; done' & ;;
		*) "$DIR/noise" "$1" & ;;
		esac
		LOAD+=($!)
	done
	sleep 0.5
}

echo "enforcement window, action = $ACTION ($(uname -r), $(nproc) CPUs)"
trial "idle:"
load busy
trial "all cores busy:"
stop_load
load fork
trial "fork storm:"
stop_load
load comm
trial "PR_SET_NAME storm:"
stop_load
