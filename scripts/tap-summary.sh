#!/bin/bash
# Count the results kept by scripts/tap-run.sh and print one closing line:
#   N passed, N failed, N skipped
# A test result is a top-level KTAP line ("ok N ...", "not ok N ...";
# "# SKIP" marks a skip). A command that exited non-zero (other than 4,
# kselftest's skip) without printing a failing line counts as one failure;
# one that exited 4 without results counts as one skip.
#
# Usage: scripts/tap-summary.sh [RESULTS_DIR]
set -uo pipefail

results=${1:-${RESULTS:-build/results}}
pass=0 fail=0 skip=0
failures=

shopt -s nullglob
files=("$results"/*.tap)
if [ ${#files[@]} -eq 0 ]; then
	echo "tap-summary: no results in $results" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

w=5
for tap in "${files[@]}"; do
	name=$(basename "$tap" .tap)
	[ ${#name} -le $w ] || w=${#name}
done
printf '%-*s %6s %6s %6s  %s\n' $w SUITE PASS FAIL SKIP EXIT
for tap in "${files[@]}"; do
	name=$(basename "$tap" .tap)
	rc=$(cat "$results/$name.rc" 2>/dev/null || echo missing)
	p=$(grep -cE '^ok [0-9]+' "$tap" | head -1)
	s=$(grep -E '^ok [0-9]+' "$tap" | grep -ciE '# *skip')
	p=$((p - s))
	f=$(grep -cE '^not ok [0-9]+' "$tap")
	if [ "$rc" != 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" = 4 ] && [ $((p + s)) -eq 0 ]; then
			s=1
		elif [ "$rc" != 4 ]; then
			f=1
			failures+="  $name: exited with status $rc"$'\n'
		fi
	fi
	failures+=$(grep -E '^not ok [0-9]+' "$tap" | sed "s|^|  $name: |")
	[ "$f" -gt 0 ] && failures+=$'\n'
	printf '%-*s %6d %6d %6d  %s\n' $w "$name" "$p" "$f" "$s" "$rc"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done

if [ $fail -gt 0 ]; then
	echo
	echo "Failures (output in $results):"
	printf '%s' "$failures"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
