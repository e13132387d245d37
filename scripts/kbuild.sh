#!/bin/bash
# Build a test kernel out of tree and print its build directory.
#
# Usage: scripts/kbuild.sh ARCH VARIANT TREE
#   ARCH     x86_64 | arm64 | riscv64 | powerpc64le | arm | s390
#            (the table in scripts/lib.sh; arm and s390 are compile checks)
#   VARIANT  default | debug | nofeat
#   TREE     kernel source tree (scripts/ktree.sh or scripts/ksrc.sh output)
#
# The config is tinyconfig merged (TREE/scripts/kconfig/merge_config.sh) with
# these fragments from kernel-patches/configs/, in order, when they exist:
#   common.config  ARCH.config  cross-ARCH.config  VARIANT.config
#   VARIANT-ARCH.config  and any files in $KBUILD_EXTRA_CONFIGS (spaces).
# common.config is the guests' config: an ARCH with a cross-ARCH.config is a
# build check only (no guest) and gets its own lean fragment instead.
# then "make olddefconfig". Every option the fragments ask for is checked in
# the final .config: a symbol that TREE does not define at all is a warning
# (e.g. a test only the patched tree adds); any other mismatch is an error.
#
# Build dir: TREE/.kbuild-ARCH-VARIANT-KEY when TREE is one of the trees the
# harness made (under $SYNCORE_CACHE), else $SYNCORE_CACHE/kbuild/
# ARCH-VARIANT-KEY; KEY = hash of TREE's HEAD (plus uncommitted changes), the
# fragments and the toolchain. An already built dir is reused as it is. A
# build dir directly below its source tree makes Kbuild name sources by
# relative paths (srctree is ".."), so compiler command lines do not depend
# on the tree's path and ccache reuses objects across trees: the baseline and
# the patched tree, one revision of the series and the next. The leading dot
# keeps it out of "git status" (the kernel's .gitignore). Builds are
# serialized through $SYNCORE_CACHE/.kbuild.lock and use ccache when
# installed (scripts/ccache.sh). Output goes to DIR/build.log; on failure its last
# 40 lines go to stderr and the exit status is 1.
#
# KBUILD_CONFIG_ONLY=1: make and check the config only, in DIR.config-only,
# without the lock; prints that dir.
#
# KBUILD_DIR=DIR: build in DIR whatever TREE's state, and always run make
# there, so that a tree edited between builds (the mutants) recompiles
# only what changed. The config is made again only when the fragments
# change.
#
# Kernel image: DIR/$(scripts/kbuild.sh --image ARCH), e.g.
# arch/x86/boot/bzImage or arch/arm64/boot/Image.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
confdir=${KBUILD_CONFIG_DIR:-$top/kernel-patches/configs}

die() { echo "kbuild: $*" >&2; exit 1; }
usage() {
	echo "usage: $0 ARCH VARIANT TREE   (ARCH: $(arches_with arch | paste -sd'|')," \
		"VARIANT: default|debug|nofeat)" >&2
	echo "       $0 --image ARCH" >&2
	exit 2
}

# shellcheck source=scripts/lib.sh
. "$here/lib.sh"	# arch_info: the arch table

if [ "${1:-}" = "--image" ]; then
	[ $# -eq 2 ] || usage
	arch_info "$2" || die "unknown ARCH '$2'"
	echo "$kimage"
	exit 0
fi

[ $# -eq 3 ] || usage
arch=$1 variant=$2 tree=$3
arch_info "$arch" || { echo "kbuild: unknown ARCH '$arch'" >&2; usage; }
target=$ktarget image=$kimage
case $variant in
default|debug|nofeat) ;;
*) echo "kbuild: unknown VARIANT '$variant'" >&2; usage ;;
esac
[ -f "$tree/Makefile" ] && [ -f "$tree/scripts/kconfig/merge_config.sh" ] ||
	die "'$tree' is not a kernel source tree"
tree=$(cd "$tree" && pwd)

frags=()
common=common.config
[ ! -f "$confdir/cross-$arch.config" ] || common=
for f in $common "$arch.config" "cross-$arch.config" \
	"$variant.config" "$variant-$arch.config"; do
	[ -f "$confdir/$f" ] && frags+=("$confdir/$f")
done
for f in ${KBUILD_EXTRA_CONFIGS:-}; do
	[ -f "$f" ] || die "KBUILD_EXTRA_CONFIGS: '$f' not found"
	frags+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done

cc=${cross}gcc
command -v "$cc" >/dev/null || die "$cc not found (scripts/deps.sh vm)"

# Key: the tree's commit (and any uncommitted change), fragments, toolchain.
if git -C "$tree" rev-parse --git-dir >/dev/null 2>&1; then
	head=$(git -C "$tree" rev-parse HEAD)
	dirty=$(git -C "$tree" diff HEAD 2>/dev/null | sha256sum | cut -c1-16)
else
	head="nogit:$tree"
	dirty=
