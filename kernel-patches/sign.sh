#!/bin/bash
# Sign a series with the sender's own identity before sending it.
#
# Usage: kernel-patches/sign.sh [--series FILE] --out DIR
#
# The patches carry a placeholder author and Signed-off-by ("Syncore
# Developers <syncore@example.org>"): a developer who sends the series must
# sign it as themselves. This writes a copy of the series' patches and its
# cover letter (0000-cover-letter.patch beside the series file) into DIR
# with the placeholder replaced, in From: and in Signed-off-by:, by the
# sender's git identity (git var GIT_AUTHOR_IDENT: user.name and
# user.email, or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL; never a guess from
# the host name), as b4 prep does for its own series. The repository's
# copy is not touched. Review DIR, then e.g.
# "git send-email --to=... DIR/*.patch".
#
# Exit status: 0 signed, 1 no usable identity or a patch without the
# placeholder, 2 usage error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
placeholder="Syncore Developers <syncore@example.org>"
series=$here/series out=

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--series) series=${2:?--series needs a file}; shift 2 ;;
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "sign: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || { echo "sign: --out DIR is required" >&2; exit 2; }
[ -f "$series" ] || { echo "sign: no series file $series" >&2; exit 2; }

# "Name <email>" from GIT_AUTHOR_IDENT ("Name <email> time zone").
ident=$(git -c user.useConfigOnly=true var GIT_AUTHOR_IDENT 2>/dev/null | sed 's/>.*/>/') || ident=
case $ident in
""|"$placeholder"|*"<>"|*"<(none)>"|*"@(none)>")
	echo "sign: no git identity to sign with (set user.name and user.email, or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL)" >&2
	exit 1 ;;
esac
case $ident in
*\|*|*\\*) echo "sign: refusing an identity with '|' or '\\': $ident" >&2; exit 1 ;;
esac

dir=$(dirname "$series")
patches=()
[ ! -f "$dir/0000-cover-letter.patch" ] || patches+=("$dir/0000-cover-letter.patch")
while read -r p; do
	patches+=("$dir/$p")
done < <(sed 's/#.*//; /^[[:space:]]*$/d' "$series")

mkdir -p "$out"
bad=0
for p in "${patches[@]}"; do
	if ! grep -qF "$placeholder" "$p"; then
		echo "sign: $(basename "$p"): no placeholder identity to replace" >&2
		bad=1
		continue
	fi
	sed -e "s|^From: $placeholder\$|From: $ident|" \
	    -e "s|^Signed-off-by: $placeholder\$|Signed-off-by: $ident|" \
	    "$p" >"$out/$(basename "$p")"
	if grep -qF "$placeholder" "$out/$(basename "$p")"; then
		echo "sign: $(basename "$p"): the placeholder is still there (outside From: and Signed-off-by:)" >&2
		bad=1
	fi
done
[ $bad = 0 ] || exit 1
echo "signed ${#patches[@]} files as $ident in $out"
