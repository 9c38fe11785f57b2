# t_gatequiet.sh - execs left to the gate: when every rule is a deny or
# ask rule on exact paths that only root may replace, the gate alone
# judges them and the event loop is told of no exec (an exec storm never
# wakes it).  Uses t_gate.sh's helpers.  What an ordinary user tries
# against that: the loader run as a command, and the same rule on a file
# the user may replace (then the loop keeps watching).

GATEQ_USER=phgateq

# The exec counter of the event loop's last SIGUSR1 lines.
gateq_loop_execs() {
	sed -n 's/.*events: fork [0-9]*, exec \([0-9]*\),.*/\1/p' "$T/err" | tail -1
}

# SIGUSR1, then wait for its Nth "events:" line.
gateq_usr1() {
	kill -USR1 "$DPID"
	local i
	for i in $(seq 1 100); do
		[ "$(grep -c 'events: fork' "$T/err")" -ge "$1" ] && return 0
		sleep 0.05
	done
	fail "no counters after SIGUSR1: $(cat "$T/err")"
}

# t_gate.sh's set-up, the user, and the file to deny, $T/bin/forbidden.
gateq_setup() {
	gate_setup
	ordinary_user "$GATEQ_USER" >/dev/null
	cp "$HELPER" "$T/bin/forbidden"
}

# gateq_conf [PATH]: the user's execs of PATH ($T/bin/forbidden) denied.
gateq_conf() {
	conf <<EOF
[no-forbidden-for-phgateq]
event = exec
exe = ${1:-$T/bin/forbidden}
uid = $GATEQ_USER
action = deny
EOF
}

# The user's exec of $T/bin/forbidden is refused before it runs (WHAT).
gateq_user_refused() {
	local st=0 out
	out=$(gate_exec_as "$GATEQ_USER" "$T/bin/forbidden" create-after 0 "$T/rec/ran") || st=$?
	gate_refused "$1" "$st" "$out"
	gate_not_run "$1" "$T/rec/ran"
}

# Start the daemon [with ARGS] on $T/p.conf; execs are left to the gate.
gateq_start_quiet() {
	start_daemon "$@" -c "$T/p.conf"
	grep -q "execs left to the gate" "$T/err" ||
		fail "the loop still sees execs: $(cat "$T/err")"
}

# gateq_watched WHY [ARGS]: with ARGS, the loop keeps watching execs.
gateq_watched() {
	local why=$1
	shift
	start_daemon "$@" -c "$T/p.conf"
	grep -q "execs left to the gate" "$T/err" &&
		fail "execs left to the gate $why"
	return 0
}

# gateq_quiet_again N WHAT: execs are left to the gate for the Nth time.
gateq_quiet_again() {
	local i
	for i in $(seq 1 100); do
		[ "$(grep -c 'execs left to the gate' "$T/err")" = "$1" ] && return 0
		sleep 0.05
	done
	fail "execs not left to the gate $2: $(cat "$T/err")"
}

