// SPDX-License-Identifier: GPL-2.0
/*
 * rseq_fence: the membarrier RSEQ fence. Workers add to their CPU's slot
 * of the active array in a sequence that loads the array's pointer
 * (rt_deref_addv()). A manager replaces the array, fences, snapshots the
 * retired one and checks after the next swap and at the end that it never
 * changed: once the fence has returned, no thread may still be inside a
 * sequence that loaded the old pointer. The flag_cpu variant fences one
 * CPU at a time (MEMBARRIER_CMD_FLAG_CPU) and asks it of that CPU's slot
 * only, since the other slots may legitimately take one late increment.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt-harness.h"

#define MAX_GEN		16384
/* The generations' arrays stay within this, whatever the CPU count. */
#define POOL_BYTES	(64 << 20)
/* Spins between loading the active pointer and the commit. */
#define FENCE_DELAY	256

FIXTURE(rseq_fence) {
	struct rt_group workers;
	struct rt_slot *pool;	/* generation g: pool + g * nr_slots */
	intptr_t *snap;		/* each retired array as the fence left it */
	int *fenced_cpu;
	int max_gen;
	char why[RT_WHY_LEN];
};

FIXTURE_VARIANT(rseq_fence) {
	bool flag_cpu;
};

FIXTURE_VARIANT_ADD(rseq_fence, process) {
	.flag_cpu = false,
};

FIXTURE_VARIANT_ADD(rseq_fence, flag_cpu) {
	.flag_cpu = true,
};

static int fence(bool flag_cpu, int cpu)
{
	/* The planted bug: a memory barrier that restarts no sequence. */
	if (RT_BROKEN_FENCE)
		return rt_sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	return rt_sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				 flag_cpu ? MEMBARRIER_CMD_FLAG_CPU : 0, cpu);
}

static enum rt_verdict fence_check(bool flag_cpu, char *why, size_t len)
{
	int ret = rt_sys_membarrier(MEMBARRIER_CMD_QUERY, 0, 0);

	if (ret < 0 && errno == ENOSYS) {
		snprintf(why, len, "membarrier() returns ENOSYS: kernel without CONFIG_MEMBARRIER");
		return RT_SKIP;
	}
	if (ret < 0)
		return rt_refused(errno, "membarrier QUERY", why, len);
	if (!(ret & MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ)) {
		snprintf(why, len, "membarrier has no PRIVATE_EXPEDITED_RSEQ (QUERY 0x%x): needs Linux 5.10+ with CONFIG_RSEQ",
			 ret);
		return RT_SKIP;
	}
	if (rt_sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ,
			      0, 0))
		return rt_refused(errno, "REGISTER_PRIVATE_EXPEDITED_RSEQ",
				  why, len);
	if (RT_BROKEN_FENCE &&
	    rt_sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		return rt_refused(errno, "REGISTER_PRIVATE_EXPEDITED", why, len);
	/* A sandbox may refuse the fence alone: try one before the test. */
	if (fence(flag_cpu, rt_cpus.allowed[0]))
		return rt_refused(errno, flag_cpu ?
				  "a first PRIVATE_EXPEDITED_RSEQ with FLAG_CPU" :
				  "a first PRIVATE_EXPEDITED_RSEQ", why, len);
	return RT_USABLE;
}

FIXTURE_SETUP(rseq_fence)
{
	size_t slots;

	RT_REQUIRE(rt_rseq_check(false, self->why, sizeof(self->why)),
		   self->why);
	rt_cpus_init();
	RT_REQUIRE(fence_check(variant->flag_cpu, self->why,
			       sizeof(self->why)), self->why);
	self->max_gen = POOL_BYTES /
			(rt_cpus.nr_slots * sizeof(struct rt_slot));
	if (self->max_gen > MAX_GEN)
		self->max_gen = MAX_GEN;
	if (self->max_gen < 16)
		self->max_gen = 16;
	slots = (size_t)self->max_gen * rt_cpus.nr_slots;
	self->pool = rt_slots_alloc(self->max_gen);
	self->snap = calloc(slots, sizeof(*self->snap));
	self->fenced_cpu = calloc(self->max_gen, sizeof(*self->fenced_cpu));
	RT_SKIP_IF(!self->pool || !self->snap || !self->fenced_cpu,
		   "%d generations of %d slots: %s", self->max_gen,
		   rt_cpus.nr_slots, strerror(ENOMEM));
}

