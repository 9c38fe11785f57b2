# t_reads.sh - what an exec reads from /proc: only what a rule that may
# match the process by its name can need; the rest at a later event of
# the live process that a rule may match.

# A uid rule without a cmdline key leaves the arguments unread at the exec
# (no rule needs them then); its log line still shows them, read at the
# uid event while the process lives.
test_reads_late_at_uid_event() {
	local u uid
	u=$(ordinary_user pcreads)
	uid=$(id -u "$u")
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/changer"
	cp "$HELPER" "$T/bin/bystander"
	conf <<EOF2
[late-args]
event = uid
exe = $T/bin/changer
euid = $uid
action = log
EOF2
	local cp
	start_daemon -c "$T/p.conf"
	"$T/bin/bystander" setuid-threads 1 "$uid" || fail "the bystander failed"
	# It lives on for 3 s after its setuid(), so that a loaded machine
	# still finds it there.
	"$T/bin/changer" setuid-threads 1 "$uid" 3000 &
	cp=$!
	wait_for "$T/err" "rule late-args" || fail "no match"
	wait "$cp" || fail "the changer failed"
	stop_daemon
	grep -q "rule late-args (log): .* uid .*$T/bin/changer .*-- $T/bin/changer setuid-threads 1 $uid 3000" "$T/err" ||
		fail "the log line lacks the arguments: $(grep 'rule late-args' "$T/err")"
	[ "$(grep -c 'rule late-args' "$T/err")" = 1 ] || fail "matched more than the changer"
	grep -q "bystander" "$T/err" && fail "the bystander matched"
	return 0
}

# An exit rule with hooks gets the arguments and cgroup of a process that
# is gone at its exit: they are read at its exec, for the processes that
# the rule names, and not for others.
test_reads_exit_hook_env() {
	record_hook rec
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/failer"
	cp "$HELPER" "$T/bin/other"
	conf <<EOF2
[failed]
event = exit
exe = $T/bin/failer
exit_status = !0
hook = rec
EOF2
	local p f
	start_daemon -c "$T/p.conf"
	E2E_LINGER=1 "$T/bin/other" exit 3 && fail "other did not fail"
	E2E_LINGER=1 "$T/bin/failer" exit 3 quick-and-gone &
	p=$!
	wait "$p" && fail "failer did not fail"
	f=$T/rec/failed.$p
	wait_file "$f" || fail "the hook did not run"
	stop_daemon 1
	grep -q "^PROCHOOK_CMDLINE=$T/bin/failer exit 3 quick-and-gone\$" "$f" ||
		fail "no arguments in the hook's environment: $(cat "$f")"
	grep -q "^PROCHOOK_CGROUP=/" "$f" || fail "no cgroup in the hook's environment"
	[ "$(ls "$T"/rec/ | wc -l)" = 1 ] || fail "the hook ran for another process"
}
