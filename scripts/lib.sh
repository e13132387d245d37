# Sourced by the scripts: the architecture table and the build-once
# helper, so that neither is written twice.

# The arch table: scripts/arches.
hook_objs="kernel/sched/core.o kernel/kthread.o kernel/sched/build_utility.o"

# arch_info ARCH: set karch gnu deb ktarget kimage qemu machine console cpu, and
# cross (CROSS_COMPILE, empty for the host's own arch). Fails for an arch
# not in the table.
arch_info() {
	local row
	row=$(awk -v a="$1" '!/^#/ && $1 == a' "$(dirname "${BASH_SOURCE[0]}")/arches")
	[ -n "$row" ] || return 1
	read -r _ karch gnu deb ktarget kimage qemu machine console cpu <<<"$row"
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
	awk -v c="$1" '!/^#/ && NF { i = (c == "qemu") ? 7 : 0; if (!i || $i != "-") print $1 }' \
		"$(dirname "${BASH_SOURCE[0]}")/arches"
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
