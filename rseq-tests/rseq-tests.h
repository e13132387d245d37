/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rseq-tests: the library shared by the test programs (lib.c), the
 * per-architecture critical sections (arch-*.c) and the planted bugs.
 *
 * The rseq helpers come from librseq when it is built with RSEQ_LIB=librseq,
 * otherwise from the rseq library of the v6.12 kernel tree
 * (tools/testing/selftests/rseq). Every helper here reports a failure of
 * its own (a thread that cannot start, memory that cannot be had) as an
 * errno and a sentence, so that a test can say SKIP for the environment
 * and keep "not ok" for the kernel.
 */
#ifndef RSEQ_TESTS_H
#define RSEQ_TESTS_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef RT_USE_LIBRSEQ
#include <rseq/rseq.h>
/*
 * librseq names the per-CPU operations after their steps; map the names
 * of the kernel tree's library used by the tests onto them.
 */
#define rseq_addv(mo, mode, v, count, cpu) \
	rseq_load_add_store__ptr(mo, mode, v, count, cpu)
#define rseq_cmpeqv_storev(mo, mode, v, expect, newv, cpu) \
	rseq_load_cbne_store__ptr(mo, mode, v, expect, newv, cpu)
#define rseq_cmpnev_storeoffp_load(mo, mode, v, expectnot, voffp, load, cpu) \
	rseq_load_cbeq_store_add_load_store__ptr(mo, mode, v, expectnot, \
						 voffp, load, cpu)
#else
#include <rseq.h>
#endif

/*
 * Planted bugs: each RSEQ_TESTS_BROKEN_* build breaks one guarantee on
 * the user side, the way a kernel bug would break it, and the check that
 * watches that guarantee must fail (make check runs them). Both sides
 * are compiled in every build, so neither rots.
 *
 *   COMMIT  the counter's commit is a plain load, add and store
 *   FENCE   the fence is MEMBARRIER_CMD_PRIVATE_EXPEDITED, which
 *           restarts no sequence
 *   ABORT   rt_occupy() never publishes its descriptor in rseq_cs
 *   CPU_ID  cpu_id is read once per thread, as if the kernel never
 *           updated it on migration
 *   ABI     rseq() gets its arguments tidied up first, as if the kernel
 *           accepted any flags, length, alignment and signature
 */
#ifdef RSEQ_TESTS_BROKEN_COMMIT
#define RT_BROKEN_COMMIT	1
#else
#define RT_BROKEN_COMMIT	0
#endif
#ifdef RSEQ_TESTS_BROKEN_FENCE
#define RT_BROKEN_FENCE		1
#else
#define RT_BROKEN_FENCE		0
#endif
#ifdef RSEQ_TESTS_BROKEN_ABORT
#define RT_BROKEN_ABORT		1
/* The kernel does not know the thread is inside a sequence. */
#define RT_ASM_STORE_RSEQ_CS(label, cs_label, rseq_cs) \
	__rseq_str(label) ":\n"
#else
#define RT_BROKEN_ABORT		0
#define RT_ASM_STORE_RSEQ_CS(label, cs_label, rseq_cs) \
	RSEQ_ASM_STORE_RSEQ_CS(label, cs_label, rseq_cs)
#endif
#ifdef RSEQ_TESTS_BROKEN_CPU_ID
#define RT_BROKEN_CPU_ID	1
#else
#define RT_BROKEN_CPU_ID	0
#endif
#ifdef RSEQ_TESTS_BROKEN_ABI
#define RT_BROKEN_ABI		1
#else
#define RT_BROKEN_ABI		0
#endif

/* "" or the name of the planted bug of this build, for the header. */
const char *rt_broken_build(void);

/* ---- options (every program takes the same) ---- */

struct rt_options {
	int mult;		/* -t: worker threads per allowed CPU */
	double duration;	/* -d: seconds each timed test runs */
	double budget;		/* -T: seconds for the whole run, 0: none */
	const char *only;	/* -c: NAME[,NAME...] */
	bool list;		/* -l */
};

extern struct rt_options rt_opt;

/*
 * Parse argv into rt_opt. Every option is checked before any is acted
 * on, so -l means the same wherever it stands. Returns -1 to go on, or
 * the status to exit with: 0 after -h, 2 after a usage error (named on
 * stderr). @usage_extra: lines the program adds to the usage text.
 */
int rt_parse_options(int argc, char **argv, const char *usage_extra);

/* Seconds one test may run: a margin over -d, cut to its share of -T. */
unsigned int rt_test_timeout(unsigned int nr_tests);

/* ---- the machine ---- */

struct rt_cpus {
	int nr_slots;		/* per-CPU array length: possible CPU ids */
	int nr_allowed;
	int allowed[CPU_SETSIZE];
	cpu_set_t set;
};

extern struct rt_cpus rt_cpus;

/* Read this thread's affinity into rt_cpus. */
void rt_cpus_init(void);
/* 0, or the errno of a sched_setaffinity() that the system refused. */
int rt_pin(int cpu);
int rt_unpin(void);
/* The CPU from getcpu(2) itself: glibc's sched_getcpu() may read rseq. */
int rt_getcpu(void);
double rt_now(void);
void rt_sleep(double seconds);
unsigned int rt_rand(unsigned int *state);

