#!/bin/bash
# Smoke test of syncore-bench: every benchmark runs with --quick and writes
# the JSON and CSV it should; bad input is refused with exit 2; a run where
# everything is skipped exits 4. No timing is judged here. KTAP output.
#
# Usage: tests/smoke.sh PATH-TO-SYNCORE-BENCH [DENY-SYSCALL]
#   DENY-SYSCALL: scripts/deny-syscall.c built, which runs a
#   command with membarrier(2) failing (the SKIP cases); without it those
#   cases are skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ktap.sh
. "$here/../../scripts/ktap.sh"

bin=${1:?usage: $0 SYNCORE-BENCH [DENY-SYSCALL]}
deny=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out

benches="ctx lazy membarrier serialize"
env_keys=(environment kernel_release cmdline cpu_model meltdown pti hypervisor
	accel_guess cpus_allowed cpu_a cpu_b loadavg)
row_keys=(bench case label cpus unit status reason iterations warmup n samples)
ok_keys=(median ci95 ci_ranks ci_coverage mean min max)

# has_keys FILE KEY...: every "KEY": is in FILE; names the missing ones.
has_keys()
{
	local f=$1 k missing=
	shift
	for k in "$@"; do
		grep -q "\"$k\":" "$f" || missing="$missing $k"
	done
	[ -z "$missing" ] && return 0
	ktap_diag "$f lacks:$missing"
	return 1
}

# check_json FILE BENCH: the keys, one status per row, figures on ok rows.
check_json()
{
	local f=$1 b=$2 rows okrows meds
	has_keys "$f" tool date method results "${env_keys[@]}" "${row_keys[@]}" ||
		return 1
	rows=$(grep -c '"bench": ' "$f")
	okrows=$(grep -c '"status": "ok"' "$f")
	meds=$(grep -c '"median": ' "$f")
	if [ "$rows" -eq 0 ] || grep '"bench": ' "$f" | grep -vq "\"bench\": \"$b\""; then
		ktap_diag "$f: $rows rows, or rows of another benchmark"
		return 1
	fi
	if grep -q '"status": "fail"\|"status": "unfinished"' "$f"; then
		grep -o '"label": "[^"]*".*"status": "fail", "reason": "[^"]*"' "$f" |
			sed 's/^/# /'
		return 1
	fi
	if [ "$okrows" -gt 0 ] && ! has_keys "$f" "${ok_keys[@]}"; then
		return 1
	fi
	if [ "$okrows" -ne "$meds" ]; then
		ktap_diag "$f: $okrows ok rows but $meds medians"
		return 1
	fi
	# A full parser where there is one.
	if command -v jq >/dev/null &&
	   ! jq -e '.results | all(.status == "skip" or (.samples | length) == .n)' \
		"$f" >/dev/null; then
		ktap_diag "$f: jq finds invalid JSON or a row whose samples are not n"
		return 1
	fi
	return 0
}

# refuse NAME ARGS...: exit 2 and a message on stderr.
refuse()
{
	local name=$1 rc
	shift
	"$bin" "$@" >"$out" 2>"$out.err"
	rc=$?
	if [ "$rc" -eq 2 ] && [ -s "$out.err" ]; then
		ktap_diag "$(head -1 "$out.err")"
		ktap_ok "$name"
	else
		ktap_diag "$bin $* -> exit $rc, expected 2 and a message"
		ktap_not_ok "$name"
	fi
}

ktap_header $((2 + 4 + 10 + 2 + 2 + 1))

"$bin" list >"$out" 2>&1
rc=$?
missing=
for b in $benches; do
	grep -q "^$b " "$out" || missing="$missing $b"
done
[ "$rc" -eq 0 ] && [ -z "$missing" ]
ktap_result "list names every benchmark$missing" $?

"$bin" --json "$tmp/env.json" env >"$out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && has_keys "$tmp/env.json" "${env_keys[@]}" && grep -q '^  kernel ' "$out"
ktap_result "env prints and writes the environment" $?

