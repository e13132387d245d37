#!/bin/bash
# Check the hygiene of a kernel patch series (run by "make check").
#
# Usage: kernel-patches/check.sh [--series FILE]... [--name NAME] [--only LIST]
#        kernel-patches/check.sh --selftest [--quick]
#
#   --series FILE  a series file (default: kernel-patches/series); given
#                  more than once, the series are applied in that order
#                  (e.g. the series, then the checker in debug/series)
#   --name NAME    results are NAME-<check> (default: series)
#   --only LIST    comma-separated subset of: apply,checkpatch,builds,
#                  bisect,sparse (default: all)
#   --selftest     the checks, checked on throwaway series
#                  (kernel-patches/check/selftest.sh; --quick: without
#                  the bisect and sparse ones, which build a kernel)
#
# One script per check, in kernel-patches/check/, each printing one KTAP
# document that scripts/tap-run.sh stores as $RESULTS/NAME-<check>.tap:
#
#   apply       the series applies in order with "git am" onto the pristine
#               tree; the failing patch is named, with its hunks
#   checkpatch  per patch: checkpatch.pl --strict gives no error or
#               warning, there is a Signed-off-by and a changelog body
#   builds      the whole series builds for each ARCH:VARIANT in
#               $CHECK_BUILDS (default: all seven) without compiler
#               warnings in the files it touches
#   bisect      per patch i, the tree with patches 1..i builds for x86_64
#   sparse      no sparse warning in the touched files that the pristine
#               tree does not have
#
# A missing or empty series makes every check a SKIP ("no series yet").
# Results are kept under $SYNCORE_CACHE/check by content, so a rerun with
# nothing changed takes seconds. Kernel builds share scripts/kbuild.sh's
# lock and ccache. Progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
export RESULTS=${RESULTS:-$top/build/results}
all="apply checkpatch builds bisect sparse"

usage() { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "check: $*" >&2; usage >&2; exit 2; }

sargs=() name=series only=$all
while [ $# -gt 0 ]; do
	case $1 in
	--series) [ $# -ge 2 ] || die "--series needs a file"
		sargs+=(--series "$2"); shift 2 ;;
	--name) name=${2:?}; shift 2 ;;
	--only) only=${2//,/ }; shift 2 ;;
	--selftest) shift; exec "$here/check/selftest.sh" "$@" ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown option '$1'" ;;
	esac
done
for c in $only; do
	case " $all " in
	*" $c "*) ;;
	*) die "unknown check '$c' (one of: $all)" ;;
	esac
done

# "N passed, N failed, N skipped" of one result.
tally() {
	local p f s
	read -r p f s < <("$top/scripts/tap-summary.sh" --count "$1")
	echo "$p passed, $f failed, $s skipped"
}

exec 3>&2
start=$SECONDS
for c in $only; do
	printf '[%s] check: %s-%s: start\n' "$(date +%T)" "$name" "$c" >&2
	t0=$SECONDS
	"$top/scripts/tap-run.sh" "$name-$c" -- "$here/check/$c.sh" "${sargs[@]}"
	printf '[%s] check: %s-%s: %s (exit %s, %ss)\n' "$(date +%T)" "$name" "$c" \
		"$(tally "$RESULTS/$name-$c.tap")" "$(cat "$RESULTS/$name-$c.rc")" \
		$((SECONDS - t0)) >&2
done
printf '[%s] check: done in %ss\n' "$(date +%T)" $((SECONDS - start)) >&2
