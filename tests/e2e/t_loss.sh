# t_loss.sh - no exec unseen: what an ordinary user can do to make the
# kernel drop events, and the rescan that must catch up (issue 9, item 1).

LOSS_USER=phloss
LOSSATTACK=$TOP/build/e2e-lossattack

# The attacker: an ordinary user of its own, and the attack program.
loss_setup() {
	ordinary_user "$LOSS_USER" >/dev/null
	(cd "$TOP" && make -s build/e2e-lossattack) || fail "cannot build lossattack"
	mkdir -p "$T/bin" "$T/ran"
	chmod 777 "$T/ran"
	cp "$HELPER" "$T/bin/forbidden"
	printf 'not a program\n' >"$T/bin/notprog"
	chmod 755 "$T/bin/notprog"
}

as_loss_user() {
	as_user "$LOSS_USER" "$@"
}

# Did run N of the attack escape?  Its output is in $T/att.N; the victim
# would have created $T/ran/N after its sleep.
loss_escaped() {
	local n=$1
	if grep -q "^victim killed 9$" "$T/att.$n" && [ ! -e "$T/ran/$n" ]; then
		return 1
	fi
	echo "    run $n escaped: $(tr '\n' ' ' <"$T/att.$n")" >&2
	return 0
}

kill_rule() {
	conf "$@" <<EOF
[deny]
event = exec
exe = $T/bin/forbidden
action = kill
EOF
}

# The attack of the issue: a PR_SET_NAME loop makes the kernel drop events;
# meanwhile the user execs a forbidden program, and 1 ms later 1100
# processes each make one failed exec, which once wiped the note of the
# forbidden exec.  Ten runs, ten kills.
test_loss_comm_flood_attack() {
	loss_setup
	kill_rule
	start_daemon -c "$T/p.conf"
	local n escaped=0
	for n in $(seq 1 10); do
		as_loss_user "$LOSSATTACK" -c 2 1100 "$T/bin/notprog" \
			"$T/bin/forbidden" create-after 1000 "$T/ran/$n" >"$T/att.$n" ||
			fail "the attack program failed: $(cat "$T/att.$n")"
		loss_escaped "$n" && escaped=$((escaped + 1))
	done
	sleep 0.5
	stop_daemon
	echo "    escaped: $escaped of 10"
	[ "$escaped" = 0 ] || fail "$escaped of 10 forbidden execs escaped"
	[ "$(grep -c "rule deny: sent SIGKILL" "$T/err")" -ge 10 ] ||
		fail "not every kill logged: $(grep -c "rule deny" "$T/err")"
	ls "$T/ran" | grep -q . && fail "a victim ran: $(ls "$T/ran")"
	return 0
}

# The same with the loss forced (the event loop stopped while a storm of
# execs fills the connector's queue): the forbidden exec and its fork are
# handled only through the rescan, which must find it by the executable's
# device and inode although its notification was wiped.
test_loss_stall_rescan_by_inode() {
	loss_setup
	kill_rule "rcvbuf = 256K"
	start_daemon -c "$T/p.conf"
	local lp n escaped=0 ap
	lp=$(pgrep -P "$DPID" prochookd) || fail "no event loop process"
	for n in 1 2 3; do
		rm -f "$T/go"
		as_loss_user "$LOSSATTACK" -s 400 -w "$T/go" 1100 "$T/bin/notprog" \
			"$T/bin/forbidden" create-after 1500 "$T/ran/$n" >"$T/att.$n" &
		ap=$!
		wait_for "$T/att.$n" "^forked" || fail "the attack did not start"
		sleep 0.2
		kill -STOP "$lp"
		touch "$T/go"
		wait_for "$T/att.$n" "^released" || { kill -CONT "$lp"; fail "the attack did not release"; }
		kill -CONT "$lp"
		wait "$ap" || fail "the attack program failed: $(cat "$T/att.$n")"
		loss_escaped "$n" && escaped=$((escaped + 1))
	done
	sleep 0.5
	stop_daemon
	echo "    escaped: $escaped of 3"
	grep -q "the kernel dropped" "$T/err" || fail "no loss was forced"
	[ "$escaped" = 0 ] || fail "$escaped of 3 forbidden execs escaped"
	ls "$T/ran" | grep -q . && fail "a victim ran: $(ls "$T/ran")"
	return 0
}

# comm events are subscribed only for rules that need them: a PR_SET_NAME
# loop then costs nothing.  A rule of event = comm still works.
test_loss_comm_only_when_needed() {
	loss_setup
	conf <<EOF2
[renamed]
event = comm
comm = renamed-*
action = log
EOF2
	start_daemon -c "$T/p.conf"
	as_loss_user bash -c 'printf renamed-x >/proc/$$/comm; sleep 0.3'
	wait_for "$T/err" "rule renamed \(log\): .*comm" || { cat "$T/err"; fail "the comm rule did not match"; }
	stop_daemon
	kill_rule
	start_daemon -c "$T/p.conf"
	as_loss_user bash -c 'printf renamed-y >/proc/$$/comm; sleep 0.3'
	kill -USR1 "$DPID"
	wait_for "$T/err" "events: fork" || fail "no counters"
	stop_daemon
	grep -q "events: .* comm 0," "$T/err" || fail "comm events subscribed without a rule: $(grep 'events:' "$T/err")"
	return 0
}

# A uid change while events are lost is rebuilt by the rescan as a
# synthetic uid event, with the ids before it: became-root still fires.
# The process holds root as its saved uid (as a setuid-root program
# does) and takes it back while the connector's queue is full.
test_loss_uid_change_rebuilt() {
	loss_setup
	record_hook rec
	local u
	u=$(id -u "$LOSS_USER")
	conf "rcvbuf = 256K" <<EOF2
[became-root]
event = uid
euid = 0
prev_euid = !0
hook = rec
EOF2
	start_daemon -c "$T/p.conf"
	local lp sp
	lp=$(pgrep -P "$DPID" prochookd) || fail "no event loop process"
	python3 - "$u" "$T/go" "$T/ran/uid-state" <<'PY' &
import os, sys, time
u = int(sys.argv[1])
os.setresgid(u, u, u)
os.setresuid(u, u, 0)
open(sys.argv[3], "w").write("dropped\n")
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
os.seteuid(0)
open(sys.argv[3], "a").write("root\n")
time.sleep(30)
PY
	sp=$!
	wait_for "$T/ran/uid-state" dropped || fail "the process did not start"
	sleep 0.3
	kill -STOP "$lp"
	# Fill the queue of uid and exec events, then change the uid.
	as_loss_user "$HELPER" execs 600 /bin/true
	touch "$T/go"
	wait_for "$T/ran/uid-state" root || { kill -CONT "$lp"; fail "no seteuid"; }
	kill -CONT "$lp"
	local f="$T/rec/became-root.$sp"
	wait_file "$f" || { kill "$sp"; cat "$T/err"; fail "became-root did not fire"; }
	kill "$sp"
	stop_daemon
	grep -q "the kernel dropped" "$T/err" || fail "no loss was forced"
	grep -q "^PROCHOOK_SYNTHETIC=1$" "$f" || fail "not synthetic: $(cat "$f")"
	grep -q "^PROCHOOK_EUID=0$" "$f" && grep -q "^PROCHOOK_PREV_EUID=$u$" "$f" ||
		fail "ids: $(grep EUID "$f")"
}
