#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The SYNC_CORE checker's own cases (mbcheck): every delivery path taken,
# no violation, except the kthread_use_mm() lazy exit on a kernel that does
# not serialize it: the harness passes the expected verdict as
# syncore.g1=violation|none on the kernel command line. Runs first, so a
# mutant kernel is caught within seconds of boot. A kernel without the
# checker gives a SKIP.
g1=none
for w in $(cat /proc/cmdline); do
	case $w in
	syncore.g1=*) g1=${w#*=} ;;
	esac
done
if timeout 1 true 2>/dev/null; then
	exec timeout -s KILL 120 /bin/mbcheck -g "$g1"
fi
exec /bin/mbcheck -g "$g1"
