#!/bin/bash
# run.sh - the end-to-end tests: the real daemon against real processes.
#
# Needs root (the proc connector, fanotify, namespaces).  Without root
# every test is skipped loudly.  Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

if [ "$(id -u)" != 0 ]; then
	echo "SKIPPED: the end-to-end tests need root; none was run" >&2
	echo "0 passed, 0 failed, all skipped"
	exit 0
fi
make -s build/e2e-helper || exit 1
getent passwd prochook >/dev/null || make -s user

pass=0 failed=0 names=()
for f in tests/e2e/t_*.sh; do
	. "$f"
done
for t in $(declare -F | awk '$3 ~ /^test_/ {print $3}'); do
	case "$t" in *"${E2E_ONLY:-}"*) ;; *) continue ;; esac
	# Hooks must be in directories only root can write: not under /tmp.
	T=$(mktemp -d /run/prochook-e2e.XXXXXX)
	chmod 755 "$T"
	ok=0
	(set -e; export T; "$t") >"$T/log" 2>&1 || ok=$?
	# Nothing a test started may outlive it: its daemons and their parts.
	# SIGTERM first, so that a daemon still running ends its hooks (a
	# hook's supervisor killed outright would leave the hook behind).
	for p in $(cat "$T/daemons" 2>/dev/null); do
		kill -TERM "$p" 2>/dev/null || continue
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		pkill -KILL -P "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
	done
	if [ "$ok" = 0 ]; then
		echo "ok   $t"
		pass=$((pass + 1))
		rm -rf "$T"
	else
		echo "FAIL $t"
		sed 's/^/    /' "$T/log"
		echo "    (files kept in $T)"
		failed=$((failed + 1))
		names+=("$t")
	fi
done
echo "e2e: ${pass} passed, ${failed} failed"
[ "$failed" = 0 ] || echo "failed: ${names[*]}"
[ "$failed" = 0 ]
