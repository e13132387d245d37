#!/bin/bash
# Tests of a cross-built arch (arm64, riscv64: one with a guest in
# scripts/arches that is not the host's): build the static binary and run
# it under qemu-user (qemu-aarch64-static, qemu-riscv64-static). KTAP
# output.
#
# Usage: tests/cross-tests.sh ARCH MAKE-COMMAND...   (run from stress/)
# DENY=PATH: the host's deny-syscall (scripts/deny-syscall.c), for the fallback test.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/ktap.sh"
. "$here/ktap-stress.sh"
# shellcheck source=scripts/lib.sh
. "$here/../../scripts/lib.sh"
# shellcheck source=stress/tests/profiles.sh
. "$here/profiles.sh"

arch=${1:?usage: $0 ARCH MAKE-COMMAND...}
shift
arch_info "$arch" || { echo "cross-tests: unknown ARCH '$arch'" >&2; exit 2; }
qemu_name=qemu-${gnu%%-*}-static
# For the test names: the consumer fence and the trapping instruction.
case $arch in
arm64) fence=isb illegal=udf ;;
riscv64) fence=fence.i illegal="all-zero parcel" ;;
*) fence=fence illegal=illegal ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
ktap_header 9

if ! "$@" ARCH="$arch" >"$tmp/build.log" 2>&1; then
	tail -n 20 "$tmp/build.log" | sed 's/^/# /'
	ktap_not_ok "$arch static cross build"
	for t in sync-core publish-early consumer-fence sigill wx-dual probe \
		profiles fallback; do
		ktap_skip "$arch $t under qemu-user" "the build failed"
	done
	ktap_finish
fi
ktap_ok "$arch static cross build"
bin=$("$@" -s ARCH="$arch" print-bin)
qemu=$(command -v "$qemu_name" || command -v "${qemu_name%-static}")

# qemu-user detects code writes by write-protecting the pages it
# translated, so writes through a second (RW) mapping go unnoticed and
# stale code runs for real: the runs here use --wx inplace.
run()
{
	local name=$1 want=$2 rc
	shift 2
	if [ -z "$qemu" ]; then
		ktap_skip "$name" "$qemu_name is not installed"
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

name="$arch sync-core under qemu-user: 2 s, no violation"
run "$name" 0 -t 4 -d 2 --wx inplace && ktap_ok "$name"

name="$arch publish-early under qemu-user: detected"
run "$name" 1 -t 4 -d 2 --wx inplace --inject publish-early &&
	ktap_detected "$name" "$out"

name="$arch consumer-fence ($fence) under qemu-user: no violation"
run "$name" 0 -t 2 -d 1 --wx inplace --mode consumer-fence &&
	ktap_ok "$name"

name="$arch sigill ($illegal) under qemu-user: caught and reported"
if run "$name" 1 -t 2 -d 1 --wx inplace --inject sigill; then
	grep -q 'SIGILL in JIT code' "$out"
	ktap_result "$name" $?
fi

# Writes through the RW alias of --wx dual go unseen by qemu-user, so even
# after an executor synchronized its own CPU the code stays stale: the tool
# must blame the emulator (SKIP), never report kernel violations.
name="$arch --wx dual under qemu-user: stale fetch blamed on the emulator"
if [ -n "$qemu" ]; then
	"$qemu" "$bin" -t 2 -d 1 --wx dual >"$out" 2>&1
	rc=$?
	grep -E '^(SKIP|result|  not judged)' "$out" | sed 's/^/# /'
	[ "$rc" -eq 4 ] && grep -q '^SKIP: .*emulator' "$out" &&
		grep -q '^result: SKIP: .* 0 violations' "$out"
	ktap_result "$name" $?
else
	ktap_skip "$name" "$qemu_name is not installed"
fi

# qemu-user passes membarrier to the host's kernel (or has none): --probe
# sees the emulator, says so, and exits 0.
name="$arch --probe under qemu-user: the emulator named, exit 0"
if [ -n "$qemu" ]; then
	"$qemu" "$bin" --probe >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out"
	[ "$rc" -eq 0 ] && grep -q '^conclusion: .*user-mode emulator' "$out"
	ktap_result "$name" $?
else
	ktap_skip "$name" "$qemu_name is not installed"
fi

name="$arch --profile under qemu-user: each runtime's verdict is the manual's"
if [ -n "$qemu" ]; then
	profile_verdicts "$name" "$arch" "$qemu" "$bin"
else
	ktap_skip "$name" "$qemu_name is not installed"
fi

# A kernel without SYNC_CORE (EINVAL, a filter on the host's membarrier
# that qemu-user calls): each runtime takes its own way out.
case $arch in
arm64) name="$arch --probe, SYNC_CORE EINVAL: wasmtime falls back to GLOBAL, art ignores it" ;;
*) name="$arch --probe, SYNC_CORE EINVAL: wasmtime needs none, art ignores it" ;;
esac
if [ -z "$qemu" ] || [ -z "${DENY:-}" ]; then
	ktap_skip "$name" "needs $qemu_name and DENY (deny-syscall)"
else
	"$DENY" membarrier:EINVAL:32 -- "$qemu" "$bin" --probe >"$out" 2>&1
	rc=$?
	sed -n '/^what each runtime/,/^conclusion/p' "$out" | sed 's/^/# /'
	case $arch in
	arm64) want='^  wasmtime +falls back to MEMBARRIER_CMD_GLOBAL.*: insufficient' ;;
	*) want='^  wasmtime +no barrier: sufficient' ;;
	esac
	[ "$rc" -eq 0 ] && grep -qE "$want" "$out" &&
		grep -qE '^  art +SYNC_CORE fails \(Invalid argument\), ignored' "$out"
	ktap_result "$name" $?
fi

ktap_finish
