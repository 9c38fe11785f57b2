# t_actions.sh - hooks, kill and hold, through the privileged part.

# An envhook writes what it got to $T/rec/RULE.PID (see helper.c).
envhook() {
	mkdir -p "$T/hooks" "$T/rec"
	chmod 777 "$T/rec"
	cp "$HELPER" "$T/hooks/${1:-envhook}"
	chmod 755 "$T/hooks/${1:-envhook}"
}

# The recorded value of VAR in FILE (a "ENV VAR=value" line), or "unset".
recv() {
	local v
	v=$(grep -m1 "^ENV $2=" "$1") || { echo unset; return; }
	printf '%s\n' "${v#ENV $2=}"
}

# The PROCHOOK_* names recorded in FILE, sorted, space separated.
rec_names() {
	grep '^ENV ' "$1" | sed 's/^ENV \([^=]*\)=.*/\1/' | sort | tr '\n' ' '
}

# A hook's environment for an exec: exactly the documented variables,
# argv = { path, EVENT, PID }, no descriptor beyond 0-2, default signal
# state, directory /, its own session, and hostile arguments verbatim.
test_actions_hook_env_exec() {
	envhook
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/prog"
	conf <<EOF
[on-exec]
event = exec
exe = $T/bin/prog
hook = envhook
EOF
	start_daemon -c "$T/p.conf"
	local evil='$(touch /pwned-$$) `touch /pwned2` ; rm -rf / "q" '"'s'"' \'
	"$T/bin/prog" sleep 300 "$evil" 'new
line' $'\xff\xfe' &
	local pid=$!
	wait $pid
	local f="$T/rec/on-exec.$pid"
	wait_file "$f" || { cat "$T/err"; fail "the hook did not run"; }
	stop_daemon
	grep -q "^ARGV=$T/hooks/envhook|exec|$pid|\$" "$f" || fail "argv: $(grep ARGV "$f")"
	local want="HOME LOGNAME PATH PROCHOOK_ACTION PROCHOOK_CGROUP PROCHOOK_CMDLINE PROCHOOK_COMM PROCHOOK_EGID PROCHOOK_EUID PROCHOOK_EVENT PROCHOOK_EXE PROCHOOK_GID PROCHOOK_JSON PROCHOOK_PARENT_EXE PROCHOOK_PID PROCHOOK_PPID PROCHOOK_RULE PROCHOOK_TID PROCHOOK_TIME PROCHOOK_UID PROCHOOK_USER USER "
	[ "$(rec_names "$f")" = "$want" ] || fail "environment names: $(rec_names "$f")"
	[ "$(recv "$f" PATH)" = /usr/sbin:/usr/bin:/sbin:/bin ] || fail "PATH"
	[ "$(recv "$f" USER)" = root ] && [ "$(recv "$f" HOME)" = /root ] || fail "USER/HOME"
	[ "$(recv "$f" PROCHOOK_EVENT)" = exec ] || fail "EVENT"
	[ "$(recv "$f" PROCHOOK_ACTION)" = run ] || fail "ACTION"
	[ "$(recv "$f" PROCHOOK_PID)" = "$pid" ] && [ "$(recv "$f" PROCHOOK_TID)" = "$pid" ] || fail "PID/TID"
	[ "$(recv "$f" PROCHOOK_PPID)" = "$BASHPID" ] || fail "PPID $(recv "$f" PROCHOOK_PPID) != $BASHPID"
	[ "$(recv "$f" PROCHOOK_EXE)" = "$T/bin/prog" ] || fail "EXE"
	[ "$(recv "$f" PROCHOOK_COMM)" = prog ] || fail "COMM"
	[ "$(recv "$f" PROCHOOK_UID)" = 0 ] && [ "$(recv "$f" PROCHOOK_USER)" = root ] || fail "UID/USER"
	[ "$(recv "$f" PROCHOOK_PARENT_EXE)" = /usr/bin/bash ] || fail "PARENT_EXE $(recv "$f" PROCHOOK_PARENT_EXE)"
	recv "$f" PROCHOOK_TIME | grep -qE '^[0-9]{10}\.[0-9]{9}$' || fail "TIME"
	# The arguments, byte for byte (the newline splits the record line).
	python3 - "$f" "$T/bin/prog" "$evil" <<'PY' || fail "hostile arguments not verbatim"
import sys
data = open(sys.argv[1], "rb").read()
want = ("ENV PROCHOOK_CMDLINE=%s sleep 300 %s new\nline " % (sys.argv[2], sys.argv[3])).encode() + b"\xff\xfe\n"
assert want in data, data
PY
	ls /pwned-* /pwned2 2>/dev/null && fail "an argument was executed"
	[ "$(grep '^FD ' "$f" | cut -d' ' -f2 | tr '\n' ' ')" = "0 1 2 " ] || fail "descriptors: $(grep '^FD ' "$f")"
	grep '^FD ' "$f" | grep -q socket && fail "a socket reached the hook"
	grep -q "^SigBlk:	0000000000000000" "$f" || fail "signal mask not empty"
	grep -q "^SigIgn:	0000000000000000" "$f" || fail "ignored signals"
	grep -q "^CWD /\$" "$f" || fail "directory"
	local sid hpid
	read -r _ sid _ hpid < <(grep "^SID " "$f")
	[ "$sid" = "$hpid" ] || fail "not in its own session"
}

