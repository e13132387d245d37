#!/bin/bash
# Sanitizer builds of stress-syncore: ASan+UBSan (asan) or TSan (tsan),
# each run briefly; any sanitizer report fails the test. KTAP output.
#
# Usage: tests/san-tests.sh asan|tsan MAKE-COMMAND...   (run from stress/)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/ktap.sh"
. "$here/ktap-stress.sh"

san=${1:?usage: $0 asan|tsan MAKE...}
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
cases=5
ktap_header $((cases + 1))

if ! "$@" SAN="$san" >"$tmp/build.log" 2>&1; then
	tail -n 20 "$tmp/build.log" | sed 's/^/# /'
	ktap_not_ok "$san build"
	ktap_finish
fi
ktap_ok "$san build"
bin=$("$@" -s SAN="$san" print-bin)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=0:report_signal_unsafe=0
# Sanitizer reports this test treats as failures.
reports='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer|FATAL: ThreadSanitizer'

# TSan does not see the ordering that liburcu builds from membarrier(2)
# and its own inline-asm barriers, so a race it reports inside liburcu is
# a false positive of the tool, not of the program: skip, with the reason.
tsan_urcu_only()
{
	[ "$san" = tsan ] || return 1
	grep -q 'WARNING: ThreadSanitizer' "$out" || return 1
	# Every report's first frame from a named function lies in liburcu.
	! awk '/WARNING: ThreadSanitizer/ { want = 1; next }
	       want && /#0 / { want = 0; if ($0 !~ /urcu/) bad = 1 }
	       END { exit bad ? 0 : 1 }' "$out"
}

run()
{
	local name="$san: $1" want=$2 rc
	shift 2
	"$bin" "$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" -eq 4 ]; then
		ktap_skip "$name" "$(ktap_skip_reason "$out")"
		return
	fi
	if tsan_urcu_only; then
		ktap_skip "$name" "TSan reports only races inside liburcu, whose membarrier-based ordering it cannot model"
		return
	fi
	if grep -qE "$reports" "$out" || [ "$rc" -ne "$want" ]; then
		ktap_diag "exit $rc, expected $want"
		grep -E -A 12 "$reports" "$out" | head -n 40 | sed 's/^/# /'
		ktap_not_ok "$name"
		return
	fi
	ktap_ok "$name"
}

run "busy, 4 executors, 1 s" 0 -q -t 4 -d 1
run "mixed (sleepy, migrate, fork), 6 executors, 1 s" 0 -q -t 6 -d 1 \
	--pattern mixed
run "publish-early detected" 1 -q -t 4 -d 1 --inject publish-early
run "sigill in JIT code caught" 1 -q -t 4 -d 1 --inject sigill
# The watchdog reads what the executors and the writer write (their tids).
run "stalled executor caught by the watchdog" 1 -q -t 4 -d 4 --watchdog 1 \
	--inject stall
ktap_finish
