// SPDX-License-Identifier: GPL-2.0
/*
 * Executors of stress-syncore: the execution loop, the patterns (busy,
 * sleepy, migrating, fork churn), CPU attribution and recovery from faults
 * raised by JIT code.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/wait.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>

#include "arch.h"
#include "executor.h"
#include "stress.h"
#include "util.h"

#define SLEEPY_WAIT_NS		2000000L
#define INJECT_STALL_AFTER	100
#define ALTSTACK_SIZE		(64 * 1024)

const char *const cpu_source_names[] = {
	[CPU_SRC_RSEQ] = "rseq",
	[CPU_SRC_GETCPU] = "getcpu",
	[CPU_SRC_NONE] = "none",
};

static __thread struct executor *self;

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

void install_fault_handlers(void)
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

static enum pattern executor_pattern(const struct options *o,
				    unsigned int idx)
{
	static const enum pattern mix[] = { PAT_BUSY, PAT_SLEEPY, PAT_MIGRATE };

	if (o->pattern == PAT_MIXED)
		return mix[idx % ARRAY_SIZE(mix)];
	if (o->pattern == PAT_FORK)
		return PAT_BUSY;
	return o->pattern;
}

void executor_init(struct executor *e, struct stress *s, unsigned int idx)
{
	e->s = s;
	e->idx = idx;
	e->pattern = executor_pattern(&s->opt, idx);
	e->rng = s->opt.seed * 0x100000001b3ull + idx + 1;
	e->last_cpu = -1;
	e->cpu_counts = calloc(s->nr_cpus, sizeof(*e->cpu_counts));
	e->altstack = malloc(ALTSTACK_SIZE);
	if (!e->cpu_counts || !e->altstack)
		die("out of memory");
}

void executor_free(struct executor *e)
{
	free(e->cpu_counts);
	free(e->altstack);
}

/* Call slot code; a fault inside it comes back as *signo != 0. */
static __attribute__((noinline)) uint32_t run_slot(struct executor *e,
						   uint32_t slot, int *signo)
{
	gen_fn fn = jit_fn(&e->s->jit, slot);
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

/*
 * A stale execution is the kernel's fault only if this CPU could have run
 * the new code. Make the slot visible to this CPU's own instruction fetch
 * and serialize it: if the bytes, read as data, already hold @gen and the
 * code still returns something else, instruction fetch here does not follow
 * the architecture (an emulator's translation cache, e.g. QEMU's), and no
 * serialization by the kernel could have helped. Call inside the read-side
 * critical section, while the writer cannot reuse @slot.
 */
static bool misfetch(struct executor *e, uint32_t slot, uint32_t gen)
{
	void *rx = (void *)jit_fn(&e->s->jit, slot);
	uint32_t again;
	int signo;

	arch_sync_icache(rx, rx, ARCH_SLOT_SIZE);
	arch_consumer_fence();
	if (arch_read_gen(rx) != gen)
		return false;
	again = run_slot(e, slot, &signo);
	return !signo && again != gen;
}

static void record(struct executor *e, uint32_t slot, uint32_t expected,
		   uint32_t returned, int signo, int cpu, bool misfetched)
{
	int prev_cpu = e->last_cpu;
	bool slept = e->slept;

	e->last_cpu = cpu;
	e->slept = false;
	if (cpu >= 0 && cpu < e->s->nr_cpus)
		e->cpu_counts[cpu]++;
	else
		e->unknown_cpu++;
	if (!signo && returned == expected)
		return;
	if (misfetched) {
		e->misfetches++;
		return;
	}
	e->violations++;
	if (signo)
		e->signals++;
	else if (returned < expected)
		e->stale++;
	if (e->nviol < MAX_VIOL_RECORDS)
		e->viol[e->nviol++] = (struct exec_record){
			.slot = slot, .expected = expected,
			.returned = returned, .cpu = cpu, .signo = signo,
			.prev_cpu = prev_cpu, .slept = slept,
		};
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
	struct stress *s = e->s;
	struct timespec ts = { 0, SLEEPY_WAIT_NS };
	uint32_t seq;

	if (rng_next(&e->rng) & 1) {
		/* Sleep until the next publication (or a short timeout). */
		seq = __atomic_load_n(&s->pub_seq, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&s->waiters, 1, __ATOMIC_SEQ_CST);
		sys_futex(&s->pub_seq, FUTEX_WAIT_PRIVATE, seq, &ts);
		__atomic_sub_fetch(&s->waiters, 1, __ATOMIC_SEQ_CST);
	} else {
		sleep_ns(10000 + rng_next(&e->rng) % 190000);
	}
}

void *executor_main(void *arg)
{
	struct executor *e = arg;
	struct stress *s = e->s;
	bool fence = s->mode->consumer_fence;
	bool inject_seen = s->opt.inject &
			   (INJECT_PUBLISH_EARLY | INJECT_SIGILL);
	bool stall = (s->opt.inject & INJECT_STALL) && e->idx == 0;
	uint64_t last = UINT64_MAX, n = 0;
	unsigned int next_cpu = e->idx;
	char name[16];
	stack_t ss;

	self = e;
	__atomic_store_n(&e->tid, gettid(), __ATOMIC_RELAXED);
	snprintf(name, sizeof(name), "ssc-exec-%u", e->idx);
	pthread_setname_np(pthread_self(), name);
	ss.ss_sp = e->altstack;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		die("sigaltstack: %s", strerror(errno));
	e->cpu_source = probe_cpu_source();
	urcu_memb_register_thread();
	/* Lowering one's own priority needs no privilege. */
	if (s->opt.executor_nice &&
	    setpriority(PRIO_PROCESS, 0, s->opt.executor_nice))
		die("setpriority(%d): %s", s->opt.executor_nice,
		    strerror(errno));

	/*
	 * Start together: executors spinning while the rest are created
	 * would slow their creation down, and count work done before the
	 * phase's clock started.
	 */
	while (!__atomic_load_n(&s->go, __ATOMIC_ACQUIRE) && !stress_stopped(s)) {
		struct timespec ts = { .tv_nsec = 100000000L };

		sys_futex(&s->go, FUTEX_WAIT_PRIVATE, 0, &ts);
	}

	while (!stress_stopped(s)) {
		uint64_t p;
		uint32_t slot, gen, ret;
		bool misfetched;
		int signo;

		switch (e->pattern) {
		case PAT_SLEEPY:
			sleepy_wait(e);
			e->slept = true;
			break;
		case PAT_MIGRATE:
			if (s->nr_allowed > 1 && (n & 63) == 0) {
				next_cpu = (next_cpu + 1 +
					    rng_next(&e->rng) %
					    (s->nr_allowed - 1)) % s->nr_allowed;
				pin_to(s->allowed[next_cpu]);
			}
			break;
		default:
			break;
		}
		if (stall && n >= INJECT_STALL_AFTER) {
			/* Test-only: stop making progress, stay stoppable. */
			while (!stress_stopped(s))
				sleep_ns(10000000L);
			break;
		}

		urcu_memb_read_lock();
		p = __atomic_load_n(&s->pub, __ATOMIC_ACQUIRE);
		slot = p >> 32;
		gen = (uint32_t)p;
		if (fence && p != last) {
			arch_consumer_fence();
			last = p;
		}
		ret = run_slot(e, slot, &signo);
		misfetched = !signo && ret != gen && misfetch(e, slot, gen);
		urcu_memb_read_unlock();

		if (inject_seen)
			__atomic_store_n(&s->inject_seen, gen, __ATOMIC_RELAXED);
		record(e, slot, gen, ret, signo, current_cpu(e), misfetched);
		__atomic_store_n(&e->executions, ++n, __ATOMIC_RELAXED);
	}

	urcu_memb_unregister_thread();
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	__atomic_store_n(&e->exited, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Fork/exec churn in the background for --pattern fork and mixed. */
void *fork_main(void *arg)
{
	static char *const child_argv[] = { "true", NULL };
	struct stress *s = arg;
	pid_t pid;
	int status;

	pthread_setname_np(pthread_self(), "ssc-fork");
	/*
	 * Under a process limit a fork must not take the place of the
	 * writer's reclaimer thread: every thread first, then the forks.
	 */
	while (!__atomic_load_n(&s->writer_ready, __ATOMIC_ACQUIRE) &&
	       !stress_stopped(s))
		sleep_ns(1000000L);
	while (!stress_stopped(s)) {
		pid = fork();
		if (pid == 0) {
			execv("/bin/true", child_argv);
			_exit(0);
		}
		if (pid < 0) {
			__atomic_store_n(&s->fork_errno, errno, __ATOMIC_RELAXED);
			__atomic_add_fetch(&s->fork_errors, 1, __ATOMIC_RELAXED);
			sleep_ns(1000000L);
			continue;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		__atomic_add_fetch(&s->forks, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&s->fork_exited, 1, __ATOMIC_RELEASE);
	return NULL;
}

