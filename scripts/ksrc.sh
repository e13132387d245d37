#!/bin/bash
# Print the path of a pristine v6.12 source tree, unpacking it first if
# needed. The tree comes from Debian's linux-source-6.12 tarball and is a
# git repository whose first commit is the untouched import, so patched
# trees can be made from it with git worktree + git am.
#
# KSRC=/path/to/tree overrides it (the tree is used as it is).
set -euo pipefail

if [ -n "${KSRC:-}" ]; then
	[ -f "$KSRC/Makefile" ] || { echo "ksrc: KSRC=$KSRC is not a kernel tree" >&2; exit 1; }
	echo "$KSRC"
	exit 0
fi

cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
tarball=${KSRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
tree=$cache/linux-6.12
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if cached "$tree.done" "$cache/.ksrc.lock"; then
	echo "$tree"
	exit 0
fi
[ -f "$tarball" ] || { echo "ksrc: $tarball missing (apt-get install linux-source-6.12)" >&2; exit 1; }

echo "ksrc: unpacking $tarball into $tree" >&2
rm -rf "$tree" "$tree.tmp"
mkdir -p "$tree.tmp"
tar -C "$tree.tmp" --strip-components=1 -xJf "$tarball"
(
	cd "$tree.tmp"
	git init -q -b pristine
	git config user.name "syncore"
	git config user.email "syncore@localhost"
	# Debian's tarball ignores everything at the top level: force-add.
	git add -f -A
	git commit -q -m "Linux $(make -s kernelversion) from $(basename "$tarball")"
	git tag v6.12-debian
)
mv "$tree.tmp" "$tree"
touch "$tree.done"
echo "$tree"
