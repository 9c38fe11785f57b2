# t_gatecore.sh - the exec gate's own guarantees, beside the behaviour
# tests of t_gate.sh (whose helpers gate_setup, gate_deny_forbidden,
# gate_exec, gate_exec_as, gate_refused, gate_not_run, gate_ran and
# gate_pid this file uses): its
# confinement, the effective ids of a set-user-ID file, a marked file
# replaced, hooks never refused, its counters.  Rules name only the
# test's files and its own ordinary user.

GATECORE_USER=phgcore

# The gate keeps three capabilities, no_new_privs and a seccomp filter;
# it cannot be signalled by the ordinary user.
test_gatecore_confined() {
	gate_deny_forbidden
	start_daemon -c "$T/p.conf"
	local gp st
	gp=$(gate_pid)
	[ -n "$gp" ] || fail "no gate process"
	st=/proc/$gp/status
	# CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_SYS_ADMIN (21).
	grep -q "^CapEff:[[:space:]]*0000000000280004$" "$st" ||
		fail "gate capabilities: $(grep ^Cap "$st")"
	grep -q "^CapBnd:[[:space:]]*0000000000280004$" "$st" ||
		fail "gate bounding set: $(grep ^CapBnd "$st")"
	grep -q "^NoNewPrivs:[[:space:]]*1$" "$st" || fail "gate: no no_new_privs"
	grep -q "^Seccomp:[[:space:]]*2$" "$st" || fail "gate: no seccomp filter"
	ordinary_user "$GATECORE_USER" >/dev/null
	as_user "$GATECORE_USER" kill -KILL "$gp" 2>/dev/null &&
		fail "an ordinary user could signal the gate"
	kill -0 "$gp" || fail "the gate died"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# euid: a set-user-ID root copy, run by the user, gives euid 0 before the
# exec: refused by "euid = 0"; the plain copy (euid stays the user's) runs.
test_gatecore_setuid_euid() {
	gate_setup
	ordinary_user "$GATECORE_USER" >/dev/null
	cp "$HELPER" "$T/bin/suid-tool"
	cp "$HELPER" "$T/bin/plain-tool"
	chmod 4755 "$T/bin/suid-tool"
	conf <<EOF
[no-root-tools-for-phgcore]
event = exec
exe = $T/bin/*-tool
uid = $GATECORE_USER
euid = 0
action = deny
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATECORE_USER" "$T/bin/suid-tool" create-after 0 "$T/rec/ran-suid") || st=$?
	gate_refused "the set-user-ID root file" "$st" "$out"
	gate_not_run "the set-user-ID root file" "$T/rec/ran-suid"
	st=0
	gate_exec_as "$GATECORE_USER" "$T/bin/plain-tool" create-after 0 "$T/rec/ran-plain" || st=$?
	gate_ran "the plain file (euid stays the user's)" "$st" "$T/rec/ran-plain"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# An exact path is an inode mark: the file replaced by another (as a
# package upgrade renames a new file over it) is marked anew, and its
# exec refused, not merely killed afterwards.
test_gatecore_replaced_file() {
	gate_deny_forbidden
	start_daemon -c "$T/p.conf"
	cp "$HELPER" "$T/bin/forbidden.new"
	mv "$T/bin/forbidden.new" "$T/bin/forbidden"
	wait_for "$T/err" "marked file was replaced" ||
		fail "the replaced file was not marked again: $(cat "$T/err")"
	local st=0 out
	out=$(gate_exec "$T/bin/forbidden" create-after 0 "$T/ran") || st=$?
	gate_refused "the replaced file" "$st" "$out"
	gate_not_run "the replaced file" "$T/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A deny rule on root's execs of a file: the rule's own hook runs that
# very file, and is not refused (hooks and their descendants never are).
test_gatecore_hook_not_denied() {
	gate_setup
	cp "$HELPER" "$T/bin/forbidden"
	hook runs-it <<EOF
#!/bin/sh
$T/bin/forbidden create-after 0 $T/rec/ran-by-hook
EOF
	conf <<EOF
[no-forbidden]
event = exec
exe = $T/bin/forbidden
uid = 0
action = deny
hook = runs-it
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec "$T/bin/forbidden" create-after 0 "$T/ran") || st=$?
	gate_refused "root's exec" "$st" "$out"
	wait_file "$T/rec/ran-by-hook" || fail "the hook's exec of the file was refused: $(cat "$T/err")"
	gate_not_run "root's exec" "$T/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# SIGUSR1: the gate's counters and its answer latency.
test_gatecore_counters() {
	gate_deny_forbidden
	start_daemon -c "$T/p.conf"
	local st=0
	gate_exec "$T/bin/forbidden" create-after 0 "$T/ran" >/dev/null || st=$?
	gate_exec "$T/bin/forbidden" create-after 0 "$T/ran" >/dev/null || st=$?
	kill -USR1 "$DPID"
	wait_for "$T/err" "gate: answer latency" || fail "no gate counters: $(cat "$T/err")"
	grep -qE "gate: 2 exec events: 0 allowed, 2 denied" "$T/err" ||
		fail "gate counters: $(grep 'gate:' "$T/err")"
	grep -qE "exec gate: 2 execs denied" "$T/err" ||
		fail "privileged part's gate counters: $(grep 'exec gate' "$T/err")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A script names its interpreter as the kernel will, symlinks resolved:
# "#!/bin/sh" is refused by a rule on the file /bin/sh leads to, as the
# event loop would name it after the exec.
test_gatecore_script_interp_resolved() {
	gate_setup
	ordinary_user "$GATECORE_USER" >/dev/null
	local sh
	sh=$(readlink -f /bin/sh)
	[ "$sh" != /bin/sh ] || sh=/bin/sh
	printf '#!/bin/sh\n: >"$1"\n' >"$T/bin/job.sh"
	chmod 755 "$T/bin/job.sh"
	conf <<EOF
[no-sh-scripts-for-phgcore]
event = exec
exe = $sh
script = $T/bin/*
uid = $GATECORE_USER
action = deny
EOF
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATECORE_USER" "$T/bin/job.sh" "$T/rec/ran") || st=$?
	gate_refused "a #!/bin/sh script, rule on $sh" "$st" "$out"
	gate_not_run "a #!/bin/sh script, rule on $sh" "$T/rec/ran"
	stop_daemon
	grep -q "no-sh-scripts-for-phgcore (deny):.* $sh script=$T/bin/job.sh" "$T/err" ||
		fail "the refusal's line: $(grep no-sh "$T/err")"
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A file an exact-path rule names that does not exist when the rules are
# loaded is marked once it is created (at the next check, within a
# second), and its exec refused.
test_gatecore_file_created_later() {
	gate_setup
	conf <<EOF
[no-later]
event = exec
exe = $T/bin/later
action = deny
EOF
	start_daemon -c "$T/p.conf"
	cp "$HELPER" "$T/bin/later"
	wait_for "$T/err" "marked file was replaced or created" ||
		fail "the new file was not marked: $(cat "$T/err")"
	local st=0 out
	out=$(gate_exec "$T/bin/later" create-after 0 "$T/ran") || st=$?
	gate_refused "the file created after the rules" "$st" "$out"
	gate_not_run "the file created after the rules" "$T/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}
