#!/bin/bash
# Count the results kept by scripts/tap-run.sh and print one closing line:
#   N passed, N failed, N skipped
# A test result is a top-level KTAP line ("ok N ...", "not ok N ...";
# "# SKIP" marks a skip). A command that exited non-zero (other than 4,
# kselftest's skip) without printing a failing line counts as one failure;
# one that exited 4 without results counts as one skip.
#
# Usage: scripts/tap-summary.sh [RESULTS_DIR]
#        scripts/tap-summary.sh --count FILE.tap
#                   print "PASS FAIL SKIP" for one result (the one counter
#                   of the project: check.sh and check-vm.sh use it too)
set -uo pipefail

# count TAP: sets p, f, s for TAP and the exit status beside it (TAP.rc).
count() {
	local tap=$1
	rc=$(cat "${tap%.tap}.rc" 2>/dev/null || echo missing)
	p=$(grep -cE '^ok [0-9]+' "$tap" | head -1)
	s=$(grep -E '^ok [0-9]+' "$tap" | grep -ciE '# *skip')
	s=$((s + $(grep -ciE '^1\.\.0 *# *skip' "$tap")))
	p=$((p - $(grep -E '^ok [0-9]+' "$tap" | grep -ciE '# *skip')))
	f=$(grep -cE '^not ok [0-9]+' "$tap")
	if [ "$rc" != 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" = 4 ] && [ $((p + s)) -eq 0 ]; then
			s=1
		elif [ "$rc" != 4 ]; then
			f=1
		fi
	fi
}

if [ "${1:-}" = --count ]; then
	count "${2:?usage: $0 --count FILE.tap}"
	echo "$p $f $s"
	exit 0
fi

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
	count "$tap"
	[ "$rc" = 0 ] || [ "$rc" = 4 ] || [ "$(grep -cE '^not ok [0-9]+' "$tap")" -gt 0 ] ||
		failures+="  $name: exited with status $rc"$'\n'

	failures+=$(grep -E '^not ok [0-9]+' "$tap" | sed "s|^|  $name: |")
	[ "$f" -gt 0 ] && failures+=$'\n'
	printf '%-*s %6d %6d %6d  %s\n' $w "$name" "$p" "$f" "$s" "$rc"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done

# Where the time went: the stages that scripts/stage.sh timed.
if [ -s "$results/stages" ]; then
	echo
	echo "Where the time went:"
	awk '{ rc = $NF; t = $(NF - 1); NF -= 2
		printf "  %-44s %6ds%s\n", $0, t, rc == 0 ? "" : "  (failed)" }' \
		"$results/stages"
fi

if [ $fail -gt 0 ]; then
	echo
	echo "Failures (output in $results):"
	printf '%s' "$failures"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
