// SPDX-License-Identifier: GPL-2.0
/*
 * The library of syncore-bench: clocks, pinning, the selection of cases,
 * the shared arena of result rows, the measuring loop, case processes and
 * the statistics of a row.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

struct bench_opts opt;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Busy-wait: used where sleeping would itself change what is measured. */
void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		arch_cpu_relax();
}

int pin_to(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? errno : 0;
}

int pin_cpu(struct row *r, int cpu)
{
	int err = pin_to(cpu);

	if (err) {
		fprintf(stderr, PROG ": %s.%s: cannot pin to CPU %d: %s\n",
			r->bench, r->case_id, cpu, strerror(err));
		row_fail(r, "cannot pin to CPU %d: %s", cpu, strerror(err));
		return -1;
	}
	return 0;
}

const char *cpu_list_text(const int *cpus, int n, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%d", i ? "," : "",
				 cpus[i]);
	return buf;
}

/*
 * The selection: "run ctx lazy.wake-unreg" wants every case of ctx and one
 * case of lazy. An empty selection wants everything.
 */
static struct {
	const struct bench *b;
	const char *case_id;	/* NULL: every case */
} selected[64];
static int nselected;

void select_reset(void)
{
	nselected = 0;
}

int select_add(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t blen = dot ? (size_t)(dot - name) : strlen(name);
	const struct bench *b;
	const struct bench_case *c;

	if (nselected == (int)ARRAY_SIZE(selected))
		return -1;
	for (b = bench_table; b->name; b++) {
		if (strlen(b->name) != blen || strncmp(b->name, name, blen))
			continue;
		if (!dot) {
			selected[nselected].b = b;
			selected[nselected++].case_id = NULL;
			return 0;
		}
		for (c = b->cases; c->id; c++) {
			if (strcmp(c->id, dot + 1))
				continue;
			selected[nselected].b = b;
			selected[nselected++].case_id = c->id;
			return 0;
		}
		return -1;
	}
	return -1;
}

bool case_wanted(const struct bench *b, const char *case_id)
{
	int i;

	if (!nselected)
		return true;
	for (i = 0; i < nselected; i++)
		if (selected[i].b == b && (!selected[i].case_id ||
					   !strcmp(selected[i].case_id, case_id)))
			return true;
	return false;
}

/* Rows live in shared memory so that case processes can fill them. */
struct arena {
	int nrows;
	struct row rows[BENCH_MAX_ROWS];
};
static struct arena *arena;

int rows_init(void)
{
	arena = mmap(NULL, sizeof(*arena), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED) {
		perror(PROG ": mmap of the result arena");
		return -1;
	}
	return 0;
}

int rows_count(void)
{
	return arena->nrows;
}

struct row *row_at(int i)
{
	return &arena->rows[i];
}

struct row *row_new(const struct bench *b, const char *case_id,
		    const char *unit, const char *fmt, ...)
{
	struct row *r;
	va_list ap;

	if (arena->nrows == BENCH_MAX_ROWS) {
		fprintf(stderr, PROG ": more than %d result rows\n",
			BENCH_MAX_ROWS);
		return NULL;
	}
	r = &arena->rows[arena->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->bench, sizeof(r->bench), "%s", b->name);
	snprintf(r->case_id, sizeof(r->case_id), "%s", case_id);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	va_start(ap, fmt);
	vsnprintf(r->label, sizeof(r->label), fmt, ap);
	va_end(ap);
	r->status = ROW_RUNNING;
	r->threads = -1;
	r->ws_kb = -1;
	r->ipis = -1;
	r->cpus[0] = CPU_A;
	r->ncpus = 1;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s.%s: %s\n", r->bench, r->case_id, r->label);
	return r;
}

void row_set_cpus(struct row *r, int n, const int *cpus)
{
	int i;

	if (n > ROW_MAX_CPUS)
		n = ROW_MAX_CPUS;
	for (i = 0; i < n; i++)
		r->cpus[i] = cpus[i];
	r->ncpus = n;
}

