# t_forward.sh - hooks that pass an event on: PROCHOOK_JSON, and the
# shipped hooks webhook (against an HTTP server of the test's own on
# 127.0.0.1) and mail-root (with a stand-in mail, and logger).

# Start an HTTP server on 127.0.0.1 that writes each POST's body to
# $T/www/body.N and its headers to $T/www/headers.N, and answers as
# $T/www/mode says: ok (200), fail (500) or slow (200 after 5 s).  Sets
# WWW_PORT and WWW_PID.
forward_www() {
	mkdir -p "$T/www"
	echo ok >"$T/www/mode"
	cat >"$T/www/server.py" <<'PY'
import http.server, os, sys, time

d = sys.argv[1]

class H(http.server.BaseHTTPRequestHandler):
    n = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        mode = open(os.path.join(d, "mode")).read().strip()
        H.n += 1
        for name, data in (("headers", str(self.headers).encode()),
                           ("body", body)):
            tmp = os.path.join(d, "tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, os.path.join(d, "%s.%d" % (name, H.n)))
        if mode == "slow":
            time.sleep(5)
        self.send_response(500 if mode == "fail" else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass

s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
PY
	python3 "$T/www/server.py" "$T/www" &
	WWW_PID=$!
	echo "$WWW_PID" >>"$T/daemons"
	wait_file "$T/www/port" || fail "the HTTP server did not start"
	WWW_PORT=$(cat "$T/www/port")
}

# Run a copy of the e2e helper that lingers, so that its exec is read in
# full; waits for it; prints its pid.
forward_run() {
	E2E_LINGER=200 "$@" &
	local pid=$!
	wait "$pid" || true
	echo "$pid"
}

# The webhook hook POSTs the event, as JSON, to the URL of webhook.conf
# beside it: the body received is the event (pid, exe, rule, action, a
# kill's signal).  A server error, a timeout, a bad or missing
# configuration each fail the hook loudly.
test_forward_webhook() {
	mkdir -p "$T/bin" "$T/hooks"
	cp "$HELPER" "$T/bin/xfwd"
	cp "$HELPER" "$T/bin/xfwdkill"
	cp "$TOP/hooks.d/webhook" "$T/hooks/webhook"
	chmod 755 "$T/hooks/webhook"
	forward_www
	cat >"$T/hooks/webhook.conf" <<EOF
# the test's own server
url = http://127.0.0.1:$WWW_PORT/events
timeout = 2
header = X-Prochook-Test: yes
EOF
	chmod 600 "$T/hooks/webhook.conf"
	conf <<EOF
[fwd-exec]
event = exec
exe = $T/bin/xfwd
hook = webhook

[fwd-kill]
event = exec
exe = $T/bin/xfwdkill
action = kill
hook = webhook
EOF
	"$PROCHOOKD" -t -c "$T/p.conf" >/dev/null || fail "-t refused the file"
	start_daemon -c "$T/p.conf"
	local pid kpid
	pid=$(forward_run "$T/bin/xfwd" "a \"quoted\" arg")
	wait_file "$T/www/body.1" || fail "no POST received"
	python3 - "$T/www/body.1" "$pid" "$T/bin/xfwd" <<'PY' || fail "body is not the event"
import json, sys
e = json.load(open(sys.argv[1], encoding="utf-8"))
want = {"event": "exec", "rule": "fwd-exec", "action": "run",
        "pid": int(sys.argv[2]), "exe": sys.argv[3],
        "cmdline": sys.argv[3] + ' a "quoted" arg'}
for k, v in want.items():
    if e.get(k) != v:
        sys.exit("%s: %r, wanted %r (%r)" % (k, e.get(k), v, e))
if "signal" in e:
    sys.exit("signal in a run's event")
PY
	grep -qi '^Content-Type: application/json' "$T/www/headers.1" || fail "Content-Type"
	grep -qi '^X-Prochook-Test: yes' "$T/www/headers.1" || fail "header from webhook.conf"
	kpid=$(forward_run "$T/bin/xfwdkill")
	wait_file "$T/www/body.2" || fail "no POST for the kill"
	python3 - "$T/www/body.2" "$kpid" <<'PY' || fail "kill body"
import json, sys
e = json.load(open(sys.argv[1], encoding="utf-8"))
if (e.get("rule"), e.get("action"), e.get("signal"), e.get("pid")) != \
        ("fwd-kill", "kill", "KILL", int(sys.argv[2])):
    sys.exit("got %r" % e)
PY
	# The server fails: the hook says so, and exits 1.
	echo fail >"$T/www/mode"
	pid=$(forward_run "$T/bin/xfwd")
	wait_for "$T/err" "hook webhook: exited 1 \(rule fwd-exec, pid $pid\)" ||
		fail "a 500 did not fail the hook"
	grep -q "hook webhook (rule fwd-exec, pid $pid): .*500" "$T/err" ||
		fail "no curl message for the 500"
	grep -q "hook webhook (rule fwd-exec, pid $pid): webhook: POST of the exec event of pid $pid (rule fwd-exec) to http://127.0.0.1:$WWW_PORT/events failed (curl exit 22)" "$T/err" ||
		fail "no message of the hook's own"
	# Too slow: timed out after timeout seconds.
	echo slow >"$T/www/mode"
	pid=$(forward_run "$T/bin/xfwd")
	wait_for "$T/err" "hook webhook: exited 1 \(rule fwd-exec, pid $pid\)" ||
		fail "a slow server did not fail the hook"
	grep -q "hook webhook (rule fwd-exec, pid $pid): .*(curl exit 28)" "$T/err" ||
		fail "not a timeout"
	# A configuration others may write is refused.
	chmod 666 "$T/hooks/webhook.conf"
	pid=$(forward_run "$T/bin/xfwd")
	wait_for "$T/err" "hook webhook: exited 1 \(rule fwd-exec, pid $pid\)" ||
		fail "a writable webhook.conf was used"
	grep -q "pid $pid): webhook: .*webhook.conf: writable by group or others (mode 666): refused" "$T/err" ||
		fail "no message for the writable webhook.conf"
	# None at all.
	rm "$T/hooks/webhook.conf"
	pid=$(forward_run "$T/bin/xfwd")
	wait_for "$T/err" "hook webhook: exited 1 \(rule fwd-exec, pid $pid\)" ||
		fail "no webhook.conf did not fail the hook"
	grep -q "pid $pid): webhook: .*webhook.conf: no such file" "$T/err" ||
		fail "no message for the missing webhook.conf"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "daemon exit $DSTATUS"
	local n
	n=$(find "$T/www" -name 'body.*' | wc -l)
	# ok, kill, fail, slow: the refused configurations sent nothing.
	[ "$n" = 4 ] || fail "$n POSTs, wanted 4"
	kill "$WWW_PID"
}

# PROCHOOK_JSON is the whole event, one line of valid JSON, whatever the
# process put in its arguments, with the values of the other variables.
test_forward_json_env() {
	mkdir -p "$T/bin" "$T/rec"
	cp "$HELPER" "$T/bin/xjson"
	hook json <<EOF
#!/bin/sh
printf '%s' "\$PROCHOOK_JSON" >"$T/rec/json.tmp"
printf '%s' "\$PROCHOOK_PID|\$PROCHOOK_EXE|\$PROCHOOK_UID" >"$T/rec/vars"
mv "$T/rec/json.tmp" "$T/rec/json"
EOF
	conf <<EOF
[fwd-json]
event = exec
exe = $T/bin/xjson
hook = json
EOF
	start_daemon -c "$T/p.conf"
	local pid
	pid=$(forward_run "$T/bin/xjson" "$(printf 'line\nbreak "q" back\\slash \377 end')")
	wait_file "$T/rec/json" || fail "the hook did not run"
	stop_daemon
	[ "$(wc -l <"$T/rec/json")" = 0 ] || fail "PROCHOOK_JSON is more than one line"
	python3 - "$T/rec/json" "$T/rec/vars" "$pid" "$T/bin/xjson" <<'PY' || fail "PROCHOOK_JSON"
import json, sys
e = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
pid, exe, uid = open(sys.argv[2]).read().split("|")
assert e["event"] == "exec" and e["rule"] == "fwd-json" and e["action"] == "run", e
assert e["pid"] == int(sys.argv[3]) == int(pid), e
assert e["exe"] == sys.argv[4] == exe, e
assert e["uid"] == int(uid) == 0, e
assert e["cmdline"] == sys.argv[4] + ' line\nbreak "q" back\\slash \ufffd end', e
assert "time" in e and "ppid" in e, e
PY
}

# Run the daemon in a mount namespace of its own in which $T/sbin is
# mounted over /usr/sbin (the first directory of a hook's PATH), so that
# its hooks find the test's stand-ins first.  Sets DPID.
forward_daemon_ns() {
	unshare -m --propagation private -- sh -c \
	    'mount --bind "$1" /usr/sbin && shift && exec "$@"' sh \
	    "$T/sbin" "$PROCHOOKD" "$@" >"$T/out" 2>"$T/err" &
	DPID=$!
	echo "$DPID" >>"$T/daemons"
	wait_for "$T/err" ready || { cat "$T/err"; fail "prochookd not ready"; }
}

# mail-root mails root (here a stand-in mail, through the hook's fixed
# PATH); where no mail(1) is installed it logs with logger instead.
test_forward_mail_root() {
	mkdir -p "$T/bin" "$T/sbin"
	cp "$HELPER" "$T/bin/xmail"
	mkdir -p "$T/hooks"
	cp "$TOP/hooks.d/mail-root" "$T/hooks/mail-root"
	chmod 755 "$T/hooks/mail-root"
	cat >"$T/sbin/mail" <<EOF
#!/bin/sh
{ printf 'ARGS:'; printf ' [%s]' "\$@"; echo; cat; } >"$T/mail.tmp"
mv "$T/mail.tmp" "$T/mail.out"
EOF
	chmod 755 "$T/sbin/mail"
	conf <<EOF
[fwd-mail]
event = exit
exe = $T/bin/xmail
exit_status = !0
hook = mail-root
rate = 5
EOF
	forward_daemon_ns -c "$T/p.conf"
	local pid
	pid=$(forward_run "$T/bin/xmail" exit 3)
	wait_file "$T/mail.out" || { cat "$T/err"; fail "no mail"; }
	cat "$T/mail.out"
	head -1 "$T/mail.out" | grep -qF "ARGS: [-s] [prochook [fwd-mail]: exit 3: xmail (pid $pid, user root)] [root]" ||
		fail "mail arguments"
	grep -q "^program:   $T/bin/xmail\$" "$T/mail.out" || fail "body: program"
	grep -q "^event:     exit 3\$" "$T/mail.out" || fail "body: event"
	grep -q "^{\"time\":.*\"pid\":$pid,.*\"exit_status\":3" "$T/mail.out" || fail "body: JSON"
	stop_daemon

	# No mail(1) anywhere: logger.
	if [ -x /usr/bin/mail ] || [ -x /bin/mail ]; then
		echo "mail(1) is installed: the logger fallback is not tested"
		return 0
	fi
	rm "$T/sbin/mail"
	cat >"$T/sbin/logger" <<EOF
#!/bin/sh
{ printf 'ARGS:'; printf ' [%s]' "\$@"; echo; } >"$T/logger.tmp"
mv "$T/logger.tmp" "$T/logger.out"
EOF
	chmod 755 "$T/sbin/logger"
	forward_daemon_ns -c "$T/p.conf"
	pid=$(forward_run "$T/bin/xmail" exit 4 "$(printf 'new\nline')")
	wait_file "$T/logger.out" || { cat "$T/err"; fail "no logger"; }
	cat "$T/logger.out"
	grep -qF "ARGS: [--socket-errors=on] [-p] [daemon.warning] [-t] [prochook] [--] [prochook [fwd-mail]: exit 4: xmail (pid $pid, user root): $T/bin/xmail exit 4 new?line]" "$T/logger.out" ||
		fail "logger arguments"
	stop_daemon
}
