# Sourced by the scripts: the architecture table and the build-once
# helper, so that neither is written twice.

# One row per architecture: to add one, add a row (and its config
# fragments in kernel-patches/configs/).
#   arch     the project's name for it (ARCH= of the tools and harness)
#   karch    make ARCH= for the kernel
#   gnu      the GNU triplet: CROSS_COMPILE=gnu- unless it is the host's
#   deb      Debian's architecture (packages, multiarch)
#   ktarget  kernel make target; "hooks": the objects that expand the
#            mmu_context.h hooks, for arches that are only compile-checked
#   kimage   what the target leaves in the build dir
#   qemu     qemu-system binary and -M machine, console device: "-" for
#            arches that are built, never booted
arch_table="
x86_64      x86_64  x86_64-linux-gnu      amd64   bzImage arch/x86/boot/bzImage   qemu-system-x86_64  pc                  ttyS0
arm64       arm64   aarch64-linux-gnu     arm64   Image   arch/arm64/boot/Image   qemu-system-aarch64 virt,gic-version=3  ttyAMA0
riscv64     riscv   riscv64-linux-gnu     riscv64 Image   arch/riscv/boot/Image   -                   -                   -
powerpc64le powerpc powerpc64le-linux-gnu ppc64el vmlinux vmlinux                 -                   -                   -
arm         arm     arm-linux-gnueabihf   armhf   hooks   hooks                   -                   -                   -
s390        s390    s390x-linux-gnu       s390x   hooks   hooks                   -                   -                   -
"
hook_objs="kernel/sched/core.o kernel/kthread.o kernel/sched/build_utility.o"

# arch_info ARCH: set karch gnu deb ktarget kimage qemu machine console, and
# cross (CROSS_COMPILE, empty for the host's own arch). Fails for an arch
# not in the table.
arch_info() {
	local row
	row=$(awk -v a="$1" '$1 == a' <<<"$arch_table")
	[ -n "$row" ] || return 1
	read -r _ karch gnu deb ktarget kimage qemu machine console <<<"$row"
	if [ "$ktarget" = hooks ]; then
		ktarget=$hook_objs kimage=${hook_objs%% *}
	fi
	cross=$gnu-
	[ "$(uname -m)" != "${gnu%%-*}" ] || cross=
	return 0
}

# arches_with COLUMN: the arches that have a value in COLUMN (qemu: the
# ones the harness boots).
arches_with() {
	awk -v c="$1" 'NF { i = (c == "qemu") ? 7 : 0; if (!i || $i != "-") print $1 }' \
		<<<"$arch_table"
}

# cached MARK LOCK: true when MARK exists (the work is done). Otherwise
# take LOCK (on fd 9, held until the caller exits), look again, and return
# false if the caller still has to do the work, then create MARK.
cached() {
	[ ! -e "$1" ] || return 0
	mkdir -p "$(dirname "$2")"
	exec 9>"$2"
	flock 9
	[ -e "$1" ]
}
