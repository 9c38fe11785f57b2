# t_scripts.sh - scripts whose "#!" line is at the edge of what the kernel
# reads (its 256-byte buffer), named as the kernel runs them.  Found by
# the fuzzer's model of fs/binfmt_script.c (tests/fuzz/fuzz_binfmt.c).

SCRIPTS_USER=phscripts

# Run $T/u/$1 as an ordinary user under a rule on its script path, and
# check what the hook is told.  The rule is on the exit: these scripts end
# at once, and only the exec's notifications say that a script ran (an
# exec rule's script is confirmed from the live arguments, which a
# process already gone no longer has).
scripts_run() {
	ordinary_user "$SCRIPTS_USER" >/dev/null
	record_hook
	chmod 755 "$T/u/$1"
	conf <<EOF
[edge-script]
event = exit
script = $T/u/$1
hook = rec
EOF
	start_daemon -c "$T/p.conf"
	setpriv --reuid="$SCRIPTS_USER" --regid="$SCRIPTS_USER" --clear-groups \
	    "$T/u/$1" &
	local pid=$! i
	wait $pid || fail "the script failed: $?"
	for i in $(seq 1 20); do
		wait_file "$T/rec/edge-script.$pid" && break
	done
	stop_daemon
	local f="$T/rec/edge-script.$pid"
	[ -e "$f" ] || fail "the script's exec did not match its script rule"
	grep -qx "PROCHOOK_SCRIPT=$T/u/$1" "$f" || fail "SCRIPT: $(grep SCRIPT "$f")"
	grep -qx "PROCHOOK_EXE=$(readlink -f /bin/sh)" "$f" ||
		fail "EXE: $(grep EXE "$f")"
}

# A script that is only "#!/bin/sh", no newline: the kernel zero-pads the
# short file and runs /bin/sh, not "/bin/s" (issue 12 a).
test_scripts_no_newline() {
	mkdir -p "$T/u"
	printf '#!/bin/sh' >"$T/u/bare.sh"
	scripts_run bare.sh
}

# An interpreter name that fills bytes 2 to 254 and ends with a space at
# byte 255, the last the kernel reads: it runs (////.../bin/sh).
test_scripts_name_at_byte_255() {
	mkdir -p "$T/u"
	{
		printf '#!'
		printf '/%.0s' $(seq 1 247)
		printf 'bin/sh \nexit 0\n'
	} >"$T/u/edge.sh"
	[ "$(head -c 256 "$T/u/edge.sh" | tr -dc '\n' | wc -c)" = 0 ] ||
		fail "the test script has a newline in its first 256 bytes"
	[ "$(head -c 256 "$T/u/edge.sh" | tail -c 1)" = " " ] ||
		fail "byte 255 of the test script is not a space"
	scripts_run edge.sh
}
