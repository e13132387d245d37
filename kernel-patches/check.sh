#!/bin/bash
# Check the hygiene of the kernel patch series (run by "make check").
#
# Usage: kernel-patches/check.sh [--series FILE]... [--name NAME] [--only LIST]
#        kernel-patches/check.sh --selftest
#
#   --series FILE  the series file (default: kernel-patches/series); given
#                  more than once, the series are applied in that order
#                  (e.g. the series, then the checker in debug/series)
#   --name NAME    results are NAME-<check> (default: series)
#   --only LIST    comma-separated subset of: apply,checkpatch,bisect,builds,
#                  sparse (default: all)
#   --selftest     run apply, checkpatch, bisect and sparse on generated
#                  throwaway series in a temporary directory and verify that
#                  each passes and fails when it should (KTAP; two git
#                  worktrees and an x86_64 kernel build that ccache mostly
#                  serves from the baseline build: about 90 s)
#
# Each check is one KTAP document stored by scripts/tap-run.sh as
# $RESULTS/NAME-<check>.tap:
#
#   series-apply       the series applies in order with "git am" onto the
#                      pristine v6.12 tree (scripts/ktree.sh); one result per
#                      patch, the failing one names the patch and the hunk
#   series-checkpatch  per patch: checkpatch.pl --strict gives no error or
#                      warning, there is a Signed-off-by and a changelog body
#   series-bisect      per patch i: the tree with patches 1..i builds for
#                      x86_64 (kbuild.sh's default config) without compiler
#                      warnings in the files the series touches; built
#                      incrementally, one commit after the other, from
#                      kbuild.sh's build of the whole series
#   series-builds      the whole series builds for x86_64, arm64 (default and
#                      MEMBARRIER=n "nofeat", through scripts/kbuild.sh, shared
#                      with the VM tests) and for riscv64 and powerpc64le
#                      (tinyconfig + configs/cross-<arch>.config); for arm and
#                      s390 the objects that expand their hooks compile
#                      (kernel/sched/core.o, kernel/kthread.o, build_utility.o);
#                      a compiler warning in a file the series touches fails
#   series-sparse      "make C=2 CHECK=sparse" on the .c files the series
#                      touches (kernel/sched/core.c and kernel/kthread.c when
#                      it touches headers) gives no warning that the pristine
#                      tree does not give (line numbers ignored)
#
# A missing or empty series file makes every check a SKIP ("no series yet").
#
# Every expensive step is cached under $SYNCORE_CACHE/check, keyed by content
# hashes (git tree ids, config, compiler), so a rerun with nothing changed
# takes seconds. Kernel builds are serialized by flock on
# $SYNCORE_CACHE/.kbuild.lock and use -j2 (KJOBS overrides). Progress lines
# go to stderr. CHECK_BUILDS="ARCH:VARIANT ..." narrows series-builds (the
# default is all seven). CHECK_NO_OVERLAY=1 makes series-bisect use a
# worktree and build dir of its own instead of overlays (see "bisect"
# below).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
self=$here/$(basename "$0")
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
export SYNCORE_CACHE=$cache
export RESULTS=${RESULTS:-$top/build/results}
# shellcheck source=scripts/ccache.sh
. "$top/scripts/ccache.sh"

KTREE=${KTREE:-$top/scripts/ktree.sh}
KBUILD=${KBUILD:-$top/scripts/kbuild.sh}
TAPRUN=$top/scripts/tap-run.sh
KJOBS=${KJOBS:-2}
work=$cache/check
lock=$cache/.kbuild.lock
all_checks="apply checkpatch builds bisect sparse"

# Progress goes to fd 3: the terminal's stderr, not the KTAP file that
# tap-run.sh captures (the driver opens it before running the checks).
{ true >&3; } 2>/dev/null || exec 3>&2
log() { printf '[%s] check: %s\n' "$(date +%T)" "$*" >&3; }
die() { echo "check: $*" >&2; exit 2; }

usage() {
	sed -n '2,/^set /p' "$self" | sed '$d; s/^# \{0,1\}//'
}

hash() { sha256sum | cut -c1-16; }

