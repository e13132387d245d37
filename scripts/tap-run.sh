#!/bin/bash
# Run one KTAP-speaking test command and keep its output for the summary.
#
# Usage: scripts/tap-run.sh NAME [--timeout SECONDS] -- COMMAND [ARGS...]
#
# Output goes to the terminal and to $RESULTS/NAME.tap; the exit status goes
# to $RESULTS/NAME.rc. Always exits 0: scripts/tap-summary.sh judges.
set -uo pipefail

results=${RESULTS:-build/results}
name=$1
shift
limit=0
if [ "${1:-}" = --timeout ]; then
	limit=$2
	shift 2
fi
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "usage: $0 NAME [--timeout S] -- COMMAND..." >&2; exit 2; }

mkdir -p "$results"
tap=$results/$name.tap
echo "# run: $*" >"$tap"
if [ "$limit" -gt 0 ]; then
	timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$tap"
else
	"$@" 2>&1 | tee -a "$tap"
fi
rc=${PIPESTATUS[0]}
[ "$rc" -eq 124 ] && echo "# $name: timed out after ${limit}s" | tee -a "$tap"
echo "$rc" >"$results/$name.rc"
exit 0
