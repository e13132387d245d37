#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Show that checks can fail: run a deliberately broken build and pass each
# named result only if it comes out "not ok".
#
# Usage: expect-fail.sh RESULT[,RESULT...] -- COMMAND [ARGS...]
# Prints KTAP with one result per RESULT, "<RESULT>_fails_on_broken_build";
# exits 0 if all were detected, 1 if one was not, 4 if all were skipped.

names=$(echo "$1" | tr ',' ' ')
shift
[ "$1" = -- ] && shift
[ -n "$names" ] && [ $# -gt 0 ] ||
	{ echo "usage: $0 RESULT[,RESULT...] -- COMMAND..." >&2; exit 2; }

out=$("$@" 2>&1)
rc=$?
echo "TAP version 13"
echo "1..$(echo $names | wc -w)"
echo "$out" | sed 's/^/# /'
n=0 pass=0 fail=0 skip=0
for name in $names; do
	n=$((n + 1))
	line=$(echo "$out" | grep -E "^(not )?ok [0-9]+ $name( |$)")
	case $line in
	"not ok "*)
		echo "ok $n ${name}_fails_on_broken_build # detected: ${line#*# }"
		pass=$((pass + 1)) ;;
	"ok "*"# SKIP"*)
		echo "ok $n ${name}_fails_on_broken_build # SKIP ${line#*# SKIP }"
		skip=$((skip + 1)) ;;
	"ok "*)
		echo "not ok $n ${name}_fails_on_broken_build # the broken build passed"
		fail=$((fail + 1)) ;;
	*)
		echo "not ok $n ${name}_fails_on_broken_build # no result line (exit $rc)"
		fail=$((fail + 1)) ;;
	esac
done
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ $fail -gt 0 ] && exit 1
[ $pass -eq 0 ] && [ $skip -gt 0 ] && exit 4
exit 0
