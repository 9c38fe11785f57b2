# t_caches.sh - attacks by an ordinary user on what prochookd caches about
# executed files (found by a review acting as an attacker): the gate's and
# the event loop's view of a file's header (a write through a shared
# mapping leaves the ctime alone), the dynamic loader's path, mount ids
# (reused once freed), and the naming of a failed exec between two others
# amid a storm.  Helpers from t_gate.sh and t_namecache.sh.

# caches_flip FILE TEXT: as the user, overwrite the start of FILE with
# TEXT (\n escapes) through a shared mapping whose page was first read:
# on tmpfs (no page_mkwrite) the page is mapped writable at the read fault
# and the write changes neither mtime nor ctime.
caches_flip() {
	as_user "$GATE_USER" /usr/bin/python3 - "$1" "$2" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
_ = m[0]                        # read fault first: no write fault after
data = sys.argv[2].encode().decode("unicode_escape").encode("latin1")
m[0:len(data)] = data
m.close()
os.close(fd)
PY
}

# caches_shm: $ST, a sticky directory of root's on tmpfs (in /dev/shm;
# /run, where $T is, may be on ext4), removed when the test ends.
caches_shm() {
	local d
	d=$(mktemp -d /dev/shm/prochook-review.XXXXXX)
	chmod 1777 "$d"
	# The test runs in a subshell of its own (run.sh): gone when it ends.
	trap 'rm -rf "'"$d"'"' EXIT
	ST=$d
}

# caches_ctime FILE: its change time, to the nanosecond.
caches_ctime() {
	stat -c %z "$1"
}

