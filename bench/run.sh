#!/bin/bash
# Run every syncore-bench case under perf stat, then the tools people
# already use (perf bench sched pipe, stress-ng --membarrier) in the same
# run, and keep it all in one results directory:
#
#   table.txt     the environment, every row, perf stat counts under each
#                 case, the peers beside the ctx and membarrier rows
#   results.json  the environment, every case's document, the perf stat
#                 counts and the peers' figures
#   results.csv   every raw sample, one line each
#   perf.csv      perf stat counts per case
#   env.txt       the environment (env.json: the same as JSON)
#   index.txt     what each file is, and the commands that made them
#   index.html    the page to open: the plots (plots/, SVG and PNG) and
#                 links to the rest
#   raw/          each case's own table, JSON, CSV, perf stat and stderr
#
# Usage: bench/run.sh [--bin SYNCORE-BENCH] [--out DIR] [--perf PERF]
#                     [-- OPTIONS...]
#   --perf PERF: a perf built from the tree with kernel-patches/perf
#   (bench/perf-build.sh): bench/perf-agree.sh compares its membarrier
#   latency and sched idle-wake with the same rows here; a disagreement
#   fails the run.
#   OPTIONS go to every syncore-bench run (--reps, --quick, --cpus, --ws,
#   --sample-ms, --loops). The directory is DIR/results-DATE (DIR defaults
#   to build/bench); DIR/latest points to it.
#
# Exit status: 0 ok, 1 a case failed, 2 usage error.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin=$here/syncore-bench
base=$top/build/bench
perf_bin=

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--bin) bin=${2:?--bin needs a path}; shift 2 ;;
	--out) base=${2:?--out needs a directory}; shift 2 ;;
	--perf) perf_bin=${2:?--perf needs a path}; shift 2 ;;
	--) shift; break ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
opts=("$@")
[ -x "$bin" ] || { echo "run.sh: $bin: not built (make -C bench)" >&2; exit 1; }
# Refuse bad options once, before anything is run.
"$bin" "${opts[@]}" env >/dev/null || exit 2

dir=$base/results-$(date +%Y%m%d-%H%M%S)
raw=$dir/raw
mkdir -p "$raw" || exit 1
ln -sfn "$(basename "$dir")" "$base/latest"

# JSON string from shell text.
jstr() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\n\t' '  ')"; }

# A number from a case's JSON: jnum FILE KEY (the first occurrence).
jnum() { grep -o "\"$2\": [-0-9.e+]*" "$1" 2>/dev/null | head -1 | sed 's/.*: //'; }

# --- perf stat: does it work here? ---
events=context-switches,cpu-migrations
perf_ok=0
if ! command -v perf >/dev/null; then
	perf_why="perf is not installed (Debian package linux-perf)"
elif ! out=$(perf stat -e $events true 2>&1 >/dev/null); then
	perf_why="perf stat -e $events true failed: $(echo "$out" | grep -v '^$' | tail -1)"
else
	perf_ok=1
fi

"$bin" "${opts[@]}" --json "$dir/env.json" env >"$dir/env.txt"
cpu_a=$(jnum "$dir/env.json" cpu_a)
cpu_b=$(jnum "$dir/env.json" cpu_b)

# --- every case, under perf stat when it works ---
cases=$("$bin" list | awk '$1 ~ /\./ { print $1 }')
failed=0
: >"$dir/perf.csv"
echo "case,context_switches,cpu_migrations,iterations_total" >"$dir/perf.csv"
for c in $cases; do
	run=("$bin" "${opts[@]}" --no-env --json "$raw/$c.json" --csv "$raw/$c.csv" run "$c")
	if [ $perf_ok = 1 ]; then
		perf stat -e $events -x, -o "$raw/$c.perf" -- "${run[@]}" \
			>"$raw/$c.txt" 2>"$raw/$c.err"
	else
		"${run[@]}" >"$raw/$c.txt" 2>"$raw/$c.err"
	fi
	rc=$?
	[ -t 2 ] && echo "run.sh: $c: exit $rc" >&2
	case $rc in 0|4) ;; *) failed=1; echo "run.sh: $c: exit $rc" >&2 ;; esac
	[ $perf_ok = 1 ] || continue
	cs=$(awk -F, '$3 == "context-switches" { print $1 }' "$raw/$c.perf")
	mig=$(awk -F, '$3 == "cpu-migrations" { print $1 }' "$raw/$c.perf")
	iters=$(grep -o '"iterations_total": [0-9]*' "$raw/$c.json" 2>/dev/null |
		awk '{ s += $2 } END { print s + 0 }')
	echo "$c,$cs,$mig,$iters" >>"$dir/perf.csv"
done

# perf_line CASE: the counts of one case, per iteration where it has any.
perf_line() {
	local row
	row=$(grep "^$1," "$dir/perf.csv") || return 0
	echo "$row" | awk -F, '{
		line = sprintf("    perf stat: %s context-switches, %s cpu-migrations", $2, $3)
		if ($4 > 0 && $2 ~ /^[0-9]+$/)
			line = line sprintf(" (%.2f and %.3f per iteration, warm-up and set-up included)",
					    $2 / $4, $3 / $4)
		print line }'
}

