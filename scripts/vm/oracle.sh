#!/bin/bash
# The oracle's longer checks (make check-oracle), on the patched kernel
# that scripts/vm/check-vm.sh --variant oracle builds and judges first:
#
#   scripts/vm/oracle.sh virtual [--arch A] [--min N]
#       a virtual mutant per kernel site the reference run shows making at
#       least N episodes safe on its own (default 10): the same cases
#       booted with that site not counted (the plugin's ignore=) must FAIL
#   scripts/vm/oracle.sh overhead [--arch A]
#       the same cases booted under TCG with and without the plugin:
#       stress-syncore's rounds and executions, and the guest's wall time
#   scripts/vm/oracle.sh matrix
#       no boot: the verdict matrix (case x kernel x arch: verdict,
#       violations/episodes) of the oracle guests in build/vm/
#
# --arch x86_64|arm64|all (default all). Results: $RESULTS/oracle-WHAT-ARCH.tap;
# logs in build/vm/oracle-WHAT-ARCH/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export SYNCORE_CACHE=${SYNCORE_CACHE:-$HOME/.cache/syncore}
export RESULTS=${RESULTS:-$top/build/results}
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
what=${1:-}
shift || true
arches="x86_64 arm64" min=10
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arches=${2:?}; shift 2 ;;
	--min) min=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
[ "$arches" != all ] || arches="x86_64 arm64"
case $what in virtual|overhead|matrix) ;; *) usage ;; esac
say() { echo "oracle: [$(date +%H:%M:%S)] $*" >&2; }

