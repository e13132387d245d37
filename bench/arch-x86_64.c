// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 side of syncore-bench: the serializing instructions user space
 * can run, the spin-loop hint and the hypervisor signature.
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

#include "lib.h"

const char *arch_name(void)
{
	return "x86_64";
}

void arch_cpu_relax(void)
{
	__builtin_ia32_pause();
}

/* CPUID.1:ECX[31] says a hypervisor is there; leaf 0x40000000 names it. */
const char *arch_hypervisor(void)
{
	static char sig[13];
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return NULL;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	return sig;
}

static int has_serialize(void)
{
	unsigned int a, b, c, d;

	/* CPUID.(EAX=7,ECX=0):EDX[14] */
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return !!(d & (1u << 14));
}

int arch_ser_supported(enum ser_op op, char *why, size_t len)
{
	switch (op) {
	case SER_CPUID:
	case SER_IRET:
		return 1;
	case SER_SERIALIZE:
		if (has_serialize())
			return 1;
		snprintf(why, len,
			 "this CPU has no SERIALIZE (CPUID.(EAX=7,ECX=0):EDX[14] = 0)");
		return 0;
	case SER_ISB:
		snprintf(why, len, "not an x86_64 instruction (arm64 only)");
		return 0;
	default:
		snprintf(why, len, "not an x86_64 instruction (riscv64 only)");
		return 0;
	}
}

/* CPUID leaf 0: architecturally serializing; traps to a hypervisor. */
static void loop_cpuid(long iters)
{
	unsigned int a, b, c, d;

	while (iters--)
		asm volatile("cpuid"
			     : "=a" (a), "=b" (b), "=c" (c), "=d" (d)
			     : "0" (0), "2" (0) : "memory");
}

/* SERIALIZE, spelled as bytes for assemblers that predate it. */
static void loop_serialize(long iters)
{
	while (iters--)
		asm volatile(".byte 0x0f, 0x01, 0xe8" ::: "memory");
}

/*
 * IRET to the next instruction, the way the kernel's sync_core() does when
 * SERIALIZE is missing: build an interrupt frame (SS, RSP, RFLAGS, CS,
 * RIP) and IRETQ to it. It works at CPL 3 and never exits to a hypervisor.
 * The frame goes below the 128-byte red zone the compiler may be using,
 * and RIP is loaded RIP-relative so that PIE builds link.
 */
static void loop_iret(long iters)
{
	unsigned long tmp;

	while (iters--)
		asm volatile("sub $128, %%rsp\n\t"
			     "mov %%ss, %0\n\t"
			     "push %0\n\t"
			     "lea 8(%%rsp), %0\n\t"
			     "push %0\n\t"
			     "pushfq\n\t"
			     "mov %%cs, %0\n\t"
			     "push %0\n\t"
			     "lea 1f(%%rip), %0\n\t"
			     "push %0\n\t"
			     "iretq\n"
			     "1:\tadd $128, %%rsp"
			     : "=&r" (tmp) : : "cc", "memory");
}

void arch_ser_loop(enum ser_op op, long iters)
{
	switch (op) {
	case SER_CPUID:
		loop_cpuid(iters);
		break;
	case SER_SERIALIZE:
		loop_serialize(iters);
		break;
	case SER_IRET:
		loop_iret(iters);
		break;
	default:
		break;
	}
}
