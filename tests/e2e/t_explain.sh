# t_explain.sh - prochookd --explain PID against real processes: matched,
# not matched and unknown keys, exits, a vanished pid, as root and as the
# process's ordinary owner.  No daemon runs: --explain needs none.

EXPLAIN_USER=phx-explain

# Wait until pid has exec'd the file $2 (its /proc exe names it).
explain_wait_exec() {
	local i
	for i in $(seq 1 100); do
		[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ] && return 0
		grep -q "$2" "/proc/$1/cmdline" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# A kill rule that matches and a rule whose comm does not: each key with
# the value seen, the action, exit 0; and the process is left alone.
test_explain_matched() {
	mkdir -p "$T/bin"
	cp /bin/sleep "$T/bin/xsleep"
	cp /bin/bash "$T/bin/xparent"
	record_hook h
	conf <<EOF
[kill-xsleep]
event = exec
exe = $T/bin/xsleep
uid = 0
parent = $T/bin/xparent
ancestor = $T/bin/xparent
cmdline = "* 61"
action = kill
hook = h

[not-by-comm]
event = exec
exe = $T/bin/xsleep
comm = "other*"
action = log

[on-exit]
event = exit
exe = $T/bin/xsleep
hook = h
EOF
	"$T/bin/xparent" -c "$T/bin/xsleep 61; true" &
	local sh=$! pid rc=0 _
	for _ in $(seq 1 100); do
		pid=$(pgrep -P "$sh" -x xsleep) && break
		sleep 0.05
	done
	[ -n "$pid" ] || fail "xsleep did not start"
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>"$T/x.err" || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "exit $rc, wanted 0 (a rule matches)"
	grep -q "^event: .* exec $pid $sh 0 $T/bin/xsleep -- $T/bin/xsleep 61\$" "$T/x.out" ||
		fail "no event line"
	sed -n '/^\[kill-xsleep\]/,/^$/p' "$T/x.out" >"$T/k"
	grep -q "^  exe  *matched  *$T/bin/xsleep\$" "$T/k" || fail "exe"
	grep -q "^  uid  *matched  *0 (root)\$" "$T/k" || fail "uid"
	grep -q "^  parent  *matched  *$T/bin/xparent\$" "$T/k" || fail "parent"
	grep -q "^  ancestor  *matched  *$T/bin/xparent, " "$T/k" || fail "ancestor"
	grep -q "^  cmdline  *matched  *$T/bin/xsleep 61\$" "$T/k" || fail "cmdline"
	grep -q "^  => matches: kill KILL, then hook h\$" "$T/k" || fail "action"
	sed -n '/^\[not-by-comm\]/,/^$/p' "$T/x.out" >"$T/n"
	grep -q "^  comm  *not matched  *xsleep\$" "$T/n" || fail "comm"
	grep -q "^  => does not match\$" "$T/n" || fail "not-by-comm matched"
	sed -n '/^\[on-exit\]/,/^$/p' "$T/x.out" >"$T/e"
	grep -q "^  event  *not matched  *exec\$" "$T/e" || fail "event"
	grep -q "^1 of 3 rules match process $pid\$" "$T/x.out" || fail "summary"
	# Nothing was done: no kill, no hook.
	kill -0 "$pid" || fail "the process was killed"
	[ ! -e "$T/rec" ] || [ -z "$(ls "$T/rec")" ] || fail "a hook ran"
	kill "$pid"
	wait "$sh" || true
}

# A script: exe is its interpreter, script its own path.
test_explain_script() {
	mkdir -p "$T/bin"
	printf '#!/bin/sh\nsleep 62\nexit 0\n' >"$T/bin/xscript"
	chmod 755 "$T/bin/xscript"
	local interp
	interp=$(readlink -f /bin/sh)
	conf <<EOF
[by-script]
event = exec
script = $T/bin/xscript
exe = $interp
action = log

[no-script]
event = exec
script = !$T/*
action = log
EOF
	(cd "$T/bin" && exec ./xscript) &
	local pid=$! rc=0
	explain_wait_exec "$pid" "$T/bin/xscript" || fail "xscript did not start"
	sleep 0.2
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "exit $rc"
	sed -n '/^\[by-script\]/,/^$/p' "$T/x.out" >"$T/s"
	grep -q "^  script  *matched  *$T/bin/xscript\$" "$T/s" || fail "script"
	grep -q "^  exe  *matched  *$interp\$" "$T/s" || fail "exe"
	grep -q "^  => matches: log\$" "$T/s" || fail "by-script"
	sed -n '/^\[no-script\]/,/^$/p' "$T/x.out" >"$T/s"
	grep -q "^  script  *not matched  *$T/bin/xscript\$" "$T/s" || fail "!script"
	pkill -P "$pid" -x sleep || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	# sh -c is no script, though it runs one by name.
	sh -c "sleep 63; exit 0" &
	pid=$!
	explain_wait_exec "$pid" "sleep 63" || fail "sh did not start"
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "exit $rc (no-script should match)"
	grep -q "^  script  *matched  *- (no script)\$" "$T/x.out" || fail "no script"
	pkill -P "$pid" -x sleep || true
	wait "$pid" || true
	# A #! line with an argument; and the same script run by hand
	# ("sh FILE": the kernel ran sh, no script).
	printf '#!/bin/sh -e\nsleep 69\nexit 0\n' >"$T/bin/xscript2"
	chmod 755 "$T/bin/xscript2"
	"$T/bin/xscript2" &
	pid=$!
	explain_wait_exec "$pid" "$T/bin/xscript2" || fail "xscript2 did not start"
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	grep -q "^  script  *not matched  *$T/bin/xscript2\$" "$T/x.out" ||
		fail "#! with an argument: not taken for a script"
	pkill -P "$pid" -x sleep || true
	wait "$pid" || true
	sh "$T/bin/xscript2" &
	pid=$!
	explain_wait_exec "$pid" "$T/bin/xscript2" || fail "sh xscript2 did not start"
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	grep -q "^  script  *matched  *- (no script)\$" "$T/x.out" ||
		fail "sh FILE taken for a script"
	pkill -P "$pid" -x sleep || true
	wait "$pid" || true
	# A process's arguments may name a FIFO or a device where a script
	# would be: -x (as root) neither blocks on it nor reads it.
	mkfifo "$T/fifo"
	cp "$HELPER" "$T/bin/xfifo"
	(E2E_LINGER=5000 exec -a "#!/bin/sh" "$T/bin/xfifo" "$T/fifo" /dev/zero) &
	pid=$!
	explain_wait_exec "$pid" "$T/fifo" || fail "xfifo did not start"
	rc=0
	timeout 20 "$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "a FIFO in the arguments: exit $rc"
	grep -q "^  script  *matched  *- (no script)\$" "$T/x.out" || fail "FIFO: no script"
	kill "$pid"
	wait "$pid" || true
}

# As if it exited: --status N, --signal NAME; exit 1 when nothing matches.
test_explain_exit() {
	mkdir -p "$T/bin"
	cp /bin/sleep "$T/bin/xsleep"
	record_hook h
	conf <<EOF
[failed]
event = exit
exe = $T/bin/xsleep
exit_status = !0
hook = h

[crashed]
event = exit
exe = $T/bin/xsleep
exit_signal = SEGV ABRT
hook = h
EOF
	"$T/bin/xsleep" 64 &
	local pid=$! rc
	explain_wait_exec "$pid" "$T/bin/xsleep" || fail "xsleep did not start"
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" --event exit --status 3 >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "--status 3: exit $rc"
	grep -q "^event: .* exit $pid .* status=3 duration=[0-9.]* -- " "$T/x.out" || fail "event line"
	grep -q "^  exit_status  *matched  *3\$" "$T/x.out" || fail "exit_status 3"
	grep -q "^  exit_signal  *not matched  *- (exited 3)\$" "$T/x.out" || fail "exit_signal"
	grep -q "^1 of 2 rules match" "$T/x.out" || fail "summary"
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" --status 0 >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 1 ] || fail "--status 0: exit $rc, wanted 1"
	grep -q "^  exit_status  *not matched  *0\$" "$T/x.out" || fail "exit_status 0"
	grep -q "^no rule matches process $pid (2 rules)\$" "$T/x.out" || fail "summary"
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" --explain "$pid" --signal SEGV >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "--signal SEGV: exit $rc"
	grep -q "^  exit_signal  *matched  *SEGV\$" "$T/x.out" || fail "SEGV"
	grep -q "^  exit_status  *not matched  *- (killed by SEGV)\$" "$T/x.out" || fail "status"
	# Usage errors: exit 2.
	for args in "--event exit" "--event fork --status 1" "--status 1 --signal KILL" \
	    "--status 300" "--signal NOPE" "--event exec --signal KILL"; do
		rc=0
		# shellcheck disable=SC2086
		"$PROCHOOKD" -c "$T/p.conf" -x "$pid" $args >/dev/null 2>&1 || rc=$?
		[ "$rc" = 2 ] || fail "-x $pid $args: exit $rc, wanted 2"
	done
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" --status 1 >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "--status without -x: exit $rc"
	kill -0 "$pid" || fail "the process was killed"
	kill "$pid"
	wait "$pid" || true
}

# A pid that is gone, or no pid: exit 2 with a message.
test_explain_vanished() {
	conf <<EOF
[any]
event = exec
action = log
EOF
	sleep 0 &
	local pid=$! rc=0
	wait "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>"$T/x.err" || rc=$?
	cat "$T/x.err"
	[ "$rc" = 2 ] || fail "exit $rc, wanted 2"
	grep -q "no process $pid" "$T/x.err" || fail "message"
	[ ! -s "$T/x.out" ] || fail "printed something for a gone process"
	for bad in abc 0 -5 12x ""; do
		rc=0
		"$PROCHOOKD" -c "$T/p.conf" -x "$bad" >/dev/null 2>&1 || rc=$?
		[ "$rc" = 2 ] || fail "-x '$bad': exit $rc, wanted 2"
	done
	# A configuration it refuses is an error too, not "no match".
	echo "[bad]" >"$T/bad.conf"
	rc=0
	"$PROCHOOKD" -c "$T/bad.conf" -x $$ >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "bad configuration: exit $rc, wanted 2"
}

# As the process's ordinary owner: what the owner may read is known, what
# it may not is unknown -- here the executable of its parent, a root
# process -- and so the rule does not match (exit 1); root reads it.
test_explain_owner_unknown() {
	local u bash
	u=$(ordinary_user "$EXPLAIN_USER")
	bash=$(readlink -f /proc/$$/exe)
	mkdir -p "$T/bin"
	cp "$PROCHOOKD" "$T/bin/prochookd"
	chmod 755 "$T/bin/prochookd"
	cp /bin/sleep "$T/bin/xsleep"
	conf <<EOF
[users-xsleep]
event = exec
exe = $T/bin/xsleep
uid = $u
action = log

[from-root-shell]
event = exec
exe = $T/bin/xsleep
parent = $bash
action = log
EOF
	chmod 644 "$T/p.conf"
	# setpriv itself (as_user's), so that $! is the process, a child of
	# this root shell.
	setpriv --reuid="$u" --regid="$u" --clear-groups -- "$T/bin/xsleep" 65 &
	local pid=$! rc
	explain_wait_exec "$pid" "$T/bin/xsleep" || fail "xsleep did not start"
	rc=0
	as_user "$u" "$T/bin/prochookd" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "owner: exit $rc, wanted 0 (users-xsleep matches)"
	sed -n '/^\[users-xsleep\]/,/^$/p' "$T/x.out" >"$T/a"
	grep -q "^  exe  *matched  *$T/bin/xsleep\$" "$T/a" || fail "owner: exe"
	grep -q "^  uid  *matched  *[0-9]* ($u)\$" "$T/a" || fail "owner: uid"
	grep -q "^  => matches: log\$" "$T/a" || fail "owner: users-xsleep"
	sed -n '/^\[from-root-shell\]/,/^$/p' "$T/x.out" >"$T/b"
	grep -q "^  exe  *matched  *$T/bin/xsleep\$" "$T/b" || fail "owner: exe (b)"
	grep -q "^  parent  *unknown  *?\$" "$T/b" || fail "owner: parent not unknown"
	grep -q "^  => does not match: a value it tests is unknown" "$T/b" || fail "owner: verdict"
	grep -q "^1 of 2 rules match process $pid\$" "$T/x.out" || fail "owner: summary"
	# Only the rule with the unknown: exit 1.
	sed -i '/^\[users-xsleep\]/,/^action/d' "$T/p.conf"
	rc=0
	as_user "$u" "$T/bin/prochookd" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 1 ] || fail "owner, unknown only: exit $rc, wanted 1"
	# Root reads it.
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "root: exit $rc, wanted 0"
	grep -q "^  parent  *matched  *$bash\$" "$T/x.out" || fail "root: parent"
	# Another user's process: what the user may not read is unknown.
	"$T/bin/xsleep" 67 &
	local rpid=$!
	explain_wait_exec "$rpid" "$T/bin/xsleep" || fail "root's xsleep did not start"
	rc=0
	as_user "$u" "$T/bin/prochookd" -c "$T/p.conf" -x "$rpid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 1 ] || fail "root's process: exit $rc, wanted 1"
	grep -q "^  exe  *unknown  *?\$" "$T/x.out" || fail "root's process: exe"
	kill "$pid" "$rpid"
	wait "$pid" "$rpid" || true
}

# The README's example of -x, with the README's own rules: a user's
# program outside /usr is caught by users-run-system-programs and not by
# deny-netcat, and a user's netcat the other way round.  (/usr and /bin
# paths moved under $T, as t_examples.sh does.)
test_explain_readme() {
	local u pid rc
	u=$(ordinary_user "$EXPLAIN_USER")
	mkdir -p "$T/usr/bin" "$T/home"
	cp "$HELPER" "$T/usr/bin/nc.openbsd"
	cp "$HELPER" "$T/home/tool"
	chmod 755 "$T/usr/bin/nc.openbsd" "$T/home/tool"
	example_rules README.md deny-netcat users-run-system-programs |
		sed -E "s#(^|[ =!])/(usr|bin)/#\1$T/\2/#g" | conf
	hook notify-admin <<<'#!/bin/sh'
	grep -q '^\$ sudo prochookd -x ' "$TOP/README.md" || fail "README has no -x example"
	E2E_LINGER=5000 setpriv --reuid="$u" --regid="$u" --clear-groups -- "$T/home/tool" 30 &
	pid=$!
	explain_wait_exec "$pid" "$T/home/tool" || fail "tool did not start"
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "tool: exit $rc"
	# The README's output, with this run's pid, time, user and paths.
	python3 - "$TOP/README.md" "$T/x.out" "$T" "$u" <<'PY' || fail "not the README's output"
import re, sys
readme, out, t, user = sys.argv[1:]
block = re.search(r"^\$ sudo prochookd -x .*?\n(.*?)^```", open(readme).read(),
                  re.S | re.M).group(1)
got = open(out).read()
def norm(s, home, conf):
    s = re.sub(r"^event: \S+ exec \d+ \d+ \d+ ", "event: T exec P Q U ", s, flags=re.M)
    s = re.sub(r"process \d+", "process P", s)
    s = re.sub(r"\d+ \(%s\)" % re.escape(user if home == t + "/home/tool" else "alice"),
               "U (USER)", s)
    s = re.sub(r"-- \S*tool 30$", "-- TOOLARGS", s, flags=re.M)
    s = s.replace(home, "TOOL").replace(conf, "CONF")
    s = re.sub(r"CONF:\d+", "CONF:N", s)
    return s
want = norm(block, "/home/alice/bin/tool", "/etc/prochook/prochook.conf")
want = re.sub(r"(?<=[ {])/(usr|bin)/", lambda m: t + "/" + m.group(1) + "/", want)
got = norm(got, t + "/home/tool", t + "/p.conf")
if got != want:
    sys.exit("got:\n%s\nwanted:\n%s" % (got, want))
PY
	kill "$pid"
	wait "$pid" || true
	E2E_LINGER=5000 setpriv --reuid="$u" --regid="$u" --clear-groups -- "$T/usr/bin/nc.openbsd" -l 1234 &
	pid=$!
	explain_wait_exec "$pid" "$T/usr/bin/nc.openbsd" || fail "nc did not start"
	rc=0
	"$PROCHOOKD" -c "$T/p.conf" -x "$pid" >"$T/x.out" 2>&1 || rc=$?
	cat "$T/x.out"
	[ "$rc" = 0 ] || fail "nc: exit $rc"
	sed -n '/^\[deny-netcat\]/,/^$/p' "$T/x.out" | grep -q "^  => matches: kill KILL, then hook notify-admin, rate 10/s\$" ||
		fail "deny-netcat did not match the user's netcat"
	sed -n '/^\[users-run-system-programs\]/,/^$/p' "$T/x.out" | grep -q "^  => does not match\$" ||
		fail "users-run-system-programs matched netcat"
	kill "$pid"
	wait "$pid" || true
}