# exit (status, signal, core, duration), fork (child), uid (previous ids).
test_actions_hook_env_events() {
	envhook
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/prog"
	cp /bin/bash "$T/bin/forker"
	conf <<EOF
[on-exit]
event = exit
exe = $T/bin/prog
hook = envhook

[on-fork]
event = fork
exe = $T/bin/forker
hook = envhook

[on-uid]
event = uid
euid = 0
prev_euid = 65534
hook = envhook
EOF
	start_daemon -c "$T/p.conf"
	"$T/bin/prog" exit 5 || true
	local p1=$!
	"$T/bin/prog" sleep 3000 &
	local p2=$!
	sleep 0.2
	kill -SEGV $p2
	wait $p2 2>/dev/null || true
	"$T/bin/forker" -c 'sleep 0.1 & echo $! > '"$T"'/child; echo $$ > '"$T"'/forker; wait'
	python3 -c 'import os; print(os.getpid(), flush=True); os.seteuid(65534); os.seteuid(0)' >"$T/uidpid"
	local f
	sleep 0.5
	stop_daemon 0.5
	f=$(grep -l "PROCHOOK_EXIT_STATUS=5" "$T"/rec/on-exit.* 2>/dev/null | head -1)
	[ -n "$f" ] || { ls "$T/rec"; cat "$T/err"; fail "no exit hook with status 5"; }
	[ "$(recv "$f" PROCHOOK_EXIT_SIGNAL)" = unset ] || fail "signal on a normal exit"
	recv "$f" PROCHOOK_DURATION | grep -qE '^[0-9]+\.[0-9]{3}$' || fail "DURATION"
	f="$T/rec/on-exit.$p2"
	wait_file "$f" || fail "no exit hook for the SEGV"
	[ "$(recv "$f" PROCHOOK_EXIT_SIGNAL)" = SEGV ] || fail "EXIT_SIGNAL $(recv "$f" PROCHOOK_EXIT_SIGNAL)"
	[ "$(recv "$f" PROCHOOK_CORE)" = 0 ] || [ "$(recv "$f" PROCHOOK_CORE)" = 1 ] || fail "CORE"
	[ "$(recv "$f" PROCHOOK_EXIT_STATUS)" = unset ] || fail "status on a death by signal"
	awk -F'[ =]' '/^ENV PROCHOOK_DURATION=/ { exit !($3 >= 0.15 && $3 < 3) }' "$f" || fail "duration of the SEGV'd process"
	f="$T/rec/on-fork.$(cat "$T/forker")"
	wait_file "$f" || fail "no fork hook"
	[ "$(recv "$f" PROCHOOK_CHILD_PID)" = "$(cat "$T/child")" ] || fail "CHILD_PID"
	[ "$(recv "$f" PROCHOOK_EVENT)" = fork ] || fail "EVENT fork"
	f="$T/rec/on-uid.$(cat "$T/uidpid")"
	wait_file "$f" || fail "no uid hook"
	[ "$(recv "$f" PROCHOOK_PREV_EUID)" = 65534 ] && [ "$(recv "$f" PROCHOOK_PREV_UID)" = 0 ] || fail "PREV ids"
	[ "$(recv "$f" PROCHOOK_EUID)" = 0 ] || fail "EUID after"
	# Nothing else ran: no hook for events no rule matched.
	[ "$(ls "$T/rec" | grep -cv '^on-')" = 0 ] || fail "unexpected hook runs: $(ls "$T/rec")"
}

