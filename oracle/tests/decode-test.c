// SPDX-License-Identifier: GPL-2.0
/*
 * The event decoders (oracle/decode.c) against known encodings: every
 * event kind, the near misses that must not count (CR8, SWAPGS, SYSRET,
 * SYSEXIT, LMSW, an unallocated hint...), and the options that switch
 * WRMSR, ERET and exception entry. KTAP on stdout.
 */
#include <stdio.h>
#include <string.h>
#include "../oracle.h"

struct options opt;
const struct arch *arch;

struct enc {
	const char *arch, *what;
	uint8_t b[16];
	size_t len;
	enum kind want;
	int wrmsr, eos, eis;	/* options; -1 = default on */
};

#define X(what, k, ...) { "x86_64", what, { __VA_ARGS__ }, \
	sizeof((uint8_t[]){ __VA_ARGS__ }), k, 0, 1, 1 }
#define A(what, k, w, ...) { "aarch64", what, { (w) & 0xff, (w) >> 8 & 0xff, \
	(w) >> 16 & 0xff, (uint32_t)(w) >> 24 }, 4, k, 0, __VA_ARGS__ }

static const struct enc encs[] = {
	X("cpuid", K_CPUID, 0x0f, 0xa2),
	X("iretq", K_IRET, 0x48, 0xcf),
	X("iret", K_IRET, 0xcf),
	X("serialize", K_SERIALIZE, 0x0f, 0x01, 0xe8),
	X("rsm", K_RSM, 0x0f, 0xaa),
	X("mov %rax,%cr3", K_MOV_CR, 0x0f, 0x22, 0xd8),
	X("mov %rax,%cr0", K_MOV_CR, 0x0f, 0x22, 0xc0),
	X("mov %rdi,%cr4", K_MOV_CR, 0x0f, 0x22, 0xe7),
	X("mov %rax,%cr8 (not serializing)", K_NONE, 0x44, 0x0f, 0x22, 0xc0),
	X("mov %cr3,%rax (a read)", K_NONE, 0x0f, 0x20, 0xd8),
	X("mov %rax,%db7", K_MOV_DR, 0x0f, 0x23, 0xf8),
	X("wrmsr (off by default)", K_NONE, 0x0f, 0x30),
	X("lgdt (%rax)", K_LGDT, 0x0f, 0x01, 0x10),
	X("lidt (%rax)", K_LIDT, 0x0f, 0x01, 0x18),
	X("lldt %ax", K_LLDT, 0x0f, 0x00, 0xd0),
	X("ltr %ax", K_LTR, 0x0f, 0x00, 0xd8),
	X("sldt %ax (not)", K_NONE, 0x0f, 0x00, 0xc0),
	X("invd", K_INVD, 0x0f, 0x08),
	X("wbinvd", K_WBINVD, 0x0f, 0x09),
	X("invlpg (%rax)", K_INVLPG, 0x0f, 0x01, 0x38),
	X("swapgs (not)", K_NONE, 0x0f, 0x01, 0xf8),
	X("rdtscp (not)", K_NONE, 0x0f, 0x01, 0xf9),
	X("lmsw (not)", K_NONE, 0x0f, 0x01, 0x30),
	X("invpcid (%rax),%rcx", K_INVPCID, 0x66, 0x0f, 0x38, 0x82, 0x08),
	X("0f 38 82 without 66 (not)", K_NONE, 0x0f, 0x38, 0x82, 0x08),
	X("sysret (not)", K_NONE, 0x48, 0x0f, 0x07),
	X("sysexit (not)", K_NONE, 0x0f, 0x35),
	X("syscall (not)", K_NONE, 0x0f, 0x05),
	X("mfence (not)", K_NONE, 0x0f, 0xae, 0xf0),
	X("lfence (not)", K_NONE, 0x0f, 0xae, 0xe8),
	X("nop (not)", K_NONE, 0x90),
	X("ret (not)", K_NONE, 0xc3),
	X("prefixes only (not)", K_NONE, 0x66, 0x66),
	X("truncated 0f (not)", K_NONE, 0x0f),
	X("the phase marker", K_MARK, 0x0f, 0x1f, 0x84, 0x00, 0xc1, 0x0a, 0x0e, 0x5c),
	X("another long nop (not)", K_NONE, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0),
	A("isb", K_ISB, 0xd5033fdfu, 1, 1),
	A("eret", K_ERET, 0xd69f03e0u, 1, 1),
	A("eretaa", K_ERET, 0xd69f0bffu, 1, 1),
	A("eret with eos=off (not)", K_NONE, 0xd69f03e0u, 0, 1),
	A("svc #0", K_EXC_ENTRY, 0xd4000001u, 1, 1),
	A("hvc #0", K_EXC_ENTRY, 0xd4000002u, 1, 1),
	A("brk #0x800", K_EXC_ENTRY, 0xd4210000u, 1, 1),
	A("svc with eis=off (not)", K_NONE, 0xd4000001u, 1, 0),
	A("dsb ish (not)", K_NONE, 0xd5033b9fu, 1, 1),
	A("dmb ish (not)", K_NONE, 0xd5033bbfu, 1, 1),
	A("ic ivau, x0 (not modelled)", K_NONE, 0xd50b7520u, 1, 1),
	A("ret (not)", K_NONE, 0xd65f03c0u, 1, 1),
	A("nop (not)", K_NONE, 0xd503201fu, 1, 1),
	A("the phase marker", K_MARK, 0xd2ab81dfu, 1, 1),
	A("movz x0 (not)", K_NONE, 0xd2ab81c0u, 1, 1),
};

int main(void)
{
	size_t n = sizeof(encs) / sizeof(encs[0]), i;
	int fails = 0;

	printf("TAP version 13\n1..%zu\n", n + 1);
	for (i = 0; i < n; i++) {
		const struct enc *e = &encs[i];
		enum kind got;

		arch = arch_find(e->arch);
		opt.wrmsr = e->wrmsr;
		opt.eos = e->eos;
		opt.eis = e->eis;
		got = arch->decode(e->b, e->len);
		fails += got != e->want;
		printf("%sok %zu %s %s: %s\n", got == e->want ? "" : "not ",
		       i + 1, arch->name, e->what, kind_name[got]);
	}
	/* WRMSR counts when asked to. */
	arch = arch_find("x86_64");
	opt.wrmsr = 1;
	i = arch->decode((const uint8_t *)"\x0f\x30", 2) == K_WRMSR;
	fails += !i;
	printf("%sok %zu x86_64 wrmsr with wrmsr=on: WRMSR\n", i ? "" : "not ", n + 1);
	return fails ? 1 : 0;
}
