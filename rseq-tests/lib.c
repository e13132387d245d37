// SPDX-License-Identifier: GPL-2.0
/*
 * rseq-tests: the library of the test programs. Options, the machine,
 * threads and memory, each failure reported with its errno so that the
 * tests can tell the environment from the kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rseq-tests.h"

#define RT_MAX_THREADS	1024
/* Workers need little stack; small stacks fit tight address-space limits. */
#define RT_STACK	(256 * 1024)
#define RT_NO_RSEQ	"rseq() returns ENOSYS: kernel without CONFIG_RSEQ or older than 4.18, or a user-mode emulator (qemu-user)"

/* glibc >= 2.35 exports its registration; weak for other libcs. */
extern __attribute__((weak)) const unsigned int __rseq_size;

struct rt_options rt_opt = {
	.mult = 4,
	.duration = 1.0,
};

struct rt_cpus rt_cpus;

const char *rt_broken_build(void)
{
	if (RT_BROKEN_COMMIT)
		return "counter commit not restartable";
	if (RT_BROKEN_FENCE)
		return "fence is a plain memory barrier";
	if (RT_BROKEN_ABORT)
		return "rt_occupy() does not publish rseq_cs";
	if (RT_BROKEN_CPU_ID)
		return "cpu_id read once per thread";
	if (RT_BROKEN_ABI)
		return "rseq() arguments tidied up before the call";
	return "";
}

/* ---- options ---- */

static void usage(FILE *f, const char *extra)
{
	fprintf(f,
		"usage: %s [-t MULT] [-d SECONDS] [-T SECONDS] [-c NAME[,NAME...]] [-l] [-h]\n"
		"  -t MULT     worker threads per allowed CPU, 1 to 64 (default 4)\n"
		"  -d SECONDS  how long each timed test runs, 0.01 to 3600 (default 1)\n"
		"  -T SECONDS  budget for the whole run, 1 to 86400: each test's timeout\n"
		"              is its share (default: none; a timeout is 6 x -d + 60 s)\n"
		"  -c NAMES    run only these tests: a full name as -l prints it, or a\n"
		"              fixture, fixture.variant or test name\n"
		"  -l          list the tests (those of -c) and exit\n"
		"  -h          this help\n"
		"Exit status: 0 passed, 1 a test failed, 2 usage error, 4 all skipped,\n"
		"128+N stopped by signal N.\n%s",
		program_invocation_short_name, extra ? extra : "");
}

/* The numeric options: the values each takes. */
static const struct rt_number {
	int opt;
	double min, max;
	bool whole;
	bool zero_ok;		/* 0 as well: "none" */
	const char *want;
} numbers[] = {
	{ 't', 1, 64, true, false, "a whole number from 1 to 64" },
	{ 'd', 0.01, 3600, false, false, "seconds, from 0.01 to 3600" },
	{ 'T', 1, 86400, false, true, "seconds, from 1 to 86400 (0: no budget)" },
};

/* Parse @arg for numeric option @opt into *@out; 2 (named) if it is bad. */
static int parse_number(int opt, const char *arg, double *out)
{
	const struct rt_number *n = numbers;
	char *end;
	double v;

	while (n->opt != opt)
		n++;
	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(v) ||
	    (n->whole && v != (long)v) ||
	    (!(n->zero_ok && v == 0) && (v < n->min || v > n->max))) {
		fprintf(stderr, "%s: bad -%c '%s': %s\n",
			program_invocation_short_name, opt, arg, n->want);
		return 2;
	}
	*out = v;
	return 0;
}

int rt_parse_options(int argc, char **argv, const char *usage_extra)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int opt;

	while ((opt = getopt_long(argc, argv, "t:d:T:c:lh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 't':
		case 'd':
		case 'T':
			if (parse_number(opt, optarg, &v))
				return 2;
			if (opt == 't')
				rt_opt.mult = v;
			else if (opt == 'd')
				rt_opt.duration = v;
			else
				rt_opt.budget = v;
			break;
		case 'c':
			rt_opt.only = optarg;
			break;
		case 'l':
			rt_opt.list = true;
			break;
		case 'h':
			usage(stdout, usage_extra);
			return 0;
		default:
			usage(stderr, usage_extra);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n",
			program_invocation_short_name, argv[optind]);
		usage(stderr, usage_extra);
		return 2;
	}
	return -1;
}

