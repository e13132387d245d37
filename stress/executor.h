/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Executors: threads that keep calling the published JIT slot and record
 * every execution that returned a stale generation or faulted.
 */
#ifndef STRESS_SYNCORE_EXECUTOR_H
#define STRESS_SYNCORE_EXECUTOR_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "options.h"

#define MAX_VIOL_RECORDS	8	/* kept per executor */

struct stress;

/* Where an executor reads its CPU number from. */
enum cpu_source {
	CPU_SRC_RSEQ,
	CPU_SRC_GETCPU,
	CPU_SRC_NONE,
};

extern const char *const cpu_source_names[];

/* One execution of JIT code as the executor saw it. */
struct exec_record {
	uint32_t slot;
	uint32_t expected;
	uint32_t returned;
	int32_t cpu;
	int32_t signo;			/* 0, or the signal the code raised */
	int32_t prev_cpu;		/* of the executor's previous execution */
	bool slept;			/* it slept since then */
};

struct executor {
	struct stress *s;
	unsigned int idx;
	enum pattern pattern;
	pid_t tid;
	pthread_t thread;
	uint64_t executions;		/* owner stores, others load: atomics */
	uint64_t violations;
	uint64_t stale;
	uint64_t signals;
	uint64_t misfetches;		/* stale after self-sync: environment */
	uint64_t unknown_cpu;
	uint64_t *cpu_counts;		/* nr_cpus entries */
	int last_cpu;			/* of the last execution, -1 at first */
	bool slept;			/* since the last execution */
	struct exec_record viol[MAX_VIOL_RECORDS];
	unsigned int nviol;
	uint64_t rng;
	enum cpu_source cpu_source;
	int exited;
	/* signal recovery */
	sigjmp_buf jb;
	volatile sig_atomic_t in_jit;
	volatile sig_atomic_t last_signo;
	void *altstack;
} __attribute__((aligned(128)));

/* Catch faults raised by JIT code; call once before starting executors. */
void install_fault_handlers(void);

/* Prepare executor @idx of @s (zeroed memory) before its thread starts. */
void executor_init(struct executor *e, struct stress *s, unsigned int idx);

/* Release what executor_init() allocated, once the thread has exited. */
void executor_free(struct executor *e);

/* Thread function of an executor; @arg is its struct executor. */
void *executor_main(void *arg);

/* Fork/exec churn for --pattern fork and mixed; @arg is the struct stress. */
void *fork_main(void *arg);

#endif /* STRESS_SYNCORE_EXECUTOR_H */