# The loop is told of no exec, and the gate still refuses: the user's
# exec of the file is refused, root's runs, 50 other execs go by.
test_gatequiet_loop_sees_no_execs() {
	gateq_setup
	gateq_conf
	gateq_start_quiet
	gateq_usr1 1
	local before after st=0 i
	before=$(gateq_loop_execs)
	for i in $(seq 1 50); do /bin/true; done
	gateq_user_refused "the user's exec"
	gate_exec "$T/bin/forbidden" create-after 0 "$T/rec/ran-root" || st=$?
	gate_ran "root's exec" "$st" "$T/rec/ran-root"
	gateq_usr1 2
	after=$(gateq_loop_execs)
	[ "$before" = "$after" ] ||
		fail "the loop was told of $((after - before)) execs, want none"
	wait_for "$T/err" "no-forbidden-for-phgateq \(deny\):" ||
		fail "the refusal was not logged: $(cat "$T/err")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# The loader run as a command (ld.so PROGRAM) opens the program without
# an exec of it, and the loop, told of no exec, cannot kill it afterwards:
# the gate judges the loader's open of the marked file, and refuses it.
test_gatequiet_loader() {
	gateq_setup
	gateq_conf
	gateq_start_quiet
	gate_loader_refused "$GATEQ_USER" "$T/bin/forbidden" "$T/rec/ran"
	# The loader itself, and what it runs otherwise, still run.
	local ld st=0
	ld=$(readelf -l /bin/sh | sed -n 's/.*interpreter: \(.*\)]/\1/p')
	as_user "$GATEQ_USER" "$ld" /bin/true || st=$?
	[ "$st" = 0 ] || fail "ld.so /bin/true: status $st"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# The same rule on a file in a directory the user owns: the user may put
# another file at that path, which no mark covers until the gate's next
# check, so the loop keeps watching execs: the new file, run at once, is
# refused or killed before its body runs.  --dry-run, where the gate
# allows everything, keeps the loop watching too.
test_gatequiet_user_dir_stays_watched() {
	gate_setup
	ordinary_user "$GATEQ_USER" >/dev/null
	cp "$HELPER" "$T/u/forbidden"
	chown "$GATEQ_USER:" "$T/u" "$T/u/forbidden"
	gateq_conf "$T/u/forbidden"
	gateq_watched "for a file the user may replace"
	as_user "$GATEQ_USER" cp "$HELPER" "$T/u/new" || fail "cp"
	as_user "$GATEQ_USER" mv "$T/u/new" "$T/u/forbidden" || fail "mv"
	local st=0 out
	out=$(gate_exec_as "$GATEQ_USER" "$T/u/forbidden" create-after 3000 "$T/u/ran") || st=$?
	gate_refused_or_killed "the file put in its place" "$st" "$out" "$T/u/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
	cp "$HELPER" "$T/bin/forbidden"
	gateq_conf
	gateq_watched "with --dry-run" --dry-run
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
	# A link in root's directory to the user's file: the file marked is
	# the user's, so the loop keeps watching.
	ln -s "$T/u/forbidden" "$T/bin/link"
	gateq_conf "$T/bin/link"
	gateq_watched "for a link to the user's file"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
	# A link to nowhere: its target may appear anywhere.
	ln -s "$T/u/nothing-yet" "$T/bin/dangling"
	gateq_conf "$T/bin/dangling"
	gateq_watched "for a link to nowhere"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A reload that adds a rule the gate cannot judge alone: the loop is told
# of execs again, and learns what ran while it was not (a program started
# then is named at its exit); a reload back leaves execs to the gate again.
test_gatequiet_reload() {
	gateq_setup
	cp /bin/sleep "$T/bin/longrun"
	gateq_conf
	cp "$T/p.conf" "$T/quiet.conf"
	gateq_start_quiet
	"$T/bin/longrun" 60 &
	local lp=$!
	sleep 0.2
	cat >>"$T/p.conf" <<EOF

[longrun-exit]
event = exit
exe = $T/bin/longrun
action = log
EOF
	kill -HUP "$DPID"
	wait_for "$T/err" "the event loop sees execs again" ||
		fail "no return to watching execs: $(cat "$T/err")"
	wait_for "$T/err" "execs watched again; [0-9]+ processes read" ||
		fail "the loop did not read the processes: $(cat "$T/err")"
	kill "$lp"
	wait "$lp" 2>/dev/null || true
	wait_for "$T/err" "longrun-exit \(log\):.* $T/bin/longrun " ||
		fail "the program started before the reload was not named at" \
		    "its exit: $(cat "$T/err")"
	# The gate still refuses.
	gateq_user_refused "the user's exec after the reload"
	cp "$T/quiet.conf" "$T/p.conf"
	kill -HUP "$DPID"
	wait_for "$T/err" "configuration 3 in force" ||
		fail "the third configuration: $(cat "$T/err")"
	# Once the gate says it has marked the files.
	gateq_quiet_again 2 "again"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A reload that names the same file by another path (a link, a hard
# link): a mark belongs to the file, and removing the old path's would
# unmark the new one, while execs are left to the gate.
test_gatequiet_reload_same_file() {
	gateq_setup
	ln -s "$T/bin/forbidden" "$T/bin/link"
	ln "$T/bin/forbidden" "$T/bin/hard"
	gateq_conf
	gateq_start_quiet
	local n=1 path
	for path in "$T/bin/link" "$T/bin/hard"; do
		n=$((n + 1))
		gateq_conf "$path"
		kill -HUP "$DPID"
		gateq_quiet_again "$n" "for $path"
		gateq_user_refused "the user's exec after a reload to $path"
	done
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A file that exists but that the gate cannot mark (/proc refuses
# permission events): the loop keeps watching execs, at start and after a
# reload, which the gate answers with what it marked.  A reload back
# leaves execs to the gate again.
test_gatequiet_unmarked_stays_watched() {
	gateq_setup
	local unmarkable=/proc/sys/kernel/hostname
	[ -e "$unmarkable" ] || fail "no $unmarkable"
	gateq_conf
	cp "$T/p.conf" "$T/quiet.conf"
	cat >>"$T/p.conf" <<EOF

[no-hostname-file]
event = exec
exe = $unmarkable
action = deny
EOF
	cp "$T/p.conf" "$T/unmarked.conf"
	gateq_watched "at start, with a file the gate cannot mark"
	grep -q "the gate could not mark 1 of the files" "$T/err" ||
		fail "no word of the file not marked at start: $(cat "$T/err")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
	cp "$T/quiet.conf" "$T/p.conf"
	gateq_start_quiet
	cp "$T/unmarked.conf" "$T/p.conf"
	kill -HUP "$DPID"
	wait_for "$T/err" "gate: configuration 2 in force" ||
		fail "the second configuration: $(cat "$T/err")"
	# Time for a wrong turn to quiet (the build before waited a second).
	sleep 1.5
	gateq_usr1 1
	local before after i
	before=$(gateq_loop_execs)
	for i in $(seq 1 20); do /bin/true; done
	gateq_usr1 2
	after=$(gateq_loop_execs)
	[ "$((after - before))" -ge 20 ] ||
		fail "the loop was told of $((after - before)) execs, want 20"
	[ "$(grep -c 'execs left to the gate' "$T/err")" = 1 ] ||
		fail "execs left to the gate after the reload: $(cat "$T/err")"
	grep -q "the gate could not mark 1 of the files" "$T/err" ||
		fail "no word of the file not marked: $(cat "$T/err")"
	# It learnt from /proc what ran while it saw no execs.
	grep -qE "execs watched again; [0-9]+ processes read" "$T/err" ||
		fail "the loop did not read the processes: $(cat "$T/err")"
	gateq_user_refused "the user's exec after the reload"
	cp "$T/quiet.conf" "$T/p.conf"
	kill -HUP "$DPID"
	gateq_quiet_again 2 "again"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# Root puts a file the gate cannot mark at a marked path while execs are
# left to the gate (here a bind mount of a /proc file): the gate's next
# check says so, and the event loop is shown execs again.
test_gatequiet_replaced_unmarkable() {
	gateq_setup
	gateq_conf
	gateq_start_quiet
	mount --bind /proc/sys/kernel/hostname "$T/bin/forbidden" ||
		fail "cannot bind-mount over the denied file"
	wait_for "$T/err" "the gate could not mark 1 of the files" ||
		{ umount "$T/bin/forbidden"; fail "no word of the file not marked: $(cat "$T/err")"; }
	wait_for "$T/err" "the event loop sees execs again" ||
		{ umount "$T/bin/forbidden"; fail "execs not shown to the loop: $(cat "$T/err")"; }
	wait_for "$T/err" "execs watched again; [0-9]+ processes read" ||
		{ umount "$T/bin/forbidden"; fail "the loop did not read the processes: $(cat "$T/err")"; }
	umount "$T/bin/forbidden"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# The file system of the denied file unmounted and mounted again (an
# automount's idle timeout does it): the marks went with the unmount, and
# the file comes back with the same device, inode and change time, which
# the gate's check took for the marked file.  It marks again on a change
# of the mounts, and the user's exec is still refused.
test_gatequiet_remounted() {
	gateq_setup
	command -v mkfs.ext4 >/dev/null || fail "mkfs.ext4 is missing (e2fsprogs)"
	truncate -s 16M "$T/fs.img"
	mkfs.ext4 -q -F "$T/fs.img" || fail "mkfs.ext4"
	mkdir -p "$T/mnt"
	mount -o loop "$T/fs.img" "$T/mnt" || fail "cannot mount a loop device"
	chmod 755 "$T/mnt"
	cp "$HELPER" "$T/mnt/forbidden"
	umount "$T/mnt"
	mount -o loop "$T/fs.img" "$T/mnt" || fail "cannot mount it again"
	gateq_conf "$T/mnt/forbidden"
	gateq_start_quiet
	umount "$T/mnt" || fail "cannot unmount"
	mount -o loop "$T/fs.img" "$T/mnt" || fail "cannot mount it again"
	# The gate's look at the mounts, and its check a second later.
	sleep 1.5
	local st=0 out
	out=$(gate_exec_as "$GATEQ_USER" "$T/mnt/forbidden" create-after 0 "$T/rec/ran") || st=$?
	umount "$T/mnt"
	gate_refused "the user's exec after the remount" "$st" "$out"
	gate_not_run "the user's exec after the remount" "$T/rec/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# The user mounts an overlay (in a namespace of the user's own) whose
# lower layer holds the denied file, and runs it through the overlay:
# another mount and another inode in name, the same file underneath.
test_gatequiet_overlay() {
	gateq_setup
	gateq_conf
	mkdir "$T/u/upper" "$T/u/work" "$T/u/merged"
	chown -R "$GATEQ_USER:" "$T/u"
	gateq_start_quiet
	local st=0 out
	out=$(as_user "$GATEQ_USER" unshare -Urm sh -c \
	    "mount -t overlay overlay -o lowerdir=$T/bin,upperdir=$T/u/upper,workdir=$T/u/work $T/u/merged &&
	     exec /usr/bin/python3 $T/exec.py $T/u/merged/forbidden create-after 3000 $T/u/ran") || st=$?
	gate_refused_or_killed "the program run through an overlay" "$st" "$out" "$T/u/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# Root replaces the denied file as a package upgrade does (a new file
# renamed over it) and the user runs the new one at once: its inode is
# marked as soon as it is renamed there (or created), not at the gate's
# next check a second later, which the event loop no longer backs up.
test_gatequiet_replaced_at_once() {
	gateq_setup
	gateq_conf
	gateq_start_quiet
	local i
	for i in 1 2 3; do
		cp "$HELPER" "$T/bin/.forbidden.new"
		mv "$T/bin/.forbidden.new" "$T/bin/forbidden"
		gateq_user_refused "the new file, run at once (round $i)"
	done
	# A file created at a named path that did not exist.
	rm -f "$T/bin/forbidden"
	sleep 0.2
	cp "$HELPER" "$T/bin/forbidden"
	gateq_user_refused "the file created at the path"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# The user opens the denied file (O_PATH: no read right needed) before
# root replaces it, and runs it through that descriptor afterwards: the
# replaced file keeps its rule's name, and is refused.
test_gatequiet_replaced_kept_descriptor() {
	gateq_setup
	chmod 711 "$T/bin/forbidden"
	gateq_conf
	gateq_start_quiet
	cat >"$T/keep.py" <<'PY'
import errno, os, sys, time
fd = os.open(sys.argv[1], os.O_PATH)
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]):
    time.sleep(0.05)
try:
    os.execve(fd, [sys.argv[1], "create-after", "0", sys.argv[3]], {})
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
    sys.exit(100)
PY
	as_user "$GATEQ_USER" /usr/bin/python3 "$T/keep.py" "$T/bin/forbidden" \
	    "$T/rec/opened" "$T/rec/ran" >"$T/keep.out" 2>&1 &
	local kp=$! st=0 i
	for i in $(seq 1 100); do [ -e "$T/rec/opened" ] && break; sleep 0.05; done
	[ -e "$T/rec/opened" ] || fail "the user's program did not start"
	cp "$HELPER" "$T/bin/.forbidden.new"
	chmod 711 "$T/bin/.forbidden.new"
	mv "$T/bin/.forbidden.new" "$T/bin/forbidden"
	wait_for "$T/err" "marked file was replaced" ||
		fail "the replacement was not seen: $(cat "$T/err")"
	rm "$T/rec/opened"
	wait "$kp" || st=$?
	gate_refused "the replaced file run through a kept descriptor" "$st" \
	    "$(cat "$T/keep.out")"
	gate_not_run "the replaced file run through a kept descriptor" "$T/rec/ran"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# An exec opens its file twice (for the exec, then plainly), and a
# process the loader runs as a command is judged at its plain opens: an
# exec such a process makes is judged once, at the exec, not again.
test_gatequiet_exec_judged_once() {
	gateq_setup
	gateq_conf
	gateq_start_quiet
	local ld st=0
	ld=$(readelf -l /bin/sh | sed -n 's/.*interpreter: \(.*\)]/\1/p')
	# Root's exec (allowed) from python run by the loader.
	"$ld" /usr/bin/python3 "$T/exec.py" "$T/bin/forbidden" create-after 0 "$T/rec/ran" || st=$?
	gate_ran "root's exec from a program the loader runs" "$st" "$T/rec/ran"
	kill -USR1 "$DPID"
	wait_for "$T/err" "gate: answer latency" || fail "no gate counters"
	grep -q " 0 programs opened by the loader run as a command judged" "$T/err" ||
		fail "the exec was judged again at its plain open: $(grep 'gate:' "$T/err")"
	# Root's ld.so PROGRAM: judged at the open (and allowed: not the user).
	rm -f "$T/rec/ran"
	st=0
	"$ld" "$T/bin/forbidden" create-after 0 "$T/rec/ran" || st=$?
	gate_ran "root's ld.so PROGRAM" "$st" "$T/rec/ran"
	kill -USR1 "$DPID"
	for st in $(seq 1 100); do
		grep -q " 1 programs opened by the loader run as a command judged" "$T/err" && break
		sleep 0.05
	done
	grep -q " 1 programs opened by the loader run as a command judged" "$T/err" ||
		fail "ld.so PROGRAM was not judged: $(grep 'gate:' "$T/err")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}

# A rule on prochookd's own file: the gate, which now also judges plain
# opens of the files it marks, never opens that file itself (it would
# wait for its own answer); the daemon starts, and refuses the user.
test_gatequiet_own_file() {
	gateq_setup
	gateq_conf "$PROCHOOKD"
	start_daemon -c "$T/p.conf"
	local st=0 out
	out=$(gate_exec_as "$GATEQ_USER" "$PROCHOOKD" --version) || st=$?
	gate_refused "the user's exec of prochookd" "$st" "$out"
	kill -USR1 "$DPID"
	wait_for "$T/err" "gate: answer latency" ||
		fail "the gate does not answer: $(cat "$T/err")"
	stop_daemon
	[ "$DSTATUS" = 0 ] || fail "exit $DSTATUS"
}
