# t_holes.sh - smaller holes: descriptors prochookd inherited, holding a
# process that is no longer the one the request named.

# An ordinary user of the tests' own (and its group), made if missing.
HOLES_USER=ph_holes
holes_user() {
	ordinary_user "$HOLES_USER" >/dev/null
}

# The descriptors of PID that point at one of the given paths.
fds_to() {
	local pid=$1 fd l p
	shift
	for fd in /proc/"$pid"/fd/*; do
		l=$(readlink "$fd" 2>/dev/null) || continue
		for p in "$@"; do
			[ "$l" = "$p" ] && echo "$pid: ${fd##*/} -> $l"
		done
	done
	return 0
}

# Every descendant of PID, one a line.
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# Descriptors the starting shell left open (a file, a fifo at 251) reach
# neither part of prochookd nor its hooks, nor a hook's keeper.
test_holes_no_inherited_fds() {
	mkdir -p "$T/bin" "$T/rec"
	chmod 755 "$T/bin"
	chmod 777 "$T/rec"
	cp "$HELPER" "$T/bin/trigger"
	echo secret >"$T/inherited"
	mkfifo "$T/fifo"
	hook fds <<EOF
#!/bin/sh
ls -l /proc/\$\$/fd/ >"$T/rec/fds.tmp"
mv "$T/rec/fds.tmp" "$T/rec/fds"
sleep 1
EOF
	conf <<EOF
[on-trigger]
event = exec
exe = $T/bin/trigger
hook = fds
rate = 10
EOF
	exec 9<"$T/inherited" 251<>"$T/fifo"
	start_daemon -c "$T/p.conf"
	exec 9<&- 251<&-
	local i
	pgrep -P "$DPID" -u prochook prochookd >/dev/null || fail "no event loop"
	holes_user
	# Again if the exec was lost (other tests may flood the connector).
	for i in $(seq 1 20); do
		setpriv --reuid=$HOLES_USER --regid=$HOLES_USER --clear-groups \
		    "$T/bin/trigger" exit 0
		sleep 0.5
		[ -e "$T/rec/fds" ] && break
	done
	[ -e "$T/rec/fds" ] || fail "the hook did not run"
	local p bad
	bad=$(for p in "$DPID" $(descendants "$DPID"); do
		fds_to "$p" "$T/inherited" "$T/fifo"
	done)
	[ -z "$bad" ] || fail "inherited descriptors kept: $bad"
	grep -E "inherited|fifo" "$T/rec/fds" && fail "the hook inherited them"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A subverted event loop asks to hold a process under a start time that is
# not its own (what a recycled pid looks like): refused, and the process is
# neither traced nor stopped.  The same request with the right start time
# holds it, so the check is what refused.
test_holes_hold_stale() {
	mkdir -p "$T/bin"
	chmod 755 "$T/bin"
	cp "$HELPER" "$T/bin/victim"
	hook yes <<'EOF'
#!/bin/sh
sleep 0.5
exit 0
EOF
	conf <<EOF
[hold-victim]
event = exec
exe = $T/bin/victim
action = hold
hook = yes
rate = 10
EOF
	# Started before prochookd: its exec was never an event.
	holes_user
	setpriv --reuid=$HOLES_USER --regid=$HOLES_USER --clear-groups \
	    "$T/bin/victim" sleep 60000 &
	local v=$!
	sleep 0.2
	start_daemon -c "$T/p.conf"
	local lp
	lp=$(pgrep -P "$DPID" -u prochook prochookd) || fail "no event loop"
	"$HELPER" inject "$lp" stale $v || fail "inject stale"
	wait_for "$T/err" "refused: the pid belongs to another process now \(pid $v\)" ||
		fail "stale request not refused"
	sleep 0.3
	grep -q "^TracerPid:	0$" /proc/$v/status || fail "traced: $(grep TracerPid /proc/$v/status)"
	grep -q "^State:	t" /proc/$v/status && fail "stopped"
	"$HELPER" inject "$lp" hold $v || fail "inject hold"
	wait_for "$T/err" "holding pid $v" || fail "the right request did not hold it"
	grep -q "^TracerPid:	$DPID$" /proc/$v/status || fail "not traced by prochookd"
	wait_for "$T/err" "held process released" || fail "not released"
	sleep 0.2
	grep -q "^TracerPid:	0$" /proc/$v/status || fail "still traced after release"
	kill $v
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# "ancestor" looks RULE_ANCESTOR_MAX (1024) generations up.  A user's own
# chain of 1100 nested processes under the rule's ancestor (here
# $T/bin/session, root's copy of sh, standing for a session program) once
# put it out of reach, and the program at the bottom ran: deeper than the
# walk, the rule now matches.  $1: deny (the gate refuses) or kill.
holes_deep_ancestor() {
	gate_setup
	cp "$HELPER" "$T/bin/forbidden"
	cp "$HELPER" "$T/bin/deep"
	cp /bin/sh "$T/bin/session"
	conf <<CONF
[forbidden-in-sessions]
event = exec
exe = $T/bin/forbidden
ancestor = $T/bin/session
action = $1
CONF
	start_daemon -c "$T/p.conf"
	local n st out
	for n in 5 1100; do
		st=0
		out=$(as_user "$GATE_USER" "$T/bin/session" -c "$T/bin/deep chain $n \
		    $T/bin/forbidden create-after 1000 $T/rec/ran$n; exit \$?") || st=$?
		gate_not_run "$n processes below the session" "$T/rec/ran$n"
		if [ "$1" = deny ]; then
			gate_refused "$n processes below the session" "$st" "$out"
		else
			[ "$st" = 137 ] || fail "$n processes below the session:" \
			    "status $st, want SIGKILL (137)"
		fi
	done
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

test_holes_deep_ancestor_deny() {
	holes_deep_ancestor deny
}

test_holes_deep_ancestor_kill() {
	holes_deep_ancestor kill
}
