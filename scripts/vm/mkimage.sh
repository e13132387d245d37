#!/bin/bash
# Make a guest initramfs for ARCH whose kernel comes from TREE.
#
# Usage: scripts/vm/mkimage.sh ARCH TREE OUTDIR
#
# OUTDIR/stage is the root: a static busybox (scripts/vm/busybox.sh), /init
# (scripts/vm/init), each tool's "make -C TOOL guest ARCH=ARCH DESTDIR=stage"
# for TOOL in $VM_TOOLS (default: kernel-patches/debug/tests stress
# rseq-tests oracle bench; a tool without a "guest" target is noted and left out), and
# TREE's own membarrier and rseq
# selftests (scripts/vm/kselftests.sh). OUTDIR/initramfs.cpio is made by
# the kernel's usr/gen_init_cpio from a generated list, so no root is needed
# (owner 0:0, /dev/console node included). OUTDIR/tools.txt says, per
# tool, "ok", "no-guest-target" or "build-failed" (log: OUTDIR/TOOL.log).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
arch=${1:?usage: $0 ARCH TREE OUTDIR}
tree=${2:?usage: $0 ARCH TREE OUTDIR}
outdir=${3:?usage: $0 ARCH TREE OUTDIR}
tools=${VM_TOOLS-kernel-patches/debug/tests stress rseq-tests oracle bench}
die() { echo "mkimage: $*" >&2; exit 1; }

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stage=$outdir/stage
rm -rf "$stage" "$outdir/initramfs.cpio"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,tests}

install -m 755 "$("$here/busybox.sh" "$arch")" "$stage/bin/busybox"
install -m 755 "$here/init" "$stage/init"
ln -s busybox "$stage/bin/sh"

: >"$outdir/tools.txt"
for t in $tools; do
	d=$top/$t
	log=$outdir/${t//\//-}.log
	if [ ! -f "$d/Makefile" ]; then
		echo "$t no-makefile" >>"$outdir/tools.txt"
		echo "mkimage: $t: no Makefile, not in the guest" >&2
		continue
	fi
	if ! grep -qE '^guest[[:space:]]*:' "$d/Makefile"; then
		echo "$t no-guest-target" >>"$outdir/tools.txt"
		echo "mkimage: $t: no 'guest' target, not in the guest" >&2
		continue
	fi
	if make -C "$d" guest ARCH="$arch" DESTDIR="$stage" \
		>"$log" 2>&1; then
		echo "$t ok" >>"$outdir/tools.txt"
	else
		echo "$t build-failed" >>"$outdir/tools.txt"
		echo "mkimage: $t: make guest failed (log: $log)" >&2
		tail -n 20 "$log" >&2
	fi
done

ksft=$("$here/kselftests.sh" "$arch" "$tree")
cp -a "$ksft/." "$stage/"

# gen_init_cpio from the pristine tree (a host tool, the same for all).
gic=$cache/vm/gen_init_cpio
if [ ! -x "$gic" ]; then
	mkdir -p "$cache/vm"
	ksrc=$("$top/scripts/ksrc.sh")
	gcc -O2 -o "$gic.tmp" "$ksrc/usr/gen_init_cpio.c" && mv "$gic.tmp" "$gic"
fi

list=$outdir/initramfs.list
{
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	(cd "$stage" && find . -mindepth 1 | sort) | while IFS= read -r p; do
		n=${p#.}
		f=$stage$n
		mode=$(stat -c %a "$f")
		if [ -L "$f" ]; then
			echo "slink $n $(readlink "$f") 0777 0 0"
		elif [ -d "$f" ]; then
			echo "dir $n $mode 0 0"
		elif [ -f "$f" ]; then
			echo "file $n $f $mode 0 0"
		fi
	done
} >"$list"
"$gic" -t 0 "$list" >"$outdir/initramfs.cpio" || die "gen_init_cpio failed"
echo "$outdir/initramfs.cpio"
