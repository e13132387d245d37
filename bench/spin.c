// SPDX-License-Identifier: GPL-2.0
/*
 * Spinners: one thread per CPU other than A, each pinned, spinning or
 * parked in a futex on request, with a heartbeat a caller can wait on. A
 * membarrier call (or a TLB shootdown) interrupts exactly the CPUs where a
 * thread of the process runs, so these threads set how many it must
 * interrupt; parked, they keep the mm from having a single user without
 * being interrupted.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

/* Threads that spin on their own CPU, or park in a futex, on request. */
enum { SP_STARTING, SP_PARKED, SP_SPINNING };

struct spinner {
	unsigned long beat;	/* bumped all the time while spinning */
	pthread_t thread;
	pid_t tid;
	int cpu;		/* -1: not pinned (a single allowed CPU) */
	int err;		/* errno of the pinning */
	uint32_t active;	/* futex word: 1 spin, 0 park */
	int state;
} __attribute__((aligned(64)));	/* one cache line each */

static struct spinner spinners[BENCH_MAX_CPUS];
static int nspinners, stop;

static void *spinner_thread(void *arg)
{
	struct spinner *s = arg;

	s->tid = syscall(SYS_gettid);
	if (s->cpu >= 0)
		s->err = pin_to(s->cpu);
	for (;;) {
		__atomic_store_n(&s->state, SP_PARKED, __ATOMIC_RELEASE);
		while (!__atomic_load_n(&s->active, __ATOMIC_ACQUIRE) &&
		       !__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
			syscall(SYS_futex, &s->active, FUTEX_WAIT_PRIVATE, 0,
				NULL, NULL, 0);
		if (__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
			return NULL;
		__atomic_store_n(&s->state, SP_SPINNING, __ATOMIC_RELEASE);
		/*
		 * No PAUSE by default, as in perf bench's spinners: under QEMU
		 * TCG it leaves the vCPU's translated code on every iteration,
		 * which made a membarrier IPI to this CPU cost 1.5 times what
		 * it costs perf bench. Under -icount that is what lets the
		 * vCPUs take turns, so an IPI is answered before the time
		 * slice ends: --spin-relax.
		 */
		while (__atomic_load_n(&s->active, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&s->beat, s->beat + 1,
					 __ATOMIC_RELAXED);
			if (opt.spin_relax)
				arch_cpu_relax();
		}
	}
}

int spinners_start(struct row *r)
{
	int i, err;

	/* One thread at least, so that the mm never has a single user. */
	nspinners = opt.norder > 1 ? opt.norder - 1 : 1;
	for (i = 0; i < nspinners; i++) {
		spinners[i].cpu = opt.norder > 1 ? opt.order[i + 1] : -1;
		err = pthread_create(&spinners[i].thread, NULL, spinner_thread,
				     &spinners[i]);
		if (err) {
			row_fail(r, "pthread_create: %s", strerror(err));
			return -1;
		}
	}
	return 0;
}

/* Let the first k spin and park the others; wait until they did. */
int spinners_set(struct row *r, int k)
{
	uint64_t deadline = now_ns() + 1000000000ull;
	struct timespec settle = { 0, 1000000 };
	int i, want;

	for (i = 0; i < nspinners; i++) {
		__atomic_store_n(&spinners[i].active, i < k, __ATOMIC_RELEASE);
		if (i < k)
			syscall(SYS_futex, &spinners[i].active,
				FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	for (i = 0; i < nspinners; i++) {
		want = i < k ? SP_SPINNING : SP_PARKED;
		while (__atomic_load_n(&spinners[i].state, __ATOMIC_ACQUIRE) !=
		       want) {
			if (now_ns() > deadline) {
				row_fail(r, "spinner on CPU %d did not %s within 1 s",
					 spinners[i].cpu,
					 want == SP_PARKED ? "park" : "spin");
				return -1;
			}
			arch_cpu_relax();
		}
		/* Set before its first state change, so known by now. */
		if (spinners[i].err) {
			row_fail(r, "spinner cannot pin to CPU %d: %s",
				 spinners[i].cpu, strerror(spinners[i].err));
			return -1;
		}
	}
	/* A parked thread is off its CPU once its futex_wait has slept. */
	nanosleep(&settle, NULL);
	return 0;
}

void spinners_stop(void)
{
	int i;

	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < nspinners; i++) {
		__atomic_store_n(&spinners[i].active, 0, __ATOMIC_RELEASE);
		syscall(SYS_futex, &spinners[i].active, FUTEX_WAKE_PRIVATE, 1,
			NULL, NULL, 0);
	}
	for (i = 0; i < nspinners; i++)
		pthread_join(spinners[i].thread, NULL);
}

/*
 * A call interrupts only the CPUs where a thread of the process runs at
 * that moment, and on a shared machine a spinner is not always on its
 * CPU: before each call, wait until every spinner's heartbeat moves, so
 * that the row measures calls that found k threads running.
 */
int spinners_wait_running(struct row *r, int k)
{
	uint64_t deadline = 0;
	unsigned long b;
	int i;

	for (i = 0; i < k; i++) {
		b = __atomic_load_n(&spinners[i].beat, __ATOMIC_RELAXED);
		while (__atomic_load_n(&spinners[i].beat, __ATOMIC_RELAXED) == b) {
			arch_cpu_relax();
			if (!deadline)
				deadline = now_ns() + 1000000000ull;
			else if (now_ns() > deadline) {
				row_fail(r, "the spinner on CPU %d did not run for 1 s",
					 spinners[i].cpu);
				return -1;
			}
		}
	}
	return 0;
}

/* CPU time of the first k spinners: /proc/self/task/TID/schedstat. */
uint64_t spinners_runtime(int k)
{
	unsigned long long ns;
	uint64_t sum = 0;
	char path[64];
	FILE *f;
	int i;

	for (i = 0; i < k; i++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat",
			 spinners[i].tid);
		f = fopen(path, "r");
		if (!f)
			return 0;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	return sum;
}
