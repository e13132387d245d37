// SPDX-License-Identifier: GPL-2.0
/*
 * Command line of stress-syncore: usage text, option table, parsers and
 * validation.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modes.h"
#include "options.h"
#include "util.h"

const struct pattern_desc patterns[] = {
	[PAT_BUSY] = { "busy", "call the code in a tight loop (the default)" },
	[PAT_SLEEPY] = { "sleepy", "wait or sleep between calls: CPUs idle, lazily" },
	[PAT_MIGRATE] = { "migrate", "re-pin to another CPU every 64 calls" },
	[PAT_FORK] = { "fork", "busy, plus a thread that forks and execs", true },
	[PAT_MIXED] = { "mixed", "busy, sleepy and migrate in turn, with the forks",
			true },
};

const unsigned int nr_patterns = ARRAY_SIZE(patterns);

static void __attribute__((format(printf, 1, 2)))
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

static const char usage_text[] =
"Usage: " PROG " [OPTION]...\n"
"Cross-modify JIT code while many threads run it and check that no thread\n"
"runs a stale generation after the writer's barrier returned.\n"
"\n"
"  -t, --threads N        executor threads (default 4; more than CPUs is fine)\n"
"  -d, --duration SECS    run time in seconds (default 5, or unlimited with -n)\n"
"  -n, --rounds N         stop after N code generations\n"
"      --mode MODE        how the writer publishes code (below)\n"
"      --profile NAME     replay a runtime's protocol instead (below)\n"
"      --pattern PAT      what executors do between calls (below)\n"
"      --slots K          code slots recycled through RCU (default 32768, >= 2)\n"
"      --wx MODEL         dual (default: RW alias + RX view of a memfd)\n"
"                         or inplace (one RWX mapping)\n"
"      --cpus LIST        run executors on these CPUs (e.g. 0-3,6)\n"
"      --seed N           seed for sleeps, migrations and stalls\n"
"      --json FILE        write the results as JSON to FILE\n"
"      --executor-nice N  run the executors at nice N (0..19; default 19 with\n"
"                         more than 8 executors per CPU, else 0): the writer\n"
"                         keeps its share of the CPU and verifies rounds\n"
"      --watchdog SECS    fail when a thread makes no progress for SECS\n"
"                         (default 20, 0 disables)\n"
"      --compare-raw      alternate 10 ms windows of raw membarrier calls with\n"
"                         verified rounds, same threads; report verified/raw\n"
"      --probe            report what this environment gives a JIT (membarrier\n"
"                         commands issued and checked, registration cost)\n"
"                         and exit; only --json goes with it\n"
"      --inject FAULT     test only: publish-early, stall or sigill\n"
"                         (comma-separated list)\n"
"  -q, --quiet            print only the result line\n"
"  -v, --verbose          print per-executor details\n"
"  -h, --help             show this help\n"
"      --version          show the version\n";

static const char usage_tail[] =
"\n"
"Exit status: 0 no violation, 1 violation or failure, 2 usage error,\n"
"4 unsupported kernel (SKIP), 128+N stopped by signal N (SIGINT, SIGTERM,\n"
"SIGHUP: the figures so far are reported).\n";

enum {
	OPT_MODE = 256,
	OPT_PROFILE,
	OPT_PATTERN,
	OPT_SLOTS,
	OPT_WX,
	OPT_CPUS,
	OPT_SEED,
	OPT_JSON,
	OPT_INJECT,
	OPT_WATCHDOG,
	OPT_EXECUTOR_NICE,
	OPT_PROBE,
	OPT_COMPARE_RAW,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ "threads",	 required_argument, NULL, 't' },
	{ "duration",	 required_argument, NULL, 'd' },
	{ "rounds",	 required_argument, NULL, 'n' },
	{ "mode",	 required_argument, NULL, OPT_MODE },
	{ "profile",	 required_argument, NULL, OPT_PROFILE },
	{ "pattern",	 required_argument, NULL, OPT_PATTERN },
	{ "slots",	 required_argument, NULL, OPT_SLOTS },
	{ "wx",		 required_argument, NULL, OPT_WX },
	{ "cpus",	 required_argument, NULL, OPT_CPUS },
	{ "seed",	 required_argument, NULL, OPT_SEED },
	{ "json",	 required_argument, NULL, OPT_JSON },
	{ "inject",	 required_argument, NULL, OPT_INJECT },
	{ "watchdog",	 required_argument, NULL, OPT_WATCHDOG },
	{ "executor-nice", required_argument, NULL, OPT_EXECUTOR_NICE },
	/* Handled before main(), by probe_main() (probe.c). */
	{ "probe",	 no_argument,	    NULL, OPT_PROBE },
	{ "compare-raw", no_argument,	    NULL, OPT_COMPARE_RAW },
	{ "quiet",	 no_argument,	    NULL, 'q' },
	{ "verbose",	 no_argument,	    NULL, 'v' },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ "version",	 no_argument,	    NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char *option_name(int val)
{
	static char buf[32];
	const struct option *o;

	for (o = long_options; o->name; o++)
		if (o->val == val) {
			snprintf(buf, sizeof(buf), "--%s", o->name);
			return buf;
		}
	snprintf(buf, sizeof(buf), "-%c", val);
	return buf;
}

