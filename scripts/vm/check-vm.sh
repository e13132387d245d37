#!/bin/bash
# Build baseline and patched test kernels, boot them in QEMU with the
# project's tools and the trees' own selftests, and store KTAP results.
#
# Usage: scripts/vm/check-vm.sh [options]
#   --arch ARCH|all    an arch with a guest in scripts/arches (default all)
#   --variant default|debug|nofeat|pti|oracle   (default default; pti:
#                    the default x86_64 kernel booted with pti=on; oracle:
#                    the default kernel under TCG with the oracle plugin,
#                    running oracle/cases instead of the tests)
#   --oracle-cases quick|all   the oracle's cases (default quick, all with
#                    --full); ORACLE_ARGS adds plugin arguments
#                    Variants bench and bench-icount (make bench-vm): the
#                    default kernel without the checker, running the /bench
#                    suite (bench/guest/); bench-icount under TCG with
#                    -icount. BENCH_CASES=CASE,... selects cases
#   --kernels baseline|patched|both  (default both)
#   --series FILE    series for the patched kernel (default kernel-patches/series)
#   --no-checker     leave out the SYNC_CORE checker (kernel-patches/debug/),
#                    which is otherwise applied on top of both kernels
#   --full           the default matrix plus the arm64 baseline and the
#                    debug kernels (make check-full)
#   --accel auto|kvm|tcg             (default auto: KVM if it works, else TCG)
#   --timeout S      hard limit per guest (default 900, 1800 for debug)
#   --test-timeout S limit per test inside the guest (default 300)
#   --only GLOB      run only the guest tests whose name matches GLOB
#   --strict         exit 1 when any result failed (default: exit 0 once
#                    the results are stored, as "make check" wants)
#
# Without --arch/--variant/--kernels: the baseline and the patched kernel on
# x86_64, the patched kernel on arm64 and riscv64 (default variant), the
# patched x86_64 kernel once more with pti=on (every return to user mode
# writes CR3), plus its "nofeat" variant (no membarrier, no rseq) on
# x86_64, where every test must SKIP, and the oracle pass on the x86_64
# baseline and patched kernels and the arm64 patched one (its quick cases).
# --full adds every oracle case, the arm64 baseline (default and oracle),
# the riscv64 baseline and the debug kernels.
#
# Both kernels carry the SYNC_CORE checker and its G1 test unless
# --no-checker: every guest test then runs under the checker, and mbcheck
# expects the G1 violation where the baseline really has it (x86_64).
#
# VM_EXTRA_CONFIGS="FRAGMENT..." adds config fragments to every kernel built,
# e.g. kernel-patches/configs/rt.config (PREEMPT_RT) for a debug run.
#
# Results: $RESULTS/vm-KERNEL-ARCH-VARIANT-TEST.tap/.rc (RESULTS defaults to
# build/results). Logs: build/vm/KERNEL-ARCH-VARIANT/ (console.log, the
# initramfs staging dir). Kernels: scripts/kbuild.sh build dirs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export SYNCORE_CACHE=${SYNCORE_CACHE:-$HOME/.cache/syncore}
export RESULTS=${RESULTS:-$top/build/results}
vmdir=$top/build/vm
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"	# arches_with: the arches with a guest

usage() { sed -n '4,26p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
bad() { echo "check-vm: $*" >&2; usage; }

arches= variants= kernels= series= accel=${SYNCORE_ACCEL:-auto}
tmo= ttmo=300 only= strict=0 checker=1 full=0 ocases=
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arches=${2:?}; shift 2 ;;
	--variant) variants=${2:?}; shift 2 ;;
	--kernels) kernels=${2:?}; shift 2 ;;
	--series) series=$(cd "$(dirname "${2:?}")" && pwd)/$(basename "$2"); shift 2 ;;
	--accel) accel=${2:?}; shift 2 ;;
	--timeout) tmo=${2:?}; shift 2 ;;
	--test-timeout) ttmo=${2:?}; shift 2 ;;
	--only) only=${2:?}; shift 2 ;;
	--strict) strict=1; shift ;;
	--no-checker) checker=0; shift ;;
	--full) full=1; shift ;;
	--oracle-cases) ocases=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	*) bad "unknown option '$1'" ;;
	esac
