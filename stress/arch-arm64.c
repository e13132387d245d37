// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 code emission and cache maintenance for stress-syncore.
 *
 * Instruction fetch is not coherent with data stores. A writer must clean
 * the data cache to the point of unification (DC CVAU, unless CTR_EL0.IDC),
 * DSB ISH, invalidate the instruction cache (IC IVAU, unless CTR_EL0.DIC),
 * DSB ISH; and every PE that executes the new code must then be context
 * synchronized (ISB, an exception return, or the membarrier SYNC_CORE IPI).
 */
#include <stdio.h>

#include "arch.h"

#define CTR_IDC		(1ul << 28)
#define CTR_DIC		(1ul << 29)

static unsigned long ctr;
static size_t dline, iline;
static char description[160];

static unsigned long read_ctr(void)
{
	unsigned long v;

	/* EL0 may read CTR_EL0; the kernel traps and fixes it if needed. */
	asm volatile("mrs %0, ctr_el0" : "=r"(v));
	return v;
}

void arch_init(void)
{
	ctr = read_ctr();
	/* DminLine [19:16] and IminLine [3:0]: log2 of the line in words */
	dline = 4ul << ((ctr >> 16) & 0xf);
	iline = 4ul << (ctr & 0xf);
	snprintf(description, sizeof(description),
		 "ctr_el0=%#lx idc=%d dic=%d dline=%zu iline=%zu, consumer fence %s",
		 ctr, !!(ctr & CTR_IDC), !!(ctr & CTR_DIC), dline, iline,
		 arch_fence_name());
}

const char *arch_name(void)
{
	return "arm64";
}

const char *arch_describe(void)
{
	return description;
}

const char *arch_fence_name(void)
{
	return "isb";
}

/* MOVZ W0, #imm16, LSL #(hw*16) and MOVK W0, #imm16, LSL #(hw*16) */
static uint32_t movz_w0(uint32_t imm16, uint32_t hw)
{
	return 0x52800000u | (hw << 21) | ((imm16 & 0xffff) << 5);
}

static uint32_t movk_w0(uint32_t imm16, uint32_t hw)
{
	return 0x72800000u | (hw << 21) | ((imm16 & 0xffff) << 5);
}

#define A64_RET		0xd65f03c0u
#define A64_UDF		0x00000000u

/*
 *   0: movz w0, #(gen & 0xffff)
 *   4: movk w0, #(gen >> 16), lsl #16
 *   8: ret
 *  12: udf padding
 */
void arch_emit_gen(void *rw, uint32_t gen)
{
	uint32_t *p = rw;
	size_t i;

	for (i = 3; i < ARCH_SLOT_SIZE / 4; i++)
		p[i] = A64_UDF;
	__atomic_store_n(&p[0], movz_w0(gen & 0xffff, 0), __ATOMIC_RELAXED);
	__atomic_store_n(&p[1], movk_w0(gen >> 16, 1), __ATOMIC_RELAXED);
	__atomic_store_n(&p[2], A64_RET, __ATOMIC_RELAXED);
}

uint32_t arch_read_gen(const void *code)
{
	const uint32_t *p = code;
	uint32_t imm = 0xffffu << 5;
	uint32_t lo = __atomic_load_n(&p[0], __ATOMIC_RELAXED);
	uint32_t hi = __atomic_load_n(&p[1], __ATOMIC_RELAXED);

	if ((lo & ~imm) != movz_w0(0, 0) || (hi & ~imm) != movk_w0(0, 1) ||
	    __atomic_load_n(&p[2], __ATOMIC_RELAXED) != A64_RET)
		return ARCH_NO_GEN;
	return ((lo & imm) >> 5) | ((hi & imm) >> 5) << 16;
}

void arch_emit_trap(void *rw)
{
	uint32_t *p = rw;
	size_t i;

	for (i = 0; i < ARCH_SLOT_SIZE / 4; i++)
		__atomic_store_n(&p[i], A64_UDF, __ATOMIC_RELAXED);
}

void arch_sync_icache(void *rw, void *rx, size_t len)
{
	unsigned long start, end, a;

	if (!(ctr & CTR_IDC)) {
		start = (unsigned long)rw & ~(dline - 1);
		end = (unsigned long)rw + len;
		for (a = start; a < end; a += dline)
			asm volatile("dc cvau, %0" :: "r"(a) : "memory");
	}
	/* Always: with IDC and DIC set the stores still need completing. */
	asm volatile("dsb ish" ::: "memory");
	if (!(ctr & CTR_DIC)) {
		start = (unsigned long)rx & ~(iline - 1);
		end = (unsigned long)rx + len;
		for (a = start; a < end; a += iline)
			asm volatile("ic ivau, %0" :: "r"(a) : "memory");
		asm volatile("dsb ish" ::: "memory");
	}
}

void arch_consumer_fence(void)
{
	asm volatile("isb" ::: "memory");
}

enum arch_id arch_id(void)
{
	return ARCH_ARM64;
}

/*
 * Both halves are needed: the maintenance makes the new code reach the
 * point of unification and leaves no stale line in any icache; each PE
 * then needs a context synchronization event before it runs the code.
 */
const char *arch_protocol_gap(enum icache_step ic, bool core_synced,
			      bool fence)
{
	if (ic == IC_NONE)
		return "cache maintenance (DC CVAU, IC IVAU) of the written code";
	if (!core_synced && !fence)
		return "a context synchronization event on every executing PE (ISB, or the SYNC_CORE IPI); IC IVAU alone does not flush a PE's pipeline";
	return NULL;
}
