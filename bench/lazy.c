// SPDX-License-Identifier: GPL-2.0
/*
 * lazy: the edge the series moves into exit_lazy_tlb(). A pinned task
 * blocks, its CPU goes idle while lazily keeping the task's mm, and the
 * task is woken on that same CPU: an idle -> same-mm switch, with no
 * page-table write. A process registered for PRIVATE_EXPEDITED_SYNC_CORE
 * must get a core-serializing instruction on this edge (v6.12 does it in
 * finish_task_switch(), the series in the arch hook); one that is not
 * registered must not pay for it. Each way of blocking is measured both
 * ways, in fresh processes, since a registration cannot be undone.
 *
 *  - wake: the task blocks in FUTEX_WAIT on CPU B; a waker spinning on
 *    CPU A waits until it is asleep (/proc says 'S'), then times FUTEX_WAKE
 *    until the task's answer (one idle -> same-mm edge on B per round trip,
 *    plus the wake-up IPI and idle exit).
 *  - sleep: the task on CPU A sleeps 20 us (timer slack 1 ns): the timer
 *    wakes it on its idle CPU; the sleep itself is in the figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

const struct bench_case lazy_cases[] = {
	{ "wake", "task on B blocks (futex), B idles, waker on A wakes it; not registered" },
	{ "wake-sync-core", "the same, process registered for PRIVATE_EXPEDITED_SYNC_CORE" },
	{ "sleep", "task on A sleeps 20 us (clock_nanosleep), A idles; not registered" },
	{ "sleep-sync-core", "the same, process registered for PRIVATE_EXPEDITED_SYNC_CORE" },
	{ NULL, NULL },
};

/*
 * Long enough that every sleep blocks: in a VM, programming the timer
 * alone can take several microseconds, and a timer that expired before
 * schedule() would skip the idle edge (the row says how often it did).
 */
#define SLEEP_NS	20000

struct variant {
	const char *id;
	const char *label;
	bool wake;
	bool sync_core;
};

static const struct variant variants[] = {
	{ "wake", "futex wake from CPU A, not registered", true, false },
	{ "wake-sync-core", "futex wake from CPU A, SYNC_CORE registered", true, true },
	{ "sleep", "sleep 20 us, not registered", false, false },
	{ "sleep-sync-core", "sleep 20 us, SYNC_CORE registered", false, true },
};

static const struct bench *lazy_bench;

struct sleeper {
	struct row *r;
	uint32_t seq;		/* futex word: bumped by the waker */
	uint32_t ack;		/* the last seq the sleeper saw */
	int ready;		/* 1 pinned, -1 could not pin */
	int stop;
	pid_t tid;
	int statfd;		/* /proc/self/task/TID/stat */
	long awake;		/* wake-ups that found the sleeper not asleep */
};

static long futex(uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void *sleeper_thread(void *arg)
{
	struct sleeper *s = arg;
	uint32_t seen = 0, v;

	s->tid = syscall(SYS_gettid);
	if (pin_cpu(s->r, CPU_B)) {
		__atomic_store_n(&s->ready, -1, __ATOMIC_RELEASE);
		return NULL;
	}
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	for (;;) {
		while ((v = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE)) == seen)
			futex(&s->seq, FUTEX_WAIT_PRIVATE, seen);
		if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
			return NULL;
		seen = v;
		__atomic_store_n(&s->ack, v, __ATOMIC_RELEASE);
	}
}