static void row_reason(struct row *r, const char *fmt, va_list ap)
{
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
}

void row_skip(struct row *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	row_reason(r, fmt, ap);
	va_end(ap);
	r->status = ROW_SKIP;
}

void row_fail(struct row *r, const char *fmt, ...)
{
	va_list ap;

	/* The first failure is the one worth reading. */
	if (r->status == ROW_FAIL)
		return;
	va_start(ap, fmt);
	row_reason(r, fmt, ap);
	va_end(ap);
	r->status = ROW_FAIL;
}

/* Notes add up: "first; second". */
void row_note(struct row *r, const char *fmt, ...)
{
	size_t len = strlen(r->reason);
	va_list ap;

	if (len && len + 2 < sizeof(r->reason)) {
		strcpy(r->reason + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->reason + len, sizeof(r->reason) - len, fmt, ap);
	va_end(ap);
}

/*
 * Function-call and TLB-shootdown interrupts taken so far by @cpus, from
 * /proc/interrupts (x86: the CAL and TLB lines; arm64: the IPI line named
 * "Function call interrupts"), or -1 if that cannot be read.
 */
long long ipi_count(const int *cpus, int n)
{
	char *line = NULL, *p, *end;
	int col[BENCH_MAX_CPUS], ncol = 0, i, j, c;
	long long sum = 0, v;
	size_t cap = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	/* The header names the columns: "CPU0 CPU1 ...". */
	if (getline(&line, &cap, f) <= 0)
		goto fail;
	for (p = line; (p = strstr(p, "CPU")) && ncol < BENCH_MAX_CPUS; p += 3)
		col[ncol++] = atoi(p + 3);
	while (getline(&line, &cap, f) > 0) {
		if (!strstr(line, "Function call interrupts") &&
		    !strstr(line, "TLB shootdowns"))
			continue;
		p = strchr(line, ':');
		if (!p)
			continue;
		p++;
		for (i = 0; i < ncol; i++) {
			v = strtoll(p, &end, 10);
			if (end == p)
				break;
			p = end;
			for (j = 0; j < n; j++) {
				c = cpus[j];
				if (c == col[i])
					sum += v;
			}
		}
	}
	free(line);
	fclose(f);
	return sum;
fail:
	free(line);
	fclose(f);
	return -1;
}

#define MAX_ITERS	1000000000L

static int one_sample(struct row *r, loop_fn fn, void *arg, long iters,
		      uint64_t *ns, uint64_t *wall)
{
	uint64_t t0 = now_ns();

	*ns = 0;
	if (fn(r, arg, iters, ns)) {
		row_fail(r, "measurement failed");
		return -1;
	}
	*wall = now_ns() - t0;
	r->iters_total += iters;
	return 0;
}

int measure_fixed(struct row *r, loop_fn fn, void *arg, long iters)
{
	uint64_t ns, wall;
	int i;

	if (r->status != ROW_RUNNING)
		return r->status == ROW_FAIL ? -1 : 0;
	r->iters = iters;
	for (i = 0; i < opt.warmup; i++)
		if (one_sample(r, fn, arg, iters, &ns, &wall))
			return -1;
	r->warmup = opt.warmup;
	for (i = 0; i < opt.reps; i++) {
		if (one_sample(r, fn, arg, iters, &ns, &wall))
			return -1;
		r->samples[i] = (double)ns / iters;
		r->n = i + 1;
	}
	r->status = ROW_OK;
	return 0;
}

/*
 * Grow the iteration count by 4x until one sample takes a tenth of the
 * target (and has at least 64 iterations, unless it takes the whole
 * target), then scale it to the target: short enough for a shared machine,
 * long enough that the clock reads are noise. The cost per iteration is
 * the lowest seen, since being preempted only ever adds time.
 */
int measure(struct row *r, loop_fn fn, void *arg)
{
	double target = opt.sample_ms * 1e6, per = 0, p;
	uint64_t ns, wall;
	long iters = 1;

	if (r->status != ROW_RUNNING)
		return r->status == ROW_FAIL ? -1 : 0;
	if (opt.loops)
		return measure_fixed(r, fn, arg, opt.loops);
	for (;;) {
		if (one_sample(r, fn, arg, iters, &ns, &wall))
			return -1;
		p = (double)(wall ? wall : 1) / iters;
		if (!per || p < per)
			per = p;
		if ((wall >= target / 10 && iters >= 64) || wall >= target ||
		    iters >= MAX_ITERS / 4)
			break;
		iters *= 4;
	}
	iters = target / per;
	if (iters < 1)
		iters = 1;
	if (iters > MAX_ITERS)
		iters = MAX_ITERS;
	return measure_fixed(r, fn, arg, iters);
}

#define CASE_TIMEOUT	120

int case_run(int (*fn)(void *arg), void *arg)
{
	int before = rows_count();
	int status, i, rc;
	char why[96];
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror(PROG ": fork of a case process");
		return -1;
	}
	if (!pid) {
		/* A case that hangs (a lost wake-up, a stuck IPI) must not. */
		signal(SIGALRM, SIG_DFL);
		alarm(CASE_TIMEOUT);
		rc = fn(arg);
		fflush(NULL);
		_exit(rc ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror(PROG ": waitpid");
			return -1;
		}
	if (WIFEXITED(status)) {
		rc = WEXITSTATUS(status);
		snprintf(why, sizeof(why), "case process exited with status %d",
			 rc);
	} else {
		rc = -1;
		if (WTERMSIG(status) == SIGALRM)
			snprintf(why, sizeof(why),
				 "case process timed out after %d s",
				 CASE_TIMEOUT);
		else
			snprintf(why, sizeof(why),
				 "case process killed by signal %d (%s)",
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
	}
	if (!rc)
		return 0;
	/* Rows the case left unfinished say why; a case without rows cannot. */
	if (rows_count() == before) {
		fprintf(stderr, PROG ": %s\n", why);
		return -1;
	}
	for (i = before; i < rows_count(); i++)
		if (row_at(i)->status == ROW_RUNNING)
			row_fail(row_at(i), "%s", why);
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Distribution-free 95% confidence interval of the median: the number of
 * samples below the true median is Binomial(n, 1/2), so the interval
 * between order statistics x(l) and x(n+1-l) covers the median with
 * probability 1 - 2 P(B <= l-1). Take the narrowest such interval that
 * still covers 95% (for large n, l is about n/2 - 1.96 sqrt(n)/2). With
 * n < 6 no interval reaches 95%: the widest one, min..max, is given with
 * its true coverage.
 */
void ci_ranks(int n, int *lo, int *hi, double *cover)
{
	double pmf = ldexp(1.0, -n);	/* P(B = 0) */
	double cdf = pmf;		/* P(B <= l - 1) for l = 1 */
	int l = 1, k;

	*cover = 1 - 2 * cdf;
	for (k = 1; 2 * (k + 1) <= n + 1; k++) {
		double next;

		pmf = pmf * (n - k + 1) / k;	/* P(B = k) */
		next = 1 - 2 * (cdf + pmf);
		if (next < 0.95)
			break;
		cdf += pmf;
		l = k + 1;
		*cover = next;
	}
	*lo = l;
	*hi = n + 1 - l;
}

void row_stats(const struct row *r, struct row_stats *st)
{
	double s[BENCH_MAX_REPS], sum = 0;
	int n = r->n, i;

	memset(st, 0, sizeof(*st));
	if (n <= 0)
		return;
	memcpy(s, r->samples, n * sizeof(s[0]));
	qsort(s, n, sizeof(s[0]), cmp_double);
	for (i = 0; i < n; i++)
		sum += s[i];
	st->mean = sum / n;
	st->min = s[0];
	st->max = s[n - 1];
	st->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	ci_ranks(n, &st->rank_lo, &st->rank_hi, &st->ci_cover);
	st->ci_lo = s[st->rank_lo - 1];
	st->ci_hi = s[st->rank_hi - 1];
}
