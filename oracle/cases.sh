#!/bin/bash
# Read oracle/cases.
#
# Usage: oracle/cases.sh --scripts ARCH DIR [--quick]
#          write DIR/NN-NAME.sh for each row that runs on ARCH: the phase
#          marker, then the row's command (busybox sh)
#        oracle/cases.sh --expect ARCH [--quick]
#          print "NN NAME EXPECT" for the same rows, in the same order
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
what=${1:?usage: $0 --scripts ARCH DIR | --expect ARCH}
arch=${2:?usage: $0 --scripts ARCH DIR | --expect ARCH}
dir= quick=0
if [ "$what" = --scripts ]; then
	dir=${3:?usage: $0 --scripts ARCH DIR}
	shift
fi
[ "${3:-}" != --quick ] || quick=1
case $arch in
x86_64) col=2 ;;
arm64) col=3 ;;
*) echo "cases: no column for ARCH '$arch'" >&2; exit 2 ;;
esac

n=0
while read -r name x86 arm q cmd; do
	case $name in ''|'#'*) continue ;; esac
	expect=$([ $col = 2 ] && echo "$x86" || echo "$arm")
	[ "$expect" != - ] || continue
	[ $quick = 0 ] || [ "$q" = yes ] || continue
	n=$((n + 1))
	id=$(printf %02d $n)
	case $what in
	--expect) echo "$id $name $expect" ;;
	--scripts)
		# The oracle judges the phase; KTAP here says the command ran.
		printf '#!/bin/sh\n# oracle case %s (oracle/cases)\nsyncore-mark || exit 1\necho 1..1\n%s >/tmp/case.out 2>&1\nrc=$?\nsed "s/^/# /" /tmp/case.out\ncase $rc in\n0) echo "ok 1 %s ran" ;;\n4) echo "ok 1 %s # SKIP unsupported by this kernel" ;;\n*) echo "not ok 1 %s exit $rc" ;;\nesac\n' \
			"$name" "$cmd" "$name" "$name" "$name" >"$dir/$id-$name.sh"
		chmod 755 "$dir/$id-$name.sh" ;;
	*) echo "cases: unknown '$what'" >&2; exit 2 ;;
	esac
done <"$here/cases"
