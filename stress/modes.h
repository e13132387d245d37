/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the writer publishes code: the modes (--mode) and the runtime
 * profiles (--profile), one table row each (modes.c). A row says what the
 * writer does after it wrote a slot (its cache maintenance, then its
 * barrier), whether the executors fence, and for a profile which runtime's
 * source it models. Whether the protocol is enough is not declared: each
 * architecture judges it by its own rules (arch_protocol_gap()).
 */
#ifndef STRESS_SYNCORE_MODES_H
#define STRESS_SYNCORE_MODES_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "latency.h"

/* What a protocol did, counted by its barrier; one per phase. */
struct sync_state {
	uint64_t calls;			/* barriers run */
	uint64_t core_synced;		/* of them, SYNC_CORE that succeeded */
	uint64_t fallbacks;		/* the runtime's fallback taken */
	uint64_t ignored;		/* failures the runtime ignores */
	int last_errno;			/* of the last failure or fallback */
	bool registered;		/* a registration succeeded */
	const char *fallback;		/* what the fallback is, once taken */
};

struct mode {
	const char *name;
	const char *help;		/* for -h and the manual */
	bool profile;			/* chosen with --profile */
	bool no_code;			/* raw: membarrier calls only */
	bool consumer_fence;		/* executors fence on a new generation */
	/* The kernel must offer this command (else SKIP); 0: nothing. */
	int need;
	/* The writer's cache maintenance, per architecture. */
	enum icache_step icache[ARCH_NR];
	/* Start-up (registration): 0 or a SKIP's reason in @why. */
	int (*setup)(const struct mode *m, struct sync_state *st,
		     char *why, size_t len);
	/* The barrier issues SYNC_CORE (when it succeeds), per arch. */
	bool sync_core_on[ARCH_NR];
	/*
	 * The barrier after the cache maintenance (NULL: none); false when
	 * the runtime issues none on this architecture.
	 */
	bool (*barrier)(const struct mode *m, struct sync_state *st);
	const char *barrier_name;	/* "membarrier", "mprotect", ... */
	const char *models;		/* the runtime source a profile models */
};

extern const struct mode modes[];
extern const unsigned int nr_modes;

/* The row named @name among modes (@profile false) or profiles, or NULL. */
const struct mode *mode_find(const char *name, bool profile);

/* "a, b, c or d": the names of the modes or of the profiles. */
const char *mode_list(bool profile, const char *last_sep);

/*
 * Check the kernel offers what @m needs and set it up (registration):
 * 0, or -1 with the reason in @why.
 */
int mode_try(const struct mode *m, struct sync_state *st, char *why,
	     size_t len);

/* The same, but exit with SKIP (4) and the reason when it fails. */
void mode_setup(const struct mode *m, struct sync_state *st);

/*
 * The cache maintenance of @m for @len bytes written through @rw and run
 * at @rx, on this architecture.
 */
void mode_icache(const struct mode *m, void *rw, void *rx, size_t len);

/*
 * Run the barrier of @m, if any, and count its latency in @lat (if not
 * NULL). Dies when the barrier fails and the runtime modelled would fail
 * too.
 */
void mode_barrier(const struct mode *m, struct sync_state *st,
		  struct latency *lat, uint64_t *rng);

/*
 * NULL when what @m did (as @st counted it) meets this architecture's
 * rules for cross-modifying code, else the step it lacks. Before a run
 * (@st NULL) the barrier is assumed to succeed.
 */
const char *mode_gap(const struct mode *m, const struct sync_state *st);

#endif /* STRESS_SYNCORE_MODES_H */
