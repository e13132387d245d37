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

# The KTAP helpers (scripts/ktap.sh) are inlined above this line when
# kselftests.sh installs the runner.
if ! reason=$(/bin/syncore-probe "$probe"); then
	echo "TAP version 13"
	echo "1..0 # SKIP $suite: $reason"
	exit 4
fi
ktap_header "$(grep -c . "$dir/list")"
cd "$dir" || exit 1
while read -r cmd; do
	[ -n "$cmd" ] || continue
	name="selftests: $suite: ${cmd#slow }"
	case $cmd in
	slow\ *)
		cmd=${cmd#slow }
		if ! grep -qw 'syncore.accel=kvm' /proc/cmdline; then
			ktap_skip "$name" "fixed work too long under TCG (runs under KVM)"
			continue
		fi ;;
	esac
	ktap_diag "$name"
	# shellcheck disable=SC2086
	timeout -s KILL "$tmo" ./$cmd </dev/null >/tmp/ksft.out 2>&1
	rc=$?
	ktap_diag </tmp/ksft.out
	case $rc in
	0) ktap_ok "$name" ;;
	4) ktap_skip "$name" "" ;;
	137) ktap_not_ok "$name # TIMEOUT ${tmo}s" ;;
	*) ktap_not_ok "$name # exit=$rc" ;;
	esac
done <"$dir/list"
ktap_finish
