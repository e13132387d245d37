#!/bin/bash
# kernel-patches/sign.sh signs with the sender's identity and refuses what
# it should. KTAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ktap.sh
. "$here/../../scripts/ktap.sh"
sign=$here/../sign.sh
series=$here/../series
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
placeholder="Syncore Developers <syncore@example.org>"
n=$(($(sed 's/#.*//; /^[[:space:]]*$/d' "$series" | wc -l) + 1))

ktap_header 3
GIT_AUTHOR_NAME="Ada Lovelace" GIT_AUTHOR_EMAIL=ada@example.com \
	"$sign" --out "$tmp/out" >"$tmp/log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/log"
froms=$(grep -h '^From: ' "$tmp/out"/*.patch 2>/dev/null | sort -u)
sobs=$(grep -h '^Signed-off-by: ' "$tmp/out"/*.patch 2>/dev/null | sort -u)
[ $rc -eq 0 ] && [ "$(ls "$tmp/out" | wc -l)" -eq "$n" ] &&
	[ "$froms" = "From: Ada Lovelace <ada@example.com>" ] &&
	[ "$sobs" = "Signed-off-by: Ada Lovelace <ada@example.com>" ] &&
	! grep -qF "$placeholder" "$tmp/out"/*.patch
ktap_result "the cover letter and $((n - 1)) patches signed as the sender, no placeholder left" $?

# No identity at all: no global config, no environment, no repository.
(cd "$tmp" && env -u GIT_AUTHOR_NAME -u GIT_AUTHOR_EMAIL -u EMAIL \
	HOME="$tmp" GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
	"$sign" --out "$tmp/none" >"$tmp/log" 2>&1)
rc=$?
sed 's/^/# /' "$tmp/log"
[ $rc -eq 1 ] && grep -q 'no git identity' "$tmp/log"
ktap_result "no git identity: refused" $?

# A patch already signed by someone: refused, not silently copied.
mkdir -p "$tmp/s"
printf 'From: Someone Else <se@example.com>\n\nbody\n' >"$tmp/s/0001-x.patch"
echo 0001-x.patch >"$tmp/s/series"
GIT_AUTHOR_NAME="Ada Lovelace" GIT_AUTHOR_EMAIL=ada@example.com \
	"$sign" --series "$tmp/s/series" --out "$tmp/s/out" >"$tmp/log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/log"
[ $rc -eq 1 ] && grep -q 'no placeholder' "$tmp/log"
ktap_result "a patch without the placeholder: refused" $?
ktap_finish
