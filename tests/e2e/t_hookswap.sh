# t_hookswap.sh - a hook path that an ordinary user can redirect.
#
# The attacker is phswap, an ordinary user the tests create.  Every hook
# path goes through a symlink; the user tries to make it lead to a script
# of his own, which, run as root, writes its uid to $T/pwned.

HOOKSWAP_USER=phswap

# Create the attacker if missing; sets SWAP_UID.
hookswap_user() {
	ordinary_user "$HOOKSWAP_USER" >/dev/null
	SWAP_UID=$(id -u "$HOOKSWAP_USER")
}

# Run a command as the attacker.
as_swap() {
	as_user "$HOOKSWAP_USER" "$@"
}

# The root hook $T/hooks/real, which records each run in $T/rec/real, and
# the rule [r]: any exec of $T/bin/trig runs hook tt.  trig is sleep: a
# trigger that lives a while is seen even if other tests on the machine
# make the kernel drop events (the rescan after a loss finds it).
hookswap_setup() {
	hookswap_user
	mkdir -p "$T/bin" "$T/rec"
	chmod 777 "$T/rec"
	cp /bin/sleep "$T/bin/trig"
	hook real <<EOF
#!/bin/sh
echo "\$0 \$1 \$2" >>$T/rec/real
EOF
	conf <<EOF
[r]
event = exec
exe = $T/bin/trig
hook = tt
EOF
}

# As the attacker, write the script $1 that records who ran it.
hookswap_evil() {
	as_swap sh -c "printf '#!/bin/sh\nid -u >>$T/pwned\n' >'$1' && chmod 755 '$1'" ||
		fail "the user could not write $1"
}

# As the attacker, in the background: flip the symlink $1 between the
# root hook and the script $2, atomically, until killed (or for 2 minutes
# at most).  Sets FLIPPER, the flipping process itself.
hookswap_flip() {
	setpriv --reuid="$HOOKSWAP_USER" --regid="$HOOKSWAP_USER" --clear-groups \
		/usr/bin/python3 - "$1" "$T/hooks/real" "$2" <<'PY' &
import os, sys, time
link, good, evil = sys.argv[1:]
tmp = link + ".new"
end = time.monotonic() + 120
while time.monotonic() < end:
    for target in (good, evil):
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        os.symlink(target, tmp)
        os.rename(tmp, link)
PY
	FLIPPER=$!
}

# Trigger rule [r] N times as the attacker, then wait until hook tt's
# outcomes stop coming for a second (at most 60 s).
hookswap_fire() {
	as_swap sh -c "i=0; while [ \$i -lt $1 ]; do $T/bin/trig 0.3 & i=\$((i + 1)); done; wait"
	local last=-1 now i
	for i in $(seq 1 60); do
		now=$({ grep "hook tt" "$T/err"; cat "$T/rec/real"; } 2>/dev/null | wc -l)
		[ "$now" = "$last" ] && break
		last=$now
		sleep 1
	done
}

# -t, start-up and reload refuse a hook path through a symlink in a
# directory the user owns, or one that a group can write, even though the
# file at the end is root's.
test_hookswap_check_refuses() {
	hookswap_setup
	mkdir "$T/u"
	chown "$HOOKSWAP_USER" "$T/u"
	as_swap ln -s "$T/hooks/real" "$T/u/link" || fail "the user could not link"
	ln -s "$T/u/link" "$T/hooks/tt"
	local st=0
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || st=$?
	[ "$st" = 1 ] || fail "-t accepted a hook through the user's symlink (exit $st)"
	grep -q "hook 'tt' of rule \[r\] refused: $T/u: directory owned by uid $SWAP_UID, not root" "$T/err" ||
		fail "message: $(cat "$T/err")"

	# A symlink in a root-owned directory that a group can write.
	mkdir -m 775 "$T/g"
	chgrp "$HOOKSWAP_USER" "$T/g"
	ln -s "$T/hooks/real" "$T/g/link"
	ln -sfn "$T/g/link" "$T/hooks/tt"
	st=0
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || st=$?
	[ "$st" = 1 ] || fail "-t accepted a hook through a group-writable directory"
	grep -q "hook 'tt' of rule \[r\] refused: $T/g: directory writable by group" "$T/err" ||
		fail "message: $(cat "$T/err")"

	# The same at start-up: exit 1.
	ln -sfn "$T/u/link" "$T/hooks/tt"
	st=0
	"$PROCHOOKD" -c "$T/p.conf" >"$T/out" 2>"$T/err" || st=$?
	[ "$st" = 1 ] || fail "started with the unsafe hook (exit $st)"
	grep -q "hook 'tt' of rule \[r\] refused: $T/u: directory owned by uid $SWAP_UID" "$T/err" ||
		fail "start-up message: $(cat "$T/err")"

	# And on reload: refused, the old configuration stays in force.
	ln -sfn real "$T/hooks/tt"
	start_daemon -c "$T/p.conf"
	ln -sfn "$T/u/link" "$T/hooks/tt2"
	sed -i 's/^hook = tt$/hook = tt2/' "$T/p.conf"
	kill -HUP "$DPID"
	wait_for "$T/err" "hook 'tt2' of rule \[r\] refused: $T/u: directory owned by uid $SWAP_UID" ||
		fail "reload message: $(cat "$T/err")"
	as_swap "$T/bin/trig" 0.3
	wait_file "$T/rec/real" || fail "the old configuration's hook did not run"
	stop_daemon
	[ ! -e "$T/pwned" ] || fail "the user's script ran"
}

