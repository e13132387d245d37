/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The small library every benchmark of syncore-bench is built on: options,
 * clocks, CPU pinning, result rows, the measuring loop and the case
 * processes, statistics (lib.c), the environment (env.c) and the reports
 * (report.c); the architecture hooks are in arch-<arch>.c.
 *
 * A benchmark is a function that, for each of its cases the user selected,
 * creates result rows and fills them with samples. Every row lives in one
 * MAP_SHARED arena, so a case can run in a forked process of its own (fresh
 * mm, its own pinning and membarrier registrations) and still hand its
 * samples back to the parent, which prints and writes the reports.
 */
#ifndef SYNCORE_BENCH_LIB_H
#define SYNCORE_BENCH_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROG		"syncore-bench"
#define VERSION		"0.1"

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define EXIT_SKIP	4

#define BENCH_MAX_REPS	1000
#define BENCH_MAX_ROWS	256
#define BENCH_MAX_CPUS	1024
#define ROW_MAX_CPUS	8

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct bench_opts {
	int reps;		/* timed samples per row */
	int warmup;		/* discarded samples before them */
	bool quick;		/* smoke-test sizes: short samples, few reps */
	long loops;		/* fixed iterations per sample, 0: calibrate */
	double sample_ms;	/* calibration target for one sample */
	int ws_kb;		/* ctx: per-task working set, KiB */
	const char *json;
	const char *csv;
	bool no_env;		/* table without the environment header */
	bool spin_relax;	/* spinners run arch_cpu_relax() */
	/*
	 * The CPUs in the order benchmarks use them: order[0] is "A" (the
	 * measuring task), order[1] is "B", then the rest of the affinity
	 * mask (membarrier spinners). norder is 1 when only one is allowed.
	 */
	int order[BENCH_MAX_CPUS];
	int norder;
};

extern struct bench_opts opt;

/* Convenience names for the two CPUs of --cpus; B is -1 if there is none. */
#define CPU_A	(opt.order[0])
#define CPU_B	(opt.norder > 1 ? opt.order[1] : -1)

enum row_status { ROW_RUNNING, ROW_OK, ROW_SKIP, ROW_FAIL };

struct row {
	char bench[16];
	char case_id[32];
	char label[72];		/* what the row measures, for humans */
	char unit[24];		/* "ns/round trip", "ns/call", ... */
	char reason[200];	/* SKIP/FAIL reason, or a note on an OK row */
	int status;
	int cpus[ROW_MAX_CPUS];	/* cpus[0] runs the measuring task */
	int ncpus;
	int threads;		/* membarrier: spinning threads, else -1 */
	int ws_kb;		/* ctx: working set, else -1 */
	double ipis;		/* interrupts per iteration on the other CPUs, or -1 */
	long iters;		/* iterations per sample */
	long iters_total;	/* all iterations, calibration and warm-up too */
	int warmup;
	int n;
	double samples[BENCH_MAX_REPS];	/* ns per iteration, in run order */
};

struct row_stats {
	double median, mean, min, max;
	double ci_lo, ci_hi, ci_cover;
	int rank_lo, rank_hi;	/* 1-based order statistics of the CI */
};

/* One case of a benchmark: selectable on the command line as BENCH.ID. */
struct bench_case {
	const char *id;
	const char *summary;
};

/* One row of the registry (syncore-bench.c), like perf bench's tables. */
struct bench {
	const char *name;
	const char *summary;
	const struct bench_case *cases;
	int (*fn)(const struct bench *b);
};

/* The registry, terminated by an entry with a NULL name. */
extern const struct bench bench_table[];

/* Benchmarks: each in its own file. Return 0, or -1 on a setup error. */
extern const struct bench_case ctx_cases[], lazy_cases[], membarrier_cases[],
	serialize_cases[];
int bench_ctx(const struct bench *b);
int bench_lazy(const struct bench *b);
int bench_membarrier(const struct bench *b);
int bench_serialize(const struct bench *b);

