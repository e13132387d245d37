// SPDX-License-Identifier: GPL-2.0
/*
 * membarrier: the latency of one call of each expedited command, against
 * the number of threads of the process spinning on other CPUs (each one a
 * CPU the kernel must interrupt), beside the two tricks that get a
 * process-wide barrier from a TLB shootdown instead (mprotect and madvise),
 * the one-time cost of registering for SYNC_CORE, and the latency when
 * several threads of the process issue the command at once (one per CPU).
 *
 * Pitfalls handled: PRIVATE_EXPEDITED and _RSEQ return at once when the
 * mm has one user, so every case keeps at least one extra thread (parked
 * in a futex when no thread should spin: a sleeping thread is not
 * interrupted); registration happens before any thread exists (afterwards
 * it waits for an RCU grace period); a command the kernel does not offer
 * is a SKIP with the reason, never a number.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib.h"

const struct bench_case membarrier_cases[] = {
	{ "private-expedited", "MEMBARRIER_CMD_PRIVATE_EXPEDITED" },
	{ "private-expedited-sync-core", "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE" },
	{ "private-expedited-rseq", "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ" },
	{ "global-expedited", "MEMBARRIER_CMD_GLOBAL_EXPEDITED" },
	{ "mprotect", "mprotect a locked, dirty page RW -> RO -> RW (TLB shootdown)" },
	{ "madvise", "touch a page, madvise(MADV_DONTNEED) it (TLB shootdown)" },
	{ "register", "REGISTER_PRIVATE_EXPEDITED_SYNC_CORE in a fresh process with one extra thread" },
	{ "register-1t", "the same in a fresh single-threaded process" },
	{ "callers", "PRIVATE_EXPEDITED_SYNC_CORE issued from 2 or more CPUs at once" },
	{ "callers-private-expedited", "PRIVATE_EXPEDITED issued from 2 or more CPUs at once" },
	{ NULL, NULL },
};

enum kind { K_MEMBARRIER, K_MPROTECT, K_MADVISE, K_REGISTER, K_CALLERS };

struct cmd {
	const char *id;
	const char *name;
	enum kind kind;
	int cmd;
	int reg;		/* the registration it needs, or 0 */
	const char *reg_name;
	bool thread;		/* K_REGISTER: with one extra thread */
};

static const struct cmd cmds[] = {
	{ "private-expedited", "PRIVATE_EXPEDITED", K_MEMBARRIER,
	  MEMBARRIER_CMD_PRIVATE_EXPEDITED,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
	  "REGISTER_PRIVATE_EXPEDITED", false },
	{ "private-expedited-sync-core", "PRIVATE_EXPEDITED_SYNC_CORE",
	  K_MEMBARRIER, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
	  "REGISTER_PRIVATE_EXPEDITED_SYNC_CORE", false },
	{ "private-expedited-rseq", "PRIVATE_EXPEDITED_RSEQ", K_MEMBARRIER,
	  MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ,
	  "REGISTER_PRIVATE_EXPEDITED_RSEQ", false },
	{ "global-expedited", "GLOBAL_EXPEDITED", K_MEMBARRIER,
	  MEMBARRIER_CMD_GLOBAL_EXPEDITED,
	  MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED,
	  "REGISTER_GLOBAL_EXPEDITED", false },
	{ "mprotect", "mprotect RW->RO->RW", K_MPROTECT, 0, 0, NULL, false },
	{ "madvise", "madvise DONTNEED", K_MADVISE, 0, 0, NULL, false },
	{ "register", "register SYNC_CORE, 2 threads", K_REGISTER,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, NULL, true },
	{ "register-1t", "register SYNC_CORE, 1 thread", K_REGISTER,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, NULL, false },
	{ "callers", "PRIVATE_EXPEDITED_SYNC_CORE", K_CALLERS,
	  MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
	  "REGISTER_PRIVATE_EXPEDITED_SYNC_CORE", false },
	{ "callers-private-expedited", "PRIVATE_EXPEDITED", K_CALLERS,
	  MEMBARRIER_CMD_PRIVATE_EXPEDITED,
	  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
	  "REGISTER_PRIVATE_EXPEDITED", false },
};