/* The scheduler state of the sleeper, from the field after "(comm)". */
static char sleeper_state(struct sleeper *s)
{
	char buf[512], *p;
	ssize_t n = pread(s->statfd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * Wake the sleeper only once it is blocked, or the round trip would not
 * cross the idle edge at all; then give schedule() a moment to finish.
 */
static void wait_asleep(struct sleeper *s)
{
	uint64_t end = now_ns() + 10000000;

	while (sleeper_state(s) != 'S') {
		if (now_ns() > end) {
			s->awake++;
			return;
		}
		spin_ns(1000);
	}
	spin_ns(2000);
}

static int wake_loop(struct row *r, void *arg, long iters, uint64_t *ns)
{
	struct sleeper *s = arg;
	uint64_t t0, sum = 0, deadline;
	uint32_t v;
	long i;

	for (i = 0; i < iters; i++) {
		wait_asleep(s);
		t0 = now_ns();
		v = __atomic_add_fetch(&s->seq, 1, __ATOMIC_RELEASE);
		futex(&s->seq, FUTEX_WAKE_PRIVATE, 1);
		deadline = t0 + 1000000000ull;
		while (__atomic_load_n(&s->ack, __ATOMIC_ACQUIRE) != v) {
			arch_cpu_relax();
			if (now_ns() > deadline) {
				row_fail(r, "the sleeper did not answer a wake-up within 1 s");
				return -1;
			}
		}
		sum += now_ns() - t0;
	}
	*ns = sum;
	return 0;
}

static int sleep_loop(struct row *r, void *arg, long iters, uint64_t *ns)
{
	struct timespec ts = { 0, SLEEP_NS };
	uint64_t t0 = now_ns();
	long i;
	int err;

	(void)arg;
	for (i = 0; i < iters; i++) {
		err = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		if (err) {
			row_fail(r, "clock_nanosleep: %s", strerror(err));
			return -1;
		}
	}
	*ns = now_ns() - t0;
	return 0;
}

/* Register before any thread exists: afterwards it waits for RCU. */
static int register_sync_core(struct row *r)
{
	int mask = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (mask < 0) {
		row_skip(r, "membarrier(QUERY): %s", strerror(errno));
		return -1;
	}
	if (!(mask & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE)) {
		row_skip(r, "the kernel offers no PRIVATE_EXPEDITED_SYNC_CORE (QUERY mask 0x%x)",
			 mask);
		return -1;
	}
	if (syscall(__NR_membarrier,
		    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0)) {
		row_skip(r, "REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int wake_case(struct row *r)
{
	static struct sleeper s;
	int cpus[2] = { CPU_A, CPU_B };
	char path[64];
	pthread_t thread;
	int rc, err;

	row_set_cpus(r, 2, cpus);
	s.r = r;
	err = pthread_create(&thread, NULL, sleeper_thread, &s);
	if (err) {
		row_fail(r, "pthread_create: %s", strerror(err));
		return 1;
	}
	while (!__atomic_load_n(&s.ready, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	if (s.ready < 0 || pin_cpu(r, CPU_A))
		return 1;	/* the case process exits: no join needed */
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", s.tid);
	s.statfd = open(path, O_RDONLY);
	if (s.statfd < 0) {
		row_fail(r, "%s: %s", path, strerror(errno));
		return 1;
	}
	rc = measure(r, wake_loop, &s) ? 1 : 0;
	if (!rc && s.awake)
		row_note(r, "%ld of %ld wake-ups found the sleeper not yet asleep after 10 ms",
			 s.awake, r->iters_total);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&s.seq, 1, __ATOMIC_RELEASE);
	futex(&s.seq, FUTEX_WAKE_PRIVATE, 1);
	pthread_join(thread, NULL);
	return rc;
}

/* Every sleep must have blocked (a voluntary switch), or say how few. */
static int sleep_case(struct row *r)
{
	struct rusage u0, u1;
	double blocked;

	getrusage(RUSAGE_THREAD, &u0);
	if (measure(r, sleep_loop, NULL))
		return 1;
	getrusage(RUSAGE_THREAD, &u1);
	blocked = (double)(u1.ru_nvcsw - u0.ru_nvcsw) / r->iters_total;
	if (blocked < 0.95)
		row_note(r, "only %.0f%% of the sleeps blocked: the others never reached the idle edge",
			 100 * blocked);
	return 0;
}

static int lazy_case(void *arg)
{
	const struct variant *v = arg;
	struct row *r;

	r = row_new(lazy_bench, v->id, "ns/wake-up", "%s", v->label);
	if (!r)
		return -1;
	if (v->wake && CPU_B < 0) {
		row_skip(r, "needs two CPUs; only CPU %d is allowed", CPU_A);
		return 0;
	}
	if (v->sync_core && register_sync_core(r))
		return 0;
	if (v->wake)
		return wake_case(r);
	/* The default 50 us slack would dwarf everything else. */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0))
		row_note(r, "PR_SET_TIMERSLACK: %s", strerror(errno));
	if (pin_cpu(r, CPU_A))
		return 1;
	return sleep_case(r);
}

int bench_lazy(const struct bench *b)
{
	unsigned int i;

	lazy_bench = b;
	for (i = 0; i < ARRAY_SIZE(variants); i++)
		if (case_wanted(b, variants[i].id) &&
		    case_run(lazy_case, (void *)&variants[i]) < 0)
			return -1;
	return 0;
}
