#!/bin/bash
# Print the path of a kernel source tree with a patch series applied.
#
# Usage: scripts/ktree.sh [SERIES...]      (default: kernel-patches/series)
#        scripts/ktree.sh --baseline      (the pristine tree, unpatched)
#        scripts/ktree.sh --list [SERIES...]
#                                         (print the series' patch paths)
#
# The tree is a git worktree of the pristine tree (scripts/ksrc.sh, branch
# "pristine") with every patch named in the SERIES files applied in order by
# "git am", one commit per patch, so the result is bisectable. A SERIES is a
# series file or a single .patch file. Patch paths in a series file are
# relative to its directory; blank lines and "#" comments are ignored. A
# missing or empty series gives a worktree equal to the pristine tree.
# E.g. the series with the SYNC_CORE checker on top:
#   scripts/ktree.sh kernel-patches/series kernel-patches/debug/series
#
# Worktrees are cached under $SYNCORE_CACHE/trees, keyed by a hash of the
# pristine commit, the series file and the patch contents. Commits are made
# with a fixed committer and committer date = author date, so the same series
# always gives the same HEAD (kbuild.sh keys its build dirs on HEAD).
#
# A patch that does not apply: exit 1 naming the patch and showing the hunks
# that failed; the half-made worktree is aborted and removed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}

die() { echo "ktree: $*" >&2; exit 1; }

ksrc=$("$here/ksrc.sh")

if [ "${1:-}" = "--baseline" ]; then
	echo "$ksrc"
	exit 0
fi
list=
if [ "${1:-}" = "--list" ]; then
	list=1
	shift
fi
case ${1:-} in
-h|--help)
	sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0 ;;
-*)
	echo "ktree: unknown option '$1'" >&2
	echo "usage: $0 [SERIES... | --baseline]" >&2
	exit 2 ;;
esac

[ $# -gt 0 ] || set -- "$top/kernel-patches/series"

# Patch list (absolute paths), in order.
patches=()
for series in "$@"; do
	case $series in
	*.patch)
		[ -f "$series" ] || die "patch '$series' not found"
		patches+=("$(cd "$(dirname "$series")" && pwd)/$(basename "$series")")
		continue ;;
	esac
	if [ ! -f "$series" ]; then
		[ $# -eq 1 ] && [ "$series" = "$top/kernel-patches/series" ] &&
			continue
		[ -n "$list" ] || die "series file '$series' not found"
		continue
	fi
	sdir=$(cd "$(dirname "$series")" && pwd)
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%#*}
		line=$(echo "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		[ -n "$line" ] || continue
		case $line in
		/*) p=$line ;;
		*) p=$sdir/$line ;;
		esac
		patches+=("$p")
	done <"$series"
done

if [ -n "$list" ]; then
	[ ${#patches[@]} -eq 0 ] || printf '%s\n' "${patches[@]}"
	exit 0
fi
for p in "${patches[@]}"; do
	[ -f "$p" ] || die "patch '$(basename "$p")' not found ($p)"
done

git -C "$ksrc" rev-parse --git-dir >/dev/null 2>&1 ||
	die "$ksrc is not a git tree; cannot make a worktree (KSRC must be a git tree)"
base=$(git -C "$ksrc" rev-parse HEAD)

# Key: base commit + the ordered list of patch names and contents.
key=$(
	echo "base $base"
	for p in "${patches[@]}"; do
		echo "patch $(basename "$p")"
		sha256sum <"$p"
	done
)
key=$(echo "$key" | sha256sum | cut -c1-16)
tree=$cache/trees/ktree-$key

# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
if cached "$tree.done" "$cache/trees/.ktree.lock"; then
	echo "$tree"
	exit 0
fi

gitc() {
	git -C "$tree" -c user.name=syncore -c user.email=syncore@localhost \
		-c commit.gpgsign=false "$@"
}

# Remove any leftover of an interrupted run.
cleanup_tree() {
	if [ -d "$tree" ]; then
		git -C "$tree" am --abort >/dev/null 2>&1 || true
	fi
	git -C "$ksrc" worktree remove --force "$tree" >/dev/null 2>&1 || true
	rm -rf "$tree"
	git -C "$ksrc" worktree prune
}
cleanup_tree

echo "ktree: creating $tree (${#patches[@]} patches)" >&2
git -C "$ksrc" worktree add -q --detach "$tree" "$base" >&2

for p in "${patches[@]}"; do
	if ! out=$(GIT_COMMITTER_NAME=syncore GIT_COMMITTER_EMAIL=syncore@localhost \
		gitc am --committer-date-is-author-date "$p" 2>&1); then
		{
			echo "ktree: patch does not apply: $p"
			echo "$out" | sed 's/^/  git am: /'
			echo "ktree: failing hunks (git apply --check -v):"
			git -C "$tree" apply --check -v "$p" 2>&1 |
				sed 's/^/  /' | head -n 80 || true
		} >&2
		cleanup_tree
		exit 1
	fi
done

touch "$tree.done"
echo "$tree"
