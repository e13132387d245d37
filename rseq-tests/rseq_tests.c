// SPDX-License-Identifier: GPL-2.0
/*
 * rseq-tests: restartable sequences and the membarrier RSEQ fence.
 *
 * Every case runs in its own child process; the child reports one or more
 * named results through a pipe and the parent prints them as top-level
 * KTAP results. Cases that need a thread without glibc's rseq
 * registration re-execute the binary with GLIBC_TUNABLES set to
 * glibc.pthread.rseq=0.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "rseq-tests.h"

#define RT_TUNABLE	"glibc.pthread.rseq=0"
#define RT_MAX_THREADS	1024
#define RT_ORIG_SIZE	32	/* original struct rseq size */
#define RT_NO_RSEQ	"rseq() returns ENOSYS: kernel without CONFIG_RSEQ or older than 4.18, or a user-mode emulator (qemu-user)"

/* glibc >= 2.35 exports its registration; weak for other libcs. */
extern __attribute__((weak)) const unsigned int __rseq_size;

struct rt_slot {
	intptr_t v;
} __attribute__((aligned(128)));

/* Options. */
static int opt_mult = 4;
static double opt_duration = 1.0;
static int opt_verbose;
static double opt_budget;	/* -T: seconds for the whole run, 0: none */
static double start_time;

/* Machine. */
static int nr_slots;		/* per-CPU array size: possible CPU ids */
static int allowed[CPU_SETSIZE];
static int nr_allowed;
static cpu_set_t allowed_set;

static int report_fd = -1;
static char *self_argv0;

