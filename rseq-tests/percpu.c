// SPDX-License-Identifier: GPL-2.0
/*
 * rseq_percpu: per-CPU operations on restartable sequences. cpu_id under
 * forced migration, a per-CPU counter and a per-CPU list under injected
 * preemption and signals, the abort of a sequence that a signal
 * interrupts, and the concurrency id (mm_cid).
 *
 * Each test runs in its own process (the harness forks one per test), so
 * the state of a test lives in file-scope variables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt-harness.h"

FIXTURE(percpu) {
	struct rt_group workers;
	struct rt_group sender;		/* the thread sending signals */
	char why[RT_WHY_LEN];
};

FIXTURE_SETUP(percpu)
{
	RT_REQUIRE(rt_rseq_check(false, self->why, sizeof(self->why)),
		   self->why);
	rt_cpus_init();
}

FIXTURE_TEARDOWN(percpu)
{
	rt_group_stop(&self->sender);
	rt_group_stop(&self->workers);
}

/* Start -t workers per CPU running @fn; SKIP when they cannot start. */
#define START_WORKERS(fn) \
	RT_SKIP_IF(rt_group_start(&self->workers, rt_nr_workers(), fn, NULL, \
				  true, self->why, sizeof(self->why)), \
		   "%s", self->why)

/* ---- cpu_id and cpu_id_start under forced migration ---- */

static unsigned long mig_checks, mig_bad, mig_refused, mig_moved;
static int mig_refused_err, mig_reported;
static char mig_first[160];

/* The fields under test; the broken build never reads them again. */
static int32_t read_cpu_id(int32_t *start)
{
	static __thread int32_t stale = -2;

	if (RT_BROKEN_CPU_ID) {
		if (stale == -2)
			stale = rseq_current_cpu_raw();
		*start = stale;
		return stale;
	}
	*start = rseq_cpu_start();
	return rseq_current_cpu_raw();
}

static void mig_worker(struct rt_worker *w)
{
	unsigned long checks = 0, bad = 0, refused = 0, moved = 0;
	int k = w->idx;

	while (rt_running(w)) {
		int cpu = rt_cpus.allowed[k++ % rt_cpus.nr_allowed];
		int32_t id, start, before, after;
		int err = rt_pin(cpu);

		if (err) {
			/* The system's refusal (a CPU going away). */
			if (!refused++)
				__atomic_store_n(&mig_refused_err, err,
						 __ATOMIC_RELAXED);
			continue;
		}
		before = rt_getcpu();
		id = read_cpu_id(&start);
		after = rt_getcpu();
		if (before != cpu || after != cpu) {
			/* Moved off the CPU it asked for: nothing to check. */
			moved++;
			continue;
		}
		checks++;
		if ((id != cpu || start != cpu) && !bad++ &&
		    !__atomic_exchange_n(&mig_reported, 1, __ATOMIC_RELAXED))
			snprintf(mig_first, sizeof(mig_first),
				 "pinned to %d: cpu_id %d cpu_id_start %d",
				 cpu, id, start);
	}
	__atomic_add_fetch(&mig_checks, checks, __ATOMIC_RELAXED);
	__atomic_add_fetch(&mig_bad, bad, __ATOMIC_RELAXED);
	__atomic_add_fetch(&mig_refused, refused, __ATOMIC_RELAXED);
	__atomic_add_fetch(&mig_moved, moved, __ATOMIC_RELAXED);
}

TEST_F(percpu, cpu_id_under_migration)
{
	RT_SKIP_IF(rt_cpus.nr_allowed < 2,
		   "one allowed CPU: no migration to force");
	START_WORKERS(mig_worker);
	rt_sleep(rt_opt.duration);
	rt_group_stop(&self->workers);
	if (mig_bad)
		RT_FAIL("%lu of %lu checks wrong; first: %s", mig_bad,
			mig_checks, mig_first);
	else if (!mig_checks && mig_refused)
		SKIP(return, "sched_setaffinity refused every move (%s)",
		     strerror(mig_refused_err));
	else if (!mig_checks)
		SKIP(return, "no thread stayed on the CPU it was moved to");
	else
		RT_DETAIL("%d threads, %lu forced migrations (%lu refused, %lu moved away)",
			  rt_nr_workers(), mig_checks, mig_refused,
			  mig_moved);
}

/* ---- per-CPU counter with injected preemption and signals ---- */

static struct rt_slot *counters;
static unsigned long counted, nr_signals;

static void count_signal(int sig)
{
	(void)sig;
	__atomic_add_fetch(&nr_signals, 1, __ATOMIC_RELAXED);
}

static void counter_inc(void)
{
	int cpu;

	if (RT_BROKEN_COMMIT) {
		intptr_t v;
		int spin;

		cpu = rseq_cpu_start();
		v = RSEQ_READ_ONCE(counters[cpu].v);
		/* A branch: where an emulator (QEMU TCG) can preempt. */
		for (spin = 0; spin < 16; spin++)
			rseq_barrier();
		RSEQ_WRITE_ONCE(counters[cpu].v, v + 1);
		return;
	}
	do {
		cpu = rseq_cpu_start();
	} while (rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
			   &counters[cpu].v, 1, cpu));
}

