# Helpers for the tests of the modes and runtime profiles, sourced by
# host-tests.sh and cross-tests.sh after the KTAP helpers. bash.

profiles_rst=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/Documentation/stress-syncore.rst

# table_names RUN... SECTION: the names -h lists under "SECTION (".
table_names()
{
	local section=${*: -1}
	"${@:1:$#-1}" -h | awk -v s="$section (" '
		index($0, s) == 1 { on = 1; next }
		on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 }'
}

# profile_expect ARCH: "NAME yes|no" from the manual's verdict table.
profile_expect()
{
	awk -v arch="$1" '
		$1 == "profile" && $2 == "x86_64" {
			for (i = 2; i <= NF; i++)
				col[$i] = i
			on = 1
			next
		}
		on && /^=/ { if (++rules == 2) exit; next }
		on && NF { print $1, $col[arch] }' "$profiles_rst"
}

# profile_verdicts NAME ARCH RUN...: each profile of -h runs 1 s with
# RUN... (the binary, maybe behind an emulator) and prints the verdict the
# manual's table gives for ARCH; every profile is in the table.
profile_verdicts()
{
	local name=$1 arch=$2 p want got rc ok=0 expect
	shift 2
	expect=$(profile_expect "$arch")
	for p in $(table_names "$@" "Runtime profiles"); do
		want=$(echo "$expect" | awk -v p="$p" '$1 == p { print $2 }')
		"$@" --profile "$p" -t 2 -d 1 --wx inplace >"$out" 2>&1
		rc=$?
		case $(sed -n 's/^  verdict: *\([a-z]*\) by .*/\1/p' "$out") in
		sufficient) got=yes ;;
		insufficient) got=no ;;
		*) got=none ;;
		esac
		ktap_diag "$p: sufficient: $got (manual: ${want:-missing}), exit $rc"
		if [ "$rc" -ne 0 ] || [ "$got" != "$want" ] ||
		   ! grep -q "^profile $p: .*; as read in " "$out"; then
			tail -n 5 "$out" | sed 's/^/# /'
			ok=1
		fi
	done
	[ -n "$expect" ] || { ktap_diag "no verdict table in $profiles_rst"; ok=1; }
	ktap_result "$name" $ok
}
