#!/bin/bash
# Host tests for stress-syncore: every mode and pattern, the injected
# faults, option errors, the watchdog and the JSON report. KTAP output.
#
# Usage: tests/host-tests.sh PATH-TO-STRESS-SYNCORE [DENY-SYSCALL]
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/ktap.sh"
. "$here/ktap-stress.sh"
# shellcheck source=stress/tests/profiles.sh
. "$here/profiles.sh"

bin=${1:?usage: $0 STRESS-SYNCORE [DENY-SYSCALL]}
deny=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out

# run NAME EXPECTED-RC ARGS...: one short run, pass when the exit code
# matches; exit code 4 (unsupported kernel) is a skip.
run()
{
	local name=$1 want=$2 rc
	shift 2
	"$bin" "$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" -eq 4 ] && [ "$want" -ne 4 ]; then
		ktap_skip "$name" "$(ktap_skip_reason "$out")"
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		ktap_diag "$bin $* -> exit $rc, expected $want"
		sed 's/^/# /' "$out" | tail -n 15
		ktap_not_ok "$name"
		return 1
	fi
	# A successful run must have done work: rounds and executions.
	if [ "$want" -eq 0 ] && [ "$1" != -h ] &&
	   ! grep -qE '^result: PASS: [1-9][0-9]* rounds, [1-9][0-9]* executions' "$out"; then
		ktap_diag "$bin $*: no 'result: PASS' line with rounds and executions"
		ktap_not_ok "$name"
		return 1
	fi
	return 0
}

# The tables, as -h prints them.
modes=$(table_names "$bin" Modes)
patterns=$(table_names "$bin" Patterns)
nmodes=$(echo "$modes" | wc -w)
npatterns=$(echo "$patterns" | wc -w)
bad_options=20
ktap_header $((nmodes + npatterns + 5 + bad_options + 11 + 3 + 3 + 8 + 5 + 5 + 6))

for m in $modes; do
	run "mode $m: 1 s, 4 executors, no violation" 0 \
		-q -t 4 -d 1 --mode "$m" &&
		ktap_ok "mode $m: 1 s, 4 executors, no violation"
done

for p in $patterns; do
	run "pattern $p: 1 s, 4 executors, no violation" 0 \
		-q -t 4 -d 1 --pattern "$p" &&
		ktap_ok "pattern $p: 1 s, 4 executors, no violation"
done

# The detector must see the injected faults.
name="inject publish-early: detected (exit 1, violations > 0)"
run "$name" 1 -t 8 -d 2 --inject publish-early &&
	ktap_detected "$name" "$out"
name="inject publish-early, sleepy pattern: detected"
run "$name" 1 -t 4 -d 2 --pattern sleepy --inject publish-early &&
	ktap_detected "$name" "$out"
name="inject sigill: SIGILL in JIT code caught and reported"
if run "$name" 1 -t 4 -d 1 --inject sigill; then
	grep -q 'slot [0-9]* generation [0-9]*: SIGILL in JIT code' "$out"
	ktap_result "$name" $?
fi
name="a violation comes with its context: moved or slept, the barrier it ran after, PTI"
if run "$name" 1 -t 2 -d 1 --pattern sleepy --inject publish-early; then
	grep -m1 -B1 -A1 '^violation:' "$out" | sed 's/^/# /'
	grep -A1 '^violation: .* (stale)' "$out" |
		grep -qE '^  context: (stayed on|migrated from) cpu [0-9]+, slept since .*; it read generation [0-9]+' &&
		grep -qE '^violations seen on [a-z0-9_]+; the kernel says of Meltdown: ' "$out"
	ktap_result "$name" $?
fi
name="publish-early with --wx inplace: detected"
run "$name" 1 -t 4 -d 1 --wx inplace --inject publish-early &&
	ktap_detected "$name" "$out"

