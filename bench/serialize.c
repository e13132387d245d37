// SPDX-License-Identifier: GPL-2.0
/*
 * serialize: what core serialization costs when user space does it itself,
 * the consumer-side alternative to membarrier SYNC_CORE. One row per
 * instruction, on CPU A; an instruction this CPU (or architecture) does
 * not have is a SKIP with the reason, never a number.
 */
#include <stdio.h>

#include "lib.h"

const struct bench_case serialize_cases[] = {
	{ "loop", "the empty loop: what every other row includes" },
	{ "cpuid", "x86 CPUID leaf 0 (serializing; exits to a hypervisor)" },
	{ "serialize", "x86 SERIALIZE, where CPUID.7.0:EDX[14] says it exists" },
	{ "iret", "x86_64 IRET-to-self, as the kernel's sync_core() without SERIALIZE" },
	{ "isb", "arm64 ISB (context synchronization)" },
	{ "fence-i", "riscv64 FENCE.I (instruction-fetch fence, this hart only)" },
	{ NULL, NULL },
};

/* serialize_cases[i + 1] goes with enum ser_op i. */
static const char *const labels[SER_NR] = {
	[SER_CPUID] = "CPUID (leaf 0)",
	[SER_SERIALIZE] = "SERIALIZE",
	[SER_IRET] = "IRET-to-self",
	[SER_ISB] = "ISB",
	[SER_FENCE_I] = "FENCE.I",
};

/* The loop row, one per op, and the terminator. */
_Static_assert(ARRAY_SIZE(serialize_cases) == SER_NR + 2,
	       "serialize_cases and enum ser_op disagree");

static int loop_empty(struct row *r, void *arg, long iters, uint64_t *ns)
{
	uint64_t t0 = now_ns();

	(void)r;
	(void)arg;
	/* A compiler barrier, so that the loop is not folded away. */
	while (iters--)
		asm volatile("" ::: "memory");
	*ns = now_ns() - t0;
	return 0;
}

static int loop_op(struct row *r, void *arg, long iters, uint64_t *ns)
{
	enum ser_op op = *(enum ser_op *)arg;
	uint64_t t0 = now_ns();

	(void)r;
	arch_ser_loop(op, iters);
	*ns = now_ns() - t0;
	return 0;
}

struct ser_arg {
	const struct bench *b;
	enum ser_op op;
};

static int serialize_case(void *arg)
{
	struct ser_arg *a = arg;
	enum ser_op op = a->op;
	struct row *r;
	char why[160];

	r = row_new(a->b, serialize_cases[op + 1].id, "ns/instruction", "%s",
		    labels[op]);
	if (!r)
		return -1;
	if (!arch_ser_supported(op, why, sizeof(why))) {
		row_skip(r, "%s", why);
		return 0;
	}
	if (pin_cpu(r, CPU_A))
		return 0;
	return measure(r, loop_op, &op) ? 1 : 0;
}

static int loop_case(void *arg)
{
	const struct bench *b = arg;
	struct row *r;

	r = row_new(b, "loop", "ns/iteration", "empty loop (overhead)");
	if (!r)
		return -1;
	if (pin_cpu(r, CPU_A))
		return 0;
	return measure(r, loop_empty, NULL) ? 1 : 0;
}

int bench_serialize(const struct bench *b)
{
	struct ser_arg a = { .b = b };

	if (case_wanted(b, "loop") && case_run(loop_case, (void *)b) < 0)
		return -1;
	for (a.op = 0; a.op < SER_NR; a.op++)
		if (case_wanted(b, serialize_cases[a.op + 1].id) &&
		    case_run(serialize_case, &a) < 0)
			return -1;
	return 0;
}