# kill: SIGKILL at once (exit 137), then the hook is told.
test_actions_kill() {
	envhook
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/forbidden"
	conf <<EOF
[deny]
event = exec
exe = $T/bin/forbidden
uid = !0
action = kill
hook = envhook
EOF
	start_daemon -c "$T/p.conf"
	local st=0 t0 t1
	t0=$(date +%s%N)
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/bin/forbidden" sleep 10000 || st=$?
	t1=$(date +%s%N)
	[ "$st" = 137 ] || fail "exit status $st, want 137 (SIGKILL)"
	[ $(( (t1 - t0) / 1000000 )) -lt 1000 ] || fail "killed only after $(( (t1 - t0) / 1000000 )) ms"
	# Root's exec of the same is not matched (uid = !0).
	"$T/bin/forbidden" sleep 10 || fail "root's run was killed"
	local f
	for f in $(seq 1 100); do ls "$T"/rec/deny.* >/dev/null 2>&1 && break; sleep 0.05; done
	f=$(ls "$T"/rec/deny.* | head -1)
	[ -n "$f" ] || fail "the hook was not told"
	[ "$(recv "$f" PROCHOOK_ACTION)" = kill ] && [ "$(recv "$f" PROCHOOK_SIGNAL)" = KILL ] || fail "ACTION/SIGNAL"
	[ "$(recv "$f" PROCHOOK_USER)" = nobody ] || fail "USER of the killed process"
	stop_daemon
	grep -q "rule deny: sent SIGKILL" "$T/err" || fail "no log line for the kill"
}

# hold: approved, the process goes on; refused, it is killed before its
# body runs; SIGCONT from its owner does not release it.
test_actions_hold() {
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/approved"
	cp "$HELPER" "$T/bin/refused"
	hook yes <<'EOF'
#!/bin/sh
sleep 1
exit 0
EOF
	hook no <<'EOF'
#!/bin/sh
exit 1
EOF
	conf <<EOF
[hold-yes]
event = exec
exe = $T/bin/approved
action = hold
hook = yes

[hold-no]
event = exec
exe = $T/bin/refused
action = hold
hook = no
EOF
	chmod 777 "$T"/bin
	start_daemon -c "$T/p.conf"
	local st=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/bin/refused" create-after 300 "$T/bin/refused-ran" || st=$?
	[ "$st" = 137 ] || fail "refused: exit $st, want 137"
	[ ! -e "$T/bin/refused-ran" ] || fail "the refused program's body ran"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/bin/approved" create-after 300 "$T/bin/approved-ran" &
	local p=$!
	sleep 0.5
	grep -q "State:	t" /proc/$p/status || fail "not held: $(grep State /proc/$p/status)"
	# Its owner tries to let it go on.
	setpriv --reuid=nobody --regid=nogroup --clear-groups kill -CONT $p
	sleep 0.3
	grep -q "State:	t" /proc/$p/status || fail "SIGCONT released it"
	[ ! -e "$T/bin/approved-ran" ] || fail "ran while held"
	st=0
	wait $p || st=$?
	[ "$st" = 0 ] || fail "approved: exit $st"
	[ -e "$T/bin/approved-ran" ] || fail "the approved program's body did not run"
	stop_daemon
	grep -q "held process released" "$T/err" || fail "no release logged"
	grep -q "held process killed" "$T/err" || fail "no kill logged"
}