# Bad options: exit 2 with a message naming the option.
bad()
{
	local name="rejects $1" pattern=$2 rc
	shift 2
	"$bin" "$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "$pattern" "$out"; then
		ktap_ok "$name"
	else
		ktap_diag "$bin $* -> exit $rc; output:"
		sed 's/^/# /' "$out" | head -n 5
		ktap_not_ok "$name"
	fi
}
bad "--mode bogus" "invalid --mode 'bogus'" -t 4 --mode bogus
bad "--pattern bogus" "invalid --pattern 'bogus'" --pattern bogus
bad "-t 0" "invalid --threads '0'" -t 0
bad "-t abc" "invalid --threads 'abc'" -t abc
bad "-d -1" "invalid --duration '-1'" -d -1
bad "--cpus 0-x" "invalid --cpus '0-x'" --cpus 0-x
bad "--cpus 4095 (unavailable CPU)" "invalid --cpus '4095'" --cpus 4095
bad "--wx bogus" "invalid --wx 'bogus'" --wx bogus
bad "unknown option --bogus" "unknown option '--bogus'" --bogus
bad "missing argument to --mode" "option '--mode' requires an argument" \
	--mode
bad "--slots 1" "invalid --slots '1'" --slots 1
# Each message says what is wrong, not something nearby.
bad "--quiet=1" "option '--quiet' takes no value" --quiet=1
bad "--ver (ambiguous)" "ambiguous option '--ver' (--verbose, --version)" --ver
bad "--seed ' -1'" "invalid --seed ' -1'" --seed ' -1'
bad "-d 1e7 (over the cap)" "at most 1000000" -d 1e7
# Requests the run cannot honour are refused, not ignored.
bad "--mode raw --inject publish-early" "need a mode that publishes code" \
	--mode raw --inject publish-early
bad "--inject stall --watchdog 0" "stall needs the watchdog" \
	--inject stall --watchdog 0
bad "--profile bogus" "invalid --profile 'bogus' (expected wasmtime," \
	--profile bogus
bad "--mode with --profile" "--mode and --profile exclude each other" \
	--mode none --profile art
bad "--profile raw (a mode, not a profile)" "invalid --profile 'raw'" \
	--profile raw

name="-t 64 on $(nproc) CPUs: 2 s, no violation"
run "$name" 0 -t 64 -d 2 && ktap_ok "$name"

name="-n 500 stops after exactly 500 rounds"
if run "$name" 0 -t 4 -n 500; then
	grep -q '^result: PASS: 500 rounds' "$out"
	ktap_result "$name" $?
fi

name="--cpus 0 --pattern migrate: runs on CPU 0 only"
if run "$name" 0 -t 4 -d 1 --cpus 0 --pattern migrate; then
	! grep -q '^  cpu [1-9]' "$out"
	ktap_result "$name" $?
fi

name="-t 010 is ten executors (decimal, not octal)"
if run "$name" 0 -t 010 -d 0.5; then
	grep -q '^stress-syncore .*, 10 executors on' "$out"
	ktap_result "$name" $?
fi

name="--wx inplace: no violation"
run "$name" 0 -q -t 4 -d 1 --wx inplace && ktap_ok "$name"

name="--compare-raw prints the verified/raw ratio"
if run "$name" 0 -t 4 -d 2 --compare-raw; then
	grep '^verified/raw' "$out" | sed 's/^/# /'
	grep -q '^verified/raw: [0-9]' "$out"
	ktap_result "$name" $?
fi

# Watchdog: a stalled executor fails the run, named, in bounded time.
name="watchdog: stalled executor named, exit 1 within 10 s"
start=$(date +%s)
if run "$name" 1 -t 4 -d 30 --watchdog 1 --inject stall; then
	took=$(($(date +%s) - start))
	grep 'watchdog:' "$out" | head -n 1 | sed 's/^/# /'
	grep -q 'watchdog: executor 0 (tid [0-9]*) made no progress' "$out" &&
		[ "$took" -le 10 ]
	ktap_result "$name" $?
fi
name="watchdog: no false positive with sleepy executors"
run "$name" 0 -q -t 16 -d 3 --watchdog 1 --pattern sleepy && ktap_ok "$name"
# Time the whole process was stopped is no thread's lack of progress.
name="watchdog: SIGSTOP for 2 s, SIGCONT: no false positive"
"$bin" -q -t 4 -d 4 --watchdog 1 >"$out" 2>&1 &
pid=$!
sleep 1
kill -STOP "$pid"
sleep 2
kill -CONT "$pid"
wait "$pid"
rc=$?
grep -E '^(watchdog|result)' "$out" | sed 's/^/# /'
[ "$rc" -eq 0 ] && grep -q '^result: PASS' "$out"
ktap_result "$name" $?

