#!/bin/bash
# Read oracle/cases.
#
# Usage: oracle/cases.sh --scripts ARCH DIR
#          write DIR/NN-NAME.sh for each row that runs on ARCH: the phase
#          marker, then the row's command, as one KTAP result (busybox sh)
#        oracle/cases.sh --expect ARCH [--kernel baseline|patched] [--set SET]
#          print "NN NAME EXPECT" for the same rows, in the same order (the
#          numbers match the scripts'), for one kernel (default patched)
#          and, with --set, only the rows in SET
#        oracle/cases.sh --arches
#          print the arches the table has a column for (the plugin's)
set -euo pipefail

# The table's verdict columns, per arch.
columns="x86_64:2 arm64:3"
if [ "${1:-}" = --arches ]; then
	echo "${columns//:[0-9]/}"
	exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
what=${1:-} arch=${2:-} dir= kernel=patched set=
[ -n "$arch" ] || usage
shift 2
if [ "$what" = --scripts ]; then
	dir=${1:?$(usage)}
	shift
fi
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--set) set=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
col=
for c in $columns; do
	[ "${c%:*}" != "$arch" ] || col=${c#*:}
done
[ -n "$col" ] || { echo "cases: no column for ARCH '$arch'" >&2; exit 2; }
case $kernel in baseline|patched) ;; *) usage ;; esac

n=0
while read -r name x86 arm sets cmd; do
	case $name in ''|'#'*) continue ;; esac
	expect=$([ $col = 2 ] && echo "$x86" || echo "$arm")
	[ "$expect" != - ] || continue
	n=$((n + 1))
	case $expect in
	*/*) [ $kernel = baseline ] && expect=${expect%/*} || expect=${expect#*/} ;;
	esac
	id=$(printf %02d $n)
	case $what in
	--expect)
		[ -z "$set" ] || [[ ",$sets," == *",$set,"* ]] || continue
		echo "$id $name $expect" ;;
	--scripts)
		# The oracle judges the phase; KTAP here says the command ran.
		cat >"$dir/$id-$name.sh" <<-SCRIPT
		#!/bin/sh
		# oracle case $name (oracle/cases)
		syncore-mark || exit 1
		echo 1..1
		$cmd >/tmp/case.out 2>&1
		rc=\$?
		sed 's/^/# /' /tmp/case.out
		case \$rc in
		0) echo "ok 1 $name ran" ;;
		4) echo "ok 1 $name # SKIP \$(sed -n 's/^SKIP: //p' /tmp/case.out | head -n 1)" ;;
		*) echo "not ok 1 $name exit \$rc" ;;
		esac
		SCRIPT
		chmod 755 "$dir/$id-$name.sh" ;;
	*) usage ;;
	esac
done <"$here/cases"
