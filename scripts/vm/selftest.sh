#!/bin/bash
# Show that the VM harness's failure paths work. Prints KTAP.
#
#   1. a series with a patch that does not apply: scripts/ktree.sh exits 1,
#      names the patch and shows the failing hunk, and leaves no worktree
#   2. a guest whose init exits (syncore.crash=1: "Attempted to kill init",
#      panic=-1 with -no-reboot ends QEMU): boot.sh fails well within its
#      timeout, reports the panic with console output, collect.sh records
#      the boot as "not ok"
#   3. a guest that hangs (syncore.hang=1): boot.sh kills it at --timeout
#      and reports the timeout
#   4. a guest frozen once (its QEMU stopped with SIGSTOP during the
#      guest's syncore.pause, as a lost timer wakeup under load freezes
#      it): boot.sh sees no console output for
#      --stall seconds, kills it, boots it again, passes, and collect.sh
#      notes the retry; frozen twice: the boot fails, showing both consoles
#
# Usage: scripts/vm/selftest.sh [ARCH]   (default x86_64; builds the
# baseline default kernel of check-vm, with the SYNC_CORE checker, through
# scripts/kbuild.sh if it is not cached)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export SYNCORE_CACHE=${SYNCORE_CACHE:-$HOME/.cache/syncore}
arch=${1:-x86_64}
tmp=$(mktemp -d /tmp/syncore-vm-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=scripts/ktap.sh
. "$top/scripts/ktap.sh"
check() { ktap_result "$2" "$1"; }

ktap_header 10

# 1. A patch that does not apply.
cat >"$tmp/0001-good.patch" <<'EOP'
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: Selftest <selftest@localhost>
Date: Sat, 1 Jan 2000 00:00:00 +0000
Subject: [PATCH 1/2] README: add a line

---
 README | 1 +
 1 file changed, 1 insertion(+)

diff --git a/README b/README
--- a/README
+++ b/README
@@ -1,3 +1,4 @@
+syncore selftest
 Linux kernel
 ============
 
-- 
2.39.5
EOP
sed 's/^ Linux kernel$/ Linux kernal/; s/add a line/add a broken line/; s/PATCH 1\/2/PATCH 2\/2/' \
	"$tmp/0001-good.patch" >"$tmp/0002-broken.patch"
printf '# selftest series\n0001-good.patch\n0002-broken.patch\n' >"$tmp/series"
ksrc=$("$top/scripts/ksrc.sh")
before=$(git -C "$ksrc" worktree list | wc -l)
"$top/scripts/ktree.sh" "$tmp/series" >"$tmp/kt.out" 2>"$tmp/kt.err"
rc=$?
sed 's/^/# /' "$tmp/kt.err"
check $([ $rc = 1 ] && echo 0 || echo 1) "ktree.sh exits 1 on a patch that does not apply (got $rc)"
grep -q 'patch does not apply: .*0002-broken.patch' "$tmp/kt.err" &&
	grep -q 'while searching for' "$tmp/kt.err"
check $? "ktree.sh names the patch and shows the failing hunk"
after=$(git -C "$ksrc" worktree list | wc -l)
check $([ "$before" = "$after" ] && echo 0 || echo 1) "no worktree is left behind ($before -> $after)"

# 2. A guest that panics, 3. one that hangs.
tree=$("$top/scripts/ktree.sh" "$top/kernel-patches/debug/series")
kdir=$(KBUILD_EXTRA_CONFIGS=$top/kernel-patches/debug/checker.config \
	"$top/scripts/kbuild.sh" "$arch" default "$tree") ||
	{ echo "Bail out! cannot build the $arch kernel"; exit 1; }
image=$kdir/$("$top/scripts/kbuild.sh" --image "$arch")
VM_TOOLS= "$here/mkimage.sh" "$arch" "$tree" "$tmp/img" >/dev/null 2>"$tmp/mk.err" ||
	{ sed 's/^/# /' "$tmp/mk.err"; echo "Bail out! mkimage failed"; exit 1; }

start=$SECONDS
"$here/boot.sh" --accel tcg --timeout 300 --append syncore.crash=1 \
	"$arch" "$image" "$tmp/img/initramfs.cpio" "$tmp/crash.log" 2>"$tmp/crash.err"
rc=$? secs=$((SECONDS - start))
sed 's/^/# /' "$tmp/crash.err" | tail -n 15
check $([ $rc = 1 ] && [ $secs -lt 300 ] && echo 0 || echo 1) \
	"a panicking guest fails in ${secs}s, before the 300 s timeout (rc=$rc)"
grep -q 'kernel panic: .*Attempted to kill init' "$tmp/crash.err"
check $? "the failure names the panic and shows the console"
RESULTS=$tmp/res "$here/collect.sh" "$tmp/crash.log" vm-selftest >/dev/null 2>&1
grep -q '^not ok 1 guest ran to completion' "$tmp/res/vm-selftest-boot.tap" &&
	grep -q '^not ok' "$tmp/res/vm-selftest-dmesg.tap"
check $? "collect.sh records the crashed guest as failed (boot and dmesg)"

start=$SECONDS
"$here/boot.sh" --accel tcg --timeout 40 --append syncore.hang=1 \
	"$arch" "$image" "$tmp/img/initramfs.cpio" "$tmp/hang.log" 2>"$tmp/hang.err"
rc=$? secs=$((SECONDS - start))
sed 's/^/# /' "$tmp/hang.err" | head -n 3
grep -q 'timed out after 40s' "$tmp/hang.err" && [ $rc = 1 ] && [ $secs -lt 60 ]
check $? "a hanging guest is killed at its timeout and reported (${secs}s)"

# 4. Frozen guests. freeze TAG COUNT LOG: SIGSTOP the first COUNT QEMUs
# booted with syncore.tag=TAG, each once its console LOG shows that init
# has entered its syncore.pause (not at the start of a line: the live log
# still holds terminal escapes). A QEMU only exists after its shell has
# truncated LOG, so the marker is always the current boot's.
freeze() {
	local seen=' ' pid i
	for i in $(seq 1 600); do
		for pid in $(pgrep -f "syncore.tag=$1" || true); do
			case $(cat "/proc/$pid/comm" 2>/dev/null) in
			qemu-system-*) ;;
			*) continue ;;
			esac
			case $seen in *" $pid "*) continue ;; esac
			grep -q '@@SYNCORE-PAUSE' "$3" 2>/dev/null || continue
			kill -STOP "$pid" 2>/dev/null && seen="$seen$pid "
		done
		[ "$(echo $seen | wc -w)" -lt "$2" ] || return 0
		sleep 0.5
	done
}
for frozen in 1 2; do
	tag=stall$frozen.$$
	freeze "$tag" $frozen "$tmp/$tag.log" &
	fpid=$!
	start=$SECONDS
	"$here/boot.sh" --accel tcg --timeout 300 --stall 20 \
		--append "syncore.tag=$tag syncore.pause=10 syncore.only=none" \
		"$arch" "$image" "$tmp/img/initramfs.cpio" "$tmp/$tag.log" \
		2>"$tmp/$tag.err"
	rc=$? secs=$((SECONDS - start))
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	grep '^boot:' "$tmp/$tag.err" | sed 's/^/# /'
	if [ $frozen = 1 ]; then
		[ $rc = 0 ] && [ -f "$tmp/$tag.log.retried" ] && [ $secs -lt 150 ]
		check $? "a guest frozen once is killed after 20 s of silence and passes on its second boot (rc=$rc, ${secs}s)"
		RESULTS=$tmp/res "$here/collect.sh" "$tmp/$tag.log" vm-stall \
			>"$tmp/collect.out" 2>&1
		crc=$?
		grep -q '^ok 1 guest ran to completion (on a second boot, after a hang)' \
			"$tmp/res/vm-stall-boot.tap" && grep -q '^# hung: no console output' \
			"$tmp/res/vm-stall-boot.tap"
		rc=$?
		if [ $rc != 0 ]; then
			ktap_diag "collect.sh exit $crc; its output, then vm-stall-boot.tap:"
			cat "$tmp/collect.out" "$tmp/res/vm-stall-boot.tap" 2>&1 | ktap_diag
		fi
		check $rc "collect.sh passes it with a note of the hang"
	else
		[ $rc = 1 ] && grep -q 'hung twice' "$tmp/$tag.err" &&
			grep -q "first console's last lines" "$tmp/$tag.err"
		check $? "a guest frozen twice fails, showing both consoles (rc=$rc, ${secs}s)"
	fi
done

ktap_finish
