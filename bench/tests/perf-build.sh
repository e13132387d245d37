#!/bin/bash
# The perf bench series (kernel-patches/perf): perf builds from the patched
# tree for x86_64 (static, as the guests run it) and arm64 (static cross),
# and the new benchmarks run, report and refuse bad input. Timings are not
# judged (bench/perf-agree.sh compares them with syncore-bench). KTAP.
# Run by make check-full: the two builds take minutes on a cold cache.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ktap.sh
. "$here/../../scripts/ktap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out

ktap_header 6
x86=$("$here/../perf-build.sh" --static x86_64 2>"$tmp/x86.err")
ktap_result "perf builds (static) for x86_64 from the patched tree" $? ||
	sed 's/^/# /' "$tmp/x86.err" | tail -n 20

check() {
	local name=$1 want=$2
	shift 2
	if [ ! -x "${x86:-}" ]; then
		ktap_skip "$name" "perf did not build"
		return
	fi
	"$@" >"$out" 2>&1
	sed 's/^/# /' "$out"
	grep -q -- "$want" "$out"
	ktap_result "$name" $?
}
check "perf bench membarrier latency: every command, 0 and 1 spinning" \
	'private-expedited-sync-core *1 ' \
	"$x86" bench -r 2 membarrier latency -t 0,1 -l 20
check "perf bench sched idle-wake --sync-core reports usecs/op" \
	'SYNC_CORE registered' "$x86" bench -r 2 sched idle-wake -s -l 50
check "perf bench membarrier latency refuses an unknown command" \
	"unknown command 'bogus'" "$x86" bench membarrier latency -c bogus

arm=$("$here/../perf-build.sh" --static arm64 2>"$tmp/arm.err")
ktap_result "perf builds (static) for arm64 from the patched tree" $? ||
	sed 's/^/# /' "$tmp/arm.err" | tail -n 20
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
if [ ! -x "${arm:-}" ]; then
	ktap_skip "arm64 perf bench membarrier latency under qemu-user" "perf did not build"
elif [ -z "$qemu" ]; then
	ktap_skip "arm64 perf bench membarrier latency under qemu-user" "qemu-aarch64-static is not installed"
else
	"$qemu" "$arm" bench -r 2 membarrier latency -t 0 -l 20 >"$out" 2>&1
	sed 's/^/# /' "$out"
	grep -q 'private-expedited *0 ' "$out"
	ktap_result "arm64 perf bench membarrier latency under qemu-user" $?
fi
ktap_finish