# A run that verified nothing is not a pass: many executors on few CPUs
# for a short time may verify no round, and must then say so and fail.
name="-t 256 -d 0.2: a PASS has verified rounds, else FAIL"
"$bin" -t 256 -d 0.2 >"$out" 2>&1
rc=$?
grep -E '^(phase|result|FAIL)' "$out" | sed 's/^/# /'
if grep -q '^result: PASS: 0 rounds' "$out"; then
	ktap_not_ok "$name"
elif [ "$rc" -eq 0 ]; then
	grep -q '^result: PASS: [1-9]' "$out"
	ktap_result "$name" $?
else
	[ "$rc" -eq 1 ] && grep -q '^FAIL: no round was verified' "$out"
	ktap_result "$name" $?
fi
name="-t 4096 -d 2: started behind a barrier, executors at nice 19, verified PASS"
if run "$name" 0 -t 4096 -d 2 --watchdog 20; then
	grep -E '^(phase|result)' "$out" | sed 's/^/# /'
	grep -qE '^phase .*\(4096 executors started in [0-9.]+ s\)' "$out"
	ktap_result "$name" $?
fi

# --pattern fork where every fork() fails (a process limit): SKIP, never
# a PASS without forks. Which limit leaves the threads but no fork depends
# on how many threads the run has: try a range, one must hit that case.
# The limit counts every process of the user: the runs are made as an
# otherwise unused uid, each once the one before has wholly gone (its
# forked children included), and the range is tried up to three times.
name="--pattern fork, every fork() failing (RLIMIT_NPROC): SKIP"
uid=61235
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	ktap_skip "$name" "needs root and setpriv, to run as a fresh uid under a process limit"
else
	cp "$bin" "$tmp/ss" && chmod 755 "$tmp" "$tmp/ss"
	ok=0 hit=0
	for pass in 1 2 3; do
		for n in 3 4 5 6 7 8 9; do
			for i in $(seq 50); do
				pgrep -u $uid >/dev/null || break
				sleep 0.1
			done
			setpriv --reuid=$uid --regid=$uid --clear-groups \
				prlimit --nproc=$n "$tmp/ss" -t 2 -d 0.5 \
				--pattern fork >"$out" 2>&1
			rc=$?
			if grep -q '^result: PASS' "$out" &&
			   ! grep -q '^  forks: *[1-9]' "$out"; then
				ktap_diag "nproc $n: PASS without a fork"
				ok=1
			fi
			if grep -q '^SKIP: every fork() failed' "$out"; then
				[ "$rc" -eq 4 ] || ok=1
				hit=1
				ktap_diag "nproc $n: $(grep '^SKIP' "$out")"
			fi
		done
		[ $hit = 0 ] || break
	done
	[ $hit = 1 ] || ktap_diag "no limit left the threads but no fork"
	[ $ok = 0 ] && [ $hit = 1 ]
	ktap_result "$name" $?
fi

# A signal stops the run like its end of time: the summary and the JSON
# are written, the run says it was interrupted, the exit status is 128+N.
# SIGHUP stops a run bounded only by -n: the signal is its only end.
for sig in INT TERM HUP; do
	limit="-d 60"
	[ $sig = HUP ] && limit="-n 4000000000"
	name="SIG$sig mid-run ($limit): summary and JSON kept, exit $((128 + $(kill -l $sig)))"
	# shellcheck disable=SC2086
	"$bin" -t 2 $limit --json "$tmp/sig.json" >"$out" 2>&1 &
	pid=$!
	sleep 1.5
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	grep -E '^(interrupted|result)' "$out" | sed 's/^/# /'
	[ "$rc" -eq $((128 + $(kill -l $sig))) ] &&
		grep -q "^interrupted by SIG$sig after" "$out" &&
		grep -q '^  rounds: ' "$out" &&
		grep -q '^result: INTERRUPTED: [1-9][0-9]* rounds' "$out" &&
		[ "$(jq -r .result "$tmp/sig.json")" = interrupted ]
	ktap_result "$name" $?
	rm -f "$tmp/sig.json"
