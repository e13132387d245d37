#!/bin/sh
# Guest test: stress-syncore --probe reports what this kernel gives a JIT
# and exits 0. With membarrier, SYNC_CORE must work here; without it (the
# nofeat kernel) the probe's own conclusion is the SKIP reason.
bin=${STRESS_SYNCORE:-$(dirname "$0")/../bin/stress-syncore}
out=/tmp/stress-probe.$$

ktap_header 1
name="stress-syncore --probe: SYNC_CORE works"
"$bin" --probe >"$out" 2>&1
rc=$?
sed 's/^/# /' "$out"
if [ "$rc" -eq 0 ] && grep -q '^conclusion: no membarrier' "$out"; then
	ktap_skip "$name" "$(sed -n 's/^membarrier QUERY: //p' "$out"): $(sed -n 's/^conclusion: //p' "$out")"
elif [ "$rc" -eq 0 ] && grep -q '^conclusion: SYNC_CORE works' "$out"; then
	ktap_ok "$name"
else
	ktap_not_ok "$name"
fi
rm -f "$out"
ktap_finish
