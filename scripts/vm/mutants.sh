#!/bin/bash
# Build each mutant of the series (kernel-patches/mutants/), boot it with
# the SYNC_CORE checker and its cases (mbcheck), and say what killed it.
#
# Usage: scripts/vm/mutants.sh [options]
#   --arch ARCH|all           an arch with a guest (default all)
#   --quick                   only the mutants marked quick in MUTANTS
#   --only NAME[,NAME...]     only these mutants
#   --pti                     x86_64 booted with pti=on: the mutants marked
#                             pti=no must survive (every return to user
#                             mode then writes CR3), the others must still
#                             die
#   --accel auto|kvm|tcg      (default auto)
#   --oracle                  also boot each kernel under the oracle
#                             (oracle/, TCG) with the cases of its
#                             "mutant" set: the column "oracle" of MUTANTS
#                             says whether it must kill the mutant (on the
#                             arches the oracle decodes; not riscv64)
#
# Per arch, the series itself runs first and must show no violation. All
# builds of an arch share one worktree and one build dir
# ($SYNCORE_CACHE/trees/mutants-ARCH): applying a mutant and building again
# recompiles only the files it touches. A mutant is killed when the checker
# reports a violation; one that survives fails the run and the table names
# the guarantee nothing covers. Results: $RESULTS/mutants-ARCH[-pti].tap;
# console logs in build/vm/mutants/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export SYNCORE_CACHE=${SYNCORE_CACHE:-$HOME/.cache/syncore}
export RESULTS=${RESULTS:-$top/build/results}
mdir=$top/kernel-patches/mutants
vmdir=$top/build/vm/mutants

usage() { sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
arches=all quick=0 only= pti=0 accel=${SYNCORE_ACCEL:-auto} oracle=0
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arches=${2:?}; shift 2 ;;
	--quick) quick=1; shift ;;
	--only) only=,${2:?},; shift 2 ;;
	--pti) pti=1; shift ;;
	--accel) accel=${2:?}; shift 2 ;;
	--oracle) oracle=1; shift ;;
	-h|--help) usage ;;
	*) echo "mutants: unknown option '$1'" >&2; usage ;;
	esac
done
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"	# arches_with: the arches with a guest
case $arches in
all) arches=$(arches_with qemu) ;;
*) arches_with qemu | grep -qx -- "$arches" ||
	{ echo "mutants: unknown arch '$arches'" >&2; usage; } ;;
esac
[ $pti = 0 ] || arches=x86_64
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES ARCH
mkdir -p "$RESULTS" "$vmdir"
say() { echo "mutants: [$(date +%H:%M:%S)] $*" >&2; }

# rows ARCH: "name pti needs oracle" for the mutants of ARCH this run
# selects.
rows() {
	awk -v arch="$1" -v quick=$quick -v only="$only" '
		/^#/ || NF < 6 { next }
		index("," $2 ",", "," arch ",") == 0 { next }
		quick && $4 != "yes" { next }
		only != "" && index(only, "," $1 ",") == 0 { next }
		{ print $1, $3, $5, $6 }' "$mdir/MUTANTS"
}

# oracle_run ARCH KDIR LOG MUTANT EXPECT: boot KDIR under the oracle and
# print "VERDICT|CASES|SECONDS" (the cases that failed, and how long the
# first one took to its first violation).
oracle_run() {
	local arch=$1 kdir=$2 log=$3 m=$4 want=$5 tmp rc sel rows killed secs
	sel=$("$top/oracle/cases.sh" --expect "$arch" --set mutant |
		awk '{printf "%s*-%s", (NR > 1 ? "," : ""), $2}')
	"$here/boot.sh" --plugin "$oso,out=$log,symbols=$kdir/System.map" \
		--timeout 600 --append "nopti idle=poll nokaslr syncore.g1=none syncore.suite=/oracle syncore.only=$sel" \
		"$arch" "$kdir/$("$top/scripts/kbuild.sh" --image "$arch")" \
		"$oimg" "$log.console" 2>>"$log.boot" || true
	tmp=$(mktemp -d)
	rows=$(RESULTS=$tmp "$here/oracle-verdicts.sh" $([ "$m" = - ] || echo --expect-fail) \
		"$arch" "$log.console" "$log" o 2>>"$log.boot")
	rc=$(cat "$tmp/o-verdicts.rc" 2>/dev/null || echo 1)
	rm -rf "$tmp"
	killed=$(awk '$2 == "PASS" && $3 == "FAIL" {print $1}' <<<"$rows" | paste -sd, -)
	secs=$(awk '$2 == "PASS" && $3 == "FAIL" {print $6; exit}' <<<"$rows")
	if [ -z "$rows" ]; then
		echo "FAIL: no oracle verdicts ($log.boot)|-|-"
	elif [ "$m" = - ]; then
		[ "$rc" = 0 ] && echo "clean|-|-" || echo "FAIL: the series fails under the oracle|$killed|$secs"
	elif [ -n "$killed" ] && [ "$want" = yes ]; then
		echo "killed|$killed|$secs"
	elif [ -n "$killed" ]; then
		echo "FAIL: killed, but MUTANTS says the oracle cannot see it|$killed|$secs"
	elif [ "$want" = no ]; then
		echo "survived (expected: Documentation/oracle.rst)|-|-"
	else
		echo "FAIL: SURVIVED the oracle|-|-"
	fi
}

