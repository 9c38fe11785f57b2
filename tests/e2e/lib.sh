# lib.sh - shared helpers for the end-to-end tests.
#
# Each test is a function; run.sh calls them one by one.  A test fails by
# calling fail (or by any command failing under set -e in a subshell).

: "${PROCHOOKD:=./prochookd}"
PROCHOOKD=$(readlink -f "$PROCHOOKD")
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$E2E_DIR/../.." && pwd)
HELPER=$TOP/build/e2e-helper

fail() {
	echo "    FAIL: $*" >&2
	exit 1
}

# Start the daemon in the background with the given arguments; stdout
# goes to $T/out, stderr to $T/err.  Waits for "ready".  Sets DPID.
start_daemon() {
	"$PROCHOOKD" "$@" >"$T/out" 2>"$T/err" &
	DPID=$!
	echo "$DPID" >>"$T/daemons"
	local i
	for i in $(seq 1 100); do
		grep -q ready "$T/err" 2>/dev/null && return 0
		kill -0 "$DPID" 2>/dev/null || {
			cat "$T/err" >&2
			fail "prochookd exited before ready"
		}
		sleep 0.05
	done
	cat "$T/err" >&2
	fail "prochookd not ready after 5 s"
}

# Stop the daemon with SIGTERM; sets DSTATUS.
stop_daemon() {
	sleep "${1:-0.3}"
	kill -TERM "$DPID" 2>/dev/null || true
	DSTATUS=0
	wait "$DPID" || DSTATUS=$?
}

# Wait until a file contains a pattern (grep -E), at most 5 s.
wait_for() {
	local file=$1 pat=$2 i
	for i in $(seq 1 100); do
		grep -qE -- "$pat" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Query the JSON lines of $T/out with a Python expression over e (one
# event); prints the matching events, one per line, as JSON.
jq_events() {
	python3 - "$T/out" "$1" <<'PY'
import json, sys
expr = compile(sys.argv[2], "filter", "eval")
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if eval(expr, {}, {"e": e}):
        print(json.dumps(e))
PY
}

# Count the events matching a Python expression.
count_events() {
	jq_events "$1" | wc -l
}

# Every line of $T/out must be a JSON object.
all_json() {
	python3 - "$T/out" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line)
    n += 1
print(n)
PY
}

# Write $T/p.conf: a [daemon] section using $T/hooks and $T/rules.d, the
# extra [daemon] keys given as arguments, then the rules read from stdin.
conf() {
	mkdir -p "$T/hooks" "$T/rules.d"
	{
		echo "[daemon]"
		echo "hooks_dir = $T/hooks"
		echo "rules_dir = $T/rules.d"
		local kv
		for kv in "$@"; do echo "$kv"; done
		echo
		cat
	} >"$T/p.conf"
}

# Write an executable hook $T/hooks/NAME from stdin.
hook() {
	mkdir -p "$T/hooks"
	cat >"$T/hooks/$1"
	chmod 755 "$T/hooks/$1"
}

# A hook that records its arguments and environment in $T/rec/RULE.PID.
record_hook() {
	mkdir -p "$T/rec"
	chmod 777 "$T/rec"
	hook "${1:-rec}" <<HOOK
#!/bin/sh
f=$T/rec/\$PROCHOOK_RULE.\$PROCHOOK_PID
{ printf 'ARGV=%s|%s|%s\\n' "\$0" "\$1" "\$2"; env; } >"\$f.tmp"
mv "\$f.tmp" "\$f"
HOOK
}

# Wait for a file to exist, at most 5 s.
wait_file() {
	local i
	for i in $(seq 1 100); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# Pids of the interpreters running the script hook $T/hooks/NAME: each
# reads the script as /dev/fd/3 (see prochookd(8)), so its command line
# does not name the hook.
hook_pids() {
	local f d
	for f in $(find /proc/[0-9]*/fd/3 -maxdepth 0 -lname "$T/hooks/$1" 2>/dev/null); do
		d=${f%/fd/3}
		tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q '^[^ ]* /dev/fd/3 ' &&
			echo "${d#/proc/}"
	done
	return 0
}

# Create the ordinary user NAME if missing (a regular account, uid 1000
# and up, with its own group, no home, no login shell), and print it.
ordinary_user() {
	getent passwd "$1" >/dev/null ||
		useradd --user-group --no-create-home --home-dir / \
		    --shell /usr/sbin/nologin "$1" >/dev/null ||
		fail "cannot create the user $1"
	echo "$1"
}

# Run a command as the user NAME (and its group), without supplementary
# groups: as_user NAME COMMAND [ARG ...]
as_user() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --clear-groups -- "$@"
}