# A hook that matches its own rule runs once, not forever.
test_actions_hook_not_self_triggered() {
	# A shell of the test's own, so that other shells on the machine do
	# not match.
	mkdir -p "$T/bin"
	cp "$(readlink -f /bin/sh)" "$T/bin/own-sh"
	hook self <<EOF
#!/bin/sh
echo x >> $T/count
$T/bin/own-sh -c true
EOF
	conf <<EOF
[any-sh]
event = exec
exe = $T/bin/own-sh
hook = self
EOF
	start_daemon -c "$T/p.conf"
	"$T/bin/own-sh" -c true
	sleep 1.5
	stop_daemon
	[ "$(wc -l < "$T/count")" = 1 ] || fail "the hook ran $(wc -l < "$T/count") times"
}

# A hook that hangs is killed at its timeout with what it left behind,
# setsid() or not.
test_actions_hook_timeout() {
	hook hang <<EOF
#!/bin/sh
setsid sleep 1000 &
echo \$! > $T/escaped
trap '' TERM
while :; do sleep 1; done
EOF
	mkdir -p "$T/bin"
	cp /bin/true "$T/bin/own-true"
	conf <<EOF
[hangs]
event = exec
exe = $T/bin/own-true
hook = hang
timeout = 1
EOF
	start_daemon -c "$T/p.conf"
	"$T/bin/own-true"
	wait_file "$T/escaped" || fail "the hook did not start"
	local esc
	esc=$(cat "$T/escaped")
	kill -0 "$esc" || fail "the setsid child is not running"
	sleep 4
	kill -0 "$esc" 2>/dev/null && fail "the setsid child survived the timeout"
	[ -z "$(hook_pids hang)" ] || fail "the hook survived the timeout"
	stop_daemon
	grep -q "hook hang: timed out after 1 s" "$T/err" || { cat "$T/err"; fail "timeout not logged"; }
}

# 200 matches with max_hooks = 2 and queue_size = 4: bounded, and the
# drops are counted.
test_actions_flood_bounded() {
	hook slow <<EOF
#!/bin/sh
echo \$PROCHOOK_PID >> $T/ran
sleep 0.5
EOF
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/flood"
	conf "max_hooks = 2" "queue_size = 4" <<EOF
[flood]
event = exec
exe = $T/bin/flood
hook = slow
rate = 1000000
EOF
	start_daemon -c "$T/p.conf"
	local i
	for i in $(seq 1 200); do "$T/bin/flood" exit 0; done
	sleep 0.5
	local running
	running=$(hook_pids slow | wc -l)
	[ "$running" -le 2 ] || fail "$running hooks running at once"
	sleep 3
	kill -USR1 "$DPID"
	wait_for "$T/err" "hooks: [0-9]+ started" || fail "no hook counters"
	stop_daemon
	local started dropped
	started=$(grep -oE "hooks: [0-9]+ started" "$T/err" | tail -1 | grep -oE "[0-9]+")
	dropped=$(grep -oE "[0-9]+ dropped \(queue full\)" "$T/err" | tail -1 | grep -oE "^[0-9]+")
	[ "$started" -ge 6 ] && [ "$started" -le 20 ] || fail "$started hooks started"
	[ $((started + dropped)) = 200 ] || fail "started $started + dropped $dropped != 200"
	[ "$(wc -l < "$T/ran")" = "$started" ] || fail "ran $(wc -l < "$T/ran") != started $started"
}

