/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State of one stress-syncore run, shared by the writer, the executors,
 * the phase runner and the reports. The writer publishes generations in
 * it; everything else is counters of the phase being run.
 */
#ifndef STRESS_SYNCORE_STRESS_H
#define STRESS_SYNCORE_STRESS_H

#include <sched.h>
#include <stdint.h>
#include <sys/types.h>

#include "jit.h"
#include "latency.h"
#include "modes.h"
#include "options.h"

struct executor;

struct stress {
	struct options opt;
	const struct mode *mode;	/* of the phase being run */
	struct sync_state sync;		/* what its barrier did */
	struct jit jit;
	int nr_cpus;
	int allowed[CPU_SETSIZE];
	int nr_allowed;
	struct executor *ex;		/* opt.threads executors */

	/* Writer to executors. */
	int stop;
	uint32_t go;			/* futex word: executors start at 1 */
	uint64_t pub;			/* slot << 32 | generation */
	uint32_t pub_seq;		/* futex word, bumped per publication */
	int waiters;
	uint32_t inject_seen;

	/* Progress and counters of the phase. */
	uint64_t rounds;
	uint64_t grace_periods;
	uint64_t forks;
	uint64_t fork_errors;
	int fork_errno;			/* of the last failed fork() */
	uint64_t writer_waits;
	uint64_t raw_calls, raw_ns, verified_ns;
	struct latency lat;
	pid_t writer_tid;
	int writer_ready;		/* its reclaimer exists */
	int writer_exited;
	int fork_exited;
};

static inline int stress_stopped(struct stress *s)
{
	return __atomic_load_n(&s->stop, __ATOMIC_RELAXED);
}

#endif /* STRESS_SYNCORE_STRESS_H */