static void rt_report(const char *name, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rt_report(const char *name, int code, const char *fmt, ...)
{
	char msg[512];
	char line[640];
	va_list ap;
	int n;

	msg[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	n = snprintf(line, sizeof(line), "%d %s %s\n", code, name, msg);
	if (n > (int)sizeof(line))
		n = sizeof(line);
	if (write(report_fd, line, n) != n)
		perror("report");
}

static int sys_rseq(void *area, uint32_t len, int flags, uint32_t sig)
{
	return syscall(__NR_rseq, area, len, flags, sig);
}

static int sys_membarrier(int cmd, unsigned int flags, int cpu)
{
	return syscall(__NR_membarrier, cmd, flags, cpu);
}

static bool glibc_owns_rseq(void)
{
	return &__rseq_size && __rseq_size != 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void unpin(void)
{
	sched_setaffinity(0, sizeof(allowed_set), &allowed_set);
}

/* xorshift, one state per thread. */
static unsigned int rnd(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Why rseq cannot be used here, or NULL. Checked in every case's child,
 * after the thread registered.
 */
static const char *rseq_unusable(void)
{
	static char why[160];

	if (sys_rseq(NULL, 0, 0, 0) == 0 || errno == ENOSYS)
		return RT_NO_RSEQ;
	if (rseq_register_current_thread()) {
		snprintf(why, sizeof(why), "rseq registration failed: %s",
			 strerror(errno));
		return why;
	}
	if (rseq_current_cpu_raw() < 0) {
		snprintf(why, sizeof(why),
			 "rseq area not registered (cpu_id %d)",
			 rseq_current_cpu_raw());
		return why;
	}
	return NULL;
}

/* Report a SKIP for every result name of a case. */
static void skip_all(const char *const *names, const char *why)
{
	for (; *names; names++)
		rt_report(*names, KSFT_SKIP, "%s", why);
}

/* Start @n threads running @fn(index), join them with rt_join(). */
static pthread_t threads[RT_MAX_THREADS];

static void rt_spawn(int n, void *(*fn)(void *))
{
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, fn, (void *)(long)i)) {
			perror("pthread_create");
			_exit(KSFT_FAIL);
		}
}

static void rt_join(int n)
{
	int i;

	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
}

/* A zeroed per-CPU array, aligned for struct rt_slot. */
static struct rt_slot *slots_alloc(void)
{
	void *p;

	if (posix_memalign(&p, __alignof__(struct rt_slot),
			   nr_slots * sizeof(struct rt_slot))) {
		perror("posix_memalign");
		_exit(KSFT_FAIL);
	}
	memset(p, 0, nr_slots * sizeof(struct rt_slot));
	return p;
}

static int nr_workers(void)
{
	int n = opt_mult * nr_allowed;

	return n > RT_MAX_THREADS ? RT_MAX_THREADS : n;
}

static void worker_register(void)
{
	if (rseq_register_current_thread()) {
		perror("rseq_register_current_thread");
		abort();
	}
}

static volatile int stop;

static void run_for(double seconds)
{
	struct timespec ts = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- cpu_id and cpu_id_start under forced migration ---- */

static unsigned long mig_checks, mig_bad;
static char mig_msg[200];

static void *mig_worker(void *arg)
{
	long idx = (long)arg;
	unsigned long checks = 0, bad = 0;
	int k = idx;

	worker_register();
	while (!stop) {
		int cpu = allowed[k++ % nr_allowed];
		int32_t id, start, real;

		pin_to(cpu);
		id = rseq_current_cpu_raw();
		start = rseq_cpu_start();
		real = sched_getcpu();
		checks++;
		if (id != cpu || start != cpu || real != cpu) {
			if (!bad++)
				snprintf(mig_msg, sizeof(mig_msg),
					 "pinned to %d: cpu_id %d cpu_id_start %d sched_getcpu %d",
					 cpu, id, start, real);
		}
	}
	__atomic_add_fetch(&mig_checks, checks, __ATOMIC_RELAXED);
	__atomic_add_fetch(&mig_bad, bad, __ATOMIC_RELAXED);
	return NULL;
}

static void case_cpu_id(const char *const *names)
{
	int n = nr_workers();

	rt_spawn(n, mig_worker);
	run_for(opt_duration);
	stop = 1;
	rt_join(n);
	if (!mig_checks)
		rt_report(names[0], KSFT_FAIL, "no migration done");
	else if (mig_bad)
		rt_report(names[0], KSFT_FAIL, "%lu of %lu checks wrong; first: %s",
			  mig_bad, mig_checks, mig_msg);
	else
		rt_report(names[0], KSFT_PASS, "%d threads, %lu forced migrations",
			  n, mig_checks);
}

/* ---- per-CPU counters with injected preemption ---- */

static struct rt_slot *counters;
static unsigned long counted;
static unsigned long nr_signals;
static pthread_t *sig_targets;
static int nr_sig_targets;

static void count_signal(int sig)
{
	(void)sig;
	__atomic_add_fetch(&nr_signals, 1, __ATOMIC_RELAXED);
}

/* Send SIGUSR1 to a random worker every ~50 us until stopped. */
static void *signaller(void *arg)
{
	unsigned int s = 0x9e3779b9;
	struct timespec ts = { 0, 50000 };

	(void)arg;
	while (!stop) {
		pthread_kill(sig_targets[rnd(&s) % nr_sig_targets], SIGUSR1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void start_signaller(pthread_t *t, int n)
{
	struct sigaction sa = { .sa_handler = count_signal,
				.sa_flags = SA_RESTART };

	sigaction(SIGUSR1, &sa, NULL);
	sig_targets = threads;
	nr_sig_targets = n;
	pthread_create(t, NULL, signaller, NULL);
}

/* Injected preemption points between increments. */
static void inject(unsigned long i, unsigned int *s)
{
	struct timespec ts = { 0, 0 };

	if (i & 1023)
		return;
	switch (rnd(s) % 4) {
	case 0:
		sched_yield();
		break;
	case 1:
		ts.tv_nsec = 1000 + rnd(s) % 50000;
		nanosleep(&ts, NULL);
		break;
	case 2:
		pin_to(allowed[rnd(s) % nr_allowed]);
		break;
	case 3:
		unpin();
		break;
	}
}

static void counter_inc(void)
{
#ifdef RSEQ_TESTS_BROKEN_COMMIT
	/*
	 * Deliberately wrong: the commit is a plain load/add/store. The
	 * short loop in between gives an emulator (QEMU TCG takes
	 * interrupts only at branches) a point to preempt.
	 */
	int cpu = rseq_cpu_start();
	intptr_t v = RSEQ_READ_ONCE(counters[cpu].v);
	int spin;

	for (spin = 0; spin < 16; spin++)
		rseq_barrier();
	RSEQ_WRITE_ONCE(counters[cpu].v, v + 1);
#else
	for (;;) {
		int cpu = rseq_cpu_start();

		if (!rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
			       &counters[cpu].v, 1, cpu))
			break;
	}
#endif
}

static void *counter_worker(void *arg)
{
	unsigned int s = 0x12345 + (long)arg * 7919;
	unsigned long i;

	worker_register();
	for (i = 0; !stop; i++) {
		counter_inc();
		inject(i, &s);
	}
	__atomic_add_fetch(&counted, i, __ATOMIC_RELAXED);
	return NULL;
}

static void case_counter(const char *const *names)
{
	int n = nr_workers();
	pthread_t sig;
	intptr_t sum = 0;
	int i;

	counters = slots_alloc();
	rt_spawn(n, counter_worker);
	start_signaller(&sig, n);
	run_for(opt_duration);
	stop = 1;
	pthread_join(sig, NULL);
	rt_join(n);
	for (i = 0; i < nr_slots; i++)
		sum += counters[i].v;
	if ((unsigned long)sum != counted || !counted)
		rt_report(names[0], KSFT_FAIL,
			  "per-CPU total %ld != %lu increments (%ld lost), %d threads, %lu signals",
			  (long)sum, counted, (long)counted - (long)sum, n,
			  nr_signals);
	else
		rt_report(names[0], KSFT_PASS,
			  "%lu increments by %d threads, %lu signals",
			  counted, n, nr_signals);
}

/* ---- per-CPU list push/pop ---- */

struct rt_node {
	intptr_t next;			/* struct rt_node * */
	long id;
	long popped;			/* 1 while a thread holds it */
};

static struct rt_slot *heads;
static unsigned long list_dups;
static unsigned long list_ops;

static void list_push(struct rt_node *node)
{
	for (;;) {
		int cpu = rseq_cpu_start();
		intptr_t expect = RSEQ_READ_ONCE(heads[cpu].v);

		node->next = expect;
		if (!rseq_cmpeqv_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					&heads[cpu].v, expect,
					(intptr_t)node, cpu))
			return;
	}
}

static struct rt_node *list_pop(void)
{
	for (;;) {
		int cpu = rseq_cpu_start();
		intptr_t head;
		int ret;

		ret = rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED,
						 RSEQ_PERCPU_CPU_ID,
						 &heads[cpu].v, 0,
						 offsetof(struct rt_node, next),
						 &head, cpu);
		if (ret > 0)
			return NULL;	/* empty on this CPU */
		if (!ret)
			return (struct rt_node *)head;
	}
}

static void *list_worker(void *arg)
{
	unsigned int s = 0x777 + (long)arg * 104729;
	unsigned long i, dups = 0;

	worker_register();
	for (i = 0; !stop; i++) {
		struct rt_node *node = list_pop();

		if (node) {
			if (__atomic_exchange_n(&node->popped, 1,
						__ATOMIC_SEQ_CST))
				dups++;
			if (!(rnd(&s) & 15))
				sched_yield();
			__atomic_store_n(&node->popped, 0, __ATOMIC_SEQ_CST);
			list_push(node);
		}
		inject(i, &s);
	}
	__atomic_add_fetch(&list_dups, dups, __ATOMIC_RELAXED);
	__atomic_add_fetch(&list_ops, i, __ATOMIC_RELAXED);
	return NULL;
}

static void case_list(const char *const *names)
{
	int n = nr_workers();
	long nr_nodes = 64L * nr_allowed, seen_total = 0, dup_end = 0;
	struct rt_node *nodes = calloc(nr_nodes, sizeof(*nodes));
	char *seen = calloc(nr_nodes, 1);
	pthread_t sig;
	long i;
	int c;

	heads = slots_alloc();
	/* Distribute the nodes over the allowed CPUs. */
	for (i = 0; i < nr_nodes; i++) {
		c = allowed[i % nr_allowed];
		nodes[i].id = i;
		nodes[i].next = heads[c].v;
		heads[c].v = (intptr_t)&nodes[i];
	}
	rt_spawn(n, list_worker);
	start_signaller(&sig, n);
	run_for(opt_duration);
	stop = 1;
	pthread_join(sig, NULL);
	rt_join(n);
	for (c = 0; c < nr_slots; c++) {
		struct rt_node *node = (struct rt_node *)heads[c].v;

		for (; node && seen_total <= nr_nodes;
		     node = (struct rt_node *)node->next) {
			if (node < nodes || node >= nodes + nr_nodes) {
				dup_end = -1;
				break;
			}
			if (seen[node->id]++)
				dup_end++;
			seen_total++;
		}
	}
	if (dup_end < 0)
		rt_report(names[0], KSFT_FAIL, "list holds a foreign pointer");
	else if (list_dups || dup_end || seen_total != nr_nodes)
		rt_report(names[0], KSFT_FAIL,
			  "%ld nodes in the lists, %ld expected; %ld duplicated at the end, %lu popped twice",
			  seen_total, nr_nodes, dup_end, list_dups);
	else
		rt_report(names[0], KSFT_PASS,
			  "%ld nodes intact after %lu push/pop by %d threads",
			  nr_nodes, list_ops, n);
}

/* ---- membarrier RSEQ fence ---- */

#define FENCE_MAX_GEN	16384
/* Spins between loading the active pointer and the commit. */
#define FENCE_DELAY	256

#ifdef RSEQ_TESTS_BROKEN_FENCE
/* Deliberately wrong: a memory barrier that restarts no sequence. */
#define FENCE_CMD	MEMBARRIER_CMD_PRIVATE_EXPEDITED
#define FENCE_FLAGS(per_cpu)	0
#else
#define FENCE_CMD	MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ
#define FENCE_FLAGS(per_cpu)	((per_cpu) ? MEMBARRIER_CMD_FLAG_CPU : 0)
#endif

static intptr_t *fence_active;
static struct rt_slot **fence_gen;
static unsigned long fence_local;

static void *fence_worker(void *arg)
{
	unsigned int s = 0xabcdef + (long)arg * 31;
	unsigned long i;

	worker_register();
	for (i = 0; !stop; i++) {
		for (;;) {
			int cpu = rseq_cpu_start();

			if (!rt_deref_addv(&fence_active,
					   cpu * sizeof(struct rt_slot), 1,
					   FENCE_DELAY, cpu))
				break;
		}
		inject(i, &s);
	}
	__atomic_add_fetch(&fence_local, i, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * The manager swaps the active array, fences, snapshots the retired array
 * (all slots, or with MEMBARRIER_CMD_FLAG_CPU only the fenced CPU's slot)
 * and checks the snapshot again after the next swap and at the end.
 */
static void case_fence(const char *const *names, bool per_cpu)
{
	int n = nr_workers(), gen, i, ret, bad_gen = -1, bad_slot = -1;
	intptr_t *snap = calloc((size_t)FENCE_MAX_GEN * nr_slots,
				sizeof(intptr_t));
	int *fenced_cpu = calloc(FENCE_MAX_GEN, sizeof(int));
	unsigned long bad = 0;
	intptr_t total = 0;
	double end;

	ret = sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0);
	if (ret < 0 || !(ret & MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ)) {
		rt_report(names[0], KSFT_SKIP,
			  "membarrier has no PRIVATE_EXPEDITED_RSEQ (query %d%s%s): needs Linux 5.10+ with CONFIG_RSEQ",
			  ret, ret < 0 ? ", " : "",
			  ret < 0 ? strerror(errno) : "");
		return;
	}
	if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ,
			   0, 0) ||
	    sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0)) {
		rt_report(names[0], KSFT_FAIL,
			  "REGISTER_PRIVATE_EXPEDITED_RSEQ: %s",
			  strerror(errno));
		return;
	}
	fence_gen = calloc(FENCE_MAX_GEN, sizeof(*fence_gen));
	fence_gen[0] = slots_alloc();
	fence_active = (intptr_t *)fence_gen[0];
	rt_spawn(n, fence_worker);
	end = now() + opt_duration;
	for (gen = 0; gen + 1 < FENCE_MAX_GEN && now() < end; gen++) {
		struct rt_slot *old = fence_gen[gen];
		int cpu = allowed[gen % nr_allowed];

		fence_gen[gen + 1] = slots_alloc();
		__atomic_store_n(&fence_active,
				 (intptr_t *)fence_gen[gen + 1],
				 __ATOMIC_RELEASE);
		ret = sys_membarrier(FENCE_CMD, FENCE_FLAGS(per_cpu), cpu);
		if (ret) {
			rt_report(names[0], KSFT_FAIL,
				  "PRIVATE_EXPEDITED_RSEQ%s: %s",
				  per_cpu ? " with FLAG_CPU" : "",
				  strerror(errno));
			stop = 1;
			rt_join(n);
			return;
		}
		fenced_cpu[gen] = cpu;
		for (i = 0; i < nr_slots; i++)
			snap[(size_t)gen * nr_slots + i] =
				__atomic_load_n(&old[i].v, __ATOMIC_ACQUIRE);
		/* Let the workers run on the new array for a while. */
		if (gen % 8 == 7)
			sched_yield();
		/* Recheck the previous generation. */
		if (gen > 0) {
			struct rt_slot *prev = fence_gen[gen - 1];

			for (i = 0; i < nr_slots; i++) {
				if (per_cpu && i != fenced_cpu[gen - 1])
					continue;
				if (prev[i].v !=
				    snap[(size_t)(gen - 1) * nr_slots + i]) {
					if (!bad++) {
						bad_gen = gen - 1;
						bad_slot = i;
					}
				}
			}
		}
	}
	stop = 1;
	rt_join(n);
	/* Final check of all retired generations. */
	for (i = 0; i < gen; i++) {
		int c;

		for (c = 0; c < nr_slots; c++) {
			if (per_cpu && c != fenced_cpu[i])
				continue;
			if (fence_gen[i][c].v != snap[(size_t)i * nr_slots + c]) {
				if (!bad++) {
					bad_gen = i;
					bad_slot = c;
				}
			}
		}
	}
	for (i = 0; i <= gen; i++) {
		int c;

		for (c = 0; c < nr_slots; c++)
			total += fence_gen[i][c].v;
	}
	if (bad)
		rt_report(names[0], KSFT_FAIL,
			  "%lu retired slots changed after the fence; first: generation %d CPU %d",
			  bad, bad_gen, bad_slot);
	else if ((unsigned long)total != fence_local)
		rt_report(names[0], KSFT_FAIL,
			  "total %ld != %lu increments", (long)total,
			  fence_local);
	else if (gen < 2)
		rt_report(names[0], KSFT_FAIL, "only %d fences done", gen);
	else
		rt_report(names[0], KSFT_PASS,
			  "%d fences%s, %lu increments by %d threads, retired data unchanged",
			  gen, per_cpu ? " (one CPU each)" : "", fence_local,
			  n);
}

static void case_fence_all(const char *const *names)
{
	case_fence(names, false);
}

static void case_fence_cpu(const char *const *names)
{
	case_fence(names, true);
}

/* ---- mm_cid ---- */

static struct rt_slot *cid_owner;
static unsigned int cid_bound;
static unsigned long cid_checks, cid_range_bad, cid_dup;
static char cid_msg[200];

static void *cid_worker(void *arg)
{
	intptr_t mark = (long)arg + 1;
	unsigned long checks = 0, range_bad = 0, dup = 0;

	worker_register();
	while (!stop) {
		struct rseq_abi *abi = rseq_get_abi();
		uint32_t cid = RSEQ_READ_ONCE(abi->mm_cid);
		int ret;

		checks++;
		if (cid >= cid_bound) {
			if (!range_bad++)
				snprintf(cid_msg, sizeof(cid_msg),
					 "mm_cid %u >= bound %u", cid,
					 cid_bound);
			continue;
		}
		ret = rt_occupy(&abi->mm_cid, &cid_owner[cid].v, mark, 200,
				cid);
		if (ret == 1) {
			if (!dup++)
				snprintf(cid_msg, sizeof(cid_msg),
					 "mm_cid %u used by threads %ld and %ld at once",
					 cid, (long)mark,
					 (long)cid_owner[cid].v);
		} else if (ret < 0) {
			intptr_t m = mark;

			__atomic_compare_exchange_n(&cid_owner[cid].v, &m, 0,
						    false, __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
		}
	}
	__atomic_add_fetch(&cid_checks, checks, __ATOMIC_RELAXED);
	__atomic_add_fetch(&cid_range_bad, range_bad, __ATOMIC_RELAXED);
	__atomic_add_fetch(&cid_dup, dup, __ATOMIC_RELAXED);
	return NULL;
}

static void case_mm_cid(const char *const *names)
{
	int n = nr_workers();
	unsigned int threads_total = n + 1;

	if (!rseq_mm_cid_available()) {
		rt_report(names[0], KSFT_SKIP,
			  "rseq feature size %u has no mm_cid (needs Linux 6.3+)",
			  rseq_size);
		return;
	}
	cid_bound = nr_slots < (int)threads_total ? (unsigned int)nr_slots :
						       threads_total;
	cid_owner = slots_alloc();
	rt_spawn(n, cid_worker);
	run_for(opt_duration);
	stop = 1;
	rt_join(n);
	if (cid_range_bad || cid_dup)
		rt_report(names[0], KSFT_FAIL,
			  "%lu out of range, %lu concurrent duplicates in %lu checks; first: %s",
			  cid_range_bad, cid_dup, cid_checks, cid_msg);
	else
		rt_report(names[0], KSFT_PASS,
			  "%lu checks by %d threads: mm_cid < %u and unique while running",
			  cid_checks, n, cid_bound);
}

/* ---- abort handler after a signal inside a critical section ---- */

static intptr_t abort_word;
static volatile int abort_sig_seen;
static volatile int abort_round_done;

static void abort_signal(int sig)
{
	(void)sig;
	RSEQ_WRITE_ONCE(abort_word, 0);
	abort_sig_seen = 1;
}

static void *abort_sender(void *arg)
{
	pthread_t target = *(pthread_t *)arg;
	struct timespec ts = { 0, 200000 };

	while (!stop) {
		if (!abort_round_done)
			pthread_kill(target, SIGUSR2);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void case_abort(const char *const *names)
{
	struct sigaction sa = { .sa_handler = abort_signal };
	int rounds = 20 * opt_mult, r, preempted = 0, bad = 0;
	pthread_t self = pthread_self(), sender;

	sigaction(SIGUSR2, &sa, NULL);
	abort_round_done = 1;
	pthread_create(&sender, NULL, abort_sender, &self);
	for (r = 0; r < rounds; r++) {
		int ret;

		abort_sig_seen = 0;
		abort_round_done = 0;
		for (;;) {
			int cpu = rseq_cpu_start();

			ret = rt_occupy((const uint32_t *)&rseq_get_abi()->cpu_id,
					&abort_word, 1, 0, cpu);
			if (abort_sig_seen || ret >= 0)
				break;
			preempted++;
		}
		abort_round_done = 1;
		if (ret != -1 || !abort_sig_seen) {
			if (!bad++)
				rt_report(names[0], KSFT_FAIL,
					  "round %d: sequence returned %d (%s) with signal %s",
					  r, ret,
					  ret == 1 ? "handler returned into the sequence" : "commit",
					  abort_sig_seen ? "seen" : "not seen");
		}
	}
	stop = 1;
	pthread_join(sender, NULL);
	if (!bad)
		rt_report(names[0], KSFT_PASS,
			  "%d signals inside a sequence all went to abort (%d other aborts)",
			  rounds, preempted);
}

/* ---- error paths (need a thread without glibc's registration) ---- */

static struct rseq_abi area __attribute__((aligned(64)));
static char unaligned_buf[128] __attribute__((aligned(64)));

static void expect_errno(const char *name, int ret, int want, const char *what)
{
	int err = errno;

	if (want == 0) {
		if (ret == 0)
			rt_report(name, KSFT_PASS, "%s: 0", what);
		else
			rt_report(name, KSFT_FAIL, "%s: %s, expected success",
				  what, strerror(err));
		return;
	}
	if (ret == -1 && err == want)
		rt_report(name, KSFT_PASS, "%s: %s", what, strerror(err));
	else if (ret == -1)
		rt_report(name, KSFT_FAIL, "%s: %s, expected %s", what,
			  strerror(err), strerror(want));
	else
		rt_report(name, KSFT_FAIL, "%s: returned %d, expected %s",
			  what, ret, strerror(want));
}

static const char *own_registration_unusable(void)
{
	if (sys_rseq(NULL, 0, 0, 0) == 0 || errno == ENOSYS)
		return RT_NO_RSEQ;
	if (glibc_owns_rseq())
		return "glibc still owns the rseq registration although GLIBC_TUNABLES=" RT_TUNABLE " is set";
	return NULL;
}

static void case_errors(const char *const *names)
{
	const int len = RT_ORIG_SIZE;
	const char *why = own_registration_unusable();
	void *misaligned = unaligned_buf + 8;
	int i = 0;

	if (why) {
		skip_all(names, why);
		return;
	}
	area.cpu_id = RSEQ_ABI_CPU_ID_UNINITIALIZED;
	expect_errno(names[i++], sys_rseq(&area, len, 2, RSEQ_SIG), EINVAL,
		     "register with unknown flags");
	expect_errno(names[i++], sys_rseq(&area, 16, 0, RSEQ_SIG), EINVAL,
		     "register with length 16");
	expect_errno(names[i++], sys_rseq(misaligned, len, 0, RSEQ_SIG),
		     EINVAL, "register a misaligned area");
	expect_errno(names[i++], sys_rseq(&area, len, 0, RSEQ_SIG), 0,
		     "register");
	getppid();	/* return to user once: cpu_id gets written */
	if ((int32_t)RSEQ_READ_ONCE(area.cpu_id) == sched_getcpu())
		rt_report(names[i++], KSFT_PASS, "cpu_id %d", area.cpu_id);
	else
		rt_report(names[i++], KSFT_FAIL, "cpu_id %d, sched_getcpu %d",
			  (int32_t)area.cpu_id, sched_getcpu());
	expect_errno(names[i++], sys_rseq(&area, len, 0, RSEQ_SIG), EBUSY,
		     "register twice");
	expect_errno(names[i++], sys_rseq(&area, len, 0, RSEQ_SIG + 1), EPERM,
		     "register twice with another signature");
	expect_errno(names[i++], sys_rseq(unaligned_buf + 64, len, 0,
					  RSEQ_SIG),
		     EINVAL, "register a second area");
	expect_errno(names[i++], sys_rseq(&area, len,
					  RSEQ_ABI_FLAG_UNREGISTER,
					  RSEQ_SIG + 1),
		     EPERM, "unregister with a bad signature");
	expect_errno(names[i++], sys_rseq(&area, len + 32,
					  RSEQ_ABI_FLAG_UNREGISTER, RSEQ_SIG),
		     EINVAL, "unregister with the wrong length");
	expect_errno(names[i++], sys_rseq(unaligned_buf + 64, len,
					  RSEQ_ABI_FLAG_UNREGISTER, RSEQ_SIG),
		     EINVAL, "unregister another area");
	expect_errno(names[i++], sys_rseq(&area, len,
					  RSEQ_ABI_FLAG_UNREGISTER, RSEQ_SIG),
		     0, "unregister");
	if ((int32_t)RSEQ_READ_ONCE(area.cpu_id) ==
	    RSEQ_ABI_CPU_ID_UNINITIALIZED)
		rt_report(names[i++], KSFT_PASS, "cpu_id reset to %d",
			  RSEQ_ABI_CPU_ID_UNINITIALIZED);
	else
		rt_report(names[i++], KSFT_FAIL, "cpu_id %d after unregister",
			  (int32_t)area.cpu_id);
	expect_errno(names[i++], sys_rseq(&area, len,
					  RSEQ_ABI_FLAG_UNREGISTER, RSEQ_SIG),
		     EINVAL, "unregister twice");
}

/* ---- fork keeps the registration, exec drops it ---- */

static void case_fork_exec(const char *const *names)
{
	const char *why = own_registration_unusable();
	int status, cpu;
	pid_t pid;

	if (why) {
		skip_all(names, why);
		return;
	}
	area.cpu_id = RSEQ_ABI_CPU_ID_UNINITIALIZED;
	if (sys_rseq(&area, RT_ORIG_SIZE, 0, RSEQ_SIG)) {
		skip_all(names, "cannot register an rseq area");
		return;
	}
	/* Child: the registration is inherited, on another CPU too. */
	pid = fork();
	if (pid == 0) {
		int32_t id;
		int ret;

		cpu = allowed[nr_allowed - 1];
		pin_to(cpu);
		id = RSEQ_READ_ONCE(area.cpu_id);
		ret = sys_rseq(&area, RT_ORIG_SIZE, 0, RSEQ_SIG);
		if (id != cpu || sched_getcpu() != cpu)
			rt_report(names[0], KSFT_FAIL,
				  "child pinned to %d: rseq cpu_id %d",
				  cpu, id);
		else if (ret != -1 || errno != EBUSY)
			rt_report(names[0], KSFT_FAIL,
				  "child re-registration: %d (%s), expected EBUSY",
				  ret, strerror(errno));
		else
			rt_report(names[0], KSFT_PASS,
				  "child's rseq cpu_id follows it to CPU %d; re-registration EBUSY",
				  cpu);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	/* Child execs this binary, which registers a fresh area. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { self_argv0, "--exec-check", NULL };

		execv("/proc/self/exe", argv);
		if (strchr(self_argv0, '/'))
			execv(self_argv0, argv);
		rt_report(names[1], KSFT_FAIL, "exec: %s", strerror(errno));
		_exit(1);
	}
	waitpid(pid, &status, 0);
}

/* Runs in the freshly exec'ed image of case_fork_exec's child. */
static void exec_check(const char *name)
{
	static struct rseq_abi fresh __attribute__((aligned(64)));
	int ret;

	fresh.cpu_id = RSEQ_ABI_CPU_ID_UNINITIALIZED;
	if (glibc_owns_rseq()) {
		rt_report(name, KSFT_SKIP,
			  "glibc owns the rseq registration after exec");
		return;
	}
	/*
	 * Had exec kept the old registration, the kernel would refuse a new
	 * area with EINVAL (address differs) and keep writing cpu_id to an
	 * address of the old image.
	 */
	ret = sys_rseq(&fresh, RT_ORIG_SIZE, 0, RSEQ_SIG);
	getppid();
	if (ret)
		rt_report(name, KSFT_FAIL,
			  "fresh registration after exec: %s",
			  strerror(errno));
	else if ((int32_t)fresh.cpu_id != sched_getcpu())
		rt_report(name, KSFT_FAIL, "fresh area cpu_id %d",
			  (int32_t)fresh.cpu_id);
	else
		rt_report(name, KSFT_PASS,
			  "registration dropped by exec: a fresh area registers");
}

/* ---- case table and runner ---- */

struct rt_case {
	const char *name;
	void (*fn)(const char *const *names);
	bool own_registration;	/* needs a thread without glibc's rseq */
	const char *const *results;
};

#define RESULTS(...)	((const char *const []){ __VA_ARGS__, NULL })

static const struct rt_case cases[] = {
	{ "cpu_id", case_cpu_id, false,
	  RESULTS("cpu_id_under_migration") },
	{ "counter", case_counter, false,
	  RESULTS("percpu_counter_exact") },
	{ "list", case_list, false,
	  RESULTS("percpu_list_no_loss_no_dup") },
	{ "fence", case_fence_all, false,
	  RESULTS("membarrier_rseq_fence") },
	{ "fence_cpu", case_fence_cpu, false,
	  RESULTS("membarrier_rseq_fence_flag_cpu") },
	{ "mm_cid", case_mm_cid, false,
	  RESULTS("mm_cid_bounded_unique") },
	{ "abort", case_abort, false,
	  RESULTS("abort_on_signal_in_cs") },
	{ "errors", case_errors, true,
	  RESULTS("error_register_bad_flags_einval",
		  "error_register_short_len_einval",
		  "error_register_misaligned_einval",
		  "error_register_ok",
		  "error_register_cpu_id_set",
		  "error_register_twice_ebusy",
		  "error_register_twice_bad_sig_eperm",
		  "error_register_other_area_einval",
		  "error_unregister_bad_sig_eperm",
		  "error_unregister_bad_len_einval",
		  "error_unregister_other_area_einval",
		  "error_unregister_ok",
		  "error_unregister_cpu_id_reset",
		  "error_unregister_twice_einval") },
	{ "fork_exec", case_fork_exec, true,
	  RESULTS("fork_keeps_registration", "exec_drops_registration") },
};

#define NR_CASES	ARRAY_SIZE(cases)

static const struct rt_case *find_case(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_CASES; i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return NULL;
}

static void setup_machine(void)
{
	int i;

	nr_slots = sysconf(_SC_NPROCESSORS_CONF);
	if (sched_getaffinity(0, sizeof(allowed_set), &allowed_set))
		CPU_ZERO(&allowed_set);
	for (i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &allowed_set))
			continue;
		allowed[nr_allowed++] = i;
		if (i >= nr_slots)
			nr_slots = i + 1;
	}
	if (!nr_allowed) {
		allowed[nr_allowed++] = 0;
		CPU_SET(0, &allowed_set);
	}
	if (nr_slots < 1)
		nr_slots = 1;
}

/*
 * Seconds a case may run: a fixed margin over its duration, cut to what
 * is left of the -T budget.
 */
static unsigned int case_limit(void)
{
	double limit = opt_duration * 6 + 60;

	if (opt_budget > 0 && opt_budget - (now() - start_time) < limit)
		limit = opt_budget - (now() - start_time);
	return limit < 1 ? 1 : (unsigned int)limit;
}

/* In the case's child: run it, directly or in a re-exec'ed image. */
static void run_case_child(const struct rt_case *c)
{
	const char *why;

	char fd[16];

	alarm(case_limit());
	snprintf(fd, sizeof(fd), "%d", report_fd);
	setenv("RSEQ_TESTS_REPORT_FD", fd, 1);
	if (c->own_registration && glibc_owns_rseq()) {
		char mult[16], dur[32], *env;
		char *argv[] = { self_argv0, "--internal", (char *)c->name,
				 "-t", mult, "-d", dur, NULL };
		const char *old = getenv("GLIBC_TUNABLES");

		snprintf(mult, sizeof(mult), "%d", opt_mult);
		snprintf(dur, sizeof(dur), "%g", opt_duration);
		if (old && *old) {
			if (asprintf(&env, "%s:%s", old, RT_TUNABLE) < 0)
				_exit(KSFT_FAIL);
		} else {
			env = RT_TUNABLE;
		}
		setenv("GLIBC_TUNABLES", env, 1);
		execv("/proc/self/exe", argv);
		if (strchr(self_argv0, '/'))
			execv(self_argv0, argv);
		skip_all(c->results, "cannot re-execute the binary (no /proc/self/exe) without glibc's rseq registration");
		_exit(0);
	}
	if (!c->own_registration) {
		why = rseq_unusable();
		if (why) {
			skip_all(c->results, why);
			_exit(0);
		}
	}
	c->fn(c->results);
	fflush(stdout);
	_exit(0);
}

static char *read_all(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	for (;;) {
		if (len + 1024 > cap)
			buf = realloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

/* Find "<code> <name> <msg>" in the report text; copy <msg> to @msg. */
static bool find_result(const char *text, const char *name, int *code,
			char *msg, size_t size)
{
	size_t nl = strlen(name);
	const char *line = text;

	while (line && *line) {
		const char *end = strchrnul(line, '\n');
		const char *sp = strchr(line, ' ');

		if (sp && sp < end && !strncmp(sp + 1, name, nl) &&
		    (sp[1 + nl] == ' ' || sp + 1 + nl == end)) {
			const char *m = sp + 1 + nl;
			size_t len;

			if (m < end)
				m++;
			len = end - m;
			if (len >= size)
				len = size - 1;
			memcpy(msg, m, len);
			msg[len] = '\0';
			*code = atoi(line);
			return true;
		}
		line = *end ? end + 1 : NULL;
	}
	return false;
}

static void run_case(const struct rt_case *c)
{
	const char *const *r;
	int pipefd[2], status;
	char *text, died[64] = "";
	pid_t pid;

	if (opt_budget > 0 && now() - start_time >= opt_budget - 1) {
		for (r = c->results; *r; r++)
			ksft_test_result_code(KSFT_FAIL, *r,
					      "not run: -T %g s budget used up",
					      opt_budget);
		return;
	}
	fflush(stdout);
	if (pipe(pipefd))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		report_fd = pipefd[1];
		run_case_child(c);
	}
	close(pipefd[1]);
	text = read_all(pipefd[0]);
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		snprintf(died, sizeof(died), "case %s killed by signal %d%s",
			 c->name, WTERMSIG(status),
			 WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	for (r = c->results; *r; r++) {
		char msg[512];
		int code;

		if (!find_result(text, *r, &code, msg, sizeof(msg))) {
			ksft_test_result_code(KSFT_FAIL, *r, "no result: %s",
					      died[0] ? died : "case exited early");
			continue;
		}
		ksft_test_result_code(code, *r, "%s", msg);
	}
	free(text);
}

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
		"usage: rseq_tests [-t MULT] [-d SECONDS] [-T SECONDS] [-c CASE[,CASE...]] [-l] [-v]\n"
		"  -t MULT     worker threads per allowed CPU (default 4)\n"
		"  -d SECONDS  duration of each timed case (default 1)\n"
		"  -T SECONDS  time budget for the whole run (cases get what is left)\n"
		"  -c CASES    run only these cases\n"
		"  -l          list cases and their results\n"
		"  -v          verbose\n"
		"cases:");
	for (i = 0; i < NR_CASES; i++)
		fprintf(f, " %s", cases[i].name);
	fprintf(f, "\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "internal", required_argument, NULL, 'I' },
		{ "exec-check", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct rt_case *selected[NR_CASES];
	const char *internal = NULL, *only = NULL;
	unsigned int nr_selected = 0, plan = 0, i;
	bool exec_mode = false;
	char *end;
	int opt;

	self_argv0 = argv[0];
	start_time = now();
	while ((opt = getopt_long(argc, argv, "t:d:T:c:lvh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 't':
			opt_mult = strtol(optarg, &end, 10);
			if (*end || opt_mult < 1 || opt_mult > 64) {
				fprintf(stderr, "rseq_tests: bad -t '%s' (1..64)\n",
					optarg);
				return 2;
			}
			break;
		case 'd':
			opt_duration = strtod(optarg, &end);
			if (*end || opt_duration <= 0 || opt_duration > 3600) {
				fprintf(stderr, "rseq_tests: bad -d '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'T':
			opt_budget = strtod(optarg, &end);
			if (*end || opt_budget < 0) {
				fprintf(stderr, "rseq_tests: bad -T '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'c':
			only = optarg;
			break;
		case 'l':
			for (i = 0; i < NR_CASES; i++) {
				const char *const *r;

				printf("%s:", cases[i].name);
				for (r = cases[i].results; *r; r++)
					printf(" %s", *r);
				printf("\n");
			}
			return 0;
		case 'v':
			opt_verbose = 1;
			break;
		case 'I':
			internal = optarg;
			break;
		case 'E':
			exec_mode = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rseq_tests: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	setup_machine();

	if (internal || exec_mode) {
		const char *fd = getenv("RSEQ_TESTS_REPORT_FD");
		const struct rt_case *c = find_case(exec_mode ? "fork_exec" :
						     internal);

		if (!fd || !c)
			return 2;
		report_fd = atoi(fd);
		if (exec_mode)
			exec_check(c->results[1]);
		else
			c->fn(c->results);
		fflush(stdout);
		return 0;
	}

	if (only) {
		char *list = strdup(only), *tok, *save = NULL;

		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			const struct rt_case *c = find_case(tok);

			if (!c) {
				fprintf(stderr, "rseq_tests: unknown case '%s'\n",
					tok);
				usage(stderr);
				return 2;
			}
			if (nr_selected < NR_CASES)
				selected[nr_selected++] = c;
		}
	} else {
		for (i = 0; i < NR_CASES; i++)
			selected[nr_selected++] = &cases[i];
	}
	for (i = 0; i < nr_selected; i++) {
		const char *const *r;

		for (r = selected[i]->results; *r; r++)
			plan++;
	}

	ksft_print_header();
	if (sys_rseq(NULL, 0, 0, 0) == -1 && errno == ENOSYS)
		ksft_exit_skip("%s\n", RT_NO_RSEQ);
	ksft_print_msg("rseq-tests: %d allowed CPUs, %d threads per timed case (-t %d), %g s each (-d), rseq library: %s%s\n",
		       nr_allowed, opt_mult * nr_allowed, opt_mult,
		       opt_duration,
#ifdef RT_USE_LIBRSEQ
		       "librseq",
#else
		       "kernel tree selftests/rseq",
#endif
#ifdef RSEQ_TESTS_BROKEN_COMMIT
		       " (BROKEN_COMMIT build: counter commit is not restartable)"
#else
		       ""
#endif
		       );
	ksft_print_msg("glibc owns the rseq registration: %s\n",
		       glibc_owns_rseq() ? "yes" : "no");
	ksft_set_plan(plan);
	for (i = 0; i < nr_selected; i++)
		run_case(selected[i]);

	if (ksft_get_fail_cnt())
		ksft_exit_fail();
	if (!ksft_get_pass_cnt() && ksft_get_xskip_cnt()) {
		ksft_print_cnts();
		exit(KSFT_SKIP);
	}
	ksft_exit_pass();
}