done

# Output that cannot be written fails the run, and a bad --json path fails
# it before it starts.
name="--json /nonexistent/x: refused before the run, exit 1"
start=$(date +%s)
"$bin" -t 2 -d 5 --json /nonexistent/x >"$out" 2>&1
rc=$?
sed 's/^/# /' "$out"
[ "$rc" -eq 1 ] && [ $(($(date +%s) - start)) -le 2 ] &&
	grep -q 'json /nonexistent/x: No such file' "$out" && ! grep -q '^phase' "$out"
ktap_result "$name" $?
name="--json DIR: refused before the run, exit 1"
"$bin" -t 2 -d 5 --json "$tmp" >"$out" 2>&1
rc=$?
sed 's/^/# /' "$out"
[ "$rc" -eq 1 ] && grep -q "json $tmp: Is a directory" "$out" &&
	! grep -q '^phase' "$out"
ktap_result "$name" $?
# json_fails NAME FILE MESSAGE: writing FILE fails the run with MESSAGE.
json_fails()
{
	"$bin" -q -t 2 -d 1 --json "$2" >"$out" 2>&1
	rc=$?
	grep 'stress-syncore:' "$out" | sed 's/^/# /'
	[ "$rc" -eq 1 ] && grep -q "json $2: $3" "$out"
	ktap_result "$1" $?
}
json_fails "--json /proc/version: the error at close fails the run" \
	/proc/version ""
json_fails "--json /dev/full: the write error fails the run" /dev/full \
	"No space left"
name="stdout on /dev/full: the write error fails the run"
"$bin" -t 2 -d 1 >/dev/full 2>"$out"
rc=$?
sed 's/^/# /' "$out"
[ "$rc" -eq 1 ] && grep -q 'standard output: No space left' "$out"
ktap_result "$name" $?
name="stdout closed: the write error fails the run"
"$bin" -t 2 -d 1 >&- 2>"$out"
rc=$?
sed 's/^/# /' "$out"
[ "$rc" -eq 1 ] && grep -q 'standard output: Bad file descriptor' "$out"
ktap_result "$name" $?

# JSON report: valid and complete.
name="--json: valid JSON with the report's fields"
if run "$name" 0 -q -t 4 -d 1 --json "$tmp/r.json"; then
	fields='.rounds .rounds_per_s .executions .violations
		.membarrier_latency_ns.p50 .membarrier_latency_ns.p99
		.membarrier_latency_ns.max .cpu_attribution .mode .pattern
		.threads .environment.kernel_release .environment.cpu_model
		.phase.per_cpu[0].executions .exit_code .protocol.barriers
		.protocol.sync_core .protocol.meets_arch_rules'
	ok=0
	python3 -m json.tool "$tmp/r.json" >/dev/null || ok=1
	for f in $fields; do
		v=$(jq -e "$f" "$tmp/r.json" 2>/dev/null) || {
			ktap_diag "missing JSON field $f"
			ok=1
		}
		: "$v"
	done
	ktap_result "$name" $ok
fi
name="--json with --compare-raw: ratio field present"
if run "$name" 0 -q -t 4 -d 1 --compare-raw --json "$tmp/c.json"; then
	jq -e '.compare_raw.verified_over_raw >= 0' "$tmp/c.json" >/dev/null
	ktap_result "$name" $?
fi

# No membarrier: SKIP (exit 4) with the reason, never a failure.
# skip_case NAME RULE REASON (RULE: of scripts/deny-syscall.c)
skip_case()
{
	local name=$1 how=$2 reason=$3 rc
	if [ -z "$deny" ]; then
		ktap_skip "$name" "no deny-syscall helper given"
		return
	fi
	"$deny" "$how" -- "$bin" -t 2 -d 1 >"$out" 2>&1
	rc=$?
	grep '^SKIP' "$out" | sed 's/^/# /'
	[ "$rc" -eq 4 ] && grep -q "^SKIP: .*$reason" "$out"
	ktap_result "$name" $?
}
skip_case "membarrier ENOSYS (CONFIG_MEMBARRIER=n): SKIP, exit 4" membarrier:ENOSYS \
	"not implemented"
