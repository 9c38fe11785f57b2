# t_privd.sh - the privileged part against a subverted event loop, and the
# hook queue against a flood.
#
# A subverted loop is played by the test helper (inject): it takes a copy
# of the loop's socket and sends requests of its own.  The processes it
# aims at, and the flood, belong to an ordinary user the test creates.

PRIVD_USER=prochook-e2e-privd

# Run a command as the test's ordinary user ($AS_USER cmd...; $! of
# "$AS_USER cmd &" is the command's pid).
AS_USER="setpriv --reuid=$PRIVD_USER --regid=$PRIVD_USER --clear-groups"

loop_pid() {
	pgrep -P "$DPID" -u prochook prochookd || fail "no event loop"
}

# Forged exits for rules with a hook, with values of the forger's choosing
# (PID, EXE, a cmdline with $(id) and a newline): a hook runs no more than
# its rule's rate allows -- the default 100 a second, or rate -- with a
# burst of two seconds' worth; the rest is refused and counted.  An exit
# of PID 1 is refused outright.
test_privd_rate_ceiling() {
	mkdir -p "$T/rec"
	hook count <<EOF2
#!/bin/sh
echo "\$PROCHOOK_PID" >>$T/rec/\$PROCHOOK_RULE
EOF2
	conf <<EOF2
[default]
event = exit
exe = /usr/sbin/sshd
cmdline = "*forged"
hook = count

[five]
event = exit
exe = /usr/sbin/sshd
cmdline = "*forged"
hook = count
rate = 5
EOF2
	start_daemon -c "$T/p.conf"
	local lp n5 n100 prev=x i t0 el
	lp=$(loop_pid)
	t0=$(date +%s%N)
	"$HELPER" inject "$lp" exit 999999 1000 0 || fail "inject"
	"$HELPER" inject "$lp" exit 999999 300 1 || fail "inject"
	"$HELPER" inject "$lp" exit 1 1 || fail "inject pid 1"
	# How long the privileged part took to handle them (its counters).
	for i in $(seq 1 300); do
		kill -USR1 "$DPID"
		sleep 0.1
		grep -oE "privileged part: [0-9]+ requests" "$T/err" | tail -1 |
			grep -q " 1301 requests" && break
	done
	el=$((($(date +%s%N) - t0 + 999999999) / 1000000000))
	# Until the counts stay the same for a second.
	for i in $(seq 1 30); do
		sleep 1
		n100=$(cat "$T/rec/default" 2>/dev/null | wc -l)
		n5=$(cat "$T/rec/five" 2>/dev/null | wc -l)
		[ "$n100 $n5" = "$prev" ] && break
		prev="$n100 $n5"
	done
	echo "hook runs: $n100 of 1000 (default rate), $n5 of 300 (rate 5), within $el s"
	[ "$n100" -ge 100 ] && [ "$n5" -ge 5 ] || fail "too few hook runs: the test proves nothing"
	# Two seconds' worth at once, then the rate while they were handled.
	[ "$n100" -le $((200 + 100 * el)) ] || fail "$n100 hook runs of 1000 forged in $el s: no ceiling"
	[ "$n5" -le $((10 + 5 * el)) ] || fail "$n5 hook runs of 300 forged in $el s at rate 5"
	grep -q "refused: PID 1 never exits (pid 1)" "$T/err" || fail "the exit of PID 1 was not refused"
	kill -USR1 "$DPID"
	wait_for "$T/err" "[0-9]+ hook runs over a rule's rate refused" || fail "no counters"
	sleep 0.2
	local over
	over=$(grep -oE "[0-9]+ hook runs over a rule's rate refused" "$T/err" | tail -1 | cut -d' ' -f1)
	[ $((over + n100 + n5)) = 1300 ] || fail "$n100 + $n5 runs + $over refused != 1300"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A kill rule with an ancestor key: a forged request against an unrelated
# process of the user is refused and the process lives; the same rule
# still kills a process that descends from the ancestor.
test_privd_ancestor_kill() {
	ordinary_user "$PRIVD_USER" >/dev/null
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/victim"
	cp /bin/bash "$T/bin/anc"
	conf <<EOF2
[k]
event = exec
exe = $T/bin/victim
ancestor = $T/bin/anc
action = kill
EOF2
	start_daemon -c "$T/p.conf"
	local lp st=0 p
	lp=$(loop_pid)
	# Honest: a victim under the ancestor is killed.
	$AS_USER "$T/bin/anc" -c "$T/bin/victim sleep 10000; exit \$?" || st=$?
	[ "$st" = 137 ] || fail "the victim under the ancestor ended with $st, want 137"
	# Forged: an unrelated victim.
	$AS_USER "$T/bin/victim" sleep 20000 &
	p=$!
	sleep 0.3
	"$HELPER" inject "$lp" exec "$p" 1 0 || fail "inject"
	sleep 0.5
	kill -0 "$p" 2>/dev/null || fail "the unrelated process was killed"
	kill "$p"
	grep -q "refused: its parent or ancestors in /proc do not match the rule (pid $p)" "$T/err" ||
		fail "no refusal logged"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A forged run request for a live process that does not match the rule is
# refused: its hook never runs.  A matching one runs.
test_privd_run_recheck() {
	ordinary_user "$PRIVD_USER" >/dev/null
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/innocent"
	record_hook
	conf <<EOF2
[never]
event = exec
exe = $T/bin/never
hook = rec

[innocent]
event = exec
exe = $T/bin/innocent
hook = rec
EOF2
	start_daemon -c "$T/p.conf"
	local lp p
	lp=$(loop_pid)
	$AS_USER "$T/bin/innocent" sleep 20000 &
	p=$!
	wait_file "$T/rec/innocent.$p" || fail "the honest exec ran no hook"
	"$HELPER" inject "$lp" exec "$p" 1 0 || fail "inject"
	wait_for "$T/err" "refused: the process does not match the rule \(pid $p\)" ||
		fail "no refusal logged"
	sleep 0.5
	kill "$p"
	[ -e "$T/rec/never.$p" ] && fail "the forged request ran the hook"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# One rule's flood does not starve another rule: the user fails a program
# in a loop (a rule on its exits with a 0.5 s hook, far more than the
# queue holds), then runs another program once; that rule's hook runs
# within 3 s (SPEC: one hook's run time plus a second; the rest is margin
# for a loaded machine), and the flood's drops are counted.
test_privd_fair_queue() {
	ordinary_user "$PRIVD_USER" >/dev/null
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/failer"
	cp "$HELPER" "$T/bin/alert"
	record_hook
	hook slow <<'EOF2'
#!/bin/sh
sleep 0.5
EOF2
	conf "max_hooks = 2" "queue_size = 8" <<EOF2
[flood]
event = exit
exe = $T/bin/failer
exit_status = !0
hook = slow

[alert]
event = exec
exe = $T/bin/alert
hook = rec
EOF2
	start_daemon -c "$T/p.conf"
	$AS_USER bash -c "while :; do $T/bin/failer exit 1; done" &
	local fl=$! p t0 t1
	sleep 2
	wait_for "$T/err" "hook queue full: [0-9]+ jobs? dropped" || {
		kill "$fl"; fail "no flood: the test proves nothing"; }
	t0=$(date +%s%N)
	$AS_USER "$T/bin/alert" exit 0 &
	p=$!
	wait $p
	for _ in $(seq 1 100); do
		[ -e "$T/rec/alert.$p" ] && break
		sleep 0.05
	done
	t1=$(date +%s%N)
	kill "$fl"
	wait "$fl" 2>/dev/null || true
	[ -e "$T/rec/alert.$p" ] || fail "the alert's hook did not run within 5 s"
	echo "alert delay: $(((t1 - t0) / 1000000)) ms"
	[ $((t1 - t0)) -le 3000000000 ] || fail "the alert's hook ran $(((t1 - t0) / 1000000)) ms late"
	kill -USR1 "$DPID"
	wait_for "$T/err" "hooks: .* [1-9][0-9]* dropped \(queue full\)" || fail "the flood's drops were not counted"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}
