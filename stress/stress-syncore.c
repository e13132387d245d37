// SPDX-License-Identifier: GPL-2.0
/*
 * stress-syncore: cross-modify JIT code from one thread while many threads
 * execute it, and check that no thread ever runs a stale generation once
 * the writer's synchronization (membarrier SYNC_CORE by default) returned.
 *
 * This file runs a phase: it starts the executors, the writer and the fork
 * churn, watches their progress (the watchdog) and collects the results.
 * See Documentation/stress-syncore.rst for the protocol and the options.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "arch.h"
#include "modes.h"
#include "executor.h"
#include "jit.h"
#include "latency.h"
#include "options.h"
#include "report.h"
#include "stress.h"
#include "util.h"
#include "writer.h"

/* Set by the SIGINT, SIGTERM and SIGHUP handler: stop and report. */
static volatile sig_atomic_t interrupted;

static bool wait_exited(int *flag, uint64_t deadline)
{
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if (now_ns() > deadline)
			return false;
		sleep_ns(1000000L);
	}
	return true;
}

static void check_watchdog(struct stress *s, struct phase_result *res,
			   uint64_t now, uint64_t *last_count,
			   uint64_t *last_change)
{
	uint64_t limit = (uint64_t)(s->opt.watchdog * 1e9);
	unsigned int i, n = s->opt.threads;
	uint64_t c;

	if (!limit || res->watchdog_fired)
		return;
	for (i = 0; i <= n; i++) {
		c = i < n ? __atomic_load_n(&s->ex[i].executions,
					    __ATOMIC_RELAXED) :
			    __atomic_load_n(&s->rounds, __ATOMIC_RELAXED);
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
				 i, __atomic_load_n(&s->ex[i].tid, __ATOMIC_RELAXED),
				 (now - last_change[i]) / 1e9,
				 (unsigned long long)c);
		else
			snprintf(res->watchdog_msg, sizeof(res->watchdog_msg),
				 "watchdog: writer (tid %d) made no progress for %.1f s (after %llu rounds)",
				 __atomic_load_n(&s->writer_tid, __ATOMIC_RELAXED),
				 (now - last_change[i]) / 1e9,
				 (unsigned long long)c);
		res->watchdog_fired = true;
		return;
	}
}

/* What the steps of one phase share. */
struct phase {
	struct stress *s;
	struct phase_result *res;
	unsigned int n;			/* executors */
	bool forking;
	pthread_t writer, forker;
	uint64_t start;			/* the phase's clock, once all exist */
	uint64_t *last_count, *last_change;	/* n + 1: the writer last */
};

static void reset_counters(struct stress *s)
{
	s->stop = 0;
	s->go = 0;
	s->rounds = 0;
	s->grace_periods = 0;
	s->writer_waits = 0;
	s->raw_calls = s->raw_ns = s->verified_ns = 0;
	s->forks = 0;
	s->fork_errors = 0;
	s->fork_errno = 0;
	latency_reset(&s->lat);
	s->writer_ready = 0;
	s->writer_exited = 0;
	s->fork_exited = 0;
	s->inject_seen = 0;
	jit_reset(&s->jit);
	__atomic_store_n(&s->pub, 0, __ATOMIC_RELEASE);
}

/*
 * Create the executors (waiting behind s->go), then release them and
 * start the writer and the fork thread: the phase's clock starts then.
 */