done

# The matrix: "kernel arch variant" lines.
if [ -z "$arches$variants$kernels" ]; then
	matrix="baseline x86_64 default
patched x86_64 default
patched arm64 default
patched riscv64 default
patched x86_64 pti
patched x86_64 nofeat
baseline x86_64 oracle
patched x86_64 oracle
patched arm64 oracle"
	[ $full = 0 ] || matrix="$matrix
baseline arm64 default
baseline riscv64 default
baseline arm64 oracle
patched x86_64 debug
patched arm64 debug"
else
	guests=$(arches_with qemu)
	case ${arches:=all} in
	all) arches=$guests ;;
	*) grep -qx -- "$arches" <<<"$guests" || bad "unknown arch '$arches'" ;;
	esac
	case ${variants:=default} in
	default|debug|nofeat|bench|bench-icount) ;;
	oracle)
		for a in $arches; do
			[[ " $("$top/oracle/cases.sh" --arches) " == *" $a "* ]] ||
				bad "the oracle does not decode $a"
		done ;;
	pti) [ "$arches" = x86_64 ] || bad "variant pti is for --arch x86_64" ;;
	*) bad "unknown variant '$variants'" ;;
	esac
	case ${kernels:=both} in
	both) kernels="baseline patched" ;;
	baseline|patched) ;;
	*) bad "unknown kernels '$kernels'" ;;
	esac
	matrix=$(for a in $arches; do for k in $kernels; do
		echo "$k $a $variants"; done; done)
fi
case $accel in auto|kvm|tcg) ;; *) bad "unknown accel '$accel'" ;; esac
case ${ocases:=$([ $full = 1 ] && echo all || echo quick)} in
quick|all) ;;
*) bad "unknown oracle cases '$ocases'" ;;
esac
# Called from make: keep its command line variables (ARCH=...) and job
# server away from the kernel and tool builds below.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES ARCH VARIANT KERNELS

mkdir -p "$RESULTS" "$vmdir"
t0=$SECONDS
say() { echo "check-vm: [$(date +%H:%M:%S)] $*" >&2; }

# result NAME RC DESCRIPTION [DETAILS...]: a one-result KTAP file, passed
# when RC is 0.
result() {
	local name=$1 rc=$2 desc=$3
	shift 3
	(
		. "$top/scripts/ktap.sh"
		ktap_header 1
		for d in "$@"; do ktap_diag "$d"; done
		ktap_result "$desc" "$rc"
	) >"$RESULTS/$name.tap"
	echo "$rc" >"$RESULTS/$name.rc"
}

# The G1 verdict mbcheck must find: the baseline lets the kthread_use_mm()
# lazy exit go unserialized on x86_64 (no CR3 write, no sync_core) and on
# riscv64 (no FENCE.I; SRET does not synchronize); on arm64 the ERET to
# user mode serializes anyway, and so does the CR3 write of every return
# to user mode with PTI: no kernel shows it there.
g1_verdict() {
	case $1-$2-$3 in
	baseline-x86_64-pti) echo none ;;
	baseline-x86_64-*|baseline-riscv64-*) echo violation ;;
	*) echo none ;;
	esac
}

declare -A tree_of=() image_of=()
# with_checker VARIANT: does this guest get the SYNC_CORE checker? It needs
# membarrier, so the nofeat variant goes without (and builds the very tree
# and config that kernel-patches/check.sh builds with CONFIG_MEMBARRIER=n);
# the bench variants go without because it adds work to every return to
# user mode, which is what they measure.
with_checker() { [ $checker = 1 ] && [ "$1" != nofeat ] && [ "${1#bench}" = "$1" ]; }

