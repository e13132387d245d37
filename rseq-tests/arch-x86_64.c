// SPDX-License-Identifier: GPL-2.0
/*
 * rseq-tests: x86_64 critical sections.
 *
 * Built on the descriptor, abort and cpu_id macros of the rseq library
 * (rseq-x86.h): RSEQ_ASM_DEFINE_TABLE, RSEQ_ASM_STORE_RSEQ_CS,
 * RSEQ_ASM_CMP_CPU_ID, RSEQ_ASM_DEFINE_ABORT.
 */
#include "rseq-tests.h"

int rt_occupy(const uint32_t *id, intptr_t *word, intptr_t mark,
	      unsigned long spins, int cpu)
{
	struct rseq_abi *abi = rseq_get_abi();

	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		RSEQ_ASM_DEFINE_EXIT_POINT(1f, %l[changed])
		RT_ASM_STORE_RSEQ_CS(1, 3b, 8(%[abi]))
		RSEQ_ASM_CMP_CPU_ID(cpu_id, (%[id]), 4f)
		"movq %[mark], (%[word])\n\t"
		"movq %[spins], %%rcx\n\t"
		"5:\n\t"
		"cmpq %[mark], (%[word])\n\t"
		"jne %l[changed]\n\t"
		"subq $1, %%rcx\n\t"
		"jnz 5b\n\t"
		"movq $0, (%[word])\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, "", abort)
		: /* asm goto has no outputs */
		: [cpu_id]	"r" (cpu),
		  [abi]		"r" (abi),
		  [id]		"r" (id),
		  [word]	"r" (word),
		  [mark]	"r" (mark),
		  [spins]	"r" (spins)
		: "memory", "cc", "rax", "rcx"
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
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		RSEQ_ASM_STORE_RSEQ_CS(1, 3b, 8(%[abi]))
		RSEQ_ASM_CMP_CPU_ID(cpu_id, 4(%[abi]), 4f)
		/* The active array is loaded inside the sequence. */
		"movq (%[active]), %%rcx\n\t"
		/* Widen the window between the load and the commit. */
		"movq %[delay], %%rdx\n\t"
		"6:\n\t"
		"subq $1, %%rdx\n\t"
		"jnc 6b\n\t"
		"addq %[inc], (%%rcx,%[off])\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, "", abort)
		: /* asm goto has no outputs */
		: [cpu_id]	"r" (cpu),
		  [abi]		"r" (abi),
		  [active]	"r" (active),
		  [off]		"r" (off),
		  [inc]		"r" (inc),
		  [delay]	"r" (delay)
		: "memory", "cc", "rax", "rcx", "rdx"
		: abort);
	rseq_after_asm_goto();
	return 0;
abort:
	rseq_after_asm_goto();
	return -1;
}