static void phase_start(struct phase *ph)
{
	struct stress *s = ph->s;
	struct phase_result *res = ph->res;
	unsigned int i, n = ph->n;
	pthread_attr_t attr;
	uint64_t t0;
	cpu_set_t set;
	int err;

	s->ex = aligned_alloc(128, sizeof(*s->ex) * n);
	ph->last_count = calloc(n + 1, sizeof(*ph->last_count));
	ph->last_change = calloc(n + 1, sizeof(*ph->last_change));
	if (!s->ex || !ph->last_count || !ph->last_change)
		die("out of memory");
	memset(s->ex, 0, sizeof(*s->ex) * n);

	t0 = now_ns();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (s->opt.cpus_set)
		pthread_attr_setaffinity_np(&attr, sizeof(s->opt.cpus),
					    &s->opt.cpus);
	for (i = 0; i < n; i++) {
		struct executor *e = &s->ex[i];

		executor_init(e, s, i);
		if (e->pattern == PAT_MIGRATE && s->nr_allowed > 0) {
			CPU_ZERO(&set);
			CPU_SET(s->allowed[i % s->nr_allowed], &set);
			pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		} else if (s->opt.cpus_set) {
			pthread_attr_setaffinity_np(&attr, sizeof(s->opt.cpus),
						    &s->opt.cpus);
		}
		err = pthread_create(&e->thread, &attr, executor_main, e);
		if (err)
			die("cannot create executor %u: %s", i, strerror(err));
	}
	pthread_attr_destroy(&attr);
	res->startup_s = (now_ns() - t0) / 1e9;
	if (s->opt.watchdog > 0 && res->startup_s > s->opt.watchdog) {
		res->watchdog_fired = true;
		snprintf(res->watchdog_msg, sizeof(res->watchdog_msg),
			 "watchdog: starting %u executors took %.1f s",
			 n, res->startup_s);
	}

	ph->start = now_ns();
	__atomic_store_n(&s->go, 1, __ATOMIC_RELEASE);
	sys_futex(&s->go, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	err = pthread_create(&ph->writer, NULL, writer_main, s);
	if (err)
		die("cannot create the writer: %s", strerror(err));
	if (ph->forking) {
		err = pthread_create(&ph->forker, NULL, fork_main, s);
		if (err)
			die("cannot create the fork thread: %s", strerror(err));
	}
	for (i = 0; i <= n; i++)
		ph->last_change[i] = ph->start;
}

/* Until the time is up, the writer is done, the watchdog or a signal. */
static void phase_monitor(struct phase *ph)
{
	struct stress *s = ph->s;
	struct phase_result *res = ph->res;
	bool tty = isatty(STDERR_FILENO) && s->opt.verbose >= 0;
	uint64_t now, prev = ph->start, next_progress, end;
	unsigned int i, n = ph->n;

	end = s->opt.duration > 0 ?
	      ph->start + (uint64_t)(s->opt.duration * 1e9) : UINT64_MAX;
	next_progress = ph->start + 1000000000ull;
	while (!res->watchdog_fired) {
		sleep_ns(20000000L);
		now = now_ns();
		/*
		 * Time this loop did not run (the process was stopped, or the
		 * machine starved it) is nobody's lack of progress.
		 */
		if (now - prev > 500000000ull)
			for (i = 0; i <= n; i++)
				ph->last_change[i] = now;
		prev = now;
		if (now >= end ||
		    __atomic_load_n(&s->writer_exited, __ATOMIC_ACQUIRE))
			break;
		check_watchdog(s, res, now, ph->last_count, ph->last_change);
		if (interrupted) {
			res->interrupted = interrupted;
			break;
		}
		if (tty && now >= next_progress) {
			uint64_t ex = 0;

			for (i = 0; i < n; i++)
				ex += __atomic_load_n(&s->ex[i].executions,
						      __ATOMIC_RELAXED);
			fprintf(stderr, "\r%s: %.0f s, %llu rounds, %llu executions ",
				s->mode->name, (now - ph->start) / 1e9,
				(unsigned long long)__atomic_load_n(&s->rounds,
							__ATOMIC_RELAXED),
				(unsigned long long)ex);
			next_progress += 1000000000ull;
		}
	}
	if (tty)
		fputc('\n', stderr);
}

/* Stop every thread; never hang: those that do not stop are reported. */
static void phase_stop(struct phase *ph)
{
	struct stress *s = ph->s;
	struct phase_result *res = ph->res;
	uint64_t deadline;
	unsigned int i;

	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	/* Wake sleepers now rather than at their timeout. */
	__atomic_add_fetch(&s->pub_seq, 1, __ATOMIC_SEQ_CST);
	sys_futex(&s->pub_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	res->elapsed = (now_ns() - ph->start) / 1e9;

	deadline = now_ns() + 5000000000ull;
	if (wait_exited(&s->writer_exited, deadline))
		pthread_join(ph->writer, NULL);
	else
		res->stuck = true;
	if (ph->forking) {
		if (wait_exited(&s->fork_exited, deadline))
			pthread_join(ph->forker, NULL);
		else
			res->stuck = true;
	}
	for (i = 0; i < ph->n; i++) {
		if (wait_exited(&s->ex[i].exited, deadline))
			pthread_join(s->ex[i].thread, NULL);
		else
			res->stuck = true;
	}
	if (res->stuck && !res->watchdog_fired) {
		res->watchdog_fired = true;
		snprintf(res->watchdog_msg, sizeof(res->watchdog_msg),
			 "watchdog: %s did not stop within 5 s",
			 s->writer_exited ? "an executor" : "the writer");
	}
	free(ph->last_count);
	free(ph->last_change);
}

/* The phase's counters, from the shared state and every executor. */
static void phase_collect(struct phase *ph)
{
	struct stress *s = ph->s;
	struct phase_result *res = ph->res;
	unsigned int i;

	res->rounds = s->rounds;
	res->grace_periods = s->grace_periods;
	res->writer_waits = s->writer_waits;
	res->raw_calls = s->raw_calls;
	res->raw_s = s->raw_ns / 1e9;
	res->verified_s = s->verified_ns / 1e9;
	res->forks = s->forks;
	res->fork_errors = s->fork_errors;
	res->fork_errno = s->fork_errno;
	res->barrier_calls = s->lat.calls;
	res->lat_max = s->lat.max;
	latency_percentiles(&s->lat, &res->lat_p50, &res->lat_p99);
	res->cpu_counts = calloc(s->nr_cpus + 1, sizeof(*res->cpu_counts));
	if (!res->cpu_counts)
		die("out of memory");
	res->cpu_source = CPU_SRC_RSEQ;
	for (i = 0; i < ph->n; i++) {
		struct executor *e = &s->ex[i];
		int c;

		res->executions += e->executions;
		res->violations += e->violations;
		res->stale += e->stale;
		res->signals += e->signals;
		res->misfetches += e->misfetches;
		if (e->cpu_source > res->cpu_source)
			res->cpu_source = e->cpu_source;
		for (c = 0; c < s->nr_cpus; c++)
			res->cpu_counts[c] += e->cpu_counts[c];
		res->cpu_counts[s->nr_cpus] += e->unknown_cpu;
	}
}

static void run_phase(struct stress *s, const struct mode *mode,
		      struct phase_result *res)
{
	struct phase ph = {
		.s = s,
		.res = res,
		.n = s->opt.threads,
		.forking = patterns[s->opt.pattern].forks,
	};

	memset(res, 0, sizeof(*res));
	res->mode = mode;
	s->mode = mode;
	reset_counters(s);
	phase_start(&ph);
	phase_monitor(&ph);
	phase_stop(&ph);
	phase_collect(&ph);
}

static void free_executors(struct stress *s)
{
	unsigned int i;

	/* Threads that never stopped may still use their memory. */
	for (i = 0; i < s->opt.threads; i++) {
		if (!s->ex[i].exited)
			return;
	}
	for (i = 0; i < s->opt.threads; i++)
		executor_free(&s->ex[i]);
	free(s->ex);
	s->ex = NULL;
}

static void setup_cpus(struct stress *s)
{
	cpu_set_t set;
	int c;

	s->nr_cpus = get_nprocs_conf();
	if (s->nr_cpus < 1)
		s->nr_cpus = 1;
	if (s->opt.cpus_set)
		set = s->opt.cpus;
	else if (sched_getaffinity(0, sizeof(set), &set))
		CPU_ZERO(&set);
	for (c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		s->allowed[s->nr_allowed++] = c;
		if (c >= s->nr_cpus)
			s->nr_cpus = c + 1;
	}
}

/*
 * SIGINT, SIGTERM or SIGHUP stops the run like the end of its time: what
 * was measured is reported. A second one kills as usual.
 */
static void on_stop_signal(int signo)
{
	interrupted = signo;
	signal(signo, SIG_DFL);
}

static void install_stop_signals(void)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	unsigned int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(signals); i++)
		sigaction(signals[i], &sa, NULL);
}

