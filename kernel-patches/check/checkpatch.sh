#!/bin/bash
# series-checkpatch: per patch, checkpatch.pl --strict of the pristine tree
# reports no error or warning (CHECKs are shown; UNKNOWN_COMMIT_ID is
# ignored: the tree has no history to look Fixes: ids up in), there is a Signed-off-by
# and a changelog body. Results are kept by patch and checkpatch content.
. "$(dirname "$0")/lib.sh" "$@"

dir=$work/checkpatch
mkdir -p "$dir"
ktap_header ${#patches[@]}
for p in "${patches[@]}"; do
	name="checkpatch $(pname "$p")"
	if [ ! -f "$p" ]; then
		ktap_not_ok "$name"
		ktap_diag "$p: no such file"
		continue
	fi
	key=$(cat "$p" "$ksrc/scripts/checkpatch.pl" | hash)
	if [ ! -f "$dir/$key.out" ]; then
		log "checkpatch $(pname "$p")"
		# With --strict it exits 1 on CHECKs too: judge by the totals.
		# The pristine tree is Debian's tarball, with no git history:
		# checkpatch cannot look up the commit a Fixes: tag names
		# (UNKNOWN_COMMIT_ID), though it still checks the tag's form.
		(cd "$ksrc" && ./scripts/checkpatch.pl --strict --show-types \
			--ignore UNKNOWN_COMMIT_ID "$p" \
			>"$dir/$key.out.tmp" 2>&1) || true
		mv "$dir/$key.out.tmp" "$dir/$key.out"
	fi
	problems=
	if ! grep -q '^total: 0 errors, 0 warnings' "$dir/$key.out"; then
		problems+="checkpatch.pl --strict reports errors or warnings:"$'\n'
		problems+=$(cat "$dir/$key.out")$'\n'
	fi
	grep -q '^Signed-off-by: .\+ <.\+@.\+>' "$p" ||
		problems+="no Signed-off-by line"$'\n'
	# The changelog: lines between the headers and "---", not trailers.
	body=$(awk '!hdr && /^$/ { hdr = 1; next } !hdr { next } /^---$/ { exit }
		/^[A-Za-z-]+: / { next } /[^[:space:]]/ { n++ } END { print n + 0 }' "$p")
	[ "$body" -gt 0 ] || problems+="empty changelog body"$'\n'
	if [ -n "$problems" ]; then
		ktap_not_ok "$name"
		printf '%s' "$problems" | ktap_diag
	else
		ktap_ok "$name"
		{ grep -A3 '^CHECK:' "$dir/$key.out" || true; } | ktap_diag
	fi
done
ktap_finish