/* Decimal digits only: no sign, no space, no octal "010", no hex. */
static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

static uint64_t parse_uint_opt(int opt, const char *arg, uint64_t min,
			       uint64_t max)
{
	uint64_t v;

	if (!parse_u64(arg, &v) || v < min || v > max)
		usage_error("invalid %s '%s' (expected an integer in %llu..%llu)",
			    option_name(opt), arg, (unsigned long long)min,
			    (unsigned long long)max);
	return v;
}

static double parse_seconds_opt(int opt, const char *arg, bool zero_ok)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!((*arg >= '0' && *arg <= '9') || *arg == '.') || *end || errno ||
	    !isfinite(v) || (!zero_ok && v == 0) || v > 1e6)
		usage_error("invalid %s '%s' (expected %s number of seconds, at most 1000000)",
			    option_name(opt), arg,
			    zero_ok ? "a non-negative" : "a positive");
	return v;
}

/*
 * getopt_long() refused @arg: say why. A long option may be given a value
 * it does not take, or be an ambiguous prefix; only a short option's
 * error is in @opt.
 */
static void option_error(const char *arg, int opt)
{
	const struct option *o, *exact = NULL;
	char list[256] = "";
	size_t len, used = 0;
	int matches = 0;

	if (strncmp(arg, "--", 2)) {
		if (opt > 0 && opt < 256)
			usage_error("unknown option '-%c'", opt);
		usage_error("unknown option '%s'", arg);
	}
	arg += 2;
	len = strcspn(arg, "=");
	for (o = long_options; o->name; o++) {
		if (strncmp(o->name, arg, len))
			continue;
		if (strlen(o->name) == len)
			exact = o;
		used += snprintf(list + used, sizeof(list) - used, "%s--%s",
				 matches++ ? ", " : "", o->name);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
	}
	if (exact && arg[len] == '=' && exact->has_arg == no_argument)
		usage_error("option '--%s' takes no value", exact->name);
	if (!exact && matches > 1)
		usage_error("ambiguous option '--%.*s' (%s)", (int)len, arg,
			    list);
	if (matches == 1 && arg[len] == '=')
		usage_error("option '%s' takes no value", list);
	usage_error("unknown option '--%.*s'", (int)len, arg);
}

static int pattern_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_patterns; i++)
		if (!strcmp(patterns[i].name, name))
			return i;
	return -1;
}

static const char *pattern_list(void)
{
	static char buf[128];
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < nr_patterns; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			 !i ? "" : i + 1 == nr_patterns ? " or " : ", ",
			 patterns[i].name);
	return buf;
}

/* The usage text, with the modes, profiles and patterns of the tables. */
static void usage(void)
{
	unsigned int i;
	int profile;

	fputs(usage_text, stdout);
	for (profile = 0; profile <= 1; profile++) {
		printf(profile ? "\nRuntime profiles (--profile), each the protocol of the runtime's source\nnamed in the manual:\n" :
				 "\nModes (--mode):\n");
		for (i = 0; i < nr_modes; i++)
			if (modes[i].profile == profile)
				printf("  %-19s %s\n", modes[i].name,
				       modes[i].help);
	}
	printf("\nPatterns (--pattern):\n");
	for (i = 0; i < nr_patterns; i++)
		printf("  %-19s %s\n", patterns[i].name, patterns[i].help);
	fputs(usage_tail, stdout);
}

static void parse_cpus(const char *arg, cpu_set_t *set)
{
	cpu_set_t allowed;
	const char *p = arg;
	char *end;
	long a, b, c;

	CPU_ZERO(set);
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		CPU_ZERO(&allowed);
	while (*p) {
		if (*p < '0' || *p > '9')
			goto bad;
		a = strtol(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				goto bad;
			b = strtol(p, &end, 10);
		}
		if (a > b || b >= CPU_SETSIZE)
			goto bad;
		for (c = a; c <= b; c++) {
			if (!CPU_ISSET(c, &allowed))
				usage_error("invalid --cpus '%s' (CPU %ld is not available)",
					    arg, c);
			CPU_SET(c, set);
		}
		p = end;
		if (*p == ',') {
			p++;
			if (!*p)
				goto bad;
		} else if (*p) {
			goto bad;
		}
	}
	if (CPU_COUNT(set))
		return;
bad:
	usage_error("invalid --cpus '%s' (expected a list such as 0-3,6)", arg);
}

