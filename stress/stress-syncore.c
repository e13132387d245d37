// SPDX-License-Identifier: GPL-2.0
/*
 * stress-syncore: cross-modify JIT code from one thread while many threads
 * execute it, and check that no thread ever runs a stale generation once
 * the writer's synchronization (membarrier SYNC_CORE by default) returned.
 *
 * See Documentation/stress-syncore.rst for the protocol and the options.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>

#include "arch.h"

#define PROG			"stress-syncore"
#define VERSION			"0.1.0"

#define EXIT_OK			0
#define EXIT_VIOLATION		1
#define EXIT_USAGE		2
#define EXIT_SKIP		4

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MAX_THREADS		4096
#define MAX_VIOL_RECORDS	8	/* kept per executor */
#define RING_SIZE		16	/* last executions per executor */
#define MAX_LAT_SAMPLES		(1u << 20)
#define SLEEPY_WAIT_NS		2000000L
#define INJECT_WINDOW_NS	50000000L
#define INJECT_STALL_AFTER	100
#define INJECT_SIGILL_ROUND	3
#define COMPARE_WINDOW_NS	10000000ull
#define ALTSTACK_SIZE		(64 * 1024)

enum mode {
	MODE_SYNC_CORE,
	MODE_CONSUMER_FENCE,
	MODE_PRIVATE_EXPEDITED,
	MODE_MPROTECT,
	MODE_NONE,
	MODE_RAW,
};

static const char *const mode_names[] = {
	[MODE_SYNC_CORE] = "sync-core",
	[MODE_CONSUMER_FENCE] = "consumer-fence",
	[MODE_PRIVATE_EXPEDITED] = "private-expedited",
	[MODE_MPROTECT] = "mprotect",
	[MODE_NONE] = "none",
	[MODE_RAW] = "raw",
};

enum pattern {
	PAT_BUSY,
	PAT_SLEEPY,
	PAT_MIGRATE,
	PAT_FORK,
	PAT_MIXED,
};

static const char *const pattern_names[] = {
	[PAT_BUSY] = "busy",
	[PAT_SLEEPY] = "sleepy",
	[PAT_MIGRATE] = "migrate",
	[PAT_FORK] = "fork",
	[PAT_MIXED] = "mixed",
};

enum cpu_source {
	CPU_SRC_RSEQ,
	CPU_SRC_GETCPU,
	CPU_SRC_NONE,
};

static const char *const cpu_source_names[] = {
	[CPU_SRC_RSEQ] = "rseq",
	[CPU_SRC_GETCPU] = "getcpu",
	[CPU_SRC_NONE] = "none",
};

#define INJECT_PUBLISH_EARLY	(1u << 0)
#define INJECT_STALL		(1u << 1)
#define INJECT_SIGILL		(1u << 2)

struct options {
	unsigned int threads;
	double duration;		/* seconds, 0 = until --rounds */
	uint64_t rounds;		/* 0 = until --duration */
	enum mode mode;
	enum pattern pattern;
	unsigned int slots;
	bool wx_inplace;
	bool cpus_set;
	cpu_set_t cpus;
	uint64_t seed;
	const char *json;
	int verbose;			/* -1 quiet, 0, 1 verbose */
	unsigned int inject;
	double watchdog;		/* seconds, 0 = off */
	bool compare_raw;
};

/* One execution of JIT code as the executor saw it. */
struct exec_record {
	uint32_t slot;
	uint32_t expected;
	uint32_t returned;
	int32_t cpu;
	int32_t signo;			/* 0, or the signal the code raised */
};

struct executor {
	unsigned int idx;
	enum pattern pattern;
	pid_t tid;
	pthread_t thread;
	bool started;
	uint64_t executions;		/* owner stores, others load: atomics */
	uint64_t violations;
	uint64_t stale;
	uint64_t signals;
	uint64_t unknown_cpu;
	uint64_t *cpu_counts;		/* nr_cpus entries */
	struct exec_record viol[MAX_VIOL_RECORDS];
	unsigned int nviol;
	struct exec_record ring[RING_SIZE];
	unsigned int ring_pos;
	uint64_t rng;
	enum cpu_source cpu_source;
	int exited;
	/* signal recovery */
	sigjmp_buf jb;
	volatile sig_atomic_t in_jit;
	volatile sig_atomic_t last_signo;
	void *altstack;
} __attribute__((aligned(128)));

struct phase_result {
	enum mode mode;
	double elapsed;
	uint64_t rounds;
	uint64_t executions;
	uint64_t violations;
	uint64_t stale;
	uint64_t signals;
	uint64_t grace_periods;
	uint64_t writer_waits;
	uint64_t forks;
	uint64_t barrier_calls;
	uint64_t lat_p50, lat_p99, lat_max;	/* ns */
	uint64_t raw_calls;			/* --compare-raw */
	double raw_s, verified_s;
	enum cpu_source cpu_source;
	uint64_t *cpu_counts;
	bool watchdog_fired;
	char watchdog_msg[256];
	bool stuck;
};

/* Everything shared between the writer and the executors. */
static struct {
	struct options opt;
	enum mode mode;			/* of the phase being run */
	unsigned char *rw;		/* writable view of the code */
	unsigned char *rx;		/* executable view of the code */
	size_t code_size;
	int nr_cpus;
	int allowed[CPU_SETSIZE];
	int nr_allowed;
	struct executor *ex;
	int stop;
	uint64_t pub;			/* slot << 32 | generation */
	uint32_t pub_seq;		/* futex word, bumped per publication */
	int waiters;
	uint32_t inject_seen;
	uint64_t rounds;
	uint64_t grace_periods;
	uint64_t forks;
	uint64_t writer_waits;
	uint64_t raw_calls, raw_ns, verified_ns;
	uint64_t *lat;
	uint64_t nlat;
	uint64_t lat_max;
	uint64_t barrier_calls;
	void *tlb_page;
	pid_t writer_tid;
	int writer_exited;
	int fork_exited;
	bool wx_fallback;
	char skip_reason[256];
} g;

static __thread struct executor *self;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_VIOLATION);
}

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " --help' for more information.\n");
	exit(EXIT_USAGE);
}

static void skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g.skip_reason, sizeof(g.skip_reason), fmt, ap);
	va_end(ap);
	printf("SKIP: %s\n", g.skip_reason);
	exit(EXIT_SKIP);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static int sys_membarrier(int cmd, unsigned int flags, int cpu_id)
{
	return syscall(__NR_membarrier, cmd, flags, cpu_id);
}

static long sys_futex(uint32_t *uaddr, int op, uint32_t val,
		      const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void sleep_ns(long ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000L,
		.tv_nsec = ns % 1000000000L,
	};

	nanosleep(&ts, NULL);
}

