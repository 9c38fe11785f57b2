# t_naming.sh - what an exec is named, against an ordinary user who tries
# to run a forbidden program under another name (SPEC Revision 2, "What
# an exec is").  Each attack runs as a user the test creates.

NAMING_USER=phnaming

# Create the attacking user once; $T/u is its directory.
naming_setup() {
	ordinary_user "$NAMING_USER" >/dev/null
	mkdir -p "$T/u"
	chown "$NAMING_USER:" "$T/u"
	chmod 755 "$T/u"
}

# Run a command as the attacking user.
as_attacker() {
	as_user "$NAMING_USER" "$@"
}

# An allowlist: the user may run only what is under /usr or /bin.
naming_allowlist_conf() {
	conf <<EOF
[only-system-programs]
event = exec
uid = $NAMING_USER
exe = !/usr/* !/bin/*
action = kill
EOF
}

# After an attack whose status was $1: the attacker's program was killed at
# once, before it could create $T/u/pwned a second after it started.
naming_killed() {
	sleep 1.5
	stop_daemon 0
	[ ! -e "$T/u/pwned" ] || fail "$2: it ran"
	[ "$1" = 137 ] || fail "$2: status $1, not killed by SIGKILL"
}

# A program copied into a memfd and run from it is named /memfd:NAME, not
# after its loader (which is under /usr): the allowlist kills it.
test_naming_memfd() {
	naming_setup
	naming_allowlist_conf
	start_daemon -c "$T/p.conf"
	local st=0
	as_attacker /usr/bin/python3 - "$T/u/pwned" <<'PY' || st=$?
import os, sys
fd = os.memfd_create("payload", 0)
os.write(fd, open("/bin/sh", "rb").read())
os.execve(fd, ["sh", "-c", "sleep 1; : > " + sys.argv[1]], {})
PY
	naming_killed "$st" "the program run from a memfd"
	grep -q 'only-system-programs.*/memfd:payload (deleted)' "$T/err" ||
		fail "no kill logged with the memfd's name: $(cat "$T/err")"
}

# A failed exec of an allowed program (E2BIG: it fails after the file is
# opened) right before the memfd exec does not lend its name.
test_naming_failed_exec_then_memfd() {
	naming_setup
	naming_allowlist_conf
	start_daemon -c "$T/p.conf"
	local st=0
	as_attacker /usr/bin/python3 - "$T/u/pwned" <<'PY' || st=$?
import os, sys
fd = os.memfd_create("payload", 0)
os.write(fd, open("/bin/sh", "rb").read())
try:
    os.execv("/usr/bin/true", ["true", "x" * 200000])
except OSError:
    pass
os.execve(fd, ["sh", "-c", "sleep 1; : > " + sys.argv[1]], {})
PY
	naming_killed "$st" "the memfd program after a failed exec"
}

# A bind mount in a private mount namespace puts the user's program at an
# allowed path: the host's /usr/bin/true is another file, so the name is
# not /usr/bin/true and the allowlist kills it.
test_naming_private_bind_mount() {
	naming_setup
	naming_allowlist_conf
	cp /bin/sh "$T/u/mytool"
	chown "$NAMING_USER:" "$T/u/mytool"
	start_daemon -c "$T/p.conf"
	local st=0
	as_attacker unshare -Urm sh -c \
	    "mount --bind $T/u/mytool /usr/bin/true &&
	     exec /usr/bin/true -c 'sleep 1; : > $T/u/pwned'" || st=$?
	naming_killed "$st" "the program bind-mounted on /usr/bin/true"
	grep -q "only-system-programs.*(unreachable)" "$T/err" ||
		fail "not named as unreachable: $(cat "$T/err")"
}

# The user's copy of /bin/sh, $T/u/forbidden, killed at its exec; sets ld,
# the system's loader (the caller's local).
naming_loader_setup() {
	naming_setup
	cp /bin/sh "$T/u/forbidden"
	chown "$NAMING_USER:" "$T/u/forbidden"
	ld=$(readelf -l /bin/sh | sed -n 's/.*interpreter: \(.*\)]/\1/p')
	[ -x "$ld" ] || fail "no loader found"
	conf <<EOF
[no-forbidden]
event = exec
exe = $T/u/forbidden
action = kill
EOF
}

# The dynamic loader run as a command runs its argument: kill and hold
# rules on that program apply, and the monitor names both.
test_naming_loader_runs_program() {
	local ld
	naming_loader_setup
	start_daemon -c "$T/p.conf"
	local st=0
	(cd "$T/u" && as_attacker "$ld" --argv0 x ./forbidden -c \
	    "sleep 1; : > $T/u/pwned") || st=$?
	naming_killed "$st" "the program run by the loader"

	start_daemon -m --json
	as_attacker "$ld" "$T/u/forbidden" -c "sleep 0.5"
	stop_daemon
	local e
	e=$(jq_events "e['event'] == 'exec' and e.get('loader') is not None and e['uid'] != 0")
	[ -n "$e" ] || fail "no exec with a loader: $(grep forbidden "$T/out")"
	printf '%s\n' "$e" | python3 -c '
import json, sys, os
e = json.loads(sys.stdin.readline())
assert e["exe"] == sys.argv[1], e
assert os.path.realpath(e["loader"]) == os.path.realpath(sys.argv[2]), e
' "$T/u/forbidden" "$ld" || fail "exe/loader: $e"
}

