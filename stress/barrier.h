/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The writer's synchronization: membarrier commands, the mprotect
 * TLB-shootdown trick, or nothing, depending on the mode.
 */
#ifndef STRESS_SYNCORE_BARRIER_H
#define STRESS_SYNCORE_BARRIER_H

#include <stdbool.h>
#include <stdint.h>

#include "latency.h"
#include "options.h"

/*
 * Check that the kernel supports @mode and register for it; exit with
 * SKIP (4) when it does not.
 */
void barrier_check_kernel(enum mode mode);

/* Set up what barrier() needs (the mprotect page). Call once. */
void barrier_init(void);

/* Does @mode run a barrier at all? */
bool uses_barrier(enum mode mode);

/*
 * Run the barrier of @mode, if any, and count its latency in @lat. Dies
 * when the barrier fails.
 */
void barrier(enum mode mode, struct latency *lat, uint64_t *rng);

#endif /* STRESS_SYNCORE_BARRIER_H */
