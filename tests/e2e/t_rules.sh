# t_rules.sh - rules: matching, -t, --dry-run, reload on SIGHUP.

# Log rules for exec by exe glob, user name, parent, ancestor, cgroup and
# quoted cmdline glob: each logs the process it should and no other.
test_rules_log_exec_keys() {
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/target"
	cp "$HELPER" "$T/bin/other"
	cp /bin/bash "$T/bin/parent-sh"
	local cg
	cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$cg" ] || fail "no cgroup v2 file system mounted"
	cg=$cg/prochook-e2e-$$
	conf <<EOF
[by-exe]
event = exec
exe = $T/bin/tar*
action = log

[by-user]
event = exec
exe = $T/bin/*
uid = nobody
action = log

[by-parent]
event = exec
exe = $T/bin/*
parent = $T/bin/parent-sh
action = log

[by-ancestor]
event = exec
exe = $T/bin/other
ancestor = $T/bin/parent-sh
action = log

[by-cgroup]
event = exec
exe = $T/bin/*
cgroup = /prochook-e2e-*
action = log

[by-cmdline]
event = exec
cmdline = "* sleep 50 two words"
action = log
EOF
	"$PROCHOOKD" -t -c "$T/p.conf" >/dev/null || fail "-t refused the file"
	start_daemon -c "$T/p.conf"
	"$T/bin/target" sleep 50 one
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/bin/other" sleep 50 x
	"$T/bin/parent-sh" -c "$T/bin/other sleep 50 y; true"
	"$T/bin/parent-sh" -c "/bin/sh -c '$T/bin/other sleep 50 z; true'; true"
	mkdir "$cg"
	sh -c "echo \$\$ > $cg/cgroup.procs; exec $T/bin/other sleep 50 cg"
	"$T/bin/other" sleep 50 two words
	stop_daemon
	rmdir "$cg" || true
	grep -q "rule by-exe (log): .* exec .*$T/bin/target -- $T/bin/target sleep 50 one" "$T/err" || fail "by-exe"
	[ "$(grep -c "rule by-exe" "$T/err")" = 1 ] || fail "by-exe matched more"
	grep -q "rule by-user (log): .* -- $T/bin/other sleep 50 x\$" "$T/err" || fail "by-user"
	[ "$(grep -c "rule by-user" "$T/err")" = 1 ] || fail "by-user matched more"
	grep -q "rule by-parent (log): .* -- $T/bin/other sleep 50 y\$" "$T/err" || fail "by-parent"
	[ "$(grep -c "rule by-parent" "$T/err")" = 1 ] || fail "by-parent matched more"
	grep -q "rule by-ancestor (log): .* -- $T/bin/other sleep 50 z\$" "$T/err" || fail "by-ancestor (grandchild)"
	grep -q "rule by-ancestor (log): .* -- $T/bin/other sleep 50 y\$" "$T/err" || fail "by-ancestor (child)"
	[ "$(grep -c "rule by-ancestor" "$T/err")" = 2 ] || fail "by-ancestor matched more"
	grep -q "rule by-cgroup (log): .* -- $T/bin/other sleep 50 cg\$" "$T/err" || fail "by-cgroup"
	[ "$(grep -c "rule by-cgroup" "$T/err")" = 1 ] || fail "by-cgroup matched more"
	grep -q "rule by-cmdline (log): .* -- $T/bin/other sleep 50 two words\$" "$T/err" || fail "by-cmdline"
	[ "$(grep -c "rule by-cmdline" "$T/err")" = 1 ] || fail "by-cmdline matched more"
}

# exit_status = !0 matches a failure, not a success nor a death by
# signal; exit_signal = SEGV matches the crash.
test_rules_log_exit() {
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/prog"
	conf <<EOF
[failed]
event = exit
exe = $T/bin/prog
exit_status = !0
action = log

[crashed]
event = exit
exe = $T/bin/prog
exit_signal = SEGV
action = log
EOF
	start_daemon -c "$T/p.conf"
	"$T/bin/prog" exit 0
	"$T/bin/prog" exit 3 || true
	"$T/bin/prog" sleep 5000 &
	local p=$!
	sleep 0.2
	kill -SEGV $p
	wait $p 2>/dev/null || true
	"$T/bin/prog" sleep 5000 &
	p=$!
	sleep 0.2
	kill -TERM $p
	wait $p 2>/dev/null || true
	stop_daemon
	[ "$(grep -c "rule failed" "$T/err")" = 1 ] || { cat "$T/err"; fail "exit_status !0 matched $(grep -c "rule failed" "$T/err") times"; }
	grep -q "rule failed (log): .* status=3 " "$T/err" || fail "status 3 not matched"
	[ "$(grep -c "rule crashed" "$T/err")" = 1 ] || fail "exit_signal SEGV matched $(grep -c "rule crashed" "$T/err") times"
	grep -q "rule crashed (log): .* signal=SEGV " "$T/err" || fail "SEGV not matched"
}

# "Became root": a uid event whose previous euid was not 0.
test_rules_became_root() {
	conf <<EOF
[became-root]
event = uid
euid = 0
prev_euid = !0
action = log
EOF
	start_daemon -c "$T/p.conf"
	python3 -c 'import os; os.seteuid(65534); os.seteuid(0)'
	stop_daemon
	[ "$(grep -c "rule became-root" "$T/err")" = 1 ] || { cat "$T/err"; fail "became-root matched $(grep -c "rule became-root" "$T/err") times"; }
	grep -q "rule became-root (log): .* uid .* euid=0 prev_uid=0 prev_euid=65534" "$T/err" || fail "no previous ids in the log"
}

# log_format = json: one object per match.
test_rules_log_json() {
	conf "log_format = json" <<EOF
[json]
event = exec
exe = /usr/bin/true
action = log
EOF
	start_daemon -c "$T/p.conf"
	/bin/true
	stop_daemon
	grep "prochookd: {" "$T/err" | sed 's/^prochookd: //' | python3 -c '
import json, sys
e = [json.loads(l) for l in sys.stdin]
assert len(e) == 1 and e[0]["rule"] == "json" and e[0]["action"] == "log" and e[0]["exe"] == "/usr/bin/true", e
' || fail "no JSON log line"
}

# --dry-run logs the kill it would do, and kills nothing.
test_rules_dry_run() {
	mkdir -p "$T/bin"
	cp "$HELPER" "$T/bin/victim"
	record_hook rec
	conf <<EOF
[kill-it]
event = exec
exe = $T/bin/victim
action = kill
hook = rec
EOF
	start_daemon -n -c "$T/p.conf"
	local st=0
	"$T/bin/victim" sleep 300 || st=$?
	stop_daemon
	[ "$st" = 0 ] || fail "the victim died ($st) in a dry run"
	grep -q "rule kill-it (dry-run: would kill with SIGKILL, then run hooks $T/hooks/rec)" "$T/err" || { cat "$T/err"; fail "no dry-run line"; }
	[ -z "$(ls "$T/rec")" ] || fail "a hook ran in a dry run"
}

# SIGHUP: a bad file keeps the old rules and says FILE:LINE; a good one
# replaces them.
test_rules_reload() {
	conf <<EOF
[first]
event = exec
exe = /usr/bin/true
action = log
EOF
	start_daemon -c "$T/p.conf"
	/bin/true
	wait_for "$T/err" "rule first" || fail "first rule not in force"
	cp "$T/p.conf" "$T/good.conf"
	printf '[broken]\nevent = exec\nexe = /usr/bin/true\naction = explode\n' >>"$T/p.conf"
	kill -HUP "$DPID"
	wait_for "$T/err" "p.conf:[0-9]+: .*explode" || { cat "$T/err"; fail "no FILE:LINE for the bad file"; }
	wait_for "$T/err" "the rules in force stay" || fail "no word that the old rules stay"
	/bin/true
	sleep 0.3
	[ "$(grep -c "rule first" "$T/err")" = 2 ] || fail "old rule not kept"
	sed 's/^\[first\]/[second]/' "$T/good.conf" >"$T/p.conf"
	kill -HUP "$DPID"
	wait_for "$T/err" "configuration 2 in force" || { cat "$T/err"; fail "good reload not applied"; }
	/bin/true
	wait_for "$T/err" "rule second" || fail "new rule not in force"
	stop_daemon
	[ "$(grep -c "rule first" "$T/err")" = 2 ] || fail "old rule still matching"
}

# -t: good and bad files, unsafe hooks; no socket opened.
test_rules_check() {
	record_hook rec
	conf <<EOF
[ok]
event = exit
exit_status = !0
hook = rec

[wide-kill]
event = exec
action = kill
EOF
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || fail "-t refused a good file: $(cat "$T/err")"
	grep -q "^ok: " "$T/out" || fail "no line for rule ok"
	grep -q "^wide-kill: " "$T/out" || fail "no line for rule wide-kill"
	grep -qi "wide-kill" "$T/err" || fail "no warning for an unnarrowed kill: $(cat "$T/err")"
	printf '[bad]\nevent = exec\ncolour = red\n' >>"$T/p.conf"
	local st=0
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || st=$?
	[ "$st" = 1 ] || fail "-t on a bad file exits $st"
	grep -qE "p\.conf:[0-9]+: unknown key 'colour' in rule \[bad\]" "$T/err" || fail "no FILE:LINE: $(cat "$T/err")"
	# Unsafe hooks: group-writable, or in a world-writable directory.
	conf <<EOF
[ok]
event = exit
hook = rec
EOF
	chmod 775 "$T/hooks/rec"
	st=0
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || st=$?
	[ "$st" = 1 ] || fail "-t accepted a group-writable hook"
	grep -q "p.conf:[0-9]*: hook 'rec' of rule \[ok\] refused: .*writable by group" "$T/err" || fail "unsafe hook message: $(cat "$T/err")"
	chmod 755 "$T/hooks/rec"
	chmod 777 "$T/hooks"
	st=0
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || st=$?
	chmod 755 "$T/hooks"
	[ "$st" = 1 ] || fail "-t accepted a hook in a world-writable directory"
	# -t opens no socket: it works in a network namespace.
	unshare -n "$PROCHOOKD" -t -c "$T/p.conf" >/dev/null 2>&1 || fail "-t needed the kernel interface"
}

# A missing user is a configuration error: exit 1, with a hint.
test_rules_missing_user() {
	conf "user = no-such-user-here" </dev/null
	local st=0
	"$PROCHOOKD" -c "$T/p.conf" >/dev/null 2>"$T/err" || st=$?
	[ "$st" = 1 ] || fail "exit $st for a missing user, want 1"
	grep -q "user no-such-user-here: no such user.*useradd" "$T/err" || fail "no hint: $(cat "$T/err")"
	# A missing file: exit 1, naming it.
	st=0
	"$PROCHOOKD" -c "$T/nope.conf" >/dev/null 2>"$T/err" || st=$?
	[ "$st" = 1 ] || fail "exit $st for a missing file, want 1"
	grep -q "nope.conf: No such file or directory" "$T/err" || fail "missing file not named: $(cat "$T/err")"
}