# tree_for KERNEL VARIANT: the source tree.
tree_for() {
	local k=$1 out debug=
	! with_checker "$2" || debug=$top/kernel-patches/debug/series
	k=$k${debug:+-checker}
	[ -z "${tree_of[$k]:-}" ] || { echo "${tree_of[$k]}"; return 0; }
	if [ "$1" = baseline ]; then
		if [ -n "$debug" ]; then
			out=$("$top/scripts/ktree.sh" "$debug") || return 1
		else
			out=$("$top/scripts/ktree.sh" --baseline) || return 1
		fi
	else
		local s=${series:-$top/kernel-patches/series}
		[ -f "$s" ] || say "no series file $s: the patched kernel is the baseline"
		out=$("$top/scripts/ktree.sh" "$s" $debug) || return 1
	fi
	tree_of[$k]=$out
	echo "$out"
}

for_guest() {
	local k=$1 a=$2 v=$3 name=$1-$2-$3 prefix=vm-$1-$2-$3
	local dir=$vmdir/$name tree kdir img err
	rm -rf "$dir"
	mkdir -p "$dir"
	rm -f "$RESULTS/$prefix"-*
	say "== $name"

	if ! tree=$(tree_for "$k" "$v" 2>"$dir/tree.err"); then
		cat "$dir/tree.err" >&2
		result "$prefix-kernel" 1 "$k tree: the series does not apply" \
			"$(cat "$dir/tree.err")"
		return 0
	fi
	cat "$dir/tree.err" >&2

	local s=$SECONDS extra= kv=$v
	! with_checker "$v" || extra=$top/kernel-patches/debug/checker.config
	case $v in pti|oracle|bench*) kv=default ;; esac	# booted differently
	if ! kdir=$("$top/scripts/stage.sh" "kernel $name" --log "$dir/kbuild.err" -- \
		env KBUILD_EXTRA_CONFIGS="$extra${VM_EXTRA_CONFIGS:+ $VM_EXTRA_CONFIGS}" "$top/scripts/kbuild.sh" "$a" "$kv" "$tree"); then
		cat "$dir/kbuild.err" >&2
		result "$prefix-kernel" 1 "$name kernel build" \
			"$(tail -n 40 "$dir/kbuild.err")"
		return 0
	fi
	grep -v '^kbuild: waiting' "$dir/kbuild.err" >&2 || true
	result "$prefix-kernel" 0 "$name kernel build" "$kdir"
	say "kernel ready in $((SECONDS - s))s: $kdir"

	# One initramfs per tree and arch, shared by the variants.
	local ikey=$k-$a-$(basename "$tree")
	if [ -z "${image_of[$ikey]:-}" ]; then
		s=$SECONDS
		if ! img=$("$here/mkimage.sh" "$a" "$tree" "$vmdir/image-$ikey" \
			2>"$dir/mkimage.err"); then
			cat "$dir/mkimage.err" >&2
			result "$prefix-image" 1 "$name guest image" \
				"$(tail -n 40 "$dir/mkimage.err")"
			return 0
		fi
		cat "$dir/mkimage.err" >&2
		image_of[$ikey]=$img
		say "initramfs ready in $((SECONDS - s))s: $img"
	fi
	img=${image_of[$ikey]}
	local tool st
	while read -r tool st; do
		case $st in
		ok) ;;
		build-failed)
			result "$prefix-guest-build-${tool//\//-}" 1 \
				"$tool: make guest ARCH=$a" \
				"$(tail -n 30 "$vmdir/image-$ikey/${tool//\//-}.log")" ;;
		*) say "note: $tool is not in the guest ($st)" ;;
		esac
	done <"$vmdir/image-$ikey/tools.txt"

	local t=${tmo:-$([ "$v" = debug ] && echo 1800 || echo 900)}
	local app="syncore.timeout=$ttmo${only:+ syncore.only=$only}"
	app="$app syncore.g1=$(g1_verdict "$k" "$a" "$v")"
	[ "$v" != pti ] || app="$app pti=on"
	local image bootargs=(--accel "$accel")
	image=$kdir/$("$top/scripts/kbuild.sh" --image "$a")
	ln -sfn "$kdir" "$dir/kernel"
	if [ "$v" = oracle ]; then
		oracle_args "$a" "$kdir" "$dir" "$ocases" || return 0
		app="$app $oapp"
		bootargs=(--plugin "$oplugin")
	fi
	case $v in
	bench*)
		app="$app syncore.suite=/bench${BENCH_CASES:+ syncore.bench=$BENCH_CASES}${BENCH_REPS:+ syncore.bench-reps=$BENCH_REPS}"
		[ "$v" != bench-icount ] || bootargs=(--icount)
		t=${tmo:-2400} ;;
	esac
	"$top/scripts/stage.sh" "boot $name" --log "$dir/boot.err" -- \
		"$here/boot.sh" "${bootargs[@]}" --timeout "$t" --append "$app" \
		"$a" "$image" "$img" "$dir/console.log" || true
	"$here/collect.sh" $([ "$v" = nofeat ] && echo --nofeat) \
		"$dir/console.log" "$prefix"
	[ "$v" != oracle ] || "$here/oracle-verdicts.sh" --kernel "$k" "$a" "$dir/console.log" \
		"$dir/oracle" "$prefix" | sed "s/^/check-vm: oracle $name: /" >&2
}

