# t_namecache.sh - the name cache (src/namecache.c) never names a program
# by a path it no longer has.  An ordinary user renames and links files in
# a sticky directory (as /tmp is) and renames a directory of theirs; root
# renames a directory of its own, which is seen within a second.  Each test
# first checks, from the SIGUSR1 counters, that the cache served the path of
# the file run twice: otherwise it would not test what it claims.

# $T/st: root's, sticky, writable by all (as /tmp).
names_setup() {
	gate_setup
	mkdir -p "$T/st"
	chmod 1777 "$T/st"
}

# names_kept WHO: how many paths WHO ("fanotify", the event loop, or "gate")
# has taken from the name cache, from a fresh SIGUSR1.
names_kept() {
	local before
	sleep 0.2	# the events of what just ran are handled
	before=$(grep -c "paths from the name cache" "$T/err")
	kill -USR1 "$DPID"
	local i
	for i in $(seq 1 100); do
		[ "$(grep -c "paths from the name cache" "$T/err")" -gt "$before" ] &&
			break
		sleep 0.05
	done
	sleep 0.2
	grep "$1: .*paths from the name cache" "$T/err" | tail -1 |
	    sed -n 's/.* \([0-9]*\) paths from the name cache.*/\1/p'
}

# names_used WHO: the cache served at least one path (WHO as names_kept).
names_used() {
	local n
	n=$(names_kept "$1")
	[ -n "$n" ] || fail "no $1 counters after SIGUSR1: $(tail -5 "$T/err")"
	[ "$n" -gt 0 ] || fail "the $1 name cache served no path: the test would not test it"
}

# names_logged RULE PATH: the rule logged an exec of PATH.
names_logged() {
	wait_for "$T/err" "rule $1 \(log\): .* exec .*$2" ||
		fail "rule $1 did not log the exec of $2: $(grep "rule $1" "$T/err")"
}

# The rule [evil] logs execs of $T/st/evil*; the user's $T/st/prog, run
# twice, has its path cached.
names_user_prog_cached() {
	names_setup
	conf <<EOF
[evil]
event = exec
exe = $T/st/evil*
action = log
EOF
	start_daemon -c "$T/p.conf"
	as_user "$GATE_USER" cp /bin/true "$T/st/prog"
	as_user "$GATE_USER" "$T/st/prog"
	as_user "$GATE_USER" "$T/st/prog"
	names_used fanotify
}

# A user's program run twice (its path cached), renamed, run again: named by
# its new path at once (a rename changes the file's ctime).
test_names_user_renames_file() {
	names_user_prog_cached
	as_user "$GATE_USER" mv "$T/st/prog" "$T/st/evil-prog"
	as_user "$GATE_USER" "$T/st/evil-prog"
	names_logged evil "$T/st/evil-prog"
	stop_daemon
	[ "$(grep -c "rule evil (log)" "$T/err")" = 1 ] || fail "matched more: $(grep "rule evil" "$T/err")"
}

# A hard link to a cached file: run by the link, named by the link; run by
# its first name again, not.
test_names_user_links_file() {
	names_user_prog_cached
	as_user "$GATE_USER" ln "$T/st/prog" "$T/st/evil-link"
	as_user "$GATE_USER" "$T/st/evil-link"
	names_logged evil "$T/st/evil-link"
	as_user "$GATE_USER" "$T/st/prog"
	as_user "$GATE_USER" "$T/st/prog"
	stop_daemon
	[ "$(grep -c "rule evil (log)" "$T/err")" = 1 ] || fail "matched more: $(grep "rule evil" "$T/err")"
}

# A user's directory renamed (the files in it keep their ctime): named by
# the new path at once.  A root program run twice first shows the cache on.
test_names_user_renames_directory() {
	names_setup
	conf <<EOF
[evil]
event = exec
exe = $T/st/evil/*
action = log
EOF
	mkdir -p "$T/bin"
	cp /bin/true "$T/bin/root-prog"
	start_daemon -c "$T/p.conf"
	"$T/bin/root-prog"
	"$T/bin/root-prog"
	names_used fanotify
	as_user "$GATE_USER" mkdir "$T/st/d"
	as_user "$GATE_USER" cp /bin/true "$T/st/d/prog"
	as_user "$GATE_USER" "$T/st/d/prog"
	as_user "$GATE_USER" "$T/st/d/prog"
	as_user "$GATE_USER" mv "$T/st/d" "$T/st/evil"
	as_user "$GATE_USER" "$T/st/evil/prog"
	names_logged evil "$T/st/evil/prog"
	stop_daemon
}

# Root renames a directory of its own: the old path may be served for up
# to a second (NAMECACHE_TTL_NS, see prochookd(8)), never longer.
test_names_root_rename_seen_within_a_second() {
	names_setup
	conf <<EOF
[evil]
event = exec
exe = $T/r/evil/*
action = log
EOF
	mkdir -p "$T/r/bin"
	cp /bin/true "$T/r/bin/prog"
	start_daemon -c "$T/p.conf"
	"$T/r/bin/prog"
	"$T/r/bin/prog"
	names_used fanotify
	mv "$T/r/bin" "$T/r/evil"
	sleep 1.2
	"$T/r/evil/prog"
	names_logged evil "$T/r/evil/prog"
	stop_daemon
}

# The gate: a user's file run twice (allowed, its path cached), renamed to
# a denied name: refused at once; so is the new name of a renamed directory.
test_names_gate_user_renames() {
	names_setup
	conf <<EOF
[evil]
event = exec
exe = $T/st/evil*
action = deny
EOF
	start_daemon -c "$T/p.conf"
	as_user "$GATE_USER" cp "$HELPER" "$T/st/prog"
	local st out
	for i in 1 2; do
		st=0
		gate_exec_as "$GATE_USER" "$T/st/prog" create-after 0 "$T/rec/ran$i" || st=$?
		gate_ran "the allowed name, run $i" "$st" "$T/rec/ran$i"
	done
	names_used gate
	as_user "$GATE_USER" mv "$T/st/prog" "$T/st/evil-prog"
	st=0
	out=$(gate_exec_as "$GATE_USER" "$T/st/evil-prog" create-after 0 "$T/rec/ran-evil") || st=$?
	gate_refused "the renamed file" "$st" "$out"
	gate_not_run "the renamed file" "$T/rec/ran-evil"
	as_user "$GATE_USER" mkdir "$T/st/d"
	as_user "$GATE_USER" cp "$HELPER" "$T/st/d/prog"
	st=0
	gate_exec_as "$GATE_USER" "$T/st/d/prog" create-after 0 "$T/rec/ran-d" || st=$?
	gate_ran "the allowed directory" "$st" "$T/rec/ran-d"
	as_user "$GATE_USER" mv "$T/st/d" "$T/st/evil-d"
	st=0
	out=$(gate_exec_as "$GATE_USER" "$T/st/evil-d/prog" create-after 0 "$T/rec/ran-evil-d") || st=$?
	gate_refused "the renamed directory" "$st" "$out"
	gate_not_run "the renamed directory" "$T/rec/ran-evil-d"
	stop_daemon
}
