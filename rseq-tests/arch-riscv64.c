// SPDX-License-Identifier: GPL-2.0
/*
 * rseq-tests: riscv64 critical sections.
 *
 * Built on the descriptor, abort and cpu_id macros of the rseq library
 * (rseq-riscv.h): RSEQ_ASM_DEFINE_TABLE, RSEQ_ASM_STORE_RSEQ_CS,
 * RSEQ_ASM_CMP_CPU_ID, RSEQ_ASM_DEFINE_ABORT. The library's macros use t6
 * (RSEQ_ASM_TMP_REG_1); t5 is the second scratch register. The abort
 * handler sits right after the RSEQ_SIG word, where the kernel looks for
 * it before it jumps to the handler.
 */
#include "rseq-tests.h"

int rt_occupy(const uint32_t *id, intptr_t *word, intptr_t mark,
	      unsigned long spins, int cpu)
{
	struct rseq_abi *abi = rseq_get_abi();

	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(1, 2f, 3f, 4f)
		RSEQ_ASM_DEFINE_EXIT_POINT(2f, %l[changed])
		RT_ASM_STORE_RSEQ_CS(2, 1b, rseq_cs)
		RSEQ_ASM_CMP_CPU_ID(cpu_id, current_cpu_id, 4f)
		"	sd	%[mark], 0(%[word])\n"
		"	mv	t5, %[spins]\n"
		"5:	ld	t6, 0(%[word])\n"
		"	bne	t6, %[mark], %l[changed]\n"
		/* 0 - 1 wraps: spins == 0 runs 2^64 times, as documented. */
		"	addi	t5, t5, -1\n"
		"	bnez	t5, 5b\n"
		"	sd	zero, 0(%[word])\n"
		"3:\n"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* asm goto has no outputs */
		: [cpu_id]		"r" (cpu),
		  [current_cpu_id]	"m" (*id),
		  [rseq_cs]		"m" (abi->rseq_cs.arch.ptr),
		  [word]		"r" (word),
		  [mark]		"r" (mark),
		  [spins]		"r" (spins)
		: "memory", "t5", "t6"
		: abort, changed);
	rseq_after_asm_goto();
	return 0;
abort:
	rseq_after_asm_goto();
	return -1;
changed:
	rseq_after_asm_goto();
	return 1;
}

int rt_deref_addv(intptr_t **active, long off, intptr_t inc,
		  unsigned long delay, int cpu)
{
	struct rseq_abi *abi = rseq_get_abi();

	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(1, 2f, 3f, 4f)
		RSEQ_ASM_STORE_RSEQ_CS(2, 1b, rseq_cs)
		RSEQ_ASM_CMP_CPU_ID(cpu_id, current_cpu_id, 4f)
		/* The active array is loaded inside the sequence. */
		"	ld	t6, 0(%[active])\n"
		/* Widen the window between the load and the commit. */
		"	addi	t5, %[delay], 1\n"
		"6:	addi	t5, t5, -1\n"
		"	bnez	t5, 6b\n"
		"	add	t6, t6, %[off]\n"
		"	ld	t5, 0(t6)\n"
		"	add	t5, t5, %[inc]\n"
		"	sd	t5, 0(t6)\n"
		"3:\n"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* asm goto has no outputs */
		: [cpu_id]		"r" (cpu),
		  [current_cpu_id]	"m" (abi->cpu_id),
		  [rseq_cs]		"m" (abi->rseq_cs.arch.ptr),
		  [active]		"r" (active),
		  [off]			"r" (off),
		  [inc]			"r" (inc),
		  [delay]		"r" (delay)
		: "memory", "t5", "t6"
		: abort);
	rseq_after_asm_goto();
	return 0;
abort:
	rseq_after_asm_goto();
	return -1;
}
