#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The /bench suite of the guests (make bench-vm boots it with
# syncore.suite=/bench): every benchmark, or the cases listed in
# syncore.bench=CASE,CASE; the table as KTAP diagnostics and the JSON
# between @@BENCH-JSON markers, which bench/ab.sh reads.
cases=$(sed -n 's/.*syncore\.bench=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
reps=$(sed -n 's/.*syncore\.bench-reps=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "1..1"
# Left out under TCG when no case was asked for, one row each: the case
# (a regular expression), the machine it applies to, and why.
#  - QEMU 7.2's TCG checks the stack reads of a user-mode IRETQ as
#    supervisor accesses: with SMAP on, the kernel takes the fault as its
#    own and kills the process. Not the kernel's doing.
#  - Concurrent callers on every vCPU of an oversubscribed TCG host wait
#    for descheduled vCPUs on each call (tens of ms): nothing to learn.
tcg_skip='serialize\.iret x86_64 TCG faults a user-mode IRETQ under SMAP
membarrier\.callers.* any under TCG each call waits for descheduled vCPUs'
if [ -z "$cases" ] && grep -q 'syncore\.accel=tcg' /proc/cmdline; then
	cases=$(syncore-bench list | awk '/^  [a-z]/ {print $1}')
	while read -r pat mach why; do
		[ "$mach" = any ] || [ "$mach" = "$(uname -m)" ] || continue
		cases=$(echo "$cases" | grep -vx "$pat")
		echo "# $pat left out: $why"
	done <<EOF
$tcg_skip
EOF
fi
# Under -icount the vCPUs take turns: spinners that PAUSE let an IPI be
# answered within the caller's time slice.
relax=
grep -q 'syncore\.icount=1' /proc/cmdline && relax=--spin-relax
syncore-bench --reps "${reps:-10}" $relax run $cases --json /tmp/bench.json \
	>/tmp/bench.txt 2>&1
rc=$?
sed 's/^/# /' /tmp/bench.txt
echo "# @@BENCH-JSON-BEGIN"
sed 's/^/# /' /tmp/bench.json 2>/dev/null
echo "# @@BENCH-JSON-END"
case $rc in
0) echo "ok 1 syncore-bench" ;;
4) echo "ok 1 syncore-bench # SKIP every row skipped" ;;
*) echo "not ok 1 syncore-bench exit $rc" ;;
esac