static int load_stop(void)
{
	return __atomic_load_n(&g.stop, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------------- */
/* Options                                                                 */

static const char usage_text[] =
"Usage: " PROG " [OPTION]...\n"
"Cross-modify JIT code while many threads run it and check that no thread\n"
"runs a stale generation after the writer's barrier returned.\n"
"\n"
"  -t, --threads N        executor threads (default 4; more than CPUs is fine)\n"
"  -d, --duration SECS    run time in seconds (default 5, or unlimited with -n)\n"
"  -n, --rounds N         stop after N code generations\n"
"      --mode MODE        sync-core (default), consumer-fence,\n"
"                         private-expedited, mprotect, none, raw\n"
"      --pattern PAT      busy (default), sleepy, migrate, fork, mixed\n"
"      --slots K          code slots recycled through RCU (default 32768, >= 2)\n"
"      --wx MODEL         dual (default: RW alias + RX view of a memfd)\n"
"                         or inplace (one RWX mapping)\n"
"      --cpus LIST        run executors on these CPUs (e.g. 0-3,6)\n"
"      --seed N           seed for sleeps, migrations and stalls\n"
"      --json FILE        write the results as JSON to FILE\n"
"      --watchdog SECS    fail when a thread makes no progress for SECS\n"
"                         (default 20, 0 disables)\n"
"      --compare-raw      first run a raw membarrier phase with the same\n"
"                         threads, then report verified/raw rounds per second\n"
"      --inject FAULT     test only: publish-early, stall or sigill\n"
"                         (comma-separated list)\n"
"  -q, --quiet            print only the result line\n"
"  -v, --verbose          print per-executor details\n"
"  -h, --help             show this help\n"
"      --version          show the version\n"
"\n"
"Exit status: 0 no violation, 1 violation or failure, 2 usage error,\n"
"4 unsupported kernel (SKIP).\n";

enum {
	OPT_MODE = 256,
	OPT_PATTERN,
	OPT_SLOTS,
	OPT_WX,
	OPT_CPUS,
	OPT_SEED,
	OPT_JSON,
	OPT_INJECT,
	OPT_WATCHDOG,
	OPT_COMPARE_RAW,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ "threads",	 required_argument, NULL, 't' },
	{ "duration",	 required_argument, NULL, 'd' },
	{ "rounds",	 required_argument, NULL, 'n' },
	{ "mode",	 required_argument, NULL, OPT_MODE },
	{ "pattern",	 required_argument, NULL, OPT_PATTERN },
	{ "slots",	 required_argument, NULL, OPT_SLOTS },
	{ "wx",		 required_argument, NULL, OPT_WX },
	{ "cpus",	 required_argument, NULL, OPT_CPUS },
	{ "seed",	 required_argument, NULL, OPT_SEED },
	{ "json",	 required_argument, NULL, OPT_JSON },
	{ "inject",	 required_argument, NULL, OPT_INJECT },
	{ "watchdog",	 required_argument, NULL, OPT_WATCHDOG },
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

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
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
	if (!*arg || *end || errno || !isfinite(v) || v < 0 ||
	    (!zero_ok && v == 0) || v > 1e6)
		usage_error("invalid %s '%s' (expected %s number of seconds)",
			    option_name(opt), arg,
			    zero_ok ? "a non-negative" : "a positive");
	return v;
}

static int lookup(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
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

static void parse_options(int argc, char **argv, struct options *o)
{
	bool have_duration = false;
	int c, v;

	memset(o, 0, sizeof(*o));
	o->threads = 4;
	o->duration = 5;
	o->mode = MODE_SYNC_CORE;
	o->pattern = PAT_BUSY;
	o->slots = 32768;
	o->seed = 1;
	o->watchdog = 20;

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
			v = lookup(mode_names, ARRAY_SIZE(mode_names), optarg);
			if (v < 0)
				usage_error("invalid --mode '%s' (expected sync-core, consumer-fence, private-expedited, mprotect, none or raw)",
					    optarg);
			o->mode = v;
			break;
		case OPT_PATTERN:
			v = lookup(pattern_names, ARRAY_SIZE(pattern_names),
				   optarg);
			if (v < 0)
				usage_error("invalid --pattern '%s' (expected busy, sleepy, migrate, fork or mixed)",
					    optarg);
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
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case OPT_VERSION:
			printf(PROG " " VERSION "\n");
			exit(EXIT_OK);
		case ':':
			usage_error("option '%s' requires an argument",
				    argv[optind - 1]);
			break;
		default:
			if (optopt && optopt < 256)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->rounds && !have_duration)
		o->duration = 0;
	if (o->compare_raw && o->mode == MODE_RAW)
		usage_error("--compare-raw needs a verifying --mode, not raw");
}

/* ---------------------------------------------------------------------- */
/* Kernel support                                                          */

static void check_kernel(enum mode mode)
{
	int q, need = 0, reg = 0;

	q = sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0);
	if (q < 0) {
		if (errno == ENOSYS)
			skip("membarrier(2) is not implemented (CONFIG_MEMBARRIER=n)");
		if (errno == EPERM)
			skip("membarrier(2) is denied (seccomp?): %s",
			     strerror(errno));
		skip("membarrier QUERY failed: %s", strerror(errno));
	}
	switch (mode) {
	case MODE_SYNC_CORE:
	case MODE_RAW:
		need = MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE;
		reg = MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE;
		break;
	case MODE_PRIVATE_EXPEDITED:
		need = MEMBARRIER_CMD_PRIVATE_EXPEDITED;
		reg = MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
		break;
	default:
		return;
	}
	if (!(q & need))
		skip("membarrier QUERY mask %#x lacks %s", q,
		     need == MEMBARRIER_CMD_PRIVATE_EXPEDITED ?
		     "PRIVATE_EXPEDITED" : "PRIVATE_EXPEDITED_SYNC_CORE");
	if (sys_membarrier(reg, 0, 0))
		skip("membarrier registration %#x failed: %s", reg,
		     strerror(errno));
	if (sys_membarrier(need, 0, 0))
		skip("membarrier command %#x failed: %s", need,
		     strerror(errno));
}

/* ---------------------------------------------------------------------- */
/* Code memory                                                             */

