#!/bin/bash
# Boot a test kernel with an initramfs in QEMU and keep the console log.
#
# Usage: scripts/vm/boot.sh [options] ARCH IMAGE INITRD CONSOLE_LOG
#   --accel auto|kvm|tcg  (default $SYNCORE_ACCEL or auto: KVM when /dev/kvm
#                         works for ARCH on this host, else TCG)
#   --timeout S           hard limit for the whole guest (default 900)
#   --stall S             a guest whose console stays silent for S seconds
#                         (default 120; 0: never) is a hung guest: it is
#                         killed and booted once more. The guest's init
#                         prints a heartbeat every 20 s, so only a frozen
#                         guest (or QEMU) goes silent.
#   --smp N  --mem MB     (default 4 and 1024)
#   --append "ARGS"       more kernel command line
#   --plugin "SO[,ARG=V...]"  load a TCG plugin (the oracle); needs TCG
#   --icount              TCG with -icount shift=0,sleep=off: guest time is
#                         the guest's instruction count (make bench-vm)
#
# KVM is probed once per host boot with a short guest (20 s limit: nested
# KVM can hang right after the firmware); the result is cached in
# $SYNCORE_CACHE/vm/kvm-probe. The accelerator that ran is printed and
# written to CONSOLE_LOG.accel.
#
# Exit 0 when the guest ran to its end marker (@@SYNCORE-DONE) and powered
# off; 1 on a timeout, a panic, missing markers or two hangs, with the
# reason and the last 50 console lines on stderr. A hang that a second boot
# recovers from is a pass: CONSOLE_LOG.retried says what happened and keeps
# the first console's tail.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${SYNCORE_CACHE:-$HOME/.cache/syncore}
accel=${SYNCORE_ACCEL:-auto} tmo=900 smp=4 mem=1024 append= stall=120 plugin=
icount=0 icount_arg=
die() { echo "boot: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case $1 in
	--accel) accel=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--stall) stall=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--plugin) plugin=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	-*) echo "boot: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 4 ] || { echo "usage: $0 [options] ARCH IMAGE INITRD CONSOLE_LOG" >&2; exit 2; }
arch=$1 image=$2 initrd=$3 log=$4
[ -f "$image" ] || die "no kernel image $image"
[ -f "$initrd" ] || die "no initramfs $initrd"

base_append="panic=-1 loglevel=4 log_buf_len=1M"
# shellcheck source=scripts/lib.sh
. "$here/../lib.sh"
arch_info "$arch" && [ "$qemu" != - ] || die "no guest for ARCH '$arch'"
hostarch=${gnu%%-*}
qemu=("$qemu" -M "$machine" -smp "$smp" -m "$mem" -nographic -no-reboot \
	-net none -kernel "$image" -initrd "$initrd")
if [ -n "$plugin" ]; then
	# KVM runs guest code natively: a plugin sees nothing there.
	[ "${accel}" != kvm ] || die "--plugin needs TCG, not --accel kvm"
	accel=tcg
	qemu+=(-plugin "$plugin")
fi
if [ $icount = 1 ]; then
	# Instruction counting is TCG's (and serializes its vCPUs).
	[ "${accel}" != kvm ] || die "--icount needs TCG, not --accel kvm"
	accel=tcg
	qemu+=(-icount shift=0,sleep=off)
	icount_arg=" syncore.icount=1"	# the guest may need to know
fi

