#!/bin/bash
# arm64 tests: cross-build the static binary and run it under
# qemu-aarch64-static (user-mode emulation). KTAP output.
#
# Usage: tests/cross-tests.sh MAKE-COMMAND...   (run from stress/)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/ktap.sh"
. "$here/ktap-stress.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
ktap_header 6

if ! "$@" ARCH=arm64 >"$tmp/build.log" 2>&1; then
	tail -n 20 "$tmp/build.log" | sed 's/^/# /'
	ktap_not_ok "arm64 static cross build"
	for t in sync-core publish-early consumer-fence sigill wx-dual; do
		ktap_skip "arm64 $t under qemu-user" "the build failed"
	done
	ktap_finish
fi
ktap_ok "arm64 static cross build"
bin=$("$@" -s ARCH=arm64 print-bin)
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64)

# qemu-user detects code writes by write-protecting the pages it
# translated, so writes through a second (RW) mapping go unnoticed and
# stale code runs for real: the runs here use --wx inplace.
run()
{
	local name=$1 want=$2 rc
	shift 2
	if [ -z "$qemu" ]; then
		ktap_skip "$name" "qemu-aarch64-static is not installed"
		return 1
	fi
	"$qemu" "$bin" "$@" >"$out" 2>&1
	rc=$?
	grep -E '^(code|  cpu attribution|  rounds|  violations)' "$out" |
		sed 's/^/# /'
	if [ "$rc" -eq 4 ]; then
		ktap_skip "$name" "$(ktap_skip_reason "$out")"
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		ktap_diag "exit $rc, expected $want"
		tail -n 10 "$out" | sed 's/^/# /'
		ktap_not_ok "$name"
		return 1
	fi
	return 0
}

name="arm64 sync-core under qemu-user: 2 s, no violation"
run "$name" 0 -t 4 -d 2 --wx inplace && ktap_ok "$name"

name="arm64 publish-early under qemu-user: detected"
run "$name" 1 -t 4 -d 2 --wx inplace --inject publish-early &&
	ktap_detected "$name" "$out"

name="arm64 consumer-fence (isb) under qemu-user: no violation"
run "$name" 0 -t 2 -d 1 --wx inplace --mode consumer-fence &&
	ktap_ok "$name"

name="arm64 sigill (udf) under qemu-user: caught and reported"
if run "$name" 1 -t 2 -d 1 --wx inplace --inject sigill; then
	grep -q 'SIGILL in JIT code' "$out"
	ktap_result "$name" $?
fi

# Writes through the RW alias of --wx dual go unseen by qemu-user, so even
# after an executor synchronized its own CPU the code stays stale: the tool
# must blame the emulator (SKIP), never report kernel violations.
name="arm64 --wx dual under qemu-user: stale fetch blamed on the emulator"
if [ -n "$qemu" ]; then
	"$qemu" "$bin" -t 2 -d 1 --wx dual >"$out" 2>&1
	rc=$?
	grep -E '^(SKIP|result|  not judged)' "$out" | sed 's/^/# /'
	[ "$rc" -eq 4 ] && grep -q '^SKIP: .*emulator' "$out" &&
		grep -q '^result: SKIP: .* 0 violations' "$out"
	ktap_result "$name" $?
else
	ktap_skip "$name" "qemu-aarch64-static is not installed"
fi

ktap_finish