static void setup_code(void)
{
	size_t size = (size_t)g.opt.slots * ARCH_SLOT_SIZE;
	long page = sysconf(_SC_PAGESIZE);
	unsigned int i;
	int fd = -1;

	size = (size + page - 1) & ~((size_t)page - 1);
	g.code_size = size;
	if (!g.opt.wx_inplace) {
		fd = memfd_create("stress-syncore-jit", MFD_CLOEXEC);
		if (fd < 0 && (errno == ENOSYS || errno == EINVAL)) {
			g.opt.wx_inplace = true;
			g.wx_fallback = true;
		} else if (fd < 0) {
			die("memfd_create: %s", strerror(errno));
		}
	}
	if (fd >= 0) {
		if (ftruncate(fd, size))
			die("ftruncate: %s", strerror(errno));
		g.rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			    fd, 0);
		if (g.rw == MAP_FAILED)
			die("mmap RW alias: %s", strerror(errno));
		g.rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED,
			    fd, 0);
		if (g.rx == MAP_FAILED)
			die("mmap RX view: %s", strerror(errno));
		close(fd);
	} else {
		g.rw = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (g.rw == MAP_FAILED)
			die("mmap RWX: %s", strerror(errno));
		g.rx = g.rw;
	}
	/* Every slot starts at generation 0. */
	for (i = 0; i < g.opt.slots; i++)
		arch_emit_gen(g.rw + (size_t)i * ARCH_SLOT_SIZE, 0);
	arch_sync_icache(g.rw, g.rx, size);

	g.tlb_page = mmap(NULL, page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g.tlb_page == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(g.tlb_page, 0, page);
}

typedef uint32_t (*gen_fn)(void);

static gen_fn slot_fn(uint32_t slot)
{
	return (gen_fn)(void *)(g.rx + (size_t)slot * ARCH_SLOT_SIZE);
}

/* ---------------------------------------------------------------------- */
/* Executors                                                               */

static void fault_handler(int signo, siginfo_t *si, void *uc)
{
	struct executor *e = self;

	(void)si;
	(void)uc;
	if (e && e->in_jit) {
		e->in_jit = 0;
		e->last_signo = signo;
		siglongjmp(e->jb, 1);
	}
	/* Not from JIT code: a real bug in the tool, crash as usual. */
	signal(signo, SIG_DFL);
	raise(signo);
}

static void install_fault_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	/* SA_NODEFER: siglongjmp leaves the handler without sigreturn. */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* Call slot code; a fault inside it comes back as *signo != 0. */
static __attribute__((noinline)) uint32_t run_slot(struct executor *e,
						   uint32_t slot, int *signo)
{
	gen_fn fn = slot_fn(slot);
	uint32_t ret;

	e->last_signo = 0;
	if (sigsetjmp(e->jb, 0)) {
		sigset_t set;

		/*
		 * Leaving the handler by siglongjmp skips sigreturn: make sure
		 * the fault signals are not left blocked (some runtimes, e.g.
		 * sanitizers, ignore SA_NODEFER).
		 */
		sigemptyset(&set);
		sigaddset(&set, SIGILL);
		sigaddset(&set, SIGSEGV);
		sigaddset(&set, SIGBUS);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		*signo = e->last_signo;
		return 0;
	}
	e->in_jit = 1;
	ret = fn();
	e->in_jit = 0;
	*signo = 0;
	return ret;
}

static enum cpu_source probe_cpu_source(void)
{
	struct rseq *rs;

	if (__rseq_size >= 8) {
		rs = (struct rseq *)((char *)__builtin_thread_pointer() +
				     __rseq_offset);
		if ((int32_t)__atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED) >= 0)
			return CPU_SRC_RSEQ;
	}
	if (sched_getcpu() >= 0)
		return CPU_SRC_GETCPU;
	return CPU_SRC_NONE;
}

static int current_cpu(struct executor *e)
{
	struct rseq *rs;

	switch (e->cpu_source) {
	case CPU_SRC_RSEQ:
		rs = (struct rseq *)((char *)__builtin_thread_pointer() +
				     __rseq_offset);
		return (int32_t)__atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED);
	case CPU_SRC_GETCPU:
		return sched_getcpu();
	default:
		return -1;
	}
}