/*
 * A run that checked nothing is not a pass: no verified round is a
 * failure; a fork pattern whose every fork() failed did not run, which
 * the environment is to blame for (a process limit).
 */
static int judge_work(const struct stress *s, const struct phase_result *r,
		      int exit_code)
{
	bool forking = patterns[s->opt.pattern].forks;

	if (exit_code != EXIT_OK || r->interrupted)
		return exit_code;
	if (!r->rounds) {
		printf("FAIL: no round was verified in %.2f s: nothing was checked\n",
		       r->elapsed);
		if (s->opt.threads > 8U * s->nr_allowed &&
		    s->opt.executor_nice < 19)
			printf("hint: %u executors on %d CPUs leave the writer little CPU time: --executor-nice 19 gives it more\n",
			       s->opt.threads, s->nr_allowed);
		fprintf(stderr, PROG ": no round was verified in %.2f s\n",
			r->elapsed);
		return EXIT_VIOLATION;
	}
	if (forking && !r->forks && r->fork_errors) {
		printf("SKIP: every fork() failed (%llu times, last: %s): --pattern %s did not run\n",
		       (unsigned long long)r->fork_errors,
		       strerror(r->fork_errno), patterns[s->opt.pattern].name);
		return EXIT_SKIP;
	}
	return exit_code;
}

