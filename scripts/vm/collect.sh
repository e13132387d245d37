#!/bin/bash
# Split a guest console log into KTAP results for scripts/tap-summary.sh.
#
# Usage: scripts/vm/collect.sh [--nofeat] CONSOLE_LOG PREFIX
#
# Writes, in $RESULTS:
#   PREFIX-<test>.tap/.rc  each /tests/<test>.sh the guest ran (between its
#                          @@SYNCORE-BEGIN/END markers; rc from the marker);
#                          a test that started but never ended fails
#   PREFIX-checker.tap/.rc the SYNC_CORE checker: no test but mbcheck (which
#                          judges its own) added a violation; SKIP when the
#                          kernel has no checker
#   PREFIX-dmesg.tap/.rc   "ok 1 dmesg clean", or "not ok" listing warnings,
#                          BUG/lockdep/KASAN reports, oopses and panics
#   PREFIX-boot.tap/.rc    the guest booted, ran everything and powered off
#   PREFIX-nofeat.tap/.rc  (--nofeat) every test reported SKIP (exit 4)
set -euo pipefail

nofeat=0
[ "${1:-}" != --nofeat ] || { nofeat=1; shift; }
log=${1:?usage: $0 [--nofeat] CONSOLE_LOG PREFIX}
prefix=${2:?usage: $0 [--nofeat] CONSOLE_LOG PREFIX}
: "${RESULTS:?RESULTS is not set}"
mkdir -p "$RESULTS"
[ -f "$log" ] || { echo "collect: no console log $log" >&2; exit 1; }

# Per-test files. A marker may follow output that lacked a final newline.
awk -v dir="$RESULTS" -v prefix="$prefix" '
function finish(rc, f) {
	f = dir "/" prefix "-" cur
	if (rc == "") {
		print "not ok 999 " cur ": did not finish (guest crashed or timed out)" >> (f ".tap")
		rc = 1
	}
	close(f ".tap")
	print rc > (f ".rc"); close(f ".rc")
	cur = ""
}
{
	line = $0
	p = index(line, "@@SYNCORE-")
	if (cur != "" && p > 1) {
		print substr(line, 1, p - 1) >> (dir "/" prefix "-" cur ".tap")
		line = substr(line, p)
	}
	if (line ~ /^@@SYNCORE-ALIVE/)
		next
	if (line ~ /^@@SYNCORE-BEGIN /) {
		if (cur != "") finish("")
		split(line, a, " ")
		cur = a[2]
		printf "" > (dir "/" prefix "-" cur ".tap")
		next
	}
	if (line ~ /^@@SYNCORE-END /) {
		split(line, a, " ")
		rc = a[3]; sub(/^rc=/, "", rc)
		if (cur == a[2]) finish(rc)
		next
	}
	if (line ~ /^@@SYNCORE-/) {
		if (cur != "") finish("")
		next
	}
	if (cur != "") print line >> (dir "/" prefix "-" cur ".tap")
}
END { if (cur != "") finish("") }
' "$log"

# The kernel log as printed by the guest, without timestamps.
dmesg=$(awk '/^@@SYNCORE-DMESG-BEGIN/ {on = 1; next}
	/^@@SYNCORE-DMESG-END/ {on = 0} on' "$log" |
	sed -E 's/^\[ *[0-9]+\.[0-9]+\] ?//')
have_dmesg=0
grep -q '^@@SYNCORE-DMESG-END' "$log" && have_dmesg=1
# Without the guest's own dump, fall back to whatever reached the console.
src=$dmesg
[ $have_dmesg = 1 ] || src=$(sed -E 's/^\[ *[0-9]+\.[0-9]+\] ?//' "$log")

# The one-result documents below: KTAP from scripts/ktap.sh, the exit
# status beside it. doc NAME: run the rest as a subshell into NAME.tap.
. "$(dirname "$0")/../ktap.sh"
doc() {
	local f=$RESULTS/$prefix-$1 rc=0
	shift
	("$@") >"$f.tap" || rc=$?
	echo $rc >"$f.rc"
}