# ---------------------------------------------------------------- KTAP
ktap_n=0 ktap_pass=0 ktap_fail=0 ktap_skip=0
ktap_plan() { echo "TAP version 13"; echo "1..$1"; }
ktap_diag() { sed 's/^/# /'; }
ktap_ok() { ktap_n=$((ktap_n + 1)); ktap_pass=$((ktap_pass + 1)); echo "ok $ktap_n $1"; }
ktap_notok() { ktap_n=$((ktap_n + 1)); ktap_fail=$((ktap_fail + 1)); echo "not ok $ktap_n $1"; }
ktap_skip() {
	ktap_n=$((ktap_n + 1)); ktap_skip=$((ktap_skip + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}
ktap_end() {
	echo "# Totals: pass:$ktap_pass fail:$ktap_fail xfail:0 xpass:0 skip:$ktap_skip error:0"
	if [ $ktap_fail -gt 0 ]; then
		exit 1
	elif [ $ktap_pass -eq 0 ] && [ $ktap_skip -gt 0 ]; then
		exit 4
	fi
	exit 0
}
# A whole check skipped for one reason.
ktap_skip_all() {
	ktap_plan 1
	ktap_skip "$1" "$2"
	ktap_end
}

# ---------------------------------------------------------------- series
# patches[]: absolute patch paths in series order, as scripts/ktree.sh
# reads them.
patches=()
read_series() {
	# shellcheck disable=SC2086 # a list of series files
	mapfile -t patches < <("$top/scripts/ktree.sh" --list $series)
}

pname() { basename "$1" .patch; }

# The patched tree (cached by ktree.sh); fails if the series does not apply.
# shellcheck disable=SC2086 # a list of series files
tree_of_series() { "$KTREE" $series 2>/dev/null; }
baseline() { "$KTREE" --baseline; }

# Commits of the patched tree, oldest first (one per patch).
series_commits() {
	local t=$1 b
	b=$(git -C "$(baseline)" rev-parse HEAD)
	git -C "$t" rev-list --reverse "$b..HEAD"
}

# ---------------------------------------------------------------- builds
# make in a kernel tree, serialized with every other kernel build.
kmake() {
	local src=$1 out=$2 karch=$3 cross=$4
	shift 4
	local cc=${cross}gcc
	mkdir -p "$(dirname "$lock")"
	flock "$lock" make -C "$src" O="$out" ARCH="$karch" \
		${cross:+CROSS_COMPILE=$cross} \
		CC="$ccache$cc" HOSTCC="${ccache}gcc" \
		KBUILD_BUILD_USER=syncore KBUILD_BUILD_HOST=syncore \
		-j"$KJOBS" "$@"
}

# Version of the tools that decide a build's outcome.
tool_id() {
	local cross=$1
	{
		"${cross}gcc" --version | head -1
		sparse --version 2>/dev/null || true
	} | hash
}

# Warnings (compiler or sparse) in a make log, normalized: the tree path
# prefix (or "../" in a build dir below the tree) and the line/column
# numbers removed, so the same warning in a patched file compares equal.
norm_warnings() {
	local src=$1
	sed -nE "s#^($src/|\.\./)?([^ :]+):[0-9]+:([0-9]+:)? (warning|error|   )(.*)#\2: \4\5#p" |
		sed 's/[[:space:]]*$//'
}

# Files that commit $2 (default HEAD) of the patched tree $1 changes from
# the pristine tree (relative paths).
touched_files() {
	local b
	b=$(git -C "$(baseline)" rev-parse HEAD)
	git -C "$1" diff --name-only "$b" "${2:-HEAD}"
}

# Compiler warnings in make log $1 about the files touched_files "$t" [$2]
# lists.
touched_warnings() {
	local touched
	touched=$(touched_files "$t" "${2:-HEAD}")
	[ -n "$touched" ] || return 0
	grep -E '^[^ ]+:[0-9]+:([0-9]+:)? (warning|error):' "$1" |
		sed "s|^$t/||; s|^$bisect_src/||; s|^\.\./||" |
		grep -F -f <(echo "$touched") || true
}

# ---------------------------------------------------------------- checks
check_apply() {
	local out rc=0 failed= i p t n
	out=$("$KTREE" $series 2>&1 >/dev/null) || rc=$?
	ktap_plan ${#patches[@]}
	if [ $rc -eq 0 ]; then
		t=$("$KTREE" $series 2>/dev/null)
		n=$(series_commits "$t" | wc -l)
		for p in "${patches[@]}"; do
			ktap_ok "apply $(pname "$p")"
		done
		if [ "$n" -ne ${#patches[@]} ]; then
			echo "$n commits for ${#patches[@]} patches" | ktap_diag
		fi
		echo "# tree: $t"
		ktap_end
	fi
	failed=$(echo "$out" | sed -n 's/^ktree: patch does not apply: //p' | head -1)
	for p in "${patches[@]}"; do
		if [ "$failed" != done ] && [ ! -f "$p" ]; then
			ktap_notok "apply $(pname "$p")"
			echo "$p: no such file" | ktap_diag
			failed=done
		elif [ -z "$failed" ]; then
			ktap_notok "apply $(pname "$p")"
			echo "$out" | ktap_diag
			failed=done
		elif [ "$failed" = done ]; then
			ktap_skip "apply $(pname "$p")" "an earlier patch does not apply"
		elif [ "$p" = "$failed" ]; then
			ktap_notok "apply $(pname "$p")"
			echo "$out" | ktap_diag
			failed=done
		else
			ktap_ok "apply $(pname "$p")"
		fi
	done
	ktap_end
}

# One patch: checkpatch --strict (errors and warnings fail; CHECKs are
# shown), a Signed-off-by, a changelog body. Cached by patch + checkpatch.
checkpatch_one() {
	local p=$1 src=$2 key dir out rc=0 body problems=
	key=$({ cat "$p"; cat "$src/scripts/checkpatch.pl"; } | hash)
	dir=$work/checkpatch
	mkdir -p "$dir"
	if [ ! -f "$dir/$key.rc" ]; then
		out=$(cd "$src" && ./scripts/checkpatch.pl --strict \
			--show-types "$p" 2>&1) || rc=$?
		# checkpatch exits 1 on CHECKs too with --strict; judge by counts.
		echo "$out" >"$dir/$key.out"
		echo $rc >"$dir/$key.rc"
	fi
	out=$(cat "$dir/$key.out")
	if ! echo "$out" | grep -q '^total: 0 errors, 0 warnings'; then
		problems+="checkpatch.pl --strict reports errors or warnings:"$'\n'"$out"$'\n'
	elif echo "$out" | grep -q '^CHECK:'; then
		echo "$out" | grep -A3 '^CHECK:' | ktap_diag
	fi
	grep -q '^Signed-off-by: .\+ <.\+@.\+>' "$p" ||
		problems+="no Signed-off-by line"$'\n'
	# Changelog body: the lines between the headers and "---", other
	# than trailers, must not be empty.
	body=$(awk '
		!hdr && /^$/ { hdr = 1; next }
		!hdr { next }
		/^---$/ { exit }
		/^[A-Za-z-]+: / { next }
		/[^[:space:]]/ { n++ }
		END { print n + 0 }' "$p")
	[ "$body" -gt 0 ] || problems+="empty changelog body"$'\n'
	if [ -n "$problems" ]; then
		ktap_notok "checkpatch $(pname "$p")"
		printf '%s' "$problems" | ktap_diag
	else
		ktap_ok "checkpatch $(pname "$p")"
	fi
}

check_checkpatch() {
	local src p
	src=$(baseline)
	ktap_plan ${#patches[@]}
	for p in "${patches[@]}"; do
		log "checkpatch $(pname "$p")"
		if [ ! -f "$p" ]; then
			ktap_notok "checkpatch $(pname "$p")"
			echo "$p: no such file" | ktap_diag
			continue
		fi
		checkpatch_one "$p" "$src"
	done
	ktap_end
}

# ---------------------------------------------------------------- builds
# The whole series through scripts/kbuild.sh (builds shared with the VM
# tests: same tree and config, same build dir).
check_builds() {
	local t v arch variant name logf b warn
	local builds=${CHECK_BUILDS:-x86_64:default arm64:default x86_64:nofeat riscv64:default powerpc64le:default arm:default s390:default}
	t=$(tree_of_series) || ktap_skip_all builds "the series does not apply (see series-apply)"
	[ -x "$KBUILD" ] || ktap_skip_all builds "scripts/kbuild.sh not available"
	ktap_plan $(echo $builds | wc -w)
	for v in $builds; do
		arch=${v%%:*} variant=${v#*:}
		name="build $arch $variant"
		[ "$variant" = nofeat ] && name+=" (CONFIG_MEMBARRIER=n)"
		case $arch in
		arm|s390) name="compile $arch (the objects that use its hooks)" ;;
		esac
		log "$name"
		logf=$work/kbuild-$arch-$variant.log
		if b=$("$KBUILD" "$arch" "$variant" "$t" 2>"$logf"); then
			warn=$(touched_warnings "$b/build.log")
			if [ -n "$warn" ]; then
				ktap_notok "$name"
				echo "compiler warnings in files the series touches:" | ktap_diag
				echo "$warn" | ktap_diag
			else
				ktap_ok "$name"
			fi
			echo "build dir: $b" | ktap_diag
		elif grep -q 'gcc not found' "$logf"; then
			ktap_skip "$name" "$(grep 'gcc not found' "$logf" | head -1)"
		else
			ktap_notok "$name"
			tail -n 40 "$logf" | ktap_diag
		fi
	done
	ktap_end
}

# ---------------------------------------------------------------- bisect
# Results, kept under $work by content: a build of commit C with config
# CFG is $work/bisect/results/KEY.{rc,log}; sparse on FILE at C is
# $work/sparse/KEY/FILE.{log,warn}; KEY = hash(C's tree id, CFG, tools).
res_key() {
	{
		git -C "$ksrc" rev-parse "$1^{tree}"
		cat "$2"
		tool_id ""
	} | hash
}
bres() { echo "$work/bisect/results/$(res_key "$1" "$2")"; }
sres() { echo "$work/sparse/$(res_key "$1" "$2")/${3//\//_}"; }

# kbuild.sh's x86_64 default build of tree T: sets kb (its build dir) and
# kb_ok (1 if it built). When the build fails, kb is the dir it failed in.
kb_dir() {
	local d
	kb_ok=0
	mkdir -p "$work"
	if kb=$("$KBUILD" x86_64 default "$1" 2>>"$work/kbuild.log"); then
		kb_ok=1
		return 0
	fi
	d=$(KBUILD_CONFIG_ONLY=1 "$KBUILD" x86_64 default "$1" \
		2>>"$work/kbuild.log") || return 1
	kb=${d%.config-only}
	[ -f "$kb/.config" ] || kb=$d
}

# The build steps are done in one of two ways.
#
# Overlay (the default, needs "unshare -m" and overlayfs): in a private
# mount namespace, an overlay is mounted on the patched tree T (which holds
# kbuild.sh's build dir of T; a build dir elsewhere gets an overlay of its
# own), so that both keep their paths (same command lines: make and ccache
# reuse everything) while nothing is written to them. Starting from the
# whole series (already built by kbuild.sh), the walk goes back one commit
# at a time, rewriting only the files that differ (git archive | tar -m, so
# they are newer than the objects), and runs an incremental make. No full build, no worktree to check out. Sparse runs on
# the whole series there, and on the pristine tree at the end of the walk.
#
# Worktree (fallback): a detached worktree of the pristine repository and
# one O= dir of its own under $work/bisect, kept from run to run, walked
# forward commit by commit (the first build is a full one).

# Sets unshare_flags: -m as root, -rm (a user namespace too) otherwise.
overlay_ok() {
	[ -z "${CHECK_NO_OVERLAY:-}" ] || return 1
	command -v unshare >/dev/null && grep -qw overlay /proc/filesystems ||
		return 1
	for unshare_flags in -m -rm; do
		unshare $unshare_flags true 2>/dev/null && return 0
	done
	return 1
}

# True if the files that differ between commits $1 and $2 are all outside
# what an x86_64 build reads: documentation, tools/ (userspace, selftests),
# MAINTAINERS and the other architectures' directories.
outside_x86_build() {
	! git -C "$ksrc" diff --name-only "$1" "$2" |
		grep -vqE '^(Documentation/|tools/|LICENSES/|MAINTAINERS$|CREDITS$|arch/([^x]|x[^8]))'
}

# Keep a build's exit status R.rc, unless the build was interrupted rather
# than failed (no "Error N" from make): then the next run tries again.
keep_rc() {
	local r=$1 rc=$2
	if [ "$rc" -eq 0 ] || grep -q '\*\*\* .* Error [0-9]' "$r.log"; then
		echo "$rc" >"$r.rc"
	else
		echo "$rc" >"$r.rc-interrupted"
	fi
}

# Keep sparse's normalized warnings R.warn, if sparse ran (a CHECK line).
keep_warn() {
	local r=$1 src=$2
	grep -q ' CHECK ' "$r.log" || return 0
	norm_warnings "$src" <"$r.log" | sort >"$r.warn"
}

# In the overlay: make the tree's files those of commit $1.
ov_move_to() {
	local target=$1 st p paths=()
	while IFS=$'\t' read -r st p; do
		case $st in
		D) rm -f "$ov_t/$p" ;;
		*) paths+=("$p") ;;
		esac
	done < <(git -C "$ksrc" diff --no-renames --name-status "$ov_cur" "$target")
	if [ ${#paths[@]} -gt 0 ]; then
		git -C "$ksrc" archive --format=tar "$target" -- "${paths[@]}" |
			tar -xmf - -C "$ov_t"
	fi
	ov_cur=$target
}

ov_sparse() {
	local c=$1 f r
	shift
	for f in "$@"; do
		r=$(sres "$c" "$ov_cfg" "$f")
		[ ! -f "$r.warn" ] || continue
		mkdir -p "$(dirname "$r")"
		log "sparse $f at $(git -C "$ksrc" log -1 --format=%h "$c")"
		kmake "$ov_t" "$ov_kb" x86_64 "" C=2 CHECK=sparse "${f%.c}.o" \
			>"$r.log" 2>&1 || true
		keep_warn "$r" "$ov_t"
	done
}

# Runs inside "unshare -m" (check.sh --walk): see above. Environment:
# OV_T, OV_KB, OV_KBOK, OV_SCRATCH, OV_FILES (sparse), series on argv.
walk_inner() {
	local scr=$OV_SCRATCH c i r commits
	ov_t=$OV_T ov_kb=$OV_KB ov_cfg=$OV_KB/.config
	ksrc=$(baseline)
	mkdir -p "$scr/su" "$scr/sw" "$scr/bu" "$scr/bw" "$work/bisect/results"
	# The config is read before the mount, the key must not move.
	cp "$ov_cfg" "$scr/config"
	ov_cfg=$scr/config
	mount -t overlay overlay -o "lowerdir=$ov_t,upperdir=$scr/su,workdir=$scr/sw" "$ov_t"
	# kbuild.sh's build dir is usually inside the tree: covered already.
	case $ov_kb in
	"$ov_t"/*) ;;
	*) mount -t overlay overlay -o "lowerdir=$ov_kb,upperdir=$scr/bu,workdir=$scr/bw" "$ov_kb" ;;
	esac
	mapfile -t commits < <(series_commits "$ov_t")
	ov_cur=${commits[-1]}
	# built: the build dir holds a finished make of the files of $ov_cur.
	built=$OV_KBOK
	for ((i = ${#commits[@]} - 1; i >= 0; i--)); do
		c=${commits[i]}
		r=$(bres "$c" "$ov_cfg")
		if [ ! -f "$r.rc" ]; then
			if [ "$c" = "${commits[-1]}" ] && [ "$OV_KBOK" = 1 ]; then
				cp "$ov_kb/build.log" "$r.log"
				echo 0 >"$r.rc"
			elif [ "$built" = 1 ] && [ -f "$(bres "$ov_cur" "$ov_cfg").rc" ] &&
				outside_x86_build "$ov_cur" "$c"; then
				# Same x86_64 build: only files it never reads differ.
				p=$(bres "$ov_cur" "$ov_cfg")
				{
					echo "# x86_64 build as for $(git -C "$ksrc" log -1 --format=%h "$ov_cur"):" \
						"only files outside the x86_64 build differ"
					cat "$p.log"
				} >"$r.log"
				cp "$p.rc" "$r.rc"
			else
				log "bisect: build $((i + 1))/${#commits[@]} (overlay)"
				ov_move_to "$c"
				rc=0
				kmake "$ov_t" "$ov_kb" x86_64 "" bzImage >"$r.log" 2>&1 || rc=$?
				keep_rc "$r" $rc
				built=1
			fi
		fi
		[ $i -ne $((${#commits[@]} - 1)) ] || ov_sparse "$c" $OV_FILES
	done
	if [ -n "$OV_FILES" ]; then
		c=$(git -C "$ksrc" rev-parse HEAD)
		ov_move_to "$c"
		ov_sparse "$c" $OV_FILES
	fi
}

# The forward fallback: the worktree and build dir of its own.
bisect_src=$work/bisect/src
bisect_out=$work/bisect/build-x86_64

bisect_prepare() {
	local commit=$1
	if [ ! -e "$bisect_src/.git" ]; then
		git -C "$ksrc" worktree prune
		mkdir -p "$(dirname "$bisect_src")"
		log "bisect: making the worktree $bisect_src"
		git -C "$ksrc" worktree add -q --detach "$bisect_src" "$commit" >&2
	fi
	git -C "$bisect_src" checkout -q --detach -f "$commit"
}

# Check out COMMIT in the bisect tree and configure the build dir with
# CONFIG (copied each time: olddefconfig drops the symbols COMMIT lacks, and
# Kbuild rebuilds only what depends on a changed symbol).
bisect_checkout() {
	local commit=$1 config=$2
	bisect_prepare "$commit"
	mkdir -p "$bisect_out"
	cp "$config" "$bisect_out/.config"
	kmake "$bisect_src" "$bisect_out" x86_64 "" olddefconfig
}

walk_forward() {
	local cfg=$1 c i=0 r f
	shift
	local commits=("${walk_commits[@]}")
	for c in "${commits[@]}"; do
		i=$((i + 1))
		r=$(bres "$c" "$cfg")
		[ ! -f "$r.rc" ] || continue
		log "bisect: build $i/${#commits[@]} (worktree)"
		rc=0
		{
			bisect_checkout "$c" "$cfg" &&
				kmake "$bisect_src" "$bisect_out" x86_64 "" bzImage
		} >"$r.log" 2>&1 || rc=$?
		keep_rc "$r" $rc
	done
	for c in "${commits[-1]}" "$(git -C "$ksrc" rev-parse HEAD)"; do
		for f in "$@"; do
			r=$(sres "$c" "$cfg" "$f")
			[ ! -f "$r.warn" ] || continue
			mkdir -p "$(dirname "$r")"
			log "sparse $f at $(git -C "$ksrc" log -1 --format=%h "$c")"
			bisect_checkout "$c" "$cfg" >/dev/null 2>&1
			kmake "$bisect_src" "$bisect_out" x86_64 "" C=2 CHECK=sparse \
				"${f%.c}.o" >"$r.log" 2>&1 || true
			keep_warn "$r" "$bisect_src"
		done
	done
}

# .c files the series touches that the x86_64 build compiles (they have an
# object in kbuild.sh's build dir), plus the two main users of the touched
# headers.
sparse_files() {
	local f files=()
	while IFS= read -r f; do
		case $f in
		kernel/*.c|arch/x86/*.c|mm/*.c)
			[ ! -f "$kb/${f%.c}.o" ] || files+=("$f") ;;
		*.h)
			files+=(kernel/sched/core.c kernel/kthread.c) ;;
		esac
	done < <(touched_files "$t")
	[ ${#files[@]} -eq 0 ] || printf '%s\n' "${files[@]}" | sort -u
}

# Make sure every bisect build and sparse result of the series is cached.
# Needs t, kb, kb_ok, walk_commits, sparse_list set.
ensure_results() {
	local cfg=$kb/.config c f missing= scr rc=0
	for c in "${walk_commits[@]}"; do
		[ -f "$(bres "$c" "$cfg").rc" ] || missing=1
	done
	for c in "${walk_commits[-1]}" "$(git -C "$ksrc" rev-parse HEAD)"; do
		for f in "${sparse_list[@]}"; do
			[ -f "$(sres "$c" "$cfg" "$f").warn" ] || missing=1
		done
	done
	[ -n "$missing" ] || return 0
	exec 8>"$work/.bisect.lock"
	flock 8
	rm -rf "$work"/bisect/ovl.*
	if overlay_ok; then
		scr=$work/bisect/ovl.$$
		rm -rf "$scr"
		mkdir -p "$scr"
		OV_T=$t OV_KB=$kb OV_KBOK=$kb_ok OV_SCRATCH=$scr \
			OV_FILES="${sparse_list[*]}" \
			unshare $unshare_flags "$self" $sargs --walk || rc=$?
		rm -rf "$scr"
		[ $rc -eq 0 ] || log "bisect: overlay walk exited $rc"
	else
		walk_forward "$cfg" "${sparse_list[@]}"
	fi
	exec 8>&-
}

# Shared by check_bisect and check_sparse: the patched tree, kbuild.sh's
# build of it, the commits, the files for sparse, then ensure_results.
prepare_results() {
	local what=$1
	t=$(tree_of_series) || ktap_skip_all "$what" "the series does not apply (see series-apply)"
	[ -x "$KBUILD" ] || ktap_skip_all "$what" "scripts/kbuild.sh not available"
	log "$what: scripts/kbuild.sh x86_64 default (the whole series)"
	if ! kb_dir "$t"; then
		ktap_plan 1
		ktap_notok "$what: x86_64 default config"
		tail -n 40 "$work/kbuild.log" | ktap_diag
		ktap_end
	fi
	mapfile -t walk_commits < <(series_commits "$t")
	sparse_list=()
	if command -v sparse >/dev/null && [ "$kb_ok" = 1 ]; then
		mapfile -t sparse_list < <(sparse_files)
	fi
	ensure_results
}

check_bisect() {
	local c i=0 r rc warn name
	prepare_results bisect
	ktap_plan ${#walk_commits[@]}
	for c in "${walk_commits[@]}"; do
		i=$((i + 1))
		name="bisect ${i}/${#walk_commits[@]} $(git -C "$t" log -1 --format=%s "$c")"
		r=$(bres "$c" "$kb/.config")
		if [ ! -f "$r.rc" ]; then
			ktap_notok "$name"
			echo "no build result: the build was interrupted" | ktap_diag
			tail -n 20 "$r.log" 2>/dev/null | ktap_diag
			continue
		fi
		rc=$(cat "$r.rc")
		# Compiler warnings in files this patch (or an earlier one)
		# touches.
		warn=$(touched_warnings "$r.log" "$c")
		if [ "$rc" -ne 0 ]; then
			ktap_notok "$name"
			grep -E 'error|Error' "$r.log" | head -n 40 | ktap_diag
			tail -n 20 "$r.log" | ktap_diag
		elif [ -n "$warn" ]; then
			ktap_notok "$name"
			echo "compiler warnings in files the series touches:" | ktap_diag
			echo "$warn" | ktap_diag
		else
			ktap_ok "$name"
		fi
	done
	ktap_end
}

check_sparse() {
	local f base head rb rp new n
	command -v sparse >/dev/null || ktap_skip_all sparse "sparse not installed"
	prepare_results sparse
	[ "$kb_ok" = 1 ] ||
		ktap_skip_all sparse "the whole series does not build for x86_64 (see series-builds)"
	[ ${#sparse_list[@]} -gt 0 ] ||
		ktap_skip_all sparse "the series touches no .c file built for x86_64 and no header"
	ktap_plan ${#sparse_list[@]}
	base=$(git -C "$ksrc" rev-parse HEAD)
	head=${walk_commits[-1]}
	for f in "${sparse_list[@]}"; do
		rb=$(sres "$base" "$kb/.config" "$f")
		rp=$(sres "$head" "$kb/.config" "$f")
		if [ ! -f "$rp.warn" ] || [ ! -f "$rb.warn" ]; then
			ktap_notok "sparse $f"
			echo "sparse did not run:" | ktap_diag
			tail -n 20 "$rp.log" "$rb.log" 2>/dev/null | ktap_diag
			continue
		fi
		new=$(comm -13 "$rb.warn" "$rp.warn")
		n=$(grep -c ': warning' "$rp.warn" || true)
		if [ -n "$new" ]; then
			ktap_notok "sparse $f"
			echo "new sparse warnings (not in the pristine tree):" | ktap_diag
			echo "$new" | ktap_diag
			echo "make C=2 output:" | ktap_diag
			grep -E ': (warning|error)|^   ' "$rp.log" | head -n 40 | ktap_diag
		else
			ktap_ok "sparse $f"
			[ "$n" -eq 0 ] || echo "$n warnings, all also in the pristine tree" | ktap_diag
		fi
	done
	ktap_end
}

run_check() {
	local c=$1
	read_series
	mkdir -p "$work"
	ksrc=$(baseline)
	if [ ${#patches[@]} -eq 0 ]; then
		ktap_skip_all "$c" "no series yet"
	fi
	"check_$c"
}

# ---------------------------------------------------------------- selftest
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
			ktap_notok "$desc"
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
	st_ksrc=$(baseline)
	base=$(git -C "$st_ksrc" rev-parse HEAD)
	sob="Signed-off-by: Sel F. Test <selftest@example.com>"
	exec 3>&2
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
	RESULTS=$x/res "$self" --series "$x/series" --only apply,checkpatch,bisect,sparse 2>&1 >/dev/null | st_progress x
	log "selftest: series y (patch 2 does not apply, patch 3 has no changelog)"
	RESULTS=$y/res "$self" --series "$y/series" --only apply,checkpatch 2>&1 >/dev/null | st_progress y
	log "selftest: no series"
	RESULTS=$none/res "$self" --series "$none/series" 2>&1 >/dev/null | st_progress none

	ktap_plan 12
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
	st_expect "bisect: a patch that builds passes" "$x/res/series-bisect.tap" \
		'^ok 1 bisect 1/3' '^ok 3 bisect 3/3'
	st_expect "bisect: a patch that breaks the build mid-series fails" \
		"$x/res/series-bisect.tap" '^not ok 2 bisect 2/3' \
		'kthread_selftest_undeclared'
	st_expect "sparse: a new sparse warning fails" "$x/res/series-sparse.tap" \
		'^not ok [0-9]+ sparse kernel/kthread.c' '^# kernel/kthread.c: warning: dereference of noderef'
	st_expect "exit status: failing checks exit 1" "$x/res/series-bisect.rc" '^1$'
	st_expect "exit status: passing checks exit 0" "$x/res/series-apply.rc" '^0$'
	st_expect "no series: every check skips" "$none/res/series-apply.tap" \
		'^ok 1 apply # SKIP no series yet'
	st_expect "no series: checks exit 4 (skip)" "$none/res/series-builds.rc" '^4$'
	ktap_end
}

# ---------------------------------------------------------------- main
# (one function, so that editing this file never affects a running check)
main() {
	series=
	name=series
	only=$all_checks
	run=
	while [ $# -gt 0 ]; do
		case $1 in
		--series) series="$series $(realpath -m "$2")"; shift 2 ;;
		--name) name=$2; shift 2 ;;
		--only) only=${2//,/ }; shift 2 ;;
		--run) run=$2; shift 2 ;;
		--walk) read_series; walk_inner; exit ;;
		--selftest) selftest; exit $? ;;
		-h|--help) usage; exit 0 ;;
		*) echo "check: unknown option '$1'" >&2; usage >&2; exit 2 ;;
		esac
	done
	series=${series:-$here/series}
	series=${series# }
	sargs=
	for f in $series; do sargs="$sargs --series $f"; done
	for c in $only; do
		case " $all_checks " in
		*" $c "*) ;;
		*) die "unknown check '$c' (one of: $all_checks)" ;;
		esac
	done

	if [ -n "$run" ]; then
		run_check "$run"
	fi

	# "N passed, N failed, N skipped" of one KTAP file.
	tally() {
		local s p f
		s=$(grep -E '^ok [0-9]+' "$1" | grep -ciE '# *skip' || true)
		p=$(grep -cE '^ok [0-9]+' "$1" || true)
		f=$(grep -cE '^not ok [0-9]+' "$1" || true)
		echo "$((p - s)) passed, $f failed, $s skipped"
	}

	start=$(date +%s)
	exec 3>&2
	for c in $only; do
		log "$name-$c: start"
		t0=$(date +%s)
		"$TAPRUN" "$name-$c" -- "$self" $sargs --run "$c"
		log "$name-$c: $(tally "$RESULTS/$name-$c.tap")" \
			"(exit $(cat "$RESULTS/$name-$c.rc"), $(($(date +%s) - t0))s)"
	done
	log "done in $(($(date +%s) - start))s"
	exit 0
}

main "$@"; exit
