/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rseq-tests: shared declarations.
 *
 * The rseq helpers come from librseq when it is built with RSEQ_LIB=librseq,
 * otherwise from the rseq library of the v6.12 kernel tree
 * (tools/testing/selftests/rseq). The critical sections that neither
 * library offers on every architecture live in one file per architecture
 * (arch-x86_64.c, arch-arm64.c) and are declared here.
 */
#ifndef RSEQ_TESTS_H
#define RSEQ_TESTS_H

#include <assert.h>
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
 * How the arch files' rt_occupy() publishes its descriptor. The broken
 * build (RSEQ_TESTS_BROKEN_ABORT) deliberately never does, so the kernel
 * does not know the thread is inside a sequence.
 */
#ifdef RSEQ_TESTS_BROKEN_ABORT
#define RT_ASM_STORE_RSEQ_CS(label, cs_label, rseq_cs) \
	__rseq_str(label) ":\n"
#else
#define RT_ASM_STORE_RSEQ_CS(label, cs_label, rseq_cs) \
	RSEQ_ASM_STORE_RSEQ_CS(label, cs_label, rseq_cs)
#endif

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