# The SYNC_CORE checker: the guest prints its violation total after each
# test. mbcheck (a test named *checker* or *mbcheck*, as the oracle's
# case is) judges its own violations (the G1 case may expect some); any
# other test must add none.
marks=$(grep -E '^@@SYNCORE-CHECKER ' "$log" | awk '{print $2, $4}' || true)
checker_doc() {
	local name total prev=0
	if [ -z "$marks" ]; then
		[ $have_dmesg = 1 ] || { ktap_header 1; ktap_not_ok "checker # the guest did not finish"; return 1; }
		echo "TAP version 13"
		echo "1..0 # SKIP kernel without the SYNC_CORE checker"
		return 4
	fi
	ktap_header "$(grep -c . <<<"$marks")"
	sed -n '/^@@SYNCORE-STATS-BEGIN/,/^@@SYNCORE-STATS-END/p' "$log" |
		{ grep -v '^@@' || true; } | { grep -v ' 0$' || true; } | ktap_diag
	while read -r name total; do
		case $name in
		*checker*|*mbcheck*)
			ktap_ok "$name: $((total - prev)) violations, judged by the test itself" ;;
		*)
			ktap_result "$name: $((total - prev)) SYNC_CORE violations" \
				"$((total - prev))" ;;
		esac
		prev=$total
	done <<<"$marks"
	printf '%s\n' "$src" | { grep 'membarrier_debug: VIOLATION' || true; } |
		head -n 5 | ktap_diag
	[ "$ktap_fail" -eq 0 ]
}
doc checker checker_doc

# dmesg check.
pat='WARNING:|BUG:|INFO: (task|possible|rcu)|detected stalls|inconsistent lock state|possible (circular|recursive) locking|KASAN:|UBSAN:|Oops|Kernel panic|general protection fault|Unable to handle kernel|cut here|Call Trace:|Internal error:'
bad=$(printf '%s\n' "$src" | grep -E "$pat" | head -n 40 || true)
dmesg_doc() {
	ktap_header 1
	[ -z "$bad" ] || ktap_diag "$bad"
	if [ $have_dmesg = 0 ]; then
		ktap_not_ok "dmesg clean # the guest did not print its kernel log"
	else
		ktap_result "dmesg clean" "$([ -z "$bad" ]; echo $?)"
	fi
	[ "$ktap_fail" -eq 0 ]
}
doc dmesg dmesg_doc

# The guest as a whole.
boot_doc() {
	ktap_header 1
	sed -n '/^@@SYNCORE-ENV-BEGIN/,/^@@SYNCORE-ENV-END/p' "$log" |
		{ grep -v '^@@' || true; } | ktap_diag
	ktap_diag "accel: $(cat "$log.accel" 2>/dev/null || echo unknown)," \
		"$(cat "$log.seconds" 2>/dev/null || echo '?')s, console log: $log"
	[ ! -f "$log.retried" ] || ktap_diag <"$log.retried"
	if [ -f "$log.failure" ] || ! grep -q '^@@SYNCORE-DONE' "$log"; then
		ktap_diag "$(cat "$log.failure" 2>/dev/null || echo 'no end marker')"
		tail -n 50 "$log" | sed 's/^/| /' | ktap_diag
		ktap_not_ok "guest ran to completion"
		return 1
	elif [ -f "$log.retried" ]; then
		ktap_ok "guest ran to completion (on a second boot, after a hang)"
	else
		ktap_ok "guest ran to completion"
	fi
}
doc boot boot_doc

# nofeat: each tool must have reported a SKIP (exit 4), never a pass.
nofeat_doc() {
	local tests name rc
	tests=$(grep -E '^@@SYNCORE-END ' "$log" | awk '{print $2, $3}' || true)
	ktap_header "$(grep -c . <<<"$tests" || true)"
	while read -r name rc; do
		[ -n "$name" ] || continue
		ktap_result "$name skips without membarrier/rseq${rc:+ ($rc)}" \
			"$([ "$rc" = rc=4 ]; echo $?)"
	done <<<"$tests"
	[ "$ktap_fail" -eq 0 ] && [ "$ktap_n" -gt 0 ]
}
[ $nofeat = 0 ] || doc nofeat nofeat_doc
