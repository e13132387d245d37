#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The perf bench forms of two benchmarks (kernel-patches/perf, built from
# this guest's tree by bench/perf-build.sh --static) against syncore-bench,
# in the same guest: bench/perf-agree.sh. Installed by make bench-vm only
# (BENCH_PERF=1). Not --quick: perf's samples must last about as long as
# syncore-bench's (10 ms), or the slow calls a long sample always catches
# (timer ticks, the host preempting a vCPU) weigh differently in the two.
# Under TCG a wait for another vCPU is not a figure two tools can be
# compared on: under -icount the vCPUs take turns (the wait is QEMU's time
# slice), and without it they are host threads on an oversubscribed host
# (consecutive runs of one tool differed by 2x). The metric that stays on
# one CPU is compared (instruction-exact under -icount); with KVM, all.
if grep -q 'syncore\.icount=1' /proc/cmdline; then
	export PERF_AGREE_NO_CROSS="waits for another vCPU: under -icount the vCPUs take turns, so the figure is QEMU's time slice"
elif grep -q 'syncore\.accel=tcg' /proc/cmdline; then
	export PERF_AGREE_NO_CROSS="waits for another vCPU: under TCG the vCPUs share an oversubscribed host, and such waits vary 2x from one run to the next"
fi
exec perf-agree /bin/perf syncore-bench
