#!/bin/bash
# series-bisect: for each patch i, the tree with patches 1..i builds for
# x86_64 (kbuild.sh's default config of the whole series) with no compiler
# warning in a file the series touches up to i. One forward walk in one
# worktree and build dir (lib.sh): an incremental make per commit; a
# commit that changes only what an x86_64 build never reads (Documentation,
# tools, other arches) takes the previous result. Results are kept by
# (tree, config, tools), so a rerun builds only what changed.
. "$(dirname "$0")/lib.sh" "$@"

t=$(tree_of_series) || ktap_skip_all bisect "the series does not apply (see the apply check)"
log "bisect: the whole series for x86_64 (scripts/kbuild.sh)"
if ! kb_of_series "$t"; then
	ktap_header 1
	ktap_not_ok "bisect: the x86_64 default config"
	tail -n 40 "$work/kbuild.log" | ktap_diag
	ktap_finish
fi
cfg=$kb/.config
mapfile -t commits < <(series_commits "$t")
res=$work/bisect
mkdir -p "$res"

outside_x86() {
	! git -C "$ksrc" diff --name-only "$1" "$2" |
		grep -vqE '^(Documentation/|tools/|LICENSES/|MAINTAINERS$|CREDITS$|arch/([^x]|x[^8]))'
}

exec 8>"$work/.walk.lock"
flock 8
prev=
for i in "${!commits[@]}"; do
	c=${commits[i]} r=$res/$(res_key "${commits[i]}" "$cfg")
	p=${prev:+$res/$(res_key "$prev" "$cfg")}
	prev=$c
	[ ! -f "$r.rc" ] || continue
	if [ -n "$p" ] && [ -f "$p.rc" ] && outside_x86 "${commits[i - 1]}" "$c"; then
		{ echo "# as the previous commit: only files outside the x86_64 build differ"
		  cat "$p.log"; } >"$r.log"
		cp "$p.rc" "$r.rc"
		continue
	fi
	log "bisect: build $((i + 1))/${#commits[@]}"
	rc=0
	{ wt_checkout "$c" "$cfg" && wt_make bzImage; } >"$r.log" 2>&1 || rc=$?
	# An interrupted build (no "Error N" from make) is not a result.
	if [ $rc -eq 0 ] || grep -q '\*\*\* .* Error [0-9]' "$r.log"; then
		echo $rc >"$r.rc"
	fi
done
exec 8>&-

ktap_header ${#commits[@]}
for i in "${!commits[@]}"; do
	c=${commits[i]} r=$res/$(res_key "${commits[i]}" "$cfg")
	name="bisect $((i + 1))/${#commits[@]} $(git -C "$t" log -1 --format=%s "$c")"
	if [ ! -f "$r.rc" ]; then
		ktap_not_ok "$name"
		ktap_diag "no result: the build was interrupted"
		continue
	fi
	warn=$(touched_warnings "$r.log" "$t" "$c")
	if [ "$(cat "$r.rc")" -ne 0 ]; then
		ktap_not_ok "$name"
		{ grep -E 'error|Error' "$r.log" || true; } | head -n 40 | ktap_diag
	elif [ -n "$warn" ]; then
		ktap_not_ok "$name"
		ktap_diag "compiler warnings in files the series touches:"
		ktap_diag <<<"$warn"
	else
		ktap_ok "$name"
	fi
done
ktap_finish
