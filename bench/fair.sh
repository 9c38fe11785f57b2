#!/bin/bash
# bench/fair.sh - how late a kill rule's alert hook runs while an ordinary
# user floods another rule (issue 9, item 7).
#
# Usage (as root, from the top of the repository, after make):
#   bench/fair.sh [-a ALERTS] [-f FLOOD_SECONDS] [-r RATE]
# The shipped [service-failed] rule as it was (exit of a program under a
# "sbin" directory with a non-zero status, a hook that takes 0.5 s, no
# rate) against a copy of /usr/sbin/nologin that the user "nobody" runs in
# four loops; default max_hooks and queue_size.  After FLOOD_SECONDS (5),
# the same user runs a forbidden program ALERTS times (3), one every 2 s:
# a kill rule kills it and its hook records when it ran.  Prints each
# alert's delay (exec to hook), or "dropped" when its hook had not run 25 s
# later, and prochookd's hook counters.  PROCHOOKD picks the daemon; -r
# sets the flooding rule's rate (by default it has none, which is 100 a
# second since rules with hooks have a default rate: -r 1000000 shows the
# sharing of the queue alone).
set -euo pipefail
cd "$(dirname "$0")/.."
ALERTS=3 FLOOD=5 RATE=
while getopts a:f:r: o; do
	case $o in
	a) ALERTS=$OPTARG ;;
	f) FLOOD=$OPTARG ;;
	r) RATE="rate = $OPTARG" ;;
	*) exit 2 ;;
	esac
done
PROCHOOKD=${PROCHOOKD:-./prochookd}
DIR=$(mktemp -d /run/prochook-fair.XXXXXX)
chmod 755 "$DIR"
mkdir -p "$DIR/hooks" "$DIR/sbin" "$DIR/bin" "$DIR/rec"
cp /usr/sbin/nologin "$DIR/sbin/nologin"
cp /usr/bin/sleep "$DIR/bin/forbidden"
printf '#!/bin/sh\nsleep 0.5\n' >"$DIR/hooks/slow"
printf '#!/bin/sh\ndate +%%s%%N >%s/rec/$PROCHOOK_PID\n' "$DIR" >"$DIR/hooks/alert"
chmod 755 "$DIR/hooks/slow" "$DIR/hooks/alert"
cat >"$DIR/p.conf" <<CONF
[daemon]
hooks_dir = $DIR/hooks
rules_dir = $DIR/none

[service-failed]
event = exit
exe = $DIR/sbin/*
exit_status = !0
hook = slow
$RATE

[deny-forbidden]
event = exec
exe = $DIR/bin/forbidden
action = kill
hook = alert
CONF
"$PROCHOOKD" -c "$DIR/p.conf" 2>"$DIR/err" &
D=$!
flood=()
cleanup() {
	for p in "${flood[@]}"; do kill "$p" 2>/dev/null || true; done
	kill "$D" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q ready "$DIR/err" && break; sleep 0.05; done
grep -q ready "$DIR/err" || { cat "$DIR/err"; exit 1; }
for _ in 1 2 3 4; do
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    bash -c "while :; do $DIR/sbin/nologin >/dev/null; done" &
	flood+=($!)
done
sleep "$FLOOD"
pids=() t0=()
for _ in $(seq 1 "$ALERTS"); do
	t0+=("$(date +%s%N)")
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$DIR/bin/forbidden" 100 &
	pids+=($!)
	sleep 2
done
end=$(($(date +%s) + 25))
for i in "${!pids[@]}"; do
	while [ ! -e "$DIR/rec/${pids[$i]}" ] && [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.1
	done
	if [ -e "$DIR/rec/${pids[$i]}" ]; then
		echo "alert $((i + 1)): hook ran $((($(cat "$DIR/rec/${pids[$i]}") - ${t0[$i]}) / 1000000)) ms after the exec"
	else
		echo "alert $((i + 1)): dropped (no hook run within 25 s)"
	fi
done
kill -USR1 "$D"
sleep 0.5
grep -E "hooks: [0-9]+ started" "$DIR/err" | tail -1 | sed 's/^prochookd: //'
grep -E "rule service-failed: [0-9]+ matches" "$DIR/err" | tail -1 | sed 's/^prochookd: //'
