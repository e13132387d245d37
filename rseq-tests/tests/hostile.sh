#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rseq-tests used as a hostile but fair user would: resource limits, one
# allowed CPU, a refused sched_setaffinity(), seccomp filters refusing
# rseq or one membarrier command, bad option values, a signal to the
# runner. Each must end in a verdict that blames the environment (SKIP),
# or the usage (exit 2), never the kernel ("not ok"), and never a hang,
# a crash or a false pass. KTAP output; exits 0, 1, or 4.
#
# Usage: tests/hostile.sh BINDIR
#   BINDIR holds rseq_percpu, rseq_fence, rseq_abi and deny-syscall.
#
# The process limits are per user and do not bind root: as root, those
# tests run as an otherwise unused uid (setpriv); as another user, they
# SKIP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/ktap.sh"

bindir=$(cd "${1:?usage: $0 BINDIR}" && pwd) || exit 2
deny=$bindir/deny-syscall
progs="rseq_percpu rseq_fence rseq_abi"
uid=61234

# Without pgrep and pkill (procps, which scripts/deps.sh installs) the
# signal tests could not see an orphan: refuse, rather than pass blind.
for c in setsid timeout pgrep pkill; do
	if ! command -v "$c" >/dev/null; then
		echo "Bail out! hostile.sh needs $c (procps, coreutils, util-linux)"
		exit 1
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
rc=0

# A copy the unprivileged uid can run.
chmod 755 "$tmp"
mkdir "$tmp/bin"
for p in $progs; do
	install -m 755 "$bindir/$p" "$tmp/bin/$p" || exit 1
done

# run LIMIT COMMAND...: output in $out, exit status in $rc. In a session
# of its own, so that what a failing run leaves behind is killed too.
run()
{
	local limit=$1 sid
	shift
	setsid timeout -k 2 "$limit" "$@" </dev/null >"$out" 2>&1 &
	sid=$!
	wait "$sid"
	rc=$?
	pkill -KILL -s "$sid"
}

# prog NAME: the command line that starts program NAME.
prog()
{
	if [ "$1" = rseq_abi ]; then
		echo "env GLIBC_TUNABLES=glibc.pthread.rseq=0 $tmp/bin/$1"
	else
		echo "$tmp/bin/$1"
	fi
}

has() { grep -qE -- "$1" "$out"; }

# The run ended in a verdict (pass or skip) and no result blames the kernel.
fair()
{
	! has '^not ok |killed by signal|Bail out' && { [ $rc = 0 ] || [ $rc = 4 ]; }
}

# check NAME CONDITION...: the KTAP result, with the output when it fails.
check()
{
	local name=$1
	shift
	if "$@"; then
		ktap_ok "$name"
	else
		ktap_diag "exit status $rc; output:"
		tail -n 15 "$out" | ktap_diag
		ktap_not_ok "$name"
	fi
}

# as_nobody LIMIT NPROC COMMAND...: run as the unused uid, RLIMIT_NPROC
# set to NPROC.
as_nobody()
{
	local limit=$1 nproc=$2
	shift 2
	run "$limit" setpriv --reuid=$uid --regid=$uid --clear-groups \
		prlimit --nproc="$nproc" "$@"
}

can_switch_uid()
{
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
		command -v prlimit >/dev/null
}

ktap_header 25

# ---- process and memory limits ----

if can_switch_uid; then
	as_nobody 30 4 $(prog rseq_percpu) -t 1 -d 0.3 -c counter_exact
	check "nproc 4: counter_exact never passes without its signals" \
		eval 'fair && ! has " 0 signals"'
	as_nobody 20 2 $(prog rseq_percpu) -d 0.3 -c abort_on_signal_in_cs
	check "nproc 2: abort_on_signal_in_cs ends in a SKIP, no hang" \
		eval 'fair && [ $rc = 4 ]'
	bad=
	for p in $progs; do
		as_nobody 20 1 $(prog $p) -d 0.3
		fair && [ $rc = 4 ] || bad+=" $p"
	done
	check "nproc 1: every program SKIPs, none is killed" eval '[ -z "$bad" ]'
else
	for t in "nproc 4: counter_exact never passes without its signals" \
		 "nproc 2: abort_on_signal_in_cs ends in a SKIP, no hang" \
		 "nproc 1: every program SKIPs, none is killed"; do
		ktap_skip "$t" "needs root and setpriv to run as a fresh uid"
	done
