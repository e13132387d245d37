#!/bin/sh
# Guest test: each runtime profile (--profile) for 1 s on this kernel. A
# protocol that meets the architecture's rules must see no stale code; one
# that does not is a negative control, and its violations, if any, are the
# protocol's (the tool says so), not the kernel's. A runtime that cannot
# start here is a SKIP with its reason; on a kernel without membarrier
# (nofeat) there is nothing of the kernel's to judge: all SKIP.
bin=${STRESS_SYNCORE:-$(dirname "$0")/../bin/stress-syncore}
out=/tmp/stress-profiles.$$
profiles=$("$bin" -h | awk '/^Runtime profiles /{ on = 1; next }
	on && /^$/ { exit } on && /^  [a-z]/ { print $1 }')

ktap_header "$(echo "$profiles" | wc -w)"
"$bin" --probe >"$out" 2>&1
if grep -q '^conclusion: no membarrier' "$out"; then
	why="$(sed -n 's/^membarrier QUERY: //p' "$out"): $(sed -n 's/^conclusion: //p' "$out")"
	for p in $profiles; do
		ktap_skip "stress-syncore --profile $p" "$why"
	done
	rm -f "$out"
	ktap_finish
fi
for p in $profiles; do
	name="stress-syncore --profile $p: 4 executors, 1 s, judged"
	"$bin" --profile "$p" -t 4 -d 1 --watchdog 30 >"$out" 2>&1
	rc=$?
	grep -E '^(  protocol|  fallback|  ignored|  verdict|  violations)' \
		"$out" | sed 's/^/# /'
	if [ "$rc" -eq 4 ]; then
		ktap_skip "$name" "$(ktap_skip_reason "$out")"
	elif [ "$rc" -eq 0 ] && grep -q '^  verdict: ' "$out"; then
		ktap_ok "$name"
	elif [ "$rc" -eq 1 ] && grep -q "^  verdict: *insufficient.*the violations are the protocol's" "$out"; then
		ktap_diag "stale code under an insufficient protocol: the protocol's fault"
		ktap_ok "$name"
	else
		ktap_diag "exit $rc"
		tail -n 5 "$out" | sed 's/^/# /'
		ktap_not_ok "$name"
	fi
done
rm -f "$out"
ktap_finish