skip_case "membarrier EPERM (seccomp): SKIP, exit 4" membarrier:EPERM "denied"
# liburcu registers for PRIVATE_EXPEDITED (16) before main() and aborts
# when that alone is refused.
skip_case "REGISTER_PRIVATE_EXPEDITED refused: SKIP, exit 4, not liburcu's abort" \
	membarrier:EPERM:16 "registration for PRIVATE_EXPEDITED (liburcu's) failed"
skip_case "membarrier trapped by seccomp (SIGSYS): SKIP, exit 4, no crash" \
	membarrier:SIGSYS "raises SIGSYS"

# --probe: exit 0 with a verdict in every environment, never a crash.
# probe_case NAME RULE PATTERN: PATTERN must be in the report.
probe_case()
{
	local name=$1 how=$2 pattern=$3 rc
	if [ -n "$how" ] && [ -z "$deny" ]; then
		ktap_skip "$name" "no deny-syscall helper given"
		return
	fi
	${how:+"$deny" "$how" --} "$bin" --probe --json "$tmp/probe.json" >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out" | tail -n 3
	[ "$rc" -eq 0 ] && grep -q -- "$pattern" "$out" &&
		grep -q '^conclusion: ' "$out" &&
		jq -e '.conclusion | length > 0' "$tmp/probe.json" >/dev/null
	ktap_result "$name" $?
}
probe_case "--probe: every command issued and judged" "" \
	"PRIVATE_EXPEDITED_SYNC_CORE  "
probe_case "--probe under a filter refusing membarrier (EPERM)" membarrier:EPERM \
	"QUERY is refused"
probe_case "--probe without membarrier (ENOSYS)" membarrier:ENOSYS "no membarrier: CONFIG_MEMBARRIER=n"
probe_case "--probe under a filter trapping membarrier (SIGSYS)" membarrier:SIGSYS \
	"killed by SIGSYS"
probe_case "--probe with liburcu's registration refused" membarrier:EPERM:16 \
	"PRIVATE_EXPEDITED  *registration refused"

# The guest scripts, as installed, turn that SKIP into KTAP skips.
name="guest scripts: no membarrier gives SKIP lines and exit 4"
if [ -z "$deny" ]; then
	ktap_skip "$name" "no deny-syscall helper given"
else
	printf '#!/bin/sh\nexec %s membarrier:ENOSYS -- %s "$@"\n' "$deny" "$bin" \
		>"$tmp/nomb"
	chmod +x "$tmp/nomb"
	ok=0
	for t in "$here"/guest/*.sh; do
		"$here/inline-guest.sh" "$t" >"$tmp/guest.sh"
		STRESS_SYNCORE=$tmp/nomb sh "$tmp/guest.sh" >"$out" 2>&1
		rc=$?
		if [ "$rc" -ne 4 ] || grep -q '^not ok' "$out" ||
		   ! grep -q '^ok 1 .* # SKIP .*not implemented' "$out"; then
			ktap_diag "$(basename "$t"): exit $rc"
			sed 's/^/# /' "$out" | tail -n 5
			ok=1
		fi
	done
	ktap_result "$name" $ok
fi

# One list of options: the long_options table in options.c. -h, the man
# page and the manual describe each of them and no other; the README uses
# none that does not exist.
name="options: -h, the man page and the manual list exactly long_options[]"
top=$here/../..
want=$(sed -n 's/^\t{ "\([a-z-]*\)",.*/--\1/p' "$here/../options.c" | sort)
ok=0
for doc in help man rst readme; do
	case $doc in
	help) got=$("$bin" -h | grep -oE -- '--[a-z][a-z-]*' | sort -u) ;;
	man) got=$(grep -E '^\.B[IR]? ' "$here/../stress-syncore.1" |
		grep -oE '\\-\\-[a-z][a-z-]*' | sed 's/\\//g' | sort -u) ;;
	rst) got=$(grep -oE '^``(-[a-z], )?--[a-z][a-z-]*' \
		"$top/Documentation/stress-syncore.rst" |
		grep -oE -- '--[a-z][a-z-]*' | sort -u) ;;
	readme) got=$(grep 'stress-syncore ' "$top/README.md" |
		grep -oE -- ' --[a-z][a-z-]*' | tr -d ' ' | sort -u) ;;
	esac
	extra=$(comm -13 <(echo "$want") <(echo "$got"))
	missing=
	[ $doc = readme ] || missing=$(comm -23 <(echo "$want") <(echo "$got"))
	if [ -n "$extra$missing" ]; then
		ktap_diag "$doc: missing:" $missing "; unknown:" $extra
		ok=1
	fi