static const struct bench *mb_bench;

static long membarrier(int cmd, unsigned int flags, int cpu)
{
	return syscall(__NR_membarrier, cmd, flags, cpu);
}

struct target {
	const struct cmd *c;
	volatile char *page;
	int k;			/* spinning threads */
};

/* Each call timed on its own: waiting for the spinners is not in it. */
static int call_loop(struct row *r, void *arg, long iters, uint64_t *ns)
{
	struct target *t = arg;
	const long page = sysconf(_SC_PAGESIZE);
	void *p = (void *)t->page;
	uint64_t t0, sum = 0;
	long i;
	int rc;

	for (i = 0; i < iters; i++) {
		if (t->k && spinners_wait_running(r, t->k))
			return -1;
		t0 = now_ns();
		switch (t->c->kind) {
		case K_MEMBARRIER:
		case K_CALLERS:
			rc = membarrier(t->c->cmd, 0, 0);
			break;
		case K_MPROTECT:
			/* Dirty and in this CPU's TLB: RO must shoot it down. */
			t->page[0]++;
			rc = mprotect(p, page, PROT_READ) ||
			     mprotect(p, page, PROT_READ | PROT_WRITE);
			break;
		default:
			t->page[0] = 1;
			rc = madvise(p, page, MADV_DONTNEED);
			break;
		}
		sum += now_ns() - t0;
		if (rc) {
			row_fail(r, "%s: %s", t->c->name, strerror(errno));
			return -1;
		}
	}
	*ns = sum;
	return 0;
}

/*
 * Whether a call interrupted the spinners' CPUs is what the row is about:
 * count the function-call and TLB-shootdown interrupts they took per call,
 * and say how much of the time the spinners had their CPUs (other load).
 */
static int measure_spinning(struct row *r, int k, struct target *t)
{
	const int *cpus = &opt.order[1];
	uint64_t w0 = now_ns(), r0 = spinners_runtime(k), r1;
	long long i0 = ipi_count(cpus, k), i1;
	long it0 = r->iters_total;
	double share;

	if (measure(r, call_loop, t))
		return -1;
	r1 = spinners_runtime(k);
	i1 = ipi_count(cpus, k);
	if (!k)
		return 0;
	if (i0 >= 0 && i1 >= i0 && r->iters_total > it0) {
		r->ipis = (double)(i1 - i0) / (r->iters_total - it0);
		row_note(r, "%.2f interrupts per call on the spinners' CPUs",
			 r->ipis);
	}
	share = (double)(r1 - r0) / ((double)k * (now_ns() - w0));
	if (r0 && share < 0.95)
		row_note(r, "spinners on their CPUs only %.0f%% of the time (other load): calls waited for them",
			 100 * share);
	return 0;
}

/* Check the command and register for it: 0, or -1 after a SKIP or FAIL. */
static int prepare(struct row *r, struct target *t)
{
	const long page = sysconf(_SC_PAGESIZE);
	const struct cmd *c = t->c;
	long mask;

	if (c->kind == K_MPROTECT || c->kind == K_MADVISE) {
		t->page = mmap(NULL, page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t->page == MAP_FAILED) {
			row_fail(r, "mmap: %s", strerror(errno));
			return -1;
		}
		t->page[0] = 1;
		/* madvise cannot drop a locked page: lock only mprotect's. */
		if (c->kind == K_MPROTECT && mlock((void *)t->page, page))
			row_note(r, "mlock: %s: the page is only touched",
				 strerror(errno));
		return 0;
	}
	mask = membarrier(MEMBARRIER_CMD_QUERY, 0, 0);
	if (mask < 0) {
		row_skip(r, "membarrier(QUERY): %s", strerror(errno));
		return -1;
	}
	if (!(mask & c->cmd)) {
		row_skip(r, "the kernel does not offer %s (QUERY mask 0x%lx)",
			 c->name, mask);
		return -1;
	}
	if (membarrier(c->reg, 0, 0)) {
		row_skip(r, "%s: %s", c->reg_name, strerror(errno));
		return -1;
	}
	if (membarrier(c->cmd, 0, 0)) {
		row_skip(r, "%s: %s", c->name, strerror(errno));
		return -1;
	}
	return 0;
}

