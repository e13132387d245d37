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

# The SYNC_CORE checker: the guest prints its violation total after each
# test. mbcheck (a test named *checker*) judges its own violations (the
# G1 case may expect some); any other test must add none.
f=$RESULTS/$prefix-checker
marks=$(grep -E '^@@SYNCORE-CHECKER ' "$log" | awk '{print $2, $4}' || true)
if [ -z "$marks" ]; then
	if [ $have_dmesg = 1 ]; then
		printf 'TAP version 13\n1..0 # SKIP kernel without the SYNC_CORE checker\n' >"$f.tap"
		echo 4 >"$f.rc"
	else
		printf 'TAP version 13\n1..1\nnot ok 1 checker # the guest did not finish\n' >"$f.tap"
		echo 1 >"$f.rc"
	fi
else
	{
		echo "TAP version 13"
		echo "1..$(printf '%s\n' "$marks" | grep -c .)"
		sed -n '/^@@SYNCORE-STATS-BEGIN/,/^@@SYNCORE-STATS-END/p' "$log" |
			{ grep -v '^@@' || true; } | grep -v ' 0$' | sed 's/^/# /'
		printf '%s\n' "$marks" | awk '
		{
			d = $2 - prev; prev = $2
			if ($1 ~ /checker/)
				printf "ok %d %s: %d violations, judged by the test itself\n", NR, $1, d
			else if (d == 0)
				printf "ok %d %s: no SYNC_CORE violation\n", NR, $1
			else
				printf "not ok %d %s: %d SYNC_CORE violations (see the kernel log)\n", NR, $1, d
		}'
		printf '%s\n' "$src" | { grep 'membarrier_debug: VIOLATION' || true; } |
			head -n 5 | sed 's/^/# /'
	} >"$f.tap"
	if grep -q '^not ok' "$f.tap"; then echo 1; else echo 0; fi >"$f.rc"
fi

# The one-result documents below: KTAP from scripts/ktap.sh, the exit
# status beside it. doc NAME: run the rest as a subshell into NAME.tap.
. "$(dirname "$0")/../ktap.sh"
doc() {
	local f=$RESULTS/$prefix-$1 rc=0
	shift
	("$@") >"$f.tap" || rc=$?
	echo $rc >"$f.rc"
}

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
if [ $nofeat = 1 ]; then
	f=$RESULTS/$prefix-nofeat
	tests=$(grep -E '^@@SYNCORE-END ' "$log" | awk '{print $2, $3}' || true)
	n=$(printf '%s\n' "$tests" | grep -c . || true)
	{
		echo "TAP version 13"
		echo "1..$n"
		i=0
		printf '%s\n' "$tests" | while read -r name rc; do
			[ -n "$name" ] || continue
			i=$((i + 1))
			if [ "$rc" = rc=4 ]; then
				echo "ok $i $name skips without membarrier/rseq"
			else
				echo "not ok $i $name skips without membarrier/rseq # got $rc"
			fi
		done
	} >"$f.tap"
	if grep -q '^not ok' "$f.tap" || [ "$n" -eq 0 ]; then echo 1; else echo 0; fi >"$f.rc"
fi
