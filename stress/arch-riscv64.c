// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 code emission and instruction-cache synchronization for
 * stress-syncore.
 *
 * Instruction fetch is not coherent with data stores, and FENCE.I, the
 * only unprivileged way to synchronize them, acts on the executing hart
 * alone. The writer asks the kernel (riscv_flush_icache()) to run FENCE.I
 * on its hart and to flush the other harts when they next switch to this
 * mm; every hart that is running the mm meanwhile must run FENCE.I before
 * it executes the new code: the membarrier SYNC_CORE IPI does, on return
 * to user mode (riscv's sync_core_before_usermode()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/cachectl.h>

#include "arch.h"

/*
 * The kernel's SYS_RISCV_FLUSH_ICACHE_LOCAL (asm/cacheflush.h, not in its
 * UAPI): flush this hart now and every other hart at its next switch_mm()
 * to this mm, without IPIs.
 */
#define FLUSH_ICACHE_LOCAL	1ul

static int flush_err;
static char description[160];

static void fence_i(void)
{
	asm volatile("fence.i" ::: "memory");
}

void arch_init(void)
{
	static char probe[ARCH_SLOT_SIZE];

	/* qemu-user may lack the syscall: then FENCE.I alone. */
	if (__riscv_flush_icache(probe, probe + sizeof(probe),
				 FLUSH_ICACHE_LOCAL))
		flush_err = errno;
	snprintf(description, sizeof(description),
		 "riscv_flush_icache(local) %s, consumer fence %s",
		 flush_err ? strerror(flush_err) : "ok", arch_fence_name());
}

const char *arch_name(void)
{
	return "riscv64";
}

const char *arch_describe(void)
{
	return description;
}

const char *arch_fence_name(void)
{
	return "fence.i";
}

#define RV_A0		10u
#define RV_LUI		0x37u
#define RV_OP_IMM_32	0x1bu		/* ADDIW: funct3 0 */
#define RV_RET		0x00008067u	/* jalr x0, 0(ra) */
/* The all-zero parcel is reserved as illegal, 16- and 32-bit alike. */
#define RV_ILLEGAL	0x00000000u

/* LUI a0, imm20 and ADDIW a0, a0, imm12 */
static uint32_t lui_a0(uint32_t imm20)
{
	return (imm20 & 0xfffff) << 12 | RV_A0 << 7 | RV_LUI;
}

static uint32_t addiw_a0(uint32_t imm12)
{
	return (imm12 & 0xfff) << 20 | RV_A0 << 15 | RV_A0 << 7 | RV_OP_IMM_32;
}

/*
 *   0: lui   a0, %hi(gen)
 *   4: addiw a0, a0, %lo(gen)
 *   8: ret
 *  12: illegal padding
 *
 * ADDIW sign-extends its 12-bit immediate, so %hi is rounded up when bit
 * 11 of gen is set ((gen + 0x800) >> 12) and %lo is the signed remainder;
 * the sum is exact modulo 2^32, so every 32-bit gen is encodable. ADDIW
 * leaves a0 sign-extended from bit 31, as the ABI returns 32-bit values.
 */
void arch_emit_gen(void *rw, uint32_t gen)
{
	uint32_t *p = rw;
	uint32_t hi = (gen + 0x800) >> 12, lo = gen - (hi << 12);
	size_t i;

	for (i = 3; i < ARCH_SLOT_SIZE / 4; i++)
		p[i] = RV_ILLEGAL;
	__atomic_store_n(&p[0], lui_a0(hi), __ATOMIC_RELAXED);
	__atomic_store_n(&p[1], addiw_a0(lo), __ATOMIC_RELAXED);
	__atomic_store_n(&p[2], RV_RET, __ATOMIC_RELAXED);
}

uint32_t arch_read_gen(const void *code)
{
	const uint32_t *p = code;
	uint32_t hi = __atomic_load_n(&p[0], __ATOMIC_RELAXED);
	uint32_t lo = __atomic_load_n(&p[1], __ATOMIC_RELAXED);

	if ((hi & 0xfff) != lui_a0(0) || (lo & 0xfffff) != addiw_a0(0) ||
	    __atomic_load_n(&p[2], __ATOMIC_RELAXED) != RV_RET)
		return ARCH_NO_GEN;
	/* imm20 << 12, plus the sign-extended imm12 (bits 31:20) */
	return (hi & 0xfffff000u) + (uint32_t)((int32_t)lo >> 20);
}

void arch_emit_trap(void *rw)
{
	uint32_t *p = rw;
	size_t i;

	for (i = 0; i < ARCH_SLOT_SIZE / 4; i++)
		__atomic_store_n(&p[i], RV_ILLEGAL, __ATOMIC_RELAXED);
}

/*
 * FENCE.I orders this hart's fetches after the stores it has seen, over
 * the whole instruction cache: the range, and which view of a dual
 * mapping it names, do not matter. But the thread may migrate before it
 * runs the code, so the kernel does it: riscv_flush_icache(LOCAL) runs
 * FENCE.I on this hart (after a full barrier: a syscall) and marks every
 * other hart's icache stale for this mm, to be flushed at its next
 * switch_mm() to the mm. Harts running the mm now are not touched, nor is
 * one that lazily holds it and returns to it without switch_mm(): making
 * them fetch the new code is the barrier's job (membarrier SYNC_CORE).
 *
 * Flags 0, what __builtin___clear_cache() passes (glibc's
 * __riscv_flush_icache()), would IPI every hart running the mm with
 * FENCE.I: the whole SYNC_CORE guarantee, given before the barrier under
 * test runs, so the negative controls could never fail on riscv.
 */
void arch_sync_icache(void *rw, void *rx, size_t len)
{
	(void)rx;
	if (flush_err || __riscv_flush_icache(rw, (char *)rw + len,
					      FLUSH_ICACHE_LOCAL))
		fence_i();
}

/*
 * FENCE.I on the executing hart. Linux may migrate the thread to another
 * hart between this fence and the call; that hart is flushed only if it
 * switches to the mm then (PR_RISCV_SET_ICACHE_FLUSH_CTX would flush on
 * every migration, but it would also hide a missing SYNC_CORE on the lazy
 * path, so the tool leaves the process in the default ABI). The
 * consumer-fence mode is therefore best effort on SMP riscv hardware.
 */
void arch_consumer_fence(void)
{
	fence_i();
}

enum arch_id arch_id(void)
{
	return ARCH_RISCV64;
}

/*
 * Every hart running the mm needs a FENCE.I. riscv_flush_icache() without
 * LOCAL (what __builtin___clear_cache() asks for) or SYNC_CORE gives it;
 * an executor's own FENCE.I does not survive a migration to a hart
 * already running the mm (see arch_consumer_fence()).
 */
const char *arch_protocol_gap(enum icache_step ic, bool core_synced,
			      bool fence)
{
	(void)fence;
	if (ic == IC_CLEAR || ic == IC_CLEAR_BOTH || core_synced)
		return NULL;
	return "a FENCE.I on every hart running the mm (riscv_flush_icache() without LOCAL, or SYNC_CORE); an executor's own FENCE.I is lost when it migrates";
}
