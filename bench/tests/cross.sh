#!/bin/bash
# A cross arch: cross-build syncore-bench (static) and run it under
# qemu-user, where the arch's own serializing instruction must run and
# every other instruction's row must be skipped. KTAP output.
#
# Usage: tests/cross.sh ARCH MAKE-COMMAND...   (run from bench/)
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ktap.sh
. "$here/../../scripts/ktap.sh"

# One row per cross arch: its name (scripts/arches), the ELF e_machine of
# its binaries, and its own serialize case and label. The GNU triplet, and
# with it the compiler and qemu-user, come from scripts/arches.
cross_arches='arm64	183	isb	ISB
riscv64	243	fence-i	FENCE.I'

arch=${1:?usage: $0 ARCH MAKE-COMMAND...}
shift
row=$(printf '%s\n' "$cross_arches" | awk -F'\t' -v a="$arch" '$1 == a')
[ -n "$row" ] || { echo "$0: $arch: not a cross arch of this test" >&2; exit 2; }
IFS=$'\t' read -r _ machine own label <<<"$row"
gnu=$(awk -v a="$arch" '!/^#/ && $1 == a { print $3 }' "$here/../../scripts/arches")
cc=$gnu-gcc
qemu_name=qemu-${gnu%%-*}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out

command -v "$cc" >/dev/null ||
	ktap_skip_all "$arch cross build" "$cc is not installed"
ktap_header 4

runs=("$label runs" "the other rows SKIP" "ctx.self runs")
if ! "$@" ARCH="$arch" >"$tmp/build.log" 2>&1; then
	tail -n 20 "$tmp/build.log" | sed 's/^/# /'
	ktap_not_ok "$arch static cross build"
	for t in "${runs[@]}"; do
		ktap_skip "$arch under qemu-user: $t" "the build failed"
	done
	ktap_finish
fi
bin=$("$@" -s ARCH="$arch" print-bin)
# An ELF for the arch (e_machine at offset 18) with no program
# interpreter: static.
m=$(od -An -tu2 -j18 -N2 "$bin" | tr -d ' ')
[ "$m" = "$machine" ] && ! readelf -l "$bin" | grep -q 'program interpreter'
ktap_result "$arch static cross build" $?

qemu=$(command -v "$qemu_name-static" || command -v "$qemu_name")
if [ -z "$qemu" ]; then
	for t in "${runs[@]}"; do
		ktap_skip "$arch under qemu-user: $t" "$qemu_name-static is not installed"
	done
	ktap_finish
fi

"$qemu" "$bin" --quick --json "$tmp/s.json" run serialize >"$out" 2>&1
rc=$?
sed -n '/^bench /,$p' "$out" | sed 's/^/# /'
[ "$rc" -eq 0 ] && grep -q "\"case\": \"$own\".*\"status\": \"ok\"" "$tmp/s.json"
ktap_result "$arch under qemu-user: $label runs" $?

# Every instruction row but the arch's own (and the empty loop) is a SKIP.
rows=$(grep -c '"bench": "serialize"' "$tmp/s.json")
skips=$(grep -c '"bench": "serialize".*"status": "skip"' "$tmp/s.json")
[ "$rows" -gt 2 ] && [ "$skips" -eq $((rows - 2)) ] &&
	! grep -q "\"case\": \"$own\".*\"status\": \"skip\"" "$tmp/s.json"
ktap_result "$arch under qemu-user: the other rows SKIP" $?

"$qemu" "$bin" --quick run ctx.self >"$out" 2>&1
ktap_result "$arch under qemu-user: ctx.self runs" $?

ktap_finish