/* ---- rseq and membarrier ---- */

int rt_sys_rseq(void *area, uint32_t len, int flags, uint32_t sig);
int rt_sys_membarrier(int cmd, unsigned int flags, int cpu);
/* glibc (2.35 and later) registered this thread's rseq area. */
bool rt_glibc_owns_rseq(void);

/* What a test may do after checking what it needs from the system. */
enum rt_verdict {
	RT_USABLE,
	RT_SKIP,		/* the environment: no support, a sandbox */
	RT_FAIL,		/* the kernel refused what it must accept */
};

/*
 * A call the test needs failed with @err: whose fault is it? With a
 * seccomp filter installed (or when that cannot be told), the sandbox's:
 * RT_SKIP; without one, the kernel's: RT_FAIL. @why gets "@what: error"
 * and the reason.
 */
enum rt_verdict rt_refused(int err, const char *what, char *why,
			   size_t why_len);

/*
 * Can rseq be tested here? RT_SKIP without kernel support (or under
 * qemu-user, or a sandbox refusing it). With @own, the caller needs a
 * thread without glibc's registration; without it, the calling thread
 * is registered through the rseq library.
 */
enum rt_verdict rt_rseq_check(bool own, char *why, size_t why_len);

/* Register the calling thread with the rseq library; 0 or errno. */
int rt_register_thread(void);

/* ---- threads, started and stopped with every error checked ---- */

/* What the errno of a failed fork or thread start says of the limits. */
const char *rt_limit_hint(int err);

struct rt_group;

struct rt_worker {
	struct rt_group *group;
	int idx;
	unsigned int seed;	/* for rt_rand() */
};

struct rt_group {
	void (*fn)(struct rt_worker *w);
	void *data;		/* the test's, for fn */
	struct rt_worker *workers;
	pthread_t *tids;
	bool rseq;		/* register each thread with rseq */
	int nr;			/* threads started */
	int ready;		/* of those, registered and waiting */
	int reg_err;		/* first rseq registration error */
	int gate;		/* 0 wait, 1 run, -1 give up */
	int stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

/*
 * Start @n threads running @fn, each registered with rseq when @rseq.
 * They run only once all of them are up: a thread that cannot be
 * created or registered makes the whole group give up, join what was
 * started and return the errno with @why saying what failed.
 */
int rt_group_start(struct rt_group *g, int n, void (*fn)(struct rt_worker *),
		   void *data, bool rseq, char *why, size_t why_len);
/* Tell the threads to stop, and join them. */
void rt_group_stop(struct rt_group *g);

static inline bool rt_running(const struct rt_worker *w)
{
	return !__atomic_load_n(&w->group->stop, __ATOMIC_RELAXED);
}

/* Worker threads for the concurrent tests: -t per allowed CPU. */
int rt_nr_workers(void);

/*
 * Injected preemption every 1024 calls: a yield, a short sleep, a move to
 * a random allowed CPU, or back to all of them. Best effort: a refused
 * move is simply not made.
 */
void rt_inject(struct rt_worker *w, unsigned long i);

/*
 * A thread that sends @sig to a random thread of @targets about every
 * 50 us until stopped. Start and stop it like a group (it is one).
 */
int rt_signaller_start(struct rt_group *sender, struct rt_group *targets,
		       int sig, char *why, size_t why_len);

/*
 * Sleep for -d seconds, then on until *@count reaches @min (a signal
 * that must have arrived at least once): the test's timeout bounds it.
 */
void rt_run(const unsigned long *count, unsigned long min);

/* ---- memory ---- */

struct rt_slot {
	intptr_t v;
} __attribute__((aligned(128)));

/* @n zeroed slots per possible CPU, or NULL (errno set). */
struct rt_slot *rt_slots_alloc(size_t n);

/* ---- the per-architecture critical sections (arch-*.c) ---- */

/*
 * Run one critical section on the current thread's rseq area:
 *
 *   if (*id != cpu) abort;
 *   *word = mark;
 *   repeat @spins times (0 means 2^64): if (*word != mark) goto changed;
 *   *word = 0;			(commit)
 *
 * @id points into the rseq area: &cpu_id or &mm_cid.
 *
 * Returns 0 on commit, 1 when *word changed under the sequence (another
 * thread, or a signal handler, wrote it while this thread was running the
 * sequence), -1 when the sequence was aborted (preemption, migration,
 * signal delivery).
 */
int rt_occupy(const uint32_t *id, intptr_t *word, intptr_t mark,
	      unsigned long spins, int cpu);

/*
 * Increment a per-CPU slot of the array that *@active points to, loading
 * the pointer inside the critical section:
 *
 *   if (rseq cpu_id != cpu) abort;
 *   p = *active;
 *   spin @delay + 1 times;
 *   *(intptr_t *)((char *)p + off) += inc;	(commit)
 *
 * Returns 0 on commit, -1 on abort. This is the operation that the
 * membarrier RSEQ fence protects: once the manager has replaced *active
 * and the fence has returned, no thread can still add to the old array.
 */
int rt_deref_addv(intptr_t **active, long off, intptr_t inc,
		  unsigned long delay, int cpu);

#endif /* RSEQ_TESTS_H */