for b in $benches; do
	name="$b --quick: runs, table, JSON and CSV"
	"$bin" --quick --json "$tmp/$b.json" --csv "$tmp/$b.csv" run "$b" \
		>"$out" 2>&1
	rc=$?
	sed -n '/^bench /,$p' "$out" | sed 's/^/# /'
	if [ "$rc" -eq 4 ]; then
		ktap_skip "$name" "every row skipped: $(grep -m1 SKIP "$out")"
		continue
	fi
	if [ "$rc" -ne 0 ]; then
		ktap_diag "exit $rc"
		ktap_not_ok "$name"
		continue
	fi
	check_json "$tmp/$b.json" "$b" &&
		head -1 "$tmp/$b.csv" | grep -q '^bench,case,label,cpus,unit,status' &&
		[ "$(wc -l <"$tmp/$b.csv")" -gt 1 ] &&
		grep -q "^$b " "$out"
	ktap_result "$name" $?
done

refuse "--reps 3 without --quick is refused" --reps 3 run serialize
refuse "an unknown benchmark is refused" --quick run nosuchbench
refuse "an unknown case is refused" --quick run ctx.nosuchcase
refuse "--cpus with one CPU is refused" --quick --cpus 0 run serialize
refuse "--cpus with the same CPU twice is refused" --quick --cpus 0,0 run serialize
refuse "--cpus with a non-number is refused" --quick --cpus 0,x run serialize
refuse "--cpus outside the affinity mask is refused" --quick --cpus 0,1023 \
	run serialize
refuse "an unknown option is refused" --quick --frobnicate run serialize
refuse "a missing command is refused" --quick
refuse "--ws out of range is refused" --quick --ws -1 run ctx

name="--quick --reps 3 is accepted"
"$bin" --quick --reps 3 run serialize.loop >"$out" 2>&1
ktap_result "$name" $?

# The instruction of the other architecture is always a SKIP.
case $(uname -m) in
aarch64) other=serialize.cpuid ;;
*) other=serialize.isb ;;
esac
name="a run where every row is skipped exits 4 ($other)"
"$bin" --quick run "$other" >"$out" 2>&1
rc=$?
[ "$rc" -eq 4 ] && grep -q 'SKIP: ' "$out"
ktap_result "$name" $?

# perf-agree.sh must fail when perf bench says something else: a stand-in
# perf that reports one second per call cannot agree with any real row.
printf '#!/bin/sh\necho "private-expedited-sync-core 0 1000000.000"\n' >"$tmp/perf"
chmod +x "$tmp/perf"
name="perf-agree.sh: a planted disagreement fails"
PERF_AGREE_ONLY=mb-sc-0 "$here/../perf-agree.sh" "$tmp/perf" "$bin" --quick \
	>"$out" 2>&1
rc=$?
sed 's/^/# /' "$out"
[ $rc -eq 1 ] && grep -q '^not ok 1 .*disagree' "$out"
ktap_result "$name" $?

# A kernel without membarrier (ENOSYS) or a sandbox that denies it
# (EPERM): SKIP rows with the reason, never a number, and exit 4 when
# nothing else ran.
if [ -z "$deny" ] || [ ! -x "$deny" ]; then
	ktap_skip "membarrier ENOSYS: SKIP rows, exit 4" "no deny-syscall helper"
	ktap_skip "membarrier EPERM: the SYNC_CORE row SKIPs, the other runs" \
		"no deny-syscall helper"
	ktap_finish
fi
name="membarrier ENOSYS: SKIP rows, exit 4"
"$deny" membarrier:ENOSYS -- "$bin" --quick --json "$tmp/deny.json" \
	run membarrier.private-expedited membarrier.register >"$out" 2>&1
rc=$?
sed -n '/^bench /,$p' "$out" | sed 's/^/# /'
[ "$rc" -eq 4 ] && [ "$(grep -c 'SKIP: membarrier(QUERY): Function not implemented' "$out")" -eq 2 ] &&
	! grep -q '"median": ' "$tmp/deny.json"
ktap_result "$name" $?

name="membarrier EPERM: the SYNC_CORE row SKIPs, the other runs"
"$deny" membarrier:EPERM -- "$bin" --quick run lazy.sleep lazy.sleep-sync-core >"$out" 2>&1
rc=$?
sed -n '/^bench /,$p' "$out" | sed 's/^/# /'
[ "$rc" -eq 0 ] && grep -q 'SKIP: membarrier(QUERY): Operation not permitted' "$out" &&
	grep -q 'sleep 20 us, not registered .* ns/wake-up' "$out"
ktap_result "$name" $?

ktap_finish
