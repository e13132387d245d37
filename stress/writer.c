// SPDX-License-Identifier: GPL-2.0
/*
 * The writer of stress-syncore: it patches a free slot with the next
 * generation, runs the cache maintenance and the barrier of the mode,
 * publishes the slot and retires the previous one to a reclaimer thread
 * (urcu grace periods). Also the test-only faults and the --compare-raw
 * windows.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>

#include "jit.h"
#include "modes.h"
#include "stress.h"
#include "util.h"
#include "writer.h"

#define INJECT_WINDOW_NS	50000000L
#define INJECT_SIGILL_ROUND	3
#define COMPARE_WINDOW_NS	10000000ull

static void publish(struct stress *s, uint32_t slot, uint32_t gen)
{
	__atomic_store_n(&s->pub, (uint64_t)slot << 32 | gen, __ATOMIC_RELEASE);
	__atomic_add_fetch(&s->pub_seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&s->waiters, __ATOMIC_SEQ_CST))
		sys_futex(&s->pub_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

static void wait_inject_window(struct stress *s, uint32_t gen)
{
	uint64_t deadline = now_ns() + INJECT_WINDOW_NS;

	/* Hold the window open until an executor ran the unpatched slot. */
	while (__atomic_load_n(&s->inject_seen, __ATOMIC_RELAXED) != gen &&
	       now_ns() < deadline && !stress_stopped(s))
		sched_yield();
}

/*
 * Slot recycling. The writer retires the slot it just replaced; a reclaimer
 * thread waits for an RCU grace period over each batch of retired slots and
 * hands them back, the way a JIT frees code through call_rcu(). The writer
 * blocks only when every slot is waiting for a grace period.
 */
struct reclaimer {
	struct stress *s;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t *pending;		/* retired, waiting for a grace period */
	unsigned int npending;
	uint32_t *ready;		/* past a grace period: free */
	unsigned int nready;
	unsigned int batch;
	bool writer_done;
	bool writer_waiting;
	uint64_t writer_waits;
};

static void *reclaimer_main(void *arg)
{
	struct reclaimer *rcl = arg;
	uint32_t *batch = calloc(rcl->s->opt.slots, sizeof(*batch));
	unsigned int n;

	if (!batch)
		die("out of memory");
	pthread_setname_np(pthread_self(), "ssc-reclaim");
	pthread_mutex_lock(&rcl->lock);
	for (;;) {
		/* Batch: one grace period per many retired slots. */
		while (!rcl->writer_done &&
		       (!rcl->npending ||
			(!rcl->writer_waiting && rcl->npending < rcl->batch)))
			pthread_cond_wait(&rcl->cond, &rcl->lock);
		if (rcl->writer_done)
			break;
		n = rcl->npending;
		memcpy(batch, rcl->pending, n * sizeof(*batch));
		rcl->npending = 0;
		pthread_mutex_unlock(&rcl->lock);

		urcu_memb_synchronize_rcu();
		__atomic_add_fetch(&rcl->s->grace_periods, 1, __ATOMIC_RELAXED);

		pthread_mutex_lock(&rcl->lock);
		memcpy(rcl->ready + rcl->nready, batch, n * sizeof(*batch));
		rcl->nready += n;
		pthread_cond_broadcast(&rcl->cond);
	}
	pthread_mutex_unlock(&rcl->lock);
	free(batch);
	return NULL;
}

/* Hand retired slots over; refill the free list, waiting if needed. */
static void exchange_slots(struct reclaimer *rcl, uint32_t *retired,
			   unsigned int *nretired, uint32_t *free_list,
			   unsigned int *nfree)
{
	pthread_mutex_lock(&rcl->lock);
	memcpy(rcl->pending + rcl->npending, retired,
	       *nretired * sizeof(*retired));
	rcl->npending += *nretired;
	*nretired = 0;
	if (rcl->npending >= rcl->batch)
		pthread_cond_broadcast(&rcl->cond);
	if (!*nfree && !rcl->nready) {
		rcl->writer_waits++;
		rcl->writer_waiting = true;
		pthread_cond_broadcast(&rcl->cond);
		while (!rcl->nready)
			pthread_cond_wait(&rcl->cond, &rcl->lock);
		rcl->writer_waiting = false;
	}
	memcpy(free_list + *nfree, rcl->ready,
	       rcl->nready * sizeof(*free_list));
	*nfree += rcl->nready;
	rcl->nready = 0;
	pthread_mutex_unlock(&rcl->lock);
}

/* Time spent in raw windows (odd COMPARE_WINDOW_NS periods) before @t. */
static uint64_t raw_time_before(uint64_t t)
{
	uint64_t rest = t % (2 * COMPARE_WINDOW_NS);

	return t / (2 * COMPARE_WINDOW_NS) * COMPARE_WINDOW_NS +
	       (rest > COMPARE_WINDOW_NS ? rest - COMPARE_WINDOW_NS : 0);
}

