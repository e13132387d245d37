#!/bin/bash
# Print the directory holding qemu-plugin.h for the installed QEMU, taken
# from Debian's own qemu source package of the same version. The source is
# fetched once with a private apt configuration (/etc/apt is not touched),
# its tarball checked against the .dsc that apt verified, and only the
# header kept, under $SYNCORE_CACHE/qemu-plugin/VERSION/.
#
# Usage: oracle/qemu-header.sh [--keep-source]
#   --keep-source   also keep the unpacked source tree beside the header
set -euo pipefail

cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}/qemu-plugin
keep=0
[ "${1:-}" != --keep-source ] || keep=1
die() { echo "qemu-header: $*" >&2; exit 1; }

ver=$(dpkg-query -W -f '${source:Version}' qemu-system-x86 2>/dev/null) ||
	ver=$(dpkg-query -W -f '${source:Version}' qemu-system-arm 2>/dev/null) ||
	die "no QEMU system emulator installed (scripts/deps.sh vm installs it)"
dir=$cache/${ver//:/_}
if [ -f "$dir/qemu-plugin.h" ] && [ -f "$dir/ok" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$dir"
apt=$dir/apt
rm -rf "$apt"
mkdir -p "$apt/lists/partial" "$apt/parts" "$apt/archives/partial"

# deb-src lines for every Debian suite apt already uses, same mirrors.
{
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v RS= '/Types:[^\n]*deb/ {
			u = s = c = k = ""
			n = split($0, l, "\n")
			for (i = 1; i <= n; i++) {
				if (l[i] ~ /^URIs:/) u = substr(l[i], 6)
				if (l[i] ~ /^Suites:/) s = substr(l[i], 8)
				if (l[i] ~ /^Components:/) c = substr(l[i], 12)
				if (l[i] ~ /^Signed-By:/) k = substr(l[i], 11)
			}
			gsub(/^ +| +$/, "", u); gsub(/^ +| +$/, "", k)
			ns = split(s, ss, " ")
			for (j = 1; j <= ns; j++)
				printf "deb-src [signed-by=%s] %s %s%s\n", k, u, ss[j], c
		}' "$f"
	done
	grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | sed 's/^deb /deb-src /'
} | grep -v 'signed-by=\]' | sort -u >"$apt/sources.list" || true
[ -s "$apt/sources.list" ] || die "no Debian suite found in /etc/apt to take deb-src lines from"

opts=(-o "Dir::Etc::SourceList=$apt/sources.list"
	-o "Dir::Etc::SourceParts=$apt/parts"
	-o "Dir::State::Lists=$apt/lists"
	-o "Dir::Cache::Archives=$apt/archives"
	-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
	-o "APT::Sandbox::User=root")
echo "qemu-header: fetching Debian's qemu $ver source (once; about 24 MB)" >&2
apt-get "${opts[@]}" -qq update >&2 || die "apt-get update (deb-src) failed"
src=$dir/src
rm -rf "$src"
mkdir -p "$src"
(cd "$src" && apt-get "${opts[@]}" -qq source --download-only "qemu=$ver" >&2) ||
	die "apt-get source qemu=$ver failed"

# apt checked the .dsc against the signed Sources index and the files
# against the .dsc; check the tarball against the .dsc once more here, so
# that a header from an unverified file is never used.
dsc=$(ls "$src"/*.dsc)
orig=$(ls "$src"/qemu_*.orig.tar.*)
want=$(awk '/^Checksums-Sha256:/ {f = 1; next} /^[^ ]/ {f = 0}
	f && $3 == name {print $1}' name="$(basename "$orig")" "$dsc")
have=$(sha256sum "$orig" | cut -d' ' -f1)
[ -n "$want" ] && [ "$want" = "$have" ] ||
	die "$(basename "$orig"): sha256 $have does not match the .dsc ($want)"

member=$(tar -tf "$orig" | grep '/include/qemu/qemu-plugin\.h$' | head -n 1)
[ -n "$member" ] ||
	die "no include/qemu/qemu-plugin.h in $(basename "$orig")"
if [ $keep = 1 ]; then
	tar -xf "$orig" -C "$src"
	cp "$src/$member" "$dir/qemu-plugin.h"
else
	tar -xOf "$orig" "$member" >"$dir/qemu-plugin.h"
	rm -rf "$src" "$apt"
fi
echo "$ver $have $member" >"$dir/ok"
echo "$dir"
