#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The perf bench forms of two benchmarks (kernel-patches/perf, built from
# this guest's tree by bench/perf-build.sh --static) against syncore-bench,
# in the same guest: bench/perf-agree.sh. Installed by make bench-vm only
# (BENCH_PERF=1); fewer calls per sample under TCG.
quick=
grep -q 'syncore\.accel=tcg' /proc/cmdline && quick=--quick
exec perf-agree /bin/perf syncore-bench $quick