# run_qemu ACCEL TIMEOUT LOG APPEND [STALL]: QEMU's exit status (124:
# timed out, 125: no console output for STALL seconds).
run_qemu() {
	local a=$1 t=$2 l=$3 extra=$4 st=${5:-0} c=$cpu
	[ "$a" = tcg ] || c=host
	local rc=0 pid size last=-1 quiet=0
	timeout -k 5 "$t" "${qemu[@]}" -accel "$a" -cpu "$c" \
		-append "console=$console $base_append syncore.accel=$a${icount_arg} $extra" \
		</dev/null >"$l" 2>"$l.qemu-stderr" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		size=$(stat -c %s "$l" 2>/dev/null || echo 0)
		if [ "$size" != "$last" ]; then
			last=$size quiet=0
		else
			quiet=$((quiet + 2))
		fi
		if [ "$st" -gt 0 ] && [ $quiet -ge "$st" ]; then
			kill "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			rc=125
			break
		fi
	done
	[ $rc = 125 ] || wait "$pid" || rc=$?
	# No CRs, no terminal escapes from the firmware.
	tr -d '\r' <"$l" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[c]//g' \
		>"$l.tmp" && mv "$l.tmp" "$l"
	return $rc
}

kvm_usable() {
	[ "$(uname -m)" = "$hostarch" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] ||
		return 1
	local bid f
	bid=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo none)
	f=$cache/vm/kvm-probe-$arch
	if [ -f "$f" ] && [ "$(head -n 1 "$f")" = "$bid" ]; then
		[ "$(sed -n 2p "$f")" = yes ]
		return
	fi
	mkdir -p "$cache/vm"
	echo "boot: probing KVM (20 s limit)" >&2
	local ok=no start=$SECONDS rc=0 why
	run_qemu kvm 20 "$f.log" "syncore.probe=1" || rc=$?
	if grep -q '@@SYNCORE-PROBE-OK' "$f.log"; then
		ok=yes why="the probe guest booted"
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		why="the probe guest hung (20 s)"
	else
		why="qemu exit $rc: $(grep -v warning "$f.log.qemu-stderr" | tail -n 1)"
	fi
	echo "boot: KVM probe: $ok, $why ($((SECONDS - start)) s)" >&2
	printf '%s\n%s\n' "$bid" "$ok" >"$f"
	[ $ok = yes ]
}

case $accel in
auto) if kvm_usable; then accel=kvm; else accel=tcg; fi ;;
kvm|tcg) ;;
*) die "unknown accel '$accel'" ;;
esac
echo "$accel" >"$log.accel"
echo "boot: $arch guest, accel=$accel, smp=$smp, mem=${mem}M, timeout=${tmo}s" >&2
start=$SECONDS
rc=0
rm -f "$log.retried"
run_qemu "$accel" "$tmo" "$log" "$append" "$stall" || rc=$?
if [ $rc -eq 125 ]; then
	first=$((SECONDS - start))
	{
		echo "hung: no console output for ${stall}s, killed after ${first}s and booted again; first console's last lines:"
		tail -n 20 "$log" | sed 's/^/  | /'
	} >"$log.retried"
	echo "boot: $arch guest hung (no console output for ${stall}s after ${first}s): booting it once more" >&2
	start=$SECONDS
	rc=0
	run_qemu "$accel" "$tmo" "$log" "$append" "$stall" || rc=$?
fi
secs=$((SECONDS - start))
echo "$secs" >"$log.seconds"

reason=
if grep -q '^@@SYNCORE-DONE' "$log"; then
	:
elif [ $rc -eq 125 ]; then
	reason="hung twice (no console output for ${stall}s each time)"
	cat "$log.retried" >&2
elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	reason="timed out after ${tmo}s"
elif grep -q 'Kernel panic' "$log"; then
	reason="kernel panic: $(grep -m1 'Kernel panic' "$log")"
else
	reason="no end marker (qemu exit $rc)"
fi
if [ -n "$reason" ]; then
	echo "$reason" >"$log.failure"
	{
		echo "boot: $arch guest FAILED after ${secs}s: $reason"
		echo "boot: last 50 console lines ($log):"
		tail -n 50 "$log" | sed 's/^/  | /'
		[ ! -s "$log.qemu-stderr" ] || sed 's/^/  qemu: /' "$log.qemu-stderr"
	} >&2
	exit 1
fi
rm -f "$log.failure"
echo "boot: $arch guest finished in ${secs}s (accel=$accel)$([ ! -f "$log.retried" ] || echo ', after one hang and a second boot')" >&2
