#!/bin/bash
# Check the hygiene of the kernel patch series (run by "make check").
#
# Usage: kernel-patches/check.sh [--series FILE] [--only LIST] [--selftest]
#
#   --series FILE  the series file (default: kernel-patches/series)
#   --only LIST    comma-separated subset of: apply,checkpatch,bisect,builds,
#                  sparse (default: all)
#   --selftest     run the checks on generated throwaway series in a temporary
#                  directory and verify that each check passes and fails when
#                  it should (takes a few minutes with a warm cache)
#
# Each check is one KTAP document stored by scripts/tap-run.sh as
# $RESULTS/series-<check>.tap:
#
#   series-apply       the series applies in order with "git am" onto the
#                      pristine v6.12 tree (scripts/ktree.sh); one result per
#                      patch, the failing one names the patch and the hunk
#   series-checkpatch  per patch: checkpatch.pl --strict gives no error or
#                      warning, there is a Signed-off-by and a changelog body
#   series-bisect      per patch i: the tree with patches 1..i builds for
#                      x86_64 (default config) without new warnings in the
#                      files the series touches; built incrementally in one
#                      dedicated build dir
#   series-builds      the whole series builds for x86_64, arm64 (default and
#                      MEMBARRIER=n "nofeat", through scripts/kbuild.sh, shared
#                      with the VM tests) and for riscv64 and powerpc64le
#                      (tinyconfig + configs/cross-<arch>.config)
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
# go to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
self=$here/$(basename "$0")
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
export SYNCORE_CACHE=$cache
export RESULTS=${RESULTS:-$top/build/results}
ccache_dir=${CCACHE_DIR:-$cache/ccache}
export CCACHE_DIR=$ccache_dir
ccache_on=
command -v ccache >/dev/null 2>&1 && ccache_on=ccache

KTREE=${KTREE:-$top/scripts/ktree.sh}
KBUILD=${KBUILD:-$top/scripts/kbuild.sh}
TAPRUN=$top/scripts/tap-run.sh
KJOBS=${KJOBS:-2}
work=$cache/check
lock=$cache/.kbuild.lock
all_checks="apply checkpatch bisect builds sparse"

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
# patches[]: absolute patch paths in series order (the same parsing as
# scripts/ktree.sh: paths relative to the series file, "#" comments).
patches=()
read_series() {
	local line p sdir
	patches=()
	[ -f "$series" ] || return 0
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
}

pname() { basename "$1" .patch; }

# The patched tree (cached by ktree.sh); fails if the series does not apply.
tree_of_series() { "$KTREE" "$series" 2>/dev/null; }
baseline() { "$KTREE" --baseline; }

# Commits of the patched tree, oldest first (one per patch).
series_commits() {
	local t=$1 b
	b=$(git -C "$(baseline)" rev-parse HEAD)
	git -C "$t" rev-list --reverse "$b..HEAD"
}

# ---------------------------------------------------------------- builds
# Architectures built here (not by scripts/kbuild.sh): kernel ARCH and
# cross compiler prefix.
cross_arch() {
	case $1 in
	x86_64) echo "x86_64 " ;;
	arm64) echo "arm64 aarch64-linux-gnu-" ;;
	riscv64) echo "riscv riscv64-linux-gnu-" ;;
	powerpc64le) echo "powerpc powerpc64le-linux-gnu-" ;;
	*) return 1 ;;
	esac
}

# make in a kernel tree, serialized with every other kernel build.
kmake() {
	local src=$1 out=$2 karch=$3 cross=$4
	shift 4
	local cc=${cross}gcc
	mkdir -p "$(dirname "$lock")"
	flock "$lock" make -C "$src" O="$out" ARCH="$karch" \
		${cross:+CROSS_COMPILE=$cross} \
		CC="${ccache_on:+ccache }$cc" HOSTCC="${ccache_on:+ccache }gcc" \
		-j"$KJOBS" "$@"
}

