#!/bin/bash
# Run one stage of a long run, say how long it takes, and keep its time.
#
# Usage: scripts/stage.sh NAME [--log FILE] -- COMMAND [ARGS...]
#
# COMMAND's stdout passes through. With --log, its stderr goes to FILE:
# on a terminal a line shows NAME, the time so far and FILE while it runs;
# otherwise (CI) only a start and an end line are printed, and on failure
# the last 20 lines of FILE. Without --log, stderr passes through too.
# Every stage appends "NAME SECONDS STATUS" to $RESULTS/stages, which
# scripts/tap-summary.sh prints at the end ("where the time went").
# Exits with COMMAND's status.
set -uo pipefail

name=${1:?usage: $0 NAME [--log FILE] -- COMMAND...}
shift
log=
if [ "${1:-}" = --log ]; then
	log=$2
	shift 2
fi
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "usage: $0 NAME [--log FILE] -- COMMAND..." >&2; exit 2; }

tty=0
[ -t 2 ] && tty=1
start=$SECONDS
say() { printf '[%s] %s: %s\n' "$(date +%T)" "$name" "$*" >&2; }
say "start${log:+ (log: $log)}"
if [ -z "$log" ]; then
	"$@"
	rc=$?
else
	mkdir -p "$(dirname "$log")"
	"$@" 2>"$log" &
	pid=$!
	while [ $tty = 1 ] && kill -0 $pid 2>/dev/null; do
		t=$((SECONDS - start))
		printf '\r[%s] %s: %dm%02ds (log: %s) ' "$(date +%T)" "$name" \
			$((t / 60)) $((t % 60)) "$log" >&2
		sleep 2
	done
	wait $pid
	rc=$?
	[ $tty = 0 ] || printf '\n' >&2
	[ $rc -eq 0 ] || tail -n 20 "$log" | sed 's/^/  | /' >&2
fi
t=$((SECONDS - start))
say "$([ $rc -eq 0 ] && echo done || echo "FAILED (exit $rc)") in ${t}s"
if [ -n "${RESULTS:-}" ]; then
	mkdir -p "$RESULTS"
	echo "$name $t $rc" >>"$RESULTS/stages"
fi
exit $rc
