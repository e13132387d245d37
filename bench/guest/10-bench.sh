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
syncore-bench --reps "${reps:-10}" run $cases --json /tmp/bench.json \
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
