#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rseq-tests in a guest: restartable sequences and the membarrier RSEQ
# fence. Prints KTAP; exits 0 pass, 1 fail, 4 skip. The work is bounded by
# the binary's -T budget (and by timeout(1) when busybox has it) so that a
# 4-vCPU TCG guest finishes in under 60 s. A kernel without CONFIG_RSEQ
# gives a SKIP naming the reason. Kernel options: rseq-tests/config.

bin=
for b in "$(dirname "$0")/../bin/rseq_tests" /bin/rseq_tests \
	 "$(command -v rseq_tests 2>/dev/null)"; do
	if [ -n "$b" ] && [ -x "$b" ]; then
		bin=$b
		break
	fi
done
if [ -z "$bin" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP rseq_tests binary not installed"
	exit 4
fi

# /proc/self/exe for the re-executed cases, /sys for the possible CPUs.
[ -e /proc/self/exe ] || mount -t proc proc /proc 2>/dev/null
[ -e /sys/devices/system/cpu ] || mount -t sysfs sysfs /sys 2>/dev/null

if timeout 1 true 2>/dev/null; then
	exec timeout -s KILL 58 "$bin" @GUEST_ARGS@
fi
exec "$bin" @GUEST_ARGS@
