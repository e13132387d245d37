// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 code emission and synchronization for stress-syncore.
 *
 * x86 keeps instruction fetch coherent with data stores, so no cache
 * maintenance is needed; the cross-modifying code rules (Intel SDM,
 * "Handling Self- and Cross-Modifying Code") still require every executing
 * CPU to run a serializing instruction between the modification and the
 * execution: membarrier SYNC_CORE provides it remotely, the consumer fence
 * locally (SERIALIZE when the CPU has it, CPUID otherwise).
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"

static int has_serialize;
static char description[128];

void arch_init(void)
{
	unsigned int eax, ebx, ecx, edx;

	/* CPUID.(EAX=7,ECX=0):EDX[14] = SERIALIZE */
	if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		has_serialize = !!(edx & (1u << 14));
	snprintf(description, sizeof(description),
		 "coherent icache, SERIALIZE %s, consumer fence %s",
		 has_serialize ? "yes" : "no", arch_fence_name());
}

const char *arch_name(void)
{
	return "x86_64";
}

const char *arch_describe(void)
{
	return description;
}

const char *arch_fence_name(void)
{
	return has_serialize ? "serialize" : "cpuid";
}

/*
 * Slot layout: a 3-byte NOP so that the immediate of MOV lands on a 4-byte
 * boundary and is replaced by one aligned store, then MOV EAX, imm32; RET.
 *
 *   0: 0f 1f 00        nopl (%rax)
 *   3: b8 xx xx xx xx  mov $gen, %eax
 *   8: c3              ret
 *   9: cc ...          int3 padding
 */
void arch_emit_gen(void *rw, uint32_t gen)
{
	unsigned char *p = rw;

	if (p[0] != 0x0f || p[3] != 0xb8 || p[8] != 0xc3) {
		memset(p, 0xcc, ARCH_SLOT_SIZE);
		p[0] = 0x0f;
		p[1] = 0x1f;
		p[2] = 0x00;
		p[3] = 0xb8;
		p[8] = 0xc3;
	}
	__atomic_store_n((uint32_t *)(p + 4), gen, __ATOMIC_RELAXED);
}

uint32_t arch_read_gen(const void *code)
{
	const unsigned char *p = code;

	if (p[0] != 0x0f || p[3] != 0xb8 || p[8] != 0xc3)
		return ARCH_NO_GEN;
	return __atomic_load_n((const uint32_t *)(p + 4), __ATOMIC_RELAXED);
}

void arch_emit_trap(void *rw)
{
	unsigned char *p = rw;

	/* ud2 at the entry point; the next emit rebuilds the slot. */
	memset(p, 0xcc, ARCH_SLOT_SIZE);
	p[0] = 0x0f;
	p[1] = 0x0b;
}

void arch_sync_icache(void *rw, void *rx, size_t len)
{
	(void)rw;
	(void)rx;
	(void)len;
	/*
	 * x86 stores are seen in program order (TSO) and instruction fetch
	 * snoops them: only keep the compiler from moving the code stores
	 * past the barrier and the release store that publishes them.
	 */
	asm volatile("" ::: "memory");
}

void arch_consumer_fence(void)
{
	unsigned int eax = 0, ebx, ecx = 0, edx;

	if (has_serialize) {
		/* SERIALIZE, spelled out for older assemblers */
		asm volatile(".byte 0x0f, 0x01, 0xe8" ::: "memory");
		return;
	}
	asm volatile("cpuid"
		     : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx)
		     :
		     : "memory");
}

enum arch_id arch_id(void)
{
	return ARCH_X86_64;
}

/*
 * Fetch is coherent, so no maintenance counts; the SDM still asks each
 * executing CPU for a serializing instruction after the modification.
 */
const char *arch_protocol_gap(enum icache_step ic, bool core_synced,
			      bool fence)
{
	(void)ic;
	if (core_synced || fence)
		return NULL;
	return "a serializing instruction on each executing CPU (Intel SDM, cross-modifying code)";
}