# Write a config into OUT: tinyconfig, then the fragments (later ones win),
# then olddefconfig. Only rewrites .config when its content changes, so
# incremental builds stay incremental.
make_config() {
	local src=$1 out=$2 karch=$3 cross=$4
	shift 4
	local tmp=$out.cfgtmp
	rm -rf "$tmp"
	mkdir -p "$tmp" "$out"
	kmake "$src" "$tmp" "$karch" "$cross" -s tinyconfig >/dev/null
	cat "$@" >>"$tmp/.config"
	kmake "$src" "$tmp" "$karch" "$cross" -s olddefconfig >/dev/null 2>&1
	cmp -s "$tmp/.config" "$out/.config" || cp "$tmp/.config" "$out/.config"
	rm -rf "$tmp"
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
# prefix and the line/column numbers removed, so the same warning in a
# patched file compares equal.
norm_warnings() {
	local src=$1
	sed -n "s|^\($src/\)\{0,1\}\([^ :]*\):[0-9]*:\([0-9]*:\)\{0,1\} \(warning\|error\)\(.*\)|\2: \4\5|p" |
		sed 's/[[:space:]]*$//'
}

# Files of the tree that the series changes (relative paths).
touched_files() {
	local t=$1 b
	b=$(git -C "$(baseline)" rev-parse HEAD)
	git -C "$t" diff --name-only "$b" HEAD
}

# ---------------------------------------------------------------- checks
check_apply() {
	local out rc=0 failed= i p t n
	out=$("$KTREE" "$series" 2>&1 >/dev/null) || rc=$?
	ktap_plan ${#patches[@]}
	if [ $rc -eq 0 ]; then
		t=$("$KTREE" "$series" 2>/dev/null)
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

# The x86_64 default config of scripts/kbuild.sh for tree T: the build dir
# it prints holds the .config. Echoes the .config path.
kbuild_config() {
	local t=$1 b
	b=$("$KBUILD" x86_64 default "$t" 2>>"$work/kbuild.log") || return 1
	[ -f "$b/.config" ] || return 1
	echo "$b/.config"
}

# The dedicated incremental build: one detached worktree of the pristine
# repository and one O= dir, both reused from run to run.
bisect_src=$work/bisect/src
bisect_out=$work/bisect/build-x86_64

bisect_prepare() {
	local ksrc=$1 commit=$2
	if [ ! -e "$bisect_src/.git" ]; then
		git -C "$ksrc" worktree prune
		mkdir -p "$(dirname "$bisect_src")"
		git -C "$ksrc" worktree add -q --detach "$bisect_src" "$commit" >&2
	fi
	git -C "$bisect_src" checkout -q --detach -f "$commit"
}

# Build the bisect tree at COMMIT with CONFIG; result cached by the commit's
# tree id + config + compiler. Echoes the log path; returns the build status.
bisect_build() {
	local commit=$1 config=$2 ksrc=$3 key logf rc=0
	key=$({
		git -C "$ksrc" rev-parse "$commit^{tree}"
		cat "$config"
		tool_id ""
	} | hash)
	logf=$work/bisect/results/$key.log
	mkdir -p "$work/bisect/results"
	if [ -f "$work/bisect/results/$key.rc" ]; then
		echo "$logf"
		return "$(cat "$work/bisect/results/$key.rc")"
	fi
	bisect_prepare "$ksrc" "$commit"
	cmp -s "$config" "$bisect_out/.config" 2>/dev/null || {
		mkdir -p "$bisect_out"
		cp "$config" "$bisect_out/.config"
	}
	{
		kmake "$bisect_src" "$bisect_out" x86_64 "" olddefconfig &&
			kmake "$bisect_src" "$bisect_out" x86_64 ""
	} >"$logf" 2>&1 || rc=$?
	echo $rc >"$work/bisect/results/$key.rc"
	echo "$logf"
	return $rc
}

check_bisect() {
	local t config ksrc commits c i=0 logf rc touched warn
	t=$(tree_of_series) || ktap_skip_all bisect "the series does not apply (see series-apply)"
	[ -x "$KBUILD" ] || ktap_skip_all bisect "scripts/kbuild.sh not available"
	log "bisect: x86_64 default config (scripts/kbuild.sh)"
	ksrc=$(baseline)
	mapfile -t commits < <(series_commits "$t")
	ktap_plan ${#commits[@]}
	if ! config=$(kbuild_config "$ksrc"); then
		for c in "${commits[@]}"; do
			ktap_notok "bisect $(git -C "$t" log -1 --format=%s "$c")"
		done
		echo "scripts/kbuild.sh x86_64 default failed on the pristine tree" | ktap_diag
		tail -n 40 "$work/kbuild.log" | ktap_diag
		ktap_end
	fi
	exec 8>"$work/.bisect.lock"
	flock 8
	for c in "${commits[@]}"; do
		i=$((i + 1))
		name="bisect ${i}/${#commits[@]} $(git -C "$t" log -1 --format=%s "$c")"
		log "$name"
		rc=0
		logf=$(bisect_build "$c" "$config" "$ksrc") || rc=$?
		# New warnings in files this patch (or an earlier one) touches.
		touched=$(git -C "$t" diff --name-only "$(git -C "$ksrc" rev-parse HEAD)" "$c")
		warn=$(grep -E '^[^ ]+:[0-9]+:([0-9]+:)? (warning|error):' "$logf" |
			sed "s|^$bisect_src/||" |
			grep -F -f <(echo "$touched") || true)
		if [ $rc -ne 0 ]; then
			ktap_notok "$name"
			grep -E 'error|Error' "$logf" | head -n 40 | ktap_diag
			tail -n 20 "$logf" | ktap_diag
		elif [ -n "$warn" ]; then
			ktap_notok "$name"
			echo "new compiler warnings in files the series touches:" | ktap_diag
			echo "$warn" | ktap_diag
		else
			ktap_ok "$name"
		fi
	done
	ktap_end
}

# One cross build of tree T for ARCH with configs/cross-ARCH.config; cached
# by HEAD + fragment + compiler. Echoes the log; returns the build status.
cross_build() {
	local arch=$1 t=$2 karch cross frag key out logf rc=0
	read -r karch cross < <(cross_arch "$arch")
	frag=$here/configs/cross-$arch.config
	key=$({
		git -C "$t" rev-parse HEAD
		cat "$frag"
		tool_id "$cross"
	} | hash)
	out=$work/builds/$arch-$key
	logf=$out.log
	if [ -f "$out.rc" ]; then
		echo "$logf"
		return "$(cat "$out.rc")"
	fi
	# Keep one build dir per arch: drop the older ones.
	rm -rf "$work/builds/$arch"-*
	mkdir -p "$out"
	{
		make_config "$t" "$out" "$karch" "$cross" "$frag" &&
			kmake "$t" "$out" "$karch" "$cross"
	} >"$logf" 2>&1 || rc=$?
	echo $rc >"$out.rc"
	echo "$logf"
	return $rc
}

check_builds() {
	local t arch variant logf rc b
	t=$(tree_of_series) || ktap_skip_all builds "the series does not apply (see series-apply)"
	ktap_plan 5
	for v in x86_64:default arm64:default x86_64:nofeat; do
		arch=${v%%:*} variant=${v#*:}
		name="build $arch $variant"
		[ "$variant" = nofeat ] && name+=" (CONFIG_MEMBARRIER=n)"
		if [ ! -x "$KBUILD" ]; then
			ktap_skip "$name" "scripts/kbuild.sh not available"
			continue
		fi
		log "$name (scripts/kbuild.sh)"
		logf=$work/kbuild-$arch-$variant.log
		mkdir -p "$work"
		if b=$("$KBUILD" "$arch" "$variant" "$t" 2>"$logf"); then
			ktap_ok "$name"
			echo "build dir: $b" | ktap_diag
		else
			ktap_notok "$name"
			tail -n 40 "$logf" | ktap_diag
		fi
	done
	for arch in riscv64 powerpc64le; do
		name="build $arch tinyconfig+cross-$arch.config"
		read -r _ cross < <(cross_arch "$arch")
		if ! command -v "${cross}gcc" >/dev/null; then
			ktap_skip "$name" "${cross}gcc not installed"
			continue
		fi
		log "$name"
		rc=0
		logf=$(cross_build "$arch" "$t") || rc=$?
		if [ $rc -eq 0 ]; then
			ktap_ok "$name"
		else
			ktap_notok "$name"
			grep -E 'error|Error' "$logf" | head -n 40 | ktap_diag
			tail -n 20 "$logf" | ktap_diag
		fi
	done
	ktap_end
}

# sparse on FILES (.c, relative) in the bisect build at COMMIT; cached by
# tree id + files + config + tools. Echoes the normalized warnings file.
sparse_run() {
	local commit=$1 config=$2 ksrc=$3
	shift 3
	local key f objs=() res
	key=$({
		git -C "$ksrc" rev-parse "$commit^{tree}"
		echo "$@"
		cat "$config"
		tool_id ""
	} | hash)
	res=$work/sparse/$key
	mkdir -p "$work/sparse"
	if [ ! -f "$res.warn" ]; then
		bisect_prepare "$ksrc" "$commit"
		cmp -s "$config" "$bisect_out/.config" 2>/dev/null || {
			mkdir -p "$bisect_out"
			cp "$config" "$bisect_out/.config"
		}
		for f in "$@"; do
			objs+=("${f%.c}.o")
		done
		kmake "$bisect_src" "$bisect_out" x86_64 "" olddefconfig >/dev/null 2>&1
		kmake "$bisect_src" "$bisect_out" x86_64 "" C=2 CHECK=sparse \
			"${objs[@]}" >"$res.log" 2>&1 || true
		norm_warnings "$bisect_src" <"$res.log" | sort >"$res.warn"
	fi
	echo "$res"
}

check_sparse() {
	local t ksrc config files=() f head base res_b res_p new n
	t=$(tree_of_series) || ktap_skip_all sparse "the series does not apply (see series-apply)"
	[ -x "$KBUILD" ] || ktap_skip_all sparse "scripts/kbuild.sh not available"
	command -v sparse >/dev/null || ktap_skip_all sparse "sparse not installed"
	ksrc=$(baseline)
	config=$(kbuild_config "$ksrc") ||
		ktap_skip_all sparse "no x86_64 default config (scripts/kbuild.sh failed)"
	# .c files the series touches that the x86_64 build compiles, plus the
	# two main users of the touched headers.
	while IFS= read -r f; do
		case $f in
		kernel/*.c|arch/x86/*.c|mm/*.c)
			if [ -f "$(dirname "$config")/${f%.c}.o" ] ||
				[ -f "$bisect_out/${f%.c}.o" ]; then
				files+=("$f")
			fi ;;
		*.h)
			files+=(kernel/sched/core.c kernel/kthread.c) ;;
		esac
	done < <(touched_files "$t")
	mapfile -t files < <(printf '%s\n' "${files[@]}" | sed '/^$/d' | sort -u)
	[ ${#files[@]} -gt 0 ] ||
		ktap_skip_all sparse "the series touches no .c file built for x86_64 and no header"
	ktap_plan ${#files[@]}
	exec 8>"$work/.bisect.lock"
	flock 8
	base=$(git -C "$ksrc" rev-parse HEAD)
	head=$(git -C "$t" rev-parse HEAD)
	log "sparse: baseline ${files[*]}"
	res_b=$(sparse_run "$base" "$config" "$ksrc" "${files[@]}")
	log "sparse: patched ${files[*]}"
	res_p=$(sparse_run "$head" "$config" "$ksrc" "${files[@]}")
	for f in "${files[@]}"; do
		new=$(comm -13 <(grep -F "$f:" "$res_b.warn" || true) \
			<(grep -F "$f:" "$res_p.warn" || true))
		n=$(grep -cF "$f:" "$res_p.warn" || true)
		if [ -n "$new" ]; then
			ktap_notok "sparse $f"
			echo "new sparse warnings (not in the pristine tree):" | ktap_diag
			echo "$new" | ktap_diag
			grep -F "$f:" "$res_p.log" | head -n 40 | ktap_diag
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
	if [ ${#patches[@]} -eq 0 ]; then
		ktap_skip_all "$c" "no series yet"
	fi
	"check_$c"
}

# ---------------------------------------------------------------- selftest
selftest() {
	"$here/check-selftest.sh" "$@"
}

# ---------------------------------------------------------------- main
series=$here/series
only=$all_checks
run=
while [ $# -gt 0 ]; do
	case $1 in
	--series) series=$(realpath -m "$2"); shift 2 ;;
	--only) only=${2//,/ }; shift 2 ;;
	--run) run=$2; shift 2 ;;
	--selftest) shift; selftest "$@"; exit $? ;;
	-h|--help) usage; exit 0 ;;
	*) echo "check: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
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
	log "series-$c: start"
	t0=$(date +%s)
	"$TAPRUN" "series-$c" -- "$self" --series "$series" --run "$c"
	log "series-$c: $(tally "$RESULTS/series-$c.tap")" \
		"(exit $(cat "$RESULTS/series-$c.rc"), $(($(date +%s) - t0))s)"
done
log "done in $(($(date +%s) - start))s"
exit 0