# guarantee NAME: the subject line of the mutant's changelog.
guarantee() {
	sed -n 's/^Subject: \[PATCH\] MUTANT [^:]*: //p' "$mdir/$1.patch"
}

# stat LOG NAME: a counter of the checker, as the guest printed it.
stat() {
	sed -n '/^@@SYNCORE-STATS-BEGIN/,/^@@SYNCORE-STATS-END/p' "$1" |
		awk -v n="$2" '$1 == n {print $2}'
}

# judge LOG: "VIOLATIONS|FAILED-CASES|REASON|SECONDS" from a console log.
judge() {
	local log=$1 viol cases first
	viol=$(stat "$log" violations)
	cases=$(sed -n '/^@@SYNCORE-BEGIN 10-checker/,/^@@SYNCORE-END/p' "$log" |
		sed -n 's/^not ok [0-9]* \([^:]*\):.*/\1/p' | paste -sd, -)
	first=$(grep -m1 'membarrier_debug: VIOLATION' "$log" || true)
	echo "${viol:-?}|${cases:--}|$(sed -n 's/.*VIOLATION \([a-z]*\):.*last edge \([a-z_]*\).*/\1\/\2/p' <<<"$first")|$(sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' <<<"$first")"
}

suffix= extra=$top/kernel-patches/debug/checker.config
[ $pti = 0 ] || suffix=-pti

