# t_monitor.sh - prochookd --monitor against real processes.

# exec and exit of known programs: executable, arguments, parent, status,
# signal, duration.  Programs whose arguments are checked live long enough
# to be read whatever the scheduler does; the executable of a program
# that exits at once is still named (fanotify).
test_monitor_exec_exit() {
	local me=$BASHPID
	start_daemon -m --json
	mkdir -p "$T/bin"
	cp /bin/true "$T/bin/my-true"
	cp "$HELPER" "$T/bin/my-prog"
	cp "$HELPER" "$T/bin/my-seven"
	cp "$HELPER" "$T/bin/my-segv"
	"$T/bin/my-true"
	"$T/bin/my-prog" sleep 200 first "two words" 'quote"d'
	"$T/bin/my-seven" exit 7 || true
	"$T/bin/my-segv" sleep 30000 &
	local sp=$!
	sleep 0.2
	kill -SEGV $sp
	wait $sp 2>/dev/null || true
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit status $DSTATUS after SIGTERM"
	all_json >/dev/null || fail "output is not JSON lines"

	local e
	e=$(jq_events "e['event']=='exec' and e.get('exe')=='$T/bin/my-prog'")
	[ -n "$e" ] || fail "no exec of my-prog"
	python3 - "$e" "$me" "$T" <<'PY' || fail "exec event wrong: $e"
import json, sys
e = json.loads(sys.argv[1])
assert e["cmdline"] == sys.argv[3] + '/bin/my-prog sleep 200 first two words quote"d', e
assert e["ppid"] == int(sys.argv[2]), e
assert e["uid"] == 0 and e["user"] == "root", e
assert e["comm"] == "my-prog", e
assert e["parent_exe"].endswith("bash"), e
assert isinstance(e["pid"], int) and e["pid"] == e["tid"], e
PY
	e=$(jq_events "e['event']=='exit' and e.get('exe')=='$T/bin/my-prog'")
	python3 -c "import json,sys; e=json.loads(sys.argv[1]); assert e['exit_status']==0 and 'exit_signal' not in e and 0.15 < e['duration'] < 2, e" "$e" ||
		fail "exit of my-prog wrong: $e"
	e=$(jq_events "e['event']=='exit' and e.get('exe')=='$T/bin/my-true'")
	python3 -c "import json,sys; e=json.loads(sys.argv[1]); assert e['exit_status']==0 and e['ppid']==$me, e" "$e" ||
		fail "exit of my-true wrong: $e"
	e=$(jq_events "e['event']=='exit' and e.get('exe')=='$T/bin/my-seven'")
	python3 -c "import json,sys; e=json.loads(sys.argv[1]); assert e['exit_status']==7, e" "$e" ||
		fail "exit status 7 not seen: $e"
	e=$(jq_events "e['event']=='exit' and e.get('exe')=='$T/bin/my-segv'")
	python3 -c "import json,sys; e=json.loads(sys.argv[1]); assert e['exit_signal']=='SEGV' and 'exit_status' not in e and e['cmdline'].endswith('my-segv sleep 30000'), e" "$e" ||
		fail "death by SEGV not seen: $e"
	# The forks that made them, from this shell.
	[ "$(count_events "e['event']=='fork' and e['pid']==$me")" -ge 4 ] ||
		fail "forks of the test shell missing"
}

# The text format: TIME EVENT PID PPID UID EXE ... -- CMDLINE, one line each.
test_monitor_text() {
	start_daemon -m
	mkdir -p "$T/bin"
	# Alive long enough to be read whatever the scheduler does.
	cp "$HELPER" "$T/bin/my-sleep"
	"$T/bin/my-sleep" sleep 50 'new
line' 'back\slash' 
	stop_daemon
	grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} exec [0-9]+ $BASHPID 0 $T/bin/my-sleep -- $T/bin/my-sleep sleep 50 new\\\\x0aline back\\\\x5cslash\$" "$T/out" ||
		{ grep my-sleep "$T/out"; fail "no exec line in the text format"; }
	grep -qE " exit [0-9]+ $BASHPID 0 $T/bin/my-sleep status=0 duration=[0-9]+\.[0-9]{3} -- " "$T/out" ||
		fail "no exit line in the text format"
}

# A thread's creation and end are not a process's.
test_monitor_threads_hidden() {
	start_daemon -m --json
	"$HELPER" threads 4 "$T/tids"
	stop_daemon
	local tids
	tids=$(paste -sd, "$T/tids")
	[ "$(wc -l <"$T/tids")" = 4 ] || fail "helper did not report 4 threads"
	[ "$(count_events "e['event']=='fork' and e['child_pid'] in ($tids,)")" = 0 ] ||
		fail "a thread was reported as a process"
	[ "$(count_events "e['event']=='exit' and e['pid'] in ($tids,)")" = 0 ] ||
		fail "a thread's exit was reported as a process exit"
	[ "$(count_events "e['event']=='exit' and e.get('cmdline','').startswith('$HELPER threads')")" = 1 ] ||
		fail "the process exit is missing or repeated"
}