# The race: the set-up was safe at load; then the directory holding the
# symlink is given to the user, who flips the link between the root hook
# and his own script while firing the rule.  Every run must be refused,
# and his script never run.
test_hookswap_race_chown() {
	hookswap_setup
	mkdir "$T/d"
	ln -s "$T/hooks/real" "$T/d/link"
	ln -s "$T/d/link" "$T/hooks/tt"
	start_daemon -c "$T/p.conf"
	chown -hR "$HOOKSWAP_USER" "$T/d"
	hookswap_evil "$T/d/evil"
	hookswap_flip "$T/d/link" "$T/d/evil"
	hookswap_fire 300
	kill "$FLIPPER" || fail "the flipping loop died"
	wait "$FLIPPER" 2>/dev/null || true
	stop_daemon
	[ ! -e "$T/pwned" ] || fail "the user's script ran as uid $(sort -u "$T/pwned" | tr '\n' ' ')($(wc -l <"$T/pwned") of 300 runs)"
	grep -q "hook tt: refused: $T/d: directory owned by uid $SWAP_UID, not root" "$T/err" ||
		fail "no refusal logged: $(tail -5 "$T/err")"
}

# The same when a directory on the way is replaced, after load, by a
# symlink to a directory the user owns.
test_hookswap_race_dir_symlink() {
	hookswap_setup
	mkdir "$T/d" "$T/u"
	ln -s "$T/hooks/real" "$T/d/link"
	ln -s "$T/d/link" "$T/hooks/tt"
	chown "$HOOKSWAP_USER" "$T/u"
	as_swap ln -s "$T/hooks/real" "$T/u/link"
	start_daemon -c "$T/p.conf"
	mv "$T/d" "$T/d.old"
	ln -s "$T/u" "$T/d"
	hookswap_evil "$T/u/evil"
	hookswap_flip "$T/u/link" "$T/u/evil"
	hookswap_fire 300
	kill "$FLIPPER" || fail "the flipping loop died"
	wait "$FLIPPER" 2>/dev/null || true
	stop_daemon
	[ ! -e "$T/pwned" ] || fail "the user's script ran as uid $(sort -u "$T/pwned" | tr '\n' ' ')($(wc -l <"$T/pwned") of 300 runs)"
	grep -q "hook tt: refused: $T/u: directory owned by uid $SWAP_UID, not root" "$T/err" ||
		fail "no refusal logged: $(tail -5 "$T/err")"
}

# Symlinks that stay within root's directories are fine: a relative link
# to a link through a symlinked directory, at load and at run time.  A
# script gets its arguments; a binary also its path as argv[0], and no
# descriptor beyond 2.
test_hookswap_root_symlinks_run() {
	hookswap_setup
	mkdir -p "$T/lib/real.d"
	mv "$T/hooks/real" "$T/lib/real.d/real"
	cp "$HELPER" "$T/lib/real.d/bin"
	ln -s real.d "$T/lib/cur"
	ln -s "$T/lib/cur/real" "$T/lib/link"
	ln -s ../lib/./link "$T/hooks/tt"
	ln -s ../lib/cur/bin "$T/hooks/envhook"
	cat >>"$T/p.conf" <<EOF

[b]
event = exec
exe = $T/bin/trig
hook = envhook
EOF
	"$PROCHOOKD" -t -c "$T/p.conf" >"$T/out" 2>"$T/err" || fail "-t refused: $(cat "$T/err")"
	start_daemon -c "$T/p.conf"
	"$T/bin/trig" 0.3 &
	local pid=$!
	wait "$pid"
	wait_file "$T/rec/real" && wait_file "$T/rec/b.$pid" ||
		fail "the hooks did not run: $(cat "$T/err")"
	stop_daemon
	# A script reads itself through descriptor 3, so $0 is /dev/fd/3
	# (twice if the exec was also rebuilt after a loss of events).
	[ "$(sort -u "$T/rec/real")" = "/dev/fd/3 exec $pid" ] || fail "arguments: $(cat "$T/rec/real")"
	grep -q "^ARGV=$T/hooks/envhook|exec|$pid|\$" "$T/rec/b.$pid" ||
		fail "binary's argv: $(grep ARGV "$T/rec/b.$pid")"
	[ "$(grep '^FD ' "$T/rec/b.$pid" | cut -d' ' -f2 | tr '\n' ' ')" = "0 1 2 " ] ||
		fail "binary's descriptors: $(grep '^FD ' "$T/rec/b.$pid")"
	! grep -q refused "$T/err" || fail "refused: $(cat "$T/err")"
}