unsigned int rt_test_timeout(unsigned int nr_tests)
{
	double limit = rt_opt.duration * 6 + 60;

	if (rt_opt.budget > 0 && nr_tests &&
	    rt_opt.budget / nr_tests < limit)
		limit = rt_opt.budget / nr_tests;
	return limit < 1 ? 1 : (unsigned int)limit;
}

/* ---- the machine ---- */

void rt_cpus_init(void)
{
	int i;

	memset(&rt_cpus, 0, sizeof(rt_cpus));
	rt_cpus.nr_slots = sysconf(_SC_NPROCESSORS_CONF);
	if (sched_getaffinity(0, sizeof(rt_cpus.set), &rt_cpus.set))
		CPU_ZERO(&rt_cpus.set);
	for (i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &rt_cpus.set))
			continue;
		rt_cpus.allowed[rt_cpus.nr_allowed++] = i;
		if (i >= rt_cpus.nr_slots)
			rt_cpus.nr_slots = i + 1;
	}
	if (!rt_cpus.nr_allowed) {
		rt_cpus.allowed[rt_cpus.nr_allowed++] = 0;
		CPU_SET(0, &rt_cpus.set);
	}
	if (rt_cpus.nr_slots < 1)
		rt_cpus.nr_slots = 1;
}

int rt_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? errno : 0;
}

int rt_unpin(void)
{
	return sched_setaffinity(0, sizeof(rt_cpus.set), &rt_cpus.set) ?
	       errno : 0;
}

int rt_getcpu(void)
{
	unsigned int cpu;

	return syscall(__NR_getcpu, &cpu, NULL, NULL) ? -1 : (int)cpu;
}

