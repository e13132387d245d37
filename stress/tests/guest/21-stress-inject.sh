#!/bin/sh
# Guest test: the detector sees an injected fault. The writer publishes
# each generation before patching its code (--inject publish-early), so
# executors must report stale executions: exit 1 with violations > 0.
# Bounded: at most 40 rounds or 5 s. KTAP on stdout; exit 0/1/4.
bin=${STRESS_SYNCORE:-$(dirname "$0")/../bin/stress-syncore}
out=/tmp/stress-inject.$$

ktap_header 2
for pattern in busy sleepy; do
	name="stress-syncore publish-early ($pattern) detected"
	"$bin" -t 4 -n 40 -d 5 --watchdog 30 --pattern "$pattern" \
		--inject publish-early >"$out" 2>&1
	rc=$?
	v=$(ktap_violations "$out")
	ktap_diag "exit $rc, ${v:-?} violations"
	if [ "$rc" -eq 4 ]; then
		ktap_skip "$name" "$(ktap_skip_reason "$out")"
	elif [ "$rc" -eq 1 ] && [ "${v:-0}" -gt 0 ]; then
		ktap_ok "$name"
	else
		tail -n 5 "$out" | sed 's/^/# /'
		ktap_not_ok "$name"
	fi
done
rm -f "$out"
ktap_finish