static void record(struct executor *e, uint32_t slot, uint32_t expected,
		   uint32_t returned, int signo, int cpu)
{
	struct exec_record *r = &e->ring[e->ring_pos++ % RING_SIZE];

	r->slot = slot;
	r->expected = expected;
	r->returned = returned;
	r->cpu = cpu;
	r->signo = signo;
	if (cpu >= 0 && cpu < g.nr_cpus)
		e->cpu_counts[cpu]++;
	else
		e->unknown_cpu++;
	if (!signo && returned == expected)
		return;
	e->violations++;
	if (signo)
		e->signals++;
	else if (returned < expected)
		e->stale++;
	if (e->nviol < MAX_VIOL_RECORDS)
		e->viol[e->nviol++] = *r;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void sleepy_wait(struct executor *e)
{
	struct timespec ts = { 0, SLEEPY_WAIT_NS };
	uint32_t seq;

	if (rng_next(&e->rng) & 1) {
		/* Sleep until the next publication (or a short timeout). */
		seq = __atomic_load_n(&g.pub_seq, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&g.waiters, 1, __ATOMIC_SEQ_CST);
		sys_futex(&g.pub_seq, FUTEX_WAIT_PRIVATE, seq, &ts);
		__atomic_sub_fetch(&g.waiters, 1, __ATOMIC_SEQ_CST);
	} else {
		sleep_ns(10000 + rng_next(&e->rng) % 190000);
	}
}

static void *executor_main(void *arg)
{
	struct executor *e = arg;
	bool fence = g.mode == MODE_CONSUMER_FENCE;
	bool inject_seen = g.opt.inject & (INJECT_PUBLISH_EARLY | INJECT_SIGILL);
	bool stall = (g.opt.inject & INJECT_STALL) && e->idx == 0;
	uint64_t last = UINT64_MAX, n = 0;
	unsigned int next_cpu = e->idx;
	char name[16];
	stack_t ss;

	self = e;
	e->tid = gettid();
	snprintf(name, sizeof(name), "ssc-exec-%u", e->idx);
	pthread_setname_np(pthread_self(), name);
	ss.ss_sp = e->altstack;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		die("sigaltstack: %s", strerror(errno));
	e->cpu_source = probe_cpu_source();
	urcu_memb_register_thread();

	while (!load_stop()) {
		uint64_t p;
		uint32_t slot, gen, ret;
		int signo;

		switch (e->pattern) {
		case PAT_SLEEPY:
			sleepy_wait(e);
			break;
		case PAT_MIGRATE:
			if (g.nr_allowed > 1 && (n & 63) == 0) {
				next_cpu = (next_cpu + 1 +
					    rng_next(&e->rng) % (g.nr_allowed - 1)) %
					   g.nr_allowed;
				pin_to(g.allowed[next_cpu]);
			}
			break;
		default:
			break;
		}
		if (stall && n >= INJECT_STALL_AFTER) {
			/* Test-only: stop making progress, stay stoppable. */
			while (!load_stop())
				sleep_ns(10000000L);
			break;
		}

		urcu_memb_read_lock();
		p = __atomic_load_n(&g.pub, __ATOMIC_ACQUIRE);
		slot = p >> 32;
		gen = (uint32_t)p;
		if (fence && p != last) {
			arch_consumer_fence();
			last = p;
		}
		ret = run_slot(e, slot, &signo);
		urcu_memb_read_unlock();

		if (inject_seen)
			__atomic_store_n(&g.inject_seen, gen, __ATOMIC_RELAXED);
		record(e, slot, gen, ret, signo, current_cpu(e));
		__atomic_store_n(&e->executions, ++n, __ATOMIC_RELAXED);
	}

	urcu_memb_unregister_thread();
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	__atomic_store_n(&e->exited, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Writer                                                                  */

static void add_latency(uint64_t ns, uint64_t *rng)
{
	uint64_t i;

	g.barrier_calls++;
	if (ns > g.lat_max)
		g.lat_max = ns;
	if (g.nlat < MAX_LAT_SAMPLES) {
		g.lat[g.nlat++] = ns;
		return;
	}
	/* Reservoir sampling keeps the percentiles unbiased. */
	i = rng_next(rng) % g.barrier_calls;
	if (i < MAX_LAT_SAMPLES)
		g.lat[i] = ns;
}

static void barrier(uint64_t *rng)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t t0;
	int ret = 0;

	t0 = now_ns();
	switch (g.mode) {
	case MODE_SYNC_CORE:
	case MODE_RAW:
		ret = sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
				     0, 0);
		break;
	case MODE_PRIVATE_EXPEDITED:
		ret = sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
		break;
	case MODE_MPROTECT:
		/* The TLB-shootdown trick: IPIs, but only a memory barrier. */
		ret = mprotect(g.tlb_page, page, PROT_READ) ||
		      mprotect(g.tlb_page, page, PROT_READ | PROT_WRITE);
		if (!ret)
			*(volatile char *)g.tlb_page = 1;
		break;
	default:
		return;
	}
	if (ret)
		die("%s barrier failed: %s", mode_names[g.mode],
		    strerror(errno));
	add_latency(now_ns() - t0, rng);
}

static void publish(uint32_t slot, uint32_t gen)
{
	__atomic_store_n(&g.pub, (uint64_t)slot << 32 | gen, __ATOMIC_RELEASE);
	__atomic_add_fetch(&g.pub_seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&g.waiters, __ATOMIC_SEQ_CST))
		sys_futex(&g.pub_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

static void wait_inject_window(uint32_t gen)
{
	uint64_t deadline = now_ns() + INJECT_WINDOW_NS;

	/* Hold the window open until an executor ran the unpatched slot. */
	while (__atomic_load_n(&g.inject_seen, __ATOMIC_RELAXED) != gen &&
	       now_ns() < deadline && !load_stop())
		sched_yield();
}

/*
 * Slot recycling. The writer retires the slot it just replaced; a reclaimer
 * thread waits for an RCU grace period over each batch of retired slots and
 * hands them back, the way a JIT frees code through call_rcu(). The writer
 * blocks only when every slot is waiting for a grace period.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t *pending;		/* retired, waiting for a grace period */
	unsigned int npending;
	uint32_t *ready;		/* past a grace period: free */
	unsigned int nready;
	unsigned int batch;
	bool writer_done;
	bool writer_waiting;
	uint64_t writer_waits;
} rcl = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void *reclaimer_main(void *arg)
{
	uint32_t *batch = calloc(g.opt.slots, sizeof(*batch));
	unsigned int n;

	(void)arg;
	if (!batch)
		die("out of memory");
	pthread_setname_np(pthread_self(), "ssc-reclaim");
	pthread_mutex_lock(&rcl.lock);
	for (;;) {
		/* Batch: one grace period per many retired slots. */
		while (!rcl.writer_done &&
		       (!rcl.npending ||
			(!rcl.writer_waiting && rcl.npending < rcl.batch)))
			pthread_cond_wait(&rcl.cond, &rcl.lock);
		if (rcl.writer_done)
			break;
		n = rcl.npending;
		memcpy(batch, rcl.pending, n * sizeof(*batch));
		rcl.npending = 0;
		pthread_mutex_unlock(&rcl.lock);

		urcu_memb_synchronize_rcu();
		__atomic_add_fetch(&g.grace_periods, 1, __ATOMIC_RELAXED);

		pthread_mutex_lock(&rcl.lock);
		memcpy(rcl.ready + rcl.nready, batch, n * sizeof(*batch));
		rcl.nready += n;
		pthread_cond_broadcast(&rcl.cond);
	}
	pthread_mutex_unlock(&rcl.lock);
	free(batch);
	return NULL;
}

/* Hand retired slots over; refill the free list, waiting if needed. */
static void exchange_slots(uint32_t *retired, unsigned int *nretired,
			   uint32_t *free_list, unsigned int *nfree)
{
	pthread_mutex_lock(&rcl.lock);
	memcpy(rcl.pending + rcl.npending, retired,
	       *nretired * sizeof(*retired));
	rcl.npending += *nretired;
	*nretired = 0;
	if (rcl.npending >= rcl.batch)
		pthread_cond_broadcast(&rcl.cond);
	if (!*nfree && !rcl.nready) {
		rcl.writer_waits++;
		rcl.writer_waiting = true;
		pthread_cond_broadcast(&rcl.cond);
		while (!rcl.nready)
			pthread_cond_wait(&rcl.cond, &rcl.lock);
		rcl.writer_waiting = false;
	}
	memcpy(free_list + *nfree, rcl.ready, rcl.nready * sizeof(*free_list));
	*nfree += rcl.nready;
	rcl.nready = 0;
	pthread_mutex_unlock(&rcl.lock);
}

/* Time spent in raw windows (odd COMPARE_WINDOW_NS periods) before @t. */
static uint64_t raw_time_before(uint64_t t)
{
	uint64_t rest = t % (2 * COMPARE_WINDOW_NS);

	return t / (2 * COMPARE_WINDOW_NS) * COMPARE_WINDOW_NS +
	       (rest > COMPARE_WINDOW_NS ? rest - COMPARE_WINDOW_NS : 0);
}

/*
 * Split wall time exactly between the window kinds, whatever the writer was
 * doing (or not scheduled): both rates then see the same machine.
 */
static void account_windows(uint64_t from, uint64_t to)
{
	uint64_t raw = raw_time_before(to) - raw_time_before(from);

	g.raw_ns += raw;
	g.verified_ns += to - from - raw;
}

static void *writer_main(void *arg)
{
	unsigned int nslots = g.opt.slots;
	uint32_t *free_list, *retired;
	unsigned int nfree = 0, nretired = 0, i;
	uint32_t cur = 0, slot, gen;
	uint64_t rng = g.opt.seed * 2 + 0x9e3779b97f4a7c15ull;
	uint64_t round = 0, t_prev, t_now;
	bool raw_window = false;
	pthread_t reclaimer;
	int err;

	(void)arg;
	g.writer_tid = gettid();
	pthread_setname_np(pthread_self(), "ssc-writer");
	free_list = calloc(nslots, sizeof(*free_list));
	retired = calloc(nslots, sizeof(*retired));
	rcl.pending = calloc(nslots, sizeof(*rcl.pending));
	rcl.ready = calloc(nslots, sizeof(*rcl.ready));
	if (!free_list || !retired || !rcl.pending || !rcl.ready)
		die("out of memory");
	rcl.npending = rcl.nready = 0;
	rcl.writer_done = false;
	rcl.writer_waiting = false;
	rcl.writer_waits = 0;
	rcl.batch = nslots / 8 > 64 ? nslots / 8 : 1;
	for (i = nslots - 1; i >= 1; i--)
		free_list[nfree++] = i;
	err = pthread_create(&reclaimer, NULL, reclaimer_main, NULL);
	if (err)
		die("cannot create the reclaimer: %s", strerror(err));

	t_prev = now_ns();
	while (!load_stop()) {
		if (g.opt.rounds && round >= g.opt.rounds)
			break;
		if (g.opt.compare_raw) {
			/*
			 * Alternate raw membarrier windows with verified
			 * windows so both see the same machine load.
			 */
			t_now = now_ns();
			account_windows(t_prev, t_now);
			t_prev = t_now;
			raw_window = (t_now / COMPARE_WINDOW_NS) & 1;
			if (raw_window) {
				if (sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
						   0, 0))
					die("membarrier: %s", strerror(errno));
				g.raw_calls++;
				continue;
			}
		}
		if (g.mode == MODE_RAW) {
			barrier(&rng);
			__atomic_store_n(&g.rounds, ++round, __ATOMIC_RELAXED);
			continue;
		}
		if (!nfree || nretired >= 64)
			exchange_slots(retired, &nretired, free_list, &nfree);
		slot = free_list[--nfree];
		gen = (uint32_t)round + 1;
		if (g.opt.inject & INJECT_PUBLISH_EARLY) {
			/* Test-only fault: expose the slot before patching. */
			publish(slot, gen);
			wait_inject_window(gen);
		}
		if ((g.opt.inject & INJECT_SIGILL) &&
		    round + 1 == INJECT_SIGILL_ROUND)
			arch_emit_trap(g.rw + (size_t)slot * ARCH_SLOT_SIZE);
		else
			arch_emit_gen(g.rw + (size_t)slot * ARCH_SLOT_SIZE, gen);
		arch_sync_icache(g.rw + (size_t)slot * ARCH_SLOT_SIZE,
				 g.rx + (size_t)slot * ARCH_SLOT_SIZE,
				 ARCH_SLOT_SIZE);
		barrier(&rng);
		if (!(g.opt.inject & INJECT_PUBLISH_EARLY)) {
			publish(slot, gen);
			if ((g.opt.inject & INJECT_SIGILL) &&
			    round + 1 == INJECT_SIGILL_ROUND)
				wait_inject_window(gen);
		}
		retired[nretired++] = cur;
		cur = slot;
		__atomic_store_n(&g.rounds, ++round, __ATOMIC_RELAXED);
	}
	if (g.opt.compare_raw)
		account_windows(t_prev, now_ns());
	pthread_mutex_lock(&rcl.lock);
	rcl.writer_done = true;
	pthread_cond_broadcast(&rcl.cond);
	pthread_mutex_unlock(&rcl.lock);
	pthread_join(reclaimer, NULL);
	g.writer_waits = rcl.writer_waits;
	free(rcl.pending);
	free(rcl.ready);
	free(free_list);
	free(retired);
	__atomic_store_n(&g.writer_exited, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Fork/exec churn in the background for --pattern fork and mixed. */
static void *fork_main(void *arg)
{
	static char *const child_argv[] = { "true", NULL };
	pid_t pid;
	int status;

	(void)arg;
	pthread_setname_np(pthread_self(), "ssc-fork");
	while (!load_stop()) {
		pid = fork();
		if (pid == 0) {
			execv("/bin/true", child_argv);
			_exit(0);
		}
		if (pid < 0) {
			sleep_ns(1000000L);
			continue;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		__atomic_add_fetch(&g.forks, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&g.fork_exited, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Running one phase                                                       */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static enum pattern executor_pattern(unsigned int idx)
{
	static const enum pattern mix[] = { PAT_BUSY, PAT_SLEEPY, PAT_MIGRATE };

	if (g.opt.pattern == PAT_MIXED)
		return mix[idx % ARRAY_SIZE(mix)];
	if (g.opt.pattern == PAT_FORK)
		return PAT_BUSY;
	return g.opt.pattern;
}

static bool wait_exited(int *flag, uint64_t deadline)
{
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if (now_ns() > deadline)
			return false;
		sleep_ns(1000000L);
	}
	return true;
}

static void check_watchdog(struct phase_result *res, uint64_t now,
			   uint64_t *last_count, uint64_t *last_change)
{
	uint64_t limit = (uint64_t)(g.opt.watchdog * 1e9);
	unsigned int i, n = g.opt.threads;
	uint64_t c;

	if (!limit || res->watchdog_fired)
		return;
	for (i = 0; i <= n; i++) {
		c = i < n ? __atomic_load_n(&g.ex[i].executions,
					    __ATOMIC_RELAXED) :
			    __atomic_load_n(&g.rounds, __ATOMIC_RELAXED);
		if (c != last_count[i]) {
			last_count[i] = c;
			last_change[i] = now;
			continue;
		}
		if (now - last_change[i] < limit)
			continue;
		if (i < n)
			snprintf(res->watchdog_msg, sizeof(res->watchdog_msg),
				 "watchdog: executor %u (tid %d) made no progress for %.1f s (after %llu executions)",
				 i, g.ex[i].tid, (now - last_change[i]) / 1e9,
				 (unsigned long long)c);
		else
			snprintf(res->watchdog_msg, sizeof(res->watchdog_msg),
				 "watchdog: writer (tid %d) made no progress for %.1f s (after %llu rounds)",
				 g.writer_tid, (now - last_change[i]) / 1e9,
				 (unsigned long long)c);
		res->watchdog_fired = true;
		return;
	}
}

static void run_phase(enum mode mode, struct phase_result *res)
{
	unsigned int i, n = g.opt.threads;
	uint64_t start, now, end, deadline, next_progress;
	uint64_t *last_count, *last_change;
	pthread_t writer, forker;
	bool forking = g.opt.pattern == PAT_FORK ||
		       g.opt.pattern == PAT_MIXED;
	bool tty = isatty(STDERR_FILENO) && g.opt.verbose >= 0;
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	memset(res, 0, sizeof(*res));
	res->mode = mode;
	g.mode = mode;
	g.stop = 0;
	g.rounds = 0;
	g.grace_periods = 0;
	g.writer_waits = 0;
	g.raw_calls = g.raw_ns = g.verified_ns = 0;
	g.forks = 0;
	g.nlat = 0;
	g.lat_max = 0;
	g.barrier_calls = 0;
	g.writer_exited = 0;
	g.fork_exited = 0;
	g.inject_seen = 0;
	for (i = 0; i < g.opt.slots; i++)
		arch_emit_gen(g.rw + (size_t)i * ARCH_SLOT_SIZE, 0);
	arch_sync_icache(g.rw, g.rx, g.code_size);
	__atomic_store_n(&g.pub, 0, __ATOMIC_RELEASE);

	g.ex = aligned_alloc(128, sizeof(*g.ex) * n);
	last_count = calloc(n + 1, sizeof(*last_count));
	last_change = calloc(n + 1, sizeof(*last_change));
	if (!g.ex || !last_count || !last_change)
		die("out of memory");
	memset(g.ex, 0, sizeof(*g.ex) * n);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (g.opt.cpus_set)
		pthread_attr_setaffinity_np(&attr, sizeof(g.opt.cpus),
					    &g.opt.cpus);
	for (i = 0; i < n; i++) {
		struct executor *e = &g.ex[i];

		e->idx = i;
		e->pattern = executor_pattern(i);
		e->rng = g.opt.seed * 0x100000001b3ull + i + 1;
		e->cpu_counts = calloc(g.nr_cpus, sizeof(*e->cpu_counts));
		e->altstack = malloc(ALTSTACK_SIZE);
		if (!e->cpu_counts || !e->altstack)
			die("out of memory");
		if (e->pattern == PAT_MIGRATE && g.nr_allowed > 0) {
			CPU_ZERO(&set);
			CPU_SET(g.allowed[i % g.nr_allowed], &set);
			pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		} else if (g.opt.cpus_set) {
			pthread_attr_setaffinity_np(&attr, sizeof(g.opt.cpus),
						    &g.opt.cpus);
		}
		err = pthread_create(&e->thread, &attr, executor_main, e);
		if (err)
			die("cannot create executor %u: %s", i, strerror(err));
		e->started = true;
	}
	pthread_attr_destroy(&attr);

	start = now_ns();
	err = pthread_create(&writer, NULL, writer_main, NULL);
	if (err)
		die("cannot create the writer: %s", strerror(err));
	if (forking) {
		err = pthread_create(&forker, NULL, fork_main, NULL);
		if (err)
			die("cannot create the fork thread: %s", strerror(err));
	}
	for (i = 0; i <= n; i++)
		last_change[i] = start;

	end = g.opt.duration > 0 ? start + (uint64_t)(g.opt.duration * 1e9) :
				   UINT64_MAX;
	next_progress = start + 1000000000ull;
	for (;;) {
		sleep_ns(20000000L);
		now = now_ns();
		if (now >= end ||
		    __atomic_load_n(&g.writer_exited, __ATOMIC_ACQUIRE))
			break;
		check_watchdog(res, now, last_count, last_change);
		if (res->watchdog_fired)
			break;
		if (tty && now >= next_progress) {
			uint64_t ex = 0;

			for (i = 0; i < n; i++)
				ex += __atomic_load_n(&g.ex[i].executions,
						      __ATOMIC_RELAXED);
			fprintf(stderr, "\r%s: %.0f s, %llu rounds, %llu executions ",
				mode_names[mode], (now - start) / 1e9,
				(unsigned long long)__atomic_load_n(&g.rounds,
							__ATOMIC_RELAXED),
				(unsigned long long)ex);
			next_progress += 1000000000ull;
		}
	}
	__atomic_store_n(&g.stop, 1, __ATOMIC_RELAXED);
	/* Wake sleepers now rather than at their timeout. */
	__atomic_add_fetch(&g.pub_seq, 1, __ATOMIC_SEQ_CST);
	sys_futex(&g.pub_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	res->elapsed = (now_ns() - start) / 1e9;
	if (tty)
		fputc('\n', stderr);

	/* Never hang: threads that do not stop are reported, not joined. */
	deadline = now_ns() + 5000000000ull;
	if (wait_exited(&g.writer_exited, deadline))
		pthread_join(writer, NULL);
	else
		res->stuck = true;
	if (forking) {
		if (wait_exited(&g.fork_exited, deadline))
			pthread_join(forker, NULL);
		else
			res->stuck = true;
	}
	for (i = 0; i < n; i++) {
		if (wait_exited(&g.ex[i].exited, deadline))
			pthread_join(g.ex[i].thread, NULL);
		else
			res->stuck = true;
	}
	if (res->stuck && !res->watchdog_fired) {
		res->watchdog_fired = true;
		snprintf(res->watchdog_msg, sizeof(res->watchdog_msg),
			 "watchdog: %s did not stop within 5 s",
			 g.writer_exited ? "an executor" : "the writer");
	}

	res->rounds = g.rounds;
	res->grace_periods = g.grace_periods;
	res->writer_waits = g.writer_waits;
	res->raw_calls = g.raw_calls;
	res->raw_s = g.raw_ns / 1e9;
	res->verified_s = g.verified_ns / 1e9;
	res->forks = g.forks;
	res->barrier_calls = g.barrier_calls;
	res->lat_max = g.lat_max;
	if (g.nlat) {
		qsort(g.lat, g.nlat, sizeof(*g.lat), cmp_u64);
		res->lat_p50 = g.lat[g.nlat / 2];
		res->lat_p99 = g.lat[(g.nlat * 99) / 100];
	}
	res->cpu_counts = calloc(g.nr_cpus + 1, sizeof(*res->cpu_counts));
	if (!res->cpu_counts)
		die("out of memory");
	res->cpu_source = CPU_SRC_RSEQ;
	for (i = 0; i < n; i++) {
		struct executor *e = &g.ex[i];
		int c;

		res->executions += e->executions;
		res->violations += e->violations;
		res->stale += e->stale;
		res->signals += e->signals;
		if (e->cpu_source > res->cpu_source)
			res->cpu_source = e->cpu_source;
		for (c = 0; c < g.nr_cpus; c++)
			res->cpu_counts[c] += e->cpu_counts[c];
		res->cpu_counts[g.nr_cpus] += e->unknown_cpu;
	}
	free(last_count);
	free(last_change);
}

static void free_executors(void)
{
	unsigned int i;

	/* Threads that never stopped may still use their memory. */
	for (i = 0; i < g.opt.threads; i++) {
		if (!g.ex[i].exited)
			return;
	}
	for (i = 0; i < g.opt.threads; i++) {
		free(g.ex[i].cpu_counts);
		free(g.ex[i].altstack);
	}
	free(g.ex);
	g.ex = NULL;
}

/* ---------------------------------------------------------------------- */
/* Reports                                                                 */

static const char *signame(int signo)
{
	switch (signo) {
	case SIGILL:
		return "SIGILL";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	default:
		return "signal";
	}
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns >= 1000000)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.1f us", ns / 1e3);
}

static void cpu_model(char *buf, size_t len)
{
	static const char *const keys[] = { "model name", "Model", "CPU part" };
	char line[256], *v;
	unsigned int k;
	FILE *f;

	snprintf(buf, len, "unknown");
	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		f = fopen("/proc/cpuinfo", "r");
		if (!f)
			return;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, keys[k], strlen(keys[k])))
				continue;
			v = strchr(line, ':');
			if (!v)
				continue;
			v += 1 + strspn(v + 1, " \t");
			v[strcspn(v, "\n")] = 0;
			snprintf(buf, len, "%s%s", k == 2 ? "CPU part " : "", v);
			fclose(f);
			return;
		}
		fclose(f);
	}
}

static double rate(uint64_t n, double s)
{
	return s > 0 ? n / s : 0;
}

static double ratio(const struct phase_result *r)
{
	double raw = rate(r->raw_calls, r->raw_s);

	return raw > 0 ? rate(r->rounds, r->verified_s) / raw : 0;
}

static bool uses_barrier(enum mode m)
{
	return m != MODE_NONE && m != MODE_CONSUMER_FENCE;
}

static void print_phase(const struct phase_result *r)
{
	char p50[32], p99[32], max[32];
	unsigned int i;
	int c;

	printf("phase %s: %.2f s\n", mode_names[r->mode], r->elapsed);
	printf("  rounds:          %llu (%.1f/s)\n",
	       (unsigned long long)r->rounds, rate(r->rounds, r->elapsed));
	printf("  executions:      %llu (%.1f/s)\n",
	       (unsigned long long)r->executions,
	       rate(r->executions, r->elapsed));
	printf("  violations:      %llu (stale %llu, signals %llu)\n",
	       (unsigned long long)r->violations,
	       (unsigned long long)r->stale, (unsigned long long)r->signals);
	if (uses_barrier(r->mode)) {
		fmt_ns(p50, sizeof(p50), r->lat_p50);
		fmt_ns(p99, sizeof(p99), r->lat_p99);
		fmt_ns(max, sizeof(max), r->lat_max);
		printf("  %-16s p50 %s, p99 %s, max %s (%llu calls)\n",
		       r->mode == MODE_MPROTECT ? "mprotect:" : "membarrier:",
		       p50, p99, max, (unsigned long long)r->barrier_calls);
	} else {
		printf("  membarrier:      not used in this mode\n");
	}
	if (r->mode != MODE_RAW)
		printf("  grace periods:   %llu (writer waited for free slots %llu times)\n",
		       (unsigned long long)r->grace_periods,
		       (unsigned long long)r->writer_waits);
	if (r->forks)
		printf("  forks:           %llu\n", (unsigned long long)r->forks);
	printf("  cpu attribution: %s\n", cpu_source_names[r->cpu_source]);
	for (c = 0; c < g.nr_cpus; c++)
		if (r->cpu_counts[c])
			printf("  cpu %-3d          %llu executions\n", c,
			       (unsigned long long)r->cpu_counts[c]);
	if (r->cpu_counts[g.nr_cpus])
		printf("  cpu unknown      %llu executions\n",
		       (unsigned long long)r->cpu_counts[g.nr_cpus]);
	if (g.opt.verbose > 0 && g.ex) {
		for (i = 0; i < g.opt.threads; i++)
			printf("  executor %-4u   %s, %llu executions, %llu violations\n",
			       i, pattern_names[g.ex[i].pattern],
			       (unsigned long long)g.ex[i].executions,
			       (unsigned long long)g.ex[i].violations);
	}
}

static void print_violations(void)
{
	unsigned int i, j, shown = 0, limit = g.opt.verbose > 0 ? 1000 : 10;

	if (!g.ex)
		return;
	for (i = 0; i < g.opt.threads; i++) {
		struct executor *e = &g.ex[i];

		for (j = 0; j < e->nviol && shown < limit; j++, shown++) {
			struct exec_record *r = &e->viol[j];

			if (r->signo)
				printf("violation: executor %u cpu %d slot %u generation %u: %s in JIT code\n",
				       i, r->cpu, r->slot, r->expected,
				       signame(r->signo));
			else
				printf("violation: executor %u cpu %d slot %u expected %u returned %u (%s)\n",
				       i, r->cpu, r->slot, r->expected,
				       r->returned,
				       r->returned < r->expected ? "stale" :
								   "wrong");
		}
	}
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_phase(FILE *f, const struct phase_result *r)
{
	bool first = true;
	int c;

	fprintf(f, "{\"mode\": \"%s\", \"elapsed_s\": %.3f, ",
		mode_names[r->mode], r->elapsed);
	fprintf(f, "\"rounds\": %llu, \"rounds_per_s\": %.1f, ",
		(unsigned long long)r->rounds, rate(r->rounds, r->elapsed));
	fprintf(f, "\"executions\": %llu, \"violations\": %llu, ",
		(unsigned long long)r->executions,
		(unsigned long long)r->violations);
	fprintf(f, "\"stale\": %llu, \"signals\": %llu, ",
		(unsigned long long)r->stale, (unsigned long long)r->signals);
	fprintf(f, "\"grace_periods\": %llu, \"writer_waits\": %llu, \"forks\": %llu, ",
		(unsigned long long)r->grace_periods,
		(unsigned long long)r->writer_waits,
		(unsigned long long)r->forks);
	fprintf(f, "\"membarrier\": {\"used\": %s, \"calls\": %llu, \"p50_ns\": %llu, \"p99_ns\": %llu, \"max_ns\": %llu}, ",
		uses_barrier(r->mode) ? "true" : "false",
		(unsigned long long)r->barrier_calls,
		(unsigned long long)r->lat_p50,
		(unsigned long long)r->lat_p99,
		(unsigned long long)r->lat_max);
	fprintf(f, "\"cpu_attribution\": \"%s\", \"per_cpu\": [",
		cpu_source_names[r->cpu_source]);
	for (c = 0; c <= g.nr_cpus; c++) {
		if (!r->cpu_counts[c])
			continue;
		fprintf(f, "%s{\"cpu\": %d, \"executions\": %llu}",
			first ? "" : ", ", c < g.nr_cpus ? c : -1,
			(unsigned long long)r->cpu_counts[c]);
		first = false;
	}
	fprintf(f, "], \"watchdog_fired\": %s}",
		r->watchdog_fired ? "true" : "false");
}

static void write_json(const char *path, const struct phase_result *main_res,
		       int exit_code)
{
	struct utsname uts;
	char model[128];
	FILE *f;

	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", path,
			strerror(errno));
		return;
	}
	uname(&uts);
	cpu_model(model, sizeof(model));
	fprintf(f, "{\n  \"tool\": \"" PROG "\",\n  \"version\": \"" VERSION "\",\n");
	fprintf(f, "  \"environment\": {\"kernel_release\": ");
	json_string(f, uts.release);
	fprintf(f, ", \"machine\": ");
	json_string(f, uts.machine);
	fprintf(f, ", \"arch\": \"%s\", \"cpu_model\": ", arch_name());
	json_string(f, model);
	fprintf(f, ", \"cpus_online\": %d, \"arch_detail\": ", get_nprocs());
	json_string(f, arch_describe());
	fprintf(f, "},\n");
	fprintf(f, "  \"mode\": \"%s\",\n  \"pattern\": \"%s\",\n",
		mode_names[main_res->mode], pattern_names[g.opt.pattern]);
	fprintf(f, "  \"threads\": %u,\n  \"slots\": %u,\n  \"wx\": \"%s\",\n",
		g.opt.threads, g.opt.slots,
		g.opt.wx_inplace ? "inplace" : "dual");
	fprintf(f, "  \"seed\": %llu,\n  \"duration_s\": %.3f,\n",
		(unsigned long long)g.opt.seed, g.opt.duration);
	fprintf(f, "  \"inject\": [%s%s%s%s%s],\n",
		g.opt.inject & INJECT_PUBLISH_EARLY ? "\"publish-early\"" : "",
		(g.opt.inject & INJECT_PUBLISH_EARLY) &&
		(g.opt.inject & ~INJECT_PUBLISH_EARLY) ? ", " : "",
		g.opt.inject & INJECT_STALL ? "\"stall\"" : "",
		(g.opt.inject & INJECT_STALL) &&
		(g.opt.inject & INJECT_SIGILL) ? ", " : "",
		g.opt.inject & INJECT_SIGILL ? "\"sigill\"" : "");
	fprintf(f, "  \"rounds\": %llu,\n  \"rounds_per_s\": %.1f,\n",
		(unsigned long long)main_res->rounds,
		rate(main_res->rounds, main_res->elapsed));
	fprintf(f, "  \"executions\": %llu,\n  \"violations\": %llu,\n",
		(unsigned long long)main_res->executions,
		(unsigned long long)main_res->violations);
	fprintf(f, "  \"membarrier_latency_ns\": {\"p50\": %llu, \"p99\": %llu, \"max\": %llu},\n",
		(unsigned long long)main_res->lat_p50,
		(unsigned long long)main_res->lat_p99,
		(unsigned long long)main_res->lat_max);
	fprintf(f, "  \"cpu_attribution\": \"%s\",\n",
		cpu_source_names[main_res->cpu_source]);
	fprintf(f, "  \"phase\": ");
	json_phase(f, main_res);
	fprintf(f, ",\n");
	if (g.opt.compare_raw)
		fprintf(f, "  \"compare_raw\": {\"verified_rounds_per_s\": %.1f, \"verified_s\": %.3f, \"raw_calls_per_s\": %.1f, \"raw_s\": %.3f, \"raw_calls\": %llu, \"verified_over_raw\": %.3f},\n",
			rate(main_res->rounds, main_res->verified_s),
			main_res->verified_s,
			rate(main_res->raw_calls, main_res->raw_s),
			main_res->raw_s,
			(unsigned long long)main_res->raw_calls,
			ratio(main_res));
	fprintf(f, "  \"watchdog\": ");
	json_string(f, main_res->watchdog_fired ? main_res->watchdog_msg : "");
	fprintf(f, ",\n  \"result\": \"%s\",\n  \"exit_code\": %d\n}\n",
		exit_code ? "fail" : "pass", exit_code);
	fclose(f);
}