fi

run 60 bash -c 'ulimit -v 20000 && exec "$@"' - $(prog rseq_percpu) \
	-d 0.3 -c counter_exact,list_no_loss_no_dup
check "ulimit -v 20000: counter and list end in a verdict, no crash" fair

# ---- the CPUs ----

run 30 "$deny" sched_setaffinity:EINVAL -- $(prog rseq_percpu) -d 0.3
check "sched_setaffinity refused: cpu_id SKIPs, no false failure" \
	eval 'fair && has "^ok [0-9]+ percpu.cpu_id_under_migration # SKIP"'

run 30 taskset -c 0 $(prog rseq_percpu) -d 0.3 -c cpu_id_under_migration
check "taskset -c 0: cpu_id_under_migration SKIPs (one CPU)" \
	eval 'fair && [ $rc = 4 ]'

# ---- seccomp filters ----

for p in $progs; do
	run 30 "$deny" rseq:EPERM -- $(prog $p) -d 0.3
	check "rseq refused with EPERM: $p SKIPs" eval 'fair && [ $rc = 4 ]'
done

for cmd in 128 256; do
	run 30 "$deny" membarrier:EPERM:$cmd -- $(prog rseq_fence) -d 0.3
	check "membarrier command $cmd refused: rseq_fence SKIPs" \
		eval 'fair && [ $rc = 4 ]'
done

# ---- bad input: exit 2 naming the option, from every program ----

# usage_error NAME PATTERN ARGS...: each program rejects ARGS.
usage_error()
{
	local name=$1 pattern=$2 p bad=
	shift 2
	for p in $progs; do
		run 10 $(prog $p) "$@"
		[ $rc = 2 ] && has "$pattern" || bad+=" $p"
	done
	check "$name" eval '[ -z "$bad" ]'
}

usage_error "-d nan is a usage error" "-d 'nan'" -d nan -t 1
usage_error "-d 1e-300 is a usage error" "-d '1e-300'" -d 1e-300
usage_error "-T nan is a usage error" "-T 'nan'" -T nan
usage_error "-T '' is a usage error" "-T ''" -T ''
usage_error "-c '' is a usage error" "-c ''" -c ''
usage_error "-c , is a usage error" "-c ','" -c ,
usage_error "--internal is a usage error naming it" "internal" \
	--internal counter
usage_error "--exec-check is a usage error naming it" "exec-check" \
	--exec-check

run 10 $(prog rseq_abi) -c register_twice_ebusy,register_twice_ebusy
check "-c NAME,NAME runs the test once" \
	eval '[ $rc = 0 ] && has "^1\.\.1$" &&
	      [ $(grep -c "^ok .*register_twice_ebusy" "$out") = 1 ]'

run 10 $(prog rseq_abi) --exec-probe
check "--exec-probe by hand says what it found (exit 0)" \
	eval '[ $rc = 0 ] && has "a fresh area registers"'

bad=
for p in $progs; do
	run 10 $(prog $p) -l -t 2
	cp "$out" "$tmp/first"
	run 10 $(prog $p) -t 2 -l
	[ $rc = 0 ] && [ -s "$out" ] && cmp -s "$out" "$tmp/first" || bad+=" $p"
	run 10 $(prog $p) -l -d nan
	[ $rc = 2 ] || bad+=" $p"
done
check "-l means the same wherever it stands" eval '[ -z "$bad" ]'

# ---- a signal to the runner ----

# The runner in a session of its own, so that what it leaves behind shows.
for sig in TERM HUP INT; do
	setsid env --default-signal="$sig" $(prog rseq_percpu) -d 3 \
		</dev/null >"$out" 2>&1 &
	pid=$!
	for i in $(seq 50); do
		has '^#  RUN' && break
		sleep 0.1
	done
	sleep 0.5
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	for i in $(seq 20); do
		pgrep -s "$pid" >/dev/null || break
		sleep 0.1
	done
	left=$(pgrep -s "$pid")
	[ -z "$left" ] || pkill -KILL -s "$pid"
	check "SIG$sig to the runner: Bail out!, totals, exit 128+N, no orphan" \
		eval '[ $rc = $((128 + $(kill -l $sig))) ] && has "^Bail out!" &&
		      has "^# Totals:" && [ -z "$left" ]'
done

ktap_finish
