# t_gate.sh - action = deny and action = ask: the exec waits for the
# gate's verdict (SPEC Revision 2; issue 11).  Each refused program is a
# copy of the helper run as "create-after MS FILE": had it run, it would
# have created FILE (at once for MS = 0).  The attacks run as an ordinary
# user the test creates; every rule names only the test's own files or
# that user, so that no other process of the machine is refused.

GATE_USER=phgate

# Common set-up: the user, $T/u (the user's directory), $T/bin (root's),
# and $T/exec.py, which execs its arguments in place of a python process:
# when execve fails, it prints the errno's name (EACCES, EPERM, ...) and
# exits 100, so a refused exec is told from a program that ran and failed.
gate_setup() {
	ordinary_user "$GATE_USER" >/dev/null
	mkdir -p "$T/u" "$T/bin" "$T/rec"
	chown "$GATE_USER:" "$T/u"
	chmod 755 "$T/u" "$T/bin"
	chmod 777 "$T/rec"
	cat >"$T/exec.py" <<'PY'
import errno, os, sys
try:
    if sys.argv[1] == "--fd":
        # execveat(fd, "", AT_EMPTY_PATH): the file named by a descriptor.
        fd = os.open(sys.argv[2], os.O_RDONLY)
        os.execve(fd, sys.argv[2:], dict(os.environ))
    os.execv(sys.argv[1], sys.argv[1:])
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
    sys.exit(100)
PY
	# twice.py [--e2big] FIRST SECOND [ARG...]: exec FIRST (with an
	# argument too long for the kernel if --e2big), which should fail
	# ("first:ERRNO"), then in the same process SECOND as exec.py does.
	cat >"$T/twice.py" <<'PY'
import errno, os, sys
args = sys.argv[1:]
big = args[0] == "--e2big"
if big:
    args = args[1:]
try:
    os.execv(args[0], [args[0]] + (["x" * 200000] if big else []))
except OSError as e:
    print("first:" + errno.errorcode.get(e.errno, str(e.errno)), flush=True)
try:
    os.execv(args[1], args[1:])
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
    sys.exit(100)
PY
	chmod 644 "$T/exec.py" "$T/twice.py"
}

# gate_setup, the file to deny, $T/bin/forbidden, and a configuration
# that refuses its exec to everyone.
gate_deny_forbidden() {
	gate_setup
	cp "$HELPER" "$T/bin/forbidden"
	conf <<EOF
[no-forbidden]
event = exec
exe = $T/bin/forbidden
action = deny
EOF
}

# gate_exec PROG [ARG...]: exec PROG (as root); see gate_setup.
gate_exec() {
	/usr/bin/python3 "$T/exec.py" "$@"
}

# gate_exec_as USER PROG [ARG...]: the same as USER.
gate_exec_as() {
	local u=$1
	shift
	as_user "$u" /usr/bin/python3 "$T/exec.py" "$@"
}

# gate_refused WHAT STATUS OUTPUT: the exec failed with EACCES or EPERM.
gate_refused() {
	[ "$2" = 100 ] || fail "$1: the exec was not refused (status $2," \
	    "output '$3'); want execve to fail with EACCES or EPERM"
	case "$3" in
	EACCES | EPERM) ;;
	*) fail "$1: execve failed with '$3', want EACCES or EPERM" ;;
	esac
}

# gate_not_run WHAT FILE: the program's body never ran.
gate_not_run() {
	[ ! -e "$2" ] || fail "$1: the program ran (it created $2)"
}

# gate_ran WHAT STATUS FILE: the exec was allowed and the program ran.
gate_ran() {
	[ "$2" = 0 ] || fail "$1: status $2, want 0 (the exec should be allowed)"
	[ -e "$3" ] || fail "$1: the program did not run (no $3)"
}

# gate_refused_or_killed WHAT STATUS OUTPUT FILE: an exec the gate may not
# see (it falls back to kill): refused, or killed by SIGKILL before its
# body (create-after 3000) ran.
gate_refused_or_killed() {
	sleep 3.5
	gate_not_run "$1" "$4"
	[ "$2" = 137 ] && return 0
	[ "$2" = 100 ] || fail "$1: status $2, want SIGKILL (137) or a refused" \
	    "exec (EACCES/EPERM)"
	gate_refused "$1" "$2" "$3"
}

# Every descendant of PID, one a line.
gate_descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		gate_descendants "$c"
	done
}

# The gate's pid.  It is the daemon's descendant (the daemon's own pid is
# the privileged part) that holds a fanotify group of a permission class:
# /proc/PID/fdinfo/FD of a fanotify descriptor ("anon_inode:[fanotify]")
# has a line "fanotify flags:X" with fanotify_init()'s flags in hex, and
# only a group of class FAN_CLASS_CONTENT (0x4) or FAN_CLASS_PRE_CONTENT
# (0x8) may receive FAN_OPEN_EXEC_PERM; the event loop's exec
# notifications use FAN_CLASS_NOTIF (0).  Hooks hold no fanotify group.
gate_pid() {
	local p fd fl
	for p in $(gate_descendants "$DPID"); do
		for fd in /proc/"$p"/fd/*; do
			[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:[fanotify]" ] ||
				continue
			fl=$(sed -n 's/^fanotify flags:\([0-9a-f]*\).*/\1/p' \
			    "/proc/$p/fdinfo/${fd##*/}" 2>/dev/null)
			[ -n "$fl" ] && (( 0x$fl & 0xc )) && { echo "$p"; break; }
		done
	done
	return 0
}

# A hook that records its environment in $T/rec/RULE.PID (as record_hook),
# then waits until $T/release exists (at most 60 s) and exits with the
# status written in it.  $T/rec/started.RULE tells that it began.
gate_wait_hook() {
	hook "$1" <<HOOK
#!/bin/sh
f=$T/rec/\$PROCHOOK_RULE.\$PROCHOOK_PID
env >"\$f.tmp"
mv "\$f.tmp" "\$f"
: >$T/rec/started.\$PROCHOOK_RULE
i=0
while [ ! -e $T/release ] && [ \$i -lt 600 ]; do
	sleep 0.1
	i=\$((i + 1))
done
exit \$(cat $T/release 2>/dev/null || echo 1)
HOOK
}

# Let gate_wait_hook's hooks end with STATUS (written whole, then renamed,
# so that a hook never reads it half-written).
gate_release() {
	echo "$1" >"$T/release.tmp"
	mv "$T/release.tmp" "$T/release"
}

# Wait (at most $2 s) for the background job $1 to end; 1 if it did not.
gate_wait_pid() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------
# deny: by each key known before the exec

