/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line of stress-syncore: the modes, the executor patterns, the
 * fault injections and the parsed options.
 */
#ifndef STRESS_SYNCORE_OPTIONS_H
#define STRESS_SYNCORE_OPTIONS_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#define MAX_THREADS		4096

/* How the writer synchronizes executors with the code it patched. */
enum mode {
	MODE_SYNC_CORE,
	MODE_CONSUMER_FENCE,
	MODE_PRIVATE_EXPEDITED,
	MODE_MPROTECT,
	MODE_NONE,
	MODE_RAW,
};

extern const char *const mode_names[];

/* What executors do between two executions. */
enum pattern {
	PAT_BUSY,
	PAT_SLEEPY,
	PAT_MIGRATE,
	PAT_FORK,
	PAT_MIXED,
};

extern const char *const pattern_names[];

/* Test-only faults (--inject). */
#define INJECT_PUBLISH_EARLY	(1u << 0)
#define INJECT_STALL		(1u << 1)
#define INJECT_SIGILL		(1u << 2)

struct options {
	unsigned int threads;
	double duration;		/* seconds, 0 = until --rounds */
	uint64_t rounds;		/* 0 = until --duration */
	enum mode mode;
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
	int executor_nice;		/* 0..19, the executors' nice value */
	bool compare_raw;
};

/*
 * Fill @o from the command line. Exits 0 after --help or --version and 2
 * on a usage error.
 */
void parse_options(int argc, char **argv, struct options *o);

#endif /* STRESS_SYNCORE_OPTIONS_H */
