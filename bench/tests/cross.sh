#!/bin/bash
# arm64: cross-build syncore-bench (static) and run it under qemu-user,
# where the ISB row must run and the x86 rows must be skipped. KTAP output.
#
# Usage: tests/cross.sh MAKE-COMMAND...   (run from bench/)
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ktap.sh
. "$here/../../scripts/ktap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out

command -v aarch64-linux-gnu-gcc >/dev/null ||
	ktap_skip_all "arm64 cross build" "aarch64-linux-gnu-gcc is not installed"
ktap_header 4

if ! "$@" ARCH=arm64 >"$tmp/build.log" 2>&1; then
	tail -n 20 "$tmp/build.log" | sed 's/^/# /'
	ktap_not_ok "arm64 static cross build"
	for t in "ISB runs" "x86 rows SKIP" "ctx.self runs"; do
		ktap_skip "arm64 under qemu-user: $t" "the build failed"
	done
	ktap_finish
fi
bin=$("$@" -s ARCH=arm64 print-bin)
# An ELF for AArch64 (e_machine 183 at offset 18) with no program
# interpreter: static.
machine=$(od -An -tu2 -j18 -N2 "$bin" | tr -d ' ')
[ "$machine" = 183 ] && ! readelf -l "$bin" | grep -q 'program interpreter'
ktap_result "arm64 static cross build" $?

qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
if [ -z "$qemu" ]; then
	for t in "ISB runs" "x86 rows SKIP" "ctx.self runs"; do
		ktap_skip "arm64 under qemu-user: $t" "qemu-aarch64-static is not installed"
	done
	ktap_finish
fi

"$qemu" "$bin" --quick --json "$tmp/s.json" run serialize >"$out" 2>&1
rc=$?
sed -n '/^bench /,$p' "$out" | sed 's/^/# /'
[ "$rc" -eq 0 ] && grep -q '"case": "isb".*"status": "ok"' "$tmp/s.json"
ktap_result "arm64 under qemu-user: ISB runs" $?

n=$(grep -c '"case": "\(cpuid\|serialize\|iret\)".*"status": "skip"' "$tmp/s.json")
[ "$n" -eq 3 ]
ktap_result "arm64 under qemu-user: x86 rows SKIP" $?

"$qemu" "$bin" --quick run ctx.self >"$out" 2>&1
ktap_result "arm64 under qemu-user: ctx.self runs" $?

ktap_finish
