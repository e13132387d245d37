#!/bin/bash
# Print the path of Debian's source package PKG, fetched with "apt-get
# source" and unpacked (Debian's patches applied) by dpkg-source into
# $SYNCORE_CACHE/debsrc/PKG. For what Debian builds for the host but has
# no binary package of for another architecture (busybox-static and
# liburcu for riscv64, which Debian 12 does not release).
#
# Usage: scripts/debsrc.sh PKG
#
# The host's apt sources need no deb-src line: a private list names the
# host's Debian mirror and release with "deb-src", in a private state
# directory, so the host's apt configuration is left as it was.
set -euo pipefail

pkg=${1:?usage: $0 PKG}
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
die() { echo "debsrc: $*" >&2; exit 1; }
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

dir=$cache/debsrc/$pkg
if cached "$dir/.done" "$cache/.debsrc-$pkg.lock"; then
	echo "$dir/src"
	exit 0
fi
command -v dpkg-source >/dev/null || die "dpkg-source not found (apt-get install dpkg-dev)"

# The mirror and the release this host installs from.
mirror=$(grep -rhsoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
	/etc/apt/sources.list.d/ 2>/dev/null | head -n 1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
. /etc/os-release
[ -n "${VERSION_CODENAME:-}" ] || die "no VERSION_CODENAME in /etc/os-release"

rm -rf "$dir"
mkdir -p "$dir/lists/partial" "$dir/get"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $VERSION_CODENAME main" \
	>"$dir/sources.list"
apt=(apt-get -q -o "Dir::Etc::SourceList=$dir/sources.list"
	-o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$dir/lists"
	-o APT::Sandbox::User=root)
echo "debsrc: apt-get source $pkg ($mirror $VERSION_CODENAME)" >&2
"${apt[@]}" update >"$dir/apt.log" 2>&1 ||
	{ tail -n 5 "$dir/apt.log" >&2; die "apt-get update of $mirror failed"; }
(cd "$dir/get" && "${apt[@]}" source --download-only "$pkg") >>"$dir/apt.log" 2>&1 ||
	{ tail -n 5 "$dir/apt.log" >&2; die "apt-get source $pkg failed"; }
dsc=$(ls "$dir"/get/*.dsc)
dpkg-source --no-check -x "$dsc" "$dir/src" >>"$dir/apt.log" 2>&1 ||
	{ tail -n 5 "$dir/apt.log" >&2; die "dpkg-source -x $dsc failed"; }
rm -rf "$dir/lists"
touch "$dir/.done"
echo "$dir/src"
