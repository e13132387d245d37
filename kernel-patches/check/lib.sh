# Sourced by the series checks (kernel-patches/check/*.sh): the series, its
# trees, the build helpers, KTAP (scripts/ktap.sh). A check script is
# called as CHECK.sh [--series FILE]... and prints one KTAP document.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
export SYNCORE_CACHE=$cache
work=$cache/check
KTREE=${KTREE:-$top/scripts/ktree.sh}
KBUILD=${KBUILD:-$top/scripts/kbuild.sh}
mkdir -p "$work"
# shellcheck source=scripts/ktap.sh
. "$top/scripts/ktap.sh"
# shellcheck source=scripts/ccache.sh
. "$top/scripts/ccache.sh"

# Progress goes to fd 3 (the terminal) when the caller opened it, never to
# the KTAP document on stdout.
{ true >&3; } 2>/dev/null || exec 3>/dev/null
log() { printf '[%s] check: %s\n' "$(date +%T)" "$*" >&3; }
hash() { sha256sum | cut -c1-16; }

series=()
while [ $# -gt 0 ]; do
	case $1 in
	--series) series+=("$(realpath -m "$2")"); shift 2 ;;
	*) echo "check: unknown option '$1'" >&2; exit 2 ;;
	esac
done
[ ${#series[@]} -gt 0 ] || series=("$top/kernel-patches/series")

# patches[]: absolute patch paths in series order, as ktree.sh reads them.
mapfile -t patches < <("$KTREE" --list "${series[@]}")
pname() { basename "$1" .patch; }
ksrc=$("$KTREE" --baseline)
base=$(git -C "$ksrc" rev-parse HEAD)

# The patched tree (cached by ktree.sh); fails if the series does not apply.
tree_of_series() { "$KTREE" "${series[@]}" 2>/dev/null; }

# Commits of patched tree $1 above the pristine tree, oldest first.
series_commits() { git -C "$1" rev-list --reverse "$base..HEAD"; }

# Files commit $2 (default HEAD) of tree $1 changes from the pristine tree.
touched_files() { git -C "$1" diff --name-only "$base" "${2:-HEAD}"; }

# Compiler warnings in make log $1 about the files that commit $3 (default
# HEAD) of tree $2 touches.
touched_warnings() {
	local touched
	touched=$(touched_files "$2" "${3:-HEAD}")
	[ -n "$touched" ] || return 0
	grep -E '^[^ ]+:[0-9]+:([0-9]+:)? (warning|error):' "$1" |
		sed "s|^$2/||; s|^$wt/||; s|^\.\./||" |
		grep -F -f <(echo "$touched") || true
}

# Warnings in a make log on stdin, without the tree prefix ($1/ or ../) and
# line numbers, so the same warning in a patched file compares equal.
norm_warnings() {
	sed -nE "s#^($1/|\.\./)?([^ :]+):[0-9]+:([0-9]+:)? (warning|error|   )(.*)#\2: \4\5#p" |
		sed 's/[[:space:]]*$//'
}

# The tools that decide a result, for cache keys.
tool_id() { { gcc --version | head -n 1; sparse --version 2>/dev/null || true; } | hash; }

# The x86_64 build of the whole series, through kbuild.sh (shared with
# series-builds and the VM tests): sets kb (its dir) and kb_ok (1 if built).
kb_of_series() {
	kb_ok=0
	if kb=$("$KBUILD" x86_64 default "$1" 2>>"$work/kbuild.log"); then
		kb_ok=1
	else
		kb=$(KBUILD_CONFIG_ONLY=1 "$KBUILD" x86_64 default "$1" \
			2>>"$work/kbuild.log") || return 1
	fi
}

# The walk: one worktree of the pristine repository and one build dir
# below it (relative paths on the command lines, so ccache serves what
# kbuild.sh's builds compiled), moved from commit to commit. Kernel builds
# are serialized on the same lock as kbuild.sh's.
wt=$work/walk/src
wt_out=$wt/.kbuild-walk-x86_64

# wt_checkout COMMIT CONFIG: the worktree at COMMIT, configured with CONFIG.
wt_checkout() {
	if [ ! -e "$wt/.git" ]; then
		git -C "$ksrc" worktree prune
		mkdir -p "$(dirname "$wt")"
		git -C "$ksrc" worktree add -q --detach "$wt" "$1" >&2
	fi
	git -C "$wt" checkout -q --detach -f "$1"
	mkdir -p "$wt_out"
	cp "$2" "$wt_out/.config"
	wt_make olddefconfig
}

wt_make() {
	flock "$cache/.kbuild.lock" make -C "$wt" O="$wt_out" ARCH=x86_64 \
		CC="${ccache}gcc" HOSTCC="${ccache}gcc" \
		KBUILD_BUILD_USER=syncore KBUILD_BUILD_HOST=syncore \
		-j"${KJOBS:-$(nproc)}" "$@"
}

# The result files of a step at commit $1 with config $2, kept by content.
res_key() { { git -C "$ksrc" rev-parse "$1^{tree}"; cat "$2"; tool_id; } | hash; }

[ ${#patches[@]} -gt 0 ] || ktap_skip_all "$(basename "$0" .sh)" "no series yet"
