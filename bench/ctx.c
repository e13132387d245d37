// SPDX-License-Identifier: GPL-2.0
/*
 * ctx: the context-switch round trip, as a pipe ping-pong between two
 * tasks (lmbench lat_ctx, perf bench sched pipe), pinned:
 *
 *  - threads of one process (same mm: no page-table switch) or two
 *    processes (different mm: CR3/TTBR write, and on x86 with PTI more);
 *  - both on CPU A (each round trip is two task-to-task switches) or on
 *    CPUs A and B (each side blocks, its CPU goes idle and is woken by the
 *    other: idle -> same mm, the lazy edge, twice per round trip);
 *  - optionally each task reads its own working set every round (--ws, like
 *    lat_ctx -s), so that cache and TLB refills are charged to the switch.
 *
 * "self" does the same pipe syscalls and touches without any switch: the
 * part of every round trip that is not switching.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib.h"

const struct bench_case ctx_cases[] = {
	{ "thread-1cpu", "threads of one process (same mm), both on CPU A" },
	{ "proc-1cpu", "two processes (different mm), both on CPU A" },
	{ "thread-2cpu", "threads of one process, on CPUs A and B" },
	{ "proc-2cpu", "two processes, on CPUs A and B" },
	{ "self", "no switch: one task, the same pipe syscalls and touches" },
	{ NULL, NULL },
};

struct variant {
	const char *id;
	const char *label;
	bool procs;
	bool two_cpus;
	bool self;
};

static const struct variant variants[] = {
	{ "thread-1cpu", "threads (same mm), one CPU", false, false, false },
	{ "proc-1cpu", "processes (different mm), one CPU", true, false, false },
	{ "thread-2cpu", "threads (same mm), two CPUs", false, true, false },
	{ "proc-2cpu", "processes (different mm), two CPUs", true, true, false },
	{ "self", "no switch: one task, same syscalls", false, false, true },
};

static const struct bench *ctx_bench;

struct pingpong {
	struct row *r;
	int to_pong[2];
	int to_ping[2];
	int pong_cpu;
	char *ws;		/* the measuring task's working set */
};

static size_t ws_len(void)
{
	return (size_t)opt.ws_kb * 1024;
}

static char *ws_alloc(void)
{
	char *ws;

	if (!ws_len())
		return NULL;
	ws = malloc(ws_len());
	if (ws)
		memset(ws, 1, ws_len());	/* fault it in now, not timed */
	return ws;
}

/* Read one byte per cache line: lat_ctx's "sumit", without the unrolling. */
static void touch(const char *ws)
{
	const volatile char *p = ws;
	size_t i, len = ws_len();

	if (!ws)
		return;
	/* Volatile: every load happens, though its value is not used. */
	for (i = 0; i < len; i += 64)
		(void)p[i];
}

static int xwrite(int fd, int tok)
{
	return write(fd, &tok, sizeof(tok)) == sizeof(tok) ? 0 : -1;
}

/* 1 on a token, 0 at end of file, -1 on an error. */
static int xread(int fd, int *tok)
{
	ssize_t n = read(fd, tok, sizeof(*tok));

	return n == sizeof(*tok) ? 1 : n == 0 ? 0 : -1;
}

/*
 * The other side: pin, say whether that worked (the first token), then
 * answer every token until end of file.
 */
static void pong(struct pingpong *p)
{
	char *ws;
	int tok;

	if (pin_cpu(p->r, p->pong_cpu)) {
		xwrite(p->to_ping[1], -1);
		return;
	}
	ws = ws_alloc();
	if (ws_len() && !ws) {
		row_fail(p->r, "ponger: cannot allocate %d KB", opt.ws_kb);
		xwrite(p->to_ping[1], -1);
		return;
	}
	if (xwrite(p->to_ping[1], 1))
		goto out;
	while (xread(p->to_pong[0], &tok) == 1) {
		touch(ws);
		if (xwrite(p->to_ping[1], tok))
			break;
	}
out:
	free(ws);
}

static void *pong_thread(void *arg)
{
	pong(arg);
	return NULL;
}

