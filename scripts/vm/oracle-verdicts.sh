#!/bin/bash
# Judge an oracle boot: match the plugin's phases with the cases the guest
# ran and with the verdicts oracle/cases expects, and write KTAP.
#
# Usage: scripts/vm/oracle-verdicts.sh [options] ARCH CONSOLE_LOG REPORT PREFIX
#   REPORT        the plugin's out= base (REPORT.json, REPORT.txt)
#   --kernel K    baseline or patched (default): the verdicts expected
#   --expect-fail a mutant kernel: at least one case expected to PASS on
#                 the series must FAIL (the oracle kills it); the others
#                 are not judged
#
# Writes $RESULTS/PREFIX-verdicts.tap/.rc and prints one line per case:
# "CASE EXPECT GOT EPISODES VIOLATIONS SECONDS", SECONDS being the host
# time from the case's start to its first violation (- if none).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mutant=0 kernel=patched
while [ $# -gt 4 ]; do
	case $1 in
	--expect-fail) mutant=1; shift ;;
	--kernel) kernel=${2:?}; shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 4 ] || { sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
arch=$1 log=$2 rep=$3 prefix=$4
: "${RESULTS:?RESULTS is not set}"
out=$RESULTS/$prefix-verdicts

. "$top/scripts/ktap.sh"
fail() {
	{ ktap_header 1; ktap_diag "$1"; ktap_result "oracle verdicts" 1; } >"$out.tap"
	echo 1 >"$out.rc"
	echo "oracle-verdicts: $1" >&2
	exit 0
}
[ -s "$rep.json" ] || fail "no oracle report $rep.json (did QEMU load the plugin? see $log.qemu-stderr)"
jq -e .phases "$rep.json" >/dev/null 2>&1 || fail "$rep.json is not the oracle's JSON"

declare -A expect=()
while read -r _ name e; do expect[$name]=$e; done < <("$top/oracle/cases.sh" --expect "$arch" --kernel "$kernel")
# Phase k (k >= 1) is the k-th case the guest started; phase 0 is the boot.
mapfile -t ran < <(sed -n 's/.*@@SYNCORE-BEGIN [0-9]*-\([^ ]*\).*/\1/p' "$log")
nph=$(jq '.phases | length' "$rep.json")
[ ${#ran[@]} -gt 0 ] || fail "the guest ran no oracle case"
[ "$nph" -eq $((${#ran[@]} + 1)) ] ||
	fail "${#ran[@]} case(s) ran but the plugin saw $((nph - 1)) marker(s)"

rows=()
killed=0
{
	ktap_header "${#ran[@]}"
	for i in "${!ran[@]}"; do
		c=${ran[$i]} p=$((i + 1))
		e=${expect[$c]:-?}
		read -r ep vi secs < <(jq -r ".phases[$p] | \"\\(.episodes) \\(.violations) \\(.first_violation_s // \"-\")\"" "$rep.json")
		got=PASS
		[ "$vi" -eq 0 ] || got=FAIL
		rows+=("$c $e $got $ep $vi $secs")
		what="$c: $got ($ep episodes, $vi violations), expected $e"
		[ $mutant = 0 ] || what="$c: $got ($ep episodes, $vi violations), $e on the series"
		if [ $mutant = 1 ]; then
			if [ "$e" = PASS ] && [ $got = FAIL ]; then
				killed=1
				ktap_result "$what: killed" 0
			else
				ktap_skip "$what" "not a killing case"
			fi
		elif [ "$e" = - ]; then
			ktap_skip "$what" "not for this kernel (oracle/cases)"
		elif [ "$e" = info ]; then
			ktap_skip "$what" "not asserted (Documentation/oracle.rst)"
		elif [ "$e" = PASS ] && [ "$ep" -eq 0 ]; then
			ktap_result "$what: no episode, so nothing was judged" 1
		else
			ktap_result "$what" "$([ "$e" = $got ] && echo 0 || echo 1)"
		fi
	done
	if [ $mutant = 1 ]; then
		ktap_diag "mutant $([ $killed = 1 ] && echo killed || echo SURVIVED) by the oracle"
	fi
} >"$out.tap"
rc=0
grep -q '^not ok' "$out.tap" && rc=1
[ $mutant = 0 ] || [ $killed = 1 ] || rc=1
echo $rc >"$out.rc"
printf '%s\n' "${rows[@]}"