# The matrix: one row per case, one column per oracle guest found.
if [ "$what" = matrix ]; then
	cols=() hdr=CASE
	for k in baseline patched; do
		for a in x86_64 arm64; do
			[ -s "$top/build/vm/$k-$a-oracle/oracle.json" ] || continue
			cols+=("$k-$a")
			hdr="$hdr|$k $a"
		done
	done
	[ ${#cols[@]} -gt 0 ] || { echo "oracle: no oracle guest in build/vm" >&2; exit 1; }
	{
		echo "$hdr"
		"$top/oracle/cases.sh" --expect x86_64 | awk '{print $2}' | while read -r c; do
			row=$c
			for g in "${cols[@]}"; do
				d=$top/build/vm/$g-oracle
				p=$(sed -n 's/.*@@SYNCORE-BEGIN [0-9]*-\([^ ]*\).*/\1/p' "$d/console.log" |
					grep -nx -- "$c" | cut -d: -f1 || true)
				if [ -z "$p" ]; then
					row="$row|-"
				else
					row="$row|$(jq -r ".phases[$p] | (if .violations > 0 then \"FAIL\" elif .episodes > 0 then \"PASS\" else \"NONE\" end) + \" \(.violations)/\(.episodes)\"" "$d/oracle.json")"
				fi
			done
			echo "$row"
		done
	} | awk -F'|' '{printf "%-26s", $1; for (i = 2; i <= NF; i++) printf " %-17s", $i; print ""}'
	echo "(verdict violations/episodes; - : the case did not run in that guest)"
	exit 0
fi
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES ARCH
so=$(make -s -C "$top/oracle" all print-so | tail -n 1)
. "$top/scripts/ktap.sh"

# boot ARCH DIR NAME CASES [PLUGIN-ARGS|-]: boot the reference kernel
# with the oracle's CASES (comma-separated names); no plugin with "-".
boot() {
	local arch=$1 dir=$2 name=$3 cases=$4 pargs=${5:-} sel plug=()
	sel=$(tr , '\n' <<<"$cases" | sed 's/^/*-/' | paste -sd, -)
	[ "$pargs" = - ] ||
		plug=(--plugin "$so,out=$dir/$name,symbols=$kdir/System.map$pargs")
	"$here/boot.sh" --accel tcg "${plug[@]}" --timeout 900 \
		--append "nopti idle=poll nokaslr syncore.g1=none syncore.suite=/oracle syncore.only=$sel" \
		"$arch" "$kdir/$("$top/scripts/kbuild.sh" --image "$arch")" "$img" \
		"$dir/$name.console" 2>"$dir/$name.boot" || true
}

for arch in $arches; do
	ref=$top/build/vm/patched-$arch-oracle
	say "$arch: the reference run (check-vm.sh --variant oracle, all cases)"
	"$here/check-vm.sh" --arch "$arch" --kernels patched --variant oracle \
		--oracle-cases all >&2 || true
	kdir=$(readlink -f "$ref/kernel")
	img=$(ls "$top"/build/vm/image-patched-"$arch"-*/initramfs.cpio | head -n 1)
	dir=$top/build/vm/oracle-$what-$arch
	tap=$RESULTS/oracle-$what-$arch.tap
	rm -rf "$dir"
	mkdir -p "$dir" "$RESULTS"
	if [ ! -s "$ref/oracle.json" ] || [ ! -f "$img" ]; then
		( ktap_header 1; ktap_not_ok "$arch: no reference oracle run ($ref)" ) >"$tap"
		echo 1 >"${tap%.tap}.rc"
		continue
	fi
	mapfile -t ran < <(sed -n 's/.*@@SYNCORE-BEGIN [0-9]*-\([^ ]*\).*/\1/p' "$ref/console.log")
	declare -A expect=()
	while read -r _ n e; do expect[$n]=$e; done < <("$top/oracle/cases.sh" --expect "$arch")

	if [ "$what" = overhead ]; then
		cases=sync-core-busy,sync-core-sleepy,none-busy
		say "$arch: overhead: $cases with the plugin, then without"
		boot "$arch" "$dir" with "$cases" ""
		boot "$arch" "$dir" without "$cases" -
		(
			ktap_header 1
			printf '%-18s %14s %14s %7s %14s %14s %7s\n' CASE \
				"ROUNDS with" without slower "EXECS with" without slower | ktap_diag
			ok=1
			for c in ${cases//,/ }; do
				read -r r1 e1 < <(sed -n "/@@SYNCORE-BEGIN [0-9]*-$c\$/,/@@SYNCORE-END/s/.*result: [A-Z]*: \([0-9]*\) rounds, \([0-9]*\) executions.*/\1 \2/p" "$dir/with.console")
				read -r r0 e0 < <(sed -n "/@@SYNCORE-BEGIN [0-9]*-$c\$/,/@@SYNCORE-END/s/.*result: [A-Z]*: \([0-9]*\) rounds, \([0-9]*\) executions.*/\1 \2/p" "$dir/without.console")
				[ -n "${r1:-}" ] && [ -n "${r0:-}" ] && [ "$r1" -gt 0 ] && [ "$e1" -gt 0 ] || { ok=0; continue; }
				printf '%-18s %14s %14s %7s %14s %14s %7s\n' "$c" "$r1" "$r0" \
					"$(awk -v a="$r0" -v b="$r1" 'BEGIN {printf "%.1fx", a / b}')" \
					"$e1" "$e0" "$(awk -v a="$e0" -v b="$e1" 'BEGIN {printf "%.1fx", a / b}')" | ktap_diag
			done
			ktap_diag "guest wall time: $(cat "$dir/with.console.seconds" 2>/dev/null || echo ?) s with the plugin, $(cat "$dir/without.console.seconds" 2>/dev/null || echo ?) s without (same cases, TCG)"
			ktap_result "$arch: the same stress-syncore cases with and without the plugin" $((1 - ok))
		) >"$tap"
		grep -q "^not ok" "$tap" && echo 1 >"${tap%.tap}.rc" || echo 0 >"${tap%.tap}.rc"
		sed -n 's/^# //p' "$tap" >&2
		continue
	fi

	# virtual: kernel sites, the PASS cases each made safe alone.
	mapfile -t sites < <(jq -r --argjson min "$min" --arg names "${ran[*]}" '
		($names | split(" ")) as $n |
		.sites[] | select(.where | startswith("user:") | not) |
		. as $s | [range(1; $s.sole | length) | select($s.sole[.] > 0) |
			{c: $n[. - 1], v: $s.sole[.]}] as $by |
		select(($by | map(.v) | add // 0) >= $min) |
		"\(.pc) \(.kind)@\(.where) \($by | map(.c) | join(",")) \($by | map(.v) | add)"' \
		"$ref/oracle.json")
	n=0
	{
		ktap_header "${#sites[@]}"
		[ ${#sites[@]} -gt 0 ] || ktap_diag "no kernel site made $min episodes safe on its own"
	} >"$tap"
	fails=0
	for s in "${sites[@]}"; do
		read -r pc site cases sole <<<"$s"
		n=$((n + 1))
		cases=$(tr , '\n' <<<"$cases" | while read -r c; do
			if [ "${expect[$c]:-}" = PASS ]; then echo "$c"; fi
			done | paste -sd, -)
		if [ -z "$cases" ]; then
			echo "ok $n $site # SKIP it made safe only episodes of cases not expected to PASS" >>"$tap"
			continue
		fi
		say "$arch: virtual mutant $site ($sole episodes): $cases"
		boot "$arch" "$dir" "v$n" "$cases" ",ignore=$pc"
		t=$(mktemp -d)
		rows=$(RESULTS=$t "$here/oracle-verdicts.sh" --expect-fail "$arch" \
			"$dir/v$n.console" "$dir/v$n" v 2>>"$dir/v$n.boot" || true)
		rc=$(cat "$t/v-verdicts.rc" 2>/dev/null || echo 1)
		rm -rf "$t"
		if [ "$rc" = 0 ]; then
			echo "ok $n $site not counted: killed" >>"$tap"
		else
			echo "not ok $n $site not counted: SURVIVED" >>"$tap"
			fails=$((fails + 1))
		fi
		ktap_diag "$site: $sole episodes safe by it alone in the reference run; cases $cases" >>"$tap"
		sed 's/^/  /' <<<"$rows" | ktap_diag >>"$tap"
	done
	echo $((fails > 0)) >"${tap%.tap}.rc"
	sed -n 's/^\(\(not \)\{0,1\}ok .*\)/\1/p' "$tap" >&2
done
