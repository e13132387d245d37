#!/bin/bash
# series-apply: the series applies in order with "git am" onto the pristine
# tree (scripts/ktree.sh); one result per patch, the failing one names the
# patch and shows the hunks that fail, the later ones SKIP.
. "$(dirname "$0")/lib.sh" "$@"

rc=0
out=$("$KTREE" "${series[@]}" 2>&1 >/dev/null) || rc=$?
failed=
[ $rc -eq 0 ] || failed=$(sed -n 's/^ktree: patch does not apply: //p' <<<"$out" | head -n 1)
[ $rc -eq 0 ] || [ -n "$failed" ] ||
	failed=$(sed -n "s/^ktree: patch '.*' not found (\(.*\))$/\1/p" <<<"$out")
[ $rc -eq 0 ] || [ -n "$failed" ] || failed=${patches[0]}
ktap_header ${#patches[@]}
state=ok
for p in "${patches[@]}"; do
	if [ $state = skip ]; then
		ktap_skip "apply $(pname "$p")" "an earlier patch does not apply"
	elif [ "$p" = "$failed" ]; then
		ktap_not_ok "apply $(pname "$p")"
		ktap_diag <<<"$out"
		state=skip
	else
		ktap_ok "apply $(pname "$p")"
	fi
done
[ $rc -ne 0 ] || echo "# tree: $(tree_of_series)"
ktap_finish