fi
key=$(
	echo "kbuild v2 $arch $variant base=tinyconfig"
	echo "head $head $dirty"
	for f in "${frags[@]}"; do
		echo "frag $(basename "$f")"
		cat "$f"
	done
	"$cc" --version | head -n 1
)
key=$(echo "$key" | sha256sum | cut -c1-12)
case $(cd "$tree" && pwd -P)/ in
"$(mkdir -p "$cache" && cd "$cache" && pwd -P)"/*)
	dir=$tree/.kbuild-$arch-$variant-$key ;;
*)
	dir=$cache/kbuild/$arch-$variant-$key ;;
esac
done_mark=$dir/.syncore-built
config_only=${KBUILD_CONFIG_ONLY:-0}
[ "$config_only" = 0 ] || { dir=$dir.config-only; done_mark=$dir/.none; }
fragkey=$(cat "${frags[@]}" /dev/null | sha256sum | cut -c1-16)
incremental=
if [ -n "${KBUILD_DIR:-}" ]; then
	mkdir -p "$KBUILD_DIR"
	dir=$(cd "$KBUILD_DIR" && pwd) done_mark=$dir/.never incremental=1
fi

if [ -f "$done_mark" ] && [ -f "$dir/$image" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$dir"
if [ "$config_only" = 0 ]; then
	exec 8>"$cache/.kbuild.lock"
	if ! flock -n 8; then
		echo "kbuild: waiting for $cache/.kbuild.lock" >&2
		flock 8
	fi
fi
if [ -f "$done_mark" ] && [ -f "$dir/$image" ]; then
	echo "$dir"
	exit 0
fi

log=$dir/build.log
: >"$log"
fail() {
	echo "kbuild: $* (log: $log)" >&2
	tail -n 40 "$log" >&2
	exit 1
}

makeargs=(-C "$tree" O="$dir" ARCH="$karch" -j"$(nproc)"
	KBUILD_BUILD_USER=syncore KBUILD_BUILD_HOST=syncore)
[ -z "$cross" ] || makeargs+=(CROSS_COMPILE="$cross")
# shellcheck source=scripts/ccache.sh
. "$here/ccache.sh"
makeargs+=(CC="$ccache$cc" HOSTCC="${ccache}gcc")

echo "kbuild: $arch $variant $tree -> $dir" >&2
{
	echo "# kbuild $arch $variant tree=$tree head=$head"
	echo "# fragments: ${frags[*]}"
} >>"$log"

# tinyconfig + fragments + olddefconfig, then check every requested option
# against the final config (last fragment wins, as in merge_config.sh).
make_config() {
	rm -f "$dir/.config" "$done_mark"
	make "${makeargs[@]}" tinyconfig >>"$log" 2>&1 || fail "tinyconfig failed"
	if [ ${#frags[@]} -gt 0 ]; then
		(cd "$dir" && ARCH=$karch CROSS_COMPILE=$cross \
			"$tree/scripts/kconfig/merge_config.sh" -m -O "$dir" \
			"$dir/.config" "${frags[@]}") >>"$log" 2>&1 ||
			fail "merge_config.sh failed"
	fi
	make "${makeargs[@]}" olddefconfig >>"$log" 2>&1 || fail "olddefconfig failed"

	local -A want=()
	local order=() sym val got bad f line defined
	for f in "${frags[@]}"; do
		while IFS= read -r line; do
			case $line in
			CONFIG_*=*)
				sym=${line%%=*} val=${line#*=} ;;
			"# CONFIG_"*" is not set")
				sym=${line#\# } sym=${sym%% *} val=n ;;
			*) continue ;;
			esac
			[ -n "${want[$sym]+x}" ] || order+=("$sym")
			want[$sym]=$val
		done <"$f"
	done
	defined=$(find "$tree" -path "$tree/tools" -prune -o -name 'Kconfig*' -print0 |
		xargs -0 grep -hoE '^[[:space:]]*(menu)?config[[:space:]]+[A-Za-z0-9_]+' |
		awk '{print "CONFIG_" $2}' | sort -u)
	bad=0
	for sym in "${order[@]}"; do
		val=${want[$sym]}
		got=$(grep -E "^$sym=" "$dir/.config" | head -n 1 | cut -d= -f2- || true)
		[ -n "$got" ] || got=n
		[ "$got" = "$val" ] && continue
		if ! grep -qx "$sym" <<<"$defined"; then
			echo "kbuild: warning: $sym=$val requested but $tree does not define it" |
				tee -a "$log" >&2
			continue
		fi
		echo "kbuild: error: $sym=$val requested, got $got" | tee -a "$log" >&2
		bad=1
	done
	[ $bad -eq 0 ] || fail "config check failed (unmet dependencies?)"
	echo "$fragkey" >"$dir/.syncore-frags"
}
if [ -n "$incremental" ] && [ -f "$dir/.config" ] &&
	[ "$(cat "$dir/.syncore-frags" 2>/dev/null)" = "$fragkey" ]; then
	echo "# incremental: config kept" >>"$log"
else
	make_config
fi
if [ "$config_only" != 0 ]; then
	echo "$dir"
	exit 0
fi

echo "# make $target" >>"$log"
start=$(date +%s)
# shellcheck disable=SC2086 # target may be several objects
make "${makeargs[@]}" $target >>"$log" 2>&1 || fail "build failed"
[ -f "$dir/$image" ] || fail "no image $image after build"
echo "kbuild: built $dir/$image in $(( $(date +%s) - start ))s" | tee -a "$log" >&2
[ -n "$incremental" ] || touch "$done_mark"
echo "$dir"
