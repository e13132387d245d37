// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 side of syncore-bench. User space's instruction-fetch
 * synchronization is FENCE.I (Zifencei), and it acts on the executing
 * hart only: Linux lets a JIT rely on it only inside a
 * PR_RISCV_SET_ICACHE_FLUSH_CTX context, where the kernel repeats it when
 * the thread migrates. The row measures the instruction itself; the x86
 * and arm64 instructions are reported SKIP.
 */
#include <stdio.h>

#include "lib.h"

const char *arch_name(void)
{
	return "riscv64";
}

/*
 * The Zihintpause PAUSE hint, spelled as the FENCE it is encoded as
 * (pred=W, succ=0) so that assemblers without the extension take it: a
 * core without Zihintpause runs it as a fence that orders nothing. It is
 * what the kernel's cpu_relax() emits. QEMU's TCG ends the translation
 * block on it (for a CPU with Zihintpause, as its rv64 model has), as on
 * x86 PAUSE: that is what --spin-relax is for under -icount.
 */
void arch_cpu_relax(void)
{
	asm volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory");
}

/* No architectural hypervisor flag a user-space program can read. */
const char *arch_hypervisor(void)
{
	return NULL;
}

int arch_ser_supported(enum ser_op op, char *why, size_t len)
{
	switch (op) {
	case SER_FENCE_I:
		return 1;
	case SER_ISB:
		snprintf(why, len, "arm64 instruction, not on riscv64");
		return 0;
	default:
		snprintf(why, len, "x86 instruction, not on riscv64");
		return 0;
	}
}

void arch_ser_loop(enum ser_op op, long iters)
{
	if (op != SER_FENCE_I)
		return;
	while (iters--)
		asm volatile("fence.i" ::: "memory");
}