/*
 * Split wall time exactly between the window kinds, whatever the writer was
 * doing (or not scheduled): both rates then see the same machine.
 */
static void account_windows(struct stress *s, uint64_t from, uint64_t to)
{
	uint64_t raw = raw_time_before(to) - raw_time_before(from);

	s->raw_ns += raw;
	s->verified_ns += to - from - raw;
}

void *writer_main(void *arg)
{
	struct stress *s = arg;
	struct reclaimer reclaimer = { .s = s }, *rcl = &reclaimer;
	unsigned int nslots = s->opt.slots;
	uint32_t *free_list, *retired;
	unsigned int nfree = 0, nretired = 0, i;
	uint32_t cur = 0, slot, gen;
	uint64_t rng = s->opt.seed * 2 + 0x9e3779b97f4a7c15ull;
	uint64_t round = 0, t_prev, t_now;
	bool raw_window = false;
	pthread_t reclaimer_thread;
	int err;

	__atomic_store_n(&s->writer_tid, gettid(), __ATOMIC_RELAXED);
	pthread_setname_np(pthread_self(), "ssc-writer");
	free_list = calloc(nslots, sizeof(*free_list));
	retired = calloc(nslots, sizeof(*retired));
	rcl->pending = calloc(nslots, sizeof(*rcl->pending));
	rcl->ready = calloc(nslots, sizeof(*rcl->ready));
	if (!free_list || !retired || !rcl->pending || !rcl->ready)
		die("out of memory");
	pthread_mutex_init(&rcl->lock, NULL);
	pthread_cond_init(&rcl->cond, NULL);
	rcl->batch = nslots / 8 > 64 ? nslots / 8 : 1;
	for (i = nslots - 1; i >= 1; i--)
		free_list[nfree++] = i;
	err = pthread_create(&reclaimer_thread, NULL, reclaimer_main, rcl);
	if (err)
		die("cannot create the reclaimer: %s", strerror(err));
	__atomic_store_n(&s->writer_ready, 1, __ATOMIC_RELEASE);

	t_prev = now_ns();
	while (!stress_stopped(s)) {
		if (s->opt.rounds && round >= s->opt.rounds)
			break;
		if (s->opt.compare_raw) {
			/*
			 * Alternate raw membarrier windows with verified
			 * windows so both see the same machine load.
			 */
			t_now = now_ns();
			account_windows(s, t_prev, t_now);
			t_prev = t_now;
			raw_window = (t_now / COMPARE_WINDOW_NS) & 1;
			if (raw_window) {
				if (sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
						   0, 0))
					die("membarrier: %s", strerror(errno));
				s->raw_calls++;
				continue;
			}
		}
		if (s->mode->no_code) {
			mode_barrier(s->mode, &s->sync, &s->lat, &rng);
			__atomic_store_n(&s->rounds, ++round, __ATOMIC_RELAXED);
			continue;
		}
		if (!nfree || nretired >= 64)
			exchange_slots(rcl, retired, &nretired, free_list, &nfree);
		slot = free_list[--nfree];
		gen = (uint32_t)round + 1;
		if (s->opt.inject & INJECT_PUBLISH_EARLY) {
			/* Test-only fault: expose the slot before patching. */
			publish(s, slot, gen);
			wait_inject_window(s, gen);
		}
		jit_write(&s->jit, s->mode, slot, gen,
			  (s->opt.inject & INJECT_SIGILL) &&
			  round + 1 == INJECT_SIGILL_ROUND);
		mode_barrier(s->mode, &s->sync, &s->lat, &rng);
		if (!(s->opt.inject & INJECT_PUBLISH_EARLY)) {
			publish(s, slot, gen);
			if ((s->opt.inject & INJECT_SIGILL) &&
			    round + 1 == INJECT_SIGILL_ROUND)
				wait_inject_window(s, gen);
		}
		retired[nretired++] = cur;
		cur = slot;
		__atomic_store_n(&s->rounds, ++round, __ATOMIC_RELAXED);
	}
	if (s->opt.compare_raw)
		account_windows(s, t_prev, now_ns());
	pthread_mutex_lock(&rcl->lock);
	rcl->writer_done = true;
	pthread_cond_broadcast(&rcl->cond);
	pthread_mutex_unlock(&rcl->lock);
	pthread_join(reclaimer_thread, NULL);
	s->writer_waits = rcl->writer_waits;
	free(rcl->pending);
	free(rcl->ready);
	pthread_cond_destroy(&rcl->cond);
	pthread_mutex_destroy(&rcl->lock);
	free(free_list);
	free(retired);
	__atomic_store_n(&s->writer_exited, 1, __ATOMIC_RELEASE);
	return NULL;
}