# The event loop: the prochook user, no capabilities, no_new_privs.
test_actions_loop_unprivileged() {
	conf </dev/null
	start_daemon -c "$T/p.conf"
	local lp
	lp=$(pgrep -P "$DPID" -u prochook prochookd) || fail "no event loop process as prochook"
	grep -q "^CapEff:	0000000000000000" /proc/$lp/status || fail "CapEff"
	grep -q "^CapPrm:	0000000000000000" /proc/$lp/status || fail "CapPrm"
	grep -q "^CapBnd:	0000000000000000" /proc/$lp/status || fail "CapBnd"
	grep -q "^NoNewPrivs:	1" /proc/$lp/status || fail "NoNewPrivs"
	# A seccomp filter keeps it from adding fanotify marks of its own.
	grep -q "^Seccomp:	2" /proc/$lp/status || fail "no seccomp filter"
	[ "$(stat -c %U /proc/$lp)" = prochook ] || fail "owner"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A wide kill rule never touches prochookd: its own events never match
# (ptrace events: we seize both parts and let go).  PID 1 cannot be traced
# here; test_actions_privd_distrusts_loop shows a request for it refused.
test_actions_never_self() {
	conf <<EOF
[kill-traced]
event = ptrace
action = kill
comm = *
EOF
	start_daemon -c "$T/p.conf"
	local lp
	lp=$(pgrep -P "$DPID" -u prochook prochookd)
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/bystander"
	"$T/bin/bystander" sleep 20000 &
	local v=$!
	sleep 0.2
	python3 - "$DPID" "$lp" "$v" <<'PY' || fail "cannot seize"
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_SEIZE = 0x4206
for pid in (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])):
    if libc.ptrace(PTRACE_SEIZE, pid, None, None) != 0:
        sys.exit("cannot seize %d: errno %d" % (pid, ctypes.get_errno()))
PY
	sleep 0.5
	kill -0 "$DPID" && kill -0 "$lp" || fail "prochookd was killed"
	local st=0
	wait $v || st=$?
	[ "$st" = 137 ] || fail "the rule did not kill the bystander ($st): the test proves nothing"
	stop_daemon
	grep -qE "never signalled or held \(pid ($DPID|$lp)\)" "$T/err" &&
		fail "prochookd's own events matched a rule"
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A hook made unsafe after the configuration was loaded is refused.
test_actions_hook_made_unsafe() {
	envhook
	conf <<EOF
[t]
event = exec
exe = /usr/bin/true
hook = envhook
EOF
	start_daemon -c "$T/p.conf"
	chmod 777 "$T/hooks/envhook"
	/bin/true
	wait_for "$T/err" "hook envhook: refused: .*writable" || { cat "$T/err"; fail "no refusal logged"; }
	stop_daemon
	[ -z "$(ls "$T/rec")" ] || fail "the unsafe hook ran"
}

# Either part killed: prochookd stops with status 4, and nothing stays held.
test_actions_part_killed() {
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/held"
	hook wait <<'EOF'
#!/bin/sh
sleep 30
EOF
	conf <<EOF
[h]
event = exec
exe = $T/bin/held
action = hold
hook = wait
EOF
	# The event loop killed: the privileged part exits 4, the held dies.
	start_daemon -c "$T/p.conf"
	"$T/bin/held" sleep 10000 &
	local p=$!
	sleep 0.5
	grep -q "State:	t" /proc/$p/status || fail "not held"
	kill -KILL "$(pgrep -P "$DPID" -u prochook prochookd)"
	local st=0
	wait "$DPID" || st=$?
	[ "$st" = 4 ] || fail "exit $st after the event loop was killed, want 4"
	st=0
	wait $p || st=$?
	[ "$st" = 137 ] || fail "the held process ended with $st, want 137"
	# The privileged part killed: the event loop exits 4, the held dies.
	start_daemon -c "$T/p.conf"
	local lp
	lp=$(pgrep -P "$DPID" -u prochook prochookd)
	"$T/bin/held" sleep 10000 &
	p=$!
	sleep 0.5
	grep -q "State:	t" /proc/$p/status || fail "not held (2)"
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null || true
	st=0
	wait $p || st=$?
	[ "$st" = 137 ] || fail "the held process ended with $st after the privileged part died"
	local i
	for i in $(seq 1 50); do kill -0 "$lp" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$lp" 2>/dev/null && fail "the event loop outlived the privileged part"
	grep -q "the privileged part is gone" "$T/err" || fail "the event loop did not say why it stopped"
	kill $(hook_pids wait) 2>/dev/null || true
}

