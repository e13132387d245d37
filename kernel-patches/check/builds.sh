#!/bin/bash
# series-builds: the whole series builds through scripts/kbuild.sh (shared
# with the VM tests) for each ARCH:VARIANT of $CHECK_BUILDS (default: x86_64
# and arm64 default, x86_64 nofeat, riscv64, powerpc64le, and the objects
# that expand the arm and s390 hooks and, on um, the generic default), with
# no compiler warning in a file
# the series touches. $KBUILD_EXTRA_CONFIGS reaches kbuild.sh.
. "$(dirname "$0")/lib.sh" "$@"

builds=${CHECK_BUILDS:-x86_64:default arm64:default x86_64:nofeat riscv64:default powerpc64le:default arm:default s390:default um:default}
t=$(tree_of_series) || ktap_skip_all builds "the series does not apply (see the apply check)"
ktap_header "$(wc -w <<<"$builds")"
for v in $builds; do
	arch=${v%%:*} variant=${v#*:}
	name="build $arch $variant"
	[ "$variant" != nofeat ] || name+=" (CONFIG_MEMBARRIER=n)"
	case $arch in
	arm|s390) name="compile $arch (the objects that use its hooks)" ;;
	um) name="compile um (the objects that use the generic default)" ;;
	esac
	log "$name"
	err=$work/kbuild-$arch-$variant.log
	if b=$("$KBUILD" "$arch" "$variant" "$t" 2>"$err"); then
		warn=$(touched_warnings "$b/build.log" "$t")
		if [ -n "$warn" ]; then
			ktap_not_ok "$name"
			ktap_diag "compiler warnings in files the series touches:"
			ktap_diag <<<"$warn"
		else
			ktap_ok "$name"
		fi
		ktap_diag "build dir: $b"
	elif grep -q 'gcc not found' "$err"; then
		ktap_skip "$name" "$(grep -m1 'gcc not found' "$err")"
	else
		ktap_not_ok "$name"
		tail -n 40 "$err" | ktap_diag
	fi
done
ktap_finish
