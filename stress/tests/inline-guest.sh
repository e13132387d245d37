#!/bin/sh
# Print guest test SCRIPT as one self-contained script for busybox sh:
# the KTAP helpers inlined after its #! line.
#
# Usage: tests/inline-guest.sh SCRIPT
here=$(cd "$(dirname "$0")" && pwd)
echo '#!/bin/sh'
cat "$here/../../scripts/ktap.sh" "$here/ktap-stress.sh" || exit 1
sed 1d "${1:?usage: $0 SCRIPT}"
