# t_journal.sh - log_target = journal: each line an entry of the journal's
# native protocol with PROCHOOK_* fields, sent to a socket of the test's
# own (tests/e2e/journal.py decodes it; no journald needed).

# Start the stand-in journal at $T/journal.sock, entries in $T/journal.
journal_listen() {
	python3 "$E2E_DIR/journal.py" "$T/journal.sock" "$T/journal" \
	    2>"$T/journal.err" &
	JPID=$!
	echo "$JPID" >>"$T/daemons"
	wait_for "$T/journal" _listening || fail "the stand-in journal did not start"
}

# Print the entries of $T/journal for which a Python expression over e
# holds, one JSON object a line; fails on a malformed entry.
journal_entries() {
	python3 - "$T/journal" "$1" <<'PY'
import json, sys
expr = compile(sys.argv[2], "filter", "eval")
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if "_malformed" in e:
        print("MALFORMED " + line.strip(), file=sys.stderr)
        sys.exit(1)
    if "_listening" not in e and eval(expr, {}, {"e": e}):
        print(json.dumps(e))
PY
}

# Wait (at most 10 s) until an entry matches; print the first.
journal_wait() {
	local i out
	for i in $(seq 1 200); do
		out=$(journal_entries "$1") || fail "a malformed entry"
		[ -n "$out" ] && { printf '%s\n' "$out" | head -n1; return 0; }
		sleep 0.05
	done
	return 1
}

# Start the daemon logging to the stand-in journal; waits for its "ready"
# entry.
journal_daemon() {
	PROCHOOKD_JOURNAL_SOCKET=$T/journal.sock "$PROCHOOKD" "$@" \
	    >"$T/out" 2>"$T/err" &
	DPID=$!
	echo "$DPID" >>"$T/daemons"
	journal_wait "e['MESSAGE'].startswith('ready: privileges separated')" \
	    >/dev/null || { cat "$T/err"; fail "no ready entry"; }
}

# Check the fields of one entry (JSON) against NAME=VALUE arguments.
journal_check() {
	python3 - "$@" <<'PY'
import json, sys
e = json.loads(sys.argv[1])
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    assert e.get(k) == v, "%s is %r, not %r" % (k, e.get(k), v)
PY
}

