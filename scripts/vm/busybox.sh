#!/bin/bash
# Print the path of a static busybox for ARCH (an arch with a guest in
# scripts/arches).
#   the host's arch: /bin/busybox from busybox-static
#   arm64:    busybox-static:arm64 fetched with "apt-get download" and
#             unpacked with dpkg-deb into $SYNCORE_CACHE/busybox-arm64
#   an arch apt has no busybox-static for (riscv64: Debian 12 releases
#             no riscv64 packages): Debian's busybox source package
#             (scripts/debsrc.sh) built with Debian's own static config and
#             the cross compiler, about 80 s once
set -euo pipefail

arch=${1:?usage: $0 ARCH}
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
die() { echo "busybox: $*" >&2; exit 1; }

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh"
arch_info "$arch" || die "unknown ARCH '$arch'"
deb_arch=$deb

if [ "$(dpkg --print-architecture)" = "$deb_arch" ]; then
	bb=$(command -v busybox || true)
	[ -n "$bb" ] || die "busybox not found (apt-get install busybox-static)"
	file -L "$bb" | grep -q 'statically linked' ||
		die "$bb is not static (apt-get install busybox-static)"
	echo "$bb"
	exit 0
fi

# from_source DIR: build Debian's busybox source for the arch into DIR/bin.
from_source() {
	local src tmp=$1.build
	src=$("$(dirname "$0")/../debsrc.sh" busybox) || exit 1
	rm -rf "$tmp"
	cp -a "$src" "$tmp"
	cp "$tmp/debian/config/pkg/static" "$tmp/.config"
	echo "busybox: no busybox-static:$deb_arch package: building Debian's source (log: $tmp.log)" >&2
	# Debian's static config as it is; new symbols take their defaults.
	if ! (cd "$tmp" && { yes '' || true; } | make ARCH="$karch" CROSS_COMPILE="$cross" oldconfig &&
		make ARCH="$karch" CROSS_COMPILE="$cross" -j"$(nproc)") \
		>"$tmp.log" 2>&1; then
		tail -n 20 "$tmp.log" >&2
		die "the $arch busybox build failed (log: $tmp.log)"
	fi
	file "$tmp/busybox" | grep -q 'statically linked' ||
		die "$tmp/busybox is not static"
	mkdir -p "$1/bin"
	cp "$tmp/busybox" "$1/bin/busybox"
	rm -rf "$tmp" "$tmp.log"
}

dir=$cache/busybox-$arch
if ! cached "$dir/bin/busybox" "$cache/.busybox-$arch.lock"; then
	if ! apt-cache show "busybox-static:$deb_arch" >/dev/null 2>&1; then
		from_source "$dir"
		echo "$dir/bin/busybox"
		exit 0
	fi
	tmp=$(mktemp -d "$cache/busybox-$arch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "busybox: apt-get download busybox-static:$deb_arch" >&2
	(cd "$tmp" && apt-get download -q "busybox-static:$deb_arch" >&2) ||
		die "apt-get download busybox-static:$deb_arch failed" \
			"(dpkg --add-architecture $deb_arch; apt-get update)"
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
	rm -rf "$dir"
	mkdir -p "$dir/bin"
	cp "$tmp/x/bin/busybox" "$dir/bin/busybox"
fi
echo "$dir/bin/busybox"