# One setuid() in a multi-threaded process: one uid event.
test_monitor_setuid_threads_once() {
	start_daemon -m --json
	"$HELPER" setuid-threads 4 65534
	stop_daemon
	local n
	n=$(count_events "e['event']=='uid' and e.get('cmdline','').startswith('$HELPER setuid-threads')")
	[ "$n" = 1 ] || { jq_events "e['event']=='uid'"; fail "$n uid events, want 1"; }
	jq_events "e['event']=='uid' and e.get('cmdline','').startswith('$HELPER')" |
		grep -q '"uid": 65534, "euid": 65534.*"prev_uid": 0, "prev_euid": 0' ||
		fail "uid event without the new and previous ids"
}

# Outside the host's namespaces the kernel gives no events: exit 3 and why.
test_monitor_network_namespace() {
	local st=0
	unshare -n "$PROCHOOKD" -m >/dev/null 2>"$T/err" || st=$?
	[ "$st" = 3 ] || fail "exit $st in a network namespace, want 3"
	grep -q "network namespace" "$T/err" || fail "message does not name the namespace: $(cat "$T/err")"
}

test_monitor_pid_namespace() {
	local st=0
	unshare -p -f --mount-proc "$PROCHOOKD" -m >/dev/null 2>"$T/err" || st=$?
	[ "$st" = 3 ] || fail "exit $st in a pid namespace, want 3"
	grep -q "pid and user namespaces" "$T/err" || fail "message does not name the namespace: $(cat "$T/err")"
}

# Messages from a process with CAP_NET_ADMIN but not the kernel: refused.
test_monitor_forged_dropped() {
	start_daemon -m --json
	local sent
	# A forged exec of PID 1: believed, it would print an exec of init.
	sent=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	    --inh-caps=+net_admin --ambient-caps=+net_admin \
	    "$HELPER" forge 1) || fail "could not send forged messages"
	[ "$sent" -ge 1 ] || fail "no forged message sent"
	sleep 0.3
	kill -USR1 "$DPID"
	wait_for "$T/err" "[1-9][0-9]* messages not from the kernel" ||
		{ cat "$T/err"; fail "forged messages not counted"; }
	kill -0 "$DPID" || fail "the daemon died"
	/bin/true
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit status $DSTATUS"
	[ "$(count_events "e['event']=='exec' and e['pid']==1")" = 0 ] ||
		fail "a forged exec was believed"
	[ "$(count_events "e['event']=='exec' and e.get('exe')=='/usr/bin/true'")" -ge 1 ] ||
		fail "events after the forgery were not seen"
}

# A stalled reader: the loss is counted and reported, and what ran
# meanwhile appears as a synthetic exec.
test_monitor_lost_and_synthetic() {
	start_daemon -m --json
	mkdir -p "$T/bin"
	cp /bin/sleep "$T/bin/during-stall"
	# The event loop is the child that reads the socket.
	local lp
	lp=$(pgrep -P "$DPID" prochookd) || fail "no event loop process"
	kill -STOP "$lp"
	# Forks and execs both: each overflows its own socket.
	"$HELPER" forks 30000
	"$HELPER" execs 8000 /bin/true
	"$T/bin/during-stall" 30 &
	local sp=$!
	"$HELPER" forks 2000
	kill -CONT "$lp"
	wait_for "$T/out" '"event": ?"lost"' || fail "no lost event"
	wait_for "$T/out" "\"synthetic\": ?1" || fail "no synthetic event"
	kill $sp
	stop_daemon 0.5
	local lost
	lost=$(jq_events "e['event']=='lost'" | head -1)
	python3 -c "import json,sys; e=json.loads(sys.argv[1]); assert e['lost']>0, e" "$lost" ||
		fail "lost count wrong: $lost"
	[ "$(count_events "e['event']=='exec' and e['pid']==$sp and e.get('synthetic')==1 and e.get('exe')=='$T/bin/during-stall'")" = 1 ] ||
		{ jq_events "e['pid']==$sp"; fail "no synthetic exec of the program run during the stall"; }
}

# Readiness on NOTIFY_SOCKET (abstract name), and STOPPING=1 at the end.
test_monitor_notify_socket() {
	local name="@prochook-e2e-$$"
	python3 - "$name" >"$T/notify" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + sys.argv[1][1:])
s.settimeout(10)
for _ in range(2):
    print(s.recv(100).decode(), flush=True)
PY
	local lp=$! i
	# The listener must be bound before the daemon says READY=1 (python
	# starts slowly on a busy machine): wait for its abstract name.
	for i in $(seq 100); do
		grep -q " ${name}\$" /proc/net/unix && break
		sleep 0.1
	done
	NOTIFY_SOCKET=$name start_daemon -m
	wait_for "$T/notify" "READY=1" || fail "no READY=1"
	stop_daemon
	wait $lp || true
	grep -q "STOPPING=1" "$T/notify" || fail "no STOPPING=1"
}

# SIGUSR1 logs the counters; SIGTERM ends with status 0; -V and -h.
test_monitor_signals_and_flags() {
	"$PROCHOOKD" -V | grep -q "^prochookd [0-9]" || fail "-V"
	"$PROCHOOKD" -h | grep -q -- "--monitor" || fail "-h"
	local st=0
	"$PROCHOOKD" --bogus 2>/dev/null || st=$?
	[ "$st" = 2 ] || fail "usage error exits $st, want 2"
	start_daemon -m
	/bin/true
	kill -USR1 "$DPID"
	wait_for "$T/err" "events: fork [0-9]+, exec [1-9]" || fail "no counters on SIGUSR1"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "SIGTERM gave $DSTATUS"
}