static void counter_worker(struct rt_worker *w)
{
	unsigned long i;

	for (i = 0; rt_running(w); i++) {
		counter_inc();
		rt_inject(w, i);
	}
	__atomic_add_fetch(&counted, i, __ATOMIC_RELAXED);
}

/*
 * Run the started workers with SIGUSR1 sent to random ones (a signal is a
 * preemption point too) for -d seconds and until one arrived, then stop.
 */
static void run_with_signals(struct __test_metadata *_metadata,
			    FIXTURE_DATA(percpu) *self)
{
	struct sigaction sa = { .sa_handler = count_signal,
				.sa_flags = SA_RESTART };

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	RT_SKIP_IF(rt_signaller_start(&self->sender, &self->workers, SIGUSR1,
				      self->why, sizeof(self->why)),
		   "signaller: %s", self->why);
	rt_run(&nr_signals, 1);
	rt_group_stop(&self->sender);
	rt_group_stop(&self->workers);
}

TEST_F(percpu, counter_exact)
{
	intptr_t sum = 0;
	int i;

	counters = rt_slots_alloc(1);
	RT_SKIP_IF(!counters, "counters: %s", strerror(errno));
	START_WORKERS(counter_worker);
	run_with_signals(_metadata, self);
	if (_metadata->exit_code)
		return;
	for (i = 0; i < rt_cpus.nr_slots; i++)
		sum += counters[i].v;
	if ((unsigned long)sum != counted || !counted)
		RT_FAIL("per-CPU total %ld != %lu increments (%ld lost), %d threads, %lu signals",
			(long)sum, counted, (long)counted - (long)sum,
			rt_nr_workers(), nr_signals);
	else
		RT_DETAIL("%lu increments by %d threads, %lu signals",
			  counted, rt_nr_workers(), nr_signals);
}

/* ---- per-CPU list push and pop ---- */

struct rt_node {
	intptr_t next;			/* struct rt_node * */
	long id;
	long popped;			/* 1 while a thread holds it */
};

static struct rt_slot *heads;
static unsigned long list_dups, list_ops;

static void list_push(struct rt_node *node)
{
	for (;;) {
		int cpu = rseq_cpu_start();
		intptr_t expect = RSEQ_READ_ONCE(heads[cpu].v);

		/* Atomic: the last pop and this push may be other threads. */
		__atomic_store_n(&node->next, expect, __ATOMIC_RELAXED);
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

static void list_worker(struct rt_worker *w)
{
	unsigned long i, dups = 0;

	for (i = 0; rt_running(w); i++) {
		struct rt_node *node = list_pop();

		if (node) {
			if (__atomic_exchange_n(&node->popped, 1,
						__ATOMIC_SEQ_CST))
				dups++;
			if (!(rt_rand(&w->seed) & 15))
				sched_yield();
			__atomic_store_n(&node->popped, 0, __ATOMIC_SEQ_CST);
			list_push(node);
		}
		rt_inject(w, i);
	}
	__atomic_add_fetch(&list_dups, dups, __ATOMIC_RELAXED);
	__atomic_add_fetch(&list_ops, i, __ATOMIC_RELAXED);
}

TEST_F(percpu, list_no_loss_no_dup)
{
	long nr_nodes = 64L * rt_cpus.nr_allowed, seen_total = 0, dups = 0;
	struct rt_node *nodes = calloc(nr_nodes, sizeof(*nodes));
	char *seen = calloc(nr_nodes, 1);
	long i;
	int c;

	heads = rt_slots_alloc(1);
	RT_SKIP_IF(!nodes || !seen || !heads, "list: %s", strerror(ENOMEM));
	/* Spread the nodes over the allowed CPUs. */
	for (i = 0; i < nr_nodes; i++) {
		c = rt_cpus.allowed[i % rt_cpus.nr_allowed];
		nodes[i].id = i;
		nodes[i].next = heads[c].v;
		heads[c].v = (intptr_t)&nodes[i];
	}
	START_WORKERS(list_worker);
	run_with_signals(_metadata, self);
	if (_metadata->exit_code)
		return;
	for (c = 0; c < rt_cpus.nr_slots; c++) {
		struct rt_node *node = (struct rt_node *)heads[c].v;

		for (; node && seen_total <= nr_nodes;
		     node = (struct rt_node *)node->next) {
			if (node < nodes || node >= nodes + nr_nodes) {
				RT_FAIL("list %d holds a foreign pointer %p",
					c, (void *)node);
				return;
			}
			dups += !!seen[node->id]++;
			seen_total++;
		}
	}
	if (list_dups || dups || seen_total != nr_nodes)
		RT_FAIL("%ld nodes in the lists, %ld expected; %ld duplicated at the end, %lu popped twice",
			seen_total, nr_nodes, dups, list_dups);
	else
		RT_DETAIL("%ld nodes intact after %lu push/pop by %d threads",
			  nr_nodes, list_ops, rt_nr_workers());
}

/* ---- the abort handler after a signal inside a critical section ---- */

static intptr_t abort_word;
static int abort_sig_seen, abort_round_done;
static pthread_t abort_target;

static void abort_signal(int sig)
{
	(void)sig;
	RSEQ_WRITE_ONCE(abort_word, 0);
	__atomic_store_n(&abort_sig_seen, 1, __ATOMIC_RELAXED);
}

static void abort_sender(struct rt_worker *w)
{
	struct timespec ts = { 0, 200000 };

	while (rt_running(w)) {
		if (!__atomic_load_n(&abort_round_done, __ATOMIC_ACQUIRE))
			pthread_kill(abort_target, SIGUSR2);
		nanosleep(&ts, NULL);
	}
}

TEST_F(percpu, abort_on_signal_in_cs)
{
	struct sigaction sa = { .sa_handler = abort_signal };
	int rounds = 20 * rt_opt.mult, r, preempted = 0;

	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));
	abort_target = pthread_self();
	__atomic_store_n(&abort_round_done, 1, __ATOMIC_RELEASE);
	RT_SKIP_IF(rt_group_start(&self->sender, 1, abort_sender, NULL, false,
				  self->why, sizeof(self->why)),
		   "sender: %s", self->why);
	for (r = 0; r < rounds; r++) {
		int ret, cpu, seen;

		__atomic_store_n(&abort_sig_seen, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&abort_round_done, 0, __ATOMIC_RELEASE);
		do {
			cpu = rseq_cpu_start();
			/* Spins until the word changes: only a signal ends it. */
			ret = rt_occupy((const uint32_t *)&rseq_get_abi()->cpu_id,
					&abort_word, 1, 0, cpu);
			seen = __atomic_load_n(&abort_sig_seen,
					       __ATOMIC_RELAXED);
			preempted += ret < 0 && !seen;
		} while (ret < 0 && !seen);
		__atomic_store_n(&abort_round_done, 1, __ATOMIC_RELEASE);
		if (ret != -1) {
			RT_FAIL("round %d: the sequence returned %d (%s) after the signal",
				r, ret, ret == 1 ?
				"the handler returned into the sequence" :
				"commit");
			return;
		}
	}
	RT_DETAIL("%d signals inside a sequence all went to abort (%d other aborts)",
		  rounds, preempted);
}

