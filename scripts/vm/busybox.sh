#!/bin/bash
# Print the path of a static busybox for ARCH (x86_64|arm64).
#   x86_64: /bin/busybox from busybox-static (when the host is x86_64)
#   arm64:  busybox-static:arm64 fetched with "apt-get download" and
#           unpacked with dpkg-deb into $SYNCORE_CACHE/busybox-arm64
set -euo pipefail

arch=${1:?usage: $0 x86_64|arm64}
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

dir=$cache/busybox-$arch
if ! cached "$dir/bin/busybox" "$cache/.busybox-$arch.lock"; then
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
