/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line of stress-syncore: the executor patterns, the fault
 * injections and the parsed options (the modes are in modes.h).
 */
#ifndef STRESS_SYNCORE_OPTIONS_H
#define STRESS_SYNCORE_OPTIONS_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

struct mode;

#define MAX_THREADS		4096

/* What executors do between two executions. */
enum pattern {
	PAT_BUSY,
	PAT_SLEEPY,
	PAT_MIGRATE,
	PAT_FORK,
	PAT_MIXED,
};

struct pattern_desc {
	const char *name;
	const char *help;
	bool forks;			/* a thread forks and execs meanwhile */
};

extern const struct pattern_desc patterns[];
extern const unsigned int nr_patterns;

/* Test-only faults (--inject). */
#define INJECT_PUBLISH_EARLY	(1u << 0)
#define INJECT_STALL		(1u << 1)
#define INJECT_SIGILL		(1u << 2)

struct options {
	unsigned int threads;
	double duration;		/* seconds, 0 = until --rounds */
	uint64_t rounds;		/* 0 = until --duration */
	const struct mode *mode;	/* --mode or --profile */
	enum pattern pattern;
	unsigned int slots;
	bool wx_inplace;
	bool cpus_set;
	cpu_set_t cpus;
	uint64_t seed;
	const char *json;
	int verbose;			/* -1 quiet, 0, 1 verbose */
	unsigned int inject;
	double watchdog;		/* seconds, 0 = off */
	int executor_nice;		/* 0..19; -1: 19 past 8 per CPU */
	bool compare_raw;
};

/*
 * Fill @o from the command line. Exits 0 after --help or --version and 2
 * on a usage error.
 */
void parse_options(int argc, char **argv, struct options *o);

#endif /* STRESS_SYNCORE_OPTIONS_H */
