#!/bin/bash
# Build the membarrier and rseq selftests of a kernel tree statically for a
# guest, and print a staging directory to copy into the guest's root:
#   kselftest/run.sh                 the runner (scripts/vm/ksft-run.sh)
#   kselftest/{membarrier,rseq}/     every TEST_GEN_PROGS and a "list" of
#                                    the commands to run
#   tests/60-kselftest-membarrier.sh tests/61-kselftest-rseq.sh
#   bin/syncore-probe                syscall probe (scripts/vm/probe.c)
#
# Usage: scripts/vm/kselftests.sh ARCH TREE
#
# The programs come from TREE itself (the tree of the kernel being booted),
# compiled against TREE's own UAPI headers (make headers_install), so a
# patched tree's new selftests are built and run. The rseq parameter tests
# run a bounded subset (few repetitions and threads) because guests run
# under TCG. Cached in $SYNCORE_CACHE/vm/ksft-ARCH-KEY (KEY: TREE's HEAD,
# uncommitted changes, this script).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
arch=${1:?usage: $0 ARCH TREE}
tree=${2:?usage: $0 ARCH TREE}
tree=$(cd "$tree" && pwd)
die() { echo "kselftests: $*" >&2; exit 1; }

# shellcheck source=scripts/lib.sh
. "$here/../lib.sh"
arch_info "$arch" || die "unknown ARCH '$arch'"
cc=${cross}gcc

if git -C "$tree" rev-parse --git-dir >/dev/null 2>&1; then
	head=$(git -C "$tree" rev-parse HEAD)
	dirty=$(git -C "$tree" diff HEAD -- tools include/uapi arch/*/include/uapi |
		sha256sum | cut -c1-16)
else
	head="nogit:$tree" dirty=
fi
key=$( { echo "$head $dirty"; cat "$0" "$here/ksft-run.sh" "$here/probe.c" \
	"$here/../ktap.sh"; \
	"$cc" --version | head -n 1; } | sha256sum | cut -c1-12)
out=$cache/vm/ksft-$arch-$key
if cached "$out/.done" "$cache/vm/.ksft-$arch.lock"; then
	echo "$out/stage"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out/stage/kselftest" "$out/stage/tests" "$out/stage/bin"
log=$out/build.log
fail() {
	echo "kselftests: $* (log: $log)" >&2
	tail -n 40 "$log" >&2
	exit 1
}
echo "kselftests: building $arch selftests of $tree" >&2

# The tree's own UAPI headers, first on the include path (KHDR_INCLUDES).
make -C "$tree" O="$out/hdr-obj" ARCH=$karch INSTALL_HDR_PATH="$out/usr" \
	headers_install >>"$log" 2>&1 || fail "headers_install failed"
rm -rf "$out/hdr-obj"
khdr="-isystem $out/usr/include"

"$cc" -static -O2 -Wall -Wextra -Werror $khdr -o "$out/stage/bin/syncore-probe" \
	"$here/probe.c" >>"$log" 2>&1 || fail "probe.c failed to build"
{ sed -n 1p "$here/ksft-run.sh"; cat "$here/../ktap.sh"; sed 1d "$here/ksft-run.sh"; } \
	>"$out/stage/kselftest/run.sh"
chmod 755 "$out/stage/kselftest/run.sh"

# Print a selftest Makefile's TEST_GEN_PROGS (with OUTPUT/ prefixed).
progs_of() {
	local sdir=$1 obj=$2
	printf 'syncore-print-progs:\n\t@echo $(TEST_GEN_PROGS)\n' >"$out/print.mk"
	make -s --no-print-directory -C "$sdir" -f Makefile -f "$out/print.mk" \
		OUTPUT="$obj" syncore-print-progs
}

# Build DIR's TEST_GEN_PROGS statically into OBJ with the tree's Makefile.
build_suite() {
	local name=$1 obj=$out/obj/$1 sdir=$tree/tools/testing/selftests/$1
	shift
	mkdir -p "$obj"
	echo "# $name" >>"$log"
	make -C "$sdir" OUTPUT="$obj" CROSS_COMPILE="$cross" CC="$cc -static" \
		KHDR_INCLUDES="$khdr" "$@" >>"$log" 2>&1 ||
		fail "selftests/$name failed to build"
	mkdir -p "$out/stage/kselftest/$name"
	for p in $(progs_of "$sdir" "$obj"); do
		[ -x "$p" ] || fail "selftests/$name: $p was not built"
		file "$p" | grep -q 'statically linked' ||
			fail "selftests/$name: $p is not static"
		install -m 755 "$p" "$out/stage/kselftest/$name/"
	done
}

# membarrier: every program, as they are.
build_suite membarrier
for p in $(progs_of "$tree/tools/testing/selftests/membarrier" ""); do
	basename "$p"
done >"$out/stage/kselftest/membarrier/list"

# rseq: the Makefile links each program against librseq.so; give it a
# static librseq.a instead (found through -L$(OUTPUT)) and a placeholder .so
# newer than its sources so that make does not build the shared one.
rdir=$tree/tools/testing/selftests/rseq
mkdir -p "$out/obj/rseq"
"$cc" -O2 -g -I"$rdir" $khdr -I"$tree/tools/include" -c "$rdir/rseq.c" \
	-o "$out/obj/rseq/rseq.o" >>"$log" 2>&1 || fail "rseq.c failed to build"
${cross}ar rcs "$out/obj/rseq/librseq.a" "$out/obj/rseq/rseq.o"
touch "$out/obj/rseq/librseq.so"
build_suite rseq
# Bounded version of run_param_test.sh's first pass: every test type of
# every param_test flavour, few repetitions and threads. The basic_percpu_ops
# tests have a fixed, large amount of work: only under KVM (ksft-run.sh).
{
	for p in $(progs_of "$rdir" ""); do
		p=$(basename "$p")
		case $p in
		param_test*benchmark) echo "$p -T i -r 100 -t 4" ;;
		param_test*)
			for t in "s" "l" "b" "b -M" "m" "m -M" "i" "r"; do
				echo "$p -T $t -r 100 -t 4"
			done ;;
		# 200 threads x 5000 repetitions, not configurable.
		basic_percpu_ops*) echo "slow $p" ;;
		*) echo "$p" ;;
		esac
	done
} >"$out/stage/kselftest/rseq/list"

cat >"$out/stage/tests/60-kselftest-membarrier.sh" <<'EOT'
#!/bin/sh
# The kernel tree's tools/testing/selftests/membarrier (built from the tree
# of the booted kernel).
exec /kselftest/run.sh /kselftest/membarrier membarrier membarrier 300
EOT
cat >"$out/stage/tests/61-kselftest-rseq.sh" <<'EOT'
#!/bin/sh
# The kernel tree's tools/testing/selftests/rseq, bounded: see
# scripts/vm/kselftests.sh.
exec /kselftest/run.sh /kselftest/rseq rseq rseq 120
EOT
chmod 755 "$out/stage/tests/"*.sh
rm -rf "$out/obj"
touch "$out/.done"
echo "$out/stage"
