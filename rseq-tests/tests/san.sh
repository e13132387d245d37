#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A sanitizer build of the rseq-tests programs, each run briefly; any
# sanitizer report fails its run, as does any failing result. KTAP output.
#
# Usage: tests/san.sh tsan|asan MAKE-COMMAND...   (run from rseq-tests/)
#
# TSan sees neither the rseq critical sections (inline asm) nor the
# ordering that a restart gives them: what it checks is the C around
# them, the flags and counters that the threads share.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/ktap.sh"

san=${1:?usage: $0 tsan|asan MAKE...}
shift
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
reports='WARNING: ThreadSanitizer|FATAL: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:'

ktap_header 4
if ! "$@" SAN="$san" all >"$out" 2>&1; then
	tail -n 20 "$out" | ktap_diag
	ktap_not_ok "$san build"
	ktap_finish
fi
ktap_ok "$san build"

export TSAN_OPTIONS=halt_on_error=0
export ASAN_OPTIONS=detect_leaks=1
for bin in $("$@" -s SAN="$san" print-bin); do
	name="$san: $(basename "$bin") -t 1 -d 0.3"
	env=
	[ "$(basename "$bin")" != rseq_abi ] ||
		env=GLIBC_TUNABLES=glibc.pthread.rseq=0
	timeout -k 5 60 env $env "$bin" -t 1 -d 0.3 >"$out" 2>&1
	rc=$?
	if grep -qE "$reports" "$out" || { [ $rc != 0 ] && [ $rc != 4 ]; }; then
		ktap_diag "exit status $rc"
		grep -E -A 12 "$reports" "$out" | head -n 40 | ktap_diag
		grep -E '^not ok' "$out" | ktap_diag
		ktap_not_ok "$name"
	else
		ktap_ok "$name"
	fi
done
ktap_finish