done
[ -n "$want" ] || { ktap_diag "no options found in options.c"; ok=1; }
ktap_result "$name" $ok

# Runtime profiles: what each runtime does, judged by the arch's rules.
profile_verdicts "--profile: each runtime's verdict is the manual's for $(uname -m)" \
	"$(uname -m)" "$bin"

# deny_case NAME RULE PATTERN JQ ARGS...: a run under a filter
# that exits 0, prints PATTERN and whose JSON satisfies JQ.
deny_case()
{
	local name=$1 how=$2 pattern=$3 query=$4 rc
	shift 4
	if [ -z "$deny" ]; then
		ktap_skip "$name" "no deny-syscall helper given"
		return
	fi
	"$deny" "$how" -- "$bin" --json "$tmp/d.json" "$@" >"$out" 2>&1
	rc=$?
	grep -E '^  (protocol|fallback|ignored|verdict)|^profile|^result' "$out" |
		sed 's/^/# /'
	[ "$rc" -eq 0 ] && grep -q -- "$pattern" "$out" &&
		jq -e "$query" "$tmp/d.json" >/dev/null
	ktap_result "$name" $?
}
deny_case "--profile art, SYNC_CORE registration refused: ignored, judged insufficient" \
	membarrier:EPERM:64 '^  ignored: .* failed barriers' \
	'.protocol.ignored_failures > 0 and .protocol.meets_arch_rules == false and .profile == "art"' \
	--profile art -t 2 -d 1
deny_case "--profile dotnet, QUERY refused: the mprotect fallback" \
	membarrier:EPERM:0 '^  fallback: *mprotect() of a helper page' \
	'.protocol.fallbacks > 0 and .protocol.registered == false' \
	--profile dotnet -t 2 -d 1

# --probe replays each runtime's start-up and one barrier, in a child.
name="--probe: each runtime's path here, and the verdict"
"$bin" --probe --json "$tmp/p.json" >"$out" 2>&1
sed -n '/^what each runtime/,/^conclusion/p' "$out" | sed 's/^/# /'
[ "$(jq '.runtimes | length' "$tmp/p.json")" -eq \
  "$(table_names "$bin" "Runtime profiles" | wc -l)" ] &&
	grep -qE '^  art +SYNC_CORE: sufficient$' "$out"
ktap_result "$name" $?

name="--probe under a filter trapping membarrier: each runtime still judged"
if [ -z "$deny" ]; then
	ktap_skip "$name" "no deny-syscall helper given"
else
	"$deny" membarrier:SIGSYS -- "$bin" --probe >"$out" 2>&1
	rc=$?
	sed -n '/^what each runtime/,/^conclusion/p' "$out" | sed 's/^/# /'
	[ "$rc" -eq 0 ] && grep -qE '^  art +killed by SIGSYS$' "$out" &&
		grep -qE '^  hotspot +no barrier, executors fence: sufficient$' "$out"
	ktap_result "$name" $?
fi

# The tables of modes, profiles and patterns are the source of -h; the
# man page and the manual describe each row.
name="modes, profiles and patterns: each row in the man page and the manual"
ok=0
for section in Modes "Runtime profiles" Patterns; do
	for n in $(table_names "$bin" "$section"); do
		grep -qE "^\.B $n\b|^\.BR $n\b" "$here/../stress-syncore.1" ||
			{ ktap_diag "$n: not in the man page"; ok=1; }
		grep -qF "\`\`$n\`\`" "$top/Documentation/stress-syncore.rst" ||
			{ ktap_diag "$n: not in the manual"; ok=1; }
	done
done
ktap_result "$name" $ok

name="-h prints usage and exits 0"
if run "$name" 0 -h; then
	grep -q -- '--threads' "$out"
	ktap_result "$name" $?
fi

ktap_finish