# --- peers: perf bench sched pipe beside the ctx rows ---
peers=()
peer_json=()
median_of() { jnum "$raw/$1.json" median; }
loops_of() {
	local it n
	it=$(jnum "$raw/$1.json" iterations)
	n=$(jnum "$raw/$1.json" n)
	# At least 1000: perf bench times its own fork and exit too.
	if [ -n "$it" ] && [ -n "$n" ] && [ "$((it * n))" -gt 1000 ]; then
		echo $((it * n))
	else
		echo 1000
	fi
}
if [ $perf_ok = 1 ] || command -v perf >/dev/null; then
	for spec in "proc-1cpu::$cpu_a" "thread-1cpu:-T:$cpu_a" \
		    "proc-2cpu::$cpu_a,$cpu_b" "thread-2cpu:-T:$cpu_a,$cpu_b"; do
		IFS=: read -r c flag cpus <<<"$spec"
		[ "$cpu_b" = -1 ] && [ "${cpus#*,}" != "$cpus" ] && continue
		loops=$(loops_of "ctx.$c")
		cmd="taskset -c $cpus perf bench sched pipe${flag:+ $flag} -l $loops"
		# shellcheck disable=SC2086 # $cmd is one command line, split on purpose
		out=$(timeout 60 $cmd 2>&1)
		us=$(echo "$out" | awk '/usecs\/op/ { print $1 }')
		if [ -z "$us" ]; then
			peers+=("ctx.$c: $cmd: no usecs/op ($(echo "$out" | tail -1))")
			continue
		fi
		med=$(median_of "ctx.$c")
		line=$(awk -v c="ctx.$c" -v us="$us" -v med="$med" -v cmd="$cmd" 'BEGIN {
			if (med == "") { printf "%s: %s: %.3f us/op (no ctx figure to compare)", c, cmd, us; exit }
			r = med / (us * 1000)
			printf "%s: %s: %.3f us/op; ctx median %.3f us; ratio ctx/perf %.2f", c, cmd, us, med / 1000, r
			if (r > 2 || r < 0.5)
				printf "\n    note: they disagree by more than 2x: perf bench times fork/exit too, and on two CPUs leaves placement to the scheduler (both tasks may share one)"
		}')
		peers+=("$line")
		peer_json+=("{\"tool\": \"perf bench sched pipe\", \"command\": $(jstr "$cmd"), \"compare\": \"ctx.$c\", \"usecs_per_op\": $us, \"ctx_median_ns\": ${med:-null}}")
	done
else
	peers+=("perf bench sched pipe: skipped: $perf_why")
fi

# --- peers: stress-ng beside the membarrier rows ---
sng_cmd="stress-ng --membarrier 1 --metrics-brief -t 3"
if command -v stress-ng >/dev/null; then
	# shellcheck disable=SC2086 # likewise
	out=$(timeout 30 $sng_cmd 2>&1)
	line=$(echo "$out" | sed -n 's/^stress-ng: [a-z]*: *\[[0-9]*\] *//p' |
		grep -E '^membarrier +[0-9]+ +[0-9.]+ ' | head -1)
	rate=$(echo "$line" | awk '{ print $6 }')
	calls=$(echo "$out" | grep -o '[0-9.]* membarrier calls per sec' | awk '{ print $1 }')
	if [ -n "$line" ]; then
		peers+=("$(awk -v cmd="$sng_cmd" -v rate="$rate" -v calls="$calls" 'BEGIN {
			printf "membarrier: %s: %s bogo ops/s", cmd, rate
			if (calls > 0)
				printf ", %s calls/s = %.1f us per call", calls, 1e6 / calls
			printf "\n    (one worker cycling through every command the kernel offers, with its own threads: compare loosely)"
		}')")
		peer_json+=("{\"tool\": \"stress-ng\", \"command\": $(jstr "$sng_cmd"), \"bogo_ops_per_s_real\": ${rate:-null}, \"calls_per_s\": ${calls:-null}}")
	else
		peers+=("membarrier: $sng_cmd: no metrics line ($(echo "$out" | tail -1))")
	fi
else
	peers+=("membarrier: stress-ng is not installed (Debian package stress-ng): skipped")
fi

# --- peers: perf bench's forms of membarrier and lazy (kernel-patches/perf) ---
if [ -n "$perf_bin" ]; then
	"$here/perf-agree.sh" "$perf_bin" "$bin" >"$raw/perf-agree.tap" 2>&1
	rc=$?
	case $rc in 0|4) ;; *) failed=1 ;; esac
	peers+=("perf bench from kernel-patches/perf against the same rows ($perf_bin), exit $rc:")
	while IFS= read -r l; do
		peers+=("  $l")
	done < <(grep -E '^(ok|not ok|# syncore-bench|# Totals)' "$raw/perf-agree.tap")
	peer_json+=("{\"tool\": \"perf bench (kernel-patches/perf)\", \"command\": $(jstr "bench/perf-agree.sh $perf_bin $bin"), \"exit\": $rc, \"ktap\": $(jstr "$(cat "$raw/perf-agree.tap")")}")
