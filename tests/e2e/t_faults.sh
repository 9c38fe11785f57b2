# t_faults.sh - faults, each with its outcome asserted: a part of prochookd
# killed, resources starved, the configuration pulled away, the kernel's
# queue full, pids wrapped.
#
# The parts are found by their relations, never by how many there are: the
# daemon (the privileged part) is $DPID; the event loop is its child running
# as the user prochook; a hook's supervisor is the parent of the hook.
# Every rule matches only this test's own programs under $T, run by its own
# ordinary user.

FAULTS_USER=prochook-e2e-faults
# As the test's user; "$FAULTS_AS cmd &" leaves the command's pid in $!.
FAULTS_AS="setpriv --reuid=$FAULTS_USER --regid=$FAULTS_USER --clear-groups"

faults_loop() {
	pgrep -P "$DPID" -u prochook prochookd || fail "no event loop"
}

# The state letter of a process, or nothing when it is gone.
faults_state() {
	sed -n 's/^State:\t\(.\).*/\1/p' /proc/"$1"/status 2>/dev/null
}

# Wait at most 2 s for pid $1 to be held (stopped under ptrace): the hook
# may start before the seized process has stopped.
faults_held() {
	local i
	for i in $(seq 1 20); do
		[ "$(faults_state "$1")" = t ] && return 0
		sleep 0.1
	done
	return 1
}

# Wait at most $2 tenths of a second for pid $1 to be gone (or a zombie
# when it is not ours to reap).
faults_gone() {
	local i s
	for i in $(seq 1 "${2:-100}"); do
		s=$(faults_state "$1")
		[ -z "$s" ] && return 0
		sleep 0.1
	done
	return 1
}

# No zombie among the children of the given pids.
faults_no_zombie() {
	local p z
	for p in "$@"; do
		z=$(ps -o pid=,stat= --ppid "$p" 2>/dev/null | awk '$2 ~ /^Z/ {print $1}')
		[ -z "$z" ] || fail "zombies left under $p: $z"
	done
}

# A daemon with a held process whose hook (and what it left) is running,
# and events flowing: sets HELD, HOOK, LEFT, SUP, LOOP, FLOW.
faults_start() {
	ordinary_user "$FAULTS_USER" >/dev/null
	mkdir -p "$T/bin" "$T/run"
	chmod 777 "$T/run"
	cp "$HELPER" "$T/bin/held"
	cp "$HELPER" "$T/bin/flow"
	hook slow <<EOF
#!/bin/sh
sleep 100 &
echo \$! >$T/run/left
echo \$\$ >$T/run/hook
sleep 100
EOF
	conf <<EOF
[held]
event = exec
exe = $T/bin/held
action = hold
hook = slow
timeout = ${FAULTS_TIMEOUT:-30}

[flow]
event = exec
exe = $T/bin/flow
action = log
rate = 5
EOF
	start_daemon -c "$T/p.conf"
	LOOP=$(faults_loop)
	$FAULTS_AS bash -c "while :; do $T/bin/flow exit 0; done" &
	FLOW=$!
	$FAULTS_AS "$T/bin/held" sleep 100000 &
	HELD=$!
	wait_file "$T/run/hook" && wait_file "$T/run/left" || fail "the hook did not start"
	HOOK=$(cat "$T/run/hook")
	LEFT=$(cat "$T/run/left")
	SUP=$(awk '/^PPid:/ {print $2}' /proc/"$HOOK"/status)
	[ "$(awk '/^PPid:/ {print $2}' /proc/"$SUP"/status)" = "$DPID" ] ||
		fail "the hook's parent $SUP is not a child of the daemon"
	faults_held "$HELD" || fail "not held: $(faults_state "$HELD")"
	wait_for "$T/err" "rule flow \(log\)" || fail "no events flow"
}

faults_stop_flow() {
	kill "$FLOW" 2>/dev/null
	wait "$FLOW" 2>/dev/null || true
}

# The held process was killed, not left stopped; the hook and what it left
# are gone.
faults_outcome() {
	local st=0
	faults_gone "$HELD" 150 || fail "the held process is still there: $(faults_state "$HELD")"
	wait "$HELD" || st=$?
	[ "$st" = 137 ] || fail "the held process ended with $st, want 137 (SIGKILL)"
	faults_gone "$HOOK" "${1:-100}" || fail "the hook $HOOK is still there"
	faults_gone "$LEFT" "${1:-100}" || fail "what the hook left ($LEFT) is still there"
	faults_gone "$SUP" "${1:-100}" || fail "the supervisor $SUP is still there"
}