# Requests from a subverted event loop: the privileged part refuses a
# request for PID 1, for a process the rule does not match, for a rule
# that does not exist, and malformed messages; and it lives on.
test_actions_privd_distrusts_loop() {
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/innocent"
	conf <<EOF
[kill-something]
event = exec
exe = /nonexistent/*
action = kill
EOF
	start_daemon -c "$T/p.conf"
	local lp
	lp=$(pgrep -P "$DPID" -u prochook prochookd) || fail "no event loop"
	"$T/bin/innocent" sleep 20000 &
	local p=$!
	sleep 0.2
	"$HELPER" inject "$lp" pid1 || fail "inject pid1"
	"$HELPER" inject "$lp" nomatch $p || fail "inject nomatch"
	"$HELPER" inject "$lp" badrule $p || fail "inject badrule"
	"$HELPER" inject "$lp" garbage || fail "inject garbage"
	"$HELPER" inject "$lp" unterminated $p || fail "inject unterminated"
	sleep 0.5
	kill -0 $p || fail "the innocent process was killed"
	kill $p
	kill -0 "$DPID" || fail "the privileged part died"
	grep -q "refused: PID 1, prochookd and hooks are never signalled or held (pid 1)" "$T/err" || fail "PID 1 not refused"
	grep -q "refused: the process does not match the rule (pid $p)" "$T/err" || fail "non-matching process not refused"
	grep -q "refused: no such rule in the configuration in force (pid $p)" "$T/err" || fail "bad rule not refused"
	[ "$(grep -c "malformed message from the event loop refused" "$T/err")" = 2 ] || fail "malformed messages not refused"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A failed exec of another file first (an ELF image whose loader does not
# exist) does not hide the program that follows from an exe kill rule.
test_actions_kill_after_failed_exec() {
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/target"
	printf 'int main(void) { return 0; }\n' >"$T/bad.c"
	cc -o "$T/bin/bad.elf" "$T/bad.c" -Wl,--dynamic-linker=/nonexistent/ld.so ||
		fail "cannot build the bad ELF image"
	conf <<EOF2
[deny]
event = exec
exe = $T/bin/target
uid = !0
action = kill
EOF2
	start_daemon -c "$T/p.conf"
	local st=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$HELPER" evade "$T/bin/bad.elf" "$T/bin/target" sleep 10000 || st=$?
	[ "$st" = 137 ] || fail "exit $st: the failed exec hid the target"
	stop_daemon
}

# Two hold rules on one exec: released when both approve, killed when
# either refuses.
test_actions_two_holds() {
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/both"
	cp "$HELPER" "$T/bin/onesays"
	hook yes <<'EOF2'
#!/bin/sh
sleep 0.3
exit 0
EOF2
	hook no <<'EOF2'
#!/bin/sh
exit 1
EOF2
	conf <<EOF2
[hold-a]
event = exec
exe = $T/bin/both $T/bin/onesays
action = hold
hook = yes

[hold-b]
event = exec
exe = $T/bin/both
action = hold
hook = yes

[hold-c]
event = exec
exe = $T/bin/onesays
action = hold
hook = no
EOF2
	start_daemon -c "$T/p.conf"
	local st=0
	# Long enough to be held before they end.
	"$T/bin/both" sleep 300 || st=$?
	[ "$st" = 0 ] || fail "approved by both rules, yet exit $st"
	st=0
	"$T/bin/onesays" sleep 300 || st=$?
	[ "$st" = 137 ] || fail "refused by one rule, yet exit $st"
	stop_daemon
}
