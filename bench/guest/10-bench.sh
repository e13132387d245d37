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
# QEMU 7.2's TCG checks the stack reads of a user-mode IRETQ as supervisor
# accesses: with SMAP on, the kernel takes the fault as its own and kills
# the process. Not the kernel's doing, and not measurable here.
if [ -z "$cases" ] && [ "$(uname -m)" = x86_64 ] &&
	grep -q 'syncore\.accel=tcg' /proc/cmdline; then
	cases=$(syncore-bench list | awk '/^  [a-z]/ {print $1}' |
		grep -vx serialize.iret)
	echo "# serialize.iret left out: TCG faults a user-mode IRETQ under SMAP"
fi
# Concurrent callers on every vCPU of an oversubscribed TCG host wait for
# descheduled vCPUs on each call (tens of ms): nothing to learn there.
if [ -z "$(sed -n 's/.*syncore\.bench=\([^ ]*\).*/\1/p' /proc/cmdline)" ] &&
	grep -q 'syncore\.accel=tcg' /proc/cmdline; then
	cases=$(echo "${cases:-$(syncore-bench list | awk '/^  [a-z]/ {print $1}')}" |
		grep -v '^membarrier\.callers')
	echo "# membarrier.callers* left out: under TCG each call waits for descheduled vCPUs"
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