/* ---------------------------------------------------------------------- */

static void setup_cpus(void)
{
	cpu_set_t set;
	int c;

	g.nr_cpus = get_nprocs_conf();
	if (g.nr_cpus < 1)
		g.nr_cpus = 1;
	if (g.opt.cpus_set)
		set = g.opt.cpus;
	else if (sched_getaffinity(0, sizeof(set), &set))
		CPU_ZERO(&set);
	for (c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		g.allowed[g.nr_allowed++] = c;
		if (c >= g.nr_cpus)
			g.nr_cpus = c + 1;
	}
}

int main(int argc, char **argv)
{
	struct phase_result res;
	int exit_code = EXIT_OK;

	parse_options(argc, argv, &g.opt);
	setvbuf(stdout, NULL, _IOLBF, 0);
	arch_init();
	setup_cpus();
	check_kernel(g.opt.mode);
	if (g.opt.compare_raw)
		check_kernel(MODE_RAW);
	setup_code();
	install_fault_handlers();
	g.lat = malloc(MAX_LAT_SAMPLES * sizeof(*g.lat));
	if (!g.lat)
		die("out of memory");

	if (g.opt.verbose >= 0) {
		printf(PROG " " VERSION ": mode %s, pattern %s, %u executors on %d CPUs, %s\n",
		       mode_names[g.opt.mode], pattern_names[g.opt.pattern],
		       g.opt.threads, g.nr_allowed, arch_name());
		printf("code: %u slots of %d bytes, wx %s%s; %s\n",
		       g.opt.slots, ARCH_SLOT_SIZE,
		       g.opt.wx_inplace ? "inplace" : "dual",
		       g.wx_fallback ? " (memfd_create unavailable)" : "",
		       arch_describe());
		if (g.opt.mode == MODE_PRIVATE_EXPEDITED ||
		    g.opt.mode == MODE_MPROTECT || g.opt.mode == MODE_NONE)
			printf("note: mode %s is a negative control: it does not serialize cores\n",
			       mode_names[g.opt.mode]);
		if (g.opt.inject)
			printf("note: faults injected on purpose: violations are expected\n");
	}

	run_phase(g.opt.mode, &res);

	if (g.opt.verbose >= 0) {
		print_phase(&res);
		print_violations();
	}
	if (res.violations)
		exit_code = EXIT_VIOLATION;
	if (res.watchdog_fired) {
		fprintf(stderr, PROG ": %s\n", res.watchdog_msg);
		printf("%s\n", res.watchdog_msg);
		exit_code = EXIT_VIOLATION;
	}
	if (g.opt.compare_raw && g.opt.verbose >= 0)
		printf("verified/raw: %.3f (%.1f verified rounds/s over %.2f s / %.1f raw membarrier calls/s over %.2f s, interleaved, %u executors)\n",
		       ratio(&res), rate(res.rounds, res.verified_s),
		       res.verified_s, rate(res.raw_calls, res.raw_s),
		       res.raw_s, g.opt.threads);
	if (g.opt.json)
		write_json(g.opt.json, &res, exit_code);
	printf("result: %s: %llu rounds, %llu executions, %llu violations\n",
	       exit_code ? "FAIL" : "PASS", (unsigned long long)res.rounds,
	       (unsigned long long)res.executions,
	       (unsigned long long)res.violations);
	fflush(stdout);
	if (res.stuck)
		_exit(exit_code);	/* stuck threads cannot be joined */
	free_executors();
	free(res.cpu_counts);
	free(g.lat);
	return exit_code;
}