double rt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void rt_sleep(double seconds)
{
	struct timespec ts = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* xorshift: cheap, and one state per thread. */
unsigned int rt_rand(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* ---- rseq and membarrier ---- */

int rt_sys_rseq(void *area, uint32_t len, int flags, uint32_t sig)
{
	return syscall(__NR_rseq, area, len, flags, sig);
}

int rt_sys_membarrier(int cmd, unsigned int flags, int cpu)
{
	return syscall(__NR_membarrier, cmd, flags, cpu);
}

bool rt_glibc_owns_rseq(void)
{
	return &__rseq_size && __rseq_size != 0;
}

enum rt_verdict rt_refused(int err, const char *what, char *why,
			   size_t why_len)
{
	/* 0: no filter, 2: filter; a filter may refuse prctl too. */
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);

	snprintf(why, why_len, "%s: %s%s", what, strerror(err),
		 mode == 0 ? "" : mode > 0 ?
		 " (a seccomp filter is installed: the sandbox refuses it)" :
		 " (whether a seccomp filter refuses it cannot be told)");
	return mode == 0 ? RT_FAIL : RT_SKIP;
}

int rt_register_thread(void)
{
	if (!rseq_register_current_thread())
		return 0;
	return errno ? errno : EINVAL;
}

enum rt_verdict rt_rseq_check(bool own, char *why, size_t why_len)
{
	int err;

	/* A bad call: EINVAL from a kernel with rseq, registered or not. */
	err = rt_sys_rseq(NULL, 0, 0, 0) ? errno : 0;
	if (err == ENOSYS) {
		snprintf(why, why_len, "%s", RT_NO_RSEQ);
		return RT_SKIP;
	}
	if (err != EINVAL)
		return rt_refused(err, "rseq(NULL, 0, 0, 0) does not give EINVAL",
				  why, why_len);
	if (own) {
		if (!rt_glibc_owns_rseq())
			return RT_USABLE;
		snprintf(why, why_len,
			 "glibc owns the rseq registration: start the program with GLIBC_TUNABLES=glibc.pthread.rseq=0");
		return RT_SKIP;
	}
	err = rt_register_thread();
	if (err)
		return rt_refused(err, "rseq registration", why, why_len);
	if (rseq_current_cpu_raw() < 0) {
		snprintf(why, why_len, "rseq registered, but cpu_id is %d",
			 rseq_current_cpu_raw());
		return RT_FAIL;
	}
	return RT_USABLE;
}

/* ---- threads ---- */

static void *trampoline(void *arg)
{
	struct rt_worker *w = arg;
	struct rt_group *g = w->group;
	int err = g->rseq ? rt_register_thread() : 0;
	int gate;

	pthread_mutex_lock(&g->lock);
	if (err && !g->reg_err)
		g->reg_err = err;
	g->ready++;
	pthread_cond_broadcast(&g->cond);
	while (!g->gate)
		pthread_cond_wait(&g->cond, &g->lock);
	gate = g->gate;
	pthread_mutex_unlock(&g->lock);
	if (gate > 0)
		g->fn(w);
	return NULL;
}

const char *rt_limit_hint(int err)
{
	if (err == EAGAIN)
		return " (a limit on processes and threads: RLIMIT_NPROC?)";
	if (err == ENOMEM)
		return " (an address-space limit: RLIMIT_AS?)";
	return "";
}

int rt_group_start(struct rt_group *g, int n, void (*fn)(struct rt_worker *),
		   void *data, bool rseq, char *why, size_t why_len)
{
	pthread_attr_t attr;
	int i, err;

	memset(g, 0, sizeof(*g));
	g->fn = fn;
	g->data = data;
	g->rseq = rseq;
	g->workers = calloc(n, sizeof(*g->workers));
	g->tids = calloc(n, sizeof(*g->tids));
	if (!g->workers || !g->tids) {
		err = ENOMEM;
		snprintf(why, why_len, "cannot allocate %d thread records%s",
			 n, rt_limit_hint(err));
		rt_group_stop(g);
		return err;
	}
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	err = pthread_attr_init(&attr);
	if (!err) {
		pthread_attr_setstacksize(&attr, RT_STACK);
		for (i = 0; i < n; i++) {
			g->workers[i].group = g;
			g->workers[i].idx = i;
			g->workers[i].seed = 0x9e3779b9u * (i + 1);
			err = pthread_create(&g->tids[i], &attr, trampoline,
					     &g->workers[i]);
			if (err)
				break;
			g->nr++;
		}
		pthread_attr_destroy(&attr);
	}
	if (err)
		snprintf(why, why_len, "cannot start thread %d of %d: %s%s",
			 g->nr + 1, n, strerror(err), rt_limit_hint(err));
	pthread_mutex_lock(&g->lock);
	while (!err && g->ready < g->nr)
		pthread_cond_wait(&g->cond, &g->lock);
	if (!err && g->reg_err) {
		err = g->reg_err;
		snprintf(why, why_len,
			 "rseq registration of a new thread: %s",
			 strerror(err));
	}
	g->gate = err ? -1 : 1;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	if (err)
		rt_group_stop(g);
	return err;
}

void rt_group_stop(struct rt_group *g)
{
	int i;

	__atomic_store_n(&g->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < g->nr; i++)
		pthread_join(g->tids[i], NULL);
	g->nr = 0;
	free(g->tids);
	free(g->workers);
	g->tids = NULL;
	g->workers = NULL;
}

int rt_nr_workers(void)
{
	int n = rt_opt.mult * rt_cpus.nr_allowed;

	return n > RT_MAX_THREADS ? RT_MAX_THREADS : n;
}

void rt_inject(struct rt_worker *w, unsigned long i)
{
	struct timespec ts = { 0, 0 };

	if (i & 1023)
		return;
	switch (rt_rand(&w->seed) % 4) {
	case 0:
		sched_yield();
		break;
	case 1:
		ts.tv_nsec = 1000 + rt_rand(&w->seed) % 50000;
		nanosleep(&ts, NULL);
		break;
	case 2:
		rt_pin(rt_cpus.allowed[rt_rand(&w->seed) % rt_cpus.nr_allowed]);
		break;
	case 3:
		rt_unpin();
		break;
	}
}

static int signaller_sig;

static void signaller(struct rt_worker *w)
{
	const struct rt_group *targets = w->group->data;
	struct timespec ts = { 0, 50000 };

	while (rt_running(w)) {
		pthread_kill(targets->tids[rt_rand(&w->seed) % targets->nr],
			     signaller_sig);
		nanosleep(&ts, NULL);
	}
}

int rt_signaller_start(struct rt_group *sender, struct rt_group *targets,
		       int sig, char *why, size_t why_len)
{
	signaller_sig = sig;
	return rt_group_start(sender, 1, signaller, targets, false, why,
			      why_len);
}

void rt_run(const unsigned long *count, unsigned long min)
{
	rt_sleep(rt_opt.duration);
	while (__atomic_load_n(count, __ATOMIC_RELAXED) < min)
		rt_sleep(0.001);
}

/* ---- memory ---- */

struct rt_slot *rt_slots_alloc(size_t n)
{
	size_t size = n * rt_cpus.nr_slots * sizeof(struct rt_slot);
	void *p;
	int err;

	err = posix_memalign(&p, __alignof__(struct rt_slot), size);
	if (err) {
		errno = err;
		return NULL;
	}
	memset(p, 0, size);
	return p;
}