FIXTURE_TEARDOWN(rseq_fence)
{
	rt_group_stop(&self->workers);
}

static intptr_t *fence_active;
static unsigned long fence_adds;

static void fence_worker(struct rt_worker *w)
{
	unsigned long i;
	int cpu;

	for (i = 0; rt_running(w); i++) {
		do {
			cpu = rseq_cpu_start();
		} while (rt_deref_addv(&fence_active,
				       cpu * sizeof(struct rt_slot), 1,
				       FENCE_DELAY, cpu));
		rt_inject(w, i);
	}
	__atomic_add_fetch(&fence_adds, i, __ATOMIC_RELAXED);
}

static struct rt_slot *generation(FIXTURE_DATA(rseq_fence) *self, int gen)
{
	return self->pool + (size_t)gen * rt_cpus.nr_slots;
}

/*
 * Slots of retired generation @gen changed since its fence (only the
 * fenced CPU's with FLAG_CPU); the first one is kept in *@first.
 */
static unsigned long changed(FIXTURE_DATA(rseq_fence) *self, bool flag_cpu,
			     int gen, int first[2])
{
	const struct rt_slot *a = generation(self, gen);
	const intptr_t *snap = self->snap + (size_t)gen * rt_cpus.nr_slots;
	unsigned long n = 0;
	int c;

	for (c = 0; c < rt_cpus.nr_slots; c++) {
		if (flag_cpu && c != self->fenced_cpu[gen])
			continue;
		if (__atomic_load_n(&a[c].v, __ATOMIC_RELAXED) == snap[c])
			continue;
		if (!n++ && first[0] < 0) {
			first[0] = gen;
			first[1] = c;
		}
	}
	return n;
}

TEST_F(rseq_fence, retired_data_unchanged)
{
	int gen, c, first[2] = { -1, -1 };
	unsigned long bad = 0;
	intptr_t total = 0;
	double end;

	fence_active = (intptr_t *)generation(self, 0);
	RT_SKIP_IF(rt_group_start(&self->workers, rt_nr_workers(),
				  fence_worker, NULL, true, self->why,
				  sizeof(self->why)), "%s", self->why);
	end = rt_now() + rt_opt.duration;
	/* Two fences at least, however short -d is. */
	for (gen = 0; gen + 1 < self->max_gen && (gen < 2 || rt_now() < end);
	     gen++) {
		struct rt_slot *old = generation(self, gen);
		int cpu = rt_cpus.allowed[gen % rt_cpus.nr_allowed];

		__atomic_store_n(&fence_active,
				 (intptr_t *)generation(self, gen + 1),
				 __ATOMIC_RELEASE);
		if (fence(variant->flag_cpu, cpu)) {
			RT_FAIL("fence %d (CPU %d): %s", gen, cpu,
				strerror(errno));
			return;
		}
		self->fenced_cpu[gen] = cpu;
		for (c = 0; c < rt_cpus.nr_slots; c++)
			self->snap[(size_t)gen * rt_cpus.nr_slots + c] =
				__atomic_load_n(&old[c].v, __ATOMIC_ACQUIRE);
		/* Let the workers run on the new array for a while. */
		if (gen % 8 == 7)
			sched_yield();
		if (gen > 0)
			bad += changed(self, variant->flag_cpu, gen - 1, first);
	}
	rt_group_stop(&self->workers);
	for (c = 0; c < gen; c++)
		bad += changed(self, variant->flag_cpu, c, first);
	for (c = 0; c < (gen + 1) * rt_cpus.nr_slots; c++)
		total += self->pool[c].v;
	if (bad)
		RT_FAIL("%lu retired slots changed after the fence; first: generation %d CPU %d",
			bad, first[0], first[1]);
	else if ((unsigned long)total != fence_adds)
		RT_FAIL("total %ld != %lu increments", (long)total,
			fence_adds);
	else
		RT_DETAIL("%d fences%s, %lu increments by %d threads, retired data unchanged",
			  gen, variant->flag_cpu ? " (one CPU each)" : "",
			  fence_adds, rt_nr_workers());
}

int main(int argc, char **argv)
{
	return rt_main(argc, argv, NULL);
}
