#!/bin/bash
# The series checks, checked: apply, checkpatch, bisect and sparse run on
# throwaway series (commits on the pristine tree made with a temporary
# index, nothing checked out) must pass and fail when they should. KTAP.
# Two ktree worktrees and, for bisect and sparse, an x86_64 build of the
# throwaway series and a walk over it.
#
# Usage: check/selftest.sh [--quick]   (--quick: apply and checkpatch only,
# no kernel build: what make check runs; make check-full runs it all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
check=$top/kernel-patches/check.sh
# shellcheck source=scripts/ktap.sh
. "$top/scripts/ktap.sh"
{ true >&3; } 2>/dev/null || exec 3>&2
log() { printf '[%s] check: %s\n' "$(date +%T)" "$*" >&3; }

# Throwaway commits on the pristine tree, made with a temporary index (no
# checkout, nothing referenced: only loose objects in its repository).
st_commit() {
	local parent=$1 path=$2 prog=$3 msg=$4 blob tree
	git -C "$st_ksrc" show "$parent:$path" | awk "$prog" >"$st_tmp/blob"
	export GIT_INDEX_FILE=$st_tmp/index
	git -C "$st_ksrc" read-tree "$parent"
	blob=$(git -C "$st_ksrc" hash-object -w "$st_tmp/blob")
	git -C "$st_ksrc" update-index --cacheinfo "100644,$blob,$path"
	tree=$(git -C "$st_ksrc" write-tree)
	unset GIT_INDEX_FILE
	GIT_AUTHOR_NAME="Sel F. Test" GIT_AUTHOR_EMAIL=selftest@example.com \
		GIT_COMMITTER_NAME="Sel F. Test" \
		GIT_COMMITTER_EMAIL=selftest@example.com \
		GIT_AUTHOR_DATE="2026-01-01 00:00:00 +0000" \
		GIT_COMMITTER_DATE="2026-01-01 00:00:00 +0000" \
		git -C "$st_ksrc" commit-tree "$tree" -p "$parent" -m "$msg"
}

# st_patch DIR N COMMIT: the patch file of COMMIT as DIR/000N-*.patch, added
# to DIR/series.
st_patch() {
	local dir=$1 n=$2 c=$3 f
	mkdir -p "$dir"
	f=$(git -C "$st_ksrc" format-patch --start-number "$n" -o "$dir" -1 "$c")
	basename "$f" >>"$dir/series"
}

# The progress of a run on throwaway series X, marked as such: its failures
# are the expected ones.
st_progress() {
	sed "s/^/    (throwaway series $1) /" >&3
}

# st_expect DESC FILE REGEX...: every extended regex matches a line of FILE.
st_expect() {
	local desc=$1 f=$2 re
	shift 2
	for re in "$@"; do
		if ! grep -qE -- "$re" "$f" 2>/dev/null; then
			ktap_not_ok "$desc"
			echo "no line matching '$re' in $f:" | ktap_diag
			sed -n '1,60p' "$f" 2>/dev/null | ktap_diag
			return
		fi
	done
	ktap_ok "$desc"
}

