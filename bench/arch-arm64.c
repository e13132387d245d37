// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 side of syncore-bench. User space has one context-synchronizing
 * instruction of its own, ISB; the x86 and riscv64 instructions are
 * reported SKIP.
 */
#include <stdio.h>

#include "lib.h"

const char *arch_name(void)
{
	return "arm64";
}

void arch_cpu_relax(void)
{
	asm volatile("yield" ::: "memory");
}

/* No architectural hypervisor flag a user-space program can read. */
const char *arch_hypervisor(void)
{
	return NULL;
}

int arch_ser_supported(enum ser_op op, char *why, size_t len)
{
	switch (op) {
	case SER_ISB:
		return 1;
	case SER_FENCE_I:
		snprintf(why, len, "riscv64 instruction, not on arm64");
		return 0;
	default:
		snprintf(why, len, "x86 instruction, not on arm64");
		return 0;
	}
}

void arch_ser_loop(enum ser_op op, long iters)
{
	if (op != SER_ISB)
		return;
	while (iters--)
		asm volatile("isb" ::: "memory");
}
