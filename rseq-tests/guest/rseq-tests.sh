#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rseq-tests in a guest: @PROG@, one of the programs of rseq-tests (make
# guest installs this script once for each). Prints KTAP; exits 0 pass,
# 1 fail, 4 skip. The work is bounded by the program's -T budget, and by
# timeout(1) when busybox has it: its SIGTERM makes the program kill the
# running test and print "Bail out!" with the totals. A kernel without
# CONFIG_RSEQ gives SKIPs naming the reason. Kernel options:
# rseq-tests/config.

prog=@PROG@
bin=
for b in "$(dirname "$0")/../bin/$prog" "/bin/$prog" \
	 "$(command -v "$prog" 2>/dev/null)"; do
	if [ -n "$b" ] && [ -x "$b" ]; then
		bin=$b
		break
	fi
done
if [ -z "$bin" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP $prog not installed"
	exit 4
fi

# /proc/self/exe for rseq_abi's exec test, /sys for the possible CPUs.
[ -e /proc/self/exe ] || mount -t proc proc /proc 2>/dev/null
[ -e /sys/devices/system/cpu ] || mount -t sysfs sysfs /sys 2>/dev/null

if timeout 1 true 2>/dev/null; then
	exec @ENV@ timeout -k 5 58 "$bin" @ARGS@
fi
exec @ENV@ "$bin" @ARGS@
