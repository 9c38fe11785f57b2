# t_examples.sh - the examples users copy, read from the very files they
# read (README.md, prochook.conf(5), conf/), match what they say they do and
# nothing else.
#
# netcat is not installed here: the examples' /usr and /bin paths are moved
# under $T, where copies of the helper stand in for the programs (a stand-in
# lives E2E_LINGER ms, whatever its arguments).

EX_USER=ph_examples

ex_user() {
	ordinary_user "$EX_USER" >/dev/null
}

# Print the rules named (all but [daemon] if none) as FILE shows them: the
# ```ini blocks of a README, the EXAMPLES of a man page, a configuration
# file with its commented-out rules uncommented.
example_rules() {
	python3 - "$TOP/$1" "${@:2}" <<'PY'
import re, sys
path, want = sys.argv[1], sys.argv[2:]
text = open(path, encoding="utf-8").read()
if path.endswith(".md"):
    ini = "\n".join(re.findall(r"^```ini\n(.*?)^```", text, re.S | re.M))
elif re.search(r"\.[1-8]$", path):
    ini = re.search(r"^\.SH EXAMPLES\n\.nf\n(.*?)^\.fi", text,
                    re.S | re.M).group(1)
    ini = ini.replace("\\-", "-").replace("\\(dq", '"').replace("\\e", "\\")
else:
    out, inrule = [], False
    for line in text.split("\n"):
        if re.match(r"# \[[^]]+\]$", line):
            inrule = True
        elif not line.startswith("# "):
            inrule = False
        out.append(line[2:] if inrule else line)
    ini = "\n".join(out)
sections, name = {}, None
for line in ini.split("\n"):
    m = re.match(r"\[([^]]+)\]\s*$", line)
    if m:
        name = m.group(1)
        sections[name] = []
    if name is not None and line.strip() and line.lstrip()[0] not in "#;":
        sections[name].append(line)
names = want or [n for n in sections if n != "daemon"]
for n in names:
    if n not in sections:
        sys.exit("%s: no rule [%s]" % (path, n))
    print("\n".join(sections[n]) + "\n")
PY
}

# The hook names the rules on stdin use, one a line.
hook_names() {
	sed -n 's/^hook *= *//p' | tr ' ' '\n' | sed '/^$/d' | sort -u
}

# /usr/... and /bin/... paths of the rules on stdin, moved under $T.
under_t() {
	sed -E "s#(^|[ =!])/(usr|bin)/#\1$T/\2/#g"
}

# The stand-ins: every netcat name, ncurses6-config and other nc* programs
# that are not netcat, a shell named sshd, nologin and another program
# under /usr/sbin.
stand_ins() {
	local n
	mkdir -p "$T/usr/bin" "$T/bin" "$T/usr/sbin"
	for n in nc.openbsd nc.traditional ncat ncurses6-config ncdu ncal; do
		cp "$HELPER" "$T/usr/bin/$n"
	done
	# As Debian's alternatives have them: links to the real files.
	ln -s nc.openbsd "$T/usr/bin/nc"
	ln -s nc.traditional "$T/usr/bin/netcat"
	cp "$HELPER" "$T/bin/nc.openbsd"
	cp "$HELPER" "$T/bin/ncurses6-config"
	cp /bin/bash "$T/usr/sbin/sshd"
	cp "$HELPER" "$T/usr/sbin/nologin"
	cp "$HELPER" "$T/usr/sbin/anacron"
	chmod -R go-w "$T/usr" "$T/bin"
}

# Run a stand-in as the examples' user: ex_run [sshd] PROG ARGS...; with
# sshd, as a child of the shell named sshd.  It lingers 300 ms, long enough
# for its arguments to be read, then exits 0 (N for the helper's "exit N").
# In the background; its pid is added to EX_PIDS.
EX_PIDS=()
ex_run() {
	local via=()
	if [ "$1" = sshd ]; then
		via=("$T/usr/sbin/sshd" -c '"$@"; :' sshd)
		shift
	fi
	env E2E_LINGER=300 setpriv --reuid=$EX_USER --regid=$EX_USER \
	    --clear-groups "${via[@]}" "$@" &
	EX_PIDS+=($!)
}