int main(int argc, char **argv)
{
	static struct stress stress;
	struct stress *s = &stress;
	struct sync_state raw;
	struct phase_result res;
	int exit_code = EXIT_OK;
	FILE *json = NULL;

	parse_options(argc, argv, &s->opt);
	setvbuf(stdout, NULL, _IOLBF, 0);
	arch_init();
	setup_cpus(s);
	/* Thousands of equal executors would starve the one writer. */
	if (s->opt.executor_nice < 0)
		s->opt.executor_nice =
			s->opt.threads > 8U * s->nr_allowed ? 19 : 0;
	mode_setup(s->opt.mode, &s->sync);
	if (s->opt.compare_raw)
		mode_setup(mode_find("raw", false), &raw);
	jit_setup(&s->jit, s->opt.slots, s->opt.wx_inplace);
	install_fault_handlers();
	install_stop_signals();
	if (s->opt.json)
		json = open_json(s->opt.json);
	latency_init(&s->lat);

	if (s->opt.verbose >= 0)
		print_banner(s);

	run_phase(s, s->opt.mode, &res);

	if (s->opt.verbose >= 0) {
		print_phase(s, &res);
		print_violations(s);
	}
	if (res.violations)
		exit_code = EXIT_VIOLATION;
	else if (res.misfetches)
		exit_code = EXIT_SKIP;
	if (res.watchdog_fired) {
		fprintf(stderr, PROG ": %s\n", res.watchdog_msg);
		printf("%s\n", res.watchdog_msg);
		exit_code = EXIT_VIOLATION;
	}
	exit_code = judge_work(s, &res, exit_code);
	/* The shell's convention, after everything measured is written. */
	if (res.interrupted && exit_code != EXIT_VIOLATION)
		exit_code = 128 + res.interrupted;
	if (s->opt.compare_raw && s->opt.verbose >= 0)
		print_compare_raw(s, &res);
	if (json && write_json(s, json, s->opt.json, &res, exit_code) &&
	    exit_code == EXIT_OK)
		exit_code = EXIT_VIOLATION;
	print_result(&res, exit_code);
	/* Output that did not reach its file is a failed run, not a pass. */
	if ((fflush(stdout) || ferror(stdout)) && exit_code == EXIT_OK) {
		fprintf(stderr, PROG ": standard output: %s\n",
			strerror(errno ? errno : EIO));
		exit_code = EXIT_VIOLATION;
	}
	if (res.stuck)
		_exit(exit_code);	/* stuck threads cannot be joined */
	free_executors(s);
	free(res.cpu_counts);
	latency_free(&s->lat);
	return exit_code;
}
