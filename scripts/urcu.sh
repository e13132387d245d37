#!/bin/bash
# Print the prefix (with include/ and lib/) of a static liburcu for ARCH
# (an arch with a guest in scripts/arches), or an empty line when the
# compiler finds liburcu on its own.
#   the host's arch, or an arch with liburcu-dev:DEB installed (arm64
#             via multiarch): an empty line, nothing to add
#   an arch apt has liburcu-dev for, not installed: fails, naming the
#             package to install
#   an arch apt has no liburcu-dev for (riscv64: Debian 12 releases no
#             riscv64 packages): Debian's liburcu source package
#             (scripts/debsrc.sh), configured out of tree with the cross
#             compiler and the configure flags Debian's rules give that
#             arch, built once into $SYNCORE_CACHE/urcu-ARCH (static only)
#
# stress/Makefile asks only when /usr/lib/GNU-TRIPLET has no
# liburcu-memb.a, so builds with Debian's package never run this.
set -euo pipefail

arch=${1:?usage: $0 ARCH}
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
die() { echo "urcu: $*" >&2; exit 1; }

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
arch_info "$arch" || die "unknown ARCH '$arch'"

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null |
		grep -q '^install ok installed$'
}

if [ "$(dpkg --print-architecture)" = "$deb" ]; then
	installed liburcu-dev || die "liburcu-dev is not installed (scripts/deps.sh host)"
	echo
	exit 0
fi
if installed "liburcu-dev:$deb"; then
	echo
	exit 0
fi

dir=$cache/urcu-$arch
if cached "$dir/.done" "$cache/.urcu-$arch.lock"; then
	echo "$dir"
	exit 0
fi
if apt-cache show "liburcu-dev:$deb" >/dev/null 2>&1; then
	die "liburcu-dev:$deb is not installed (scripts/deps.sh host)"
fi

src=$("$(dirname "$0")/debsrc.sh" liburcu) || exit 1
tmp=$dir.build
log=$tmp.log
# Debian's per-arch configure flags (riscv64: --disable-compiler-tls),
# read from its rules rather than copied here.
cpu=$(dpkg-architecture -a "$deb" -qDEB_HOST_ARCH_CPU 2>/dev/null) ||
	die "dpkg-architecture does not know '$deb' (apt-get install dpkg-dev)"
# shellcheck disable=SC2016 # $(ADD_CONFIG_FLAGS) is make's, not the shell's
flags=$(make -s --no-print-directory -f "$src/debian/rules" \
	DEB_HOST_ARCH_CPU="$cpu" DEB_HOST_MULTIARCH="$gnu" \
	--eval 'syncore-flags: ; @echo "$(ADD_CONFIG_FLAGS)"' syncore-flags) ||
	die "cannot read the configure flags of $src/debian/rules"

echo "urcu: no liburcu-dev:$deb package: building Debian's source (log: $log)" >&2
start=$SECONDS
rm -rf "$tmp" "$dir"
mkdir -p "$tmp"
# Out of tree: the cached source stays as debsrc.sh unpacked it. Debian's
# patches leave some Makefile.am newer than its Makefile.in; without
# maintainer mode make does not try to rerun automake over them.
# shellcheck disable=SC2086 # flags: words from Debian's rules
if ! (cd "$tmp" && "$src/configure" --host="$gnu" --prefix="$dir" \
		--enable-static --disable-shared --disable-maintainer-mode \
		$flags CC="${cross}gcc" &&
	make -j"$(nproc)" && make install) >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "the $arch liburcu build failed (log: $log)"
fi
for lib in urcu-memb urcu-common; do
	[ -f "$dir/lib/lib$lib.a" ] || die "$dir/lib/lib$lib.a was not installed"
done
rm -rf "$tmp" "$log"
touch "$dir/.done"
echo "urcu: liburcu for $arch built in $((SECONDS - start)) s" >&2
echo "$dir"
