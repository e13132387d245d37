#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Do perf bench's forms of two benchmarks (kernel-patches/perf: "perf bench
# membarrier latency" and "perf bench sched idle-wake") and syncore-bench
# measure the same thing? Each metric below is measured by perf, then by
# syncore-bench, then by perf again, on the same CPUs; they agree when
# syncore-bench's median lies within a factor of AGREE (default 1.5) of the
# two perf figures' range. A larger gap means one of them measures
# something else, which is a bug to find, not noise to accept.
#
# Usage: bench/perf-agree.sh PERF SYNCORE-BENCH [--quick]
#   PERF is a perf built from a tree with kernel-patches/perf/series
#   (bench/perf-build.sh). --quick: fewer calls per sample, for the
#   smoke test only (perf's samples then last far less than
#   syncore-bench's 10 ms, which weighs rare slow calls differently).
#   PERF_AGREE_ONLY=ID,...: only those metrics (the ids below);
#   PERF_AGREE_NO_CROSS=REASON: SKIP the ones that wait for another CPU.
#   POSIX sh and awk only: it also runs in the guests.
# KTAP on stdout, one test per metric; exit 0 all agree, 1 a disagreement
# or a failed run, 2 usage error, 4 every metric skipped.
[ $# -ge 2 ] || { sed -n '12,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
perf=$1 sb=$2 quick=${3:-}
agree=${AGREE:-1.5}
tmp=${TMPDIR:-/tmp}/perf-agree.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ "$quick" = --quick ]; then
	mb_loops=50 wake_loops=200
else
	mb_loops=500 wake_loops=2000
fi

# id | syncore-bench row (case, threads) | waits for another CPU |
# perf bench arguments
metrics="mb-pe-1|membarrier.private-expedited|1|y|membarrier latency -c private-expedited -t 1 -l $mb_loops
mb-sc-0|membarrier.private-expedited-sync-core|0|n|membarrier latency -c private-expedited-sync-core -t 0 -l $mb_loops
mb-sc-1|membarrier.private-expedited-sync-core|1|y|membarrier latency -c private-expedited-sync-core -t 1 -l $mb_loops
wake|lazy.wake|-|y|sched idle-wake -l $wake_loops
wake-sc|lazy.wake-sync-core|-|y|sched idle-wake -s -l $wake_loops"

# PERF_AGREE_ONLY=ID[,ID...]: only those metrics.
if [ -n "${PERF_AGREE_ONLY:-}" ]; then
	metrics=$(echo "$metrics" | awk -F'|' -v only=",$PERF_AGREE_ONLY," \
		'index(only, "," $1 ",")')
	[ -n "$metrics" ] || { echo "perf-agree: no metric in '$PERF_AGREE_ONLY'" >&2; exit 2; }
fi
n=$(echo "$metrics" | wc -l)
echo "KTAP version 1"
echo "1..$n"

# The last number perf printed, in ns.
perf_ns() {
	# shellcheck disable=SC2086 # the arguments, split on purpose
	"$perf" bench -f simple $1 >"$tmp/perf.out" 2>&1 || return 1
	awk 'NF { v = $NF } END { if (v == "") exit 1; printf "%.1f\n", v * 1000 }' \
		"$tmp/perf.out"
}

# syncore-bench's median for one row of its JSON, in ns.
sb_ns() {
	awk -v b="${1%%.*}" -v c="${1#*.}" -v t="$2" '
		index($0, "\"bench\": \"" b "\", \"case\": \"" c "\"") &&
		(t == "-" || index($0, "\"threads\": " t ",")) &&
		match($0, /"median": [0-9.]+/) {
			print substr($0, RSTART + 10, RLENGTH - 10); exit
		}' "$tmp/sb.json"
}

i=0 bad=0 skipped=0
echo "$metrics" | {
while IFS='|' read -r id row threads cross args; do
	i=$((i + 1))
	name="$id: syncore-bench $row vs perf bench $args"
	[ "$threads" = - ] || name="$id: syncore-bench $row ($threads spinning) vs perf bench $args"
	if [ "$cross" = y ] && [ -n "${PERF_AGREE_NO_CROSS:-}" ]; then
		echo "ok $i $name # SKIP $PERF_AGREE_NO_CROSS"
		skipped=$((skipped + 1))
		continue
	fi
	if ! p1=$(perf_ns "$args"); then
		sed 's/^/# /' "$tmp/perf.out" | tail -n 5
		if grep -qi 'not offered\|offers no\|needs two\|second allowed' "$tmp/perf.out"; then
			echo "ok $i $name # SKIP $(grep -v '^#' "$tmp/perf.out" | head -n 1)"
			skipped=$((skipped + 1))
			continue
		fi
		echo "not ok $i $name # perf bench failed"
		bad=1
		continue
	fi
	"$sb" --no-env run "$row" --json "$tmp/sb.json" >"$tmp/sb.out" 2>&1
	rc=$?
	s=$(sb_ns "$row" "$threads")
	p2=$(perf_ns "$args") || p2=$p1
	if [ $rc -eq 4 ] || { [ -z "$s" ] && grep -q skip "$tmp/sb.json"; }; then
		echo "ok $i $name # SKIP syncore-bench skipped the row"
		skipped=$((skipped + 1))
		continue
	fi
	if [ -z "$s" ]; then
		sed 's/^/# /' "$tmp/sb.out" | tail -n 5
		echo "not ok $i $name # syncore-bench gave no figure"
		bad=1
		continue
	fi
	if awk -v s="$s" -v a="$p1" -v b="$p2" -v k="$agree" 'BEGIN {
		lo = a < b ? a : b; hi = a < b ? b : a
		printf "# syncore-bench %.3f us; perf bench %.3f and %.3f us; ratio %.2f\n",
			s / 1000, a / 1000, b / 1000, s / ((a + b) / 2)
		exit !(s >= lo / k && s <= hi * k) }'; then
		echo "ok $i $name"
	else
		echo "not ok $i $name # they disagree by more than ${agree}x"
		bad=1
	fi
done
echo "# Totals: $((i - skipped)) compared, $skipped skipped, agreement within ${agree}x"
[ $bad = 0 ] || exit 1
[ $skipped -lt $i ] || exit 4
exit 0
}
