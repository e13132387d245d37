#!/bin/bash
# The oracle's own tests, no kernel needed: the event decoders, the
# plugin's refusals (bad arguments, a target it has no model for), an
# empty run's report, and scripts/vm/oracle-verdicts.sh on hostile
# reports. KTAP on stdout.
#
# Usage: oracle/tests/plugin-tests.sh ORACLE_SO
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
so=${1:?usage: $0 ORACLE_SO}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$top/scripts/ktap.sh"

ktap_header 23

# 1: the decoders.
if gcc -O2 -Wall -Wextra -Werror -o "$tmp/decode" "$here/decode-test.c" \
	"$here/../decode.c" 2>"$tmp/cc" && "$tmp/decode" >"$tmp/decode.tap"; then
	ktap_ok "decoders: $(grep -c '^ok' "$tmp/decode.tap") encodings"
else
	cat "$tmp/cc" "$tmp/decode.tap" 2>/dev/null | grep -v '^ok' | ktap_diag
	ktap_not_ok "decoders"
fi

# refuses QEMU ARGS MESSAGE: QEMU must fail to load the plugin, saying so.
refuses() {
	local q=$1 args=$2 msg=$3 rc=0
	timeout 30 "$q" -M none -display none -plugin "$so$args" </dev/null \
		>"$tmp/out" 2>&1 || rc=$?
	if [ $rc -ne 0 ] && grep -qF "$msg" "$tmp/out"; then
		ktap_ok "refuses '${args#,}' on $q: $msg"
	else
		ktap_diag <"$tmp/out"
		ktap_not_ok "refuses '${args#,}' on $q (exit $rc, want '$msg')"
	fi
}
x86=qemu-system-x86_64
refuses $x86 ,bogus=1 "unknown argument 'bogus'"
refuses $x86 ,limit "bad value limit=on"	# QEMU turns a bare word into WORD=on
refuses $x86 ,ignore=zz "bad value ignore=zz"
refuses $x86 ,ignore= "bad value ignore="
refuses $x86 ,limit=-1 "bad value limit=-1"
refuses $x86 ,limit=5000 "bad value limit=5000"
refuses $x86 ,wrmsr=maybe "wrmsr=maybe: want on or off"
refuses $x86 ,symbols=/nonexistent "/nonexistent"
: >"$tmp/empty.map"
refuses $x86 ",symbols=$tmp/empty.map" "no text symbols in $tmp/empty.map"
refuses qemu-system-arm "" "no model for target 'arm'"
refuses $x86 "$(printf ',ignore=%x' $(seq 1 17))" "bad value ignore=11"

# An empty run: a report, valid JSON, and no PASS without an episode.
timeout 30 $x86 -M none -display none -S -monitor stdio \
	-plugin "$so,out=$tmp/empty,wrmsr=on" <<<quit >/dev/null 2>&1
if jq -e '.result | startswith("NONE")' "$tmp/empty.json" >/dev/null 2>&1 &&
	jq -e '.wrmsr == true and .episodes == 0' "$tmp/empty.json" >/dev/null &&
	grep -q '^RESULT NONE' "$tmp/empty.txt"; then
	ktap_ok "an empty run reports NONE, not PASS"
else
	cat "$tmp/empty.txt" "$tmp/empty.json" 2>&1 | ktap_diag
	ktap_not_ok "an empty run reports NONE, not PASS"
fi

# boot.sh will not pretend a plugin runs under KVM.
if "$top/scripts/vm/boot.sh" --accel kvm --plugin "$so" x86_64 "$so" "$so" \
	"$tmp/console" 2>"$tmp/boot"; then
	ktap_not_ok "boot.sh --plugin --accel kvm is refused"
elif grep -q 'needs TCG' "$tmp/boot"; then
	ktap_ok "boot.sh --plugin --accel kvm is refused"
else
	ktap_diag <"$tmp/boot"
	ktap_not_ok "boot.sh --plugin --accel kvm is refused"
fi

# oracle-verdicts.sh on made-up reports: CASES are "NAME EPISODES
# VIOLATIONS" for phases 1..; verdicts OPTIONS -> its rc.
verdicts() {
	local opts=$1 cases=$2 i=0 json='{"phases":[{"episodes":0,"violations":0}'
	: >"$tmp/console"
	while read -r name ep vi; do
		[ -n "$name" ] || continue
		i=$((i + 1))
		printf '@@SYNCORE-BEGIN %02d-%s\n' $i "$name" >>"$tmp/console"
		json="$json,{\"episodes\":$ep,\"violations\":$vi}"
	done <<<"$cases"
	echo "$json]}" >"$tmp/rep.json"
	RESULTS=$tmp "$top/scripts/vm/oracle-verdicts.sh" $opts x86_64 \
		"$tmp/console" "$tmp/rep" t >/dev/null 2>&1
	cat "$tmp/t-verdicts.rc"
}
# expect WANT_RC WHAT OPTIONS CASES
expect() {
	local rc
	rc=$(verdicts "$3" "$4")
	ktap_result "verdicts: $2 (rc $rc)" "$([ "$rc" = "$1" ] && echo 0 || echo 1)"
}
expect 0 "as the table says" "" "sync-core-sleepy 10 0
private-expedited-sleepy 10 3"
expect 1 "a PASS case with no episode fails" "" "sync-core-sleepy 0 0"
expect 1 "a FAIL case that passed fails" "" "none-busy 100 0"
expect 1 "a PASS case that failed fails" "" "consumer-fence-busy 100 1"
expect 0 "baseline verdicts for the baseline" "--kernel baseline" "mbcheck-g1 40 3"
expect 1 "patched verdicts for the series" "" "mbcheck-g1 40 3"
expect 1 "a mutant nothing killed survives" "--expect-fail" "sync-core-sleepy 10 0"
expect 0 "a mutant killed" "--expect-fail" "sync-core-sleepy 10 4"
printf '@@SYNCORE-BEGIN 02-sync-core-sleepy\n' >"$tmp/console"
echo '{"phases":[{"episodes":0,"violations":0}]}' >"$tmp/rep.json"
RESULTS=$tmp "$top/scripts/vm/oracle-verdicts.sh" x86_64 "$tmp/console" \
	"$tmp/rep" t >/dev/null 2>&1
ktap_result "verdicts: a marker the plugin did not see fails" \
	"$([ "$(cat "$tmp/t-verdicts.rc")" = 1 ] && echo 0 || echo 1)"
ktap_finish