# The event loop killed: the privileged part says so, kills the held
# process and the hooks, and exits 4.
test_faults_kill_loop() {
	faults_start
	kill -KILL "$LOOP"
	local st=0 i
	for i in $(seq 1 100); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$DPID" || st=$?
	faults_stop_flow
	[ "$st" = 4 ] || fail "exit $st, want 4"
	grep -q "the event loop was killed by signal 9" "$T/err" || fail "not logged"
	faults_outcome
}

# The privileged part killed: nothing can report it (the exit status is
# the signal's, which a service manager restarts on), but the loop goes,
# the held process is killed (PTRACE_O_EXITKILL), and the supervisors stop
# their hooks.
test_faults_kill_privd() {
	faults_start
	kill -KILL "$DPID"
	local st=0
	wait "$DPID" || st=$?
	faults_stop_flow
	[ "$st" = 137 ] || fail "exit $st"
	faults_gone "$LOOP" || fail "the event loop outlived the privileged part"
	faults_outcome
}

# A hook's supervisor killed: the job failed, so the held process is
# killed; the hook and what it left, no longer supervised, are killed by
# the privileged part; the daemon goes on and a new hold works.
test_faults_kill_supervisor() {
	faults_start
	kill -KILL "$SUP"
	faults_outcome
	wait_for "$T/err" "hook supervisor $SUP for rule held \(pid $HELD\) killed by signal KILL" ||
		fail "the supervisor's death was not logged"
	wait_for "$T/err" "killed [0-9]+ process(es)? that hooks left when their supervisor was killed" ||
		fail "the orphans' killing was not logged"
	faults_no_zombie "$DPID"
	kill -0 "$DPID" || fail "the daemon died"
	rm -f "$T/run/hook" "$T/run/left"
	$FAULTS_AS "$T/bin/held" sleep 100000 &
	HELD=$!
	wait_file "$T/run/hook" || fail "no hook for a new hold"
	faults_held "$HELD" || fail "not held again: $(faults_state "$HELD")"
	faults_stop_flow
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
	faults_gone "$HELD" 50 || fail "a held process outlived the daemon"
	faults_gone "$(cat "$T/run/left")" 50 || fail "a hook's process outlived the daemon"
}