ex_wait() {
	wait "${EX_PIDS[@]}" || true
	EX_PIDS=()
}

# Did rule RULE log a match for the run whose last argument is TAG?
ex_matched() {
	grep -qE "rule $1 \(.*-- .* $2\$" "$T/err"
}

# Runs "TAG [sshd] PROG ARGS... TAG" lines from stdin; then each rule in
# WANT ("RULE=TAG TAG ...") must have matched exactly those tags (a tag
# missing is run again, twice at most: other tests may flood the kernel's
# queue and lose the exec).
ex_check() {
	local runs line tag rule tags t try
	runs=$(cat)
	while read -r line; do
		[ -n "$line" ] || continue
		# shellcheck disable=SC2086
		ex_run ${line#* }
		sleep 0.25
	done <<<"$runs"
	ex_wait
	sleep 0.5
	for rule in "$@"; do
		tags=" ${rule#*=} "
		rule=${rule%%=*}
		while read -r line; do
			[ -n "$line" ] || continue
			tag=${line%% *}
			t=${line##* }
			if [[ "$tags" == *" $tag "* ]]; then
				for try in 1 2; do
					ex_matched "$rule" "$t" && break
					# shellcheck disable=SC2086
					ex_run ${line#* }
					ex_wait
					sleep 0.5
				done
				ex_matched "$rule" "$t" || fail "[$rule] did not match $line"
			else
				ex_matched "$rule" "$t" && fail "[$rule] matched $line"
			fi
		done <<<"$runs"
	done
	return 0
}

# One source's rules, dry-run, against every stand-in.
ex_source() {
	local src=$1 rules n
	ex_user
	stand_ins
	rules=$(example_rules "$src" | under_t)
	echo "$rules" | grep -q "$T/usr/bin/nc" || fail "$src: no netcat rule"
	for n in $(echo "$rules" | hook_names); do
		hook "$n" <<<'#!/bin/sh'
	done
	echo "$rules" | conf
	start_daemon -n -c "$T/p.conf"
	# Tags: d = a netcat, l = a listener, s = a failure under /usr/sbin,
	# n = none of these.
	# (s1 and n9 seconds apart: the rule's rate may be 1 a second.)
	ex_check "${@:2}" <<EOF
s1 $T/usr/sbin/anacron exit 1 61
n10 $T/usr/sbin/anacron exit 0 63
d1 $T/usr/bin/nc 11
d2 $T/usr/bin/nc.openbsd 12
d3 $T/usr/bin/nc.traditional 13
d4 $T/usr/bin/netcat 14
d5 $T/usr/bin/ncat 15
d6 $T/bin/nc.openbsd 16
n1 $T/usr/bin/ncurses6-config 21
n2 $T/usr/bin/ncdu 22
n3 $T/usr/bin/ncal -l 23
n4 $T/bin/ncurses6-config -l 24
l1 sshd $T/usr/bin/nc.openbsd -l 31
l2 sshd $T/usr/bin/nc -lp 32
l3 sshd $T/usr/bin/netcat -nlvp 33
l4 sshd $T/usr/bin/nc.traditional -vl 34
l5 sshd $T/usr/bin/ncat --listen 35
l6 sshd $T/bin/nc.openbsd -l 36
n5 sshd $T/usr/bin/nc.openbsd -v localhost 41
n6 sshd $T/usr/bin/nc.openbsd localhost 42
n7 sshd $T/usr/bin/ncurses6-config -l 43
n8 sshd $T/usr/bin/nc -e /bin/ls 44
n9 $T/usr/sbin/nologin exit 1 62
EOF
	stop_daemon
}

test_examples_readme_netcat() {
	ex_source README.md \
	    "deny-netcat=d1 d2 d3 d4 d5 d6 l1 l2 l3 l4 l5 l6 n5 n6 n8" \
	    "approve-listeners=l1 l2 l3 l4 l5 l6" "service-failed=s1"
}

test_examples_man_netcat() {
	ex_source man/prochook.conf.5 \
	    "deny-netcat=d1 d2 d3 d4 d5 d6 l1 l2 l3 l4 l5 l6 n5 n6 n8" \
	    "approve-listeners=l1 l2 l3 l4 l5 l6" "service-failed=s1"
}

test_examples_conf_netcat() {
	ex_source conf/prochook.conf \
	    "deny-netcat=d1 d2 d3 d4 d5 d6 l1 l2 l3 l4 l5 l6 n5 n6 n8" \
	    "network-tool=d1 d2 d3 d4 d5 d6 l1 l2 l3 l4 l5 l6 n5 n6 n8" \
	    "approve-listeners=l1 l2 l3 l4 l5 l6" "service-failed=s1"
}

# The man page's listener rule asks for sshd as an ancestor: a listener
# started elsewhere is not held.
test_examples_man_ancestor() {
	ex_user
	stand_ins
	example_rules man/prochook.conf.5 approve-listeners | under_t | conf
	hook approve <<<'#!/bin/sh'
	start_daemon -n -c "$T/p.conf"
	ex_check "approve-listeners=l1" <<EOF
l1 sshd $T/usr/bin/nc.openbsd -l 51
n1 $T/usr/bin/nc.openbsd -l 52
EOF
	stop_daemon
}

# For real, with the README's own hook: an ordinary user's listener is held
# and killed, root's is held and let go, a netcat that does not listen is
# not held; deny-netcat kills the user's netcat and not ncurses6-config.
test_examples_readme_for_real() {
	ex_user
	stand_ins
	example_rules README.md approve-listeners | under_t | conf
	python3 - "$TOP/README.md" >"$T/approve-listener" <<'PY'
import re, sys
for b in re.findall(r"^```sh\n(.*?)^```", open(sys.argv[1]).read(), re.S | re.M):
    if "hooks.d/approve-listener" in b:
        print(b, end="")
PY
	grep -q "exit 0" "$T/approve-listener" || fail "no approve-listener hook in README.md"
	hook approve-listener <"$T/approve-listener"
	start_daemon -c "$T/p.conf"
	local st=0
	E2E_LINGER=1000 setpriv --reuid=$EX_USER --regid=$EX_USER --clear-groups \
	    "$T/usr/bin/nc.openbsd" -l 1 || st=$?
	[ "$st" = 137 ] || fail "the user's listener: exit $st, want 137"
	st=0
	E2E_LINGER=1000 "$T/usr/bin/nc" -lp 1 || st=$?
	[ "$st" = 0 ] || fail "root's listener: exit $st"
	grep -q "held process released" "$T/err" || fail "root's listener was not held"
	st=0
	E2E_LINGER=1000 setpriv --reuid=$EX_USER --regid=$EX_USER --clear-groups \
	    "$T/usr/bin/nc.openbsd" -v localhost 80 || st=$?
	[ "$st" = 0 ] || fail "a netcat that does not listen: exit $st"
	stop_daemon
	[ "$(grep -c "rule approve-listeners: holding pid" "$T/err")" = 2 ] ||
		fail "held: $(grep -c "holding pid" "$T/err") processes, want 2"

	example_rules README.md deny-netcat | under_t | conf
	hook notify-admin <<<'#!/bin/sh'
	start_daemon -c "$T/p.conf"
	st=0
	E2E_LINGER=1000 setpriv --reuid=$EX_USER --regid=$EX_USER --clear-groups \
	    "$T/usr/bin/netcat" 1 || st=$?
	[ "$st" = 137 ] || fail "the user's netcat: exit $st, want 137"
	st=0
	E2E_LINGER=1000 setpriv --reuid=$EX_USER --regid=$EX_USER --clear-groups \
	    "$T/usr/bin/ncurses6-config" || st=$?
	[ "$st" = 0 ] || fail "ncurses6-config: exit $st"
	stop_daemon
}

# Every shipped example rule with a hook sets rate.
test_examples_rate() {
	local src bad
	for src in README.md man/prochook.conf.5 conf/prochook.conf \
	    conf/rules.d/example.conf; do
		bad=$(example_rules "$src" |
		    awk 'BEGIN { RS = "" } /\nhook *=/ && !/\nrate *= *[0-9]/ { print $1 }')
		[ -z "$bad" ] || fail "$src: rules with a hook and no rate: $bad"
	done
	return 0
}
