// SPDX-License-Identifier: GPL-2.0
/*
 * syncore-bench: what membarrier SYNC_CORE's series costs on the
 * context-switch path, and what membarrier and core serialization cost.
 *
 * The registry below has one row per benchmark, as perf bench does; each
 * benchmark lives in its own file and lists its cases, which "run" can
 * select one by one (BENCH.CASE), for example to run each under perf stat.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"

const struct bench bench_table[] = {
	{ "ctx", "context-switch round trip over a pipe: same mm vs different mm, one CPU vs two",
	  ctx_cases, bench_ctx },
	{ "lazy", "the lazy edge: a task wakes on its idle CPU (idle -> same mm), registered for SYNC_CORE or not",
	  lazy_cases, bench_lazy },
	{ "membarrier", "membarrier latency per command against spinning threads; mprotect and madvise tricks; registration",
	  membarrier_cases, bench_membarrier },
	{ "serialize", "core serialization from user space: CPUID, SERIALIZE, IRET-to-self, ISB, FENCE.I",
	  serialize_cases, bench_serialize },
	{ NULL, NULL, NULL, NULL },
};

static const char usage_text[] =
"Usage: " PROG " [OPTION]... list\n"
"       " PROG " [OPTION]... run [BENCH|BENCH.CASE]...\n"
"       " PROG " [OPTION]... env\n"
"Measure context switches, the lazy idle -> same mm edge, membarrier and\n"
"core serialization. 'run' with no name runs every benchmark; 'env'\n"
"prints (and with --json writes) only the environment.\n"
"\n"
"  -r, --reps N        timed samples per row (default 10; at least 10\n"
"                      unless --quick: the median needs them)\n"
"      --quick         smoke-test sizes: ~1 ms samples, 3 reps by default\n"
"      --cpus A,B      the two CPUs to use (default: the first two allowed);\n"
"                      membarrier spinners also use the rest of the mask\n"
"      --ws KB         ctx: each task touches its own KB of memory per round\n"
"      --loops N       iterations per sample (default: calibrated)\n"
"      --sample-ms MS  calibration target of one sample (default 10)\n"
"      --json FILE     write the results, raw samples and environment\n"
"      --csv FILE      write the raw samples, one line each\n"
"      --no-env        print the table without the environment header\n"
"      --spin-relax    membarrier spinners run PAUSE/YIELD in their loop\n"
"                      (for QEMU -icount, where it lets the vCPUs take\n"
"                      turns; perf bench's spinners do not)\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 ok, 1 a row failed, 2 usage error, 4 every row skipped.\n";

static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " --help' for more information.\n");
	exit(EXIT_USAGE);
}

static long parse_long(const char *opt_name, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		usage_error("%s '%s': not a number", opt_name, s);
	if (v < min || v > max)
		usage_error("%s %ld: out of range %ld..%ld", opt_name, v, min,
			    max);
	return v;
}

/* The affinity mask, in CPU order; A and B come first in opt.order. */
static int allowed_cpus(int *cpus)
{
	cpu_set_t set;
	int n = 0, c;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		perror(PROG ": sched_getaffinity");
		exit(EXIT_FAIL);
	}
	for (c = 0; c < CPU_SETSIZE && n < BENCH_MAX_CPUS; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

static void set_order(const char *spec)
{
	int allowed[BENCH_MAX_CPUS], n = allowed_cpus(allowed), ab[2], i, k;
	char list[256], *comma, buf[64];

	if (!spec) {
		memcpy(opt.order, allowed, n * sizeof(int));
		opt.norder = n;
		return;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	comma = strchr(buf, ',');
	if (!comma || strlen(spec) >= sizeof(buf))
		usage_error("--cpus '%s': expected two CPUs as A,B", spec);
	*comma = 0;
	ab[0] = parse_long("--cpus", buf, 0, CPU_SETSIZE - 1);
	ab[1] = parse_long("--cpus", comma + 1, 0, CPU_SETSIZE - 1);
	if (ab[0] == ab[1])
		usage_error("--cpus %s: A and B must be two different CPUs",
			    spec);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < n && allowed[i] != ab[k]; i++)
			;
		if (i == n)
			usage_error("--cpus %s: CPU %d is not in this process's affinity mask (allowed: %s)",
				    spec, ab[k],
				    cpu_list_text(allowed, n, list, sizeof(list)));
	}
	opt.order[0] = ab[0];
	opt.order[1] = ab[1];
	opt.norder = 2;
	for (i = 0; i < n; i++)
		if (allowed[i] != ab[0] && allowed[i] != ab[1])
			opt.order[opt.norder++] = allowed[i];
}