/* Clocks: CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);
void spin_ns(uint64_t ns);

/*
 * Pin the calling thread: pin_to() returns 0 or an errno; pin_cpu() fails
 * the row with the reason (and says it on stderr).
 */
int pin_to(int cpu);
int pin_cpu(struct row *r, int cpu);
const char *cpu_list_text(const int *cpus, int n, char *buf, size_t len);

/* Function-call and TLB-shootdown interrupts taken by @cpus, or -1. */
long long ipi_count(const int *cpus, int n);

/* Selection made by "run NAME...": is BENCH.CASE wanted? */
bool case_wanted(const struct bench *b, const char *case_id);
void select_reset(void);
int select_add(const char *name);	/* -1: no such benchmark or case */

/* Rows. row_new() returns NULL (and says why) when the arena is full. */
int rows_init(void);
struct row *row_new(const struct bench *b, const char *case_id,
		    const char *unit, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void row_set_cpus(struct row *r, int n, const int *cpus);
void row_skip(struct row *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void row_fail(struct row *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void row_note(struct row *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int rows_count(void);
struct row *row_at(int i);

/*
 * The measuring loop. fn runs @iters iterations of what is measured and
 * stores the nanoseconds they took in *ns (the whole loop, or only the
 * timed part of each iteration); it returns 0, or -1 after failing the row.
 * measure() calibrates the iteration count to about opt.sample_ms per
 * sample (or uses --loops), runs the warm-up and then opt.reps samples.
 * measure_fixed() skips the calibration: every sample is @iters iterations.
 */
typedef int (*loop_fn)(struct row *r, void *arg, long iters, uint64_t *ns);
int measure(struct row *r, loop_fn fn, void *arg);
int measure_fixed(struct row *r, loop_fn fn, void *arg, long iters);

/*
 * Run fn(arg) in a forked process (a case process; fn returns 0 or
 * non-zero), wait for it, and fail every row it left unfinished if it
 * failed, died or timed out. Returns 0 if it succeeded, 1 if it failed
 * and its rows say why, -1 if it could not run or left no row to say why.
 */
int case_run(int (*fn)(void *arg), void *arg);

/*
 * Spinners (spin.c): threads on CPUs order[1..], spinning or parked on
 * request. start creates them (parked), set lets the first k spin and
 * waits until they do, wait_running waits until each of the first k has
 * run since the call (its heartbeat moved), runtime is their CPU time.
 */
int spinners_start(struct row *r);
int spinners_set(struct row *r, int k);
int spinners_wait_running(struct row *r, int k);
uint64_t spinners_runtime(int k);
void spinners_stop(void);

/* Statistics of a finished row; the ranks of the CI for n samples. */
void row_stats(const struct row *r, struct row_stats *st);
void ci_ranks(int n, int *lo, int *hi, double *cover);

/* The environment (env.c) and the reports (report.c). */
void env_collect(void);
void print_env(FILE *f);
const char *env_date(void);
void env_json(FILE *f);
void json_str(FILE *f, const char *s);
void json_ints(FILE *f, const int *v, int n);
void json_tristate(FILE *f, int v);
void print_table(FILE *f);
int write_json(const char *path);
int write_csv(const char *path);

/* Architecture hooks (arch-<arch>.c). */
const char *arch_name(void);
void arch_cpu_relax(void);
/* Hypervisor signature (x86 CPUID 0x40000000), or NULL. */
const char *arch_hypervisor(void);

/*
 * The serializing instructions, one per row of serialize.c's
 * serialize_cases and labels: add an instruction to all three.
 */
enum ser_op {
	SER_CPUID,
	SER_SERIALIZE,
	SER_IRET,
	SER_ISB,
	SER_FENCE_I,
	SER_NR
};
/* 1 if this CPU can run @op; else 0 with the reason in @why. */
int arch_ser_supported(enum ser_op op, char *why, size_t len);
void arch_ser_loop(enum ser_op op, long iters);

#endif /* SYNCORE_BENCH_LIB_H */