fi

# --- the table ---
{
	cat "$dir/env.txt"
	echo
	[ $perf_ok = 1 ] || echo "perf stat: skipped: $perf_why"
	hdr=0
	: >"$raw/.trailer"
	for c in $cases; do
		f=$raw/$c.txt
		if [ ! -s "$f" ]; then
			echo "$c: no output: see raw/$c.err"
			continue
		fi
		# The header once; each case's rows, then its perf stat line;
		# footnotes and notes gathered at the end.
		if [ $hdr = 0 ]; then head -1 "$f"; hdr=1; fi
		awk 'NR > 1 && !/^(\* |notes:|  )/' "$f"
		awk 'NR > 1 && /^(\* |  )/' "$f" >>"$raw/.trailer"
		perf_line "$c"
	done
	grep '^\* ' "$raw/.trailer" | sort -u
	if grep -q '^  ' "$raw/.trailer"; then
		echo "notes:"
		grep '^  ' "$raw/.trailer"
	fi
	rm -f "$raw/.trailer"
	echo
	echo "peers, same run:"
	for p in "${peers[@]}"; do echo "  $p"; done
} >"$dir/table.txt"

# --- one JSON document, one CSV ---
{
	echo "{"
	echo "  \"tool\": \"syncore-bench run.sh\", \"date\": $(jstr "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),"
	echo "  \"options\": $(jstr "${opts[*]}"),"
	echo "  \"environment_document\":"
	sed 's/^/  /' "$dir/env.json"
	echo "  ,"
	echo "  \"cases\": ["
	sep=
	for c in $cases; do
		[ -s "$raw/$c.json" ] || continue
		printf '%s' "$sep"
		sed 's/^/    /' "$raw/$c.json"
		sep="    ,"$'\n'
	done
	echo "  ],"
	if [ $perf_ok = 1 ]; then
		echo "  \"perf_stat\": {\"events\": \"$events\", \"per_case\": ["
		tail -n +2 "$dir/perf.csv" | awk -F, '{
			printf "%s    {\"case\": \"%s\", \"context_switches\": %s, \"cpu_migrations\": %s, \"iterations_total\": %s}",
				(NR > 1 ? ",\n" : ""), $1, ($2 ~ /^[0-9]+$/ ? $2 : "null"),
				($3 ~ /^[0-9]+$/ ? $3 : "null"), $4 }
			END { print "" }'
		echo "  ]},"
	else
		echo "  \"perf_stat\": {\"skipped\": $(jstr "$perf_why")},"
	fi
	echo "  \"peers\": ["
	sep=
	for p in "${peer_json[@]}"; do printf '%s    %s' "$sep" "$p"; sep=$',\n'; done
	echo
	echo "  ]"
	echo "}"
} >"$dir/results.json"

first=1
for c in $cases; do
	[ -s "$raw/$c.csv" ] || continue
	if [ $first = 1 ]; then cat "$raw/$c.csv"; first=0; else tail -n +2 "$raw/$c.csv"; fi
done >"$dir/results.csv"

cat >"$dir/index.txt" <<EOF
syncore-bench results, $(date -u +%Y-%m-%dT%H:%M:%SZ)

table.txt     environment, every row (median, 95% CI of the median, n),
              perf stat counts under each case, the peers
results.json  one document: the environment, each case's JSON, perf stat
              counts, the peers' figures
results.csv   raw samples: one line per sample (value: ns per iteration)
perf.csv      perf stat -e $events, per case
env.txt       the environment (env.json: the same as JSON)
raw/          per case: CASE.txt (its table), CASE.json, CASE.csv,
              CASE.perf (perf stat -x, output), CASE.err (stderr)

commands:
  $bin${opts[*]:+ ${opts[*]}} --no-env --json raw/CASE.json --csv raw/CASE.csv run CASE
$( [ $perf_ok = 1 ] && echo "    under: perf stat -e $events -x, -o raw/CASE.perf --" ||
   echo "  perf stat: skipped: $perf_why")
  perf bench sched pipe [-T] -l LOOPS under taskset (LOOPS: the ctx row's
    iterations x samples)
  $sng_cmd
${perf_bin:+  bench/perf-agree.sh $perf_bin $bin (raw/perf-agree.tap)
}cases: $(echo "$cases" | tr '\n' ' ')
EOF

cat "$dir/table.txt"
echo
# Plots and the page to open (bench/plot.py); gnuplot is optional here.
if command -v gnuplot >/dev/null; then
	"$here/plot.py" "$dir" || echo "plots: bench/plot.py failed" >&2
else
	echo "plots: skipped: gnuplot is not installed (scripts/deps.sh bench)"
fi
echo "results: $dir"
exit $failed
