/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The JIT code stress-syncore patches: an array of slots, each holding a
 * function that returns its generation, written through a writable view
 * and run through an executable view of the same memory.
 */
#ifndef STRESS_SYNCORE_JIT_H
#define STRESS_SYNCORE_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

struct jit {
	unsigned char *rw;		/* writable view of the code */
	unsigned char *rx;		/* executable view of the code */
	size_t size;
	unsigned int slots;
	bool inplace;			/* one RWX mapping: rw == rx */
	bool fallback;			/* inplace because memfd is missing */
};

typedef uint32_t (*gen_fn)(void);

/*
 * Map @slots slots, as an RW alias and an RX view of a memfd, or in place
 * (one RWX mapping) when @inplace or when memfd_create is unavailable.
 * Every slot starts at generation 0.
 */
void jit_setup(struct jit *j, unsigned int slots, bool inplace);

/* Put every slot back to generation 0. */
void jit_reset(struct jit *j);

struct mode;

/*
 * Write generation @gen into @slot, or code that raises SIGILL when @trap,
 * then run the cache maintenance of @m.
 */
void jit_write(struct jit *j, const struct mode *m, uint32_t slot,
	       uint32_t gen, bool trap);

static inline gen_fn jit_fn(const struct jit *j, uint32_t slot)
{
	return (gen_fn)(void *)(j->rx + (size_t)slot * ARCH_SLOT_SIZE);
}

#endif /* STRESS_SYNCORE_JIT_H */
