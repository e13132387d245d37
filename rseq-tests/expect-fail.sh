#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Show that a check can fail: run a deliberately broken build and pass only
# if the named result comes out "not ok".
#
# Usage: expect-fail.sh RESULT -- COMMAND [ARGS...]
# Prints KTAP with one result, "<RESULT>_fails_on_broken_build".

name=$1
shift
[ "$1" = -- ] && shift
[ $# -gt 0 ] || { echo "usage: $0 RESULT -- COMMAND..." >&2; exit 2; }

out=$("$@" 2>&1)
rc=$?
echo "TAP version 13"
echo "1..1"
echo "$out" | sed 's/^/# /'
line=$(echo "$out" | grep -E "^(not )?ok [0-9]+ $name( |$)")
case $line in
"not ok "*)
	echo "ok 1 ${name}_fails_on_broken_build # exit $rc: broken build detected"
	echo "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0"
	exit 0 ;;
"ok "*"# SKIP"*)
	echo "ok 1 ${name}_fails_on_broken_build # SKIP ${line#*# SKIP }"
	echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:1 error:0"
	exit 4 ;;
"ok "*)
	echo "not ok 1 ${name}_fails_on_broken_build # the broken build passed"
	;;
*)
	echo "not ok 1 ${name}_fails_on_broken_build # no result line (exit $rc)"
	;;
esac
echo "# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0"
exit 1