static void list(void)
{
	const struct bench *b;
	const struct bench_case *c;
	char id[64];

	for (b = bench_table; b->name; b++) {
		printf("%-12s %s\n", b->name, b->summary);
		for (c = b->cases; c->id; c++) {
			snprintf(id, sizeof(id), "%s.%s", b->name, c->id);
			printf("  %-34s %s\n", id, c->summary);
		}
	}
}

static int run(void)
{
	int i, nok = 0, nskip = 0, nfail = 0, broken = 0;
	const struct bench *b;
	const struct bench_case *c;

	env_collect();
	for (b = bench_table; b->name; b++) {
		for (c = b->cases; c->id && !case_wanted(b, c->id); c++)
			;
		if (c->id && b->fn(b)) {
			fprintf(stderr, PROG ": %s: could not run\n", b->name);
			broken = 1;
		}
	}
	print_table(stdout);
	fflush(stdout);
	if (opt.json && write_json(opt.json))
		broken = 1;
	if (opt.csv && write_csv(opt.csv))
		broken = 1;
	for (i = 0; i < rows_count(); i++) {
		switch (row_at(i)->status) {
		case ROW_OK:
			nok++;
			break;
		case ROW_SKIP:
			nskip++;
			break;
		default:
			nfail++;
		}
	}
	if (broken || nfail)
		return EXIT_FAIL;
	if (!nok)
		return nskip ? EXIT_SKIP : EXIT_FAIL;
	return EXIT_OK;
}

enum { OPT_QUICK = 256, OPT_CPUS, OPT_WS, OPT_LOOPS, OPT_SAMPLE, OPT_JSON,
	OPT_CSV, OPT_NOENV, OPT_RELAX };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "ws", required_argument, NULL, OPT_WS },
		{ "loops", required_argument, NULL, OPT_LOOPS },
		{ "sample-ms", required_argument, NULL, OPT_SAMPLE },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "no-env", no_argument, NULL, OPT_NOENV },
		{ "spin-relax", no_argument, NULL, OPT_RELAX },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cpus = NULL, *cmd;
	int reps = -1, sample_ms = -1, o, i;

	opterr = 0;
	while ((o = getopt_long(argc, argv, ":r:h", longopts, NULL)) != -1) {
		switch (o) {
		case 'r':
			reps = parse_long("--reps", optarg, 1, BENCH_MAX_REPS);
			break;
		case OPT_QUICK:
			opt.quick = true;
			break;
		case OPT_CPUS:
			cpus = optarg;
			break;
		case OPT_WS:
			opt.ws_kb = parse_long("--ws", optarg, 0, 1 << 20);
			break;
		case OPT_LOOPS:
			opt.loops = parse_long("--loops", optarg, 1, 1000000000);
			break;
		case OPT_SAMPLE:
			sample_ms = parse_long("--sample-ms", optarg, 1, 10000);
			break;
		case OPT_JSON:
			opt.json = optarg;
			break;
		case OPT_CSV:
			opt.csv = optarg;
			break;
		case OPT_NOENV:
			opt.no_env = true;
			break;
		case OPT_RELAX:
			opt.spin_relax = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case ':':
			usage_error("option '%s' needs an argument",
				    argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		usage_error("missing command: list, run or env");
	cmd = argv[optind++];
	if (!strcmp(cmd, "list")) {
		if (optind < argc)
			usage_error("list takes no argument ('%s')",
				    argv[optind]);
		list();
		return EXIT_OK;
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "env"))
		usage_error("unknown command '%s': list, run or env", cmd);

	if (reps >= 0 && reps < 10 && !opt.quick)
		usage_error("--reps %d: at least 10 repetitions are needed for a median and its 95%% confidence interval (--quick allows fewer, for smoke tests)",
			    reps);
	opt.reps = reps > 0 ? reps : opt.quick ? 3 : 10;
	opt.sample_ms = sample_ms > 0 ? sample_ms : opt.quick ? 1 : 10;
	opt.warmup = 1;
	set_order(cpus);
	if (!strcmp(cmd, "env")) {
		if (optind < argc)
			usage_error("env takes no argument ('%s')",
				    argv[optind]);
		if (rows_init())
			return EXIT_FAIL;
		env_collect();
		print_env(stdout);
		return opt.json && write_json(opt.json) ? EXIT_FAIL : EXIT_OK;
	}
	for (i = optind; i < argc; i++)
		if (select_add(argv[i]))
			usage_error("unknown benchmark or case '%s' (see '" PROG " list')",
				    argv[i]);
	if (rows_init())
		return EXIT_FAIL;
	return run();
}
