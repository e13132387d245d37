// SPDX-License-Identifier: GPL-2.0
/*
 * rseq-tests: arm64 critical sections.
 *
 * Built on the descriptor, abort and cpu_id macros of the rseq library
 * (rseq-arm64.h): RSEQ_ASM_DEFINE_TABLE, RSEQ_ASM_STORE_RSEQ_CS,
 * RSEQ_ASM_CMP_CPU_ID, RSEQ_ASM_DEFINE_ABORT. x15 (RSEQ_ASM_TMP_REG) and
 * x14 are scratch registers.
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
		"	str	%[mark], [%[word]]\n"
		"	mov	x14, %[spins]\n"
		"5:	ldr	x15, [%[word]]\n"
		"	cmp	x15, %[mark]\n"
		"	b.ne	%l[changed]\n"
		"	subs	x14, x14, #1\n"
		"	b.ne	5b\n"
		"	str	xzr, [%[word]]\n"
		"3:\n"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* asm goto has no outputs */
		: [cpu_id]		"r" (cpu),
		  [current_cpu_id]	"Qo" (*id),
		  [rseq_cs]		"m" (abi->rseq_cs.arch.ptr),
		  [word]		"r" (word),
		  [mark]		"r" (mark),
		  [spins]		"r" (spins)
		: "memory", "cc", "x14", "x15"
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
		"	ldr	x15, [%[active]]\n"
		/* Widen the window between the load and the commit. */
		"	mov	x14, %[delay]\n"
		"6:	subs	x14, x14, #1\n"
		"	b.hs	6b\n"
		"	add	x15, x15, %[off]\n"
		"	ldr	x14, [x15]\n"
		"	add	x14, x14, %[inc]\n"
		"	str	x14, [x15]\n"
		"3:\n"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* asm goto has no outputs */
		: [cpu_id]		"r" (cpu),
		  [current_cpu_id]	"Qo" (abi->cpu_id),
		  [rseq_cs]		"m" (abi->rseq_cs.arch.ptr),
		  [active]		"r" (active),
		  [off]			"r" (off),
		  [inc]			"r" (inc),
		  [delay]		"r" (delay)
		: "memory", "cc", "x14", "x15"
		: abort);
	rseq_after_asm_goto();
	return 0;
abort:
	rseq_after_asm_goto();
	return -1;
}