# A trial build of the gate kept, with a file's path, that it had no #!
# line, by mount, device, inode and ctime, and did not read its header
# again.  The user runs an ELF file of theirs in a
# sticky tmpfs directory (cached), rewrites it into a shell script through
# a shared mapping (ctime unchanged on tmpfs), and runs it within the
# second: a rule denying scripts there must still refuse it.
test_caches_gate_elf_becomes_script() {
	names_setup
	caches_shm
	conf <<EOF
[no-scripts-here]
event = exec
script = $ST/*
action = deny
EOF
	start_daemon -c "$T/p.conf"
	# The rule works: a script there is refused.
	printf '#!/bin/sh\n: >%s\n' "$T/rec/ran-plain" >"$ST/plain"
	chown "$GATE_USER:" "$ST/plain"
	chmod 755 "$ST/plain"
	local st=0 out c0 c1
	out=$(gate_exec_as "$GATE_USER" "$ST/plain") || st=$?
	gate_refused "a plain script" "$st" "$out"
	gate_not_run "a plain script" "$T/rec/ran-plain"
	as_user "$GATE_USER" cp "$HELPER" "$ST/prog"
	as_user "$GATE_USER" chmod 755 "$ST/prog"
	# Run once: allowed, its path kept for a second.
	st=0
	gate_exec_as "$GATE_USER" "$ST/prog" create-after 0 "$T/rec/ran1" || st=$?
	gate_ran "the ELF program" "$st" "$T/rec/ran1"
	c0=$(caches_ctime "$ST/prog")
	caches_flip "$ST/prog" "#!/bin/sh\n: >$T/rec/ran-flipped; exit 0\n"
	c1=$(caches_ctime "$ST/prog")
	head -c 9 "$ST/prog" | grep -q '^#!/bin/sh' || fail "the file was not rewritten"
	[ "$c0" = "$c1" ] || fail "the rewrite changed the ctime: the test would not test it"
	st=0
	out=$(gate_exec_as "$GATE_USER" "$ST/prog") || st=$?
	gate_refused "the ELF file rewritten into a script" "$st" "$out"
	gate_not_run "the ELF file rewritten into a script" "$T/rec/ran-flipped"
	stop_daemon
}

# The same on ext4 (where $T is), where a write fault updates ctime once
# and later writes to the dirty page do not: the user maps the file, makes
# the page writable (ctime changes), tries to exec the file while it is
# mapped (ETXTBSY, but the gate judged the open first and kept its path),
# then writes the #! line through the mapping, unmaps it and runs it.
test_caches_gate_elf_becomes_script_ext4() {
	names_setup
	[ "$(stat -f -c %T "$T/st")" = ext2/ext3 ] || {
		echo "not ext4 here: nothing to test" >&2
		return 0
	}
	conf <<EOF
[no-scripts-here]
event = exec
script = $T/st/*
action = deny
EOF
	start_daemon -c "$T/p.conf"
	as_user "$GATE_USER" cp "$HELPER" "$T/st/prog"
	as_user "$GATE_USER" chmod 755 "$T/st/prog"
	local st=0 out
	as_user "$GATE_USER" /usr/bin/python3 - "$T/st/prog" "$T/rec/ran-flipped" >"$T/flip.out" <<'PY' || fail "the rewrite: $(cat "$T/flip.out")"
import mmap, os, subprocess, sys
p = sys.argv[1]
fd = os.open(p, os.O_RDWR)
m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
m[0:1] = m[0:1]                         # write fault: ctime changes now
c0 = os.stat(p).st_ctime_ns
try:
    subprocess.run([p], check=False)    # ETXTBSY: the gate saw an ELF file
    print("ran while mapped?")
except OSError as e:
    print("exec while mapped:", e.strerror)
data = ("#!/bin/sh\n: >%s; exit 0\n" % sys.argv[2]).encode()
m[0:len(data)] = data                   # no fault: ctime unchanged
m.close()
os.close(fd)
print("ctime", "unchanged" if os.stat(p).st_ctime_ns == c0 else "changed")
PY
	grep -q "ctime unchanged" "$T/flip.out" || fail "the rewrite changed the ctime: $(cat "$T/flip.out")"
	out=$(gate_exec_as "$GATE_USER" "$T/st/prog") || st=$?
	gate_refused "the ELF file rewritten into a script on ext4 ($(tr '\n' ' ' <"$T/flip.out"))" "$st" "$out"
	gate_not_run "the ELF file rewritten into a script on ext4" "$T/rec/ran-flipped"
	stop_daemon
}

# caches_set_interp FILE INTERP: rewrite FILE's PT_INTERP (in place: INTERP
# must fit in it) so that the kernel, and the event loop, take INTERP for
# its dynamic loader.
caches_set_interp() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
phoff, = struct.unpack_from("<Q", b, 0x20)
phentsize, phnum = struct.unpack_from("<HH", b, 0x36)
for i in range(phnum):
    o = phoff + i * phentsize
    typ, = struct.unpack_from("<I", b, o)
    if typ == 3:
        off, = struct.unpack_from("<Q", b, o + 8)
        size, = struct.unpack_from("<Q", b, o + 32)
        new = sys.argv[2].encode()
        assert len(new) < size, "interpreter path too long"
        b[off:off + size] = new + b"\0" * (size - len(new))
        break
else:
    sys.exit("no PT_INTERP")
open(sys.argv[1], "wb").write(b)
PY
}

# caches_user_loader: the user's programs $T/u/a and $T/u/b, b naming a
# (through a link in /tmp: the path must fit in b's PT_INTERP) as its
# loader; b is run, so that the event loop sees a as a loader, then a.
caches_user_loader() {
	local link
	link=$(mktemp -u /tmp/phrXXXXXX)
	as_user "$GATE_USER" cp "$HELPER" "$T/u/a"
	as_user "$GATE_USER" cp "$HELPER" "$T/u/b"
	as_user "$GATE_USER" ln -s "$T/u/a" "$link"
	caches_set_interp "$T/u/b" "$link"
	# b's exec names a as its loader (the kernel runs a in its place:
	# it crashes, without a loader of its own; that does not matter).
	as_user "$GATE_USER" "$T/u/b" exit 0 2>/dev/null || true
	as_user "$GATE_USER" "$T/u/a" exit 0
	rm -f "$link"
}

# A trial build of the event loop kept, for ever, the first path by which
# it saw each file some program named as its PT_INTERP ("no exec is named
# after a loader"), and served it for any later exec of that device and
# inode on a host mount.  But any user's program can name any file as its
# loader.  The user makes a program whose PT_INTERP is their own dynamic
# program "a", runs it (a is registered as a loader, and its path kept),
# renames a to "evil-a" and runs it: it must be named evil-a.
test_caches_loader_path_user_file() {
	gate_setup
	conf <<EOF
[evil]
event = exec
exe = $T/u/evil*
action = log

[user-programs]
event = exec
exe = $T/u/*
action = log
EOF
	start_daemon -c "$T/p.conf"
	caches_user_loader
	as_user "$GATE_USER" mv "$T/u/a" "$T/u/evil-a"
	as_user "$GATE_USER" "$T/u/evil-a" exit 0
	wait_for "$T/err" "rule user-programs \(log\): .* exec .*$T/u/[a-z-]* -- [^ ]*evil-a" ||
		fail "the exec of evil-a was not logged: $(grep "rule " "$T/err")"
	names_logged evil "$T/u/evil-a"
	stop_daemon
}

# The same path is kept by device and inode for the daemon's life: the
# user registers their file as a loader, deletes it, and the next program
# root installs nearby (ext4 hands out the freed inode again) is named by
# the user's old path.  Root's program must be named by its own path.
test_caches_loader_path_inode_reused() {
	gate_setup
	conf <<EOF
[tool]
event = exec
exe = $T/bin/tool
action = log

[user-programs]
event = exec
exe = $T/u/*
action = log
EOF
	start_daemon -c "$T/p.conf"
	local ino
	caches_user_loader
	ino=$(stat -c %i "$T/u/a")
	as_user "$GATE_USER" rm -f "$T/u/a" "$T/u/b"
	cp "$HELPER" "$T/bin/tool"
	[ "$(stat -c %i "$T/bin/tool")" = "$ino" ] || {
		echo "the inode was not handed out again: nothing to test" >&2
		stop_daemon
		return 0
	}
	"$T/bin/tool" exit 0
	wait_for "$T/err" "rule tool \\(log\\): .* exec .* $T/bin/tool -- " ||
		fail "root's new program was not named by its path: $(grep "rule " "$T/err")"
	stop_daemon
}

# caches_storm_start: the user forks and execs /bin/true without pause
# (the helper's "execs"), in a process group of its own; sets STORM.
caches_storm_start() {
	setsid bash -c 'exec setpriv --reuid="$0" --regid="$0" --clear-groups -- "$1" execs 10000000 /bin/true' \
	    "$GATE_USER" "$HELPER" &
	STORM=$!
	sleep 0.5
}

# caches_storm_stop: the storm's whole process group goes.
caches_storm_stop() {
	kill -TERM -- "-$STORM" 2>/dev/null || true
	wait "$STORM" 2>/dev/null || true
}

# caches_evade_runs N: the user runs $T/bin/evil N times; evil makes a
# failed exec of $T/bin/bad.elf (a PT_INTERP that does not exist), then
# execs $T/bin/benign, which lives 300 ms.
caches_evade_runs() {
	local i
	for i in $(seq 1 "$1"); do
		as_user "$GATE_USER" "$T/bin/evil" evade "$T/bin/bad.elf" \
		    "$T/bin/benign" sleep 300 || true
		sleep 0.05
	done
}

# Were one pid's execs handled in one batch (the loop letting events
# gather under a storm, as a trial build did), a failed exec between them
# would make the notes ambiguous, and every exec of that pid in the batch
# would be named from /proc: after the last one.  The user's program evil,
# logged by a rule, execs a failed file and then a benign program amid a
# storm of the user's: each run of evil must still be logged.
caches_storm_case() {
	gate_setup
	printf 'int main(void) { return 0; }\n' >"$T/bad.c"
	cc -o "$T/bin/bad.elf" "$T/bad.c" -Wl,--dynamic-linker=/nonexistent/ld.so ||
		fail "cannot build the bad ELF image"
	cp "$HELPER" "$T/bin/evil"
	cp "$HELPER" "$T/bin/benign"
	conf <<EOF
[evil]
event = exec
exe = $T/bin/evil
action = log
$1
EOF
	start_daemon -c "$T/p.conf"
	# Without a storm: every run logged.
	caches_evade_runs 10
	sleep 0.5
	local n
	n=$(grep -c "rule evil (log)" "$T/err" || true)
	[ "$n" = 10 ] || fail "without a storm, $n of 10 runs of evil logged"
	trap caches_storm_stop EXIT
	caches_storm_start
	caches_evade_runs 20
	caches_storm_stop
	sleep 0.5
	n=$(grep -c "rule evil (log)" "$T/err" || true)
	[ "$n" = 30 ] || fail "amid a storm, $((n - 10)) of 20 runs of evil logged"
	stop_daemon
}

test_caches_failed_exec_amid_storm() {
	caches_storm_case ""
}

# The event loop takes a mount id for the host's if it is in the list it
# read last (host_mount()); it used to read the list again only when an id
# was not found in it (now also after each read of notifications when the
# kernel says the mounts changed).  Mount ids are reused (lowest free first).  Root unmounts a
# file system (a transient mount, removable media); a user who holds a
# private mount namespace then bind-mounts their program over /usr/bin/true
# there: the new mount takes the freed id, counts as the host's, and the
# exec is named by its private path /usr/bin/true.  It must not be: it is
# named "(unreachable)/usr/bin/true", as any file of a private mount.
test_caches_mount_id_reused() {
	gate_setup
	mkdir -p "$T/m"
	mount -t tmpfs review "$T/m"
	conf <<EOF
[true]
event = exec
exe = /usr/bin/true
uid = $GATE_USER
action = log

[users]
event = exec
uid = $GATE_USER
action = log
EOF
	start_daemon -c "$T/p.conf"
	local id holder
	id=$(awk -v m="$T/m" '$5 == m { print $1 }' /proc/self/mountinfo)
	as_user "$GATE_USER" cp "$HELPER" "$T/u/evil"
	as_user "$GATE_USER" unshare -Urm sleep 30 &
	holder=$!
	sleep 0.3
	holder=$(pgrep -P "$holder" sleep || echo "$holder")
	umount "$T/m"
	# No exec from a mount of the namespace before the one that counts
	# (an unknown id makes the loop read the list again): python, run
	# from the host's mount, enters the namespace, mounts and execs.
	as_user "$GATE_USER" /usr/bin/python3 - "$holder" "$T/u/evil" "$T/u/id" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for ns, flag in (("user", 0x10000000), ("mnt", 0x00020000)):
    fd = os.open("/proc/%s/ns/%s" % (sys.argv[1], ns), os.O_RDONLY)
    if libc.setns(fd, flag) != 0:
        sys.exit("setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
    os.close(fd)
if libc.mount(sys.argv[2].encode(), b"/usr/bin/true", None, 4096, None) != 0:
    sys.exit("mount: " + os.strerror(ctypes.get_errno()))
with open("/proc/self/mountinfo") as f, open(sys.argv[3], "w") as out:
    for line in f:
        if line.split()[4] == "/usr/bin/true":
            out.write(line.split()[0] + "\n")
os.execv("/usr/bin/true", ["/usr/bin/true", "exit", "0"])
PY
	kill "$holder" 2>/dev/null || true
	[ "$(tail -1 "$T/u/id")" = "$id" ] || {
		echo "the bind mount got id $(cat "$T/u/id"), not the freed $id: nothing to test" >&2
		stop_daemon
		return 0
	}
	sleep 0.5
	grep "rule true (log)" "$T/err" && fail "the user's program was named /usr/bin/true"
	# A private mount's file is named as unreachable from the host.
	wait_for "$T/err" "rule users \(log\): .* exec .*\(unreachable\)/usr/bin/true -- " ||
		fail "the user's exec was not logged as unreachable: $(grep "rule " "$T/err")"
	stop_daemon
}
