#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Show that checks can fail: run a deliberately broken build and pass each
# named result only if it comes out "not ok".
#
# Usage: expect-fail.sh RESULT[,RESULT...] -- COMMAND [ARGS...]
# Prints KTAP with one result per RESULT (a full test name),
# "<RESULT>_fails_on_broken_build";
# exits 0 if all were detected, 1 if one was not, 4 if all were skipped.

names=$(echo "$1" | tr ',' ' ')
shift
[ "$1" = -- ] && shift
[ -n "$names" ] && [ $# -gt 0 ] ||
	{ echo "usage: $0 RESULT[,RESULT...] -- COMMAND..." >&2; exit 2; }

out=$("$@" 2>&1)
rc=$?
. "$(dirname "$0")/../scripts/ktap.sh"
ktap_header "$(echo $names | wc -w)"
ktap_diag "$out"
for name in $names; do
	line=$(echo "$out" | grep -E "^(not )?ok [0-9]+ $(echo "$name" |
		sed 's/[.]/[.]/g')( |$)")
	case $line in
	"not ok "*)
		ktap_ok "${name}_fails_on_broken_build # detected: ${line#*# }" ;;
	"ok "*"# SKIP"*)
		ktap_skip "${name}_fails_on_broken_build" "${line#*# SKIP }" ;;
	"ok "*)
		ktap_not_ok "${name}_fails_on_broken_build # the broken build passed" ;;
	*)
		ktap_not_ok "${name}_fails_on_broken_build # no result line (exit $rc)" ;;
	esac
done
ktap_finish
