#!/bin/bash
# Install what syncore needs from Debian's packages. Idempotent: packages
# already present are not touched, and apt-get update runs only when
# something is missing.
#
# Usage: scripts/deps.sh [host|vm|all|bench|fresh]   (default: all; bench:
# host plus the plotting and the peers of make bench; fresh: what
# scripts/fresh.sh needs to make a Debian root)
set -euo pipefail

group=${1:-all}

# host: build and run the tools, unpack the 6.12 tree (tar, xz, git) and
# install its UAPI headers (headers_install needs rsync); the host tests
# read the tools' JSON with jq and python3 and look for orphans with
# pgrep and pkill (procps, which a minbase root lacks). The riscv64 build
# of stress links a liburcu that scripts/urcu.sh builds from Debian's
# source package (Debian 12 has no riscv64 packages): that needs only
# dpkg-dev, which build-essential brings, and the riscv64 cross compiler. scripts/fresh.sh
# proves the list on a fresh Debian root.
host_pkgs="build-essential pkg-config make gcc liburcu-dev linux-source-6.12
	xz-utils git rsync jq python3 gcc-aarch64-linux-gnu
	libc6-dev-arm64-cross gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
	qemu-user-static linux-perf procps"
# vm: the riscv64 guest is qemu-system-misc with OpenSBI; its busybox and
# liburcu are built from Debian's source packages (scripts/debsrc.sh:
# dpkg-dev unpacks them).
vm_pkgs="qemu-system-x86 qemu-system-arm busybox-static cpio flex bison bc
	libelf-dev libssl-dev ccache sparse rsync kmod file
	gcc-powerpc64le-linux-gnu gcc-arm-linux-gnueabihf gcc-s390x-linux-gnu
	qemu-system-misc opensbi dpkg-dev"
arm64_pkgs="liburcu-dev:arm64"
fresh_pkgs="debootstrap"
# perf bench from the tree (bench/perf-build.sh) needs flex and bison.
bench_pkgs="gnuplot-nox stress-ng flex bison"

case $group in
host) want="$host_pkgs" ;;
vm|all) want="$host_pkgs $vm_pkgs" ;;
bench) want="$host_pkgs $bench_pkgs" ;;
fresh) want=$fresh_pkgs arm64_pkgs= ;;
*) echo "usage: $0 [host|vm|all|bench|fresh]" >&2; exit 2 ;;
esac

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

need=$(missing $want $arm64_pkgs)
if [ -n "$need" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		$sudo dpkg --add-architecture arm64
	fi
	echo "deps: installing:" $need >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends $need >&2
fi