static int cmd_case(const struct cmd *c)
{
	struct target t = { .c = c };
	int cpus[ROW_MAX_CPUS], counts[32], nk = 0, i, k, kmax, n;
	char note[sizeof(((struct row *)0)->reason)] = "";
	struct row *r;

	/* Setup problems land in a first row, which the k = 0 run reuses. */
	r = row_new(mb_bench, c->id, "ns/call", "%s, 0 spinning", c->name);
	if (!r)
		return -1;
	if (prepare(r, &t)) {
		/* Not measured at all: the row stands for the command. */
		snprintf(r->label, sizeof(r->label), "%s", c->name);
		return r->status == ROW_SKIP ? 0 : 1;
	}
	snprintf(note, sizeof(note), "%s", r->reason);
	if (spinners_start(r) || pin_cpu(r, CPU_A))
		return 1;
	/* 0, 1, 2, 4, ... spinning threads, and all of them last. */
	kmax = opt.norder - 1;
	for (k = 0; k < kmax && nk < (int)ARRAY_SIZE(counts) - 1;
	     k = k ? 2 * k : 1)
		counts[nk++] = k;
	counts[nk++] = kmax;
	for (i = 0; i < nk; i++) {
		k = counts[i];
		if (i) {
			r = row_new(mb_bench, c->id, "ns/call",
				    "%s, %d spinning", c->name, k);
			if (!r)
				break;
			if (note[0])
				row_note(r, "%s", note);
		}
		r->threads = t.k = k;
		cpus[0] = CPU_A;
		for (n = 1; n <= k && n < ROW_MAX_CPUS; n++)
			cpus[n] = opt.order[n];
		row_set_cpus(r, n, cpus);
		if (spinners_set(r, k) || measure_spinning(r, k, &t))
			break;
	}
	spinners_stop();
	return r && r->status == ROW_OK ? 0 : 1;
}