static void parse_inject(const char *arg, unsigned int *inject)
{
	char *copy = strdup(arg), *tok, *save = NULL;

	if (!copy)
		die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "publish-early"))
			*inject |= INJECT_PUBLISH_EARLY;
		else if (!strcmp(tok, "stall"))
			*inject |= INJECT_STALL;
		else if (!strcmp(tok, "sigill"))
			*inject |= INJECT_SIGILL;
		else
			usage_error("invalid --inject '%s' (expected publish-early, stall or sigill)",
				    tok);
	}
	free(copy);
	if (!*inject)
		usage_error("invalid --inject '%s'", arg);
}

void parse_options(int argc, char **argv, struct options *o)
{
	bool have_duration = false;
	const struct mode *m;
	int c, v, chosen = 0;

	memset(o, 0, sizeof(*o));
	o->threads = 4;
	o->duration = 5;
	o->mode = &modes[0];
	o->pattern = PAT_BUSY;
	o->slots = 32768;
	o->seed = 1;
	o->watchdog = 20;
	o->executor_nice = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:d:n:qvh", long_options,
				NULL)) != -1) {
		switch (c) {
		case 't':
			o->threads = parse_uint_opt(c, optarg, 1, MAX_THREADS);
			break;
		case 'd':
			o->duration = parse_seconds_opt(c, optarg, false);
			have_duration = true;
			break;
		case 'n':
			o->rounds = parse_uint_opt(c, optarg, 1, UINT32_MAX - 1);
			break;
		case OPT_MODE:
		case OPT_PROFILE:
			m = mode_find(optarg, c == OPT_PROFILE);
			if (!m)
				usage_error("invalid %s '%s' (expected %s)",
					    option_name(c), optarg,
					    mode_list(c == OPT_PROFILE, " or "));
			if (chosen && chosen != c)
				usage_error("--mode and --profile exclude each other");
			chosen = c;
			o->mode = m;
			break;
		case OPT_PATTERN:
			v = pattern_find(optarg);
			if (v < 0)
				usage_error("invalid --pattern '%s' (expected %s)",
					    optarg, pattern_list());
			o->pattern = v;
			break;
		case OPT_SLOTS:
			o->slots = parse_uint_opt(c, optarg, 2, 65536);
			break;
		case OPT_WX:
			if (!strcmp(optarg, "dual"))
				o->wx_inplace = false;
			else if (!strcmp(optarg, "inplace"))
				o->wx_inplace = true;
			else
				usage_error("invalid --wx '%s' (expected dual or inplace)",
					    optarg);
			break;
		case OPT_CPUS:
			parse_cpus(optarg, &o->cpus);
			o->cpus_set = true;
			break;
		case OPT_SEED:
			o->seed = parse_uint_opt(c, optarg, 0, UINT64_MAX);
			break;
		case OPT_JSON:
			if (!*optarg)
				usage_error("invalid --json '' (expected a file name)");
			o->json = optarg;
			break;
		case OPT_INJECT:
			parse_inject(optarg, &o->inject);
			break;
		case OPT_WATCHDOG:
			o->watchdog = parse_seconds_opt(c, optarg, true);
			break;
		case OPT_EXECUTOR_NICE:
			o->executor_nice = parse_uint_opt(c, optarg, 0, 19);
			break;
		case OPT_COMPARE_RAW:
			o->compare_raw = true;
			break;
		case 'q':
			o->verbose = -1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage();
			exit(EXIT_OK);
		case OPT_VERSION:
			printf(PROG " " VERSION "\n");
			exit(EXIT_OK);
		case ':':
			usage_error("option '%s' requires an argument",
				    argv[optind - 1]);
			break;
		default:
			option_error(argv[optind - 1], optopt);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->rounds && !have_duration)
		o->duration = 0;
	if (o->compare_raw && o->mode->no_code)
		usage_error("--compare-raw needs a verifying --mode, not raw");
	/* Refused rather than ignored: the run would promise what it skips. */
	if (o->mode->no_code &&
	    (o->inject & (INJECT_PUBLISH_EARLY | INJECT_SIGILL)))
		usage_error("--inject publish-early and sigill need a mode that publishes code, not raw");
	if ((o->inject & INJECT_STALL) && o->watchdog <= 0)
		usage_error("--inject stall needs the watchdog (not --watchdog 0)");
}