# oracle_args ARCH KDIR DIR CASES: the plugin (built for the installed
# QEMU) and its arguments in $oplugin, the guest command line in $oapp.
# The oracle needs nopti (with PTI every return to user mode writes CR3:
# nothing would ever fail), idle=poll (the wake-up IPI's IRET out of HLT
# would hide most omissions) and nokaslr (System.map names its sites).
oracle_args() {
	local so sel=
	if ! so=$(make -s -C "$top/oracle" all print-so 2>"$3/oracle-build.err" | tail -n 1) ||
		[ ! -f "$so" ]; then
		cat "$3/oracle-build.err" >&2
		result "$prefix-oracle-build" 1 "oracle plugin build" \
			"$(tail -n 20 "$3/oracle-build.err")"
		return 1
	fi
	oplugin="$so,out=$3/oracle,symbols=$2/System.map${ORACLE_ARGS:+,$ORACLE_ARGS}"
	[ "$4" = all ] || sel=$("$top/oracle/cases.sh" --expect "$1" --set quick |
		awk '{printf "%s*-%s", (NR > 1 ? "," : ""), $2}')
	oapp="nopti idle=poll nokaslr syncore.suite=/oracle${sel:+ syncore.only=$sel}"
}

while read -r k a v; do
	[ -n "$k" ] || continue
	for_guest "$k" "$a" "$v"
done <<<"$matrix"

# Summary: kernel x arch x variant x test -> status and KTAP totals.
echo
printf '%-10s %-7s %-8s %-28s %-5s %s\n' KERNEL ARCH VARIANT TEST RESULT \
	"KTAP ok/not-ok/skip"
fails=0
while read -r k a v; do
	[ -n "$k" ] || continue
	for f in "$RESULTS/vm-$k-$a-$v-"*.tap; do
		[ -e "$f" ] || continue
		test=${f##*/vm-$k-$a-$v-}
		test=${test%.tap}
		read -r ok nok sk < <("$top/scripts/tap-summary.sh" --count "$f")
		if [ "$nok" -gt 0 ]; then
			st=FAIL fails=$((fails + 1))
		elif [ "$ok" -eq 0 ] && [ "$sk" -gt 0 ]; then
			st=skip
		else
			st=pass
		fi
		printf '%-10s %-7s %-8s %-28s %-5s %s\n' "$k" "$a" "$v" "$test" \
			"$st" "$ok/$nok/$sk"
	done
done <<<"$matrix"
echo
if grep -q ' oracle$' <<<"$matrix"; then
	echo "The oracle's verdicts:"
	"$here/oracle.sh" matrix || true
	echo
fi
say "done in $((SECONDS - t0))s; $fails failing results; logs in $vmdir"
[ $strict = 0 ] || [ $fails -eq 0 ]
