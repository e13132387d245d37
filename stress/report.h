/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Results of stress-syncore: the human summary on stdout and the JSON
 * report.
 */
#ifndef STRESS_SYNCORE_REPORT_H
#define STRESS_SYNCORE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "executor.h"
#include "options.h"

struct stress;

/* What one phase did, collected once its threads stopped. */
struct phase_result {
	const struct mode *mode;
	double elapsed;
	uint64_t rounds;
	uint64_t executions;
	uint64_t violations;
	uint64_t stale;
	uint64_t signals;
	uint64_t misfetches;		/* not judged: see misfetch() */
	uint64_t grace_periods;
	uint64_t writer_waits;
	uint64_t forks;
	uint64_t fork_errors;
	int fork_errno;
	double startup_s;			/* creating the executors */
	uint64_t barrier_calls;
	uint64_t lat_p50, lat_p99, lat_max;	/* ns */
	uint64_t raw_calls;			/* --compare-raw */
	double raw_s, verified_s;
	enum cpu_source cpu_source;
	uint64_t *cpu_counts;			/* nr_cpus + 1 (unknown) */
	bool watchdog_fired;
	char watchdog_msg[256];
	bool stuck;
	int interrupted;			/* the signal that stopped it */
};

/* The version, configuration and notes printed before a run. */
void print_banner(const struct stress *s);

/* Summary of a phase, one line per counter. */
void print_phase(const struct stress *s, const struct phase_result *r);

/* The recorded violations (10 at most, 1000 with --verbose). */
void print_violations(const struct stress *s);

/* The verified/raw throughput line of --compare-raw. */
void print_compare_raw(const struct stress *s, const struct phase_result *r);

/* The final "result: PASS|FAIL: ..." line. */
void print_result(const struct phase_result *r, int exit_code);

/* Open the JSON report's file, before the run: a bad path dies at once. */
FILE *open_json(const char *path);

/*
 * Write the results, the options and the environment as JSON to @f (from
 * open_json(@path)) and close it: -1 (said on stderr) if that failed.
 */
int write_json(const struct stress *s, FILE *f, const char *path,
	       const struct phase_result *main_res, int exit_code);

#endif /* STRESS_SYNCORE_REPORT_H */