# A match of each part (a log rule in the event loop, a kill in the
# privileged part) and a hook's output lines (its supervisor), each with
# its fields; an executable whose name holds a newline goes in the length
# form.  Then the journal goes away: lines go to stderr, said once.
test_journal_fields() {
	local u uid e lpid vpid hpid i st=0
	u=$(ordinary_user pjournal)
	uid=$(id -u "$u")
	mkdir -p "$T/bin"
	chmod 755 "$T/bin"
	local odd="$T/bin/odd
name"
	cp /bin/true "$odd"
	cp /bin/sleep "$T/bin/victim"
	cp /bin/true "$T/bin/prog"
	hook say <<'HOOK'
#!/bin/sh
echo "hello journal from $PROCHOOK_RULE"
echo "second line"
HOOK
	conf "log_target = journal" <<CONF
[jr-log]
event = exec
exe = $T/bin/odd*
action = log

[jr-kill]
event = exec
exe = $T/bin/victim
uid = $u
action = kill

[jr-hook]
event = exec
exe = $T/bin/prog
hook = say
CONF
	journal_listen
	journal_daemon -c "$T/p.conf"
	ldd "$PROCHOOKD" | grep -q libsystemd && fail "linked with libsystemd"

	# setpriv itself, not a subshell running it: $! is the pid that execs.
	setpriv --reuid="$u" --regid="$u" --clear-groups -- "$odd" &
	lpid=$!
	wait $lpid || true
	e=$(journal_wait "e.get('PROCHOOK_RULE') == 'jr-log'") || {
		cat "$T/journal" "$T/err"; fail "no entry for the log rule"; }
	journal_check "$e" PROCHOOK_RULE=jr-log PROCHOOK_EVENT=exec \
	    PROCHOOK_ACTION=log PROCHOOK_PID=$lpid PROCHOOK_UID=$uid \
	    "PROCHOOK_EXE=$odd" PRIORITY=6 SYSLOG_IDENTIFIER=prochookd \
	    SYSLOG_FACILITY=3 || fail "log entry: $e"
	python3 - "$e" <<'PY' || fail "log entry: $e"
import json, sys
e = json.loads(sys.argv[1])
assert e["MESSAGE"].startswith("rule jr-log (log): "), e["MESSAGE"]
# The newline in the name: the length form, not a broken field.
assert "PROCHOOK_EXE" in e["_binary"], e["_binary"]
assert "PROCHOOK_HOOK" not in e
PY

	setpriv --reuid="$u" --regid="$u" --clear-groups -- "$T/bin/victim" 30 &
	vpid=$!
	wait $vpid || st=$?
	[ "$st" = 137 ] || fail "victim not killed: status $st"
	e=$(journal_wait "e.get('PROCHOOK_RULE') == 'jr-kill'") || {
		cat "$T/err"; fail "no entry for the kill"; }
	journal_check "$e" PROCHOOK_RULE=jr-kill PROCHOOK_EVENT=exec \
	    PROCHOOK_ACTION=kill PROCHOOK_PID=$vpid PROCHOOK_UID=$uid \
	    "PROCHOOK_EXE=$T/bin/victim" || fail "kill entry: $e"
	case "$e" in *"sent SIGKILL"*) ;; *) fail "kill message: $e" ;; esac

	"$T/bin/prog" &
	hpid=$!
	wait $hpid
	journal_wait "e.get('PROCHOOK_HOOK') == 'say' and 'second line' in e['MESSAGE']" \
	    >/dev/null || { cat "$T/err"; fail "no entry for the hook's output"; }
	e=$(journal_wait "e.get('PROCHOOK_HOOK') == 'say' and 'hello journal' in e['MESSAGE']")
	journal_check "$e" PROCHOOK_RULE=jr-hook PROCHOOK_HOOK=say \
	    PROCHOOK_PID=$hpid PRIORITY=6 || fail "hook entry: $e"
	case "$e" in *'hello journal from jr-hook"'*) ;; *) fail "hook message: $e" ;; esac
	# Nothing of that on stderr: it all went to the journal.
	grep -qE "jr-log|jr-kill|hello journal|ready" "$T/err" &&
		fail "lines on stderr: $(cat "$T/err")"

	# The journal goes away: the event loop says so once, then logs to
	# stderr.
	kill "$JPID"
	wait "$JPID" 2>/dev/null || true
	rm -f "$T/journal.sock"
	as_user "$u" "$odd" || true
	as_user "$u" "$odd" || true
	wait_for "$T/err" "rule jr-log \(log\): " ||
		fail "no line on stderr once the journal was gone: $(cat "$T/err")"
	grep -q "journal $T/journal.sock: .*logging to stderr" "$T/err" ||
		fail "the fallback not said: $(cat "$T/err")"
	for i in $(seq 1 100); do
		[ "$(grep -c "rule jr-log (log): " "$T/err")" -ge 2 ] && break
		sleep 0.05
	done
	[ "$(grep -c "journal $T/journal.sock:" "$T/err")" = 1 ] ||
		fail "the fallback said more than once: $(cat "$T/err")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit status $DSTATUS"
}

# No journal at start: said once, and everything goes to stderr.
test_journal_absent() {
	mkdir -p "$T/bin"
	cp /bin/true "$T/bin/prog"
	conf "log_target = journal" <<CONF
[jr-absent]
event = exec
exe = $T/bin/prog
action = log
CONF
	PROCHOOKD_JOURNAL_SOCKET=$T/none.sock start_daemon -c "$T/p.conf"
	grep -q "log_target = journal: $T/none.sock: No such file or directory: logging to stderr" "$T/err" ||
		fail "the fallback not said: $(cat "$T/err")"
	"$T/bin/prog"
	wait_for "$T/err" "rule jr-absent \(log\): " || fail "no line on stderr"
	stop_daemon
	[ "$(grep -c "none.sock" "$T/err")" = 1 ] || fail "said more than once"
}

# log_target is checked by -t; --syslog on the command line wins over it.
test_journal_syslog_wins() {
	conf "log_target = journal" </dev/null
	journal_listen
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>&1 ||
		fail "-t refused log_target: $(cat "$T/out")"
	conf "log_target = journald" </dev/null
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>&1 && fail "journald accepted"
	grep -q "bad log_target 'journald': expected stderr, syslog or journal" "$T/out" ||
		fail "message: $(cat "$T/out")"
	conf "log_target = journal" <<CONF
[jr-syslog]
event = exec
exe = $T/nothing
action = log
CONF
	PROCHOOKD_JOURNAL_SOCKET=$T/journal.sock "$PROCHOOKD" --syslog \
	    -c "$T/p.conf" >"$T/out" 2>"$T/err" &
	DPID=$!
	echo "$DPID" >>"$T/daemons"
	sleep 1.5
	kill -0 "$DPID" || fail "the daemon died: $(cat "$T/err")"
	stop_daemon
	[ -z "$(journal_entries True)" ] || fail "--syslog sent to the journal"
}