# A hook killed: it failed, so the held process is killed at once (not at
# the timeout); what it left is killed at the hook's deadline.
test_faults_kill_hook() {
	FAULTS_TIMEOUT=6 faults_start
	kill -KILL "$HOOK"
	wait_for "$T/err" "hook slow: killed by signal KILL \(rule held, pid $HELD\)" ||
		fail "the hook's death was not logged"
	faults_gone "$HELD" 30 || fail "the held process was not killed at once"
	faults_outcome 150
	grep -q "hook slow: timed out" "$T/err" && fail "the hook was said to time out"
	faults_no_zombie "$DPID"
	faults_stop_flow
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# The kernel's queue full for seconds: the event loop stopped (SIGSTOP)
# while processes fork and exec.  The loss is counted, and a program that
# started during the gap and still runs is found by the rescan and killed
# by its rule.
test_faults_queue_full() {
	ordinary_user "$FAULTS_USER" >/dev/null
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/victim"
	conf <<EOF2
[victim]
event = exec
exe = $T/bin/victim
action = kill
EOF2
	start_daemon -c "$T/p.conf"
	local lp v st=0 i
	lp=$(faults_loop)
	kill -STOP "$lp"
	# Far more than the socket's buffer holds.
	"$HELPER" forks 20000 || fail "forks"
	$FAULTS_AS "$T/bin/victim" sleep 100000 &
	v=$!
	"$HELPER" forks 5000 || fail "forks"
	sleep 2
	kill -0 "$v" || fail "the victim died while the loop was stopped"
	kill -CONT "$lp"
	for i in $(seq 1 150); do
		kill -0 "$v" 2>/dev/null || break
		sleep 0.1
	done
	wait "$v" || st=$?
	[ "$st" = 137 ] || { kill "$v" 2>/dev/null; fail "the victim started in the gap: exit $st, want 137"; }
	kill -USR1 "$DPID"
	# The victim's exec itself may survive the loss (execs and forks
	# come on separate sockets): then the rescan has nothing to rebuild.
	wait_for "$T/err" "lost: [1-9][0-9]* events dropped by the kernel in [1-9][0-9]* gaps" ||
		fail "the loss or the rescan was not counted: $(grep 'lost:' "$T/err")"
	grep -q "rule victim: sent SIGKILL" "$T/err" || fail "the kill was not logged"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A held process dies and its pid goes to a new process (the kernel's
# next pid set with ns_last_pid, as a wrap-around of the pid space would
# do): the hook's refusal then kills nobody, and nothing else acts on the
# new owner of the pid.
test_faults_pid_reuse() {
	ordinary_user "$FAULTS_USER" >/dev/null
	[ -w /proc/sys/kernel/ns_last_pid ] ||
		{ echo "SKIPPED: ns_last_pid is not writable"; return 0; }
	mkdir -p "$T/bin" "$T/run"
	chmod 777 "$T/run"
	cp "$HELPER" "$T/bin/held"
	cp "$HELPER" "$T/bin/other"
	hook decide <<EOF2
#!/bin/sh
echo \$\$ >$T/run/hook
while [ ! -e $T/run/go ]; do sleep 0.1; done
exit 1
EOF2
	conf <<EOF2
[held]
event = exec
exe = $T/bin/held
action = hold
hook = decide
timeout = 60
EOF2
	start_daemon -c "$T/p.conf"
	local h q i st=0
	$FAULTS_AS "$T/bin/held" sleep 100000 &
	h=$!
	wait_file "$T/run/hook" || fail "no hook"
	faults_held "$h" || fail "not held: $(faults_state "$h")"
	kill -KILL "$h"
	wait "$h" || true
	# The next process of this user takes the held one's pid.
	for i in $(seq 1 50); do
		echo $((h - 1)) >/proc/sys/kernel/ns_last_pid
		$FAULTS_AS "$T/bin/other" sleep 100000 &
		q=$!
		[ "$q" = "$h" ] && break
		kill "$q"
		wait "$q" 2>/dev/null || true
	done
	[ "$q" = "$h" ] || { echo "SKIPPED: pid $h could not be taken again"; return 0; }
	echo "pid $h reused"
	touch "$T/run/go"
	wait_for "$T/err" "hook decide: exited 1" || fail "the hook did not decide"
	sleep 1
	[ "$(faults_state "$q")" = S ] || fail "the new owner of pid $q: state $(faults_state "$q")"
	kill -USR1 "$DPID"
	wait_for "$T/err" "privileged part: .* 0 signals sent" || fail "a signal was sent: $(grep 'privileged part:' "$T/err")"
	kill "$q"
	wait "$q" || st=$?
	[ "$st" = 143 ] || fail "the new owner ended with $st, want 143 (our SIGTERM)"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# 100 SIGHUPs a second during an exec storm, alternating a valid and an
# invalid configuration: no crash; every exec of the victim is still
# killed (the rules in force never lost); every refused configuration is
# logged with its file and line.
test_faults_sighup_storm() {
	ordinary_user "$FAULTS_USER" >/dev/null
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/victim"
	conf <<EOF2
[victim]
event = exec
exe = $T/bin/victim
action = kill
EOF2
	start_daemon -c "$T/p.conf"
	local hup i st n=0 killed=0 bad=0
	(
		for i in $(seq 1 1000); do
			if [ $((i % 50)) = 0 ]; then
				echo "[broken" >"$T/rules.d/bad.conf"
			elif [ $((i % 50)) = 25 ]; then
				rm -f "$T/rules.d/bad.conf"
			fi
			kill -HUP "$DPID" || exit 1
			sleep 0.01
		done
	) &
	hup=$!
	while kill -0 "$hup" 2>/dev/null; do
		st=0
		$FAULTS_AS "$T/bin/victim" sleep 20000 || st=$?
		n=$((n + 1))
		[ "$st" = 137 ] && killed=$((killed + 1))
		[ "$st" = 137 ] || {
			kill "$hup"; kill -USR1 "$DPID"; sleep 0.5
			grep -E "rule victim:|enrichment|fanotify|lost:" "$T/err" | tail -4
			fail "victim $n: exit $st, want 137"; }
	done
	wait "$hup" || fail "the daemon went away during the SIGHUPs"
	echo "$killed of $n victims killed during the SIGHUPs"
	[ "$n" -ge 5 ] || fail "only $n execs: the test proves nothing"
	kill -0 "$DPID" || fail "the daemon died"
	bad=$(grep -c "bad.conf:1:" "$T/err" || true)
	[ "$bad" -ge 1 ] || fail "no refused configuration logged"
	grep -q "configuration reloaded" "$T/err" || fail "no reload logged"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# The configuration pulled away during reloads: the rules directory
# removed (as in "rm -r; mv new rules.d"), the hooks directory removed,
# the main file removed.  Each reload is refused with its reason, and the
# rules in force stay: the victim is still killed and the hook still runs.
# Then a replaced rules directory is taken.  Every reload is counted.
test_faults_reload_dirs_gone() {
	ordinary_user "$FAULTS_USER" >/dev/null
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/victim"
	cp "$HELPER" "$T/bin/hooked"
	cp "$HELPER" "$T/bin/later"
	record_hook
	conf <<EOF2
[hooked]
event = exec
exe = $T/bin/hooked
hook = rec
EOF2
	cat >"$T/rules.d/victim.conf" <<EOF2
[victim]
event = exec
exe = $T/bin/victim
action = kill
EOF2
	start_daemon -c "$T/p.conf"
	local st n=0 p
	faults_check_rules() {
		st=0
		$FAULTS_AS "$T/bin/victim" sleep 100000 || st=$?
		[ "$st" = 137 ] || fail "$1: the victim ended with $st, want 137"
		$FAULTS_AS "$T/bin/hooked" sleep 300 &
		p=$!
		wait "$p"
		wait_file "$T/rec/hooked.$p" || fail "$1: the hook did not run"
	}
	faults_check_rules "at start"
	mv "$T/rules.d" "$T/rules.old"
	kill -HUP "$DPID"
	wait_for "$T/err" "$T/rules.d: gone, but 1 files of the rules in force were there: configuration refused" ||
		fail "the rules directory's removal was not refused"
	faults_check_rules "rules.d gone"
	mv "$T/hooks" "$T/hooks.old"
	kill -HUP "$DPID"
	wait_for "$T/err" "hook 'rec' of rule \[hooked\] refused: $T/hooks/rec: No such file" ||
		fail "the hooks directory's removal was not refused"
	mv "$T/hooks.old" "$T/hooks"
	faults_check_rules "hooks gone"
	mv "$T/p.conf" "$T/p.old"
	kill -HUP "$DPID"
	wait_for "$T/err" "$T/p.conf: No such file or directory" || fail "the main file's removal was not logged"
	mv "$T/p.old" "$T/p.conf"
	faults_check_rules "main file gone"
	# Replaced: the new directory's rules are taken.
	mkdir "$T/rules.d"
	sed "s|\[victim\]|[later]|; s|bin/victim|bin/later|" "$T/rules.old/victim.conf" >"$T/rules.d/later.conf"
	kill -HUP "$DPID"
	wait_for "$T/err" "configuration reloaded: 2 rules" || fail "the replaced directory was not taken"
	st=0
	$FAULTS_AS "$T/bin/later" sleep 100000 || st=$?
	[ "$st" = 137 ] || fail "the replaced directory's rule: exit $st, want 137"
	[ "$(grep -c "configuration refused; the rules in force stay" "$T/err")" = 3 ] ||
		fail "each refusal not logged once: $(grep -c "configuration refused" "$T/err")"
	kill -USR1 "$DPID"
	wait_for "$T/err" "4 reloads, 3 refused" || fail "the reloads were not counted: $(grep 'reloads' "$T/err")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# RLIMIT_NOFILE of 64 and a burst of 100 hook jobs, more than 64
# descriptors can run at once: the privileged part says how many fit, the
# others wait in the queue; every exec is still named and matched (reading
# /proc needs descriptors too); every job runs, none fails.
test_faults_nofile_64() {
	ordinary_user "$FAULTS_USER" >/dev/null
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/burst"
	hook slow <<EOF2
#!/bin/sh
for i in \$(seq 1 300); do [ -e $T/go ] && exit 0; sleep 0.1; done
EOF2
	conf "max_hooks = 200" <<EOF2
[burst]
event = exec
exe = $T/bin/burst
hook = slow
rate = 1000
EOF2
	# The daemon itself under the limit, from its start (the pid stays).
	printf '#!/bin/sh\nexec prlimit --nofile=64:64 -- %s "$@"\n' "$PROCHOOKD" >"$T/bin/limited"
	chmod 755 "$T/bin/limited"
	PROCHOOKD=$T/bin/limited start_daemon -c "$T/p.conf"
	grep -q "Max open files *64 *64" /proc/"$DPID"/limits || fail "no limit"
	grep -q "max_hooks 200: RLIMIT_NOFILE 64 leaves descriptors for 16 hook jobs at once" "$T/err" ||
		fail "the cap was not logged"
	local i bp=() started
	# At once, and each alive long enough to be read.
	for i in $(seq 1 100); do
		E2E_LINGER=30000 $FAULTS_AS "$T/bin/burst" &
		bp+=($!)
	done
	for i in $(seq 1 100); do
		kill -USR1 "$DPID"
		sleep 0.2
		grep -q "hooks: .* 16 running" "$T/err" && break
	done
	grep -q "hooks: .* 16 running" "$T/err" || fail "not 16 hooks at once: $(grep 'hooks:' "$T/err" | tail -1)"
	touch "$T/go"
	for i in $(seq 1 100); do
		kill -USR1 "$DPID"
		sleep 0.2
		started=$(grep -oE "hooks: [0-9]+ started" "$T/err" | tail -1 | awk '{print $2}')
		[ "${started:-0}" -ge 100 ] && break
	done
	kill "${bp[@]}"
	wait "${bp[@]}" 2>/dev/null
	grep -E "rule burst:|hooks:" "$T/err" | tail -2
	[ "$(grep -oE "rule burst: [0-9]+ matches" "$T/err" | tail -1 | awk '{print $3}')" -ge 100 ] ||
		fail "not every exec matched"
	[ "${started:-0}" -ge 100 ] || fail "$started of 100 hook jobs started"
	grep -q "hooks: [0-9]* started, 0 failed" "$T/err" || fail "hook jobs failed"
	grep -q "Too many open files" "$T/err" && fail "descriptors ran out"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# /proc mounted with hidepid=2 (a new proc instance in a mount namespace
# of the test, so the host's /proc is untouched): the event loop, an
# unprivileged user, can no longer read other users' processes.  The
# daemon still starts, and a kill rule on a program of an ordinary user
# still kills it: the privileged part names what the loop cannot read.
test_faults_hidepid() {
	ordinary_user "$FAULTS_USER" >/dev/null
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/victim"
	record_hook
	conf <<EOF2
[victim]
event = exec
exe = $T/bin/victim
action = kill
hook = rec
EOF2
	unshare -m --propagation private sh -c \
	    'mount -t proc -o hidepid=2 proc /proc && exec "$0" -c "$1"' \
	    "$PROCHOOKD" "$T/p.conf" >"$T/out" 2>"$T/err" &
	DPID=$!
	echo "$DPID" >>"$T/daemons"
	wait_for "$T/err" "ready: privileges" || { cat "$T/err"; fail "not ready"; }
	grep -q hidepid=invisible /proc/"$DPID"/mounts || grep -q hidepid=2 /proc/"$DPID"/mounts ||
		fail "no hidepid in the daemon's namespace"
	local st=0 p
	$FAULTS_AS "$T/bin/victim" sleep 100000 &
	p=$!
	wait "$p" || st=$?
	[ "$st" = 137 ] || fail "the victim ended with $st, want 137"
	wait_file "$T/rec/victim.$p" || fail "the hook did not run"
	grep -q "^PROCHOOK_EXE=$T/bin/victim$" "$T/rec/victim.$p" || fail "the hook was not told the executable"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# One flood for test_faults_memory_limit: 100 victims killed one after
# the other, each with a hook, then 3000 forks.  (The shell's report of
# each SIGKILL would bury a failure's message: it goes.)
faults_flood() {
	local i st
	for i in $(seq 1 100); do
		st=0
		{ $FAULTS_AS "$T/bin/victim" sleep 100000; } 2>/dev/null || st=$?
		[ "$st" = 137 ] || fail "victim $i: exit $st, want 137"
	done
	"$HELPER" forks 3000 >/dev/null || true
	# The last hooks end.
	sleep 1
}

# The anonymous memory of the daemon's parts in cgroup $1, in KiB.
faults_anon() {
	local p sum=0 kb
	for p in $(cat "$1/cgroup.procs"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		prochook*) ;;
		*) continue ;;
		esac
		kb=$(awk '/^RssAnon:/ {print $2}' "/proc/$p/status" 2>/dev/null)
		sum=$((sum + ${kb:-0}))
	done
	echo "$sum"
}

# The memory cgroup of this test (v2 memory.max, or v1's limit where the
# memory controller is on v1): a limit a little above the daemon's idle
# use (swap off), then three floods of kills with hooks and forks, and a
# hold.  The limit leaves 8 MiB (64 for a sanitizer build): the hooks
# run in the daemon's cgroup, and their processes, page tables and files
# took up to 4.1 MiB more than idle here, unlimited; at 4 MiB the OOM
# killer took the event loop, the biggest process, on a loaded machine.
# No part is killed or crashes: the victims are killed, the hooks run,
# the parts' own memory does not grow from the second flood to the
# third, and the daemon stops with 0.
test_faults_memory_limit() {
	ordinary_user "$FAULTS_USER" >/dev/null
	local cg max cur swap v
	if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		cg=/sys/fs/cgroup/$(sed -n 's/^0:://p' /proc/self/cgroup)
		v=2 max=memory.max cur=memory.current swap=memory.swap.max
	elif [ -d /sys/fs/cgroup/memory ]; then
		cg=/sys/fs/cgroup/memory/$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
		v=1 max=memory.limit_in_bytes cur=memory.usage_in_bytes swap=
	else
		echo "SKIPPED: no memory cgroup"
		return 0
	fi
	cg=${cg%/}/prochook-e2e-faults-$$
	mkdir "$cg" || { echo "SKIPPED: cannot create a memory cgroup"; return 0; }
	echo "$cg" >"$T/cgroup"
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/victim"
	cp "$HELPER" "$T/bin/held"
	record_hook
	hook yes <<'EOF2'
#!/bin/sh
exit 0
EOF2
	conf <<EOF2
[victim]
event = exec
exe = $T/bin/victim
action = kill
hook = rec
rate = 1000

[held]
event = exec
exe = $T/bin/held
action = hold
hook = yes
EOF2
	# The daemon starts in the cgroup.
	printf '#!/bin/sh\necho $$ >%s/cgroup.procs && exec %s "$@"\n' "$cg" "$PROCHOOKD" >"$T/bin/incg"
	chmod 755 "$T/bin/incg"
	# A sanitizer build keeps freed memory in quarantine and shadow
	# memory besides: a small quarantine, more room above idle use, and
	# growth up to the quarantine of each of the three parts (its leak
	# checker finds what is lost at exit instead).
	local room=8 slack=512
	case $PROCHOOKD in
	*asan*)
		room=64 slack=$((3 * 4096))
		export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
		;;
	esac
	PROCHOOKD=$T/bin/incg start_daemon -c "$T/p.conf"
	sleep 1
	local idle lim st anon1 anon2 nrec
	[ -n "$swap" ] && echo 0 >"$cg/$swap"
	idle=$(cat "$cg/$cur")
	lim=$((idle + room * 1024 * 1024))
	echo "$lim" >"$cg/$max" || fail "cannot set the limit"
	echo "cgroup v$v: idle use $((idle / 1024)) KiB, limit $((lim / 1024)) KiB"
	# Equal floods: the first two may grow tables and the allocator's
	# heap to their working size (300 KiB from the first to the second
	# here, 80 to the third, 12 to the fourth); the third must not grow
	# the parts' own memory by more than 512 KiB, 170 bytes an event.
	faults_flood
	faults_flood
	anon1=$(faults_anon "$cg")
	faults_flood
	anon2=$(faults_anon "$cg")
	st=0
	$FAULTS_AS "$T/bin/held" exit 0 || st=$?
	[ "$st" = 0 ] || fail "the held process: exit $st, want 0 (released)"
	sleep 1
	nrec=$(ls "$T/rec" | wc -l)
	echo "300 victims killed; hooks recorded: $nrec; peak $(( $(cat "$cg/${cur%current}peak" 2>/dev/null || cat "$cg/memory.max_usage_in_bytes") / 1024 )) KiB"
	echo "the parts' anonymous memory: $anon1 KiB after two floods, $anon2 KiB after three"
	kill -0 "$DPID" || fail "the daemon died"
	[ "$nrec" -ge 270 ] || fail "hooks lost: $nrec of 300"
	[ "$anon2" -le $((anon1 + slack)) ] || fail "the parts grew by $((anon2 - anon1)) KiB in the third flood"
	grep -q "oom_kill [1-9]" "$cg/memory.events" 2>/dev/null && fail "the OOM killer ran: $(cat "$cg/memory.events")"
	grep -q "oom_kill [1-9]" "$cg/memory.oom_control" 2>/dev/null && fail "the OOM killer ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
	rmdir "$cg" 2>/dev/null || true
}
