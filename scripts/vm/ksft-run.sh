#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest runner for the kernel tree's own selftests (installed by
# scripts/vm/kselftests.sh as /kselftest/run.sh). Runs the commands listed
# in DIR/list (one per line: program and arguments) in DIR, kselftest
# run_test style: one top-level KTAP result per command, the command's own
# output indented as "# " diagnostics. A line "slow CMD" is a command whose
# fixed amount of work takes many minutes under TCG: it runs only when the
# kernel command line says syncore.accel=kvm, else it is a SKIP that says so.
#
# Usage: run.sh DIR SUITE PROBE [TIMEOUT]
#   PROBE  syscall the suite needs (membarrier|rseq): a kernel without it
#          gives "1..0 # SKIP <reason>" and exit 4
# Exit 0 all passed, 1 something failed, 4 everything skipped.

dir=$1 suite=$2 probe=$3 tmo=${4:-120}

echo "TAP version 13"
if ! reason=$(/bin/syncore-probe "$probe"); then
	echo "1..0 # SKIP $suite: $reason"
	exit 4
fi
n=$(grep -c . "$dir/list")
echo "1..$n"
cd "$dir" || exit 1
i=0 fail=0 skip=0
while read -r cmd; do
	[ -n "$cmd" ] || continue
	i=$((i + 1))
	case $cmd in
	slow\ *)
		cmd=${cmd#slow }
		if ! grep -qw 'syncore.accel=kvm' /proc/cmdline; then
			echo "ok $i selftests: $suite: $cmd # SKIP fixed work too long under TCG (runs under KVM)"
			skip=$((skip + 1))
			continue
		fi ;;
	esac
	echo "# selftests: $suite: $cmd"
	# shellcheck disable=SC2086
	timeout -s KILL "$tmo" ./$cmd </dev/null >/tmp/ksft.out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/ksft.out
	case $rc in
	0) echo "ok $i selftests: $suite: $cmd" ;;
	4) echo "ok $i selftests: $suite: $cmd # SKIP"; skip=$((skip + 1)) ;;
	137) echo "not ok $i selftests: $suite: $cmd # TIMEOUT ${tmo}s"
	     fail=$((fail + 1)) ;;
	*) echo "not ok $i selftests: $suite: $cmd # exit=$rc"
	   fail=$((fail + 1)) ;;
	esac
done <"$dir/list"
echo "# Totals: pass:$((i - fail - skip)) fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ $fail -eq 0 ] || exit 1
[ $skip -lt "$i" ] || exit 4
exit 0