# By exe (an exact path: the file's inode is marked): root's exec of the
# file fails with EACCES/EPERM and the program never runs; another file
# runs; the rule's hooks run after the refusal with PROCHOOK_ACTION=deny.
test_gate_deny_exe() {
	gate_setup
	record_hook rec
	cp "$HELPER" "$T/bin/forbidden"
	cp "$HELPER" "$T/bin/allowed"
	conf <<EOF
[no-forbidden]
event = exec
exe = $T/bin/forbidden
action = deny
hook = rec
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec "$T/bin/forbidden" create-after 0 "$T/ran") || st=$?
	gate_refused "root's exec of the denied file" "$st" "$out"
	gate_not_run "root's exec of the denied file" "$T/ran"
	st=0
	gate_exec "$T/bin/allowed" create-after 0 "$T/ran-allowed" || st=$?
	gate_ran "another file" "$st" "$T/ran-allowed"
	# The hook: the process that tried the exec, told it was refused.
	local i f=
	for i in $(seq 1 200); do
		f=$(ls "$T"/rec/no-forbidden.* 2>/dev/null | head -1)
		[ -n "$f" ] && break
		sleep 0.05
	done
	[ -n "$f" ] || { cat "$T/err"; fail "the deny rule's hook did not run"; }
	grep -qx "PROCHOOK_ACTION=deny" "$f" || fail "hook: $(grep ACTION "$f"), want PROCHOOK_ACTION=deny"
	grep -qx "PROCHOOK_EVENT=exec" "$f" || fail "hook: $(grep EVENT "$f")"
	grep -qx "PROCHOOK_EXE=$T/bin/forbidden" "$f" || fail "hook: $(grep EXE "$f"), want the refused file"
	stop_daemon
	[ "$(ls "$T"/rec/no-forbidden.* | wc -l)" = 1 ] || fail "the hook ran more than once"
	grep -q "no-forbidden" "$T/err" || fail "the refusal was not logged"
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# The denied file replaced after the rule was loaded (as a package upgrade
# does: a new file renamed over the old path): the new file is denied too.
test_gate_deny_exe_replaced() {
	gate_deny_forbidden
	start_daemon -c "$T/p.conf"
	cp "$HELPER" "$T/bin/forbidden.new"
	mv "$T/bin/forbidden.new" "$T/bin/forbidden"
	local st=0 out i
	# The gate may learn of the new file a moment after the rename.
	for i in $(seq 1 20); do
		st=0
		out=$(gate_exec "$T/bin/forbidden" create-after 0 "$T/ran") || st=$?
		[ "$st" = 100 ] && break
		rm -f "$T/ran"
		sleep 0.1
	done
	gate_refused "the file put in place of the denied one" "$st" "$out"
	gate_not_run "the file put in place of the denied one" "$T/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# prochookd's own processes are never denied: a deny rule's hook runs the
# very program the rule denies, and it runs.
test_gate_hook_not_denied() {
	gate_setup
	cp "$HELPER" "$T/bin/forbidden"
	hook same <<EOF
#!/bin/sh
exec $T/bin/forbidden create-after 0 $T/ran-by-hook
EOF
	conf <<EOF
[no-forbidden]
event = exec
exe = $T/bin/forbidden
action = deny
hook = same
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec "$T/bin/forbidden" create-after 0 "$T/ran") || st=$?
	gate_refused "the exec outside prochookd" "$st" "$out"
	gate_not_run "the exec outside prochookd" "$T/ran"
	wait_file "$T/ran-by-hook" || { cat "$T/err"; fail "the hook's run of the denied program was refused"; }
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# By uid, with a glob (file-system marks): the user's exec is refused,
# root's exec of the same file runs.
test_gate_deny_uid() {
	gate_setup
	cp "$HELPER" "$T/bin/tool"
	conf <<EOF
[no-tools-for-phgate]
event = exec
exe = $T/bin/*
uid = $GATE_USER
action = deny
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/bin/tool" create-after 0 "$T/u/ran") || st=$?
	gate_refused "the user's exec" "$st" "$out"
	gate_not_run "the user's exec" "$T/u/ran"
	st=0
	gate_exec "$T/bin/tool" create-after 0 "$T/ran-root" || st=$?
	gate_ran "root's exec (uid does not match)" "$st" "$T/ran-root"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# By the euid a setuid file would give: the user's exec of a setuid-root
# copy is refused, the same program without the setuid bit runs.
test_gate_deny_setuid_euid() {
	gate_setup
	cp "$HELPER" "$T/bin/suid-tool"
	cp "$HELPER" "$T/bin/plain-tool"
	chmod 4755 "$T/bin/suid-tool"
	conf <<EOF
[no-root-tools-for-phgate]
event = exec
exe = $T/bin/*
uid = $GATE_USER
euid = 0
action = deny
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/bin/suid-tool" create-after 0 "$T/u/ran-suid") || st=$?
	gate_refused "the user's exec of a setuid-root file" "$st" "$out"
	gate_not_run "the user's exec of a setuid-root file" "$T/u/ran-suid"
	st=0
	gate_exec_as "$GATE_USER" "$T/bin/plain-tool" create-after 0 "$T/u/ran-plain" || st=$?
	gate_ran "the same program without the setuid bit" "$st" "$T/u/ran-plain"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# By parent and by ancestor: refused when run under the named program,
# allowed otherwise.
test_gate_deny_parent_ancestor() {
	gate_setup
	cp "$HELPER" "$T/bin/prog"
	cp "$HELPER" "$T/bin/prog2"
	cp /bin/bash "$T/bin/parent-sh"
	cp /bin/bash "$T/bin/anc-sh"
	conf <<EOF
[by-parent]
event = exec
exe = $T/bin/prog
parent = $T/bin/parent-sh
action = deny

[by-ancestor]
event = exec
exe = $T/bin/prog2
ancestor = $T/bin/anc-sh
action = deny
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$("$T/bin/parent-sh" -c "/usr/bin/python3 $T/exec.py $T/bin/prog create-after 0 $T/ran-p; exit \$?") || st=$?
	gate_refused "exec whose parent is parent-sh" "$st" "$out"
	gate_not_run "exec whose parent is parent-sh" "$T/ran-p"
	st=0
	out=$("$T/bin/anc-sh" -c "/bin/sh -c '/usr/bin/python3 $T/exec.py $T/bin/prog2 create-after 0 $T/ran-a; exit \$?'; exit \$?") || st=$?
	gate_refused "exec with anc-sh as grandparent" "$st" "$out"
	gate_not_run "exec with anc-sh as grandparent" "$T/ran-a"
	st=0
	gate_exec "$T/bin/prog" create-after 0 "$T/ran-p0" || st=$?
	gate_ran "prog under another parent" "$st" "$T/ran-p0"
	st=0
	gate_exec "$T/bin/prog2" create-after 0 "$T/ran-a0" || st=$?
	gate_ran "prog2 without the ancestor" "$st" "$T/ran-a0"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# By cgroup: refused in the test's own cgroup, allowed outside it.
test_gate_deny_cgroup() {
	gate_setup
	cp "$HELPER" "$T/bin/prog"
	local cg name
	cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$cg" ] || fail "no cgroup v2 file system mounted"
	name=prochook-gate-${T##*.}
	conf <<EOF
[by-cgroup]
event = exec
exe = $T/bin/prog
cgroup = /$name
action = deny
EOF
	start_daemon -c "$T/p.conf"
	mkdir "$cg/$name"
	local st=0 out
	out=$(sh -c "echo \$\$ >$cg/$name/cgroup.procs && exec /usr/bin/python3 $T/exec.py $T/bin/prog create-after 0 $T/ran-c") || st=$?
	rmdir "$cg/$name" 2>/dev/null || true
	gate_refused "exec in the cgroup" "$st" "$out"
	gate_not_run "exec in the cgroup" "$T/ran-c"
	st=0
	gate_exec "$T/bin/prog" create-after 0 "$T/ran-0" || st=$?
	gate_ran "exec outside the cgroup" "$st" "$T/ran-0"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# By script: the script's exec is refused (its interpreter, /bin/sh, is
# not); a script the glob does not name runs.
test_gate_deny_script() {
	gate_setup
	printf '#!/bin/sh\n: >"$1"\n' >"$T/bin/cleanup-all.sh"
	printf '#!/bin/sh\n: >"$1"\n' >"$T/bin/other.bash"
	chmod 755 "$T/bin/cleanup-all.sh" "$T/bin/other.bash"
	conf <<EOF
[no-cleanup-scripts]
event = exec
script = $T/bin/cleanup-*.sh
action = deny
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec "$T/bin/cleanup-all.sh" "$T/ran-s") || st=$?
	gate_refused "the denied script" "$st" "$out"
	gate_not_run "the denied script" "$T/ran-s"
	st=0
	gate_exec "$T/bin/other.bash" "$T/ran-o" || st=$?
	gate_ran "another script" "$st" "$T/ran-o"
	st=0
	/bin/sh -c ": >$T/ran-sh" || st=$?
	gate_ran "the interpreter itself" "$st" "$T/ran-sh"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# ---------------------------------------------------------------------
# Execs the gate cannot see fall back to kill

# An allowlist for the test's user: only programs under /usr and /bin.
gate_allowlist_conf() {
	conf <<EOF
[phgate-only-system-programs]
event = exec
uid = $GATE_USER
exe = !/usr/* !/bin/*
action = deny
EOF
}

# A program run from a memfd (no file system the gate can mark): killed at
# once, before its body runs three seconds later.
test_gate_memfd_falls_back_to_kill() {
	gate_setup
	gate_allowlist_conf
	start_daemon -c "$T/p.conf"
	local st=0
	as_user "$GATE_USER" /usr/bin/python3 - "$HELPER" "$T/u/ran" <<'PY' || st=$?
import os, sys
fd = os.memfd_create("gate-payload", 0)
os.write(fd, open(sys.argv[1], "rb").read())
os.execve(fd, ["payload", "create-after", "3000", sys.argv[2]], {})
PY
	sleep 3.5
	gate_not_run "the program run from a memfd" "$T/u/ran"
	[ "$st" = 137 ] || fail "the program run from a memfd: status $st, want 137 (killed)"
	stop_daemon
	grep -q "phgate-only-system-programs.*/memfd:gate-payload" "$T/err" ||
		fail "the kill of the memfd program was not logged: $(cat "$T/err")"
}

# A program on a file system mounted after the daemon started (a tmpfs in
# the user's own mount namespace, which no mark covers): refused or
# killed before its body runs.
test_gate_unmarked_fs_falls_back_to_kill() {
	gate_setup
	gate_allowlist_conf
	cp "$HELPER" "$T/u/prog-src"
	chown "$GATE_USER:" "$T/u/prog-src"
	mkdir "$T/u/mnt"
	chown "$GATE_USER:" "$T/u/mnt"
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(as_user "$GATE_USER" unshare -Urm sh -c \
	    "mount -t tmpfs none $T/u/mnt && cp $T/u/prog-src $T/u/mnt/prog &&
	     exec /usr/bin/python3 $T/exec.py $T/u/mnt/prog create-after 3000 $T/u/ran") || st=$?
	gate_refused_or_killed "a program on an unmarked tmpfs" "$st" "$out" "$T/u/ran"
	stop_daemon
}

# ---------------------------------------------------------------------
# ask: the exec waits while the rule's hooks run

# Approved: the hook finishes (it writes $T/answer) before the program
# runs; the program (a copy of cat) prints that file, so it ran only after
# the hook.  The hook is told PROCHOOK_ACTION=ask.
test_gate_ask_approve() {
	gate_setup
	cp /bin/cat "$T/bin/asked"
	hook approve <<EOF
#!/bin/sh
env >$T/rec/env.tmp
mv $T/rec/env.tmp $T/rec/env
sleep 1
echo approved-by-hook >$T/answer
exit 0
EOF
	conf <<EOF
[ask-first]
event = exec
exe = $T/bin/asked
action = ask
hook = approve
timeout = 30
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec "$T/bin/asked" "$T/answer" 2>&1) || st=$?
	[ "$st" = 0 ] || fail "approved exec: status $st, output '$out'"
	[ "$out" = approved-by-hook ] || fail "the program ran before its hook approved it (it printed '$out')"
	grep -qx "PROCHOOK_ACTION=ask" "$T/rec/env" || fail "hook: $(grep ACTION "$T/rec/env"), want PROCHOOK_ACTION=ask"
	grep -qx "PROCHOOK_EXE=$T/bin/asked" "$T/rec/env" || fail "hook: $(grep EXE "$T/rec/env")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A script whose interpreter is asked for: one ask, at the script's open.
# The interpreter's open that follows the approval belongs to the same
# exec, however long the hook took (the gate once kept that for a second
# from the script's open, and asked again after a slower hook).  A glob:
# the file systems are marked, so the script's open is judged.
test_gate_ask_script_once() {
	gate_setup
	cp /bin/sh "$T/bin/asked"
	printf '#!%s\n: >%s\n' "$T/bin/asked" "$T/rec/ran" >"$T/u/script"
	chown "$GATE_USER:" "$T/u/script"
	chmod 755 "$T/u/script"
	hook approve <<EOF
#!/bin/sh
echo "\$PROCHOOK_SCRIPT" >>$T/rec/asks
sleep 1.5
exit 0
EOF
	conf <<EOF
[ask-sh]
event = exec
exe = $T/bin/aske*
action = ask
hook = approve
timeout = 30
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/u/script") || st=$?
	gate_ran "the approved script (output '$out')" "$st" "$T/rec/ran"
	[ "$(wc -l <"$T/rec/asks")" = 1 ] || fail "asked $(wc -l <"$T/rec/asks") times: $(cat "$T/rec/asks")"
	grep -qx "$T/u/script" "$T/rec/asks" || fail "the hook was told the script $(cat "$T/rec/asks")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# Refused: a hook exits 1, the exec fails and the program never runs.
test_gate_ask_refuse() {
	gate_setup
	cp "$HELPER" "$T/bin/asked"
	hook refuse <<'EOF'
#!/bin/sh
exit 1
EOF
	conf <<EOF
[ask-no]
event = exec
exe = $T/bin/asked
action = ask
hook = refuse
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/bin/asked" create-after 0 "$T/u/ran") || st=$?
	gate_refused "exec refused by its hook" "$st" "$out"
	gate_not_run "exec refused by its hook" "$T/u/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# Timeout: a hook that does not answer within the rule's timeout (2 s)
# refuses the exec.
test_gate_ask_timeout() {
	gate_setup
	cp "$HELPER" "$T/bin/asked"
	gate_wait_hook silent
	conf <<EOF
[ask-slow]
event = exec
exe = $T/bin/asked
action = ask
hook = silent
timeout = 2
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec "$T/bin/asked" create-after 0 "$T/ran") || st=$?
	gate_release 0
	gate_refused "exec whose hook timed out" "$st" "$out"
	gate_not_run "exec whose hook timed out" "$T/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# Two asks at once, answered out of order: the first waits on its hook
# (until the test releases it) while the second is approved and runs; then
# the first is refused.
test_gate_ask_two_at_once() {
	gate_setup
	cp "$HELPER" "$T/bin/asked-slow"
	cp "$HELPER" "$T/bin/asked-fast"
	gate_wait_hook hold-on
	hook yes <<'EOF'
#!/bin/sh
exit 0
EOF
	conf <<EOF
[ask-slow]
event = exec
exe = $T/bin/asked-slow
action = ask
hook = hold-on
timeout = 60

[ask-fast]
event = exec
exe = $T/bin/asked-fast
action = ask
hook = yes
timeout = 60
EOF
	start_daemon -c "$T/p.conf"
	( st=0; gate_exec "$T/bin/asked-slow" create-after 0 "$T/ran-slow" >"$T/slow.out" || st=$?
	  echo "$st" >"$T/slow.st" ) &
	local slow=$!
	wait_file "$T/rec/started.ask-slow" || { cat "$T/err"; fail "the slow ask's hook did not start"; }
	local st=0
	gate_exec "$T/bin/asked-fast" create-after 0 "$T/ran-fast" || st=$?
	[ ! -e "$T/slow.st" ] || fail "the slow ask ended before its hook answered: $(cat "$T/slow.st")"
	gate_ran "the second ask, approved while the first waits" "$st" "$T/ran-fast"
	gate_release 1
	gate_wait_pid "$slow" 20 || fail "the slow ask was not answered after its hook refused"
	gate_refused "the first ask, refused after the second" "$(cat "$T/slow.st")" "$(cat "$T/slow.out")"
	gate_not_run "the first ask" "$T/ran-slow"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A hook that execs the very program its rule asks about: hooks' execs
# never wait, so no deadlock: the hook's own run goes through and the
# exec asked about is approved well before the rule's 20 s timeout would
# have refused it.
test_gate_ask_hook_runs_asked_program() {
	gate_setup
	cp "$HELPER" "$T/bin/asked"
	hook same <<EOF
#!/bin/sh
exec $T/bin/asked create-after 0 $T/ran-by-hook
EOF
	conf <<EOF
[ask-self]
event = exec
exe = $T/bin/asked
action = ask
hook = same
timeout = 20
EOF
	start_daemon -c "$T/p.conf"
	local st=0
	gate_exec "$T/bin/asked" create-after 0 "$T/ran" || st=$?
	[ -e "$T/ran-by-hook" ] || { cat "$T/err"; fail "the hook's exec of the asked program did not run (deadlock until the timeout?)"; }
	gate_ran "the exec asked about" "$st" "$T/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# 1000 execs from 40 processes at once, under a glob ask rule (every exec
# of the file system waits for the gate), while one ask waits on its hook:
# they all finish while the ask is still pending.
test_gate_ask_does_not_delay_others() {
	gate_setup
	cp "$HELPER" "$T/bin/asked"
	cp /bin/true "$T/bin/free"
	gate_wait_hook hold-on
	conf <<EOF
[ask-waits]
event = exec
exe = $T/bin/asked*
action = ask
hook = hold-on
timeout = 120
EOF
	start_daemon -c "$T/p.conf"
	( st=0; gate_exec "$T/bin/asked" create-after 0 "$T/ran" >"$T/ask.out" || st=$?
	  echo "$st" >"$T/ask.st" ) &
	local ask=$! i
	wait_file "$T/rec/started.ask-waits" || { cat "$T/err"; fail "the ask's hook did not start"; }
	local pids=()
	for i in $(seq 1 20); do
		"$HELPER" execs 50 "$T/bin/free" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		gate_wait_pid "$i" 60 || {
			gate_release 0
			fail "1000 other execs not done after 60 s while an ask waits"
		}
	done
	[ ! -e "$T/ask.st" ] || fail "the ask ended before its hook answered"
	gate_release 0
	gate_wait_pid "$ask" 20 || fail "the ask was not answered once its hook approved"
	gate_ran "the ask, approved" "$(cat "$T/ask.st")" "$T/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# ---------------------------------------------------------------------
# The gate's life: killed, reloaded

# The gate killed with SIGKILL: the exec it was holding (an ask) goes on
# at once, other execs work, and prochookd exits 4.
test_gate_killed() {
	gate_setup
	cp "$HELPER" "$T/bin/asked"
	cp /bin/true "$T/bin/free"
	gate_wait_hook hold-on
	conf <<EOF
[ask-held]
event = exec
exe = $T/bin/asked
action = ask
hook = hold-on
timeout = 60
EOF
	start_daemon -c "$T/p.conf"
	local gp
	gp=$(gate_pid)
	[ -n "$gp" ] || {
		for gp in $(gate_descendants "$DPID"); do
			echo "$gp: $(cat /proc/$gp/comm) $(ls -l /proc/$gp/fd | grep -c fanotify) fanotify fds"
		done
		fail "no gate: no descendant of the daemon holds a fanotify group of class content"
	}
	[ "$(echo "$gp" | wc -l)" = 1 ] || fail "more than one process holds a permission group: $gp"
	( st=0; gate_exec "$T/bin/asked" create-after 0 "$T/ran" >"$T/ask.out" || st=$?
	  echo "$st" >"$T/ask.st" ) &
	local ask=$!
	wait_file "$T/rec/started.ask-held" || { gate_release 0; cat "$T/err"; fail "the ask's hook did not start"; }
	kill -KILL "$gp"
	local st=0
	timeout 10 "$T/bin/free" || st=$?
	[ "$st" = 0 ] || { gate_release 0; fail "an exec after the gate died: status $st"; }
	gate_wait_pid "$ask" 10 || { gate_release 0; fail "the exec the gate held was not released when it died"; }
	[ "$(cat "$T/ask.st")" = 0 ] && [ -e "$T/ran" ] || {
		gate_release 0
		fail "the held exec, released: status $(cat "$T/ask.st") $(cat "$T/ask.out"), want it to run"
	}
	gate_wait_pid "$DPID" 10 || { gate_release 0; fail "prochookd still runs 10 s after its gate died"; }
	gate_release 0
	st=0
	wait "$DPID" || st=$?
	[ "$st" = 4 ] || fail "exit $st after the gate was killed, want 4"
	grep -Eqi "gate.*(killed|died|dead|gone|exited)" "$T/err" ||
		fail "the gate's death was not logged: $(cat "$T/err")"
}

# Reload between two deny sets (an exact path, then a glob) under an exec
# storm: after each reload the new set is in force and the old is not,
# the storm's execs go on, and the daemon stays up.
test_gate_reload_under_storm() {
	gate_setup
	cp "$HELPER" "$T/bin/a"
	cp "$HELPER" "$T/bin/b1"
	cp /bin/true "$T/bin/free"
	local set_a set_b
	set_a="[deny-a]
event = exec
exe = $T/bin/a
action = deny"
	set_b="[deny-b]
event = exec
exe = $T/bin/b*
action = deny"
	echo "$set_a" | conf
	start_daemon -c "$T/p.conf"
	( while [ ! -e "$T/stop" ]; do "$HELPER" execs 200 "$T/bin/free"; done ) &
	local storm=$! n=1 round st out
	for round in 1 2 3; do
		echo "$set_b" | conf
		kill -HUP "$DPID"
		n=$((n + 1))
		wait_for "$T/err" "configuration $n in force" || { touch "$T/stop"; cat "$T/err"; fail "reload $n not applied"; }
		st=0; out=$(gate_exec "$T/bin/b1" create-after 0 "$T/ran-b.$round") || st=$?
		gate_refused "round $round: b1 under set B" "$st" "$out"
		gate_not_run "round $round: b1 under set B" "$T/ran-b.$round"
		st=0; gate_exec "$T/bin/a" create-after 0 "$T/ran-a.$round" || st=$?
		gate_ran "round $round: a under set B" "$st" "$T/ran-a.$round"
		rm -f "$T/ran-a.$round"
		echo "$set_a" | conf
		kill -HUP "$DPID"
		n=$((n + 1))
		wait_for "$T/err" "configuration $n in force" || { touch "$T/stop"; cat "$T/err"; fail "reload $n not applied"; }
		st=0; out=$(gate_exec "$T/bin/a" create-after 0 "$T/ran-a.$round") || st=$?
		gate_refused "round $round: a under set A" "$st" "$out"
		gate_not_run "round $round: a under set A" "$T/ran-a.$round"
		st=0; gate_exec "$T/bin/b1" create-after 0 "$T/ran-b.$round" || st=$?
		gate_ran "round $round: b1 under set A" "$st" "$T/ran-b.$round"
	done
	touch "$T/stop"
	gate_wait_pid "$storm" 60 || fail "the exec storm did not end"
	kill -0 "$DPID" || fail "prochookd died during the reloads"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# ---------------------------------------------------------------------
# Visible: the monitor, hooks, --dry-run, -t

# -m (with the rules of -c) shows a refused exec as a "deny" line, and
# with --json as an object with "action":"deny".
test_gate_monitor_shows_deny() {
	gate_deny_forbidden
	start_daemon -m -c "$T/p.conf"
	local st=0 i
	gate_exec "$T/bin/forbidden" create-after 0 "$T/ran" >/dev/null || st=$?
	gate_not_run "exec under the monitor" "$T/ran"
	# The line may come a moment after the refusal (a busy machine).
	for i in $(seq 1 100); do
		awk -v exe="$T/bin/forbidden" '$2 == "deny" && index($0, " " exe " ")' "$T/out" |
			grep -q . && break
		sleep 0.1
	done
	stop_daemon
	awk -v exe="$T/bin/forbidden" '$2 == "deny" && index($0, " " exe " ")' "$T/out" | grep -q . ||
		fail "no 'deny' line for $T/bin/forbidden in -m: $(grep "$T/bin/forbidden" "$T/out" | head -3)"
	start_daemon -m --json -c "$T/p.conf"
	st=0
	gate_exec "$T/bin/forbidden" create-after 0 "$T/ran" >/dev/null || st=$?
	gate_not_run "exec under the JSON monitor" "$T/ran"
	for i in $(seq 1 100); do
		grep -q '"deny"' "$T/out" && break
		sleep 0.1
	done
	stop_daemon
	all_json >/dev/null || fail "-m --json printed a line that is not JSON"
	[ "$(count_events "e.get('action') == 'deny' and e.get('exe') == '$T/bin/forbidden'")" -ge 1 ] ||
		fail "no JSON object with \"action\":\"deny\": $(grep "$T/bin/forbidden" "$T/out" | head -3)"
}

# -m -c: the gate is the monitor's, and the privileged part has no rules
# of its own.  A change of the mounts and a replaced file make the gate
# say what it marked, which that privileged part must take in stride (it
# crashed on it once); the monitor lives on and the gate still refuses.
test_gate_monitor_mounts_change() {
	gate_deny_forbidden
	start_daemon -m -c "$T/p.conf"
	mkdir -p "$T/mnt"
	mount -t tmpfs tmpfs "$T/mnt" || fail "cannot mount a tmpfs"
	umount "$T/mnt"
	cp "$HELPER" "$T/bin/forbidden.new"
	mv "$T/bin/forbidden.new" "$T/bin/forbidden"
	# The gate's look at the mounts, and its check a second later.
	sleep 1.5
	kill -0 "$DPID" 2>/dev/null || fail "the monitor died: $(cat "$T/err")"
	gate_exec "$T/bin/forbidden" create-after 0 "$T/ran" >/dev/null || true
	gate_not_run "exec after the mounts changed" "$T/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS: $(cat "$T/err")"
}

# --dry-run: the denied exec is allowed and runs; what would have been
# denied is logged; no hook runs.
test_gate_dry_run_allows() {
	gate_setup
	record_hook rec
	cp "$HELPER" "$T/bin/forbidden"
	conf <<EOF
[no-forbidden]
event = exec
exe = $T/bin/forbidden
action = deny
hook = rec
EOF
	start_daemon -n -c "$T/p.conf"
	local st=0
	gate_exec "$T/bin/forbidden" create-after 0 "$T/ran" || st=$?
	gate_ran "a denied exec in a dry run" "$st" "$T/ran"
	wait_for "$T/err" "no-forbidden.*dry-run.*deny|dry-run.*no-forbidden.*deny" ||
		fail "no dry-run line saying the exec would be denied: $(cat "$T/err")"
	stop_daemon
	[ -z "$(ls "$T/rec")" ] || fail "a hook ran in a dry run"
}

# -t refuses cmdline in a deny or ask rule (it is not known before the
# exec), pointing to kill/hold; the same rules without cmdline are fine.
test_gate_check_refuses_cmdline() {
	gate_setup
	record_hook rec
	conf <<EOF
[no-listen]
event = exec
exe = $T/bin/nc
cmdline = "* -l *"
action = deny
EOF
	local st=0
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || st=$?
	[ "$st" = 1 ] || fail "-t accepted cmdline in a deny rule (exit $st)"
	grep -q "cmdline" "$T/err" && grep -qE "kill|hold" "$T/err" ||
		fail "the refusal does not name cmdline and point to kill/hold: $(cat "$T/err")"
	conf <<EOF
[ask-listen]
event = exec
exe = $T/bin/nc
cmdline = "* -l *"
action = ask
hook = rec
EOF
	st=0
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || st=$?
	[ "$st" = 1 ] || fail "-t accepted cmdline in an ask rule (exit $st)"
	conf <<EOF
[no-nc]
event = exec
exe = $T/bin/nc
action = deny

[ask-nc]
event = exec
exe = $T/bin/nc2
action = ask
hook = rec
EOF
	st=0
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || st=$?
	[ "$st" = 0 ] || fail "-t refused deny/ask rules without cmdline: $(cat "$T/err")"
	grep -q "^no-nc: " "$T/out" && grep -q "^ask-nc: " "$T/out" ||
		fail "-t printed no line per rule: $(cat "$T/out")"
}

# SIGUSR1 counts verdicts, execs the gate did not see (killed instead)
# and the gate's answer latency.
test_gate_usr1_counters() {
	gate_setup
	gate_allowlist_conf
	start_daemon -c "$T/p.conf"
	cp "$HELPER" "$T/u/prog"
	chown "$GATE_USER:" "$T/u/prog"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/u/prog" create-after 0 "$T/u/ran") || st=$?
	gate_refused "the user's exec" "$st" "$out"
	st=0
	as_user "$GATE_USER" /usr/bin/python3 - "$HELPER" <<'PY' || st=$?
import os, sys
fd = os.memfd_create("gate-payload", 0)
os.write(fd, open(sys.argv[1], "rb").read())
os.execve(fd, ["payload", "sleep", "1000"], {})
PY
	[ "$st" = 137 ] || fail "the memfd program: status $st, want 137"
	kill -USR1 "$DPID"
	wait_for "$T/err" "latency" || fail "no answer latency on SIGUSR1: $(cat "$T/err")"
	wait_for "$T/err" "(^|[^0-9])1 (execs )?denied" ||
		fail "SIGUSR1 does not count the one denied exec: $(grep -i gate "$T/err")"
	wait_for "$T/err" "did not see: 1 killed" ||
		fail "SIGUSR1 does not count the memfd exec killed instead: $(grep -i gate "$T/err")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# ---------------------------------------------------------------------
# What an ordinary user tries against an exact-path deny rule on a
# program in the user's own directory (the user may link, rename and
# bind-mount it, but not run it).

gate_attack_conf() {
	cp "$HELPER" "$T/u/forbidden"
	cp /bin/sh "$T/u/interp"
	chown "$GATE_USER:" "$T/u/forbidden" "$T/u/interp"
	chmod 755 "$T/u/forbidden" "$T/u/interp"
	conf <<EOF
[phgate-no-forbidden]
event = exec
exe = $T/u/forbidden $T/u/interp
uid = $GATE_USER
action = deny
EOF
}

# The direct exec (the other attacks are worth nothing if this runs).
test_gate_attack_direct() {
	gate_setup
	gate_attack_conf
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/u/forbidden" create-after 0 "$T/u/ran") || st=$?
	gate_refused "the direct exec" "$st" "$out"
	gate_not_run "the direct exec" "$T/u/ran"
	stop_daemon
}

test_gate_attack_symlink() {
	gate_setup
	gate_attack_conf
	as_user "$GATE_USER" ln -s "$T/u/forbidden" "$T/u/innocent"
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/u/innocent" create-after 0 "$T/u/ran") || st=$?
	gate_refused "exec through a symlink" "$st" "$out"
	gate_not_run "exec through a symlink" "$T/u/ran"
	stop_daemon
}

test_gate_attack_hard_link() {
	gate_setup
	gate_attack_conf
	start_daemon -c "$T/p.conf"
	as_user "$GATE_USER" ln "$T/u/forbidden" "$T/u/innocent" || fail "the user cannot link"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/u/innocent" create-after 0 "$T/u/ran") || st=$?
	gate_refused "exec through a hard link made after the rule was loaded" "$st" "$out"
	gate_not_run "exec through a hard link" "$T/u/ran"
	stop_daemon
}

test_gate_attack_renamed() {
	gate_setup
	gate_attack_conf
	start_daemon -c "$T/p.conf"
	as_user "$GATE_USER" mv "$T/u/forbidden" "$T/u/innocent" || fail "the user cannot rename"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/u/innocent" create-after 0 "$T/u/ran") || st=$?
	gate_refused "exec of the file renamed after the rule was loaded" "$st" "$out"
	gate_not_run "exec of the renamed file" "$T/u/ran"
	stop_daemon
}

# The dynamic loader maps the program without an exec of it (no exec
# permission event for the program): its open of a marked file is judged
# as an exec, and refused (see also test_gatequiet_loader).
test_gate_attack_loader() {
	gate_setup
	gate_attack_conf
	start_daemon -c "$T/p.conf"
	gate_loader_refused "$GATE_USER" "$T/u/forbidden" "$T/u/ran" or-killed
	stop_daemon
}

# gate_loader_refused USER PROG RAN [or-killed]: USER runs "ld.so PROG
# create-after 3000 RAN"; the loader's open of PROG is refused (it exits
# 127 saying so) and logged with the loader, or (or-killed: the event
# loop also watches execs, and may be first) the loader is killed; PROG's
# body never runs.
gate_loader_refused() {
	local ld st=0 out
	ld=$(readelf -l /bin/sh | sed -n 's/.*interpreter: \(.*\)]/\1/p')
	[ -x "$ld" ] || fail "no loader found"
	out=$(gate_exec_as "$1" "$ld" "$2" create-after 3000 "$3" 2>&1) || st=$?
	sleep 3.5
	gate_not_run "the program run by the loader" "$3"
	[ "$st" = 137 ] && [ "${4:-}" = or-killed ] && return 0
	[ "$st" = 127 ] && [[ "$out" == *"Operation not permitted"* ]] ||
		fail "the program run by the loader: status $st, output" \
		    "'$out'; want the loader's open of it refused"
	wait_for "$T/err" "\(deny\):.* $2 loader=$ld " ||
		fail "no refusal naming the loader: $(grep deny "$T/err")"
}

test_gate_attack_execveat() {
	gate_setup
	gate_attack_conf
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" --fd "$T/u/forbidden" create-after 0 "$T/u/ran") || st=$?
	gate_refused "execveat of a descriptor" "$st" "$out"
	gate_not_run "execveat of a descriptor" "$T/u/ran"
	stop_daemon
}

# The user bind-mounts the program on /usr/bin/true in a mount namespace
# of its own and runs /usr/bin/true there: the same file, so refused.
test_gate_attack_bind_mount() {
	gate_setup
	gate_attack_conf
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(as_user "$GATE_USER" unshare -Urm sh -c \
	    "mount --bind $T/u/forbidden /usr/bin/true &&
	     exec /usr/bin/python3 $T/exec.py /usr/bin/true create-after 0 $T/u/ran") || st=$?
	gate_refused "the program bind-mounted on /usr/bin/true" "$st" "$out"
	gate_not_run "the program bind-mounted on /usr/bin/true" "$T/u/ran"
	stop_daemon
}

# A script whose interpreter is the denied program.
test_gate_attack_interpreter() {
	gate_setup
	gate_attack_conf
	printf '#!%s\n: >%s\n' "$T/u/interp" "$T/u/ran" >"$T/u/script"
	chown "$GATE_USER:" "$T/u/script"
	chmod 755 "$T/u/script"
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATE_USER" "$T/u/script") || st=$?
	gate_refused "a script run by the denied interpreter" "$st" "$out"
	gate_not_run "a script run by the denied interpreter" "$T/u/ran"
	stop_daemon
}

# A script whose interpreter is the denied program is refused; the same
# process then execs the denied program itself, within the second the
# gate once kept a script's interpreter as "judged already" (even for a
# script it refused).  A glob: the file systems are marked.
test_gate_attack_refused_script_then_interp() {
	gate_setup
	cp "$HELPER" "$T/bin/forbidden"
	conf <<CONF
[no-forbidden]
event = exec
exe = $T/bin/forbid*
action = deny
CONF
	printf '#!%s\n' "$T/bin/forbidden" >"$T/u/s"
	chown "$GATE_USER:" "$T/u/s"
	chmod 755 "$T/u/s"
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(as_user "$GATE_USER" /usr/bin/python3 "$T/twice.py" "$T/u/s" \
	    "$T/bin/forbidden" create-after 0 "$T/rec/ran") || st=$?
	case "$out" in
	first:EACCES* | first:EPERM*) ;;
	*) fail "the script naming the denied program was not refused: '$out'" ;;
	esac
	gate_refused "the denied program right after a refused script" \
	    "$st" "$(echo "$out" | tail -1)"
	gate_not_run "the denied program right after a refused script" \
	    "$T/rec/ran"
	stop_daemon
}

# A program, $T/bin/interp (root's copy of sh), allowed only for approved
# scripts ("script = !..."): $T/ok/s, which creates $T/rec/approved.  A
# glob: the file systems are marked.  The daemon is started.
gate_approved_scripts() {
	gate_setup
	mkdir -p "$T/ok"
	cp /bin/sh "$T/bin/interp"
	printf '#!%s\n: >%s\n' "$T/bin/interp" "$T/rec/approved" >"$T/ok/s"
	chmod 755 "$T/ok" "$T/ok/s"
	conf <<CONF
[interp-for-approved-scripts-only]
event = exec
exe = $T/bin/inter*
script = !$T/ok/*
action = deny
CONF
	start_daemon -c "$T/p.conf"
}

# The user's exec of an approved script fails after the gate allowed it
# (its arguments too long: E2BIG), and the same process then execs the
# program itself, which the gate once took, within the second, for the
# script's interpreter.  The approved script still runs.
test_gate_attack_failed_script_then_interp() {
	gate_approved_scripts
	local st=0 out
	out=$(as_user "$GATE_USER" /usr/bin/python3 "$T/twice.py" --e2big "$T/ok/s" \
	    "$T/bin/interp" -c ": >$T/rec/ran") || st=$?
	case "$out" in
	first:E2BIG*) ;;
	*) fail "the approved script's exec did not fail with E2BIG: '$out'" ;;
	esac
	gate_refused "the program right after a failed exec of an approved script" \
	    "$st" "$(echo "$out" | tail -1)"
	gate_not_run "the program right after a failed exec of an approved script" \
	    "$T/rec/ran"
	st=0
	out=$(gate_exec_as "$GATE_USER" "$T/ok/s") || st=$?
	gate_ran "the approved script (output '$out')" "$st" "$T/rec/approved"
	stop_daemon
}

# The same program for approved scripts only: while one thread of
# a process executes an approved script (a megabyte of arguments between
# the script's open and its interpreter's), another thread execs the
# program itself.  The gate once took that open, made by the same
# process, for the script's interpreter; what it keeps is now the
# thread's (events name threads).
test_gate_attack_thread_races_script() {
	gate_approved_scripts
	cp "$HELPER" "$T/bin/racer"
	as_user "$GATE_USER" "$T/bin/racer" race 40 "$T/ok/s" "$T/bin/interp" \
	    -c ": >$T/rec/ran" || fail "the racer failed"
	sleep 0.5
	gate_not_run "the program exec'd by a thread racing an approved script" \
	    "$T/rec/ran"
	grep -q "rule interp-for-approved-scripts-only (deny)" "$T/err" ||
		fail "no exec of the program was refused: the test proves nothing"
	stop_daemon
}

# Many execs of the approved script at once, by the user: each runs (what
# the gate keeps of one is not lost to the others' opens and closes).
test_gate_approved_script_storm() {
	gate_approved_scripts
	printf '#!%s\n: >%s/rec/approved.$$\n' "$T/bin/interp" "$T" >"$T/ok/s"
	local i j fails=0 pids=()
	for i in $(seq 1 8); do
		(for j in $(seq 1 25); do
			as_user "$GATE_USER" "$T/ok/s" || echo "failed $?"
		done) >"$T/rec/w$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$T"/rec/w* >"$T/rec/all"
	fails=$(grep -c . "$T/rec/all" || true)
	[ "$fails" = 0 ] || fail "$fails of 200 runs of the approved script failed: $(sort "$T/rec/all" | uniq -c | head -3)"
	[ "$(ls "$T"/rec/approved.* | wc -l)" = 200 ] ||
		fail "$(ls "$T"/rec/approved.* | wc -l) of 200 runs of the approved script ran"
	stop_daemon
}

# A thread killed while its exec of an approved script waits for an ask
# never opened the script; another thread's exec, elsewhere in the
# process, takes its id (de_thread()), and once the hook approves, runs
# the program for which scripts are asked, itself.  The gate keeps an
# allowed script only once the thread's open of it completed.
test_gate_attack_killed_script_exec() {
	gate_setup
	mkdir -p "$T/ok"
	cp /bin/sh "$T/bin/interp"
	cp "$HELPER" "$T/bin/next"
	printf '#!%s\n: >%s\n' "$T/bin/interp" "$T/rec/approved" >"$T/ok/s"
	chmod 755 "$T/ok" "$T/ok/s"
	hook slow <<EOF
#!/bin/sh
sleep 1
exit 0
EOF
	conf <<CONF
[ask-for-approved-scripts]
event = exec
exe = $T/bin/inter*
script = $T/ok/*
action = ask
hook = slow
timeout = 30

[no-interp-otherwise]
event = exec
exe = $T/bin/inter*
script = !$T/ok/*
action = deny
CONF
	start_daemon -c "$T/p.conf"
	local st=0 out
	# The second thread's program waits until just after the hook's
	# approval (1 s in), within the second the gate keeps a script.
	out=$(as_user "$GATE_USER" "$T/bin/next" twothreads 300 "$T/ok/s" \
	    "$T/bin/next" later 1100 "$T/bin/interp" -c ": >$T/rec/ran") || st=$?
	gate_refused "the program after the approved script's thread was killed" \
	    "$st" "$out"
	gate_not_run "the program after the approved script's thread was killed" \
	    "$T/rec/ran"
	gate_not_run "the approved script whose thread was killed" \
	    "$T/rec/approved"
	stop_daemon
}

# An exec refused in a thread other than the main one: the gate's events
# name the thread, its report names the process (PROCHOOK_PID, the log).
test_gate_deny_from_thread() {
	gate_deny_forbidden
	cat >"$T/thread.py" <<'PY'
import errno, os, sys, threading
def run():
    try:
        os.execv(sys.argv[1], sys.argv[1:])
    except OSError as e:
        print("%d %d %s" % (os.getpid(), threading.get_native_id(),
              errno.errorcode.get(e.errno, str(e.errno))), flush=True)
t = threading.Thread(target=run)
t.start()
t.join()
PY
	start_daemon -c "$T/p.conf"
	local out pid tid err
	out=$(as_user "$GATE_USER" /usr/bin/python3 "$T/thread.py" \
	    "$T/bin/forbidden" create-after 0 "$T/rec/ran")
	read -r pid tid err <<<"$out"
	gate_not_run "the program exec'd by a thread" "$T/rec/ran"
	case "$err" in
	EACCES | EPERM) ;;
	*) fail "the thread's exec: '$out', want EACCES or EPERM" ;;
	esac
	[ "$pid" != "$tid" ] || fail "set-up: the exec was the main thread's"
	wait_for "$T/err" "rule no-forbidden \(deny\): .* exec $pid " ||
		fail "the refusal does not name the process $pid (thread $tid): $(grep 'no-forbidden' "$T/err")"
	stop_daemon
}

# Copies in /tmp and in /dev/shm (another file system) against the
# user's allowlist (a glob rule: the file systems are marked).
test_gate_attack_copies() {
	gate_setup
	gate_allowlist_conf
	local d st out
	start_daemon -c "$T/p.conf"
	for d in /tmp /dev/shm; do
		d=$(mktemp -d "$d/phgate.XXXXXX")
		chown "$GATE_USER:" "$d"
		cp "$HELPER" "$d/prog"
		chown "$GATE_USER:" "$d/prog"
		st=0
		out=$(gate_exec_as "$GATE_USER" "$d/prog" create-after 0 "$d/ran") || st=$?
		local ran=no
		[ -e "$d/ran" ] && ran=yes
		rm -rf "$d"
		[ "$ran" = no ] || fail "a copy in ${d%/*}: the program ran"
		gate_refused "a copy in ${d%/*}" "$st" "$out"
	done
	stop_daemon
}

# The user mounts an overlay file system (in a user and mount namespace of
# its own) whose lower layer holds the program, and runs the overlay's copy:
# the same file's data, through another file system.
test_gate_attack_overlay() {
	gate_setup
	gate_attack_conf
	mkdir "$T/u/lower" "$T/u/upper" "$T/u/work" "$T/u/merged"
	mv "$T/u/forbidden" "$T/u/lower/forbidden"
	chown -R "$GATE_USER:" "$T/u"
	sed -i "s|^exe = .*|exe = $T/u/lower/forbidden|" "$T/p.conf"
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(as_user "$GATE_USER" unshare -Urm sh -c \
	    "mount -t overlay overlay -o lowerdir=$T/u/lower,upperdir=$T/u/upper,workdir=$T/u/work $T/u/merged &&
	     exec /usr/bin/python3 $T/exec.py $T/u/merged/forbidden create-after 3000 $T/u/ran") || st=$?
	gate_refused_or_killed "the program run through an overlay" "$st" "$out" "$T/u/ran"
	stop_daemon
}
