#!/bin/bash
# mbcheck on the host: what it can show without a checker kernel. Bad
# options are usage errors (exit 2, naming the option); -l lists every case;
# on a kernel without the checker it SKIPs with the reason (exit 4), never
# passes. KTAP on stdout.
set -u
bin=${1:?usage: $0 MBCHECK}
. "$(dirname "$0")/../../../scripts/ktap.sh"

ktap_header 6
for bad in "-r 0" "-r x" "-g maybe" "-c nosuch"; do
	out=$("$bin" $bad 2>&1)
	rc=$?
	word=${bad#* }
	[ $rc -eq 2 ] && grep -q -- "$word" <<<"$out"
	ktap_result "bad option '$bad': exit 2 naming it (got $rc)" $?
done
n=$("$bin" -l | wc -l)
[ "$n" -ge 7 ]
ktap_result "-l lists the cases ($n)" $?
if [ -r /sys/kernel/debug/membarrier_sync_core/stats ]; then
	ktap_skip "no checker: SKIP" "this kernel has the checker"
else
	out=$("$bin" 2>&1)
	rc=$?
	[ $rc -eq 4 ] && grep -q 'SKIP.*CONFIG_DEBUG_MEMBARRIER_SYNC_CORE' <<<"$out"
	ktap_result "kernel without the checker: SKIP naming it (got $rc)" $?
fi
ktap_finish