for arch in $arches; do
	name=mutants-$arch$suffix
	tap=$RESULTS/$name.tap
	base=$("$top/scripts/ktree.sh" "$top/kernel-patches/series" \
		"$top/kernel-patches/debug/series")
	head=$(git -C "$base" rev-parse HEAD)
	wt=$SYNCORE_CACHE/trees/mutants-$arch
	exec 7>"$SYNCORE_CACHE/trees/.mutants-$arch.lock"
	flock 7
	if [ ! -d "$wt/.git" ] && [ ! -f "$wt/.git" ]; then
		git -C "$("$top/scripts/ksrc.sh")" worktree prune
		git -C "$("$top/scripts/ksrc.sh")" worktree add -q --detach "$wt" "$head"
	fi
	say "$arch: image"
	img=$(VM_TOOLS=kernel-patches/debug/tests "$here/mkimage.sh" "$arch" \
		"$base" "$vmdir/image-$arch" 2>"$vmdir/image-$arch.err") || {
		cat "$vmdir/image-$arch.err" >&2; exit 1; }

	# The oracle judges only the arches it decodes.
	oracle_on=$oracle
	if [ $oracle = 1 ] &&
		[[ " $("$top/oracle/cases.sh" --arches) " != *" $arch "* ]]; then
		say "$arch: the oracle does not decode $arch: the checker alone"
		oracle_on=0
	fi
	if [ $oracle_on = 1 ]; then
		oso=$(make -s -C "$top/oracle" all print-so | tail -n 1)
		oimg=$("$here/mkimage.sh" "$arch" "$base" "$vmdir/oimage-$arch" \
			2>"$vmdir/oimage-$arch.err") || {
			cat "$vmdir/oimage-$arch.err" >&2; exit 1; }
	fi

	mapfile -t list < <(echo "- - - -"; rows "$arch")
	{
		echo "TAP version 13"
		echo "1..${#list[@]}"
	} >"$tap"
	table=()
	i=0 fails=0
	for row in "${list[@]}"; do
		read -r m mpti needs mor <<<"$row"
		i=$((i + 1))
		label=${m/#-/(the series itself)}
		git -C "$wt" checkout -q --detach -f "$head"
		git -C "$wt" reset -q --hard "$head"
		if [ "$m" != - ] && ! git -C "$wt" apply "$mdir/$m.patch" 2>"$vmdir/$m.apply"; then
			echo "not ok $i $label: does not apply" >>"$tap"
			sed 's/^/# /' "$vmdir/$m.apply" >>"$tap"
			table+=("$label|$arch|FAIL: does not apply|-|-|-|-|-")
			fails=$((fails + 1))
			continue
		fi
		say "$arch: $label: build"
		s=$SECONDS
		if ! kdir=$(KBUILD_DIR=$wt/.kbuild-mutants-$arch \
			KBUILD_EXTRA_CONFIGS=$extra \
			"$top/scripts/kbuild.sh" "$arch" default "$wt" 2>"$vmdir/$m-$arch.kbuild"); then
			tail -n 20 "$vmdir/$m-$arch.kbuild" >&2
			echo "not ok $i $label: build failed" >>"$tap"
			table+=("$label|$arch|FAIL: build|-|-|-|-|-")
			fails=$((fails + 1))
			continue
		fi
		build=$((SECONDS - s))
		log=$vmdir/${m/#-/series}-$arch$suffix.log
		say "$arch: $label: boot (built in ${build}s)"
		"$here/boot.sh" --accel "$accel" --timeout 300 \
			--append "syncore.only=10-checker syncore.g1=none$([ $pti = 0 ] || echo ' pti=on')" \
			"$arch" "$kdir/$("$top/scripts/kbuild.sh" --image "$arch")" \
			"$img" "$log" 2>>"$vmdir/$m-$arch.boot" || true
		IFS='|' read -r viol cases reason secs <<<"$(judge "$log")"
		# The guest must run the kernel just built, nothing older.
		built=$(sed -n 's/.*UTS_VERSION "\(.*\)"/\1/p' \
			"$kdir/include/generated/utsversion.h")
		if [ "$viol" = "?" ]; then
			verdict="FAIL: no checker counters (guest did not finish)"
		elif ! grep -q "^uname: .* $built " "$log"; then
			verdict="FAIL: the guest did not run the kernel just built ($built)"
		elif [ $pti = 1 ] && ! grep -q '^pti: on' "$log"; then
			verdict="FAIL: PTI did not turn on"
		elif [ "$m" = - ]; then
			if [ "$viol" = 0 ] && [ "$cases" = - ]; then
				verdict=clean
			else
				verdict="FAIL: $viol violations"
			fi
		elif [ $pti = 1 ] && [ "$mpti" = no ]; then
			if [ "$viol" = 0 ]; then
				verdict="survived (expected: hidden by PTI)"
			else
				verdict="FAIL: killed under PTI"
			fi
		elif [ "$viol" != 0 ]; then
			verdict=killed
		elif [ "$needs" = FEAT_ExS ] && [ "$(stat "$log" event.eret)" != 0 ]; then
			verdict="SKIP: not observable here: ERET still synchronizes (this CPU lacks FEAT_ExS, EOS is RES1)"
		else
			verdict="FAIL: SURVIVED, nothing covers: $(guarantee "$m")"
		fi
		over=-
		if [ $oracle_on = 1 ] && [ $pti = 0 ]; then
			say "$arch: $label: oracle boot"
			IFS='|' read -r over ocases osecs <<<"$(oracle_run "$arch" \
				"$kdir" "$vmdir/${m/#-/series}-$arch-oracle" "$m" "$mor")"
			case $over in
			FAIL*) verdict="${verdict%%;*}; oracle $over" ;;
			esac
		fi
		case $verdict in
		FAIL*|*"; oracle FAIL"*)
			fails=$((fails + 1))
			echo "not ok $i $label: $verdict" >>"$tap" ;;
		SKIP*)
			echo "ok $i $label # $verdict" >>"$tap" ;;
		*)
			echo "ok $i $label: $verdict" >>"$tap" ;;
		esac
		echo "# $label: $viol violations, failing cases $cases, first $reason at ${secs:--}s; build ${build}s; log $log" >>"$tap"
		[ "$over" = - ] ||
			echo "# $label: oracle $over, failing cases ${ocases:--}, first violation ${osecs:--} s into its case" >>"$tap"
		table+=("$label|$arch|${verdict%%; oracle*}|${cases}|${reason:--}|${secs:--}|${over%% (*}|${ocases:--} ${osecs:+(${osecs}s)}")
	done
	git -C "$wt" reset -q --hard "$head"
	flock -u 7

	echo
	printf '%-30s %-7s %-28s %-18s %-18s %-9s %-10s %s\n' MUTANT ARCH CHECKER \
		"CASES (mbcheck)" "CHECKER REASON" "AT (s)" ORACLE "CASES (oracle, s to first)"
	for t in "${table[@]}"; do
		IFS='|' read -r a b c d e f g h <<<"$t"
		printf '%-30s %-7s %-28s %-18s %-18s %-9s %-10s %s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h"
	done
	echo
	echo "# $((i - fails)) of $i rows as expected" >>"$tap"
	if [ $fails -eq 0 ]; then echo 0; else echo 1; fi >"${tap%.tap}.rc"
	say "$arch: $((i - fails)) of $i as expected; $tap"
done