selftest() {
	local x y none base c1 c2 c3 c4 sob
	st_tmp=$(mktemp -d "${TMPDIR:-/tmp}/syncore-check-selftest.XXXXXX")
	trap 'rm -rf "$st_tmp"' EXIT
	st_ksrc=$("$top/scripts/ktree.sh" --baseline)
	base=$(git -C "$st_ksrc" rev-parse HEAD)
	sob="Signed-off-by: Sel F. Test <selftest@example.com>"
	log "selftest: making throwaway patches in $st_tmp"

	# 1: good. 2: breaks the build, checkpatch warning. 3: fixes the
	# build, adds a sparse warning. 4: no changelog, no Signed-off-by.
	c1=$(st_commit "$base" kernel/kthread.c '
		{ print }
		/^ \* @mm: address space to operate on$/ && !done {
			print " *"
			print " * The caller must be a kernel thread without an mm."
			done = 1
		}' "kthread: document the kthread_use_mm() precondition

Say in the kerneldoc what the WARN_ON_ONCE() checks.

$sob")
	c2=$(st_commit "$c1" kernel/kthread.c '
		{ print }
		/^EXPORT_SYMBOL_GPL\(kthread_use_mm\);$/ {
			print ""
			print "void kthread_selftest_hook(void)"
			print "{"
			print "\tprintk(KERN_INFO \"kthread selftest\\n\");"
			print "\tkthread_selftest_undeclared();"
			print "}"
		}' "kthread: add a hook that does not build

A throwaway patch: it calls an undeclared function.

$sob")
	c3=$(st_commit "$c2" kernel/kthread.c '
		/^void kthread_selftest_hook\(void\)$/ { skip = 6 }
		skip > 0 { skip--; next }
		{ print }
		/^EXPORT_SYMBOL_GPL\(kthread_use_mm\);$/ {
			print ""
			print "static int __maybe_unused kthread_selftest_peek(int __user *p)"
			print "{"
			print "\treturn *p;"
			print "}"
		}' "kthread: replace the hook by a user pointer peek helper

A throwaway patch: it dereferences a __user pointer.

$sob")
	c4=$(st_commit "$c3" kernel/kthread.c '
		{ print }
		/^ \* kthread_unuse_mm - reverse the effect of kthread_use_mm\(\)$/ {
			print " *"
		}' "kthread: no changelog")

	x=$st_tmp/x y=$st_tmp/y none=$st_tmp/none
	st_patch "$x" 1 "$c1"
	st_patch "$x" 2 "$c2"
	st_patch "$x" 3 "$c3"
	# y: patch 3 without patch 2 does not apply; patch 4 has no body.
	st_patch "$y" 1 "$c1"
	st_patch "$y" 2 "$c3"
	st_patch "$y" 3 "$c4"
	mkdir -p "$none"

	log "selftest: series x (3 patches: good, build break, sparse warning)"
	RESULTS=$x/res "$check" --series "$x/series" \
		--only "apply,checkpatch$([ -n "$quick" ] || echo ,bisect,sparse)" 2>&1 >/dev/null | st_progress x
	log "selftest: series y (patch 2 does not apply, patch 3 has no changelog)"
	RESULTS=$y/res "$check" --series "$y/series" --only apply,checkpatch 2>&1 >/dev/null | st_progress y
	log "selftest: no series"
	RESULTS=$none/res "$check" --series "$none/series" 2>&1 >/dev/null | st_progress none

	ktap_header $([ -n "$quick" ] && echo 9 || echo 12)
	st_expect "apply: a good series applies" "$x/res/series-apply.tap" \
		'^ok 1 apply 0001' '^ok 2 apply 0002' '^ok 3 apply 0003'
	st_expect "apply: a patch that does not apply fails, naming it" \
		"$y/res/series-apply.tap" '^ok 1 apply 0001' \
		'^not ok 2 apply 0002-kthread-replace-the-hook' \
		'^# ktree: patch does not apply: .*0002-kthread-replace-the-hook' \
		'^#  .*kernel/kthread.c' '^ok 3 apply 0003.*# SKIP'
	st_expect "checkpatch: a clean patch passes" "$x/res/series-checkpatch.tap" \
		'^ok 1 checkpatch' '^ok 3 checkpatch'
	st_expect "checkpatch: a checkpatch warning fails" "$x/res/series-checkpatch.tap" \
		'^not ok 2 checkpatch' '^# WARNING:.*printk'
	st_expect "checkpatch: no Signed-off-by and no changelog fail" \
		"$y/res/series-checkpatch.tap" '^not ok 3 checkpatch' \
		'^# no Signed-off-by' '^# empty changelog body'
	if [ -z "$quick" ]; then
		st_expect "bisect: a patch that builds passes" "$x/res/series-bisect.tap" \
			'^ok 1 bisect 1/3' '^ok 3 bisect 3/3'
		st_expect "bisect: a patch that breaks the build mid-series fails" \
			"$x/res/series-bisect.tap" '^not ok 2 bisect 2/3' \
			'kthread_selftest_undeclared'
		st_expect "sparse: a new sparse warning fails" "$x/res/series-sparse.tap" \
			'^not ok [0-9]+ sparse kernel/kthread.c' '^# kernel/kthread.c: warning: dereference of noderef'
	fi
	st_expect "exit status: failing checks exit 1" "$x/res/series-checkpatch.rc" '^1$'
	st_expect "exit status: passing checks exit 0" "$x/res/series-apply.rc" '^0$'
	st_expect "no series: every check skips" "$none/res/series-apply.tap" \
		'^ok 1 apply # SKIP no series yet'
	st_expect "no series: checks exit 4 (skip)" "$none/res/series-builds.rc" '^4$'
	ktap_finish
}

quick=
[ "${1:-}" != --quick ] || quick=1
selftest