/* ---- mm_cid: below its bounds, and unique among running threads ---- */

static struct rt_slot *cid_owner;
static unsigned int cid_bound;
static unsigned long cid_checks, cid_range_bad, cid_dup;
static int cid_reported;
static char cid_first[160];

static void cid_note(const char *fmt, unsigned int cid, long a, long b)
{
	if (!__atomic_exchange_n(&cid_reported, 1, __ATOMIC_RELAXED))
		snprintf(cid_first, sizeof(cid_first), fmt, cid, a, b);
}

static void cid_worker(struct rt_worker *w)
{
	intptr_t mark = w->idx + 1;
	unsigned long checks = 0, range_bad = 0, dup = 0;
	struct rseq_abi *abi = rseq_get_abi();

	while (rt_running(w)) {
		uint32_t cid = RSEQ_READ_ONCE(abi->mm_cid);
		int ret;

		checks++;
		if (cid >= cid_bound) {
			if (!range_bad++)
				cid_note("mm_cid %u >= bound %ld", cid,
					 cid_bound, 0);
			continue;
		}
		/* Aborted by any preemption: a change is a concurrent user. */
		ret = rt_occupy(&abi->mm_cid, &cid_owner[cid].v, mark, 200,
				cid);
		if (ret == 1) {
			if (!dup++)
				cid_note("mm_cid %u used by threads %ld and %ld at once",
					 cid, mark,
					 __atomic_load_n(&cid_owner[cid].v,
							 __ATOMIC_RELAXED));
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
}

TEST_F(percpu, mm_cid_bounded_unique)
{
	/* The workers and this thread. */
	unsigned int nr_threads = rt_nr_workers() + 1;

	RT_SKIP_IF(!rseq_mm_cid_available(),
		   "rseq feature size %u has no mm_cid (needs Linux 6.3+)",
		   rseq_size);
	cid_bound = rt_cpus.nr_slots < (int)nr_threads ?
		    (unsigned int)rt_cpus.nr_slots : nr_threads;
	cid_owner = rt_slots_alloc(1);
	RT_SKIP_IF(!cid_owner, "mm_cid owners: %s", strerror(errno));
	START_WORKERS(cid_worker);
	rt_sleep(rt_opt.duration);
	rt_group_stop(&self->workers);
	if (cid_range_bad || cid_dup)
		RT_FAIL("%lu out of range, %lu concurrent duplicates in %lu checks; first: %s",
			cid_range_bad, cid_dup, cid_checks, cid_first);
	else
		RT_DETAIL("%lu checks by %d threads: mm_cid < %u and unique while running",
			  cid_checks, rt_nr_workers(), cid_bound);
}

int main(int argc, char **argv)
{
	return rt_main(argc, argv, NULL);
}
