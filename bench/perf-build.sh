#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build perf from the 6.12 tree with kernel-patches/perf/series applied
# ("perf bench membarrier latency", "perf bench sched idle-wake") and print
# the path of the binary.
#
# Usage: bench/perf-build.sh [--static] [ARCH]   (ARCH: x86_64, arm64)
#
# perf bench needs none of perf's optional libraries, so every one is left
# out: the build needs only a compiler, flex and bison, and --static links
# a binary the busybox guests can run. Kept in $SYNCORE_CACHE/perf/
# ARCH[-static]-KEY (KEY: the patched tree's HEAD and these flags); with
# nothing changed it prints the path at once. Progress on stderr; the
# build's output in DIR/build.log, its tail on failure (exit 1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
# shellcheck source=../scripts/lib.sh
. "$top/scripts/lib.sh"

static=
while [ $# -gt 0 ]; do
	case $1 in
	--static) static=1; shift ;;
	-h|--help) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "perf-build: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
arch=${1:-$(uname -m)}
arch_info "$arch" || { echo "perf-build: unknown ARCH '$arch'" >&2; exit 2; }

features="NO_LIBLLVM=1 NO_LIBDEBUGINFOD=1 NO_CAPSTONE=1 NO_LIBPYTHON=1
	NO_LIBPERL=1 NO_LIBTRACEEVENT=1 NO_JEVENTS=1 NO_SLANG=1 NO_GTK2=1
	NO_LIBBPF=1 NO_LIBUNWIND=1 NO_DEMANGLE=1 NO_LIBCAP=1 NO_LIBNUMA=1
	NO_LIBELF=1 NO_SDT=1 NO_LIBBABELTRACE=1 NO_LIBZSTD=1 NO_LIBLZMA=1
	NO_ZLIB=1 NO_AUXTRACE=1 NO_LIBCRYPTO=1 NO_LIBPFM4=1 NO_SHELLCHECK=1"

tree=$("$top/scripts/ktree.sh" "$top/kernel-patches/perf/series")
head=$(git -C "$tree" rev-parse HEAD)
key=$(printf '%s %s %s %s' "$head" "$static" "$cross" "$features" |
	sha256sum | cut -c1-12)
dir=$cache/perf/$arch${static:+-static}-$key
bin=$dir/perf

if ! cached "$bin" "$cache/perf/.lock"; then
	echo "perf-build: building perf for $arch${static:+ (static)} in $dir" >&2
	mkdir -p "$dir"
	# A static link has no use for the dlfilter objects: build perf only.
	# shellcheck disable=SC2086 # $features is a list of make variables
	if ! make -C "$tree/tools/perf" O="$dir" -j"$(nproc)" \
		ARCH="$karch" CROSS_COMPILE="$cross" \
		${static:+LDFLAGS=-static} $features "$bin" \
		>"$dir/build.log" 2>&1; then
		tail -n 40 "$dir/build.log" >&2
		echo "perf-build: the build failed: $dir/build.log" >&2
		rm -f "$bin"
		exit 1
	fi
	"${cross}strip" -o "$bin.stripped" "$bin" && mv "$bin.stripped" "$bin"
fi
echo "$bin"
