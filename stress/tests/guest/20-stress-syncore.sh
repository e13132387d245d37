#!/bin/sh
# Guest test: stress-syncore in sync-core mode with busy executors, sleepy
# executors (idle -> same mm: the lazy path) and migrating executors.
# Bounded work for QEMU TCG (membarrier runs ~200 calls/s there): each run
# lasts 3 s, unless the kernel command line asks for a long run with
# syncore.stress_seconds=S (per pattern) and syncore.stress_threads=N.
# KTAP on stdout; exit 0 pass, 1 fail, 4 skip.
bin=${STRESS_SYNCORE:-$(dirname "$0")/../bin/stress-syncore}
out=/tmp/stress-syncore.$$
cmdline=$(cat /proc/cmdline 2>/dev/null)
secs=$(echo "$cmdline" | sed -n 's/.*syncore\.stress_seconds=\([0-9]*\).*/\1/p')
threads=$(echo "$cmdline" | sed -n 's/.*syncore\.stress_threads=\([0-9]*\).*/\1/p')
secs=${secs:-3}
threads=${threads:-${STRESS_THREADS:-4}}

ktap_header 3
for pattern in busy sleepy migrate; do
	name="stress-syncore sync-core $pattern: $threads executors, $secs s, no violation"
	"$bin" -t "$threads" -d "$secs" --watchdog 30 --mode sync-core \
		--pattern "$pattern" >"$out" 2>&1
	rc=$?
	grep -E '^(code|  rounds|  violations|  not judged|  membarrier|  cpu attribution|violation|watchdog)' \
		"$out" | head -n 12 | sed 's/^/# /'
	case $rc in
	0)
		ktap_ok "$name"
		;;
	4)
		ktap_skip "$name" "$(ktap_skip_reason "$out")"
		;;
	*)
		ktap_diag "exit $rc"
		tail -n 5 "$out" | sed 's/^/# /'
		ktap_not_ok "$name"
		;;
	esac
done
rm -f "$out"
ktap_finish
