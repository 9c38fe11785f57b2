#!/bin/bash
# check.sh [DEB] - the Debian package, installed and removed for real.
#
# Builds the package with "make deb" (unless given one), then, as root:
# dpkg -i and check the files, the conffiles, the unit's enablement, the
# prochook user and a configuration prochookd accepts; dpkg -r and check
# that only the conffiles stay; dpkg --purge and check that nothing of the
# package is left.  lintian, when installed, must find no error.
#
# It refuses to run where prochookd is already installed (by make install
# or the package): it would remove it.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || { echo "SKIPPED: the package check needs root"; exit 0; }
deb=${1:-}
if [ -z "$deb" ]; then
	DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck} make deb
	deb=$(ls build/deb/prochookd_*_*.deb)
fi
[ -f "$deb" ] || fail "no package: $deb"
case "$(basename "$deb")" in
prochookd_*_"$(dpkg --print-architecture)".deb) ;;
*) fail "package name $(basename "$deb"): not prochookd_VERSION_ARCH.deb" ;;
esac
if dpkg-query -W -f='${Status}' prochookd 2>/dev/null | grep -qv "not-installed" ||
    [ -e /etc/prochook ] || [ -e /usr/sbin/prochookd ]; then
	fail "prochookd is installed here already; not touching it"
fi

if command -v lintian >/dev/null; then
	echo "== lintian"
	lintian --allow-root -I "$deb" | tee build/deb/lintian.txt || true
	grep -q '^E:' build/deb/lintian.txt && fail "lintian errors"
fi

files=(
	/usr/sbin/prochookd
	/usr/share/man/man8/prochookd.8.gz
	/usr/share/man/man5/prochook.conf.5.gz
	/lib/systemd/system/prochookd.service
	/usr/lib/sysusers.d/prochookd.conf
	/etc/prochook/prochook.conf
	/etc/prochook/rules.d/example.conf
)
hooks=()
for f in hooks.d/*; do hooks+=("/etc/prochook/hooks.d/${f#hooks.d/}"); done
wants=/etc/systemd/system/multi-user.target.wants/prochookd.service

echo "== dpkg -i $deb"
dpkg -i "$deb"
for f in "${files[@]}" "${hooks[@]}"; do
	[ -e "$f" ] || fail "$f not installed"
done
conffiles=$(dpkg-query -W -f='${Conffiles}\n' prochookd)
for f in /etc/prochook/prochook.conf /etc/prochook/rules.d/example.conf "${hooks[@]}"; do
	grep -q "^ $f " <<<"$conffiles" || fail "$f is not a conffile"
done
for f in "${hooks[@]}"; do
	[ "$(stat -c %U:%G "$f")" = root:root ] || fail "$f not owned by root"
	[ -n "$(find "$f" -perm /022)" ] && fail "$f writable by group or others"
	# An example hook, installed but named by no active rule but the
	# shipped log-event.
	n=${f##*/}
	[ "$n" = log-event ] && continue
	grep -hE "^[[:space:]]*hook[[:space:]]*=.*\b$n\b" \
	    /etc/prochook/prochook.conf /etc/prochook/rules.d/*.conf &&
		fail "an active rule names the example hook $n"
done
getent passwd prochook >/dev/null || fail "no prochook user"
[ "$(getent passwd prochook | cut -d: -f3)" -lt 1000 ] || fail "prochook is not a system user"
[ -L "$wants" ] || fail "the unit is not enabled ($wants)"
grep -q '^log_target = journal$' /etc/prochook/prochook.conf ||
	fail "the installed configuration does not log to the journal"
grep -q '^hooks_dir = /etc/prochook/hooks.d$' /etc/prochook/prochook.conf ||
	fail "hooks_dir"
/usr/sbin/prochookd -V | grep -q "^prochookd " || fail "prochookd -V"
/usr/sbin/prochookd -t -c /etc/prochook/prochook.conf >/dev/null ||
	fail "prochookd -t refuses the installed configuration"
sed 's/^/    /' <<<"$(/usr/sbin/prochookd -t)"
man -w prochookd >/dev/null 2>&1 || ! command -v man >/dev/null ||
	fail "man prochookd not found"
# The sysusers.d line makes the user on a system without it.
if command -v systemd-sysusers >/dev/null; then
	root=$(mktemp -d)
	mkdir -p "$root/etc"
	grep -v '^prochook:' /etc/passwd >"$root/etc/passwd"
	grep -v '^prochook:' /etc/group >"$root/etc/group"
	systemd-sysusers --root="$root" /usr/lib/sysusers.d/prochookd.conf
	grep -q '^prochook:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$root/etc/passwd" ||
		fail "sysusers.d did not make the user: $(grep prochook "$root/etc/passwd")"
	rm -rf "$root"
fi

echo "== dpkg -r prochookd"
dpkg -r prochookd
for f in /usr/sbin/prochookd /lib/systemd/system/prochookd.service \
    /usr/share/man/man8/prochookd.8.gz /usr/lib/sysusers.d/prochookd.conf; do
	[ -e "$f" ] && fail "$f still there after dpkg -r"
done
[ -e /etc/prochook/prochook.conf ] || fail "a conffile went with dpkg -r"
dpkg-query -W -f='${Status}\n' prochookd | grep -q config-files ||
	fail "not in config-files state after dpkg -r"

echo "== dpkg --purge prochookd"
dpkg --purge prochookd
[ -e /etc/prochook ] && fail "/etc/prochook still there after --purge"
[ -e "$wants" ] || [ -L "$wants" ] && fail "$wants still there after --purge"
dpkg-query -W prochookd >/dev/null 2>&1 && fail "dpkg still knows prochookd"
echo "deb: ok ($(basename "$deb"))"
