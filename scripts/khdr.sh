#!/bin/bash
# Print an include directory holding the v6.12 UAPI headers for ARCH
# (x86_64 or arm64), installing them from the pristine tree on first use.
# Debian 12's system headers are 6.1 and lack newer membarrier/rseq UAPI.
set -euo pipefail

arch=${1:-x86_64}
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
arch_info "$arch" || { echo "khdr: unknown arch '$arch'" >&2; exit 2; }

ksrc=$("$(dirname "$0")/ksrc.sh")
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
# A fixed-length key: --short grows with the repository's object count.
key=$(git -C "$ksrc" rev-parse HEAD 2>/dev/null | cut -c1-12)
[ -n "$key" ] || key=ext
dest=$cache/khdr-$arch-$key

if ! cached "$dest/.done" "$cache/.khdr-$arch.lock"; then
	echo "khdr: installing $arch UAPI headers into $dest" >&2
	rm -rf "$dest" "$dest.obj"
	make -s -C "$ksrc" O="$dest.obj" ARCH=$karch \
		INSTALL_HDR_PATH="$dest" headers_install >&2
	rm -rf "$dest.obj"
	touch "$dest/.done"
fi
echo "$dest/include"
