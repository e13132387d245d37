#!/bin/bash
# Prove the README's two commands on a fresh Debian 12: a minimal root made
# by debootstrap, a clean clone of this repository's HEAD in it, and, as
# root in a chroot, "make run" then the host part of "make check"
# (make check-host), exactly as a new user would type them. Any package the
# project's own scripts do not install makes it fail.
#
# Usage: scripts/fresh.sh [--keep] [--drop PKG]
#   --keep      leave the root in build/fresh/root for inspection
#   --drop PKG  remove PKG from the clone's scripts/deps.sh first: shows
#               that a missing package fails the run
#
# The root is Debian's minimal base plus make, the one thing the README
# asks for (without it the two commands cannot even be typed). It is cached
# as $SYNCORE_CACHE/fresh/bookworm-minbase-make.tgz, made once with
# debootstrap --variant=minbase --include=make from the mirror and suite of
# this machine's apt sources, whose configuration the root inherits, as a
# fresh machine of this kind would. Result: $RESULTS/fresh.tap; log:
# build/fresh/log. Needs root (chroot, mounts).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}/fresh
RESULTS=${RESULTS:-$top/build/results}
work=$top/build/fresh
root=$work/root
keep=0 drop=
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1; shift ;;
	--drop) drop=${2:?}; shift 2 ;;
	*) echo "usage: $0 [--keep] [--drop PKG]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "fresh: needs root (chroot, mounts)" >&2; exit 1; }
say() { echo "fresh: [$(date +%H:%M:%S)] $*" >&2; }

# The mirror and suite of the first Debian source of this machine.
mirror_suite() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '/^URIs:/ && !u {u = $2} /^Suites:/ && !s {s = $2}
			END {if (u && s) print u, s}' "$f"
		return
	done
	awk '$1 == "deb" {print $2, $3; exit}' /etc/apt/sources.list
}

tarball=$cache/bookworm-minbase-make.tgz
if [ ! -f "$tarball" ]; then
	"$here/deps.sh" fresh
	read -r mirror suite <<<"$(mirror_suite)"
	[ -n "${suite:-}" ] || { echo "fresh: no Debian source in /etc/apt" >&2; exit 1; }
	say "debootstrap $suite from $mirror (once; cached in $tarball)"
	mkdir -p "$cache"
	rm -rf "$cache/root.tmp"
	debootstrap --variant=minbase --include=make "$suite" "$cache/root.tmp" "$mirror" \
		>"$cache/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
	tar -C "$cache/root.tmp" -czf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	rm -rf "$cache/root.tmp"
fi

umount_all() {
	local m
	for m in dev/pts dev proc sys; do
		mountpoint -q "$root/$m" && umount -l "$root/$m"
	done
	return 0
}
cleanup() {
	umount_all
	[ $keep = 1 ] || rm -rf "$root"
}
[ ! -d "$root" ] || { umount_all; rm -rf "$root"; }
mkdir -p "$root" "$RESULTS"
trap cleanup EXIT
tar -C "$root" -xzf "$tarball"
# This machine's apt configuration, as a fresh machine of its kind has it.
cp -a /etc/apt/sources.list.d /etc/apt/apt.conf.d "$root/etc/apt/"
[ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$root/etc/apt/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q "$top" "$root/root/syncore"
if [ -n "$drop" ]; then
	grep -qw -- "$drop" "$root/root/syncore/scripts/deps.sh" ||
		{ echo "fresh: $drop is not in scripts/deps.sh" >&2; exit 2; }
	sed -i "s/\\b$drop\\b//" "$root/root/syncore/scripts/deps.sh"
	say "dropped $drop from scripts/deps.sh"
fi
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"

log=$work/log
: >"$log"
tap=$RESULTS/fresh.tap
{
	echo "TAP version 13"
	echo "1..2"
	echo "# a fresh $(. "$root/etc/os-release" && echo "$PRETTY_NAME") root, clone of $(git -C "$top" rev-parse --short=12 HEAD)${drop:+, without $drop}"
} >"$tap"
rc=0
n=0
for cmd in "make run" "make check-host"; do
	n=$((n + 1))
	say "$cmd (log: $log)"
	s=$SECONDS
	set +e
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/syncore && $cmd" >>"$log" 2>&1
	r=$?
	set -e
	t=$((SECONDS - s))
	if [ $r -eq 0 ]; then
		echo "ok $n $cmd (${t}s)" >>"$tap"
	else
		tail -n 25 "$log" | sed 's/^/# /' >>"$tap"
		echo "not ok $n $cmd (exit $r after ${t}s)" >>"$tap"
		rc=1
	fi
	say "$cmd: exit $r after ${t}s"
	grep -E '^[0-9]+ passed, ' "$log" | tail -n 1 | sed 's/^/# /' >>"$tap" || true
	[ $r -eq 0 ] || break
done
echo $rc >"${tap%.tap}.rc"
cat "$tap"
exit $rc
