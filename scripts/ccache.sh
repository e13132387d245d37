# Sourced by the scripts that compile kernels (scripts/kbuild.sh,
# kernel-patches/check.sh): sets $ccache to a compiler prefix for CC= and
# HOSTCC= when ccache is installed (empty otherwise) and exports its
# settings. Needs $cache ($SYNCORE_CACHE).
#
# The prefix is not ccache itself but $cache/bin/ccache-cc, a wrapper that
# compiles assembler sources using .incbin without ccache: in depend mode
# ccache hashes the source and the headers the compiler reports, never the
# file .incbin pulls in, so it would hand back a stale object. That file is
# arch/x86/boot/compressed/piggy.S, which embeds the compressed kernel and
# differs from one kernel to the next only by two sizes: two kernels of the
# same compressed size would boot the same (first) vmlinux.
ccache=
if command -v ccache >/dev/null 2>&1; then
	export CCACHE_DIR=$cache/ccache
	# Kernel build dirs sit directly below their trees (scripts/kbuild.sh):
	# command lines hold relative paths only, so an object does not depend
	# on the build dir's path and one tree's objects serve another's.
	export CCACHE_NOHASHDIR=1
	# On a miss, take the headers from the compiler's -MMD output instead
	# of running the preprocessor first: a miss then costs what plain gcc
	# costs (measured on 40 kernel objects: 26 s, against 34 s in ccache's
	# default mode), and a cold build is mostly misses.
	export CCACHE_DEPEND=1
	mkdir -p "$CCACHE_DIR" "$cache/bin"
	[ -f "$CCACHE_DIR/ccache.conf" ] ||
		echo "max_size = 8G" >"$CCACHE_DIR/ccache.conf"
	wrapper=$cache/bin/ccache-cc
	body='#!/bin/sh
# syncore: ccache, except for .S files that use .incbin (scripts/ccache.sh).
for a; do
	case $a in
	*.S) ! grep -q "\.incbin" "$a" 2>/dev/null || exec "$@" ;;
	esac
done
exec ccache "$@"'
	if [ "$(cat "$wrapper" 2>/dev/null)" != "$body" ]; then
		printf '%s\n' "$body" >"$wrapper.$$"
		chmod 755 "$wrapper.$$"
		mv "$wrapper.$$" "$wrapper"
	fi
	ccache="$wrapper "
fi
