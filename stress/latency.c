// SPDX-License-Identifier: GPL-2.0
/*
 * Barrier latency sampling and percentiles.
 */
#include <stdlib.h>

#include "latency.h"
#include "util.h"

void latency_init(struct latency *l)
{
	l->samples = malloc(MAX_LAT_SAMPLES * sizeof(*l->samples));
	if (!l->samples)
		die("out of memory");
	latency_reset(l);
}

void latency_reset(struct latency *l)
{
	l->nsamples = 0;
	l->calls = 0;
	l->max = 0;
}

void latency_free(struct latency *l)
{
	free(l->samples);
	l->samples = NULL;
}

void latency_add(struct latency *l, uint64_t ns, uint64_t *rng)
{
	uint64_t i;

	l->calls++;
	if (ns > l->max)
		l->max = ns;
	if (l->nsamples < MAX_LAT_SAMPLES) {
		l->samples[l->nsamples++] = ns;
		return;
	}
	/* Reservoir sampling keeps the percentiles unbiased. */
	i = rng_next(rng) % l->calls;
	if (i < MAX_LAT_SAMPLES)
		l->samples[i] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void latency_percentiles(struct latency *l, uint64_t *p50, uint64_t *p99)
{
	*p50 = 0;
	*p99 = 0;
	if (!l->nsamples)
		return;
	qsort(l->samples, l->nsamples, sizeof(*l->samples), cmp_u64);
	*p50 = l->samples[l->nsamples / 2];
	*p99 = l->samples[(l->nsamples * 99) / 100];
}
