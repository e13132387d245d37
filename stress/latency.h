/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Barrier latencies of one phase: every call counted, a bounded reservoir
 * of samples kept for the percentiles.
 */
#ifndef STRESS_SYNCORE_LATENCY_H
#define STRESS_SYNCORE_LATENCY_H

#include <stdint.h>

#define MAX_LAT_SAMPLES		(1u << 20)

struct latency {
	uint64_t *samples;		/* MAX_LAT_SAMPLES entries, ns */
	uint64_t nsamples;
	uint64_t calls;
	uint64_t max;			/* ns */
};

void latency_init(struct latency *l);
void latency_reset(struct latency *l);
void latency_free(struct latency *l);

/* Count one call that took @ns; @rng drives the reservoir sampling. */
void latency_add(struct latency *l, uint64_t ns, uint64_t *rng);

/* Median and 99th percentile of the samples (sorts them); 0 if none. */
void latency_percentiles(struct latency *l, uint64_t *p50, uint64_t *p99);

#endif /* STRESS_SYNCORE_LATENCY_H */