static int ping(struct row *r, void *arg, long iters, uint64_t *ns)
{
	struct pingpong *p = arg;
	uint64_t t0 = now_ns();
	int tok, rc = -1;
	long i;

	for (i = 0; i < iters; i++) {
		if (xwrite(p->to_pong[1], (int)i))
			goto broken;
		rc = xread(p->to_ping[0], &tok);
		if (rc != 1)
			goto broken;
		touch(p->ws);
	}
	*ns = now_ns() - t0;
	return 0;
broken:
	row_fail(r, "pipe ping-pong broke: %s", rc == 0 ? "the other task exited" :
		 strerror(errno));
	return -1;
}

/* Two writes and two reads per iteration, as in one round trip. */
static int alone(struct row *r, void *arg, long iters, uint64_t *ns)
{
	struct pingpong *p = arg;
	uint64_t t0 = now_ns();
	int tok, k;
	long i;

	for (i = 0; i < iters; i++)
		for (k = 0; k < 2; k++) {
			if (xwrite(p->to_pong[1], (int)i) ||
			    xread(p->to_pong[0], &tok) != 1) {
				row_fail(r, "pipe: %s", strerror(errno));
				return -1;
			}
			touch(p->ws);
		}
	*ns = now_ns() - t0;
	return 0;
}

static int ctx_case(void *arg)
{
	const struct variant *v = arg;
	struct pingpong p = { 0 };
	int cpus[2] = { CPU_A, CPU_B };
	pthread_t thread;
	pid_t pid = -1;
	int tok, rc = 0;

	p.r = row_new(ctx_bench, v->id, "ns/round trip", "%s%s", v->label,
		      opt.ws_kb ? ", ws" : "");
	if (!p.r)
		return -1;
	if (opt.ws_kb)
		snprintf(p.r->label + strlen(p.r->label),
			 sizeof(p.r->label) - strlen(p.r->label), " %d KB",
			 opt.ws_kb);
	p.r->ws_kb = opt.ws_kb;
	if (v->two_cpus && CPU_B < 0) {
		row_skip(p.r, "needs two CPUs; only CPU %d is allowed", CPU_A);
		return 0;
	}
	row_set_cpus(p.r, v->two_cpus ? 2 : 1, cpus);
	p.pong_cpu = v->two_cpus ? CPU_B : CPU_A;
	if (pipe(p.to_pong) || pipe(p.to_ping)) {
		row_fail(p.r, "pipe: %s", strerror(errno));
		return 1;
	}
	if (pin_cpu(p.r, CPU_A))
		return 1;
	p.ws = ws_alloc();
	if (ws_len() && !p.ws) {
		row_fail(p.r, "cannot allocate %d KB", opt.ws_kb);
		return 1;
	}
	if (v->self)
		return measure(p.r, alone, &p) ? 1 : 0;

	if (v->procs) {
		pid = fork();
		if (pid < 0) {
			row_fail(p.r, "fork: %s", strerror(errno));
			return 1;
		}
		if (!pid) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(p.to_pong[1]);
			close(p.to_ping[0]);
			pong(&p);
			_exit(0);
		}
		close(p.to_pong[0]);
		close(p.to_ping[1]);
	} else {
		int err = pthread_create(&thread, NULL, pong_thread, &p);

		if (err) {
			row_fail(p.r, "pthread_create: %s", strerror(err));
			return 1;
		}
	}
	/* The first token says the other side is pinned and ready. */
	if (xread(p.to_ping[0], &tok) != 1 || tok != 1)
		row_fail(p.r, "the other task could not start");
	else
		rc = measure(p.r, ping, &p) ? 1 : 0;
	close(p.to_pong[1]);	/* end of file: the other side returns */
	if (v->procs)
		waitpid(pid, NULL, 0);
	else
		pthread_join(thread, NULL);
	return rc;
}

int bench_ctx(const struct bench *b)
{
	unsigned int i;

	ctx_bench = b;
	for (i = 0; i < ARRAY_SIZE(variants); i++)
		if (case_wanted(b, variants[i].id) &&
		    case_run(ctx_case, (void *)&variants[i]) < 0)
			return -1;
	return 0;
}