# The loader replaced while prochookd runs (a C library upgrade; here a
# copy bind-mounted over it): the loader run as a command is still known
# for what it is, and the program it runs is killed.  prochookd learnt the
# loader's file at start and no longer knew the new one.  The daemon and
# the attack run in a mount namespace of their own, where the copy is
# mounted: the machine's loader is never touched.
test_naming_loader_replaced() {
	local ld
	naming_loader_setup
	local real
	real=$(realpath "$ld")
	unshare -m --propagation private sh -c 'exec "$0" -c "$1"' \
	    "$PROCHOOKD" "$T/p.conf" >"$T/out" 2>"$T/err" &
	DPID=$!
	echo "$DPID" >>"$T/daemons"
	wait_for "$T/err" "ready: privileges" || fail "not ready: $(cat "$T/err")"
	# First the user fills the event loop's list of loaders: programs
	# whose PT_INTERP names files of /etc (their execs fail, once the
	# files are noted).
	local f i=0
	for f in /etc/passwd /etc/group /etc/hosts /etc/shells /etc/hostname \
	    /etc/os-release /etc/issue /etc/fstab /etc/profile; do
		[ -f "$f" ] || continue
		python3 - "$real" "$f" "$T/u/interp$i" <<'PY' || fail "cannot make a program loaded by $f"
import sys
data = bytearray(open("/bin/true", "rb").read())
old, new = sys.argv[1].encode(), sys.argv[2].encode()
at = data.find(old + b"\0")
if at < 0:
    at = data.find(b"/lib64/ld-linux-x86-64.so.2\0")
assert at >= 0 and len(new) <= 27, "no PT_INTERP to patch"
end = data.index(b"\0", at)
data[at:end] = new + b"\0" * (end - at - len(new))
open(sys.argv[3], "wb").write(data)
PY
		chmod 755 "$T/u/interp$i"
		as_attacker "$T/u/interp$i" 2>/dev/null || true
		i=$((i + 1))
	done
	cp "$real" "$T/ld-copy"
	nsenter -t "$DPID" -m mount --bind "$T/ld-copy" "$real" ||
		fail "cannot bind-mount over $real in the daemon's namespace"
	local st=0
	nsenter -t "$DPID" -m -- setpriv --reuid="$NAMING_USER" \
	    --regid="$NAMING_USER" --clear-groups -- "$ld" --argv0 x \
	    "$T/u/forbidden" -c "sleep 1; : > $T/u/pwned" || st=$?
	naming_killed "$st" "the program run by the new loader"
}

# argv = { "" } is a known, empty command line: a "!" cmdline value
# matches it.
test_naming_empty_argv() {
	naming_setup
	local py
	py=$(readlink -f /usr/bin/python3)
	conf <<EOF
[only-allowed-python]
event = exec
exe = /usr/bin/python3*
uid = $NAMING_USER
cmdline = !"*allowed.py*"
action = kill
EOF
	start_daemon -c "$T/p.conf"
	local st=0
	printf 'import time\ntime.sleep(1)\nopen("%s", "w")\n' "$T/u/pwned" |
	    as_attacker bash -c "exec -a '' $py" || st=$?
	naming_killed "$st" "python with an empty argv"
}

# A script is named by its interpreter (exe) and its own path (script):
# a rule on the script's path matches its exit, and the hook is told both.
test_naming_script_key() {
	naming_setup
	record_hook
	printf '#!/bin/sh\nexit 3\n' >"$T/u/backup-home.sh"
	chmod 755 "$T/u/backup-home.sh"
	conf <<EOF
[backup-failed]
event = exit
script = $T/u/backup-*.sh
exit_status = !0
hook = rec
EOF
	start_daemon -c "$T/p.conf"
	setpriv --reuid="$NAMING_USER" --regid="$NAMING_USER" --clear-groups \
	    "$T/u/backup-home.sh" &
	local pid=$!
	wait $pid || true
	wait_file "$T/rec/backup-failed.$pid" || fail "the script's exit did not match"
	stop_daemon
	local f="$T/rec/backup-failed.$pid"
	grep -qx "PROCHOOK_SCRIPT=$T/u/backup-home.sh" "$f" || fail "SCRIPT: $(cat "$f")"
	grep -qx "PROCHOOK_EXE=$(readlink -f /bin/sh)" "$f" || fail "EXE: $(grep EXE "$f")"
	grep -q "^PROCHOOK_LOADER=" "$f" && fail "a LOADER for a script"
	# -t shows the key; a script rule that no file can match is not an error.
	"$PROCHOOKD" -t -c "$T/p.conf" | grep -q "script $T/u/backup-\\*.sh" ||
		fail "-t does not show the script key"
}

# A program in a directory the unprivileged event loop may not search is
# still named by its path (a file on one of the host's mounts needs no
# lookup), and a program run inside a private mount namespace at a path
# that is the same file on the host keeps its name too.
test_naming_private_directory() {
	mkdir -m 700 "$T/private"
	cp /bin/true "$T/private/tool"
	mkdir -m 755 "$T/open"
	cp /bin/true "$T/open/tool"
	start_daemon -m --json
	"$T/private/tool"
	unshare -m "$T/open/tool"
	stop_daemon
	[ "$(count_events "e['event'] == 'exec' and e.get('exe') == '$T/private/tool'")" = 1 ] ||
		fail "not named: $(grep private/tool "$T/out" | head -3)"
	[ "$(count_events "e['event'] == 'exec' and e.get('exe') == '$T/open/tool'")" = 1 ] ||
		fail "not named in a private mount namespace: $(grep open/tool "$T/out" | head -3)"
}