static void *pause_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* One sample: a fresh process times its own registration. */
static int register_once(struct row *r, void *arg, long iters, uint64_t *ns)
{
	const struct cmd *c = arg;
	int64_t v = -EIO;
	pthread_t thread;
	int fds[2];
	uint64_t t0;
	pid_t pid;

	(void)iters;
	if (pipe(fds)) {
		row_fail(r, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (!pid) {
		int err = c->thread ? pthread_create(&thread, NULL,
						     pause_thread, NULL) : 0;

		if (err) {
			v = -err;
		} else {
			/*
			 * The first clock read and syscall of a fresh process
			 * take page faults (tens of us in a VM): not ours.
			 */
			now_ns();
			syscall(SYS_getppid);
			t0 = now_ns();
			v = membarrier(c->cmd, 0, 0) ? -errno :
				(int64_t)(now_ns() - t0);
		}
		if (write(fds[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &v, sizeof(v)) != sizeof(v))
		v = pid < 0 ? -errno : -EIO;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (v < 0) {
		row_fail(r, "REGISTER_PRIVATE_EXPEDITED_SYNC_CORE in a fresh process: %s",
			 strerror(-v));
		return -1;
	}
	*ns = v;
	return 0;
}

static int register_case(const struct cmd *c)
{
	struct row *r;
	long mask;

	r = row_new(mb_bench, c->id, "ns/registration", "%s", c->name);
	if (!r)
		return -1;
	mask = membarrier(MEMBARRIER_CMD_QUERY, 0, 0);
	if (mask < 0) {
		row_skip(r, "membarrier(QUERY): %s", strerror(errno));
		return 0;
	}
	if (!(mask & c->cmd)) {
		row_skip(r, "the kernel does not offer REGISTER_PRIVATE_EXPEDITED_SYNC_CORE (QUERY mask 0x%lx)",
			 mask);
		return 0;
	}
	if (pin_cpu(r, CPU_A))
		return 1;
	return measure_fixed(r, register_once, (void *)c, 1) ? 1 : 0;
}

struct caller {
	pthread_t thread;
	const struct cmd *c;
	int cpu;
	int stop;
	long calls;
	int err;
};

/* Another caller: issues the command back to back until told to stop. */
static void *caller_thread(void *arg)
{
	struct caller *k = arg;

	k->err = pin_to(k->cpu);
	if (k->err)
		return NULL;
	while (!__atomic_load_n(&k->stop, __ATOMIC_RELAXED)) {
		if (membarrier(k->c->cmd, 0, 0)) {
			k->err = errno;
			return NULL;
		}
		__atomic_store_n(&k->calls, k->calls + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * n callers at once, one per CPU: the one on CPU A is timed, the others
 * keep issuing the command. Each caller's CPU is also a target of the
 * others' calls, so the row to compare with is "1 spinning".
 */
static int callers_row(const struct cmd *c, struct target *t, int n,
		       struct row *r)
{
	struct caller k[ROW_MAX_CPUS] = { 0 };
	int cpus[ROW_MAX_CPUS], i, started, rc = 0;
	uint64_t t0 = now_ns();
	long calls = 0;

	if (!r)
		r = row_new(mb_bench, c->id, "ns/call",
			    "%s, %d callers at once", c->name, n);
	if (!r)
		return -1;
	for (i = 0; i < n; i++)
		cpus[i] = opt.order[i];
	row_set_cpus(r, n, cpus);
	for (started = 1; started < n; started++) {
		k[started].c = c;
		k[started].cpu = opt.order[started];
		if (pthread_create(&k[started].thread, NULL, caller_thread,
				   &k[started])) {
			row_fail(r, "pthread_create failed");
			rc = 1;
			break;
		}
	}
	/* Time only once every other caller is calling. */
	for (i = 1; !rc && i < started; i++) {
		uint64_t deadline = now_ns() + 1000000000ull;

		while (!__atomic_load_n(&k[i].calls, __ATOMIC_RELAXED) &&
		       !k[i].err) {
			if (now_ns() > deadline) {
				row_fail(r, "the caller on CPU %d made no call in 1 s",
					 k[i].cpu);
				rc = 1;
				break;
			}
		}
	}
	if (!rc && measure(r, call_loop, t))
		rc = 1;
	for (i = 1; i < started; i++) {
		__atomic_store_n(&k[i].stop, 1, __ATOMIC_RELAXED);
		pthread_join(k[i].thread, NULL);
		calls += k[i].calls;
		if (k[i].err && !rc) {
			row_fail(r, "the caller on CPU %d: %s", k[i].cpu,
				 strerror(k[i].err));
			rc = 1;
		}
	}
	if (!rc)
		row_note(r, "the other callers made %.0f calls/s",
			 calls / ((now_ns() - t0) / 1e9));
	return rc;
}

static int callers_case(const struct cmd *c)
{
	struct target t = { .c = c };
	int n, nmax = opt.norder < ROW_MAX_CPUS ? opt.norder : ROW_MAX_CPUS;
	struct row *r;

	/* Setup problems land in the first row, which n = 2 reuses. */
	r = row_new(mb_bench, c->id, "ns/call", "%s, 2 callers at once",
		    c->name);
	if (!r)
		return -1;
	if (nmax < 2)
		row_skip(r, "needs two CPUs; only CPU %d is allowed", CPU_A);
	if (nmax < 2 || prepare(r, &t)) {
		snprintf(r->label, sizeof(r->label), "%s, callers at once",
			 c->name);
		return r->status == ROW_SKIP ? 0 : 1;
	}
	if (pin_cpu(r, CPU_A))
		return 1;
	/* 2, 4, ... callers, and all of them last. */
	for (n = 2;; n = 2 * n < nmax ? 2 * n : nmax) {
		if (callers_row(c, &t, n, r))
			return 1;
		r = NULL;
		if (n == nmax)
			return 0;
	}
}

static int membarrier_case(void *arg)
{
	const struct cmd *c = arg;

	if (c->kind == K_REGISTER)
		return register_case(c);
	return c->kind == K_CALLERS ? callers_case(c) : cmd_case(c);
}

int bench_membarrier(const struct bench *b)
{
	unsigned int i;

	mb_bench = b;
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (case_wanted(b, cmds[i].id) &&
		    case_run(membarrier_case, (void *)&cmds[i]) < 0)
			return -1;
	return 0;
}
